// shard.c: image shards (shard.h): the NetCDF-4 layout, the atomic writer (create, append in
// chunks at the current end, commit by rename) and the validating reader (open checks every
// variable's type and dimensions; range reads check bounds, NaN/Inf and unwritten rows).
#include "data/shard.h"

#include "core/cli.h"
#include "core/error.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <string.h>

enum { SHARD_MAX_SIDE = 65535 };

static void shard_reset(shard *s) {
    memset(s, 0, sizeof *s);
    s->ncid = -1;
    s->out.ncid = -1;
    s->v_image = s->v_label = s->v_target = s->v_group = s->v_latent = -1;
}

static int valid_channels(int64_t c) {
    return c == 1 || c == 3 || c == 4;
}

// ---- writing -----------------------------------------------------------------------------------

static int check_spec(const char *path, const shard_spec *spec) {
    if (spec->h < 1 || spec->h > SHARD_MAX_SIDE || spec->w < 1 || spec->w > SHARD_MAX_SIDE)
        return inv_fail(INV_EINVAL, "%s: image size %lldx%lld out of range (1..%d)", path,
                        (long long)spec->h, (long long)spec->w, SHARD_MAX_SIDE);
    if (!valid_channels(spec->c))
        return inv_fail(INV_EINVAL, "%s: %lld channels (must be 1, 3 or 4)", path,
                        (long long)spec->c);
    if ((uint64_t)spec->h * (uint64_t)spec->w * (uint64_t)spec->c >= 0xffffffffull)
        return inv_fail(INV_EINVAL, "%s: one %lldx%lldx%lld image exceeds 4 GiB", path,
                        (long long)spec->h, (long long)spec->w, (long long)spec->c);
    if (spec->target_k < 0 || spec->target_k > (1 << 20))
        return inv_fail(INV_EINVAL, "%s: target width %lld out of range (0..%d)", path,
                        (long long)spec->target_k, 1 << 20);
    if (spec->latent_k < 0 || spec->latent_k > (1 << 20))
        return inv_fail(INV_EINVAL, "%s: latent width %lld out of range (0..%d)", path,
                        (long long)spec->latent_k, 1 << 20);
    return INV_OK;
}

// Rows per chunk of a per-example variable of `k` 4-byte columns: about 16 KiB per chunk.
static size_t rows_per_chunk(int64_t k) {
    size_t r = (size_t)(4096 / (k > 0 ? k : 1));
    return r < 1 ? 1 : r;
}

static int def_rowvar(shard *s, const char *name, int type, int dim_n, int dim_k, int64_t k,
                      int *varid) {
    const char *p = s->path;
    int dims[2] = {dim_n, dim_k};
    int nd = dim_k >= 0 ? 2 : 1;
    size_t chunks[2] = {rows_per_chunk(k), (size_t)k};
    INV_CHECK_NC(nc_def_var(s->ncid, name, type, nd, dims, varid), p);
    INV_CHECK_NC(nc_def_var_chunking(s->ncid, *varid, NC_CHUNKED, chunks), p);
    return INV_OK;
}

