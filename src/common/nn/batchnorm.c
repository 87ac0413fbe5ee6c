// batchnorm.c: batch normalisation over (n, c, hw) as torch.nn.BatchNorm2d computes it:
// statistics accumulated in double, biased variance for normalising, unbiased for the running
// variance; ReLU fused into the same pass; backward through the batch statistics or not. Plain
// NCHW and the backend's channel-blocked layout (nn_act_block).
#include "nn/batchnorm.h"

#include <math.h>
#include <stddef.h>

// q[0..hw) = p * scale + shift, then ReLU when `relu`: one channel row of a BN forward.
static inline void bn_scale_shift_row(const float *p, float *q, int hw, float scale, float shift,
                                      int relu) {
    if (relu)
        for (int j = 0; j < hw; j++) {
            float t = p[j] * scale + shift;
            q[j] = t > 0.0f ? t : 0.0f;
        }
    else
        for (int j = 0; j < hw; j++) q[j] = p[j] * scale + shift;
}

// q[0..hw) = p * scale + shift + r, then ReLU when `relu` as add_cpu's (NaN stays NaN): the
// last BN of a residual block fused with the shortcut's add and the block's ReLU.
static inline void bn_scale_shift_add_row(const float *p, const float *r, float *q, int hw,
                                          float scale, float shift, int relu) {
    for (int j = 0; j < hw; j++) {
        float t = p[j] * scale + shift + r[j];
        q[j] = relu && t < 0.0f ? 0.0f : t;
    }
}

