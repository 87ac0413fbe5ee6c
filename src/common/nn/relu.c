// relu.c: ReLU (y = max(0, x), gradient passed where y > 0) and the residual add with optional
// ReLU, as OpenMP loops over flat arrays (NaN stays NaN in the forward pass, as torch.relu).
#include "nn/relu.h"

void relu_forward_cpu(nn_backend *be, int64_t count, const float *x, float *y) {
    (void)be;
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < count; i++) y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void relu_backward_cpu(nn_backend *be, int64_t count, const float *y, const float *gy, float *gx) {
    (void)be;
    // gy is read unconditionally: a load under the condition keeps GCC from vectorising the loop
    // (it was a scalar compare-and-branch per element, about 10x slower than this vector loop)
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < count; i++) {
        float g = gy[i];
        gx[i] = y[i] > 0.0f ? g : 0.0f;
    }
}

void add_cpu(nn_backend *be, int64_t count, const float *x, const float *r, int relu, float *y) {
    (void)be;
    if (relu) {
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < count; i++) {
            float t = x[i] + r[i];
            y[i] = t < 0.0f ? 0.0f : t;
        }
    } else {
#pragma omp parallel for simd schedule(static)
        for (int64_t i = 0; i < count; i++) y[i] = x[i] + r[i];
    }
}
