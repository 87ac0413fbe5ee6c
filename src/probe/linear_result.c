// linear_result.c: result grids of the linear probes: allocation, exact gathering over ranks,
// best-l2 selection (mean and std over folds), the NetCDF file (atomic, io/ncio.h) and the
// stdout table.
#include "linear_result.h"

#include "core/cli.h"
#include "core/error.h"
#include "io/ncio.h"

#include <math.h>
#include <mpi.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>

int linear_result_init(linear_result *r, int classify, int ntask, int nl2, int nfold, int64_t kmax,
                       int64_t n, const double *l2, const int *nclass) {
    memset(r, 0, sizeof *r);
    r->classify = classify, r->ntask = ntask, r->nl2 = nl2, r->nfold = nfold;
    r->kmax = classify ? 0 : kmax, r->n = n;
    size_t g = (size_t)ntask * nl2 * nfold, km = (size_t)(r->kmax > 0 ? r->kmax : 1);
    r->l2 = malloc((size_t)nl2 * sizeof *r->l2);
    r->nclass = calloc((size_t)ntask, sizeof *r->nclass);
    r->k = calloc((size_t)ntask, sizeof *r->k);
    r->score = calloc(g, sizeof(double));
    r->accuracy = calloc(g, sizeof(double));
    r->mean_class = calloc(g, sizeof(double));
    r->n_iter = calloc(g, sizeof(double));
    r->r2_target = calloc(g * km, sizeof(double));
    r->fold_of = calloc((size_t)ntask * (size_t)n, sizeof *r->fold_of);
    r->best_index = calloc((size_t)ntask, sizeof *r->best_index);
    r->best_l2 = calloc((size_t)ntask * 7, sizeof(double));
    r->test_r2_target = calloc((size_t)ntask * km, sizeof(double));
    if (!r->l2 || !r->nclass || !r->k || !r->score || !r->accuracy || !r->mean_class ||
        !r->n_iter || !r->r2_target || !r->fold_of || !r->best_index || !r->best_l2 ||
        !r->test_r2_target) {
        linear_result_free(r);
        return inv_fail(INV_ENOMEM, "linear probe results: out of memory");
    }
    r->best_mean = r->best_l2 + ntask, r->best_std = r->best_l2 + 2 * ntask;
    r->test_score = r->best_l2 + 3 * ntask, r->test_accuracy = r->best_l2 + 4 * ntask;
    r->test_mean_class = r->best_l2 + 5 * ntask;
    memcpy(r->l2, l2, (size_t)nl2 * sizeof *l2);
    if (nclass) memcpy(r->nclass, nclass, (size_t)ntask * sizeof *nclass);
    return INV_OK;
}

static int sum_all(double *x, size_t count) {
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size == 1 || count == 0) return INV_OK;
    INV_CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, x, (int)count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    return INV_OK;
}

int linear_result_gather(linear_result *r) {
    size_t g = (size_t)r->ntask * r->nl2 * r->nfold;
    INV_TRY(sum_all(r->score, g));
    if (r->classify) {
        INV_TRY(sum_all(r->accuracy, g));
        INV_TRY(sum_all(r->mean_class, g));
        INV_TRY(sum_all(r->n_iter, g));
    } else {
        INV_TRY(sum_all(r->r2_target, g * (size_t)r->kmax));
    }
    return INV_OK;
}

int linear_result_gather_test(linear_result *r) {
    r->have_test = 1;
    INV_TRY(sum_all(r->test_score, (size_t)r->ntask * 3)); // test_score, _accuracy, _mean_class
    if (!r->classify) INV_TRY(sum_all(r->test_r2_target, (size_t)r->ntask * (size_t)r->kmax));
    return INV_OK;
}

void linear_result_choose_best(linear_result *r) {
    for (int t = 0; t < r->ntask; t++) {
        int best = 0;
        double best_mean = -INFINITY, best_std = 0;
        for (int a = 0; a < r->nl2; a++) {
            double m = 0, v = 0;
            for (int f = 0; f < r->nfold; f++) m += r->score[linear_result_at(r, t, a, f)];
            m /= r->nfold;
            for (int f = 0; f < r->nfold; f++) {
                double c = r->score[linear_result_at(r, t, a, f)] - m;
                v += c * c;
            }
            if (m > best_mean) best_mean = m, best_std = sqrt(v / r->nfold), best = a;
        }
        r->best_index[t] = best;
        r->best_l2[t] = r->l2[best];
        r->best_mean[t] = best_mean;
        r->best_std[t] = best_std;
    }
}

