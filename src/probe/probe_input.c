// probe_input.c: loading and validating probe inputs: feature fusion over '+'-joined files
// (data/features.h) and per-example variables of shards (data/shard.h) as targets or classes.
#include "probe_input.h"

#include "core/error.h"
#include "core/log.h"
#include "data/features.h"
#include "data/shard.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int probe_load_features(const char *spec, float **x, int64_t *n, int64_t *d, char *source,
                        size_t source_size) {
    *x = NULL;
    *n = *d = 0;
    char buf[8192];
    if (!spec || !*spec || strlen(spec) >= sizeof buf)
        return inv_fail(INV_EINVAL, "--features: expected A.nc or A.nc+B.nc+...");
    strcpy(buf, spec);
    char first_source[4096] = "", first_path[4096] = "";
    float *all = NULL;
    int64_t total_d = 0, rows = -1;
    int rc = INV_OK;
    for (char *save = NULL, *p = strtok_r(buf, "+", &save); p; p = strtok_r(NULL, "+", &save)) {
        float *f = NULL;
        int64_t fn, fd;
        char src[4096];
        rc = features_read(p, &f, &fn, &fd, src, sizeof src);
        if (rc) goto fail;
        for (int64_t i = 0; i < fn * fd; i++)
            if (!isfinite(f[i])) {
                free(f);
                rc = inv_fail(INV_EFORMAT, "%s: feature(%lld, %lld) is not finite (%g)", p,
                              (long long)(i / fd), (long long)(i % fd), (double)f[i]);
                goto fail;
            }
        if (rows < 0) {
            rows = fn;
            snprintf(first_source, sizeof first_source, "%s", src);
            snprintf(first_path, sizeof first_path, "%s", p);
        } else if (fn != rows || strcmp(src, first_source) != 0) {
            free(f);
            rc = inv_fail(INV_EFORMAT,
                          "%s: cannot be fused with %s: %lld rows of source '%s' against %lld "
                          "rows of source '%s' (fused features must describe the same images)",
                          p, first_path, (long long)fn, src, (long long)rows, first_source);
            goto fail;
        }
        float *grown = malloc((size_t)rows * (size_t)(total_d + fd) * sizeof *grown);
        if (!grown) {
            free(f);
            rc = inv_fail(INV_ENOMEM, "%s: out of memory fusing features", p);
            goto fail;
        }
        for (int64_t i = 0; i < rows; i++) {
            if (total_d) memcpy(grown + i * (total_d + fd), all + i * total_d, (size_t)total_d * 4);
            memcpy(grown + i * (total_d + fd) + total_d, f + i * fd, (size_t)fd * 4);
        }
        free(all), free(f);
        all = grown;
        total_d += fd;
    }
    if (rows <= 0 || total_d <= 0) {
        rc = inv_fail(INV_EFORMAT, "%s: no features", spec);
        goto fail;
    }
    *x = all, *n = rows, *d = total_d;
    if (source) snprintf(source, source_size, "%s", first_source);
    return INV_OK;
fail:
    free(all);
    return rc;
}

