// blur.c: PIL's Gaussian blur (BoxBlur.c: _gaussian_blur_radius, three passes of the extended
// box blur in 8.24 fixed point along rows, then along columns) and torchvision's sampled
// Gaussian kernel blur (float32 kernel, reflect padding, round half to even).
// Hot pixel loops: let GCC vectorise them (no fast-math: results stay bit-exact).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "image/blur.h"

#include "core/error.h"
#include "image/simd.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// PIL _gaussian_blur_radius(radius, passes) in float.
static float box_radius(float radius, int passes) {
    float sigma2 = radius * radius / passes;
    float L = sqrtf(12.0f * sigma2 + 1.0f);
    float l = floorf((L - 1.0f) / 2.0f);
    float a = (2 * l + 1) * (l * (l + 1) - 3 * sigma2);
    a /= 6 * (sigma2 - (l + 1) * (l + 1));
    return l + a;
}

// PIL ImagingLineBoxBlur on `lanes` parallel lines of n pixels: value (x, j) at in[x * step + j]
// for j < lanes, written packed to out[x * lanes + j]. acc holds `lanes` accumulators.
// Unsigned 32-bit arithmetic wraps exactly as PIL's.
static inline __attribute__((always_inline)) void box_lines(const uint8_t *in, size_t step,
                                                            int lanes, int n, int radius,
                                                            uint32_t ww, uint32_t fw, uint32_t *acc,
                                                            uint8_t *out) {
    const int lastx = n - 1;
    const int edgeA = radius + 1 < n ? radius + 1 : n;
    const int edgeB = n - radius - 1 > 0 ? n - radius - 1 : 0;
#define PX(x, j) ((uint32_t)in[(size_t)(x)*step + (j)])
    for (int j = 0; j < lanes; j++) acc[j] = PX(0, j) * (uint32_t)(radius + 1);
    for (int x = 0; x < edgeA - 1; x++)
        for (int j = 0; j < lanes; j++) acc[j] += PX(x, j);
    for (int j = 0; j < lanes; j++) acc[j] += PX(lastx, j) * (uint32_t)(radius - edgeA + 1);
#define STEP(x, sub, add, left, right)                                                             \
    do {                                                                                           \
        const uint8_t *ps = in + (size_t)(sub)*step, *pa = in + (size_t)(add)*step;                \
        const uint8_t *pl = in + (size_t)(left)*step, *pr = in + (size_t)(right)*step;             \
        uint8_t *o = out + (size_t)(x)*lanes;                                                      \
        for (int j = 0; j < lanes; j++) {                                                          \
            acc[j] += (uint32_t)pa[j] - (uint32_t)ps[j];                                           \
            uint32_t bulk = acc[j] * ww + ((uint32_t)pl[j] + (uint32_t)pr[j]) * fw;                \
            o[j] = (uint8_t)((bulk + (1u << 23)) >> 24);                                           \
        }                                                                                          \
    } while (0)
    if (edgeA <= edgeB) {
        for (int x = 0; x < edgeA; x++) STEP(x, 0, x + radius, 0, x + radius + 1);
        for (int x = edgeA; x < edgeB; x++)
            STEP(x, x - radius - 1, x + radius, x - radius - 1, x + radius + 1);
        for (int x = edgeB; x <= lastx; x++) STEP(x, x - radius - 1, lastx, x - radius - 1, lastx);
    } else {
        for (int x = 0; x < edgeB; x++) STEP(x, 0, x + radius, 0, x + radius + 1);
        for (int x = edgeB; x < edgeA; x++) STEP(x, 0, lastx, 0, lastx);
        for (int x = edgeA; x <= lastx; x++) STEP(x, x - radius - 1, lastx, x - radius - 1, lastx);
    }
#undef STEP
#undef PX
}

// out (w rows of h pixels) = the pixel transpose of in (h rows of w pixels), c bytes per pixel.
static void transpose_px(const uint8_t *in, int w, int h, int c, uint8_t *out) {
    enum { B = 32 };
    for (int y0 = 0; y0 < h; y0 += B)
        for (int x0 = 0; x0 < w; x0 += B)
            for (int y = y0; y < y0 + B && y < h; y++)
                for (int x = x0; x < x0 + B && x < w; x++)
                    for (int k = 0; k < c; k++)
                        out[((size_t)x * h + y) * c + k] = in[((size_t)y * w + x) * c + k];
}

