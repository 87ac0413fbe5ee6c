// cmd_krr.c: `invar-probe krr`: loads and standardises train/test features and targets,
// assigns shuffled folds, runs the kernel ridge grid on a BLACS grid of all ranks (krr.c) and
// writes r2(target), alpha(target), gamma(target) and the CV grid, with a summary table.
#include "blacs_grid.h"
#include "commands.h"
#include "folds.h"
#include "krr.h"
#include "probe_input.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "io/ncio.h"

#include <cblas.h> // OpenBLAS's: also openblas_set_num_threads
#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Causal3DIdent latent order (paper/NOTES.md).
static const char *const latent_names[10] = {
    "position_x",     "position_y",      "position_z", "rotation_alpha", "rotation_beta",
    "rotation_gamma", "spotlight_angle", "object_hue", "spotlight_hue",  "background_hue"};

// Standardises columns of a (n, d) float or double matrix into dst (double) with the mean and
// standard deviation (ddof 0; constant columns keep scale 1) of the `ref` rows.
static void column_stats(const double *ref, int64_t n, int64_t d, double *mean, double *scale) {
    for (int64_t j = 0; j < d; j++) mean[j] = 0, scale[j] = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) mean[j] += ref[i * d + j];
    for (int64_t j = 0; j < d; j++) mean[j] /= (double)n;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) {
            double c = ref[i * d + j] - mean[j];
            scale[j] += c * c;
        }
    for (int64_t j = 0; j < d; j++) {
        double sd = sqrt(scale[j] / (double)n);
        scale[j] = sd < 10 * 2.220446049250313e-16 ? 1.0 : 1.0 / sd;
    }
}

static void apply_stats(double *x, int64_t n, int64_t d, const double *mean, const double *scale) {
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) x[i * d + j] = (x[i * d + j] - mean[j]) * scale[j];
}

static double *to_double(const float *x, int64_t count) {
    double *o = malloc((size_t)count * sizeof *o);
    if (o)
        for (int64_t i = 0; i < count; i++) o[i] = x[i];
    return o;
}

typedef struct {
    const char *features, *data, *test_features, *test_data, *target, *solver;
    uint64_t seed;
    int nb, nprow, npcol;
    char **names;
} krr_meta;

