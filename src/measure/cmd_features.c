// cmd_features.c: `invar-measure features`: runs a ResNet backbone (a safetensors checkpoint
// with torchvision or MoCo names, or a seeded random initialisation) over the images of a shard
// in eval mode and writes feature(n, d). Ranks split the images into contiguous blocks; rank 0
// streams its own rows to the file as it goes, then appends the other ranks' rows in rank order.
#include "commands.h"
#include "preprocess.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "core/tensor.h"
#include "data/features.h"
#include "data/shard.h"
#include "nn/backend.h"
#include "nn/checkpoint.h"
#include "nn/resnet.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *model, *arch, *stem, *data, *out, *backend;
    int batch, resize, crop;
    double width;
    uint64_t seed;
} features_args;

// Rows [lo, hi) of the shard through the model; rank 0 appends them to w as it goes, other
// ranks keep them in rows (hi - lo, d).
static int run_rows(const features_args *a, const shard *s, resnet *m, const preprocess_plan *pp,
                    int64_t lo, int64_t hi, features_writer *w, float *rows, progress *prog) {
    int d = resnet_feature_dim(m);
    size_t img_bytes = (size_t)s->spec.h * s->spec.w * s->spec.c;
    uint8_t *images = malloc(img_bytes * a->batch);
    float *x = inv_aligned_alloc(sizeof(float) * 3 * pp->out_h * pp->out_w * (size_t)a->batch);
    if (!images || !x) {
        free(images);
        inv_aligned_free(x);
        return inv_fail(INV_ENOMEM, "features: out of memory for a batch of %d", a->batch);
    }
    int rc = INV_OK;
    for (int64_t start = lo; start < hi && !rc; start += a->batch) {
        int count = (int)(hi - start < a->batch ? hi - start : a->batch);
        const float *feat;
        if ((rc = shard_read_images(s, start, count, images))) break;
        if ((rc = preprocess_batch(pp, images, count, x))) break;
        if ((rc = resnet_forward(m, x, count, pp->out_h, pp->out_w, RESNET_EVAL, &feat))) break;
        feat = resnet_features(m);
        if (w)
            rc = features_writer_append(w, feat, count);
        else
            memcpy(rows + (start - lo) * d, feat, sizeof(float) * (size_t)count * d);
        if (prog) progress_update(prog, start + count - lo);
    }
    free(images);
    inv_aligned_free(x);
    return rc;
}

