// conv.h: the reference 2-D convolution (im2col + BLAS sgemm), forward and both backwards.
#ifndef INVAR_NN_CONV_H
#define INVAR_NN_CONV_H

#include "nn/backend.h"

int conv_forward_ref(nn_backend *be, const nn_conv_geom *g, const float *x, const float *w,
                     const float *b, int relu, float *y);
int conv_backward_data_ref(nn_backend *be, const nn_conv_geom *g, const float *gy, const float *w,
                           float *gx, int accumulate);
int conv_backward_weights_ref(nn_backend *be, const nn_conv_geom *g, const float *x,
                              const float *gy, float *gw, float *gb);

#endif
