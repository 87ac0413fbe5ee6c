// batchnorm.c: batch normalisation over (n, c, hw) as torch.nn.BatchNorm2d computes it:
// statistics accumulated in double, biased variance for normalising, unbiased for the running
// variance; ReLU fused into the same pass; backward through the batch statistics or not. Plain
// NCHW and the backend's channel-blocked layout (nn_act_block).
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>

static void bn_forward_train_plain(nn_backend *be, int n, int c, int hw, const float *x,
                                   const float *gamma, const float *beta, float eps, int relu,
                                   float *y, float *mean, float *var, float *invstd) {
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

static void bn_forward_eval_plain(nn_backend *be, int n, int c, int hw, const float *x,
                                  const float *gamma, const float *beta, const float *mean,
                                  const float *var, float eps, int relu, float *y, float *invstd) {
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

static void bn_backward_plain(nn_backend *be, int n, int c, int hw, const float *x, const float *y,
                              const float *gy, const float *gamma, const float *mean,
                              const float *invstd, int train, float *gx, float *ggamma,
                              float *gbeta) {
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

// ---- channel-blocked layout (n, c / B, hw, B): the B lanes of a block vectorise -----------------

enum { MAXB = 16 };

static void bn_forward_train_blocked(int B, int n, int c, int hw, const float *x,
                                     const float *gamma, const float *beta, float eps, int relu,
                                     float *y, float *mean, float *var, float *invstd) {
    int cb_count = c / B;
    int64_t count = (int64_t)n * hw;
#pragma omp parallel for schedule(static)
    for (int cb = 0; cb < cb_count; cb++) {
        double s[MAXB] = {0}, ss[MAXB] = {0}, m[MAXB];
        for (int i = 0; i < n; i++) {
            const float *p = x + ((int64_t)i * cb_count + cb) * hw * B;
            float acc[MAXB] = {0};
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) acc[l] += p[(int64_t)j * B + l];
            for (int l = 0; l < B; l++) s[l] += acc[l];
        }
        for (int l = 0; l < B; l++) m[l] = s[l] / (double)count;
        for (int i = 0; i < n; i++) {
            const float *p = x + ((int64_t)i * cb_count + cb) * hw * B;
            double acc[MAXB] = {0};
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) {
                    double d = (double)p[(int64_t)j * B + l] - m[l];
                    acc[l] += d * d;
                }
            for (int l = 0; l < B; l++) ss[l] += acc[l];
        }
        float scale[MAXB], shift[MAXB];
        for (int l = 0; l < B; l++) {
            int ch = cb * B + l;
            double v = ss[l] / (double)count;
            float is = (float)(1.0 / sqrt(v + (double)eps));
            mean[ch] = (float)m[l], var[ch] = (float)v, invstd[ch] = is;
            scale[l] = gamma[ch] * is;
            shift[l] = beta[ch] - (float)m[l] * scale[l];
        }
        for (int i = 0; i < n; i++) {
            int64_t base = ((int64_t)i * cb_count + cb) * hw * B;
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) {
                    float t = x[base + (int64_t)j * B + l] * scale[l] + shift[l];
                    y[base + (int64_t)j * B + l] = (relu && !(t > 0.0f)) ? 0.0f : t;
                }
        }
    }
}

static void bn_forward_eval_blocked(int B, int n, int c, int hw, const float *x, const float *gamma,
                                    const float *beta, const float *mean, const float *var,
                                    float eps, int relu, float *y, float *invstd) {
    int cb_count = c / B;
    for (int ch = 0; ch < c; ch++) invstd[ch] = (float)(1.0 / sqrt((double)var[ch] + eps));
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int cb = 0; cb < cb_count; cb++) {
            float scale[MAXB], shift[MAXB];
            for (int l = 0; l < B; l++) {
                int ch = cb * B + l;
                scale[l] = gamma[ch] * invstd[ch];
                shift[l] = beta[ch] - mean[ch] * scale[l];
            }
            int64_t base = ((int64_t)i * cb_count + cb) * hw * B;
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) {
                    float t = x[base + (int64_t)j * B + l] * scale[l] + shift[l];
                    y[base + (int64_t)j * B + l] = (relu && !(t > 0.0f)) ? 0.0f : t;
                }
        }
}

