// elastic.c: albumentations ElasticTransform(approximate=True): control points
// pts1 = centre +- square_size (in albumentations' (row, col) order, passed to OpenCV as (x, y)),
// pts2 = pts1 + U(-alpha_affine, alpha_affine), warpAffine(INTER_LINEAR, BORDER_REFLECT_101);
// dx, dy = GaussianBlur17x17(U(-1, 1), sigma) * alpha; remap(x + dx, y + dy). Coordinates are
// quantised to 1/32 pixel and weights rounded as OpenCV's fixed-point bilinear does.
#include "image/elastic.h"

#include "core/error.h"
#include "image/imgbuf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline int reflect101(int i, int n) {
    if (n == 1) return 0;
    int period = 2 * (n - 1);
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - i;
}

// Bilinear sample of `in` at (x, y) (pixel centres at integers), reflect-101 outside, with
// OpenCV's 1/32-pixel quantisation; writes c bytes.
static void sample(const image_u8 *in, double x, double y, uint8_t *o) {
    const int c = in->c;
    long qx = lrint(x * 32.0), qy = lrint(y * 32.0);
    long ix = qx >> 5, iy = qy >> 5; // floor for negatives (arithmetic shift)
    float fx = (float)(qx & 31) / 32.0f, fy = (float)(qy & 31) / 32.0f;
    if (ix < -1000000 || ix > 1000000 || iy < -1000000 || iy > 1000000) {
        memset(o, 0, (size_t)c);
        return;
    }
    int x0 = reflect101((int)ix, in->w), x1 = reflect101((int)ix + 1, in->w);
    int y0 = reflect101((int)iy, in->h), y1 = reflect101((int)iy + 1, in->h);
    const uint8_t *r0 = in->data + (size_t)y0 * in->w * c, *r1 = in->data + (size_t)y1 * in->w * c;
    for (int b = 0; b < c; b++) {
        float top = r0[x0 * c + b] * (1 - fx) + r0[x1 * c + b] * fx;
        float bot = r1[x0 * c + b] * (1 - fx) + r1[x1 * c + b] * fx;
        float v = top * (1 - fy) + bot * fy;
        o[b] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrintf(v));
    }
}

// Solves the 2x3 affine map taking src[i] to dst[i] (cv2.getAffineTransform).
static int affine_from_points(const double src[3][2], const double dst[3][2], double m[6]) {
    double det = src[0][0] * (src[1][1] - src[2][1]) - src[1][0] * (src[0][1] - src[2][1]) +
                 src[2][0] * (src[0][1] - src[1][1]);
    if (fabs(det) < 1e-12) return -1;
    for (int r = 0; r < 2; r++) {
        // Cramer's rule for a*x + b*y + c = dst[.][r].
        double d0 = dst[0][r], d1 = dst[1][r], d2 = dst[2][r];
        double a = d0 * (src[1][1] - src[2][1]) - d1 * (src[0][1] - src[2][1]) +
                   d2 * (src[0][1] - src[1][1]);
        double b = src[0][0] * (d1 - d2) - src[1][0] * (d0 - d2) + src[2][0] * (d0 - d1);
        double cc = src[0][0] * (src[1][1] * d2 - src[2][1] * d1) -
                    src[1][0] * (src[0][1] * d2 - src[2][1] * d0) +
                    src[2][0] * (src[0][1] * d1 - src[1][1] * d0);
        m[3 * r] = a / det, m[3 * r + 1] = b / det, m[3 * r + 2] = cc / det;
    }
    return 0;
}

