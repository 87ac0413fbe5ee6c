// synthetic_result.c: the protocols' means and the synthetic sweep's NetCDF file.
#include "synthetic_result.h"

#include "core/cli.h"
#include "core/error.h"
#include "io/ncio.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int synth_result_init(synth_result *r, int nt, const int *t, const int *np, int P, int64_t n) {
    memset(r, 0, sizeof *r);
    r->nt = nt, r->P = P, r->n = n;
    memcpy(r->t, t, sizeof(int) * nt);
    memcpy(r->np, np, sizeof(int) * nt);
    size_t g = (size_t)nt * P * n;
    r->k = malloc(sizeof(int) * nt * P);
    r->sim = malloc(sizeof(double) * g), r->dist = malloc(sizeof(double) * g);
    r->aln = malloc(sizeof(double) * g);
    if (!r->k || !r->sim || !r->dist || !r->aln) {
        synth_result_free(r);
        return inv_fail(INV_ENOMEM, "synthetic results: out of memory (%zu values)", g * 3);
    }
    for (size_t q = 0; q < g; q++) r->sim[q] = r->dist[q] = r->aln[q] = NAN;
    return INV_OK;
}

void synth_result_free(synth_result *r) {
    free(r->k), free(r->sim), free(r->dist), free(r->aln);
    r->k = NULL, r->sim = r->dist = r->aln = NULL;
}

// Does the protocol's mean use grid slot p of transform slot s?
static int used(const synth_result *r, int s, int p, int official) {
    int k = r->k[s * r->P + p];
    if (k < 0) return 0;
    if (!official && transform_info_at(r->t[s])->grid == 2) return k == 1;
    return 1;
}

// mean (nt) and per-image means (nt, n) of v under the protocol.
static void means(const synth_result *r, const double *v, int official, double *mean, double *img) {
    for (int s = 0; s < r->nt; s++) {
        double tot = 0;
        int64_t cnt = 0;
        int pts = 0;
        for (int64_t i = 0; i < r->n; i++) {
            double a = 0;
            int c = 0;
            for (int p = 0; p < r->P; p++) {
                double x = v[((size_t)s * r->P + p) * r->n + i];
                if (!used(r, s, p, official) || isnan(x)) continue;
                a += x, c++;
            }
            img[s * r->n + i] = c ? a / c : NAN;
        }
        if (!official) {
            for (int p = 0; p < r->P; p++) {
                if (!used(r, s, p, 0)) continue;
                for (int64_t i = 0; i < r->n; i++) tot += v[((size_t)s * r->P + p) * r->n + i];
                cnt += r->n;
            }
            mean[s] = cnt ? tot / (double)cnt : NAN;
        } else {
            for (int p = 0; p < r->P; p++) {
                if (!used(r, s, p, 1)) continue;
                double a = 0;
                int64_t c = 0;
                for (int64_t i = 0; i < r->n; i++) {
                    double x = v[((size_t)s * r->P + p) * r->n + i];
                    if (!isnan(x)) a += x, c++;
                }
                tot += c ? a / (double)c : NAN; // np.nanmean over images, then .mean()
                pts++;
            }
            mean[s] = pts ? tot / pts : NAN;
        }
    }
}

// Puts model slice m (all of the variable when there is no model dimension).
static int put_slice(int id, int var, int series, int m, int ndims, const size_t *lens,
                     const double *v, const char *path) {
    size_t start[4] = {0}, count[4];
    int k = 0;
    if (series) start[k] = (size_t)m, count[k++] = 1;
    for (int q = 0; q < ndims; q++) count[k++] = lens[q];
    INV_CHECK_NC(nc_put_vara_double(id, var, start, count, v), path);
    return INV_OK;
}

