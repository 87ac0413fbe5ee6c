// backbone.h: the network every measurement runs: a ResNet from a checkpoint (or a seeded
// random init) in eval mode, and the clean features of shard images computed over ranks in
// batches fixed by position (so the values do not depend on the number of ranks).
#ifndef INVAR_MEASURE_BACKBONE_H
#define INVAR_MEASURE_BACKBONE_H

#include "data/shard.h"
#include "nn/backend.h"
#include "nn/resnet.h"
#include "preprocess.h"

#include <stdint.h>

typedef struct {
    const char *model, *arch, *stem, *backend; // model: checkpoint path or "random"
    double width;
    uint64_t seed; // random init
    int batch;     // images per forward pass
} backbone_args;

typedef struct {
    nn_backend *be;
    resnet *net;
    resnet_config cfg;
    int d; // feature dimension
    int batch;
} backbone;

// The network options of the measurement commands (synthetic, realworld, views) as cli_option
// entries (core/cli.h) that fill the backbone_args `net` (start it from BACKBONE_DEFAULTS):
// --model (no default; the command requires it), --arch, --stem, --width, --batch, --backend.
// model_help and batch_help say what the command does with a checkpoint and a batch.
#define BACKBONE_DEFAULTS                                                                          \
    { .arch = "resnet50", .stem = "standard", .backend = "cpu", .width = 1, .batch = 64 }
#define BACKBONE_OPTIONS(net, model_help, batch_help)                                              \
    {"model", 0, OPT_STRING, &(net).model, "CKPT|random", model_help, 0, 0, 1},                    \
        {"arch", 0, OPT_STRING, &(net).arch, "ARCH", "resnet18, resnet50 or resnet50x3", 0, 0, 0}, \
        {"stem",                                                                                   \
         0,                                                                                        \
         OPT_STRING,                                                                               \
         &(net).stem,                                                                              \
         "STEM",                                                                                   \
         "standard (7x7/2 conv + max-pool) or small (3x3/1 conv, no pool; 32-64 px images)",       \
         0,                                                                                        \
         0,                                                                                        \
         0},                                                                                       \
        {"width", 0, OPT_DOUBLE, &(net).width, "W", "width multiplier of the 64 base channels",    \
         0,       0, 0},                                                                           \
        {"batch", 0, OPT_INT, &(net).batch, "B", batch_help, 1, 4096, 0}, {                        \
        "backend", 0, OPT_STRING, &(net).backend, "NAME",                                          \
            "cpu (oneDNN convolutions) or reference (im2col + BLAS)", 0, 0, 0                      \
    }

// --protocol: "paper" (*official = 0) or "official" (1); anything else is INV_EINVAL.
int protocol_parse(const char *text, int *official);

// Builds the network and loads the checkpoint; a checkpoint of another architecture is an
// INV_EFORMAT error naming the file and the architecture asked for.
int backbone_open(backbone *b, const backbone_args *a);
void backbone_close(backbone *b);
// Features (n, d) float32 of network inputs x (n, 3, h, w), forwarded in chunks of b->batch.
int backbone_forward(backbone *b, const float *x, int n, int h, int w, float *out);
// Features (n, d) of shard rows idx[0..n) (NULL: rows 0..n-1) after pp's Resize + CenterCrop,
// on every rank: blocks of b->batch positions go to ranks in turn and are summed over ranks.
// Collective. `label` names the work in the progress line.
int backbone_shard_features(backbone *b, const shard *s, const preprocess_plan *pp,
                            const int64_t *idx, int64_t n, float *out, const char *label);

#endif