static int write_result(const char *path, const krr_problem *p, const krr_result *r,
                        const krr_meta *m) {
    nc_out o;
    INV_TRY(ncout_create(&o, path));
    int id = o.ncid, rc = INV_OK;
    int dt, da, dg, df, dn, v_name, v_r2, v_a, v_g, v_ag, v_gg, v_cv, v_cm, v_fo;
#define NC(call)               INV_CHECK_NC_GOTO(rc, call, path, fail)
#define TEXT(var, name, value) INV_TRY_GOTO(rc, nc_put_text(id, var, name, value, path), fail)
    NC(nc_def_dim(id, "target", (size_t)p->k, &dt));
    NC(nc_def_dim(id, "alpha_grid", (size_t)p->na, &da));
    NC(nc_def_dim(id, "gamma_grid", (size_t)p->ng, &dg));
    NC(nc_def_dim(id, "fold", (size_t)p->nfold, &df));
    NC(nc_def_dim(id, "n", (size_t)p->n, &dn));
    NC(nc_def_var(id, "target_name", NC_STRING, 1, &dt, &v_name));
    NC(nc_def_var(id, "r2", NC_DOUBLE, 1, &dt, &v_r2));
    NC(nc_def_var(id, "alpha", NC_DOUBLE, 1, &dt, &v_a));
    NC(nc_def_var(id, "gamma", NC_DOUBLE, 1, &dt, &v_g));
    NC(nc_def_var(id, "alpha_grid", NC_DOUBLE, 1, &da, &v_ag));
    NC(nc_def_var(id, "gamma_grid", NC_DOUBLE, 1, &dg, &v_gg));
    int d4[4] = {df, da, dg, dt}, d3[3] = {da, dg, dt};
    NC(nc_def_var(id, "cv_r2", NC_DOUBLE, 4, d4, &v_cv));
    NC(nc_def_var(id, "cv_mean", NC_DOUBLE, 3, d3, &v_cm));
    NC(nc_def_var(id, "fold_of", NC_INT, 1, &dn, &v_fo));
    TEXT(v_r2, "long_name", "test R^2 of the refit with the target's chosen alpha and gamma");
    TEXT(v_cv, "long_name", "R^2 of each held-out training fold");
    TEXT(v_cm, "long_name", "mean over folds of cv_r2 (alpha, gamma chosen by its maximum)");
    TEXT(NC_GLOBAL, "invar_kind", "kernel_ridge");
    TEXT(NC_GLOBAL, "invar_version", INVAR_VERSION);
    TEXT(NC_GLOBAL, "model",
         "KernelRidge(kernel=rbf): k(a,b) = exp(-gamma ||a-b||^2), "
         "(K + alpha I) c = y; features and targets standardised with "
         "training statistics");
    TEXT(NC_GLOBAL, "features", m->features);
    TEXT(NC_GLOBAL, "data", m->data);
    TEXT(NC_GLOBAL, "test_features", m->test_features);
    TEXT(NC_GLOBAL, "test_data", m->test_data);
    TEXT(NC_GLOBAL, "target_variable", m->target);
    TEXT(NC_GLOBAL, "solver", m->solver);
    char buf[128];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)m->seed);
    TEXT(NC_GLOBAL, "seed", buf);
    snprintf(buf, sizeof buf, "%d x %d, block %d", m->nprow, m->npcol, m->nb);
    TEXT(NC_GLOBAL, "process_grid", buf);
    snprintf(buf, sizeof buf, "distances %.3f, cv %.3f, refit %.3f", r->seconds_distance,
             r->seconds_cv, r->seconds_refit);
    TEXT(NC_GLOBAL, "seconds", buf);
    snprintf(buf, sizeof buf, "cv %.4g, refit %.4g", r->flops_cv, r->flops_refit);
    TEXT(NC_GLOBAL, "flops", buf);
    snprintf(buf, sizeof buf, "%d", r->diagonal_kernels);
    TEXT(NC_GLOBAL, "identity_kernels", buf);
    NC(nc_enddef(id));
    double *a = malloc((size_t)p->k * 2 * sizeof *a);
    if (!a) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    for (int t = 0; t < p->k; t++)
        a[t] = p->alpha[r->best_alpha[t]], a[p->k + t] = p->gamma[r->best_gamma[t]];
    int st = nc_put_var_string(id, v_name, (const char **)m->names);
    if (!st) st = nc_put_var_double(id, v_r2, r->test_r2);
    if (!st) st = nc_put_var_double(id, v_a, a);
    if (!st) st = nc_put_var_double(id, v_g, a + p->k);
    if (!st) st = nc_put_var_double(id, v_ag, p->alpha);
    if (!st) st = nc_put_var_double(id, v_gg, p->gamma);
    if (!st) st = nc_put_var_double(id, v_cv, r->cv_r2);
    if (!st) st = nc_put_var_double(id, v_cm, r->cv_mean);
    if (!st) st = nc_put_var_int(id, v_fo, p->fold_of);
    free(a);
    if (st) {
        rc = inv_fail_nc(st, path, "writing kernel ridge results");
        goto fail;
    }
#undef NC
#undef TEXT
    return ncout_commit(&o);
fail:
    ncout_abort(&o);
    return rc;
}

static void fail_if(int rc) {
    if (rc) program_fail_last(rc);
}