// Separable 17x17 Gaussian (cv2.getGaussianKernel(17, sigma)) with reflect-101 borders.
static void smooth_field(float *f, int w, int h, double sigma, float *tmp) {
    enum { K = 17, R = 8 };
    double k[K], sum = 0;
    for (int i = 0; i < K; i++) sum += k[i] = exp(-(double)(i - R) * (i - R) / (2 * sigma * sigma));
    for (int i = 0; i < K; i++) k[i] /= sum;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int t = 0; t < K; t++) acc += k[t] * f[(size_t)y * w + reflect101(x + t - R, w)];
            tmp[(size_t)y * w + x] = (float)acc;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int t = 0; t < K; t++) acc += k[t] * tmp[(size_t)reflect101(y + t - R, h) * w + x];
            f[(size_t)y * w + x] = (float)acc;
        }
}

int elastic_deform(const image_u8 *in, double alpha, double sigma, double alpha_affine,
                   rng_stream *s, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "elastic input"));
    if (!isfinite(alpha) || alpha < 0 || !isfinite(sigma) || !(sigma > 0) ||
        !isfinite(alpha_affine) || alpha_affine < 0)
        return inv_fail(INV_EINVAL,
                        "elastic: alpha %g, sigma %g, alpha_affine %g: need alpha >= 0, "
                        "sigma > 0, alpha_affine >= 0",
                        alpha, sigma, alpha_affine);
    const int w = in->w, h = in->h, c = in->c;
    // Random affine part (albumentations passes (row, col) pairs as OpenCV (x, y) points).
    double cs0 = (double)(h / 2), cs1 = (double)(w / 2), sq = (double)((w < h ? w : h) / 3);
    double p1[3][2] = {{cs0 + sq, cs1 + sq}, {cs0 + sq, cs1 - sq}, {cs0 - sq, cs1 - sq}}, p2[3][2];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++)
            p2[i][j] = p1[i][j] + (float)rng_uniform_range(s, -alpha_affine, alpha_affine);
    double m[6] = {1, 0, 0, 0, 1, 0}, inv[6];
    if (sq > 0 && affine_from_points(p1, p2, m) != 0)
        m[0] = 1, m[1] = 0, m[2] = 0, m[3] = 0, m[4] = 1, m[5] = 0;
    // warpAffine maps destination to source through the inverse of m.
    double det = m[0] * m[4] - m[1] * m[3];
    if (fabs(det) < 1e-12) {
        inv[0] = 1, inv[1] = 0, inv[2] = 0, inv[3] = 0, inv[4] = 1, inv[5] = 0;
    } else {
        inv[0] = m[4] / det, inv[1] = -m[1] / det, inv[3] = -m[3] / det, inv[4] = m[0] / det;
        inv[2] = -(inv[0] * m[2] + inv[1] * m[5]);
        inv[5] = -(inv[3] * m[2] + inv[4] * m[5]);
    }
    image_u8 warped;
    INV_TRY(imgbuf_alloc(&warped, w, h, c));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            sample(in, inv[0] * x + inv[1] * y + inv[2], inv[3] * x + inv[4] * y + inv[5],
                   warped.data + ((size_t)y * w + x) * c);
    // Smoothed random displacement fields.
    size_t np = (size_t)w * h;
    float *dx = malloc(np * sizeof(float)), *dy = malloc(np * sizeof(float)),
          *tmp = malloc(np * sizeof(float));
    int rc = INV_OK;
    if (!dx || !dy || !tmp) {
        rc = inv_fail(INV_ENOMEM, "elastic: out of memory (%zu pixels)", np);
        goto done;
    }
    for (size_t i = 0; i < np; i++) dx[i] = (float)(rng_uniform_double(s) * 2 - 1);
    for (size_t i = 0; i < np; i++) dy[i] = (float)(rng_uniform_double(s) * 2 - 1);
    smooth_field(dx, w, h, sigma, tmp);
    smooth_field(dy, w, h, sigma, tmp);
    rc = imgbuf_alloc(out, w, h, c);
    if (rc) goto done;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            float mx = (float)x + dx[i] * (float)alpha, my = (float)y + dy[i] * (float)alpha;
            sample(&warped, mx, my, out->data + i * c);
        }
done:
    free(dx);
    free(dy);
    free(tmp);
    imgbuf_free(&warped);
    return rc;
}
