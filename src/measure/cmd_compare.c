// cmd_compare.c: `invar-measure compare`: the paper's significance marks. For each column (a
// transform of synthetic files, or the set of a realworld file) the model with the highest mean
// similarity is marked when, against every other model, the mean of the per-item (image or
// group) similarity differences scaled to [0, 1] exceeds 1/2 by more than Hoeffding's
// sqrt(ln((k - 1) / alpha) / 2n) (Bonferroni over the k - 1 comparisons). A checkpoint-series
// file (invariance_synthetic_series: a leading model dimension, epoch(model)) contributes one
// entry: the last (the final checkpoint), or the one of --epoch E.
#include "commands.h"
#include "hoeffding.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"
#include "io/ncio.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_COLS = 64 };

typedef struct {
    char kind[64];
    int ncol;
    int64_t n;           // items per column
    char *col[MAX_COLS]; // column names
    double *item;        // (ncol, n) per-item similarity
    int entry;           // series entry used (-1: not a series)
    int nentries;        // entries in the series
    long long epoch;     // that entry's epoch (-1: not a series)
} inv_file;

static void inv_file_free(inv_file *f) {
    for (int c = 0; c < f->ncol; c++) free(f->col[c]);
    free(f->item);
}

// The series entry to use: the last, or the one whose epoch is `epoch` (>= 0).
static int pick_entry(int id, const char *path, size_t nm, long long epoch, inv_file *f) {
    int ve;
    size_t len;
    const char *dm[1] = {"model"};
    INV_TRY(nc_check_var(id, path, "epoch", NC_INT64, 1, dm, &ve, &len));
    if (len != nm || nm < 1)
        return inv_fail(INV_EFORMAT, "%s: epoch has %zu entries for %zu models", path, len, nm);
    long long *ep = malloc(sizeof(long long) * nm);
    if (!ep) return inv_fail(INV_ENOMEM, "%s: out of memory", path);
    int rc = nc_get_var_longlong(id, ve, ep);
    if (rc != NC_NOERR) {
        free(ep);
        return inv_fail(INV_EFORMAT, "%s: reading epoch: %s", path, nc_strerror(rc));
    }
    int at = (int)nm - 1, hits = 0;
    if (epoch >= 0) {
        at = -1;
        for (size_t q = 0; q < nm; q++)
            if (ep[q] == epoch) at = at < 0 ? (int)q : at, hits++;
    }
    if (at < 0 || hits > 1) {
        char list[1024] = "";
        for (size_t q = 0, l = 0; q < nm && l < sizeof list - 32; q++, l = strlen(list))
            snprintf(list + l, sizeof list - l, "%s%lld", q ? ", " : "", ep[q]);
        free(ep);
        return inv_fail(INV_EINVAL, "%s: %s epoch %lld in the checkpoint series (its epochs: %s)",
                        path, at < 0 ? "no checkpoint of" : "more than one checkpoint of", epoch,
                        list);
    }
    f->entry = at, f->nentries = (int)nm, f->epoch = ep[at];
    free(ep);
    return INV_OK;
}