static int shard_define(shard *s) {
    const shard_spec *sp = &s->spec;
    const char *p = s->path;
    int ncid = s->ncid, d_n, d_h, d_w, d_c, d_t = -1, d_l = -1;
    INV_CHECK_NC(nc_def_dim(ncid, "n", NC_UNLIMITED, &d_n), p);
    INV_CHECK_NC(nc_def_dim(ncid, "h", (size_t)sp->h, &d_h), p);
    INV_CHECK_NC(nc_def_dim(ncid, "w", (size_t)sp->w, &d_w), p);
    INV_CHECK_NC(nc_def_dim(ncid, "c", (size_t)sp->c, &d_c), p);
    if (sp->target_k > 0)
        INV_CHECK_NC(nc_def_dim(ncid, SHARD_DIM_TARGET, (size_t)sp->target_k, &d_t), p);
    if (sp->latent_k > 0)
        INV_CHECK_NC(nc_def_dim(ncid, SHARD_DIM_LATENT, (size_t)sp->latent_k, &d_l), p);

    int idims[4] = {d_n, d_h, d_w, d_c};
    size_t ichunks[4] = {1, (size_t)sp->h, (size_t)sp->w, (size_t)sp->c};
    INV_CHECK_NC(nc_def_var(ncid, "image", NC_UBYTE, 4, idims, &s->v_image), p);
    INV_CHECK_NC(nc_def_var_chunking(ncid, s->v_image, NC_CHUNKED, ichunks), p);
    INV_CHECK_NC(nc_def_var_deflate(ncid, s->v_image, 0, 1, 1), p);
    // No fill value for pixels: 255 (the default ubyte fill) is a real pixel, and readers such
    // as Python's netCDF4 would mask it. Every row is written whole by shard_append.
    INV_CHECK_NC(nc_def_var_fill(ncid, s->v_image, NC_NOFILL, NULL), p);
    if (sp->with_label) INV_TRY(def_rowvar(s, "label", NC_INT, d_n, -1, 1, &s->v_label));
    if (sp->target_k > 0)
        INV_TRY(def_rowvar(s, "target", NC_FLOAT, d_n, d_t, sp->target_k, &s->v_target));
    if (sp->with_group) INV_TRY(def_rowvar(s, "group", NC_INT, d_n, -1, 1, &s->v_group));
    if (sp->latent_k > 0)
        INV_TRY(def_rowvar(s, "latent", NC_FLOAT, d_n, d_l, sp->latent_k, &s->v_latent));

    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_kind", "shard", p));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_version", INVAR_VERSION, p));
    INV_CHECK_NC(nc_enddef(ncid), p);
    return INV_OK;
}

