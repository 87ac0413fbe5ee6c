// batchnorm.h: 2-D batch normalisation (training with batch statistics, eval with running
// statistics), optionally fused with ReLU, forward and backward; and the running-stat update.
#ifndef INVAR_NN_BATCHNORM_H
#define INVAR_NN_BATCHNORM_H

#include "nn/backend.h"

void bn_forward_train_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                          const float *beta, const float *res, float eps, int relu, float *y,
                          float *mean, float *var, float *invstd);
void bn_forward_eval_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                         const float *beta, const float *mean, const float *var, float eps,
                         int relu, float *y, float *invstd);
void bn_backward_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *y,
                     const float *gy, const float *gamma, const float *mean, const float *invstd,
                     int train, float *gx, float *ggamma, float *gbeta);
// PyTorch's running-statistics update: running = (1 - momentum) running + momentum batch, with
// the batch variance made unbiased (times count / (count - 1); count = n h w).
void bn_update_running(int c, int64_t count, float momentum, const float *mean, const float *var,
                       float *running_mean, float *running_var);

#endif