static void pad_nan(const linear_result *r, double *grid, double *test) {
    // Regress tasks with fewer targets than kmax: NaN in the unused target slots.
    for (int t = 0; t < r->ntask; t++)
        for (int64_t j = r->k[t]; j < r->kmax; j++) {
            for (int a = 0; a < r->nl2; a++)
                for (int f = 0; f < r->nfold; f++)
                    grid[linear_result_at(r, t, a, f) * r->kmax + j] = NAN;
            test[t * r->kmax + j] = NAN;
        }
}

int linear_result_write(const linear_result *r, const char *path, const linear_result_meta *m) {
    nc_out o;
    INV_TRY(ncout_create(&o, path));
    int id = o.ncid, rc = INV_OK;
    int d_task, d_l2, d_fold, d_n, d_target = -1;
    int v_l2, v_name, v_score, v_fold_of, v_bi, v_bl2, v_bm, v_bs,
        v_acc = -1, v_mc = -1, v_it = -1, v_r2 = -1, v_ts = -1, v_ta = -1, v_tm = -1, v_tr = -1,
        v_ncl = -1, v_k = -1;
#define NC(call)               INV_CHECK_NC_GOTO(rc, call, path, fail)
#define TEXT(var, name, value) INV_TRY_GOTO(rc, nc_put_text(id, var, name, value, path), fail)
    NC(nc_def_dim(id, "task", (size_t)r->ntask, &d_task));
    NC(nc_def_dim(id, "l2", (size_t)r->nl2, &d_l2));
    NC(nc_def_dim(id, "fold", (size_t)r->nfold, &d_fold));
    NC(nc_def_dim(id, "n", (size_t)r->n, &d_n));
    if (!r->classify) NC(nc_def_dim(id, "target", (size_t)r->kmax, &d_target));
    int g3[3] = {d_task, d_l2, d_fold}, g4[4] = {d_task, d_l2, d_fold, d_target};
    int tn[2] = {d_task, d_n}, tt[2] = {d_task, d_target};
    NC(nc_def_var(id, "l2", NC_DOUBLE, 1, &d_l2, &v_l2));
    NC(nc_def_var(id, "task_name", NC_STRING, 1, &d_task, &v_name));
    NC(nc_def_var(id, "score", NC_DOUBLE, 3, g3, &v_score));
    NC(nc_def_var(id, "fold_of", NC_INT, 2, tn, &v_fold_of));
    NC(nc_def_var(id, "best_index", NC_INT, 1, &d_task, &v_bi));
    NC(nc_def_var(id, "best_l2", NC_DOUBLE, 1, &d_task, &v_bl2));
    NC(nc_def_var(id, "best_mean", NC_DOUBLE, 1, &d_task, &v_bm));
    NC(nc_def_var(id, "best_std", NC_DOUBLE, 1, &d_task, &v_bs));
    if (r->classify) {
        NC(nc_def_var(id, "accuracy", NC_DOUBLE, 3, g3, &v_acc));
        NC(nc_def_var(id, "mean_class_accuracy", NC_DOUBLE, 3, g3, &v_mc));
        NC(nc_def_var(id, "n_iter", NC_INT, 3, g3, &v_it));
        NC(nc_def_var(id, "n_class", NC_INT, 1, &d_task, &v_ncl));
        TEXT(v_mc, "long_name", "mean over classes of the fraction of each class predicted right");
        TEXT(v_it, "long_name", "L-BFGS iterations of the fit");
    } else {
        NC(nc_def_var(id, "r2_target", NC_DOUBLE, 4, g4, &v_r2));
        NC(nc_def_var(id, "n_target", NC_INT, 1, &d_task, &v_k));
        TEXT(v_r2, "long_name", "R^2 of each target (NaN beyond the task's n_target)");
    }
    if (r->have_test) {
        NC(nc_def_var(id, "test_score", NC_DOUBLE, 1, &d_task, &v_ts));
        TEXT(v_ts, "long_name", "held-out score of the refit at best_l2");
        if (r->classify) {
            NC(nc_def_var(id, "test_accuracy", NC_DOUBLE, 1, &d_task, &v_ta));
            NC(nc_def_var(id, "test_mean_class_accuracy", NC_DOUBLE, 1, &d_task, &v_tm));
        } else {
            NC(nc_def_var(id, "test_r2_target", NC_DOUBLE, 2, tt, &v_tr));
        }
    }
    TEXT(v_score, "long_name",
         r->classify ? (r->metric_mean_class ? "mean per-class accuracy on the held-out fold"
                                             : "accuracy on the held-out fold")
                     : "R^2 on the held-out fold, uniform average over targets");
    TEXT(v_l2, "long_name", "l2 penalty: Ridge alpha = 1/l2, LogisticRegression C = 1/l2");
    TEXT(v_bs, "long_name", "standard deviation over folds (ddof 0) at best_l2");
    TEXT(v_fold_of, "long_name", "cross-validation fold of each example");
    TEXT(NC_GLOBAL, "invar_kind", "linear_probe");
    TEXT(NC_GLOBAL, "invar_version", INVAR_VERSION);
    TEXT(NC_GLOBAL, "features", m->features);
    TEXT(NC_GLOBAL, "data", m->data);
    TEXT(NC_GLOBAL, "task", m->task_kind);
    TEXT(NC_GLOBAL, "model",
         r->classify ? "multinomial logistic regression (L-BFGS), C = 1/l2"
                     : "ridge regression, alpha = 1/l2");
    TEXT(NC_GLOBAL, "protocol", m->protocol);
    TEXT(NC_GLOBAL, "metric", r->classify ? m->metric : "r2");
    TEXT(NC_GLOBAL, "standardize", m->standardize ? "yes" : "no");
    if (m->test_features) TEXT(NC_GLOBAL, "test_features", m->test_features);
    if (m->test_data) TEXT(NC_GLOBAL, "test_data", m->test_data);
    char buf[64];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)m->seed);
    TEXT(NC_GLOBAL, "seed", buf);
    snprintf(buf, sizeof buf, "%d", r->l2_block);
    TEXT(NC_GLOBAL, "l2_block", buf);
    snprintf(buf, sizeof buf, "%.3f", m->seconds);
    TEXT(NC_GLOBAL, "seconds", buf);
    NC(nc_enddef(id));
    NC(nc_put_var_double(id, v_l2, r->l2));
    NC(nc_put_var_string(id, v_name, (const char **)m->task_names));
    NC(nc_put_var_double(id, v_score, r->score));
    NC(nc_put_var_int(id, v_fold_of, r->fold_of));
    NC(nc_put_var_int(id, v_bi, r->best_index));
    NC(nc_put_var_double(id, v_bl2, r->best_l2));
    NC(nc_put_var_double(id, v_bm, r->best_mean));
    NC(nc_put_var_double(id, v_bs, r->best_std));
    if (r->classify) {
        NC(nc_put_var_double(id, v_acc, r->accuracy));
        NC(nc_put_var_double(id, v_mc, r->mean_class));
        NC(nc_put_var_double(id, v_it, r->n_iter)); // converted to int by NetCDF
        NC(nc_put_var_int(id, v_ncl, r->nclass));
    } else {
        pad_nan(r, r->r2_target, r->test_r2_target);
        int kk[64];
        for (int t = 0; t < r->ntask && t < 64; t++) kk[t] = (int)r->k[t];
        NC(nc_put_var_double(id, v_r2, r->r2_target));
        NC(nc_put_var_int(id, v_k, kk));
    }
    if (r->have_test) {
        NC(nc_put_var_double(id, v_ts, r->test_score));
        if (r->classify) {
            NC(nc_put_var_double(id, v_ta, r->test_accuracy));
            NC(nc_put_var_double(id, v_tm, r->test_mean_class));
        } else {
            NC(nc_put_var_double(id, v_tr, r->test_r2_target));
        }
    }
