// pool.h: max pooling (ResNet's 3x3/2 pad 1 stem pool) with argmax for backward, and global
// average pooling.
#ifndef INVAR_NN_POOL_H
#define INVAR_NN_POOL_H

#include "nn/backend.h"

void maxpool_forward_cpu(nn_backend *be, const nn_pool_geom *g, const float *x, float *y,
                         int32_t *argmax);
void maxpool_backward_cpu(nn_backend *be, const nn_pool_geom *g, const float *gy,
                          const int32_t *argmax, float *gx);
void avgpool_forward_cpu(nn_backend *be, int n, int c, int hw, const float *x, float *y);
void avgpool_backward_cpu(nn_backend *be, int n, int c, int hw, const float *gy, float *gx);

#endif
