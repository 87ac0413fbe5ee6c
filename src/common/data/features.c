// features.c: feature files (features.h): the streaming atomic writer of feature(n, d) float32
// with its provenance attributes, the whole-matrix writer built on it, and the validating reader
// (shape, type, finite values, unwritten rows).
#include "data/features.h"

#include "core/cli.h"
#include "core/error.h"

#include <math.h>
#include <netcdf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { FEATURES_MAX_D = 1 << 24 };

static int features_define(features_writer *w, const features_info *info) {
    const char *p = w->out.path;
    int ncid = w->out.ncid, dims[2];
    INV_CHECK_NC(nc_def_dim(ncid, "n", NC_UNLIMITED, &dims[0]), p);
    INV_CHECK_NC(nc_def_dim(ncid, "d", (size_t)w->d, &dims[1]), p);
    INV_CHECK_NC(nc_def_var(ncid, "feature", NC_FLOAT, 2, dims, &w->varid), p);
    // About 256 KiB per chunk, whole rows.
    size_t rows = (size_t)(65536 / w->d);
    size_t chunks[2] = {rows < 1 ? 1 : rows, (size_t)w->d};
    INV_CHECK_NC(nc_def_var_chunking(ncid, w->varid, NC_CHUNKED, chunks), p);
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_kind", "features", p));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_version", INVAR_VERSION, p));
    if (info) {
        if (info->source) INV_TRY(nc_put_text(ncid, NC_GLOBAL, "source", info->source, p));
        if (info->model) INV_TRY(nc_put_text(ncid, NC_GLOBAL, "model", info->model, p));
        if (info->arch) INV_TRY(nc_put_text(ncid, NC_GLOBAL, "arch", info->arch, p));
        if (info->extra_name) {
            const char *n = info->extra_name;
            if (!*n || !strcmp(n, "invar_kind") || !strcmp(n, "invar_version") ||
                !strcmp(n, "source") || !strcmp(n, "model") || !strcmp(n, "arch"))
                return inv_fail(INV_EINVAL, "%s: extra attribute name '%s' is empty or reserved", p,
                                n);
            INV_TRY(nc_put_text(ncid, NC_GLOBAL, n, info->extra_value, p));
        }
    }
    INV_CHECK_NC(nc_enddef(ncid), p);
    return INV_OK;
}

int features_writer_create(features_writer *w, const char *path, int64_t d,
                           const features_info *info) {
    memset(w, 0, sizeof *w);
    w->out.ncid = -1;
    w->varid = -1;
    if (d < 1 || d > FEATURES_MAX_D)
        return inv_fail(INV_EINVAL, "%s: feature width %lld out of range (1..%d)",
                        path ? path : "(null)", (long long)d, FEATURES_MAX_D);
    w->d = d;
    INV_TRY(ncout_create(&w->out, path));
    int rc = features_define(w, info);
    if (rc != INV_OK) ncout_abort(&w->out);
    return rc;
}

int features_writer_append(features_writer *w, const float *rows, int64_t count) {
    const char *p = w->out.path;
    if (w->out.ncid < 0) return inv_fail(INV_EINVAL, "%s: features writer is not open", p);
    if (count < 0) return inv_fail(INV_EINVAL, "%s: append of %lld rows", p, (long long)count);
    if (count == 0) return INV_OK;
    if (!rows) return inv_fail(INV_EINVAL, "%s: append without rows", p);
    for (int64_t i = 0; i < count; i++)
        for (int64_t j = 0; j < w->d; j++)
            if (!isfinite(rows[i * w->d + j]))
                return inv_fail(INV_EFORMAT, "%s: feature row %lld column %lld is %s", p,
                                (long long)(w->n + i), (long long)j,
                                isnan(rows[i * w->d + j]) ? "NaN" : "infinite");
    size_t start[2] = {(size_t)w->n, 0}, cnt[2] = {(size_t)count, (size_t)w->d};
    INV_CHECK_NC(nc_put_vara_float(w->out.ncid, w->varid, start, cnt, rows), p);
    w->n += count;
    return INV_OK;
}

