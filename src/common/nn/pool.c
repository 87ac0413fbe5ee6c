// pool.c: max pooling over k x k windows (padding never wins; ties go to the first maximum in
// row-major window order, NaN propagates, as PyTorch) and global average pooling, with their
// backward passes. Planes are independent, so OpenMP splits over (n, c). Plain NCHW and the
// backend's channel-blocked layout (nn_act_block).
#include "nn/pool.h"

#include "core/error.h"

#include <math.h>
#include <string.h>

int nn_pool_geom_init(nn_pool_geom *g, int n, int c, int h, int w, int k, int stride, int pad) {
    if (n < 1 || c < 1 || h < 1 || w < 1 || k < 1 || stride < 1 || pad < 0 || 2 * pad > k)
        return inv_fail(INV_EINVAL, "max pool: invalid geometry %dx%d k=%d stride=%d pad=%d", h, w,
                        k, stride, pad);
    int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
    if (ho < 1 || wo < 1)
        return inv_fail(INV_EINVAL, "max pool: %dx%d input too small for window %d", h, w, k);
    *g = (nn_pool_geom){n, c, h, w, k, stride, pad, ho, wo};
    return INV_OK;
}

static void maxpool_forward_plain(nn_backend *be, const nn_pool_geom *g, const float *x, float *y,
                                  int32_t *argmax) {
    (void)be;
    int64_t planes = (int64_t)g->n * g->c;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * g->h * g->w;
        float *yp = y + p * g->ho * g->wo;
        int32_t *ap = argmax + p * g->ho * g->wo;
        for (int oy = 0; oy < g->ho; oy++)
            for (int ox = 0; ox < g->wo; ox++) {
                float best = -INFINITY;
                int32_t at = -1;
                for (int ky = 0; ky < g->k; ky++) {
                    int iy = oy * g->stride - g->pad + ky;
                    if (iy < 0 || iy >= g->h) continue;
                    for (int kx = 0; kx < g->k; kx++) {
                        int ix = ox * g->stride - g->pad + kx;
                        if (ix < 0 || ix >= g->w) continue;
                        float v = xp[iy * g->w + ix];
                        if (at < 0 || v > best || isnan(v)) {
                            best = v;
                            at = iy * g->w + ix;
                            if (isnan(v)) goto done;
                        }
                    }
                }
            done:
                yp[oy * g->wo + ox] = best;
                ap[oy * g->wo + ox] = at;
            }
    }
}

static void maxpool_backward_plain(nn_backend *be, const nn_pool_geom *g, const float *gy,
                                   const int32_t *argmax, float *gx) {
    (void)be;
    int64_t planes = (int64_t)g->n * g->c;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        float *gxp = gx + p * g->h * g->w;
        const float *gyp = gy + p * g->ho * g->wo;
        const int32_t *ap = argmax + p * g->ho * g->wo;
        memset(gxp, 0, sizeof(float) * g->h * g->w);
        for (int j = 0; j < g->ho * g->wo; j++) gxp[ap[j]] += gyp[j];
    }
}

static void avgpool_forward_plain(nn_backend *be, int n, int c, int hw, const float *x, float *y) {
    (void)be;
    int64_t planes = (int64_t)n * c;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * hw;
        float s = 0;
        for (int j = 0; j < hw; j++) s += xp[j];
        y[p] = s / (float)hw;
    }
}

static void avgpool_backward_plain(nn_backend *be, int n, int c, int hw, const float *gy,
                                   float *gx) {
    (void)be;
    int64_t planes = (int64_t)n * c;
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        float v = gy[p] / (float)hw;
        for (int j = 0; j < hw; j++) gx[p * hw + j] = v;
    }
}

// ---- channel-blocked layout (n, c / B, h, w, B) ----------------------------------------------

enum { MAXB = 16 };

