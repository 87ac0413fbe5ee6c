// batchnorm.c: batch normalisation over (n, c, hw) as torch.nn.BatchNorm2d computes it:
// statistics accumulated in double, biased variance for normalising, unbiased for the running
// variance; ReLU fused into the same pass; backward through the batch statistics or not.
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>

void bn_forward_train_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                          const float *beta, float eps, int relu, float *y, float *mean, float *var,
                          float *invstd) {
    (void)be;
    int64_t chw = (int64_t)c * hw, count = (int64_t)n * hw;
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            const float *p = x + i * chw + (int64_t)ch * hw;
            float acc = 0; // per-plane float partial (vectorises), summed into double
            for (int j = 0; j < hw; j++) acc += p[j];
            s += acc;
        }
        double m = s / (double)count, ss = 0;
        for (int i = 0; i < n; i++) {
            const float *p = x + i * chw + (int64_t)ch * hw;
            double acc = 0;
            for (int j = 0; j < hw; j++) {
                double d = (double)p[j] - m;
                acc += d * d;
            }
            ss += acc;
        }
        double v = ss / (double)count;
        float is = (float)(1.0 / sqrt(v + (double)eps));
        mean[ch] = (float)m;
        var[ch] = (float)v;
        invstd[ch] = is;
        float scale = gamma[ch] * is, shift = beta[ch] - (float)m * scale;
        for (int i = 0; i < n; i++) {
            const float *p = x + i * chw + (int64_t)ch * hw;
            float *q = y + i * chw + (int64_t)ch * hw;
            if (relu)
                for (int j = 0; j < hw; j++) {
                    float t = p[j] * scale + shift;
                    q[j] = t > 0.0f ? t : 0.0f;
                }
            else
                for (int j = 0; j < hw; j++) q[j] = p[j] * scale + shift;
        }
    }
}

void bn_forward_eval_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                         const float *beta, const float *mean, const float *var, float eps,
                         int relu, float *y, float *invstd) {
    (void)be;
    int64_t chw = (int64_t)c * hw;
    for (int ch = 0; ch < c; ch++) invstd[ch] = (float)(1.0 / sqrt((double)var[ch] + eps));
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++) {
            float scale = gamma[ch] * invstd[ch], shift = beta[ch] - mean[ch] * scale;
            const float *p = x + i * chw + (int64_t)ch * hw;
            float *q = y + i * chw + (int64_t)ch * hw;
            if (relu)
                for (int j = 0; j < hw; j++) {
                    float t = p[j] * scale + shift;
                    q[j] = t > 0.0f ? t : 0.0f;
                }
            else
                for (int j = 0; j < hw; j++) q[j] = p[j] * scale + shift;
        }
}

void bn_backward_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *y,
                     const float *gy, const float *gamma, const float *mean, const float *invstd,
                     int train, float *gx, float *ggamma, float *gbeta) {
    (void)be;
    int64_t chw = (int64_t)c * hw, count = (int64_t)n * hw;
#pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        float m = mean[ch], is = invstd[ch];
        double sg = 0, sgx = 0; // sum gy, sum gy * (x - mean)
        for (int i = 0; i < n; i++) {
            const float *p = x + i * chw + (int64_t)ch * hw;
            const float *g = gy + i * chw + (int64_t)ch * hw;
            const float *q = y ? y + i * chw + (int64_t)ch * hw : NULL;
            float a = 0, b = 0;
            for (int j = 0; j < hw; j++) {
                float gj = (q && !(q[j] > 0.0f)) ? 0.0f : g[j];
                a += gj;
                b += gj * (p[j] - m);
            }
            sg += a;
            sgx += b;
        }
        gbeta[ch] = (float)sg;
        ggamma[ch] = (float)(sgx * is);
        float k = gamma[ch] * is;
        // train: gx = k (gy - mean(gy) - xhat mean(gy xhat)); eval: gx = k gy
        float mg = train ? (float)(sg / count) : 0.0f;
        float c2 = train ? (float)(sgx / count * is * is) : 0.0f;
        for (int i = 0; i < n; i++) {
            const float *p = x + i * chw + (int64_t)ch * hw;
            const float *g = gy + i * chw + (int64_t)ch * hw;
            const float *q = y ? y + i * chw + (int64_t)ch * hw : NULL;
            float *o = gx + i * chw + (int64_t)ch * hw;
            for (int j = 0; j < hw; j++) {
                float gj = (q && !(q[j] > 0.0f)) ? 0.0f : g[j];
                o[j] = k * (gj - mg - (p[j] - m) * c2);
            }
        }
    }
}

void bn_update_running(int c, int64_t count, float momentum, const float *mean, const float *var,
                       float *running_mean, float *running_var) {
    double unbias = count > 1 ? (double)count / (double)(count - 1) : 1.0;
    for (int ch = 0; ch < c; ch++) {
        running_mean[ch] = (1.0f - momentum) * running_mean[ch] + momentum * mean[ch];
        running_var[ch] =
            (1.0f - momentum) * running_var[ch] + momentum * (float)(var[ch] * unbias);
    }
}