static void bn_backward_blocked(int B, int n, int c, int hw, const float *x, const float *y,
                                const float *gy, const float *gamma, const float *mean,
                                const float *invstd, int train, float *gx, float *ggamma,
                                float *gbeta) {
    int cb_count = c / B;
    int64_t count = (int64_t)n * hw;
#pragma omp parallel for schedule(static)
    for (int cb = 0; cb < cb_count; cb++) {
        double sg[MAXB] = {0}, sgx[MAXB] = {0};
        float m[MAXB], k[MAXB], mg[MAXB], c2[MAXB];
        for (int l = 0; l < B; l++) m[l] = mean[cb * B + l];
        for (int i = 0; i < n; i++) {
            int64_t base = ((int64_t)i * cb_count + cb) * hw * B;
            float a[MAXB] = {0}, b[MAXB] = {0};
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) {
                    int64_t o = base + (int64_t)j * B + l;
                    float gj = (y && !(y[o] > 0.0f)) ? 0.0f : gy[o];
                    a[l] += gj;
                    b[l] += gj * (x[o] - m[l]);
                }
            for (int l = 0; l < B; l++) sg[l] += a[l], sgx[l] += b[l];
        }
        for (int l = 0; l < B; l++) {
            int ch = cb * B + l;
            float is = invstd[ch];
            gbeta[ch] = (float)sg[l];
            ggamma[ch] = (float)(sgx[l] * is);
            k[l] = gamma[ch] * is;
            mg[l] = train ? (float)(sg[l] / count) : 0.0f;
            c2[l] = train ? (float)(sgx[l] / count * is * is) : 0.0f;
        }
        for (int i = 0; i < n; i++) {
            int64_t base = ((int64_t)i * cb_count + cb) * hw * B;
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) {
                    int64_t o = base + (int64_t)j * B + l;
                    float gj = (y && !(y[o] > 0.0f)) ? 0.0f : gy[o];
                    gx[o] = k[l] * (gj - mg[l] - (x[o] - m[l]) * c2[l]);
                }
        }
    }
}

void bn_forward_train_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                          const float *beta, float eps, int relu, float *y, float *mean, float *var,
                          float *invstd) {
    int B = nn_act_block(be, c);
    if (B > 1 && B <= MAXB)
        bn_forward_train_blocked(B, n, c, hw, x, gamma, beta, eps, relu, y, mean, var, invstd);
    else
        bn_forward_train_plain(be, n, c, hw, x, gamma, beta, eps, relu, y, mean, var, invstd);
}

void bn_forward_eval_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                         const float *beta, const float *mean, const float *var, float eps,
                         int relu, float *y, float *invstd) {
    int B = nn_act_block(be, c);
    if (B > 1 && B <= MAXB)
        bn_forward_eval_blocked(B, n, c, hw, x, gamma, beta, mean, var, eps, relu, y, invstd);
    else
        bn_forward_eval_plain(be, n, c, hw, x, gamma, beta, mean, var, eps, relu, y, invstd);
}

void bn_backward_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *y,
                     const float *gy, const float *gamma, const float *mean, const float *invstd,
                     int train, float *gx, float *ggamma, float *gbeta) {
    int B = nn_act_block(be, c);
    if (B > 1 && B <= MAXB)
        bn_backward_blocked(B, n, c, hw, x, y, gy, gamma, mean, invstd, train, gx, ggamma, gbeta);
    else
        bn_backward_plain(be, n, c, hw, x, y, gy, gamma, mean, invstd, train, gx, ggamma, gbeta);
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
