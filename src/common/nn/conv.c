// conv.c: the reference 2-D convolution, written to be read: per image, im2col unfolds the
// input into a (cin k k, ho wo) matrix and one BLAS sgemm does the rest; backward data is the
// transposed product followed by col2im; backward weights accumulates gy col^T over images.
#include "nn/conv.h"

#include "core/error.h"
#include "core/tensor.h"

#include <cblas.h>
#include <string.h>

int nn_conv_geom_init(nn_conv_geom *g, int n, int cin, int h, int w, int cout, int k, int stride,
                      int pad) {
    if (n < 1 || cin < 1 || h < 1 || w < 1 || cout < 1 || k < 1 || stride < 1 || pad < 0)
        return inv_fail(INV_EINVAL,
                        "convolution: invalid geometry n=%d cin=%d %dx%d cout=%d k=%d "
                        "stride=%d pad=%d",
                        n, cin, h, w, cout, k, stride, pad);
    int ho = (h + 2 * pad - k) / stride + 1, wo = (w + 2 * pad - k) / stride + 1;
    if (h + 2 * pad < k || w + 2 * pad < k || ho < 1 || wo < 1)
        return inv_fail(INV_EINVAL, "convolution: %dx%d input too small for kernel %d pad %d", h, w,
                        k, pad);
    *g = (nn_conv_geom){n, cin, h, w, cout, k, stride, pad, ho, wo};
    return INV_OK;
}

// col (cin k k, ho wo) from one image x (cin, h, w); zero where the window is in the padding.
static void im2col(const nn_conv_geom *g, const float *x, float *col) {
    int k = g->k, hw_out = g->ho * g->wo;
    for (int c = 0; c < g->cin; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *row = col + ((int64_t)(c * k + ky) * k + kx) * hw_out;
                const float *plane = x + (int64_t)c * g->h * g->w;
                for (int oy = 0; oy < g->ho; oy++) {
                    int iy = oy * g->stride - g->pad + ky;
                    float *dst = row + oy * g->wo;
                    if (iy < 0 || iy >= g->h) {
                        memset(dst, 0, sizeof(float) * g->wo);
                        continue;
                    }
                    for (int ox = 0; ox < g->wo; ox++) {
                        int ix = ox * g->stride - g->pad + kx;
                        dst[ox] = (ix >= 0 && ix < g->w) ? plane[iy * g->w + ix] : 0.0f;
                    }
                }
            }
}

// x (cin, h, w) += fold of col (cin k k, ho wo): the adjoint of im2col.
static void col2im_add(const nn_conv_geom *g, const float *col, float *x) {
    int k = g->k, hw_out = g->ho * g->wo;
    for (int c = 0; c < g->cin; c++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *row = col + ((int64_t)(c * k + ky) * k + kx) * hw_out;
                float *plane = x + (int64_t)c * g->h * g->w;
                for (int oy = 0; oy < g->ho; oy++) {
                    int iy = oy * g->stride - g->pad + ky;
                    if (iy < 0 || iy >= g->h) continue;
                    for (int ox = 0; ox < g->wo; ox++) {
                        int ix = ox * g->stride - g->pad + kx;
                        if (ix >= 0 && ix < g->w) plane[iy * g->w + ix] += row[oy * g->wo + ox];
                    }
                }
            }
}

// 1x1 convolutions with stride 1 and no padding need no unfolding: col is the image itself.
static int is_pointwise(const nn_conv_geom *g) {
    return g->k == 1 && g->stride == 1 && g->pad == 0;
}