INV_HOT int blur_pil_gaussian(image_u8 *img, double radius) {
    if (!img || !img->data || img->w < 1 || img->h < 1 || img->c < 1 || img->c > 4)
        return inv_fail(INV_EINVAL, "gaussian blur: no image");
    if (!isfinite(radius) || radius < 0)
        return inv_fail(INV_EINVAL, "gaussian blur: radius %g must be finite and >= 0", radius);
    const int passes = 3;
    float r = box_radius((float)radius, passes);
    if (r == 0) return INV_OK;
    const int ri = (int)r;
    const uint32_t ww = (uint32_t)((float)(1 << 24) / (r * 2 + 1));
    const uint32_t fw = ((1u << 24) - (uint32_t)(ri * 2 + 1) * ww) / 2;
    const int w = img->w, h = img->h, c = img->c;
    const size_t rowlen = (size_t)w * c, n = rowlen * h;
    uint8_t *tmp = malloc(n);
    uint32_t *acc = malloc(sizeof(uint32_t) * (rowlen > (size_t)h * c ? rowlen : (size_t)h * c));
    if (!tmp || !acc) {
        free(tmp);
        free(acc);
        return inv_fail(INV_ENOMEM, "gaussian blur: out of memory (%zu bytes)", n);
    }
    // Rows, three passes each: on the pixel-transposed image (w x h), where every row of the
    // image is a column and all of them advance together (vectorised lanes).
    uint8_t *tr = malloc(n);
    if (!tr) {
        free(tmp);
        free(acc);
        return inv_fail(INV_ENOMEM, "gaussian blur: out of memory (%zu bytes)", n);
    }
    transpose_px(img->data, w, h, c, tr);
    {
        uint8_t *src = tr, *dst = tmp;
        const size_t trow = (size_t)h * c;
        for (int p = 0; p < passes; p++) {
            box_lines(src, trow, (int)trow, w, ri, ww, fw, acc, dst);
            uint8_t *t = src;
            src = dst;
            dst = t;
        }
        transpose_px(src, h, w, c, img->data);
    }
    free(tr);
    // Columns (PIL transposes and blurs rows): all columns at once, three passes, ping-pong.
    uint8_t *src = img->data, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        box_lines(src, rowlen, (int)rowlen, h, ri, ww, fw, acc, dst);
        uint8_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != img->data) memcpy(img->data, src, n);
    free(acc);
    free(tmp);
    return INV_OK;
}

// Reflect (no edge repeat) an index into 0..n-1, repeating the reflection as often as needed.
static inline int reflect_index(int i, int n) {
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

int blur_tv_gaussian(image_u8 *img, int kernel_size, double sigma) {
    if (!img || !img->data || img->w < 1 || img->h < 1 || img->c < 1 || img->c > 4)
        return inv_fail(INV_EINVAL, "gaussian blur: no image");
    if (kernel_size < 1 || kernel_size % 2 == 0 || kernel_size > 1001)
        return inv_fail(INV_EINVAL, "gaussian blur: kernel size %d must be odd, 1..1001",
                        kernel_size);
    if (!isfinite(sigma) || !(sigma > 0))
        return inv_fail(INV_EINVAL, "gaussian blur: sigma %g must be finite and > 0", sigma);
    // torchvision _get_gaussian_kernel1d in float32.
    const int half = kernel_size / 2;
    float *k = malloc(sizeof(float) * kernel_size);
    INV_CHECK_ALLOC(k, sizeof(float) * kernel_size, "gaussian blur");
    float sum = 0, s = (float)sigma;
    for (int i = 0; i < kernel_size; i++) {
        float x = (float)(i - half) / s;
        k[i] = expf(-0.5f * (x * x));
        sum += k[i];
    }
    for (int i = 0; i < kernel_size; i++) k[i] /= sum;
    const int w = img->w, h = img->h, c = img->c;
    size_t n = (size_t)w * h * c;
    double *tmp = malloc(sizeof(double) * n);
    int *idx = malloc(sizeof(int) * (size_t)((w > h ? w : h) + 2 * half));
    if (!tmp || !idx) {
        free(k);
        free(tmp);
        free(idx);
        return inv_fail(INV_ENOMEM, "gaussian blur: out of memory (%zu bytes)", n * 8);
    }
    for (int i = -half; i < w + half; i++) idx[i + half] = reflect_index(i, w);
    for (int y = 0; y < h; y++) {
        const uint8_t *row = img->data + (size_t)y * w * c;
        for (int x = 0; x < w; x++)
            for (int b = 0; b < c; b++) {
                double acc = 0;
                for (int t = 0; t < kernel_size; t++)
                    acc += (double)k[t] * row[(size_t)idx[x + t] * c + b];
                tmp[((size_t)y * w + x) * c + b] = acc;
            }
    }
    for (int i = -half; i < h + half; i++) idx[i + half] = reflect_index(i, h);
    for (int y = 0; y < h; y++)
        for (size_t xb = 0; xb < (size_t)w * c; xb++) {
            double acc = 0;
            for (int t = 0; t < kernel_size; t++)
                acc += (double)k[t] * tmp[(size_t)idx[y + t] * w * c + xb];
            double v = nearbyint(acc);
            img->data[(size_t)y * w * c + xb] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    free(k);
    free(tmp);
    free(idx);
    return INV_OK;
}
