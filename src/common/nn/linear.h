// linear.h: fully connected layer y = x w^T + b (torch.nn.Linear), forward and backward.
#ifndef INVAR_NN_LINEAR_H
#define INVAR_NN_LINEAR_H

#include "nn/backend.h"

void linear_forward_cpu(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                        const float *b, float *y);
void linear_backward_cpu(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                         const float *gy, float *gx, float *gw, float *gb);

#endif
