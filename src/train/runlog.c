// runlog.c: log.nc and views.nc (see runlog.h).
#include "runlog.h"

#include "core/cli.h"
#include "core/error.h"

#include <math.h>
#include <netcdf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void run_log_init(run_log *l) {
    memset(l, 0, sizeof *l);
}

void run_log_free(run_log *l) {
    double **cols[] = {&l->loss,        &l->acc1,   &l->acc5,  &l->lr,
                       &l->pairs_per_s, &l->step_s, &l->wait_s};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) free(*cols[i]);
    free(l->epoch);
    memset(l, 0, sizeof *l);
}

static int grow(run_log *l, int64_t need) {
    if (need <= l->cap) return INV_OK;
    int64_t cap = l->cap ? l->cap * 2 : 1024;
    while (cap < need) cap *= 2;
    double **cols[] = {&l->loss,        &l->acc1,   &l->acc5,  &l->lr,
                       &l->pairs_per_s, &l->step_s, &l->wait_s};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        double *p = realloc(*cols[i], sizeof(double) * (size_t)cap);
        INV_CHECK_ALLOC(p, sizeof(double) * cap, "log.nc rows");
        *cols[i] = p;
    }
    int32_t *e = realloc(l->epoch, sizeof(int32_t) * (size_t)cap);
    INV_CHECK_ALLOC(e, sizeof(int32_t) * cap, "log.nc rows");
    l->epoch = e;
    l->cap = cap;
    return INV_OK;
}

int run_log_append(run_log *l, double loss, double acc1, double acc5, double lr, double pairs_s,
                   double step_s, double wait_s, int epoch) {
    INV_TRY(grow(l, l->n + 1));
    int64_t i = l->n++;
    l->loss[i] = loss, l->acc1[i] = acc1, l->acc5[i] = acc5, l->lr[i] = lr;
    l->pairs_per_s[i] = pairs_s, l->step_s[i] = step_s, l->wait_s[i] = wait_s;
    l->epoch[i] = epoch;
    return INV_OK;
}

static const char *NAMES[7] = {"loss", "acc1", "acc5", "lr", "pairs_per_s", "step_s", "wait_s"};
static const char *UNITS[7] = {"1", "percent", "percent", "1", "1/s", "s", "s"};
static const char *DESC[7] = {
    "training loss of the step (mean over rank 0's rows)",
    "top-1 accuracy of the step on rank 0's rows (MoCo: instance discrimination)",
    "top-5 accuracy of the step on rank 0's rows",
    "learning rate of the step",
    "global batch / wall seconds of the step (pairs: image pairs for MoCo, images supervised)",
    "seconds of compute of the step (excluding the wait for the loader)",
    "seconds the step waited for the loader"};

static double *column(const run_log *l, int i) {
    double *cols[7] = {l->loss, l->acc1, l->acc5, l->lr, l->pairs_per_s, l->step_s, l->wait_s};
    return cols[i];
}

int run_log_load(run_log *l, const char *path, int64_t n) {
    l->n = 0;
    if (access(path, F_OK) != 0 || n <= 0) return INV_OK;
    int ncid;
    INV_TRY(nc_open_read(path, &ncid));
    int rc = INV_OK;
    size_t have = 0;
    int dim;
    if (nc_inq_dimid(ncid, "step", &dim) == NC_NOERR) nc_inq_dimlen(ncid, dim, &have);
    int64_t keep = (int64_t)have < n ? (int64_t)have : n;
    if ((rc = grow(l, keep))) goto done;
    for (int i = 0; i < 8 && keep > 0; i++) {
        const char *dn[1] = {"step"};
        size_t lens[1];
        int v;
        if ((rc = nc_check_var(ncid, path, i < 7 ? NAMES[i] : "epoch", i < 7 ? NC_DOUBLE : NC_INT,
                               1, dn, &v, lens)))
            goto done;
        size_t st[1] = {0}, ct[1] = {(size_t)keep};
        int s = i < 7 ? nc_get_vara_double(ncid, v, st, ct, column(l, i))
                      : nc_get_vara_int(ncid, v, st, ct, l->epoch);
        if (s) {
            rc = inv_fail_nc(s, path, "reading the log");
            goto done;
        }
    }
    l->n = keep;
done:
    nc_close(ncid);
    return rc;
}

static int write_body(const run_log *l, int ncid, const char *path, const char *config) {
    int dim, v[8];
    INV_CHECK_NC(nc_def_dim(ncid, "step", NC_UNLIMITED, &dim), path);
    for (int i = 0; i < 8; i++) {
        INV_CHECK_NC(nc_def_var(ncid, i < 7 ? NAMES[i] : "epoch", i < 7 ? NC_DOUBLE : NC_INT, 1,
                                &dim, &v[i]),
                     path);
        INV_TRY(nc_put_text(ncid, v[i], "long_name", i < 7 ? DESC[i] : "0-based epoch of the step",
                            path));
        if (i < 7) INV_TRY(nc_put_text(ncid, v[i], "units", UNITS[i], path));
    }
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_kind", "train_log", path));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_version", INVAR_VERSION, path));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "config", config, path));
    INV_CHECK_NC(nc_enddef(ncid), path);
    if (l->n == 0) return INV_OK;
    size_t st[1] = {0}, ct[1] = {(size_t)l->n};
    for (int i = 0; i < 7; i++)
        INV_CHECK_NC(nc_put_vara_double(ncid, v[i], st, ct, column(l, i)), path);
    INV_CHECK_NC(nc_put_vara_int(ncid, v[7], st, ct, l->epoch), path);
    return INV_OK;
}