int shard_create(shard *s, const char *path, const shard_spec *spec) {
    shard_reset(s);
    if (!path || !*path) return inv_fail(INV_EINVAL, "shard_create: empty output path");
    if (strlen(path) >= sizeof s->path) return inv_fail(INV_EINVAL, "%s: path too long", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    INV_TRY(check_spec(path, spec));
    s->spec = *spec;
    s->spec.with_label = spec->with_label != 0;
    s->spec.with_group = spec->with_group != 0;
    INV_TRY(ncout_create(&s->out, path));
    s->ncid = s->out.ncid;
    s->writing = 1;
    int rc = shard_define(s);
    if (rc != INV_OK) {
        ncout_abort(&s->out);
        shard_reset(s);
    }
    return rc;
}

static int check_present(const shard *s, const char *name, int present, const void *arr) {
    if (present && !arr)
        return inv_fail(INV_EINVAL, "%s: shard has '%s' but no %s values were given", s->path, name,
                        name);
    if (!present && arr)
        return inv_fail(INV_EINVAL, "%s: %s values given but the shard has no '%s' variable",
                        s->path, name, name);
    return INV_OK;
}

static int check_finite_rows(const shard *s, const char *name, const float *x, int64_t count,
                             int64_t k, int64_t row0) {
    for (int64_t i = 0; i < count; i++)
        for (int64_t j = 0; j < k; j++)
            if (!isfinite(x[i * k + j]))
                return inv_fail(INV_EFORMAT, "%s: variable '%s' row %lld column %lld is %s",
                                s->path, name, (long long)(row0 + i), (long long)j,
                                isnan(x[i * k + j]) ? "NaN" : "infinite");
    return INV_OK;
}

int shard_append(shard *s, int64_t count, const uint8_t *images, const int32_t *labels,
                 const float *targets, const int32_t *groups, const float *latents) {
    if (!s->writing || s->ncid < 0)
        return inv_fail(INV_EINVAL, "%s: append to a shard that is not being written", s->path);
    if (count < 0)
        return inv_fail(INV_EINVAL, "%s: append of %lld examples", s->path, (long long)count);
    if (count == 0) return INV_OK;
    if (!images) return inv_fail(INV_EINVAL, "%s: append without images", s->path);
    const shard_spec *sp = &s->spec;
    INV_TRY(check_present(s, "label", sp->with_label, labels));
    INV_TRY(check_present(s, "target", sp->target_k > 0, targets));
    INV_TRY(check_present(s, "group", sp->with_group, groups));
    INV_TRY(check_present(s, "latent", sp->latent_k > 0, latents));
    if (targets) INV_TRY(check_finite_rows(s, "target", targets, count, sp->target_k, s->n));
    if (latents) INV_TRY(check_finite_rows(s, "latent", latents, count, sp->latent_k, s->n));

    const char *p = s->path;
    size_t start[4] = {(size_t)s->n, 0, 0, 0};
    size_t icount[4] = {(size_t)count, (size_t)sp->h, (size_t)sp->w, (size_t)sp->c};
    INV_CHECK_NC(nc_put_vara_uchar(s->ncid, s->v_image, start, icount, images), p);
    size_t rcount[2] = {(size_t)count, 0};
    if (labels) INV_CHECK_NC(nc_put_vara_int(s->ncid, s->v_label, start, rcount, labels), p);
    if (groups) INV_CHECK_NC(nc_put_vara_int(s->ncid, s->v_group, start, rcount, groups), p);
    if (targets) {
        rcount[1] = (size_t)sp->target_k;
        INV_CHECK_NC(nc_put_vara_float(s->ncid, s->v_target, start, rcount, targets), p);
    }
    if (latents) {
        rcount[1] = (size_t)sp->latent_k;
        INV_CHECK_NC(nc_put_vara_float(s->ncid, s->v_latent, start, rcount, latents), p);
    }
    s->n += count;
    return INV_OK;
}

int shard_set_attr(shard *s, const char *name, const char *value) {
    if (!s->writing || s->ncid < 0)
        return inv_fail(INV_EINVAL, "%s: attribute '%s' set on a shard not being written", s->path,
                        name ? name : "");
    if (name && (!strcmp(name, "invar_kind") || !strcmp(name, "invar_version")))
        return inv_fail(INV_EINVAL, "%s: attribute '%s' is reserved", s->path, name);
    return nc_put_text(s->ncid, NC_GLOBAL, name, value, s->path);
}

int shard_commit(shard *s) {
    if (!s->writing)
        return inv_fail(INV_EINVAL, "%s: commit of a shard that is not being written", s->path);
    int rc = ncout_commit(&s->out);
    s->ncid = -1;
    s->writing = 0;
    return rc;
}

void shard_abort(shard *s) {
    if (s->writing) {
        ncout_abort(&s->out);
        s->writing = 0;
        s->ncid = -1;
    } else {
        shard_close(s);
    }
}

// ---- reading -----------------------------------------------------------------------------------

// Checks an optional per-example variable: present with `type`, first dimension n (the image's),
// and 1 or 2 dimensions. *varid = -1 when absent; *k = the second dimension's length.
static int open_rowvar(shard *s, const char *name, int type, int ndims, int *varid, int64_t *k) {
    *varid = -1;
    int v;
    if (nc_inq_varid(s->ncid, name, &v) != NC_NOERR) return INV_OK;
    const char *dn[2] = {"n", NULL};
    size_t lens[2] = {0, 0};
    INV_TRY(nc_check_var(s->ncid, s->path, name, type, ndims, dn, varid, lens));
    if ((int64_t)lens[0] != s->n)
        return inv_fail(INV_EFORMAT, "%s: variable '%s' has %zu rows but image has %lld", s->path,
                        name, lens[0], (long long)s->n);
    if (ndims == 2) {
        if (lens[1] < 1)
            return inv_fail(INV_EFORMAT, "%s: variable '%s' has no columns", s->path, name);
        *k = (int64_t)lens[1];
    }
    return INV_OK;
}

static int shard_validate(shard *s) {
    const char *p = s->path;
    int v;
    if (nc_inq_varid(s->ncid, "image", &v) != NC_NOERR) {
        char kind[64] = "";
        nc_type t;
        size_t len;
        if (nc_inq_att(s->ncid, NC_GLOBAL, "invar_kind", &t, &len) == NC_NOERR)
            nc_get_text(s->ncid, NC_GLOBAL, "invar_kind", kind, sizeof kind, p);
        if (kind[0])
            return inv_fail(INV_EFORMAT,
                            "%s: is not an image shard (no image variable; invar_kind is '%s')", p,
                            kind);
        return inv_fail(INV_EFORMAT, "%s: is not an image shard (no image variable)", p);
    }
    const char *idims[4] = {"n", "h", "w", "c"};
    size_t lens[4];
    INV_TRY(nc_check_var(s->ncid, p, "image", NC_UBYTE, 4, idims, &s->v_image, lens));
    if (lens[1] < 1 || lens[1] > SHARD_MAX_SIDE || lens[2] < 1 || lens[2] > SHARD_MAX_SIDE)
        return inv_fail(INV_EFORMAT, "%s: image size %zux%zu out of range (1..%d)", p, lens[1],
                        lens[2], SHARD_MAX_SIDE);
    if (!valid_channels((int64_t)lens[3]))
        return inv_fail(INV_EFORMAT, "%s: image has %zu channels (must be 1, 3 or 4)", p, lens[3]);
    s->n = (int64_t)lens[0];
    s->spec.h = (int64_t)lens[1];
    s->spec.w = (int64_t)lens[2];
    s->spec.c = (int64_t)lens[3];
    int64_t dummy = 0;
    INV_TRY(open_rowvar(s, "label", NC_INT, 1, &s->v_label, &dummy));
    INV_TRY(open_rowvar(s, "target", NC_FLOAT, 2, &s->v_target, &s->spec.target_k));
    INV_TRY(open_rowvar(s, "group", NC_INT, 1, &s->v_group, &dummy));
    INV_TRY(open_rowvar(s, "latent", NC_FLOAT, 2, &s->v_latent, &s->spec.latent_k));
    s->spec.with_label = s->v_label >= 0;
    s->spec.with_group = s->v_group >= 0;
    return INV_OK;
}

int shard_open(shard *s, const char *path) {
    shard_reset(s);
    if (!path || !*path) return inv_fail(INV_EINVAL, "shard_open: empty file name");
    if (strlen(path) >= sizeof s->path) return inv_fail(INV_EINVAL, "%s: path too long", path);
    snprintf(s->path, sizeof s->path, "%s", path);
    INV_TRY(nc_open_read(path, &s->ncid));
    int rc = shard_validate(s);
    if (rc != INV_OK) {
        nc_close(s->ncid);
        shard_reset(s);
    }
    return rc;
}

void shard_close(shard *s) {
    if (s->writing) {
        shard_abort(s);
        return;
    }
    if (s->ncid >= 0) nc_close(s->ncid);
    s->ncid = -1;
}

static int check_readable(const shard *s, int64_t start, int64_t count) {
    if (s->ncid < 0) return inv_fail(INV_EINVAL, "%s: shard is not open", s->path);
    if (s->writing)
        return inv_fail(INV_EINVAL, "%s: shard is being written; commit it before reading",
                        s->path);
    if (start < 0 || count < 0 || start > s->n || count > s->n - start)
        return inv_fail(INV_ERANGE, "%s: rows [%lld, %lld + %lld) outside [0, %lld)", s->path,
                        (long long)start, (long long)start, (long long)count, (long long)s->n);
    return INV_OK;
}

static int check_absent(const shard *s, int varid, const char *name) {
    if (varid < 0) return inv_fail(INV_EFORMAT, "%s: shard has no '%s' variable", s->path, name);
    return INV_OK;
}

// Reads rows [start, start + count) of a 1- or 2-D numeric variable as float and checks every
// value: NaN/Inf or the variable's fill value (a row never written) is an error.
static int read_rows_f32(const shard *s, int varid, const char *name, int64_t start, int64_t count,
                         int64_t k, float *dst) {
    const char *p = s->path;
    size_t st[2] = {(size_t)start, 0}, ct[2] = {(size_t)count, (size_t)k};
    if (count == 0) return INV_OK;
    int rc = nc_get_vara_float(s->ncid, varid, st, ct, dst);
    if (rc == NC_ERANGE)
        return inv_fail(INV_EFORMAT,
                        "%s: variable '%s' rows [%lld, %lld) hold values beyond "
                        "float range",
                        p, name, (long long)start, (long long)(start + count));
    if (rc != NC_NOERR)
        return inv_fail(INV_EFORMAT, "%s: cannot read variable '%s' rows [%lld, %lld): %s", p, name,
                        (long long)start, (long long)(start + count), nc_strerror(rc));
    nc_type t;
    INV_CHECK_NC(nc_inq_vartype(s->ncid, varid, &t), p);
    int no_fill = 1, has_fill = 0;
    float fillf = 0;
    if (t == NC_FLOAT) {
        float f;
        if (nc_inq_var_fill(s->ncid, varid, &no_fill, &f) == NC_NOERR && !no_fill) {
            fillf = f;
            has_fill = 1;
        }
    } else if (t == NC_DOUBLE) {
        double f;
        if (nc_inq_var_fill(s->ncid, varid, &no_fill, &f) == NC_NOERR && !no_fill) {
            fillf = (float)f;
            has_fill = 1;
        }
    } else if (t == NC_INT) {
        int f;
        if (nc_inq_var_fill(s->ncid, varid, &no_fill, &f) == NC_NOERR && !no_fill) {
            fillf = (float)f;
            has_fill = 1;
        }
    }
    for (int64_t i = 0; i < count; i++)
        for (int64_t j = 0; j < k; j++) {
            float x = dst[i * k + j];
            if (!isfinite(x))
                return inv_fail(INV_EFORMAT, "%s: variable '%s' row %lld column %lld is %s", p,
                                name, (long long)(start + i), (long long)j,
                                isnan(x) ? "NaN" : "infinite");
            if (has_fill && x == fillf)
                return inv_fail(INV_EFORMAT,
                                "%s: variable '%s' row %lld column %lld holds the fill value "
                                "(never written)",
                                p, name, (long long)(start + i), (long long)j);
        }
    return INV_OK;
}

static int read_rows_i32(const shard *s, int varid, const char *name, int64_t start, int64_t count,
                         int32_t *dst) {
    const char *p = s->path;
    if (count == 0) return INV_OK;
    size_t st[1] = {(size_t)start}, ct[1] = {(size_t)count};
    int rc = nc_get_vara_int(s->ncid, varid, st, ct, dst);
    if (rc != NC_NOERR)
        return inv_fail(INV_EFORMAT, "%s: cannot read variable '%s' rows [%lld, %lld): %s", p, name,
                        (long long)start, (long long)(start + count), nc_strerror(rc));
    int no_fill = 1, fill = 0;
    if (nc_inq_var_fill(s->ncid, varid, &no_fill, &fill) == NC_NOERR && !no_fill)
        for (int64_t i = 0; i < count; i++)
            if (dst[i] == fill)
                return inv_fail(INV_EFORMAT,
                                "%s: variable '%s' row %lld holds the fill value (never written)",
                                p, name, (long long)(start + i));
    return INV_OK;
}

int shard_read_images(const shard *s, int64_t start, int64_t count, uint8_t *dst) {
    INV_TRY(check_readable(s, start, count));
    if (count == 0) return INV_OK;
    size_t st[4] = {(size_t)start, 0, 0, 0};
    size_t ct[4] = {(size_t)count, (size_t)s->spec.h, (size_t)s->spec.w, (size_t)s->spec.c};
    int rc = nc_get_vara_uchar(s->ncid, s->v_image, st, ct, dst);
    if (rc != NC_NOERR)
        return inv_fail(INV_EFORMAT, "%s: cannot read images [%lld, %lld): %s", s->path,
                        (long long)start, (long long)(start + count), nc_strerror(rc));
    return INV_OK;
}

int shard_read_labels(const shard *s, int64_t start, int64_t count, int32_t *dst) {
    INV_TRY(check_readable(s, start, count));
    INV_TRY(check_absent(s, s->v_label, "label"));
    return read_rows_i32(s, s->v_label, "label", start, count, dst);
}

int shard_read_groups(const shard *s, int64_t start, int64_t count, int32_t *dst) {
    INV_TRY(check_readable(s, start, count));
    INV_TRY(check_absent(s, s->v_group, "group"));
    return read_rows_i32(s, s->v_group, "group", start, count, dst);
}

int shard_read_targets(const shard *s, int64_t start, int64_t count, float *dst) {
    INV_TRY(check_readable(s, start, count));
    INV_TRY(check_absent(s, s->v_target, "target"));
    return read_rows_f32(s, s->v_target, "target", start, count, s->spec.target_k, dst);
}

int shard_read_latents(const shard *s, int64_t start, int64_t count, float *dst) {
    INV_TRY(check_readable(s, start, count));
    INV_TRY(check_absent(s, s->v_latent, "latent"));
    return read_rows_f32(s, s->v_latent, "latent", start, count, s->spec.latent_k, dst);
}

int shard_read_var_f32(const shard *s, const char *var, int64_t start, int64_t count, float *dst,
                       int64_t *k) {
    INV_TRY(check_readable(s, start, count));
    const char *p = s->path;
    int v;
    if (!var || nc_inq_varid(s->ncid, var, &v) != NC_NOERR)
        return inv_fail(INV_EFORMAT, "%s: shard has no variable '%s'", p, var ? var : "(null)");
    nc_type t;
    int nd, dimids[NC_MAX_VAR_DIMS];
    INV_CHECK_NC(nc_inq_vartype(s->ncid, v, &t), p);
    INV_CHECK_NC(nc_inq_varndims(s->ncid, v, &nd), p);
    if (t == NC_CHAR || t == NC_STRING || t > NC_STRING)
        return inv_fail(INV_EFORMAT, "%s: variable '%s' is not numeric", p, var);
    if (nd < 1 || nd > 2)
        return inv_fail(INV_EFORMAT,
                        "%s: variable '%s' has %d dimensions; a per-example "
                        "variable has 1 or 2",
                        p, var, nd);
    INV_CHECK_NC(nc_inq_vardimid(s->ncid, v, dimids), p);
    char dn[NC_MAX_NAME + 1];
    size_t len0, len1 = 1;
    INV_CHECK_NC(nc_inq_dim(s->ncid, dimids[0], dn, &len0), p);
    if (strcmp(dn, "n") != 0 || (int64_t)len0 != s->n)
        return inv_fail(INV_EFORMAT,
                        "%s: variable '%s' is not per-example (first dimension '%s' "
                        "of %zu, expected 'n' of %lld)",
                        p, var, dn, len0, (long long)s->n);
    if (nd == 2) INV_CHECK_NC(nc_inq_dimlen(s->ncid, dimids[1], &len1), p);
    if (len1 < 1) return inv_fail(INV_EFORMAT, "%s: variable '%s' has no columns", p, var);
    *k = (int64_t)len1;
    if (!dst) return INV_OK;
    return read_rows_f32(s, v, var, start, count, (int64_t)len1, dst);
}

int shard_get_attr(const shard *s, const char *name, char *buf, size_t size) {
    if (s->ncid < 0) return inv_fail(INV_EINVAL, "%s: shard is not open", s->path);
    return nc_get_text(s->ncid, NC_GLOBAL, name, buf, size, s->path);
}
