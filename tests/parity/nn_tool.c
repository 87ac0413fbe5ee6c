// nn_tool.c: the C side of the nn parity tests (built by tests/parity/nn_*.sh against
// build/libinvar.a). Exchanges raw little-endian float32 files with the Python side:
//   nn_tool names ARCH STEM CLASSES
//       prints one line per state_dict entry: "name kind numel" (kind: T trainable, B buffer,
//       C num_batches_tracked), in the order params.bin must follow.
//   nn_tool step ARCH STEM CLASSES MODE BACKEND N H W PARAMS.bin INPUT.bin LABELS.bin OUTDIR
//       loads every state_dict entry (as float32) and the input (N, 3, H, W) and int32 labels,
//       runs forward (MODE train|eval), softmax cross-entropy, backward and one SGD step (lr 0.1,
//       momentum 0.9, weight decay 1e-4), and writes OUTDIR/{features,logits,grads,after}.bin
//       and OUTDIR/loss.txt. BACKEND: reference|cpu. Also OUTDIR/relu_masks.bin (uint8, 1 where
//       a ReLU output is > 0, every ReLU in torchvision's call order, each (N, C, H, W)) and
//       OUTDIR/maxpool_argmax.bin (int32 (N, C, HO, WO) flat indices into the H*W plane; empty
//       with the small stem): the branch of the piecewise-linear network the forward took.
#include "nn/backend.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/resnet.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what) {
    fprintf(stderr, "nn_tool: %s: %s\n", what, inv_errmsg());
    exit(1);
}

static void *read_all(const char *path, size_t expect) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "nn_tool: cannot open %s\n", path);
        exit(1);
    }
    void *buf = malloc(expect ? expect : 1);
    size_t got = fread(buf, 1, expect, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (got != expect || extra) {
        fprintf(stderr, "nn_tool: %s: expected %zu bytes\n", path, expect);
        exit(1);
    }
    return buf;
}

static void write_all(const char *dir, const char *name, const void *data, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, bytes, f) != bytes || fclose(f)) {
        fprintf(stderr, "nn_tool: cannot write %s\n", path);
        exit(1);
    }
}