int run_log_write(const run_log *l, const char *path, const char *config) {
    nc_out o;
    INV_TRY(ncout_create(&o, path));
    int rc = write_body(l, o.ncid, path, config);
    if (rc) {
        ncout_abort(&o);
        return rc;
    }
    return ncout_commit(&o);
}

// ---- views.nc -------------------------------------------------------------------------------

static int views_define(views_file *v, const char *path, const char *config) {
    int ncid = v->out.ncid, d[5];
    INV_CHECK_NC(nc_def_dim(ncid, "step", NC_UNLIMITED, &d[0]), path);
    INV_CHECK_NC(nc_def_dim(ncid, "b", (size_t)v->b, &d[1]), path);
    INV_CHECK_NC(nc_def_dim(ncid, "c", 3, &d[2]), path);
    INV_CHECK_NC(nc_def_dim(ncid, "h", (size_t)v->s, &d[3]), path);
    INV_CHECK_NC(nc_def_dim(ncid, "w", (size_t)v->s, &d[4]), path);
    size_t chunk[5] = {1, 1, 3, (size_t)v->s, (size_t)v->s};
    INV_CHECK_NC(nc_def_var(ncid, "im_q", NC_FLOAT, 5, d, &v->v_q), path);
    INV_CHECK_NC(nc_def_var_chunking(ncid, v->v_q, NC_CHUNKED, chunk), path);
    INV_TRY(nc_put_text(ncid, v->v_q, "long_name",
                        v->moco ? "query views (view 0) after ToTensor + Normalize, NCHW"
                                : "input views after ToTensor + Normalize, NCHW",
                        path));
    v->v_k = -1, v->v_shuffle = -1, v->v_label = -1;
    if (v->moco) {
        INV_CHECK_NC(nc_def_var(ncid, "im_k", NC_FLOAT, 5, d, &v->v_k), path);
        INV_CHECK_NC(nc_def_var_chunking(ncid, v->v_k, NC_CHUNKED, chunk), path);
        INV_TRY(nc_put_text(ncid, v->v_k, "long_name",
                            "key views (view 1) in batch order, after ToTensor + Normalize", path));
        INV_CHECK_NC(nc_def_var(ncid, "idx_shuffle", NC_INT64, 2, d, &v->v_shuffle), path);
        INV_TRY(nc_put_text(ncid, v->v_shuffle, "long_name",
                            "row j of the shuffled key batch is key view idx_shuffle[j]", path));
    } else {
        INV_CHECK_NC(nc_def_var(ncid, "label", NC_INT, 2, d, &v->v_label), path);
    }
    INV_CHECK_NC(nc_def_var(ncid, "index", NC_INT64, 2, d, &v->v_index), path);
    INV_TRY(nc_put_text(ncid, v->v_index, "long_name", "data rows of the global batch", path));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_kind", "train_views", path));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "invar_version", INVAR_VERSION, path));
    INV_TRY(nc_put_text(ncid, NC_GLOBAL, "config", config, path));
    INV_CHECK_NC(nc_enddef(ncid), path);
    return INV_OK;
}

int views_create(views_file *v, const char *path, int moco, int b, int s, int64_t steps,
                 const char *config) {
    memset(v, 0, sizeof *v);
    v->moco = moco, v->b = b, v->s = s, v->steps = steps;
    INV_TRY(ncout_create(&v->out, path));
    int rc = views_define(v, path, config);
    if (rc) {
        ncout_abort(&v->out);
        return rc;
    }
    v->open = 1;
    return INV_OK;
}

int views_append(views_file *v, const float *q, const float *k, const int64_t *shuffle,
                 const int64_t *index, const int32_t *labels) {
    const char *path = v->out.path;
    int ncid = v->out.ncid;
    size_t st[5] = {(size_t)v->written, 0, 0, 0, 0};
    size_t ct[5] = {1, (size_t)v->b, 3, (size_t)v->s, (size_t)v->s};
    INV_CHECK_NC(nc_put_vara_float(ncid, v->v_q, st, ct, q), path);
    if (v->moco) {
        INV_CHECK_NC(nc_put_vara_float(ncid, v->v_k, st, ct, k), path);
        INV_CHECK_NC(nc_put_vara_longlong(ncid, v->v_shuffle, st, ct, (const long long *)shuffle),
                     path);
    } else {
        INV_CHECK_NC(nc_put_vara_int(ncid, v->v_label, st, ct, labels), path);
    }
    INV_CHECK_NC(nc_put_vara_longlong(ncid, v->v_index, st, ct, (const long long *)index), path);
    v->written++;
    return INV_OK;
}

int views_commit(views_file *v) {
    if (!v->open) return INV_OK;
    v->open = 0;
    return ncout_commit(&v->out);
}

void views_abort(views_file *v) {
    if (v->open) ncout_abort(&v->out);
    v->open = 0;
}
