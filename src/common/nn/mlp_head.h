// mlp_head.h: MoCo-v2's projection head, Sequential(Linear(in, hidden), ReLU, Linear(hidden,
// out)) with torch names fc.0.weight (hidden, in), fc.0.bias, fc.2.weight (out, hidden),
// fc.2.bias in its own nn_params table; forward keeps what backward needs.
#ifndef INVAR_NN_MLP_HEAD_H
#define INVAR_NN_MLP_HEAD_H

#include "nn/backend.h"
#include "nn/params.h"

#include <stdint.h>

typedef struct {
    int in, hidden, out;
    nn_params params;
    int p_w0, p_b0, p_w2, p_b2;
    nn_backend *be;
    int cap;        // rows the buffers hold
    int n;          // rows of the last forward
    const float *x; // input of the last forward (caller's memory)
    float *a;       // (n, hidden) ReLU(x w0^T + b0)
    float *y;       // (n, out)
    float *ga;      // (n, hidden) scratch
} mlp_head;

int mlp_head_init(mlp_head *h, int in, int hidden, int out, nn_backend *be);
void mlp_head_free(mlp_head *h);
// nn.Linear's default initialisation: weights and biases U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
// keyed by seed (RNG_PURPOSE_INIT, epoch 1: other streams than the backbone's).
void mlp_head_init_random(mlp_head *h, uint64_t seed);
// x: (n, in); *y: (n, out), owned by the head, valid until the next forward. x must stay valid
// until backward.
int mlp_head_forward(mlp_head *h, const float *x, int n, const float **y);
// gy (n, out) -> gx (n, in) (may be NULL); overwrites the head's gradients.
int mlp_head_backward(mlp_head *h, const float *gy, float *gx);

#endif