static int features_main(const features_args *a) {
    int rank = mpi_rank(), size = mpi_size();
    nn_backend_kind kind;
    INV_TRY(nn_backend_parse(a->backend, &kind));
    resnet_config cfg;
    INV_TRY(resnet_config_parse(&cfg, a->arch, a->stem, 0));
    INV_TRY(resnet_config_scale_width(&cfg, a->width));
    shard s;
    INV_TRY(shard_open(&s, a->data));
    nn_backend *be = NULL;
    resnet *m = NULL;
    features_writer w;
    int have_writer = 0, rc;
    float *rows = NULL;
    preprocess_plan pp;
    if ((rc = preprocess_plan_init(&pp, (int)s.spec.h, (int)s.spec.w, (int)s.spec.c, a->resize,
                                   a->crop)))
        goto done;
    if ((rc = nn_backend_create(&be, kind)) || (rc = resnet_create(&m, &cfg, be))) goto done;
    if (strcmp(a->model, "random") == 0) {
        resnet_init_random(m, a->seed);
    } else {
        const char *prefix;
        if ((rc = nn_checkpoint_load(resnet_params(m), a->model, NULL, NN_LOAD_IGNORE_HEAD,
                                     &prefix)))
            goto done;
        log_info("loaded %s (prefix '%s')", a->model, prefix);
    }
    int d = resnet_feature_dim(m);
    int64_t lo, hi;
    mpi_split_range(s.n, rank, size, &lo, &hi);
    log_info("features: %lld images %dx%d -> %dx%d, %s%s, d = %d, %d rank(s), backend %s",
             (long long)s.n, (int)s.spec.h, (int)s.spec.w, pp.out_h, pp.out_w, a->arch,
             cfg.small_stem ? " (small stem)" : "", d, size, be->name);
    progress prog;
    if (rank == 0) {
        features_info info = {.source = a->data,
                              .model = a->model,
                              .arch = a->arch,
                              .extra_name = "preprocess",
                              .extra_value = NULL};
        char pre[128];
        snprintf(pre, sizeof pre,
                 "pixels/255, ImageNet mean/std; resize %d; crop %d; stem %s; width %g", a->resize,
                 a->crop, cfg.small_stem ? "small" : "standard", a->width);
        info.extra_value = pre;
        if ((rc = features_writer_create(&w, a->out, d, &info))) goto done;
        have_writer = 1;
        progress_start(&prog, "features", hi - lo, "images");
        rc = run_rows(a, &s, m, &pp, lo, hi, &w, NULL, &prog);
        progress_finish(&prog);
    } else {
        rows = malloc(sizeof(float) * (size_t)((hi - lo) ? (hi - lo) : 1) * d);
        if (!rows)
            rc =
                inv_fail(INV_ENOMEM, "features: out of memory for %lld rows", (long long)(hi - lo));
        else
            rc = run_rows(a, &s, m, &pp, lo, hi, NULL, rows, NULL);
    }
    // Every rank must know that all succeeded before rows travel.
    if (!mpi_all_ok(rc == INV_OK)) {
        if (!rc) rc = inv_fail(INV_EIO, "features: another rank failed");
        goto done;
    }
    // Rows of ranks 1.. to rank 0 in order, in chunks of at most 64 Mi floats.
    const int64_t chunk_rows = (int64_t)((64 << 20) / d) > 0 ? (64 << 20) / d : 1;
    if (rank == 0) {
        float *buf = NULL;
        for (int r = 1; r < size && !rc; r++) {
            int64_t rlo, rhi;
            mpi_split_range(s.n, r, size, &rlo, &rhi);
            for (int64_t at = rlo; at < rhi && !rc; at += chunk_rows) {
                int64_t cnt = rhi - at < chunk_rows ? rhi - at : chunk_rows;
                if (!buf) buf = malloc(sizeof(float) * (size_t)chunk_rows * d);
                if (!buf) {
                    rc = inv_fail(INV_ENOMEM, "features: out of memory receiving rows");
                    break;
                }
                MPI_Recv(buf, (int)(cnt * d), MPI_FLOAT, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                rc = features_writer_append(&w, buf, cnt);
            }
        }
        free(buf);
        if (!rc) rc = features_writer_commit(&w);
        have_writer = 0;
    } else {
        for (int64_t at = lo; at < hi; at += chunk_rows) {
            int64_t cnt = hi - at < chunk_rows ? hi - at : chunk_rows;
            MPI_Send(rows + (at - lo) * d, (int)(cnt * d), MPI_FLOAT, 0, 7, MPI_COMM_WORLD);
        }
    }
    if (!mpi_all_ok(rc == INV_OK) && !rc)
        rc = inv_fail(INV_EIO, "features: rank 0 failed to write");
    if (!rc && rank == 0)
        printf("%s: %lld x %d features of %s\n", a->out, (long long)s.n, d, a->data);
done:
    if (have_writer) features_writer_abort(&w);
    free(rows);
    resnet_free(m);
    nn_backend_destroy(be);
    shard_close(&s);
    return rc;
}

int cmd_features(int argc, char **argv) {
    features_args a = {.model = NULL,
                       .arch = "resnet50",
                       .stem = "standard",
                       .data = NULL,
                       .out = NULL,
                       .backend = "cpu",
                       .batch = 64,
                       .width = 1};
    char *model = NULL, *arch = (char *)a.arch, *stem = (char *)a.stem, *data = NULL, *out = NULL;
    char *backend = (char *)a.backend;
    cli_option opts[] = {
        {"model", 0, OPT_STRING, &model, "CKPT|random",
         "safetensors checkpoint (torchvision or MoCo names) or 'random' (seeded init)", 0, 0, 1},
        {"arch", 0, OPT_STRING, &arch, "ARCH", "resnet18, resnet50 or resnet50x3", 0, 0, 0},
        {"stem", 0, OPT_STRING, &stem, "STEM",
         "standard (7x7/2 conv + max-pool) or small (3x3/1 conv, no pool; 32-64 px images)", 0, 0,
         0},
        {"width", 0, OPT_DOUBLE, &a.width, "W",
         "multiplies the 64 base channels by W (stages round(64 W) x 1, 2, 4, 8; 0.25 for "
         "laptop runs; resnet50x3 = resnet50 --width 3)",
         0, 0, 0},
        {"data", 0, OPT_STRING, &data, "SHARD", "image shard to run over", 0, 0, 1},
        {"out", 'o', OPT_STRING, &out, "FEATURES.nc", "output feature file", 0, 0, 1},
        {"batch", 0, OPT_INT, &a.batch, "B", "images per forward pass", 1, 65536, 0},
        {"resize", 0, OPT_INT, &a.resize, "R",
         "resize the shorter side to R pixels as torchvision Resize(R) on PIL images "
         "(antialiased bilinear; 0: no resizing)",
         0, 8192, 0},
        {"crop", 0, OPT_INT, &a.crop, "C", "centre crop to C x C (0: none)", 0, 8192, 0},
        {"backend", 0, OPT_STRING, &backend, "NAME",
         "cpu (oneDNN convolutions) or reference (im2col + BLAS)", 0, 0, 0},
    };
    cli_spec spec = {
        "invar-measure features",
        "",
        "Runs a ResNet backbone in eval mode over every image of a shard and writes the pooled "
        "features as feature(n, d) float32 (d = 512 for resnet18, 2048 for resnet50, 6144 for "
        "resnet50x3), row i = image i of the shard. Preprocessing: pixels / 255, ImageNet "
        "mean/std normalisation; no resizing unless --resize and/or --crop. Ranks split the "
        "images; the output is the same for any number of ranks.",
        "  invar-measure features --model random --arch resnet18 --stem small --data tiny.nc "
        "--out f.nc\n"
        "  mpirun -np 4 invar-measure features --model moco.safetensors --arch resnet50 "
        "--data flowers.nc --resize 256 --crop 224 --out flowers_features.nc",
        opts,
        (int)(sizeof opts / sizeof *opts),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    program_apply_common(&common);
    if (!model || !data || !out)
        program_fail(INV_EINVAL, "--model, --data and --out are required (see --help)");
    a.model = model, a.arch = arch, a.stem = stem, a.data = data, a.out = out;
    a.backend = backend, a.seed = common.seed;
    if ((rc = features_main(&a))) program_fail_last(rc);
    return 0;
}