int cmd_krr(int argc, char **argv) {
    char *features = NULL, *data = NULL, *test_features = NULL, *test_data = NULL, *out = NULL;
    char *alpha_text = "1e-4:1e0:5", *gamma_text = "1e-5:1e2:8", *target = "latent";
    char *solver = "cholesky";
    int folds = 5, nb = 64;
    cli_option opts[] = {
        {"features", 0, OPT_STRING, &features, "TRAIN.nc[+...]", "training features (required)", 0,
         0, 1},
        {"data", 0, OPT_STRING, &data, "TRAIN.nc", "training shard with the targets (required)", 0,
         0, 1},
        {"test-features", 0, OPT_STRING, &test_features, "TEST.nc[+...]",
         "test features (required)", 0, 0, 1},
        {"test-data", 0, OPT_STRING, &test_data, "TEST.nc", "test shard (required)", 0, 0, 1},
        {"target", 0, OPT_STRING, &target, "VAR", "shard variable regressed (all its columns)", 0,
         0, 0},
        {"alpha", 0, OPT_STRING, &alpha_text, "LO:HI:N", "log-spaced ridge penalties", 0, 0, 0},
        {"gamma", 0, OPT_STRING, &gamma_text, "LO:HI:N", "log-spaced RBF widths", 0, 0, 0},
        {"folds", 0, OPT_INT, &folds, "K", "shuffled cross-validation folds", 2, 1000, 0},
        {"solver", 0, OPT_STRING, &solver, "cholesky|eigen",
         "cholesky: pdpotrf/pdpotrs per (fold, gamma, alpha); eigen: pdsyevd per (fold, gamma), "
         "each alpha from the eigenpairs",
         0, 0, 0},
        {"block", 0, OPT_INT, &nb, "NB", "block size of the block-cyclic layout", 8, 1024, 0},
        {"out", 'o', OPT_STRING, &out, "RESULT.nc", "result file (required)", 0, 0, 1},
    };
    cli_spec spec = {
        "invar-probe krr",
        "",
        "RBF kernel ridge regression of every column of a target variable (the 10 latents of a "
        "Causal3DIdent-style shard by default), as the paper's pipeline StandardScaler + "
        "KernelRidge(kernel=rbf): features and targets standardised with training statistics; "
        "K-fold shuffled CV on the training set over the (alpha, gamma) grid scored by R^2; per "
        "target the best (alpha, gamma) is refit on all training data and scored on the test "
        "set. Kernel matrices live in a 2-D block-cyclic layout on a BLACS grid of all ranks "
        "(ScaLAPACK), never whole on one rank. Writes r2(target), alpha(target), gamma(target), "
        "cv_r2(fold, alpha_grid, gamma_grid, target), cv_mean, fold_of(n).",
        "invar-probe krr --features f_train.nc --data ident_train.nc --test-features f_test.nc "
        "--test-data ident_test.nc --out krr.nc\n  mpirun -np 4 invar-probe krr ... --alpha "
        "1e-4:1e0:5 --gamma 1e-5:1e2:8 --out krr.nc",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    int threads = program_apply_common(&common);
    openblas_set_num_threads(threads);
    if (!features || !data || !test_features || !test_data || !out)
        program_fail(INV_EINVAL,
                     "--features, --data, --test-features, --test-data and --out are required");
    krr_problem p = {0};
    if (strcmp(solver, "cholesky") == 0)
        p.solver = KRR_CHOLESKY;
    else if (strcmp(solver, "eigen") == 0)
        p.solver = KRR_EIGEN;
    else
        program_fail(INV_EINVAL, "--solver must be cholesky or eigen, not '%s'", solver);
    double *alpha, *gamma;
    int na, ng;
    fail_if(cli_parse_logspace(alpha_text, "--alpha", &alpha, &na));
    fail_if(cli_parse_logspace(gamma_text, "--gamma", &gamma, &ng));

    float *fx, *ftx;
    int64_t n, d, nt, dt, k, kt;
    double *y, *yt;
    char source[4096];
    fail_if(probe_load_features(features, &fx, &n, &d, source, sizeof source));
    probe_check_source(features, source, data);
    fail_if(probe_load_features(test_features, &ftx, &nt, &dt, source, sizeof source));
    probe_check_source(test_features, source, test_data);
    if (dt != d)
        program_fail(INV_EFORMAT, "%s: %lld features per row, but %s has %lld", test_features,
                     (long long)dt, features, (long long)d);
    if (n > 2000000000 || nt > 2000000000)
        program_fail(INV_ERANGE, "kernel ridge: at most 2e9 rows (ScaLAPACK int indices)");
    fail_if(probe_load_targets(data, target, n, features, &y, &k));
    fail_if(probe_load_targets(test_data, target, nt, test_features, &yt, &kt));
    if (kt != k)
        program_fail(INV_EFORMAT, "%s: '%s' has %lld columns, %s has %lld", test_data, target,
                     (long long)kt, data, (long long)k);
    double *x = to_double(fx, n * d), *xt = to_double(ftx, nt * d);
    double *mean = malloc((size_t)(d > k ? d : k) * sizeof *mean);
    double *scale = malloc((size_t)(d > k ? d : k) * sizeof *scale);
    int32_t *fold_of = malloc((size_t)n * sizeof *fold_of);
    if (!x || !xt || !mean || !scale || !fold_of) program_fail(INV_ENOMEM, "out of memory");
    free(fx), free(ftx);
    column_stats(x, n, d, mean, scale);
    apply_stats(x, n, d, mean, scale);
    apply_stats(xt, nt, d, mean, scale);
    column_stats(y, n, k, mean, scale);
    apply_stats(y, n, k, mean, scale);
    apply_stats(yt, nt, k, mean, scale);
    fail_if(folds_shuffled(n, folds, common.seed, fold_of, data));

    blacs_grid g;
    fail_if(blacs_grid_open(&g, nb));
    p.n = (int)n, p.ntest = (int)nt, p.k = (int)k, p.d = d;
    p.x = x, p.xt = xt, p.y = y, p.yt = yt, p.fold_of = fold_of, p.nfold = folds;
    p.alpha = alpha, p.gamma = gamma, p.na = na, p.ng = ng;
    log_info("kernel ridge: n %lld, test %lld, d %lld, %lld targets, %d folds x %d alpha x %d "
             "gamma, %s, %d x %d process grid, block %d",
             (long long)n, (long long)nt, (long long)d, (long long)k, folds, na, ng, solver,
             g.nprow, g.npcol, nb);
    krr_result r;
    rc = krr_run(&p, &g, &r);
    if (!mpi_all_ok(rc == INV_OK)) {
        if (rc) program_fail_last(rc);
        program_fail(INV_EMPI, "another rank failed (see its message)");
    }
    char **names = malloc((size_t)k * sizeof *names);
    if (!names) program_fail(INV_ENOMEM, "out of memory");
    for (int64_t t = 0; t < k; t++) {
        names[t] = malloc(128);
        if (!names[t]) program_fail(INV_ENOMEM, "out of memory");
        if (strcmp(target, "latent") == 0 && k == 10)
            snprintf(names[t], 128, "%s", latent_names[t]);
        else
            snprintf(names[t], 128, "%s[%lld]", target, (long long)t);
    }
    if (mpi_rank() == 0) {
        krr_meta m = {features,    data, test_features, test_data, target, solver,
                      common.seed, nb,   g.nprow,       g.npcol,   names};
        fail_if(write_result(out, &p, &r, &m));
        if (log_get_level() >= LOG_INFO) {
            printf("invar-probe krr: n %lld, test %lld, d %lld, %d folds x %d alpha x %d gamma "
                   "(%s), %d x %d grid\n",
                   (long long)n, (long long)nt, (long long)d, folds, na, ng, solver, g.nprow,
                   g.npcol);
            printf("%-18s %10s %10s %9s %9s\n", "target", "alpha", "gamma", "cv_r2", "test_r2");
            for (int64_t t = 0; t < k; t++) {
                int ai = r.best_alpha[t], gi = r.best_gamma[t];
                printf("%-18.18s %10.3g %10.3g %9.4f %9.4f\n", names[t], alpha[ai], gamma[gi],
                       r.cv_mean[((size_t)ai * ng + gi) * k + t], r.test_r2[t]);
            }
            printf(
                "time: distances %.2f s, cv %.2f s (%.1f GFLOP/s), refit %.2f s (%.1f GFLOP/s)\n",
                r.seconds_distance, r.seconds_cv,
                r.seconds_cv > 0 ? r.flops_cv / r.seconds_cv * 1e-9 : 0, r.seconds_refit,
                r.seconds_refit > 0 ? r.flops_refit / r.seconds_refit * 1e-9 : 0);
        }
    }
    for (int64_t t = 0; t < k; t++) free(names[t]);
    free(names);
    krr_result_free(&r);
    blacs_grid_close(&g);
    free(x), free(xt), free(y), free(yt), free(mean), free(scale), free(fold_of), free(alpha),
        free(gamma);
    return 0;
}