static int read_inv(const char *path, long long epoch, inv_file *f) {
    memset(f, 0, sizeof *f);
    f->entry = -1, f->epoch = -1;
    int id, rc = INV_OK, v, series = 0;
    INV_TRY(nc_open_read(path, &id));
    size_t lens[3];
    if (nc_get_text(id, NC_GLOBAL, "invar_kind", f->kind, sizeof f->kind, path)) goto fail;
    series = !strcmp(f->kind, "invariance_synthetic_series");
    if (series || !strcmp(f->kind, "invariance_synthetic")) {
        const char *dims[3] = {"model", "transform", "image"};
        INV_TRY_GOTO(rc,
                     nc_check_var(id, path, "image_similarity", NC_DOUBLE, 2 + series,
                                  dims + 1 - series, &v, lens),
                     fail);
        if (series) {
            INV_TRY_GOTO(rc, pick_entry(id, path, lens[0], epoch, f), fail);
            lens[0] = lens[1], lens[1] = lens[2];
            snprintf(f->kind, sizeof f->kind, "invariance_synthetic"); // comparable with plain
        }
        if (lens[0] > MAX_COLS) {
            rc = inv_fail(INV_EFORMAT, "%s: %zu transforms (at most %d)", path, lens[0], MAX_COLS);
            goto fail;
        }
        f->ncol = (int)lens[0], f->n = (int64_t)lens[1];
        int vn;
        const char *d1[1] = {"transform"};
        INV_TRY_GOTO(rc, nc_check_var(id, path, "transform_name", NC_STRING, 1, d1, &vn, lens),
                     fail);
        char *names[MAX_COLS];
        INV_CHECK_NC_GOTO(rc, nc_get_var_string(id, vn, names), path, fail);
        for (int c = 0; c < f->ncol; c++) f->col[c] = strdup(names[c]);
        nc_free_string((size_t)f->ncol, names);
    } else if (!strcmp(f->kind, "invariance_realworld")) {
        const char *dims[1] = {"group"};
        INV_TRY_GOTO(rc, nc_check_var(id, path, "group_similarity", NC_DOUBLE, 1, dims, &v, lens),
                     fail);
        f->ncol = 1, f->n = (int64_t)lens[0];
        char data[1024];
        INV_TRY_GOTO(rc, nc_get_text(id, NC_GLOBAL, "data", data, sizeof data, path), fail);
        const char *base = strrchr(data, '/');
        f->col[0] = strdup(base ? base + 1 : data);
    } else {
        rc = inv_fail(INV_EFORMAT,
                      "%s is not a synthetic or realworld invariance file (invar_kind '%s')", path,
                      f->kind);
        goto fail;
    }
    f->item = malloc(sizeof(double) * (size_t)f->ncol * (size_t)(f->n ? f->n : 1));
    if (!f->item) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if (series) {
        size_t start[3] = {(size_t)f->entry, 0, 0}, count[3] = {1, (size_t)f->ncol, (size_t)f->n};
        INV_CHECK_NC_GOTO(rc, nc_get_vara_double(id, v, start, count, f->item), path, fail);
    } else {
        INV_CHECK_NC_GOTO(rc, nc_get_var_double(id, v, f->item), path, fail);
    }
    nc_close(id);
    if (f->n < 1) {
        inv_file_free(f);
        return inv_fail(INV_EFORMAT, "%s: no images or groups", path);
    }
    return INV_OK;
fail:
    if (!rc) rc = INV_EFORMAT;
    nc_close(id);
    inv_file_free(f);
    return rc;
}

