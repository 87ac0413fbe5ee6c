// cmd_realworld.c: `invar-measure realworld` (Table 3): the features of every image of a
// groups shard (group(n): views of one object/scene), whitened by --stats, and per group the
// mean similarity, distance and alignment over its pairs of views, then the mean over groups.
// Ranks split the forward passes; rank 0 computes the pairs (cheap) and writes the file.
#include "backbone.h"
#include "commands.h"
#include "metrics.h"
#include "stats_input.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "io/ncio.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    backbone_args net;
    const char *data, *stats, *out, *protocol;
    int resize, crop, official, self_pairs;
    int stats_resize, stats_crop; // Resize/CenterCrop of a --stats shard (0: the default)
} real_args;

typedef struct {
    int64_t ngroups, npairs;
    int32_t *id;           // (ngroups) group value
    int64_t *start, *size; // rows of group g: order[start[g] .. start[g] + size[g])
    int64_t *order;        // (n) shard rows sorted by group, stable
} groups;

static int cmp_row(const void *a, const void *b, void *ctx) {
    const int32_t *g = ctx;
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    if (g[x] != g[y]) return g[x] < g[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int read_groups(const shard *s, const char *path, groups *G) {
    memset(G, 0, sizeof *G);
    if (!s->spec.with_group)
        return inv_fail(INV_EFORMAT,
                        "%s has no group(n) variable: realworld needs a groups shard "
                        "(views of each object share a group value)",
                        path);
    int32_t *g = malloc(sizeof(int32_t) * (size_t)s->n);
    G->order = malloc(sizeof(int64_t) * (size_t)s->n);
    G->id = malloc(sizeof(int32_t) * (size_t)s->n);
    G->start = malloc(sizeof(int64_t) * (size_t)s->n);
    G->size = malloc(sizeof(int64_t) * (size_t)s->n);
    if (!g || !G->order || !G->id || !G->start || !G->size) {
        free(g);
        return inv_fail(INV_ENOMEM, "%s: out of memory for the groups", path);
    }
    int rc = shard_read_groups(s, 0, s->n, g);
    if (rc) {
        free(g);
        return rc;
    }
    for (int64_t i = 0; i < s->n; i++) G->order[i] = i;
    qsort_r(G->order, (size_t)s->n, sizeof(int64_t), cmp_row, g);
    for (int64_t i = 0; i < s->n; i++) {
        int32_t v = g[G->order[i]];
        if (i == 0 || v != G->id[G->ngroups - 1]) {
            G->id[G->ngroups] = v, G->start[G->ngroups] = i, G->size[G->ngroups] = 0;
            G->ngroups++;
        }
        G->size[G->ngroups - 1]++;
    }
    free(g);
    int64_t singles = 0, first = -1;
    for (int64_t q = 0; q < G->ngroups; q++) {
        if (G->size[q] < 2) singles++, first = first < 0 ? q : first;
        G->npairs += G->size[q] * (G->size[q] - 1) / 2;
    }
    if (singles)
        return inv_fail(INV_EINVAL,
                        "%s: %lld of %lld groups have a single image (e.g. group %d): every "
                        "group needs at least two views",
                        path, (long long)singles, (long long)G->ngroups, G->id[first]);
    return INV_OK;
}

static void groups_free(groups *G) {
    free(G->id), free(G->start), free(G->size), free(G->order);
}

typedef struct {
    double *gs, *gd, *ga;  // (ngroups)
    int64_t *pg, *pi, *pj; // (npairs): group index, shard rows
    double *ps, *pd, *pa;  // (npairs)
    double ms, md, ma;     // means over groups
} real_result;

static int write_result(const real_args *a, const groups *G, const real_result *r,
                        const whitening *w) {
    nc_out o;
    INV_TRY(ncout_create(&o, a->out));
    int id = o.ncid, rc = INV_OK, dg, dp;
    const char *path = a->out;
#define NC(call)        INV_CHECK_NC_GOTO(rc, call, path, fail)
#define TEXT(var, k, v) INV_TRY_GOTO(rc, nc_put_text(id, var, k, v, path), fail)
    NC(nc_def_dim(id, "group", (size_t)G->ngroups, &dg));
    NC(nc_def_dim(id, "pair", (size_t)G->npairs, &dp));
    int v[16];
    NC(nc_def_var(id, "mean_similarity", NC_DOUBLE, 0, NULL, &v[0]));
    NC(nc_def_var(id, "mean_distance", NC_DOUBLE, 0, NULL, &v[1]));
    NC(nc_def_var(id, "mean_alignment", NC_DOUBLE, 0, NULL, &v[2]));
    NC(nc_def_var(id, "group_similarity", NC_DOUBLE, 1, &dg, &v[3]));
    NC(nc_def_var(id, "group_distance", NC_DOUBLE, 1, &dg, &v[4]));
    NC(nc_def_var(id, "group_alignment", NC_DOUBLE, 1, &dg, &v[5]));
    NC(nc_def_var(id, "group_id", NC_INT, 1, &dg, &v[6]));
    NC(nc_def_var(id, "group_size", NC_INT64, 1, &dg, &v[7]));
    NC(nc_def_var(id, "pair_group", NC_INT64, 1, &dp, &v[8]));
    NC(nc_def_var(id, "pair_i", NC_INT64, 1, &dp, &v[9]));
    NC(nc_def_var(id, "pair_j", NC_INT64, 1, &dp, &v[10]));
    NC(nc_def_var(id, "pair_similarity", NC_DOUBLE, 1, &dp, &v[11]));
    NC(nc_def_var(id, "pair_distance", NC_DOUBLE, 1, &dp, &v[12]));
    NC(nc_def_var(id, "pair_alignment", NC_DOUBLE, 1, &dp, &v[13]));
    TEXT(v[0], "long_name", "mean over groups of each group's mean similarity");
    TEXT(v[8], "long_name",
         "index (in group_*) of the pair's group; pair_i < pair_j are shard rows");
    TEXT(NC_GLOBAL, "invar_kind", "invariance_realworld");
    TEXT(NC_GLOBAL, "invar_version", INVAR_VERSION);
    TEXT(NC_GLOBAL, "model", a->net.model);
    TEXT(NC_GLOBAL, "arch", a->net.arch);
    TEXT(NC_GLOBAL, "data", a->data);
    TEXT(NC_GLOBAL, "stats", a->stats);
    TEXT(NC_GLOBAL, "protocol", a->protocol);
    TEXT(NC_GLOBAL, "whitening", w->method);
    TEXT(NC_GLOBAL, "pairs",
         a->official ? "similarity: full n x n cosine matrix incl. the diagonal; distance, "
                       "alignment: i < j"
                     : (a->self_pairs ? "all pairs incl. self-pairs" : "all pairs i != j"));
    NC(nc_enddef(id));
    NC(nc_put_var_double(id, v[0], &r->ms));
    NC(nc_put_var_double(id, v[1], &r->md));
    NC(nc_put_var_double(id, v[2], &r->ma));
    NC(nc_put_var_double(id, v[3], r->gs));
    NC(nc_put_var_double(id, v[4], r->gd));
    NC(nc_put_var_double(id, v[5], r->ga));
    NC(nc_put_var_int(id, v[6], G->id));
    NC(nc_put_var_longlong(id, v[7], (const long long *)G->size));
    NC(nc_put_var_longlong(id, v[8], (const long long *)r->pg));
    NC(nc_put_var_longlong(id, v[9], (const long long *)r->pi));
    NC(nc_put_var_longlong(id, v[10], (const long long *)r->pj));
    NC(nc_put_var_double(id, v[11], r->ps));
    NC(nc_put_var_double(id, v[12], r->pd));
    NC(nc_put_var_double(id, v[13], r->pa));
#undef NC
#undef TEXT
    return ncout_commit(&o);
fail:
    ncout_abort(&o);
    return rc;
}

// Per-group and per-pair values from features f (n, d) (shard row order), whitened z and y.
static void measure_groups(const real_args *a, const groups *G, int d, const float *f,
                           const double *z, const double *y, real_result *r) {
    double eps = a->official ? 1e-8 : 1e-12;
    int64_t p = 0;
    r->ms = r->md = r->ma = 0;
    for (int64_t g = 0; g < G->ngroups; g++) {
        const int64_t *rows = G->order + G->start[g];
        int64_t m = G->size[g];
        double s = 0, dist = 0, al = 0, diag = 0;
        for (int64_t i = 0; i < m; i++) {
            if (a->official || a->self_pairs)
                diag += metric_cosine(z + rows[i] * d, z + rows[i] * d, d, eps);
            for (int64_t j = i + 1; j < m; j++) {
                int64_t ri = rows[i], rj = rows[j];
                r->pg[p] = g, r->pi[p] = ri, r->pj[p] = rj;
                r->ps[p] = metric_cosine(z + ri * d, z + rj * d, d, eps);
                r->pd[p] = metric_distance(y + ri * d, y + rj * d, d);
                r->pa[p] = metric_alignment(f + ri * d, f + rj * d, d);
                s += r->ps[p], dist += r->pd[p], al += r->pa[p];
                p++;
            }
        }
        int64_t pairs = m * (m - 1) / 2;
        if (a->official || a->self_pairs)
            r->gs[g] = (2 * s + diag) / (double)(m * m);
        else
            r->gs[g] = s / (double)pairs;
        r->gd[g] = dist / (double)pairs;
        r->ga[g] = al / (double)pairs;
        r->ms += r->gs[g], r->md += r->gd[g], r->ma += r->ga[g];
    }
    r->ms /= (double)G->ngroups, r->md /= (double)G->ngroups, r->ma /= (double)G->ngroups;
}

static int realworld_main(const real_args *a) {
    shard s;
    INV_TRY(shard_open(&s, a->data));
    groups G;
    backbone b = {0};
    whitening w = {0};
    float *f = NULL;
    double *z = NULL, *y = NULL;
    real_result r = {0};
    preprocess_plan pp;
    int rc = read_groups(&s, a->data, &G);
    if (!rc)
        rc = preprocess_plan_init(&pp, (int)s.spec.h, (int)s.spec.w, (int)s.spec.c, a->resize,
                                  a->crop);
    if (!rc) rc = backbone_open(&b, &a->net);
    if (!rc)
        rc = stats_whitening(&b, a->stats, a->stats_resize, a->stats_crop, a->official,
                             !strcmp(a->net.model, "random"), &w);
    int d = b.d;
    if (!rc) {
        f = malloc(sizeof(float) * (size_t)s.n * d);
        z = malloc(sizeof(double) * (size_t)s.n * d), y = malloc(sizeof(double) * (size_t)s.n * d);
        if (!f || !z || !y)
            rc = inv_fail(INV_ENOMEM, "out of memory for %lld features", (long long)s.n);
    }
    if (!rc) {
        log_info("realworld: %lld groups, %lld images, %lld pairs, %d rank(s), protocol %s",
                 (long long)G.ngroups, (long long)s.n, (long long)G.npairs, mpi_size(),
                 a->protocol);
        rc = backbone_shard_features(&b, &s, &pp, NULL, s.n, f, "realworld features");
    }
    if (!rc && mpi_rank() == 0) {
        whiten_apply(&w, w.g_sim, f, s.n, z);
        // The code's pdist runs on its float32-whitened features; the paper's on float64 ones.
        if (w.g_dist != w.g_sim && !a->official) whiten_apply(&w, w.g_dist, f, s.n, y);
        const double *yy = (w.g_dist != w.g_sim && !a->official) ? y : z;
        size_t ng = (size_t)G.ngroups, np = (size_t)G.npairs;
        r.gs = malloc(sizeof(double) * ng * 3), r.pg = malloc(sizeof(int64_t) * np * 3 + 8);
        r.ps = malloc(sizeof(double) * np * 3 + 8);
        if (!r.gs || !r.pg || !r.ps) {
            rc = inv_fail(INV_ENOMEM, "out of memory for %zu pairs", np);
        } else {
            r.gd = r.gs + ng, r.ga = r.gs + 2 * ng, r.pi = r.pg + np, r.pj = r.pg + 2 * np;
            r.pd = r.ps + np, r.pa = r.ps + 2 * np;
            measure_groups(a, &G, d, f, z, yy, &r);
            rc = write_result(a, &G, &r, &w);
        }
        if (!rc)
            printf("%s: %lld groups of %s: similarity %.4f, distance %.4f, alignment %.4f "
                   "(%s protocol, whitening: %s)\n",
                   a->out, (long long)G.ngroups, a->data, r.ms, r.md, r.ma, a->protocol, w.method);
    }
    if (!mpi_all_ok(rc == INV_OK) && !rc) rc = inv_fail(INV_EIO, "realworld: rank 0 failed");
    free(r.gs), free(r.pg), free(r.ps), free(f), free(z), free(y);
    whiten_free(&w);
    backbone_close(&b);
    groups_free(&G);
    shard_close(&s);
    return rc;
}

int cmd_realworld(int argc, char **argv) {
    real_args a = {.net = BACKBONE_DEFAULTS, .protocol = "paper", .resize = 224, .crop = 224};
    char *data = NULL, *stats = NULL, *out = NULL, *protocol = (char *)a.protocol;
    cli_option opts[] = {
        BACKBONE_OPTIONS(a.net,
                         "safetensors checkpoint (torchvision or MoCo names) or 'random' (seeded "
                         "init)",
                         "views per forward pass"),
        {"data", 0, OPT_STRING, &data, "GROUPS.nc", "groups shard (group(n): views of one object)",
         0, 0, 1},
        {"stats", 0, OPT_STRING, &stats, "FEATURES.nc|SHARD",
         "whitening set (features file or shard)", 0, 0, 1},
        {"out", 'o', OPT_STRING, &out, "INV.nc", "output file", 0, 0, 1},
        {"resize", 0, OPT_INT, &a.resize, "R", "Resize(R) of every view", 1, 65535, 0},
        {"crop", 0, OPT_INT, &a.crop, "C", "CenterCrop(C)", 1, 65535, 0},
        {"stats-resize", 0, OPT_INT, &a.stats_resize, "R",
         "Resize(R) of a --stats shard (default: the views' --resize under the paper protocol; "
         "256 under the official one, whose statistics are the synthetic script's Resize(256) + "
         "CenterCrop(224))",
         0, 65535, 1},
        {"stats-crop", 0, OPT_INT, &a.stats_crop, "C",
         "CenterCrop(C) of a --stats shard (default: the views' --crop; 224 under the official "
         "protocol)",
         0, 65535, 1},
        {"self-pairs", 0, OPT_FLAG, &a.self_pairs, NULL,
         "paper protocol: include i = j in the similarity (excluded by default)", 0, 0, 1},
        {"protocol", 0, OPT_STRING, &protocol, "paper|official",
         "paper: all pairs i != j, float64; official: similarity = mean of the full n x n cosine "
         "matrix (diagonal included), distance = pdist of the float32-whitened features",
         0, 0, 0},
    };
    cli_spec spec = {
        "invar-measure realworld",
        "",
        "Table 3's real-world invariance: features of every view in a groups shard (Resize + "
        "CenterCrop), whitened by --stats as in `synthetic`; per group the mean over its pairs of "
        "views of the similarity cos(z_i, z_j), the Mahalanobis distance ||z_i - z_j|| and the "
        "alignment ||f_i/|f_i| - f_j/|f_j| ||^2; then the mean over groups. Writes mean_* "
        "(scalars), group_*(group), pair_*(pair) (pairs i < j). Every group needs >= 2 views.",
        "  invar-measure realworld --model moco.safetensors --arch resnet50 --data viewpoint.nc "
        "--stats val_features.nc --out real_viewpoint.nc",
        opts,
        (int)(sizeof opts / sizeof *opts),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    if (!a.net.model || !data || !stats || !out)
        program_fail(INV_EINVAL, "--model, --data, --stats and --out are required (see --help)");
    if (protocol_parse(protocol, &a.official)) program_fail_last(INV_EINVAL);
    a.net.seed = common.seed;
    a.data = data, a.stats = stats, a.out = out, a.protocol = protocol;
    if (!a.stats_resize) a.stats_resize = a.official ? 256 : a.resize;
    if (!a.stats_crop) a.stats_crop = a.official ? 224 : a.crop;
    int rc = realworld_main(&a);
    if (rc) program_fail_last(rc);
    return 0;
}