static void bn_forward_train_plain(nn_backend *be, int n, int c, int hw, const float *x,
                                   const float *gamma, const float *beta, const float *res,
                                   float eps, int relu, float *y, float *mean, float *var,
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
            if (res)
                bn_scale_shift_add_row(p, res + i * chw + (int64_t)ch * hw, q, hw, scale, shift,
                                       relu);
            else
                bn_scale_shift_row(p, q, hw, scale, shift, relu);
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
            bn_scale_shift_row(p, q, hw, scale, shift, relu);
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

// One channel block across the batch, B = 16 or 8 lanes as one vector; each kernel is compiled
// for AVX-512, AVX2 and baseline x86-64 and the best is chosen at load time (target_clones).
// Sums run in float over chunks of CHUNK positions and are added up in double.
enum { CHUNK = 256 };

// The lane loops use GCC vector types: one vector per channel block (vf = B floats).
#define BN_BLOCK_KERNELS(B, SUFFIX)                                                                \
    typedef float vf##SUFFIX __attribute__((vector_size(4 * B), aligned(4)));                      \
    typedef int vi##SUFFIX __attribute__((vector_size(4 * B), aligned(4)));                        \
    BN_CLONES static void blk_train_##SUFFIX(                                                      \
        int n, int cbs, int hw, int cb, const float *x, const float *gamma, const float *beta,     \
        const float *res, float eps, int relu, float *y, float *mean, float *var, float *invstd) { \
        typedef vf##SUFFIX vf;                                                                     \
        typedef vi##SUFFIX vi;                                                                     \
        int64_t count = (int64_t)n * hw;                                                           \
        double s[B] = {0}, ss[B] = {0};                                                            \
        for (int i = 0; i < n; i++) {                                                              \
            const vf *p = (const vf *)(x + ((int64_t)i * cbs + cb) * hw * B);                      \
            for (int j0 = 0; j0 < hw; j0 += CHUNK) {                                               \
                vf acc = {0};                                                                      \
                int j1 = j0 + CHUNK < hw ? j0 + CHUNK : hw;                                        \
                for (int j = j0; j < j1; j++) acc += p[j];                                         \
                for (int l = 0; l < B; l++) s[l] += acc[l];                                        \
            }                                                                                      \
        }                                                                                          \
        vf m;                                                                                      \
        for (int l = 0; l < B; l++) m[l] = (float)(s[l] / (double)count);                          \
        for (int i = 0; i < n; i++) {                                                              \
            const vf *p = (const vf *)(x + ((int64_t)i * cbs + cb) * hw * B);                      \
            for (int j0 = 0; j0 < hw; j0 += CHUNK) {                                               \
                vf acc = {0};                                                                      \
                int j1 = j0 + CHUNK < hw ? j0 + CHUNK : hw;                                        \
                for (int j = j0; j < j1; j++) {                                                    \
                    vf d = p[j] - m;                                                               \
                    acc += d * d;                                                                  \
                }                                                                                  \
                for (int l = 0; l < B; l++) ss[l] += acc[l];                                       \
            }                                                                                      \
        }                                                                                          \
        vf scale, shift, zero = {0};                                                               \
        for (int l = 0; l < B; l++) {                                                              \
            int ch = cb * B + l;                                                                   \
            /* deviations were taken from the float-rounded mean: correct for its rounding */      \
            double dm = s[l] / (double)count - (double)m[l];                                       \
            double v = ss[l] / (double)count - dm * dm;                                            \
            float is = (float)(1.0 / sqrt(v + (double)eps));                                       \
            mean[ch] = (float)(s[l] / (double)count), var[ch] = (float)v, invstd[ch] = is;         \
            scale[l] = gamma[ch] * is;                                                             \
            shift[l] = beta[ch] - mean[ch] * scale[l];                                             \
        }                                                                                          \
        for (int i = 0; i < n; i++) {                                                              \
            int64_t base = ((int64_t)i * cbs + cb) * hw * B;                                       \
            const vf *p = (const vf *)(x + base);                                                  \
            vf *q = (vf *)(y + base);                                                              \
            if (res) { /* + shortcut, then ReLU as add_cpu's */                                    \
                const vf *r = (const vf *)(res + base);                                            \
                for (int j = 0; j < hw; j++) {                                                     \
                    vf t = p[j] * scale + shift + r[j];                                            \
                    q[j] = relu ? (vf)((vi)t & ~(t < zero)) : t;                                   \
                }                                                                                  \
            } else {                                                                               \
                for (int j = 0; j < hw; j++) {                                                     \
                    vf t = p[j] * scale + shift;                                                   \
                    q[j] = relu ? (vf)((vi)t & (t > zero)) : t;                                    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    BN_CLONES static void blk_eval_##SUFFIX(int hw, const float *pp, const float *sc,              \
                                            const float *sh, int relu, float *qq) {                \
        typedef vf##SUFFIX vf;                                                                     \
        typedef vi##SUFFIX vi;                                                                     \
        vf scale, shift, zero = {0};                                                               \
        for (int l = 0; l < B; l++) scale[l] = sc[l], shift[l] = sh[l];                            \
        const vf *p = (const vf *)pp;                                                              \
        vf *q = (vf *)qq;                                                                          \
        for (int j = 0; j < hw; j++) {                                                             \
            vf t = p[j] * scale + shift;                                                           \
            q[j] = relu ? (vf)((vi)t & (t > zero)) : t;                                            \
        }                                                                                          \
    }                                                                                              \
    BN_CLONES static void blk_backward_##SUFFIX(                                                   \
        int n, int cbs, int hw, int cb, const float *x, const float *y, const float *gy,           \
        const float *gamma, const float *mean, const float *invstd, int train, float *gx,          \
        float *ggamma, float *gbeta) {                                                             \
        typedef vf##SUFFIX vf;                                                                     \
        typedef vi##SUFFIX vi;                                                                     \
        int64_t count = (int64_t)n * hw;                                                           \
        double sg[B] = {0}, sgx[B] = {0};                                                          \
        vf m, k, mg, c2, zero = {0};                                                               \
        for (int l = 0; l < B; l++) m[l] = mean[cb * B + l];                                       \
        for (int i = 0; i < n; i++) {                                                              \
            int64_t base = ((int64_t)i * cbs + cb) * hw * B;                                       \
            const vf *xp = (const vf *)(x + base), *gp = (const vf *)(gy + base);                  \
            const vf *yp = y ? (const vf *)(y + base) : NULL;                                      \
            for (int j0 = 0; j0 < hw; j0 += CHUNK) {                                               \
                vf a = {0}, b = {0};                                                               \
                int j1 = j0 + CHUNK < hw ? j0 + CHUNK : hw;                                        \
                for (int j = j0; j < j1; j++) {                                                    \
                    vf gj = yp ? (vf)((vi)gp[j] & (yp[j] > zero)) : gp[j];                         \
                    a += gj;                                                                       \
                    b += gj * (xp[j] - m);                                                         \
                }                                                                                  \
                for (int l = 0; l < B; l++) sg[l] += a[l], sgx[l] += b[l];                         \
            }                                                                                      \
        }                                                                                          \
        for (int l = 0; l < B; l++) {                                                              \
            int ch = cb * B + l;                                                                   \
            float is = invstd[ch];                                                                 \
            gbeta[ch] = (float)sg[l];                                                              \
            ggamma[ch] = (float)(sgx[l] * is);                                                     \
            k[l] = gamma[ch] * is;                                                                 \
            mg[l] = train ? (float)(sg[l] / count) : 0.0f;                                         \
            c2[l] = train ? (float)(sgx[l] / count * is * is) : 0.0f;                              \
        }                                                                                          \
        for (int i = 0; i < n; i++) {                                                              \
            int64_t base = ((int64_t)i * cbs + cb) * hw * B;                                       \
            const vf *xp = (const vf *)(x + base), *gp = (const vf *)(gy + base);                  \
            const vf *yp = y ? (const vf *)(y + base) : NULL;                                      \
            vf *op = (vf *)(gx + base);                                                            \
            for (int j = 0; j < hw; j++) {                                                         \
                vf gj = yp ? (vf)((vi)gp[j] & (yp[j] > zero)) : gp[j];                             \
                op[j] = k * (gj - mg - (xp[j] - m) * c2);                                          \
            }                                                                                      \
        }                                                                                          \
    }

#define BN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

BN_BLOCK_KERNELS(16, 16)
BN_BLOCK_KERNELS(8, 8)

static void blk_train_any(int B, int n, int cbs, int hw, int cb, const float *x, const float *gamma,
                          const float *beta, const float *res, float eps, int relu, float *y,
                          float *mean, float *var, float *invstd) {
    if (B == 16)
        blk_train_16(n, cbs, hw, cb, x, gamma, beta, res, eps, relu, y, mean, var, invstd);
    else
        blk_train_8(n, cbs, hw, cb, x, gamma, beta, res, eps, relu, y, mean, var, invstd);
}

static void blk_eval_any(int B, int hw, const float *p, const float *scale, const float *shift,
                         int relu, float *q) {
    if (B == 16)
        blk_eval_16(hw, p, scale, shift, relu, q);
    else
        blk_eval_8(hw, p, scale, shift, relu, q);
}

static void blk_backward_any(int B, int n, int cbs, int hw, int cb, const float *x, const float *y,
                             const float *gy, const float *gamma, const float *mean,
                             const float *invstd, int train, float *gx, float *ggamma,
                             float *gbeta) {
    if (B == 16)
        blk_backward_16(n, cbs, hw, cb, x, y, gy, gamma, mean, invstd, train, gx, ggamma, gbeta);
    else
        blk_backward_8(n, cbs, hw, cb, x, y, gy, gamma, mean, invstd, train, gx, ggamma, gbeta);
}

static void bn_forward_train_blocked(int B, int n, int c, int hw, const float *x,
                                     const float *gamma, const float *beta, const float *res,
                                     float eps, int relu, float *y, float *mean, float *var,
                                     float *invstd) {
    int cbs = c / B;
#pragma omp parallel for schedule(static)
    for (int cb = 0; cb < cbs; cb++)
        blk_train_any(B, n, cbs, hw, cb, x, gamma, beta, res, eps, relu, y, mean, var, invstd);
}

static void bn_forward_eval_blocked(int B, int n, int c, int hw, const float *x, const float *gamma,
                                    const float *beta, const float *mean, const float *var,
                                    float eps, int relu, float *y, float *invstd) {
    int cbs = c / B;
    for (int ch = 0; ch < c; ch++) invstd[ch] = (float)(1.0 / sqrt((double)var[ch] + eps));
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int cb = 0; cb < cbs; cb++) {
            float scale[MAXB], shift[MAXB];
            for (int l = 0; l < B; l++) {
                int ch = cb * B + l;
                scale[l] = gamma[ch] * invstd[ch];
                shift[l] = beta[ch] - mean[ch] * scale[l];
            }
            int64_t base = ((int64_t)i * cbs + cb) * hw * B;
            blk_eval_any(B, hw, x + base, scale, shift, relu, y + base);
        }
}

static void bn_backward_blocked(int B, int n, int c, int hw, const float *x, const float *y,
                                const float *gy, const float *gamma, const float *mean,
                                const float *invstd, int train, float *gx, float *ggamma,
                                float *gbeta) {
    int cbs = c / B;
#pragma omp parallel for schedule(static)
    for (int cb = 0; cb < cbs; cb++)
        blk_backward_any(B, n, cbs, hw, cb, x, y, gy, gamma, mean, invstd, train, gx, ggamma,
                         gbeta);
}

void bn_forward_train_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                          const float *beta, const float *res, float eps, int relu, float *y,
                          float *mean, float *var, float *invstd) {
    int B = nn_act_block(be, c);
    if (B == 8 || B == 16)
        bn_forward_train_blocked(B, n, c, hw, x, gamma, beta, res, eps, relu, y, mean, var, invstd);
    else
        bn_forward_train_plain(be, n, c, hw, x, gamma, beta, res, eps, relu, y, mean, var, invstd);
}

void bn_forward_eval_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *gamma,
                         const float *beta, const float *mean, const float *var, float eps,
                         int relu, float *y, float *invstd) {
    int B = nn_act_block(be, c);
    if (B == 8 || B == 16)
        bn_forward_eval_blocked(B, n, c, hw, x, gamma, beta, mean, var, eps, relu, y, invstd);
    else
        bn_forward_eval_plain(be, n, c, hw, x, gamma, beta, mean, var, eps, relu, y, invstd);
}

void bn_backward_cpu(nn_backend *be, int n, int c, int hw, const float *x, const float *y,
                     const float *gy, const float *gamma, const float *mean, const float *invstd,
                     int train, float *gx, float *ggamma, float *gbeta) {
    int B = nn_act_block(be, c);
    if (B == 8 || B == 16)
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
