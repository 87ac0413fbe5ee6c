// backbone.c: model set-up for the measurement commands and rank-split clean features.
#include "backbone.h"

#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/tensor.h"
#include "nn/checkpoint.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

int protocol_parse(const char *text, int *official) {
    if (strcmp(text, "paper") && strcmp(text, "official"))
        return inv_fail(INV_EINVAL, "--protocol must be paper or official, not '%s'", text);
    *official = !strcmp(text, "official");
    return INV_OK;
}

int backbone_open(backbone *b, const backbone_args *a) {
    memset(b, 0, sizeof *b);
    nn_backend_kind kind;
    INV_TRY(nn_backend_parse(a->backend, &kind));
    INV_TRY(resnet_config_parse(&b->cfg, a->arch, a->stem, 0));
    INV_TRY(resnet_config_scale_width(&b->cfg, a->width));
    int rc;
    if ((rc = nn_backend_create(&b->be, kind)) || (rc = resnet_create(&b->net, &b->cfg, b->be))) {
        backbone_close(b);
        return rc;
    }
    if (strcmp(a->model, "random") == 0) {
        resnet_init_random(b->net, a->seed);
    } else {
        const char *prefix;
        if ((rc = nn_checkpoint_load(resnet_params(b->net), a->model, NULL, NN_LOAD_IGNORE_HEAD,
                                     &prefix))) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", inv_errmsg());
            backbone_close(b);
            return inv_fail(rc,
                            "%s is not a %s (%s stem, width %g) checkpoint (wrong --arch, --stem "
                            "or --width?): %s",
                            a->model, a->arch, b->cfg.small_stem ? "small" : "standard", a->width,
                            msg);
        }
        log_debug("loaded %s (prefix '%s')", a->model, prefix);
    }
    b->d = resnet_feature_dim(b->net);
    b->batch = a->batch;
    return INV_OK;
}

void backbone_close(backbone *b) {
    resnet_free(b->net);
    nn_backend_destroy(b->be);
    b->net = NULL, b->be = NULL;
}

int backbone_forward(backbone *b, const float *x, int n, int h, int w, float *out) {
    size_t per = (size_t)3 * h * w;
    for (int at = 0; at < n; at += b->batch) {
        int cnt = n - at < b->batch ? n - at : b->batch;
        const float *y;
        INV_TRY(resnet_forward(b->net, x + per * at, cnt, h, w, RESNET_EVAL, &y));
        memcpy(out + (size_t)at * b->d, resnet_features(b->net), sizeof(float) * cnt * b->d);
    }
    return INV_OK;
}

int backbone_shard_features(backbone *b, const shard *s, const preprocess_plan *pp,
                            const int64_t *idx, int64_t n, float *out, const char *label) {
    int rank = mpi_rank(), size = mpi_size(), B = b->batch;
    size_t img = (size_t)s->spec.h * s->spec.w * s->spec.c;
    uint8_t *images = malloc(img * B);
    float *x = inv_aligned_alloc(sizeof(float) * 3 * pp->out_h * pp->out_w * (size_t)B);
    int rc = INV_OK;
    memset(out, 0, sizeof(float) * (size_t)n * b->d);
    if (!images || !x) rc = inv_fail(INV_ENOMEM, "%s: out of memory for a batch of %d", label, B);
    progress prog;
    int64_t nblk = (n + B - 1) / B;
    progress_start(&prog, label, n, "images");
    for (int64_t blk = rank; blk < nblk && !rc; blk += size) {
        int64_t lo = blk * B;
        int cnt = (int)(n - lo < B ? n - lo : B);
        for (int i = 0; i < cnt && !rc; i++) {
            int64_t row = idx ? idx[lo + i] : lo + i;
            rc = shard_read_images(s, row, 1, images + img * i);
        }
        if (!rc) rc = preprocess_batch(pp, images, cnt, x);
        if (!rc) rc = backbone_forward(b, x, cnt, pp->out_h, pp->out_w, out + lo * b->d);
        progress_update(&prog, lo + cnt);
    }
    progress_finish(&prog);
    free(images);
    inv_aligned_free(x);
    if (!mpi_all_ok(rc == INV_OK))
        return rc ? rc : inv_fail(INV_EIO, "%s: another rank failed", label);
    if (size > 1) {
        for (int64_t at = 0; at < n * b->d; at += 1 << 26) {
            int cnt = (int)(n * b->d - at < (1 << 26) ? n * b->d - at : (1 << 26));
            INV_CHECK_MPI(
                MPI_Allreduce(MPI_IN_PLACE, out + at, cnt, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD));
        }
    }
    return INV_OK;
}