static int compare_main(int k, char **paths, const char *out, double alpha, long long epoch) {
    inv_file *f = calloc((size_t)k, sizeof *f);
    int rc = INV_OK;
    if (!f) return inv_fail(INV_ENOMEM, "out of memory");
    int loaded = 0;
    for (; loaded < k && !rc; loaded++) rc = read_inv(paths[loaded], epoch, &f[loaded]);
    if (rc) loaded--;
    int any_series = 0;
    for (int m = 0; m < loaded; m++) any_series |= f[m].entry >= 0;
    if (!rc && epoch >= 0 && !any_series)
        rc = inv_fail(INV_EINVAL, "--epoch %lld: none of the files is a checkpoint series", epoch);
    for (int m = 1; m < k && !rc; m++) {
        if (strcmp(f[m].kind, f[0].kind) || f[m].ncol != f[0].ncol || f[m].n != f[0].n)
            rc = inv_fail(INV_EINVAL,
                          "%s and %s do not measure the same thing (%s, %d columns x %lld items "
                          "vs %s, %d x %lld): compare needs the same transforms/sets and images",
                          paths[0], paths[m], f[0].kind, f[0].ncol, (long long)f[0].n, f[m].kind,
                          f[m].ncol, (long long)f[m].n);
        for (int c = 0; !rc && c < f[0].ncol; c++)
            if (strcmp(f[m].col[c], f[0].col[c]))
                rc = inv_fail(INV_EINVAL, "%s column %d is '%s' but %s's is '%s'", paths[m], c,
                              f[m].col[c], paths[0], f[0].col[c]);
    }
    if (rc) goto done;
    int C = f[0].ncol;
    int64_t n = f[0].n;
    size_t kc = (size_t)k * C, kkc = (size_t)k * k * C;
    double *mean = calloc(kc, sizeof(double)), *excess = calloc(kkc, sizeof(double));
    double *pb = calloc(kkc, sizeof(double)), *bound = calloc((size_t)C, sizeof(double));
    int *mark = calloc(kc, sizeof(int));
    long long *used = calloc((size_t)C, sizeof(long long));
    long long *ment = calloc((size_t)k, sizeof(long long)),
              *mep = calloc((size_t)k, sizeof(long long));
    if (!mean || !excess || !pb || !bound || !mark || !used || !ment || !mep) {
        rc = inv_fail(INV_ENOMEM, "out of memory");
        goto free_all;
    }
    double delta = alpha / (k - 1);
    for (int c = 0; c < C; c++) {
        int64_t nmin = n;
        for (int m = 0; m < k; m++) {
            double s = 0;
            int64_t cnt = 0;
            for (int64_t i = 0; i < n; i++)
                if (!isnan(f[m].item[c * n + i])) s += f[m].item[c * n + i], cnt++;
            mean[m * C + c] = cnt ? s / cnt : NAN;
            for (int m2 = 0; m2 < k; m2++) {
                int64_t u;
                double t = hoeffding_excess(f[m].item + c * n, f[m2].item + c * n, n, &u);
                size_t at = ((size_t)m * k + m2) * C + c;
                excess[at] = t;
                pb[at] = u ? hoeffding_p_bound(t, u) : NAN;
                if (u < nmin) nmin = u;
            }
        }
        used[c] = nmin;
        bound[c] = nmin ? hoeffding_bound(delta, nmin) : NAN;
        int best = 0;
        for (int m = 1; m < k; m++)
            if (mean[m * C + c] > mean[best * C + c]) best = m;
        int sig = nmin > 0;
        for (int m2 = 0; m2 < k; m2++)
            if (m2 != best && !(excess[((size_t)best * k + m2) * C + c] > bound[c])) sig = 0;
        mark[best * C + c] = sig;
    }
    // The file.
    nc_out o;
    INV_TRY_GOTO(rc, ncout_create(&o, out), free_all);
    int id = o.ncid, dm, dm2, dc, v[10];
    for (int m = 0; m < k; m++) ment[m] = f[m].entry, mep[m] = f[m].epoch;
#define NC(call)        INV_CHECK_NC_GOTO(rc, call, out, fail)
#define TEXT(var, a, b) INV_TRY_GOTO(rc, nc_put_text(id, var, a, b, out), fail)
    NC(nc_def_dim(id, "model", (size_t)k, &dm));
    NC(nc_def_dim(id, "model2", (size_t)k, &dm2));
    NC(nc_def_dim(id, "column", (size_t)C, &dc));
    int mc[2] = {dm, dc}, mmc[3] = {dm, dm2, dc};
    NC(nc_def_var(id, "model_file", NC_STRING, 1, &dm, &v[0]));
    NC(nc_def_var(id, "column_name", NC_STRING, 1, &dc, &v[1]));
    NC(nc_def_var(id, "mean_similarity", NC_DOUBLE, 2, mc, &v[2]));
    NC(nc_def_var(id, "excess", NC_DOUBLE, 3, mmc, &v[3]));
    TEXT(v[3], "long_name", "mean of (s_model - s_model2 + 2) / 4 over items, minus 1/2");
    NC(nc_def_var(id, "p_bound", NC_DOUBLE, 3, mmc, &v[4]));
    TEXT(v[4], "long_name", "Hoeffding bound on the p-value of model > model2: exp(-2 n excess^2)");
    NC(nc_def_var(id, "bound", NC_DOUBLE, 1, &dc, &v[5]));
    TEXT(v[5], "long_name", "sqrt(ln((k - 1) / alpha) / 2n): the excess a mark needs");
    NC(nc_def_var(id, "n", NC_INT64, 1, &dc, &v[6]));
    NC(nc_def_var(id, "mark", NC_INT, 2, mc, &v[7]));
    NC(nc_def_var(id, "model_entry", NC_INT64, 1, &dm, &v[8]));
    TEXT(v[8], "long_name",
         "entry of a checkpoint-series file used (0-based along its model dimension; -1: not a "
         "series)");
    NC(nc_def_var(id, "model_epoch", NC_INT64, 1, &dm, &v[9]));
    TEXT(v[9], "long_name", "epoch of that entry (-1: not a series)");
    TEXT(v[7], "long_name",
         "1: significantly the most invariant model of the column (the paper's bullet)");
    TEXT(NC_GLOBAL, "invar_kind", "invariance_compare");
    TEXT(NC_GLOBAL, "invar_version", INVAR_VERSION);
    char buf[64];
    snprintf(buf, sizeof buf, "%g", alpha);
    TEXT(NC_GLOBAL, "alpha", buf);
    TEXT(NC_GLOBAL, "test",
         "one-sided Hoeffding, Bonferroni over the k - 1 comparisons of the best");
    NC(nc_enddef(id));
    NC(nc_put_var_string(id, v[0], (const char **)paths));
    NC(nc_put_var_string(id, v[1], (const char **)f[0].col));
    NC(nc_put_var_double(id, v[2], mean));
    NC(nc_put_var_double(id, v[3], excess));
    NC(nc_put_var_double(id, v[4], pb));
    NC(nc_put_var_double(id, v[5], bound));
    NC(nc_put_var_longlong(id, v[6], used));
    NC(nc_put_var_int(id, v[7], mark));
    NC(nc_put_var_longlong(id, v[8], ment));
    NC(nc_put_var_longlong(id, v[9], mep));
#undef NC
#undef TEXT
    rc = ncout_commit(&o);
    if (!rc) {
        for (int m = 0; m < k; m++)
            if (f[m].entry >= 0)
                printf("%s: checkpoint series, entry %d of %d (epoch %lld)%s\n", paths[m],
                       f[m].entry + 1, f[m].nentries, f[m].epoch,
                       epoch >= 0 ? "" : ": the last, the final checkpoint");
        printf("%-14s", "column");
        for (int m = 0; m < k; m++)
            printf(" %12.12s", strrchr(paths[m], '/') ? strrchr(paths[m], '/') + 1 : paths[m]);
        printf("   (* = significantly the most invariant, alpha %g)\n", alpha);
        for (int c = 0; c < C; c++) {
            printf("%-14.14s", f[0].col[c]);
            for (int m = 0; m < k; m++)
                printf(" %11.4f%s", mean[m * C + c], mark[m * C + c] ? "*" : " ");
            printf("\n");
        }
    }
    goto free_all;
fail:
    ncout_abort(&o);
free_all:
    free(ment), free(mep);
    free(mean), free(excess), free(pb), free(bound), free(mark), free(used);
done:
    for (int m = 0; m < loaded; m++) inv_file_free(&f[m]);
    free(f);
    return rc;
}

