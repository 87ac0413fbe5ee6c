// linear.c: the fully connected layer as BLAS products: y (n, out) = x (n, in) w^T + b;
// gx = gy w, gw = gy^T x, gb = column sums of gy.
#include "nn/linear.h"

#include <cblas.h>

void linear_forward_cpu(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                        const float *b, float *y) {
    (void)be;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, w, in, 0.0f, y,
                out);
    if (b)
        for (int i = 0; i < n; i++)
            for (int o = 0; o < out; o++) y[(int64_t)i * out + o] += b[o];
}

void linear_backward_cpu(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                         const float *gy, float *gx, float *gw, float *gb) {
    (void)be;
    if (gx)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, gy, out, w, in,
                    0.0f, gx, in);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, n, 1.0f, gy, out, x, in, 0.0f, gw,
                in);
    if (gb)
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += gy[(int64_t)i * out + o];
            gb[o] = (float)s;
        }
}
