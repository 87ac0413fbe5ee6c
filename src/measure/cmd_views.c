// cmd_views.c: `invar-measure views` (Table C.1, right): features of C augmented views of each
// image under a policy (keyed draws: the same views on any number of ranks), their uniformity
// and average confusion ratio. Blocks of --batch views go to ranks in turn.
#include "backbone.h"
#include "commands.h"
#include "metrics.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "core/tensor.h"
#include "image/augment.h"
#include "image/policy.h"
#include "io/ncio.h"

#include <mpi.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    backbone_args net;
    const char *data, *policy, *out;
    int views, k, epoch, size;
    int64_t images;
} views_args;

// Features (n * views, d) of every view, on every rank (position i * views + v).
static int view_features(const views_args *a, backbone *b, const shard *s, const aug_policy *p,
                         int64_t n, float *out) {
    int rank = mpi_rank(), size = mpi_size(), B = b->batch, S = p->out_size;
    int64_t m = n * a->views, nblk = (m + B - 1) / B;
    size_t img_bytes = (size_t)s->spec.h * s->spec.w * s->spec.c, plane = (size_t)3 * S * S;
    uint8_t *raw = malloc(img_bytes * B);
    float *x = inv_aligned_alloc(sizeof(float) * plane * B);
    int rc = INV_OK;
    if (!raw || !x) rc = inv_fail(INV_ENOMEM, "views: out of memory for a batch of %d", B);
    memset(out, 0, sizeof(float) * (size_t)m * b->d);
    progress prog;
    progress_start(&prog, "views", m, "views");
    for (int64_t blk = rank; blk < nblk && !rc; blk += size) {
        int64_t lo = blk * B;
        int cnt = (int)(m - lo < B ? m - lo : B), failed = 0;
        for (int q = 0; q < cnt && !rc; q++)
            rc = shard_read_images(s, (lo + q) / a->views, 1, raw + img_bytes * q);
        if (rc) break;
#pragma omp parallel for schedule(dynamic, 1) reduction(| : failed)
        for (int q = 0; q < cnt; q++) {
            int64_t pos = lo + q;
            image_u8 in = {.w = (int)s->spec.w,
                           .h = (int)s->spec.h,
                           .c = (int)s->spec.c,
                           .data = raw + img_bytes * q};
            if (augment_view(p, &in, a->net.seed, (uint32_t)a->epoch, (uint32_t)(pos / a->views),
                             (uint32_t)(pos % a->views), x + plane * q))
                failed = 1;
        }
        if (failed) rc = inv_fail(INV_EINVAL, "views: augmenting a view failed: %s", inv_errmsg());
        if (!rc) rc = backbone_forward(b, x, cnt, S, S, out + lo * b->d);
        progress_update(&prog, lo + cnt);
    }
    progress_finish(&prog);
    free(raw);
    inv_aligned_free(x);
    if (!mpi_all_ok(rc == INV_OK)) return rc ? rc : inv_fail(INV_EIO, "views: another rank failed");
    if (size > 1)
        for (int64_t at = 0; at < m * b->d; at += 1 << 26) {
            int c = (int)(m * b->d - at < (1 << 26) ? m * b->d - at : (1 << 26));
            INV_CHECK_MPI(
                MPI_Allreduce(MPI_IN_PLACE, out + at, c, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD));
        }
    return INV_OK;
}

static int write_views(const views_args *a, const float *f, int64_t n, int d, int view_size,
                       double uni, double acr) {
    nc_out o;
    INV_TRY(ncout_create(&o, a->out));
    int id = o.ncid, rc = INV_OK, di, dv, dd, vf, vu, va;
    const char *path = a->out;
#define NC(call)        INV_CHECK_NC_GOTO(rc, call, path, fail)
#define TEXT(var, k, v) INV_TRY_GOTO(rc, nc_put_text(id, var, k, v, path), fail)
    NC(nc_def_dim(id, "image", (size_t)n, &di));
    NC(nc_def_dim(id, "view", (size_t)a->views, &dv));
    NC(nc_def_dim(id, "d", (size_t)d, &dd));
    int d3[3] = {di, dv, dd};
    NC(nc_def_var(id, "feature", NC_FLOAT, 3, d3, &vf));
    NC(nc_def_var(id, "uniformity", NC_DOUBLE, 0, NULL, &vu));
    TEXT(vu, "long_name",
         "-log mean exp(-2 ||x - y||^2) over pairs of L2-normalised views of two different images");
    NC(nc_def_var(id, "acr", NC_DOUBLE, 0, NULL, &va));
    TEXT(va, "long_name",
         "share of each view's k nearest other views (L2-normalised, Euclidean) that belong to "
         "another image, averaged over views");
    char buf[64];
    snprintf(buf, sizeof buf, "%d", a->k);
    TEXT(va, "k", buf);
    TEXT(NC_GLOBAL, "invar_kind", "invariance_views");
    TEXT(NC_GLOBAL, "invar_version", INVAR_VERSION);
    TEXT(NC_GLOBAL, "model", a->net.model);
    TEXT(NC_GLOBAL, "arch", a->net.arch);
    TEXT(NC_GLOBAL, "data", a->data);
    TEXT(NC_GLOBAL, "policy", a->policy);
    snprintf(buf, sizeof buf, "%d", view_size);
    TEXT(NC_GLOBAL, "view_size", buf);
    NC(nc_enddef(id));
    NC(nc_put_var_float(id, vf, f));
    NC(nc_put_var_double(id, vu, &uni));
    NC(nc_put_var_double(id, va, &acr));
#undef NC
#undef TEXT
    return ncout_commit(&o);
fail:
    ncout_abort(&o);
    return rc;
}