int synth_result_write(const synth_result *rs, int nm, const char *const *models,
                       const int64_t *epochs, const char *path, const synth_meta *m,
                       const transform_opts *o, FILE *summary) {
    const synth_result *r = rs;
    int series = nm > 0, M = series ? nm : 1;
    size_t nt = (size_t)r->nt, P = (size_t)r->P, n = (size_t)r->n;
    double *mean = malloc(sizeof(double) * nt * 3 * M),
           *img = malloc(sizeof(double) * nt * n * 3 * M);
    double *pval = malloc(sizeof(double) * nt * P);
    int *valid = malloc(sizeof(int) * nt * P);
    char **ptext = calloc(nt * P, sizeof(char *)), **names = calloc(nt, sizeof(char *));
    int rc = INV_OK;
    nc_out out;
    int opened = 0;
    if (!mean || !img || !pval || !valid || !ptext || !names) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    for (int q = 0; q < M; q++) {
        double *mq = mean + (size_t)q * nt * 3, *iq = img + (size_t)q * nt * n * 3;
        means(&rs[q], rs[q].sim, m->official, mq, iq);
        means(&rs[q], rs[q].dist, m->official, mq + nt, iq + nt * n);
        means(&rs[q], rs[q].aln, m->official, mq + 2 * nt, iq + 2 * nt * n);
    }
    for (size_t s = 0; s < nt; s++) {
        names[s] = (char *)transform_info_at(r->t[s])->name;
        for (size_t p = 0; p < P; p++) {
            int k = r->k[s * P + p];
            valid[s * P + p] = k >= 0;
            pval[s * P + p] = NAN;
            ptext[s * P + p] = calloc(128, 1);
            if (!ptext[s * P + p]) {
                rc = inv_fail(INV_ENOMEM, "%s: out of memory", path);
                goto done;
            }
            if (k >= 0) {
                INV_TRY_GOTO(rc, transform_param_value(r->t[s], k, o, &pval[s * P + p]), done);
                INV_TRY_GOTO(rc, transform_param_text(r->t[s], k, o, ptext[s * P + p], 128), done);
            }
        }
    }
    INV_TRY_GOTO(rc, ncout_create(&out, path), done);
    opened = 1;
    int id = out.ncid, dt, dp, di, dm = -1;
#define NC(call)        INV_CHECK_NC_GOTO(rc, call, path, done)
#define TEXT(var, k, v) INV_TRY_GOTO(rc, nc_put_text(id, var, k, v, path), done)
    if (series) NC(nc_def_dim(id, "model", (size_t)nm, &dm));
    NC(nc_def_dim(id, "transform", nt, &dt));
    NC(nc_def_dim(id, "param", P, &dp));
    NC(nc_def_dim(id, "image", n, &di));
    int b = series ? 1 : 0;
    int d3[4] = {dm, dt, dp, di}, d2[2] = {dt, dp}, d2i[3] = {dm, dt, di}, d1[2] = {dm, dt};
    const char *v3[3] = {"similarity", "distance", "alignment"};
    const char *v3help[3] = {
        "cosine similarity of whitened centred features z = (mean - f) G, clean vs transformed",
        "Mahalanobis distance ||(f - f_t) G|| between clean and transformed features",
        "alignment ||f/|f| - f_t/|f_t| ||^2 (Wang & Isola) of the raw features"};
    int vid3[3], vimg[3], vmean[3];
    for (int q = 0; q < 3; q++) {
        char nm_[64];
        NC(nc_def_var(id, v3[q], NC_DOUBLE, 3 + b, d3 + 1 - b, &vid3[q]));
        TEXT(vid3[q], "long_name", v3help[q]);
        snprintf(nm_, sizeof nm_, "image_%s", v3[q]);
        NC(nc_def_var(id, nm_, NC_DOUBLE, 2 + b, d2i + 1 - b, &vimg[q]));
        TEXT(vimg[q], "long_name",
             "each image's mean over the grid points the protocol's mean uses");
        snprintf(nm_, sizeof nm_, "mean_%s", v3[q]);
        NC(nc_def_var(id, nm_, NC_DOUBLE, 1 + b, d1 + 1 - b, &vmean[q]));
    }
    int v_pv, v_pi, v_valid, v_pt, v_name, v_idx, v_ep = -1, v_mp = -1;
    if (series) {
        NC(nc_def_var(id, "epoch", NC_INT64, 1, &dm, &v_ep));
        TEXT(v_ep, "long_name",
             "each checkpoint's epoch (metadata 'epoch', else the last number "
             "in its file name, else its position)");
        NC(nc_def_var(id, "model_path", NC_STRING, 1, &dm, &v_mp));
    }
    NC(nc_def_var(id, "param_value", NC_DOUBLE, 2, d2, &v_pv));
    TEXT(v_pv, "long_name", "first number of the grid point (param_text has all)");
    NC(nc_def_var(id, "param_index", NC_INT, 2, d2, &v_pi));
    TEXT(v_pi, "long_name", "index in the transform's official grid (-1 past the chosen grid)");
    NC(nc_def_var(id, "valid", NC_INT, 2, d2, &v_valid));
    NC(nc_def_var(id, "param_text", NC_STRING, 2, d2, &v_pt));
    NC(nc_def_var(id, "transform_name", NC_STRING, 1, &dt, &v_name));
    NC(nc_def_var(id, "image_index", NC_INT64, 1, &di, &v_idx));
    TEXT(v_idx, "long_name", "row of the data shard each image is");
    TEXT(NC_GLOBAL, "invar_kind", series ? "invariance_synthetic_series" : "invariance_synthetic");
    TEXT(NC_GLOBAL, "invar_version", INVAR_VERSION);
    TEXT(NC_GLOBAL, "model", m->model);
    TEXT(NC_GLOBAL, "arch", m->arch);
    TEXT(NC_GLOBAL, "data", m->data);
    TEXT(NC_GLOBAL, "stats", m->stats);
    TEXT(NC_GLOBAL, "protocol", m->protocol);
    TEXT(NC_GLOBAL, "grid", m->grid);
    TEXT(NC_GLOBAL, "whitening", m->whitening);
    char buf[64];
    snprintf(buf, sizeof buf, "%d", m->resize);
    TEXT(NC_GLOBAL, "resize", buf);
    snprintf(buf, sizeof buf, "%d", m->crop);
    TEXT(NC_GLOBAL, "crop", buf);
    NC(nc_enddef(id));
    size_t l3[3] = {nt, P, n}, l2i[2] = {nt, n}, l1[1] = {nt};
    for (int q = 0; q < M; q++) {
        const synth_result *rq = &rs[q];
        const double *vals[3] = {rq->sim, rq->dist, rq->aln};
        for (int v = 0; v < 3; v++) {
            INV_TRY_GOTO(rc, put_slice(id, vid3[v], series, q, 3, l3, vals[v], path), done);
            INV_TRY_GOTO(rc,
                         put_slice(id, vimg[v], series, q, 2, l2i,
                                   img + (size_t)q * nt * n * 3 + v * nt * n, path),
                         done);
            INV_TRY_GOTO(
                rc,
                put_slice(id, vmean[v], series, q, 1, l1, mean + (size_t)q * nt * 3 + v * nt, path),
                done);
        }
    }
    if (series) {
        NC(nc_put_var_longlong(id, v_ep, (const long long *)epochs));
        NC(nc_put_var_string(id, v_mp, (const char **)models));
    }
    NC(nc_put_var_double(id, v_pv, pval));
    NC(nc_put_var_int(id, v_pi, r->k));
    NC(nc_put_var_int(id, v_valid, valid));
    NC(nc_put_var_string(id, v_pt, (const char **)ptext));
    NC(nc_put_var_string(id, v_name, (const char **)names));
    NC(nc_put_var_longlong(id, v_idx, (const long long *)m->image_index));
#undef NC
#undef TEXT
    rc = ncout_commit(&out);
    opened = 0;
    if (!rc && summary) {
        for (int q = 0; q < M; q++) {
            if (series)
                fprintf(summary, "model %s (epoch %lld)\n", models[q], (long long)epochs[q]);
            fprintf(summary, "%-14s %10s %10s %10s\n", "transform", "similarity", "distance",
                    "alignment");
            const double *mq = mean + (size_t)q * nt * 3;
            for (size_t s = 0; s < nt; s++)
                fprintf(summary, "%-14s %10.4f %10.4f %10.4f\n", names[s], mq[s], mq[nt + s],
                        mq[2 * nt + s]);
        }
    }
done:
    if (opened) ncout_abort(&out);
    if (ptext)
        for (size_t q = 0; q < nt * P; q++) free(ptext[q]);
    free(ptext), free(names), free(mean), free(img), free(pval), free(valid);
    return rc;
}