int cmd_compare(int argc, char **argv) {
    char *out = NULL;
    double alpha = 0.05;
    int64_t epoch = -1;
    cli_option opts[] = {
        {"out", 'o', OPT_STRING, &out, "CMP.nc", "output file", 0, 0, 1},
        {"alpha", 0, OPT_DOUBLE, &alpha, "A", "significance level of the k-way comparison", 1e-300,
         1, 0},
        {"epoch", 0, OPT_INT64, &epoch, "E",
         "the entry of epoch E of each checkpoint-series file (default: its last entry, the "
         "final checkpoint); an epoch missing from a series is an error",
         0, 1e18, 0},
    };
    cli_spec spec = {
        "invar-measure compare",
        "A.nc B.nc [C.nc ...]",
        "The paper's significance marks over k >= 2 invariance files of the same images (all "
        "synthetic, or all realworld on one set). Per column (transform or set) and model: the "
        "mean per-item similarity (items: images, each the mean over its grid points as the file's "
        "protocol averages them; or groups). For models a, b: X_i = (s_a,i - s_b,i + 2) / 4 in "
        "[0, 1]; excess = mean X - 1/2; Hoeffding: P(excess >= t) <= exp(-2 n t^2). The model with "
        "the highest mean is marked when its excess over each of the k - 1 others is above "
        "sqrt(ln((k - 1) / alpha) / 2n) (Bonferroni). Writes mean_similarity, excess, p_bound "
        "(model, model2, column), bound, n (column), mark (model, column), and model_entry, "
        "model_epoch (model): the entry and epoch used of a checkpoint-series file (from "
        "synthetic --model A,B,...; -1 for a single model). A series file takes part with one "
        "entry: its last (the final checkpoint) or the one of --epoch; stdout names it.",
        "  invar-measure compare default.nc spatial.nc appearance.nc --out cmp.nc",
        opts,
        (int)(sizeof opts / sizeof *opts),
        2,
        -1};
    cli_common common = {0};
    int first = program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    if (!out) program_fail(INV_EINVAL, "--out is required (see --help)");
    if (!(alpha > 0 && alpha < 1)) program_fail(INV_EINVAL, "--alpha must lie in (0, 1)");
    int rc = compare_main(argc - first, argv + first, out, alpha, (long long)epoch);
    if (rc) program_fail_last(rc);
    return 0;
}
