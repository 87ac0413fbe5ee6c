// conv_direct.h: a direct 3x3 / stride 1 / pad 1 forward convolution on 8-channel-blocked
// activations (nChw8c, the AVX2 layout of the cpu backend) for small images (ResNet's last stage
// at 32 px: 4x4), where oneDNN 2.6's AVX2 forward is 1.2-1.5x slower than it; oneDNN keeps every
// other geometry and both backwards (there the two are even, or oneDNN is faster). Its sums run
// in oneDNN's order, so the outputs are the same.
#ifndef INVAR_NN_CONV_DIRECT_H
#define INVAR_NN_CONV_DIRECT_H

#include "nn/backend.h"

#include <stddef.h>

// Images up to this side use the direct kernel.
#define CONV_DIRECT_MAX_SIDE 4

// Workspace kept between calls: packed weights and one padded input image per thread.
typedef struct {
    void *wpack;       // float
    size_t wpack_size; // bytes
    void *pad;         // float
    size_t pad_size;   // bytes
} conv_direct_ws;

// Whether the direct kernel handles g with activations blocked by `block` on this CPU (AVX2 and
// FMA, block 8, k 3, stride 1, pad 1, cin and cout multiples of 8, sides up to
// CONV_DIRECT_MAX_SIDE). INVAR_CONV_DIRECT=0 turns it off (comparisons with oneDNN).
int conv_direct_fits(const nn_conv_geom *g, int block);
// y (n, cout/8, h, w, 8) = conv(x (n, cin/8, h, w, 8), w (cout, cin, 3, 3)) + b (may be NULL),
// then ReLU when relu != 0.
int conv_direct_forward(conv_direct_ws *ws, const nn_conv_geom *g, const float *x, const float *w,
                        const float *b, int relu, float *y);
void conv_direct_ws_free(conv_direct_ws *ws);

#endif
