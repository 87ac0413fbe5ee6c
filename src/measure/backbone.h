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
