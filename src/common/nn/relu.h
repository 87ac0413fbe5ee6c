// relu.h: elementwise ReLU forward/backward and the residual add (+ReLU) of ResNet blocks.
#ifndef INVAR_NN_RELU_H
#define INVAR_NN_RELU_H

#include "nn/backend.h"

void relu_forward_cpu(nn_backend *be, int64_t count, const float *x, float *y);
void relu_backward_cpu(nn_backend *be, int64_t count, const float *y, const float *gy, float *gx);
void add_cpu(nn_backend *be, int64_t count, const float *x, const float *r, int relu, float *y);

#endif