static void maxpool_forward_blocked(int B, const nn_pool_geom *g, const float *x, float *y,
                                    int32_t *argmax) {
    int64_t planes = (int64_t)g->n * (g->c / B);
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        const float *xp = x + p * g->h * g->w * B;
        float *yp = y + p * g->ho * g->wo * B;
        int32_t *ap = argmax + p * g->ho * g->wo * B;
        for (int oy = 0; oy < g->ho; oy++)
            for (int ox = 0; ox < g->wo; ox++) {
                float best[MAXB];
                int32_t at[MAXB];
                for (int l = 0; l < B; l++) best[l] = -INFINITY, at[l] = -1;
                for (int ky = 0; ky < g->k; ky++) {
                    int iy = oy * g->stride - g->pad + ky;
                    if (iy < 0 || iy >= g->h) continue;
                    for (int kx = 0; kx < g->k; kx++) {
                        int ix = ox * g->stride - g->pad + kx;
                        if (ix < 0 || ix >= g->w) continue;
                        const float *v = xp + ((int64_t)iy * g->w + ix) * B;
                        for (int l = 0; l < B; l++)
                            if (at[l] < 0 || v[l] > best[l] || (isnan(v[l]) && !isnan(best[l]))) {
                                best[l] = v[l];
                                at[l] = iy * g->w + ix;
                            }
                    }
                }
                int64_t o = ((int64_t)oy * g->wo + ox) * B;
                for (int l = 0; l < B; l++) yp[o + l] = best[l], ap[o + l] = at[l];
            }
    }
}

static void maxpool_backward_blocked(int B, const nn_pool_geom *g, const float *gy,
                                     const int32_t *argmax, float *gx) {
    int64_t planes = (int64_t)g->n * (g->c / B);
#pragma omp parallel for schedule(static)
    for (int64_t p = 0; p < planes; p++) {
        float *gxp = gx + p * g->h * g->w * B;
        const float *gyp = gy + p * g->ho * g->wo * B;
        const int32_t *ap = argmax + p * g->ho * g->wo * B;
        memset(gxp, 0, sizeof(float) * g->h * g->w * B);
        for (int64_t j = 0; j < (int64_t)g->ho * g->wo; j++)
            for (int l = 0; l < B; l++) gxp[(int64_t)ap[j * B + l] * B + l] += gyp[j * B + l];
    }
}

void maxpool_forward_cpu(nn_backend *be, const nn_pool_geom *g, const float *x, float *y,
                         int32_t *argmax) {
    int B = nn_act_block(be, g->c);
    if (B > 1 && B <= MAXB)
        maxpool_forward_blocked(B, g, x, y, argmax);
    else
        maxpool_forward_plain(be, g, x, y, argmax);
}

void maxpool_backward_cpu(nn_backend *be, const nn_pool_geom *g, const float *gy,
                          const int32_t *argmax, float *gx) {
    int B = nn_act_block(be, g->c);
    if (B > 1 && B <= MAXB)
        maxpool_backward_blocked(B, g, gy, argmax, gx);
    else
        maxpool_backward_plain(be, g, gy, argmax, gx);
}

void avgpool_forward_cpu(nn_backend *be, int n, int c, int hw, const float *x, float *y) {
    int B = nn_act_block(be, c);
    if (B == 1) {
        avgpool_forward_plain(be, n, c, hw, x, y);
        return;
    }
    int cbs = c / B;
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int cb = 0; cb < cbs; cb++) {
            const float *xp = x + ((int64_t)i * cbs + cb) * hw * B;
            float s[MAXB] = {0};
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++) s[l] += xp[(int64_t)j * B + l];
            for (int l = 0; l < B; l++) y[(int64_t)i * c + cb * B + l] = s[l] / (float)hw;
        }
}

void avgpool_backward_cpu(nn_backend *be, int n, int c, int hw, const float *gy, float *gx) {
    int B = nn_act_block(be, c);
    if (B == 1) {
        avgpool_backward_plain(be, n, c, hw, gy, gx);
        return;
    }
    int cbs = c / B;
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int cb = 0; cb < cbs; cb++) {
            float *gp = gx + ((int64_t)i * cbs + cb) * hw * B;
            for (int j = 0; j < hw; j++)
                for (int l = 0; l < B; l++)
                    gp[(int64_t)j * B + l] = gy[(int64_t)i * c + cb * B + l] / (float)hw;
        }
}