int conv_forward_ref(nn_backend *be, const nn_conv_geom *g, const float *x, const float *w,
                     const float *b, int relu, float *y) {
    (void)be;
    int kk = g->cin * g->k * g->k, hw_out = g->ho * g->wo;
    float *col = NULL;
    if (!is_pointwise(g)) {
        col = inv_aligned_alloc(sizeof(float) * (size_t)kk * hw_out);
        INV_CHECK_ALLOC(col, sizeof(float) * (size_t)kk * hw_out, "convolution im2col buffer");
    }
    for (int i = 0; i < g->n; i++) {
        // x_i: (cin, h, w); y_i: (cout, ho, wo)
        const float *xi = x + (int64_t)i * g->cin * g->h * g->w;
        float *yi = y + (int64_t)i * g->cout * hw_out;
        const float *src = xi;
        if (col) {
            im2col(g, xi, col);
            src = col;
        }
        // y_i (cout, hw_out) = w (cout, kk) * col (kk, hw_out)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->cout, hw_out, kk, 1.0f, w, kk,
                    src, hw_out, 0.0f, yi, hw_out);
        if (b)
            for (int o = 0; o < g->cout; o++)
                for (int p = 0; p < hw_out; p++) yi[(int64_t)o * hw_out + p] += b[o];
        if (relu)
            for (int64_t p = 0; p < (int64_t)g->cout * hw_out; p++)
                if (!(yi[p] > 0.0f)) yi[p] = 0.0f;
    }
    inv_aligned_free(col);
    return INV_OK;
}

int conv_backward_data_ref(nn_backend *be, const nn_conv_geom *g, const float *gy, const float *w,
                           float *gx, int accumulate) {
    (void)be;
    int kk = g->cin * g->k * g->k, hw_out = g->ho * g->wo;
    int64_t in_size = (int64_t)g->cin * g->h * g->w;
    if (!accumulate) memset(gx, 0, sizeof(float) * in_size * g->n);
    float *col = NULL;
    if (!is_pointwise(g)) {
        col = inv_aligned_alloc(sizeof(float) * (size_t)kk * hw_out);
        INV_CHECK_ALLOC(col, sizeof(float) * (size_t)kk * hw_out, "convolution col2im buffer");
    }
    for (int i = 0; i < g->n; i++) {
        const float *gyi = gy + (int64_t)i * g->cout * hw_out;
        float *gxi = gx + i * in_size;
        // gcol (kk, hw_out) = w^T (kk, cout) * gy_i (cout, hw_out)
        if (col) {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kk, hw_out, g->cout, 1.0f, w, kk,
                        gyi, hw_out, 0.0f, col, hw_out);
            col2im_add(g, col, gxi);
        } else {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kk, hw_out, g->cout, 1.0f, w, kk,
                        gyi, hw_out, 1.0f, gxi, hw_out);
        }
    }
    inv_aligned_free(col);
    return INV_OK;
}

int conv_backward_weights_ref(nn_backend *be, const nn_conv_geom *g, const float *x,
                              const float *gy, float *gw, float *gb) {
    (void)be;
    int kk = g->cin * g->k * g->k, hw_out = g->ho * g->wo;
    float *col = NULL;
    if (!is_pointwise(g)) {
        col = inv_aligned_alloc(sizeof(float) * (size_t)kk * hw_out);
        INV_CHECK_ALLOC(col, sizeof(float) * (size_t)kk * hw_out, "convolution im2col buffer");
    }
    if (gb) memset(gb, 0, sizeof(float) * g->cout);
    for (int i = 0; i < g->n; i++) {
        const float *xi = x + (int64_t)i * g->cin * g->h * g->w;
        const float *gyi = gy + (int64_t)i * g->cout * hw_out;
        const float *src = xi;
        if (col) {
            im2col(g, xi, col);
            src = col;
        }
        // gw (cout, kk) (+)= gy_i (cout, hw_out) * col^T (hw_out, kk)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, g->cout, kk, hw_out, 1.0f, gyi, hw_out,
                    src, hw_out, i == 0 ? 0.0f : 1.0f, gw, kk);
        if (gb)
            for (int o = 0; o < g->cout; o++) {
                double s = 0;
                for (int p = 0; p < hw_out; p++) s += gyi[(int64_t)o * hw_out + p];
                gb[o] += (float)s;
            }
    }
    inv_aligned_free(col);
    return INV_OK;
}