int probe_load_targets(const char *path, const char *var, int64_t n_expected, const char *features,
                       double **y, int64_t *k) {
    *y = NULL;
    shard s;
    INV_TRY(shard_open(&s, path));
    int rc = INV_OK;
    float *f = NULL;
    if (s.n != n_expected) {
        rc = inv_fail(INV_EFORMAT,
                      "%s: has %lld examples but the features %s have %lld rows (the features "
                      "must come from this shard)",
                      path, (long long)s.n, features, (long long)n_expected);
        goto done;
    }
    // The width from the variable's shape, then the whole variable.
    int varid, nd, dims[NC_MAX_VAR_DIMS];
    if (nc_inq_varid(s.ncid, var, &varid) != NC_NOERR) {
        rc = inv_fail(INV_EFORMAT, "%s: has no variable '%s'", path, var);
        goto done;
    }
    INV_CHECK_NC_GOTO(rc, nc_inq_var(s.ncid, varid, NULL, NULL, &nd, dims, NULL), path, done);
    int64_t kk = 1;
    for (int j = 1; j < nd; j++) {
        size_t len;
        INV_CHECK_NC_GOTO(rc, nc_inq_dimlen(s.ncid, dims[j], &len), path, done);
        kk *= (int64_t)len;
    }
    if (nd < 1 || kk < 1 || kk > 1000000) {
        rc = inv_fail(INV_EFORMAT, "%s: variable '%s' is not a per-example variable", path, var);
        goto done;
    }
    f = malloc((size_t)s.n * (size_t)kk * sizeof *f);
    double *out = malloc((size_t)s.n * (size_t)kk * sizeof *out);
    if (!f || !out) {
        free(out);
        rc = inv_fail(INV_ENOMEM, "%s: out of memory reading '%s'", path, var);
        goto done;
    }
    int64_t got_k = 0;
    rc = shard_read_var_f32(&s, var, 0, s.n, f, &got_k);
    if (!rc && got_k != kk)
        rc = inv_fail(INV_EFORMAT, "%s: '%s' read with width %lld, expected %lld", path, var,
                      (long long)got_k, (long long)kk);
    if (rc) {
        free(out);
        goto done;
    }
    for (int64_t i = 0; i < s.n * kk; i++) {
        if (!isfinite(f[i])) {
            free(out);
            rc = inv_fail(INV_EFORMAT, "%s: %s(%lld, %lld) is not finite", path, var,
                          (long long)(i / kk), (long long)(i % kk));
            goto done;
        }
        out[i] = f[i];
    }
    *y = out, *k = kk;
done:
    free(f);
    shard_close(&s);
    return rc;
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int probe_load_classes(const char *path, const char *var, int64_t n_expected, const char *features,
                       const int32_t *known, int nknown, int32_t **cls, int32_t **classes,
                       int *nclass) {
    *cls = *classes = NULL;
    double *y;
    int64_t k;
    INV_TRY(probe_load_targets(path, var, n_expected, features, &y, &k));
    int rc = INV_OK;
    int32_t *lab = malloc((size_t)n_expected * sizeof *lab);
    int32_t *sorted = malloc((size_t)n_expected * sizeof *sorted);
    int32_t *cl = malloc((size_t)n_expected * sizeof *cl);
    int32_t *uniq = NULL;
    if (!lab || !sorted || !cl) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    if (k != 1) {
        rc = inv_fail(INV_EFORMAT, "%s: '%s' has %lld values per example; class labels need one",
                      path, var, (long long)k);
        goto done;
    }
    for (int64_t i = 0; i < n_expected; i++) {
        if (y[i] != floor(y[i]) || fabs(y[i]) > 2147483647.0) {
            rc = inv_fail(INV_EFORMAT, "%s: %s(%lld) = %g is not an integer class label", path, var,
                          (long long)i, y[i]);
            goto done;
        }
        lab[i] = sorted[i] = (int32_t)y[i];
    }
    int nc = 0;
    if (known) {
        uniq = malloc((size_t)nknown * sizeof *uniq);
        if (!uniq) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        memcpy(uniq, known, (size_t)nknown * sizeof *uniq);
        nc = nknown;
    } else {
        qsort(sorted, (size_t)n_expected, sizeof *sorted, cmp_i32);
        uniq = malloc((size_t)n_expected * sizeof *uniq);
        if (!uniq) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
            goto done;
        }
        for (int64_t i = 0; i < n_expected; i++)
            if (i == 0 || sorted[i] != sorted[i - 1]) uniq[nc++] = sorted[i];
        if (nc < 2) {
            rc = inv_fail(INV_EFORMAT, "%s: '%s' has %d distinct class%s; classification needs 2",
                          path, var, nc, nc == 1 ? "" : "es");
            goto done;
        }
    }
    for (int64_t i = 0; i < n_expected; i++) {
        const int32_t *hit = bsearch(&lab[i], uniq, (size_t)nc, sizeof *uniq, cmp_i32);
        if (!hit) {
            rc = inv_fail(INV_EFORMAT, "%s: %s(%lld) = %d is not a class of the training data",
                          path, var, (long long)i, lab[i]);
            goto done;
        }
        cl[i] = (int32_t)(hit - uniq);
    }
    *cls = cl, *classes = uniq, *nclass = nc;
    cl = NULL, uniq = NULL;
done:
    free(y), free(lab), free(sorted), free(cl), free(uniq);
    return rc;
}

void probe_check_source(const char *features, const char *source, const char *data) {
    if (!source || !*source || !data) return;
    const char *a = strrchr(source, '/'), *b = strrchr(data, '/');
    a = a ? a + 1 : source;
    b = b ? b + 1 : data;
    if (strcmp(a, b) != 0)
        log_warn("%s: its rows come from '%s' (source attribute), not from %s", features, source,
                 data);
}