#undef NC
#undef TEXT
    return ncout_commit(&o);
fail:
    ncout_abort(&o);
    return rc;
}

void linear_result_print(const linear_result *r, const linear_result_meta *m, FILE *out) {
    fprintf(out, "invar-probe linear: %s, %s protocol, %d folds x %d l2 values in %.1f s\n",
            r->classify ? "logistic regression" : "ridge regression", m->protocol, r->nfold, r->nl2,
            m->seconds);
    fprintf(out, "features %s, data %s\n", m->features, m->data);
    fprintf(out, "%-20s %10s %10s %9s%s\n", "task", "best_l2",
            r->classify ? (r->metric_mean_class ? "mean_class" : "accuracy") : "r2", "std",
            r->have_test ? "       test" : "");
    for (int t = 0; t < r->ntask; t++) {
        fprintf(out, "%-20.20s %10.3g %10.4f %9.4f", m->task_names[t], r->best_l2[t],
                r->best_mean[t], r->best_std[t]);
        if (r->have_test) fprintf(out, " %10.4f", r->test_score[t]);
        fprintf(out, "\n");
    }
}

void linear_result_free(linear_result *r) {
    free(r->l2), free(r->nclass), free(r->k), free(r->score), free(r->accuracy);
    free(r->mean_class), free(r->n_iter), free(r->r2_target), free(r->fold_of);
    free(r->best_index), free(r->best_l2), free(r->test_r2_target);
    memset(r, 0, sizeof *r);
}