// The ReLU masks and max-pool choices of the last forward, as plain NCHW (see the top).
static void write_branch(resnet *m, nn_backend *be, int n, const char *outdir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/relu_masks.bin", outdir);
    FILE *f = fopen(path, "wb");
    if (!f) die("relu_masks.bin");
    for (int i = 0; i < resnet_relu_count(m); i++) {
        const float *y;
        int c, hw;
        if (resnet_relu_output(m, i, &y, &c, &hw)) die("relu output");
        size_t count = (size_t)n * c * hw;
        float *plain = malloc(sizeof(float) * count);
        uint8_t *mask = malloc(count);
        nn_layout_to_plain(be, n, c, hw, y, plain);
        for (size_t j = 0; j < count; j++) mask[j] = plain[j] > 0;
        if (fwrite(mask, 1, count, f) != count) die("relu_masks.bin");
        free(plain);
        free(mask);
    }
    if (fclose(f)) die("relu_masks.bin");
    nn_pool_geom g;
    const int32_t *am = resnet_maxpool_argmax(m, &g);
    size_t count = am ? (size_t)g.n * g.c * g.ho * g.wo : 0, plane = am ? (size_t)g.ho * g.wo : 0;
    int32_t *plain = malloc(sizeof(int32_t) * (count ? count : 1));
    int B = am ? nn_act_block(be, g.c) : 1;
    for (size_t j = 0; j < count; j++) { // plain index (n, c, p) <- blocked (n, c / B, p, c % B)
        size_t nc = j / plane, p = j % plane, ni = nc / g.c, ci = nc % g.c;
        plain[j] = am[((ni * (g.c / B) + ci / B) * plane + p) * B + ci % B];
    }
    write_all(outdir, "maxpool_argmax.bin", plain, sizeof(int32_t) * count);
    free(plain);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: nn_tool names|step ARCH STEM CLASSES ...\n");
        return 2;
    }
    resnet_config cfg;
    if (resnet_config_parse(&cfg, argv[2], argv[3], atoi(argv[4]))) die("config");
    if (strcmp(argv[1], "names") == 0) {
        nn_backend *be;
        resnet *m;
        if (nn_backend_create(&be, NN_BACKEND_REFERENCE) || resnet_create(&m, &cfg, be))
            die("create");
        nn_params *p = resnet_params(m);
        for (int i = 0; i < p->count; i++)
            printf("%s %c %lld\n", p->info[i].name, "TBC"[p->info[i].kind],
                   (long long)p -> info[i].numel);
        resnet_free(m);
        nn_backend_destroy(be);
        return 0;
    }
    if (strcmp(argv[1], "step") != 0 || argc != 14) {
        fprintf(stderr, "usage: nn_tool step ARCH STEM CLASSES MODE BACKEND N H W PARAMS INPUT "
                        "LABELS OUTDIR\n");
        return 2;
    }
    int train = strcmp(argv[5], "train") == 0;
    nn_backend_kind kind;
    if (nn_backend_parse(argv[6], &kind)) die("backend");
    int n = atoi(argv[7]), h = atoi(argv[8]), w = atoi(argv[9]);
    const char *outdir = argv[13];
    nn_backend *be;
    resnet *m;
    if (nn_backend_create(&be, kind) || resnet_create(&m, &cfg, be)) die("create");
    nn_params *p = resnet_params(m);
    size_t total = 0;
    for (int i = 0; i < p->count; i++) total += (size_t)p->info[i].numel;
    float *flat = read_all(argv[10], total * sizeof(float));
    size_t off = 0;
    for (int i = 0; i < p->count; i++) {
        nn_param_info *t = &p->info[i];
        if (t->kind == PARAM_COUNT)
            *params_count(p, i) = (int64_t)flat[off];
        else
            memcpy(params_data(p, i), flat + off, sizeof(float) * t->numel);
        off += (size_t)t->numel;
    }
    float *x = read_all(argv[11], sizeof(float) * (size_t)n * 3 * h * w);
    int32_t *labels = read_all(argv[12], sizeof(int32_t) * (size_t)n);
    const float *out;
    if (resnet_forward(m, x, n, h, w, train ? RESNET_TRAIN : RESNET_EVAL_GRAD, &out))
        die("forward");
    int k = resnet_output_dim(m), d = resnet_feature_dim(m);
    write_all(outdir, "features.bin", resnet_features(m), sizeof(float) * (size_t)n * d);
    write_all(outdir, "logits.bin", out, sizeof(float) * (size_t)n * k);
    write_branch(m, be, n, outdir);
    double loss;
    float *glogits = malloc(sizeof(float) * (size_t)n * k);
    if (softmax_xent(n, k, out, labels, &loss, glogits)) die("loss");
    if (resnet_backward(m, glogits)) die("backward");
    // The fused eval path must give the same output as the unfused one.
    const float *fused;
    if (!train) {
        if (resnet_forward(m, x, n, h, w, RESNET_EVAL, &fused)) die("eval forward");
        write_all(outdir, "logits_fused.bin", fused, sizeof(float) * (size_t)n * k);
        write_all(outdir, "features_fused.bin", resnet_features(m), sizeof(float) * (size_t)n * d);
    }
    FILE *f;
    char path[4096];
    snprintf(path, sizeof path, "%s/loss.txt", outdir);
    if (!(f = fopen(path, "w"))) die("loss.txt");
    fprintf(f, "%.9g\n", loss);
    fclose(f);
    // trainable tensors are laid out in table order, so the buffer is the table order
    write_all(outdir, "grads.bin", p->grad, sizeof(float) * p->n_trainable);
    sgd_state opt;
    if (sgd_init(&opt, p->n_trainable, 0.9, 0.0, 1e-4, 0)) die("sgd");
    sgd_step(&opt, p->data, p->grad, 0.1);
    off = 0;
    for (int i = 0; i < p->count; i++) {
        nn_param_info *t = &p->info[i];
        if (t->kind == PARAM_COUNT)
            flat[off] = (float)*params_count(p, i);
        else
            memcpy(flat + off, params_data(p, i), sizeof(float) * t->numel);
        off += (size_t)t->numel;
    }
    write_all(outdir, "after.bin", flat, sizeof(float) * total);
    sgd_free(&opt);
    free(glogits);
    free(flat);
    free(x);
    free(labels);
    resnet_free(m);
    nn_backend_destroy(be);
    return 0;
}