int features_writer_commit(features_writer *w) {
    return ncout_commit(&w->out);
}

void features_writer_abort(features_writer *w) {
    ncout_abort(&w->out);
}

int features_write(const char *path, const float *x, int64_t n, int64_t d,
                   const features_info *info) {
    if (n < 0) return inv_fail(INV_EINVAL, "%s: %lld feature rows", path, (long long)n);
    features_writer w;
    INV_TRY(features_writer_create(&w, path, d, info));
    int rc = features_writer_append(&w, x, n);
    if (rc != INV_OK) {
        features_writer_abort(&w);
        return rc;
    }
    return features_writer_commit(&w);
}

static int features_read_open(int ncid, const char *path, float **x, int64_t *n, int64_t *d,
                              char *source_buf, size_t source_size) {
    nc_type t;
    size_t len;
    char kind[64] = "";
    if (nc_inq_att(ncid, NC_GLOBAL, "invar_kind", &t, &len) == NC_NOERR)
        nc_get_text(ncid, NC_GLOBAL, "invar_kind", kind, sizeof kind, path);
    int v;
    if (nc_inq_varid(ncid, "feature", &v) != NC_NOERR) {
        if (kind[0])
            return inv_fail(INV_EFORMAT,
                            "%s: is not a feature file (no feature variable; invar_kind is '%s')",
                            path, kind);
        return inv_fail(INV_EFORMAT, "%s: is not a feature file (no feature variable)", path);
    }
    const char *dn[2] = {"n", "d"};
    size_t lens[2];
    INV_TRY(nc_check_var(ncid, path, "feature", NC_FLOAT, 2, dn, &v, lens));
    if (lens[1] < 1 || lens[1] > FEATURES_MAX_D)
        return inv_fail(INV_EFORMAT, "%s: feature width %zu out of range (1..%d)", path, lens[1],
                        FEATURES_MAX_D);
    if (lens[0] > (size_t)INT64_MAX / 4 / lens[1])
        return inv_fail(INV_EFORMAT, "%s: feature matrix %zu x %zu is too large", path, lens[0],
                        lens[1]);
    if (source_buf && source_size) {
        source_buf[0] = '\0';
        if (nc_inq_att(ncid, NC_GLOBAL, "source", &t, &len) == NC_NOERR)
            INV_TRY(nc_get_text(ncid, NC_GLOBAL, "source", source_buf, source_size, path));
    }
    size_t rows = lens[0], cols = lens[1], bytes = rows * cols * sizeof(float);
    float *m = malloc(bytes ? bytes : 1);
    INV_CHECK_ALLOC(m, bytes, path);
    if (rows > 0) {
        size_t start[2] = {0, 0}, cnt[2] = {rows, cols};
        int st = nc_get_vara_float(ncid, v, start, cnt, m);
        if (st != NC_NOERR) {
            free(m);
            return inv_fail(INV_EFORMAT, "%s: cannot read feature: %s", path, nc_strerror(st));
        }
    }
    int no_fill = 1;
    float fill = 0;
    if (nc_inq_var_fill(ncid, v, &no_fill, &fill) != NC_NOERR) no_fill = 1;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            float val = m[i * cols + j];
            if (!isfinite(val) || (!no_fill && val == fill)) {
                free(m);
                return inv_fail(INV_EFORMAT, "%s: feature row %zu column %zu is %s", path, i, j,
                                isnan(val)   ? "NaN"
                                : isinf(val) ? "infinite"
                                             : "the fill value (never written)");
            }
        }
    *x = m;
    *n = (int64_t)rows;
    *d = (int64_t)cols;
    return INV_OK;
}

int features_read(const char *path, float **x, int64_t *n, int64_t *d, char *source_buf,
                  size_t source_size) {
    *x = NULL;
    *n = *d = 0;
    int ncid;
    INV_TRY(nc_open_read(path, &ncid));
    int rc = features_read_open(ncid, path, x, n, d, source_buf, source_size);
    nc_close(ncid);
    return rc;
}