static int views_main(const views_args *a) {
    aug_policy p;
    INV_TRY(policy_load(a->policy, &p));
    if (a->size) INV_TRY(policy_set_size(&p, a->size));
    INV_TRY(policy_validate(&p, a->policy));
    shard s;
    INV_TRY(shard_open(&s, a->data));
    backbone b = {0};
    float *f = NULL;
    int64_t n = a->images ? a->images : s.n;
    int rc = INV_OK;
    if (n > s.n || n < 2)
        rc = inv_fail(INV_EINVAL, "--images %lld: %s holds %lld images (views needs >= 2)",
                      (long long)n, a->data, (long long)s.n);
    if (!rc) rc = backbone_open(&b, &a->net);
    if (!rc && !(f = malloc(sizeof(float) * (size_t)n * a->views * b.d)))
        rc = inv_fail(INV_ENOMEM, "out of memory for %lld views", (long long)n * a->views);
    if (!rc) {
        log_info("views: %lld images x %d views (policy %s), %d rank(s)", (long long)n, a->views,
                 a->policy, mpi_size());
        rc = view_features(a, &b, &s, &p, n, f);
    }
    if (!rc && mpi_rank() == 0) {
        double uni = metric_uniformity(f, n, a->views, b.d), acr = 0;
        rc = metric_acr(f, n, a->views, b.d, a->k, &acr);
        if (!rc) rc = write_views(a, f, n, b.d, p.out_size, uni, acr);
        if (!rc)
            printf("%s: %lld images x %d views (%s): uniformity %.4f, ACR (k = %d) %.4f\n", a->out,
                   (long long)n, a->views, a->policy, uni, a->k, acr);
    }
    if (!mpi_all_ok(rc == INV_OK) && !rc) rc = inv_fail(INV_EIO, "views: rank 0 failed");
    free(f);
    backbone_close(&b);
    shard_close(&s);
    return rc;
}

int cmd_views(int argc, char **argv) {
    views_args a = {.net = BACKBONE_DEFAULTS, .policy = "default", .views = 10, .k = 10};
    char *data = NULL, *out = NULL, *policy = (char *)a.policy;
    cli_option opts[] = {
        BACKBONE_OPTIONS(a.net,
                         "safetensors checkpoint (torchvision or MoCo names) or 'random' (seeded "
                         "init)",
                         "views per forward pass"),
        {"data", 0, OPT_STRING, &data, "SHARD", "image shard", 0, 0, 1},
        {"images", 0, OPT_INT64, &a.images, "N", "the first N images (0: all)", 0, 1e12, 0},
        {"policy", 0, OPT_STRING, &policy, "default|spatial|appearance|FILE", "augmentation policy",
         0, 0, 0},
        {"size", 0, OPT_INT, &a.size, "S",
         "output size of the policy's crops/resizes, as invar-train --size (0: the policy's own, "
         "224)",
         0, AUG_MAX_SIZE, 0},
        {"views", 0, OPT_INT, &a.views, "C", "augmented views per image", 1, 100000, 0},
        {"k", 0, OPT_INT, &a.k, "K", "neighbours of the ACR", 1, 100000, 0},
        {"epoch", 0, OPT_INT, &a.epoch, "E", "epoch part of the augmentation key", 0, 1 << 23, 0},
        {"out", 'o', OPT_STRING, &out, "V.nc", "output file", 0, 0, 1},
    };
    cli_spec spec = {
        "invar-measure views",
        "",
        "Table C.1's uniformity and ACR. Features f of C views of each image under the policy "
        "(view v of image i drawn with key (--seed, --epoch, i, v), as training draws them), "
        "L2-normalised to x. Uniformity = -log( mean over all unordered pairs of views of two "
        "different images of exp(-2 ||x - y||^2) ) (Wang & Isola's, reported positive as Table "
        "C.1). ACR (Wang et al. 2022, average confusion ratio) = mean over every view (anchor) of "
        "the fraction of its k nearest other views (Euclidean on x, ties to the lower index; "
        "among all n x C views) that are views of another image; their code computes k = 1, the "
        "paper reports C = 10, k = 10. Writes feature(image, view, d), uniformity, acr.",
        "  invar-measure views --model moco.safetensors --arch resnet50 --data val.nc --images "
        "1000 "
        "--policy spatial --views 10 --out views_spatial.nc",
        opts,
        (int)(sizeof opts / sizeof *opts),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    if (!a.net.model || !data || !out)
        program_fail(INV_EINVAL, "--model, --data and --out are required (see --help)");
    a.net.seed = common.seed;
    a.data = data, a.out = out, a.policy = policy;
    int rc = views_main(&a);
    if (rc) program_fail_last(rc);
    return 0;
}
