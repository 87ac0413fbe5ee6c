// resnet.h: ResNet-18 / ResNet-50 as torchvision defines them (v1.5: the stride sits on the 3x3
// conv of a bottleneck), with a width multiplier on every channel count (resnet50x3), an
// optional small-image stem (3x3 stride-1 conv, no max-pool) and an optional fc head.
// Parameters live in one nn_params buffer with torchvision names; activations are planned per
// batch geometry and reused across steps.
#ifndef INVAR_NN_RESNET_H
#define INVAR_NN_RESNET_H

#include "nn/backend.h"
#include "nn/params.h"

#include <stdint.h>

typedef struct {
    int depth;       // 18 or 50
    double width;    // real multiplier of the 64 base channels (1; 3 for resnet50x3; 0.25 ...):
                     // stem round(64 width), stages round(64 width) x (1, 2, 4, 8)
    int small_stem;  // 1: conv1 is 3x3 stride 1 pad 1 and there is no max-pool
    int num_classes; // > 0: an fc head (fc.weight, fc.bias) after the pooled feature
} resnet_config;

// arch: "resnet18" | "resnet50" | "resnet50x3"; stem: NULL, "standard" or "small".
int resnet_config_parse(resnet_config *cfg, const char *arch, const char *stem, int num_classes);
// Multiplies the width by w (> 0; resnet50x3 --width 0.5 is 1.5); INV_EINVAL when w is not
// finite and positive or round(64 width) < 1.
int resnet_config_scale_width(resnet_config *cfg, double w);
// round(64 width): the stem's and the first stage's channel count.
int resnet_base_channels(const resnet_config *cfg);

typedef enum {
    RESNET_TRAIN = 0,       // batch statistics; running statistics updated; keeps what backward
                            // needs
    RESNET_EVAL = 1,        // running statistics, conv+BN(+ReLU) fused; no backward
    RESNET_EVAL_GRAD = 2,   // running statistics, unfused; keeps what backward needs
    RESNET_TRAIN_NOGRAD = 3 // as RESNET_TRAIN (bit-identical outputs and running statistics) but
                            // keeps nothing for backward: activations go through the reused
                            // scratch buffers, as a module in train mode under torch.no_grad()
                            // (MoCo's key encoder); no backward
} resnet_mode;

typedef struct resnet resnet;

// The model takes ownership of nothing: `be` must outlive it.
int resnet_create(resnet **m, const resnet_config *cfg, nn_backend *be);
void resnet_free(resnet *m);
nn_params *resnet_params(resnet *m);
const resnet_config *resnet_get_config(const resnet *m);
int resnet_feature_dim(const resnet *m); // 512 x width (18) or 2048 x width (50)
int resnet_output_dim(const resnet *m);  // num_classes if a head, else the feature dimension
// torchvision's initialisation: Kaiming normal (fan_out, ReLU) convolutions, BN weight 1 and
// bias 0, running mean 0 / var 1, fc as nn.Linear's default; draws keyed by seed (core/rng.h).
void resnet_init_random(resnet *m, uint64_t seed);

// x: (n, 3, h, w). *out: (n, output_dim), owned by the model, valid until the next forward.
int resnet_forward(resnet *m, const float *x, int n, int h, int w, resnet_mode mode,
                   const float **out);
// The pooled features (n, feature_dim) of the last forward.
const float *resnet_features(const resnet *m);
// After a RESNET_TRAIN or RESNET_EVAL_GRAD forward (not after a no-grad one): gout (n, output_dim)
// = d loss / d output. Writes (overwrites) every trainable gradient in resnet_params(m)->grad.
int resnet_backward(resnet *m, const float *gout);
// Called by resnet_backward each time the gradients at [lo, n_trainable) of resnet_params(m)
// ->grad are final: after the fc, after each block from the last one, and after the stem (lo =
// 0), so that a caller can start reducing them while backward goes on. NULL: none.
typedef void (*resnet_grad_ready_fn)(void *ctx, size_t lo);
void resnet_set_grad_ready(resnet *m, resnet_grad_ready_fn fn, void *ctx);
// For tests and diagnostics, after a RESNET_TRAIN or RESNET_EVAL_GRAD forward: the output of the
// i-th ReLU (0 <= i < resnet_relu_count) in the order torchvision applies them (the stem's, then
// per block the one after bn1, after bn2 in a bottleneck, and after the residual add), in the
// backend's activation layout (nn_layout_to_plain converts): (n, *c, *hw).
int resnet_relu_count(const resnet *m);
int resnet_relu_output(const resnet *m, int i, const float **y, int *c, int *hw);
// Likewise the stem max-pool's argmax (backend layout, flat indices into the h*w plane) and its
// geometry; NULL with the small stem or before such a forward.
const int32_t *resnet_maxpool_argmax(const resnet *m, nn_pool_geom *g);
// Bytes held for activations and workspaces under the current plan.
size_t resnet_activation_bytes(const resnet *m);

#endif
