// resample.c: geometry with PIL's exact arithmetic: ImagingResample (separable antialiased
// bilinear/bicubic, coefficients in 22-bit fixed point, horizontal pass first), crop, flips,
// torchvision Resize/CenterCrop sizing, PIL affine transforms (nearest neighbour in 16.16 fixed
// point as affine_fixed / ImagingScaleAffine, bilinear as the generic transform) and rotate.
// Hot pixel loops: let GCC vectorise them (no fast-math: results stay bit-exact).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "image/resample.h"

#include "core/error.h"
#include "image/imgbuf.h"
#include "image/simd.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { PRECISION_BITS = 32 - 8 - 2 };

static double filter_bilinear(double x) {
    if (x < 0.0) x = -x;
    if (x < 1.0) return 1.0 - x;
    return 0.0;
}

static double filter_bicubic(double x) {
    const double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

// PIL precompute_coeffs + normalize_coeffs_8bpc: for each output index, the first input index,
// the tap count and ksize fixed-point weights.
static int precompute_coeffs(int in_size, float in0, float in1, int out_size,
                             resample_filter filter, int **boundsp, int32_t **kkp) {
    double (*fn)(double) = filter == RESAMPLE_BICUBIC ? filter_bicubic : filter_bilinear;
    double support0 = filter == RESAMPLE_BICUBIC ? 2.0 : 1.0;
    double scale = (double)(in1 - in0) / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = support0 * filterscale;
    int ksize = (int)ceil(support) * 2 + 1;
    double *k = malloc(sizeof(double) * ksize);
    int32_t *kk = malloc(sizeof(int32_t) * (size_t)out_size * ksize);
    int *bounds = malloc(sizeof(int) * 2 * (size_t)out_size);
    if (!k || !kk || !bounds) {
        free(k);
        free(kk);
        free(bounds);
        return inv_fail(INV_ENOMEM, "resize coefficients: out of memory (%d x %d)", out_size,
                        ksize);
    }
    for (int xx = 0; xx < out_size; xx++) {
        double center = in0 + (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5);
        if (xmin < 0) xmin = 0;
        int xmax = (int)(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        int x;
        for (x = 0; x < xmax; x++) {
            double w = fn((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (x = 0; x < xmax; x++)
            if (ww != 0.0) k[x] /= ww;
        for (; x < ksize; x++) k[x] = 0;
        for (x = 0; x < ksize; x++)
            kk[(size_t)xx * ksize + x] = k[x] < 0 ? (int32_t)(-0.5 + k[x] * (1 << PRECISION_BITS))
                                                  : (int32_t)(0.5 + k[x] * (1 << PRECISION_BITS));
        bounds[2 * xx] = xmin;
        bounds[2 * xx + 1] = xmax;
    }
    free(k);
    *boundsp = bounds;
    *kkp = kk;
    return ksize;
}

static inline uint8_t clip8_fixed(int32_t v) {
    v >>= PRECISION_BITS;
    return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

INV_HOT int image_resize_region_into(const image_u8 *in, int x0, int y0, int cw, int ch, int out_w,
                                     int out_h, resample_filter filter, uint8_t *out) {
    INV_TRY(imgbuf_check(in, "resize input"));
    if (filter != RESAMPLE_BILINEAR && filter != RESAMPLE_BICUBIC)
        return inv_fail(INV_EINVAL, "resize: filter must be bilinear or bicubic");
    if (cw < 1 || ch < 1 || x0 < 0 || y0 < 0 || x0 + cw > in->w || y0 + ch > in->h)
        return inv_fail(INV_ERANGE, "resize: region (%d, %d, %dx%d) outside the %dx%d image", x0,
                        y0, cw, ch, in->w, in->h);
    if (out_w < 1 || out_h < 1 || out_w > IMAGE_MAX_SIDE || out_h > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "resize: output size %dx%d outside 1..%d", out_w, out_h,
                        IMAGE_MAX_SIDE);
    const int c = in->c;
    const size_t in_stride = (size_t)in->w * c;
    const uint8_t *src = in->data + (size_t)y0 * in_stride + (size_t)x0 * c;
    int need_h = out_w != cw, need_v = out_h != ch;
    int *bh = NULL, *bv = NULL;
    int32_t *kh = NULL, *kv = NULL;
    int kh_size = 0, kv_size = 0;
    int rc = INV_OK;
    uint8_t *tmp = NULL;
    if (need_h) {
        kh_size = precompute_coeffs(cw, 0.0f, (float)cw, out_w, filter, &bh, &kh);
        if (kh_size < 0 || kh_size > 1000000000) return INV_ENOMEM;
    }
    if (need_v) {
        kv_size = precompute_coeffs(ch, 0.0f, (float)ch, out_h, filter, &bv, &kv);
        if (kv_size < 0 || kv_size > 1000000000) {
            free(bh);
            free(kh);
            return INV_ENOMEM;
        }
    }
    // Rows of the source the vertical pass needs (PIL crops the intermediate to them).
    int yfirst = 0, ylast = ch;
    if (need_v) {
        yfirst = bv[0];
        ylast = bv[2 * out_h - 2] + bv[2 * out_h - 1];
    }
    const uint8_t *vsrc = src;
    size_t vstride = in_stride;
    if (need_h) {
        uint8_t *hout = need_v ? NULL : out;
        if (need_v) {
            tmp = malloc((size_t)out_w * c * (ylast - yfirst));
            if (!tmp) {
                rc = inv_fail(INV_ENOMEM, "resize: out of memory");
                goto done;
            }
            hout = tmp;
        }
        int ybeg = need_v ? yfirst : 0, yend = need_v ? ylast : ch;
        for (int y = ybeg; y < yend; y++) {
            const uint8_t *row = src + (size_t)y * in_stride;
            uint8_t *orow = hout + (size_t)(y - ybeg) * out_w * c;
            for (int xx = 0; xx < out_w; xx++) {
                const int xmin = bh[2 * xx], xmax = bh[2 * xx + 1];
                const int32_t *k = kh + (size_t)xx * kh_size;
                const uint8_t *p = row + (size_t)xmin * c;
                if (c == 3) {
                    int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
                    for (int x = 0; x < xmax; x++) {
                        s0 += p[3 * x] * k[x];
                        s1 += p[3 * x + 1] * k[x];
                        s2 += p[3 * x + 2] * k[x];
                    }
                    orow[3 * xx] = clip8_fixed(s0);
                    orow[3 * xx + 1] = clip8_fixed(s1);
                    orow[3 * xx + 2] = clip8_fixed(s2);
                } else {
                    for (int b = 0; b < c; b++) {
                        int32_t s = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < xmax; x++) s += p[c * x + b] * k[x];
                        orow[c * xx + b] = clip8_fixed(s);
                    }
                }
            }
        }
        vsrc = tmp;
        vstride = (size_t)out_w * c;
    } else if (need_v) {
        vsrc = src + (size_t)yfirst * in_stride;
    }
    if (need_v) {
        const int w = need_h ? out_w : cw;
        const size_t rowlen = (size_t)w * c;
        int32_t *acc = malloc(sizeof(int32_t) * rowlen);
        if (!acc) {
            rc = inv_fail(INV_ENOMEM, "resize: out of memory");
            goto done;
        }
        for (int yy = 0; yy < out_h; yy++) {
            const int ymin = bv[2 * yy] - yfirst, ymax = bv[2 * yy + 1];
            const int32_t *k = kv + (size_t)yy * kv_size;
            for (size_t xb = 0; xb < rowlen; xb++) acc[xb] = 1 << (PRECISION_BITS - 1);
            // Same sums as PIL's per-pixel loop (integer addition is exact in any order).
            for (int y = 0; y < ymax; y++) {
                const uint8_t *row = vsrc + (size_t)(ymin + y) * vstride;
                const int32_t ky = k[y];
                for (size_t xb = 0; xb < rowlen; xb++) acc[xb] += row[xb] * ky;
            }
            uint8_t *orow = out + (size_t)yy * rowlen;
            for (size_t xb = 0; xb < rowlen; xb++) orow[xb] = clip8_fixed(acc[xb]);
        }
        free(acc);
    }
    if (!need_h && !need_v)
        for (int y = 0; y < ch; y++)
            memcpy(out + (size_t)y * cw * c, src + (size_t)y * in_stride, (size_t)cw * c);
done:
    free(tmp);
    free(bh);
    free(kh);
    free(bv);
    free(kv);
    return rc;
}

int image_resize_region(const image_u8 *in, int x0, int y0, int cw, int ch, int out_w, int out_h,
                        resample_filter filter, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "resize input"));
    INV_TRY(imgbuf_alloc(out, out_w, out_h, in->c));
    int rc = image_resize_region_into(in, x0, y0, cw, ch, out_w, out_h, filter, out->data);
    if (rc) imgbuf_free(out);
    return rc;
}

int image_resize(const image_u8 *in, int out_w, int out_h, resample_filter filter, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "resize input"));
    return image_resize_region(in, 0, 0, in->w, in->h, out_w, out_h, filter, out);
}

int image_crop(const image_u8 *in, int left, int top, int w, int h, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "crop input"));
    if (w < 1 || h < 1) return inv_fail(INV_ERANGE, "crop: size %dx%d must be at least 1x1", w, h);
    INV_TRY(imgbuf_alloc(out, w, h, in->c));
    const int c = in->c;
    int xa = left < 0 ? 0 : left, xb = left + w > in->w ? in->w : left + w;
    if (xb <= xa) return INV_OK;
    for (int y = 0; y < h; y++) {
        int sy = top + y;
        if (sy < 0 || sy >= in->h) continue;
        memcpy(out->data + ((size_t)y * w + (xa - left)) * c,
               in->data + ((size_t)sy * in->w + xa) * c, (size_t)(xb - xa) * c);
    }
    return INV_OK;
}

void resize_shorter_dims(int w, int h, int size, int *out_w, int *out_h) {
    int s = w <= h ? w : h, l = w <= h ? h : w;
    int ns = size, nl = (int)((double)size * l / s);
    *out_w = w <= h ? ns : nl;
    *out_h = w <= h ? nl : ns;
}

int image_resize_shorter(const image_u8 *in, int size, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "resize input"));
    if (size < 1 || size > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "resize: size %d outside 1..%d", size, IMAGE_MAX_SIDE);
    int ow, oh;
    resize_shorter_dims(in->w, in->h, size, &ow, &oh);
    if (ow < 1) ow = 1;
    if (oh < 1) oh = 1;
    if (ow > IMAGE_MAX_SIDE || oh > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "resize: %dx%d to shorter side %d gives %dx%d (max %d)", in->w,
                        in->h, size, ow, oh, IMAGE_MAX_SIDE);
    if (ow == in->w && oh == in->h) return imgbuf_copy(in, out);
    return image_resize(in, ow, oh, RESAMPLE_BILINEAR, out);
}

int image_center_crop(const image_u8 *in, int cw, int ch, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "center crop input"));
    if (cw < 1 || ch < 1)
        return inv_fail(INV_ERANGE, "center crop: size %dx%d must be at least 1x1", cw, ch);
    int w = in->w, h = in->h, padl = 0, padt = 0;
    if (cw > w || ch > h) {
        // torchvision pads (left, top) by floor(diff / 2), then crops the padded image.
        padl = cw > w ? (cw - w) / 2 : 0;
        padt = ch > h ? (ch - h) / 2 : 0;
        w += cw > in->w ? (cw - in->w) : 0;
        h += ch > in->h ? (ch - in->h) : 0;
    }
    int top = (int)nearbyint((h - ch) / 2.0), left = (int)nearbyint((w - cw) / 2.0);
    return image_crop(in, left - padl, top - padt, cw, ch, out);
}

void image_hflip(image_u8 *img) {
    const int c = img->c;
    for (int y = 0; y < img->h; y++) {
        uint8_t *row = img->data + (size_t)y * img->w * c;
        for (int a = 0, b = img->w - 1; a < b; a++, b--)
            for (int k = 0; k < c; k++) {
                uint8_t t = row[a * c + k];
                row[a * c + k] = row[b * c + k];
                row[b * c + k] = t;
            }
    }
}

void image_vflip(image_u8 *img) {
    size_t rowlen = (size_t)img->w * img->c;
    for (int a = 0, b = img->h - 1; a < b; a++, b--) {
        uint8_t *ra = img->data + a * rowlen, *rb = img->data + b * rowlen;
        for (size_t i = 0; i < rowlen; i++) {
            uint8_t t = ra[i];
            ra[i] = rb[i];
            rb[i] = t;
        }
    }
}

#define FLOOR_INT(v) ((v) < 0.0 ? ((int)floor(v)) : ((int)(v)))
#define COORD(v)     ((v) < 0.0 ? -1 : ((int)(v)))

static void put_px(image_u8 *out, int x, int y, const uint8_t *src) {
    memcpy(out->data + ((size_t)y * out->w + x) * out->c, src, out->c);
}

// PIL ImagingScaleAffine (a[1] == a[3] == 0, nearest).
static void affine_scale(const image_u8 *in, const double a[6], image_u8 *out) {
    const int c = in->c;
    int *xin = malloc(sizeof(int) * out->w);
    if (!xin) return;
    double xo = a[2] + a[0] * 0.5, yo = a[5] + a[4] * 0.5;
    int xmin = out->w, xmax = 0;
    for (int x = 0; x < out->w; x++) {
        int xi = COORD(xo);
        if (xi >= 0 && xi < in->w) {
            xmax = x + 1;
            if (x < xmin) xmin = x;
            xin[x] = xi;
        }
        xo += a[0];
    }
    for (int y = 0; y < out->h; y++) {
        int yi = COORD(yo);
        if (yi >= 0 && yi < in->h) {
            const uint8_t *row = in->data + (size_t)yi * in->w * c;
            for (int x = xmin; x < xmax; x++) put_px(out, x, y, row + (size_t)xin[x] * c);
        }
        yo += a[4];
    }
    free(xin);
}

// PIL affine_fixed (nearest, 16.16 fixed point) and its floating-point fallback.
static void affine_nearest(const image_u8 *in, const double a[6], image_u8 *out) {
    const int c = in->c, xs = in->w, ys = in->h;
    if (fabs(out->w * a[0] + out->h * a[1] + a[2]) < 32768.0 &&
        fabs(out->w * a[3] + out->h * a[4] + a[5]) < 32768.0) {
#define FIX(v) FLOOR_INT((v)*65536.0 + 0.5)
        int a0 = FIX(a[0]), a1 = FIX(a[1]), a3 = FIX(a[3]), a4 = FIX(a[4]);
        int a2 = FIX(a[2] + a[1] * 0.5 + a[0] * 0.5), a5 = FIX(a[5] + a[4] * 0.5 + a[3] * 0.5);
#undef FIX
        for (int y = 0; y < out->h; y++) {
            int xx = a2, yy = a5;
            for (int x = 0; x < out->w; x++, xx += a0, yy += a3) {
                int xi = xx >> 16;
                if (xi >= 0 && xi < xs) {
                    int yi = yy >> 16;
                    if (yi >= 0 && yi < ys)
                        put_px(out, x, y, in->data + ((size_t)yi * xs + xi) * c);
                }
            }
            a2 += a1;
            a5 += a4;
        }
        return;
    }
    double xo = a[2] + a[1] * 0.5 + a[0] * 0.5, yo = a[5] + a[4] * 0.5 + a[3] * 0.5;
    for (int y = 0; y < out->h; y++) {
        double xx = xo, yy = yo;
        for (int x = 0; x < out->w; x++) {
            int xi = COORD(xx), yi = COORD(yy);
            if (xi >= 0 && xi < xs && yi >= 0 && yi < ys)
                put_px(out, x, y, in->data + ((size_t)yi * xs + xi) * c);
            xx += a[0];
            yy += a[3];
        }
        xo += a[1];
        yo += a[4];
    }
}

// PIL ImagingGenericTransform with the bilinear filter (bilinear_filter32RGB / 8).
static void affine_bilinear(const image_u8 *in, const double a[6], image_u8 *out) {
    const int c = in->c, xs = in->w, ys = in->h;
    for (int y = 0; y < out->h; y++) {
        for (int x = 0; x < out->w; x++) {
            double xin = a[0] * (x + 0.5) + a[1] * (y + 0.5) + a[2];
            double yin = a[3] * (x + 0.5) + a[4] * (y + 0.5) + a[5];
            if (xin < 0.0 || xin >= xs || yin < 0.0 || yin >= ys) continue;
            xin -= 0.5;
            yin -= 0.5;
            int xi = FLOOR_INT(xin), yi = FLOOR_INT(yin);
            double dx = xin - xi, dy = yin - yi;
            int yc = yi < 0 ? 0 : yi >= ys ? ys - 1 : yi;
            int x0 = xi < 0 ? 0 : xi >= xs ? xs - 1 : xi;
            int x1 = xi + 1 < 0 ? 0 : xi + 1 >= xs ? xs - 1 : xi + 1;
            const uint8_t *r0 = in->data + (size_t)yc * xs * c;
            const uint8_t *r1 =
                (yi + 1 >= 0 && yi + 1 < ys) ? in->data + (size_t)(yi + 1) * xs * c : NULL;
            uint8_t *o = out->data + ((size_t)y * out->w + x) * c;
            for (int b = 0; b < c; b++) {
                double v1 = r0[x0 * c + b] + (r0[x1 * c + b] - r0[x0 * c + b]) * dx, v2 = v1;
                if (r1) v2 = r1[x0 * c + b] + (r1[x1 * c + b] - r1[x0 * c + b]) * dx;
                v1 = v1 + (v2 - v1) * dy;
                o[b] = (uint8_t)v1; // Pillow 9.4 truncates
            }
        }
    }
}

int image_affine_pil(const image_u8 *in, const double m[6], resample_filter filter, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "affine input"));
    for (int i = 0; i < 6; i++)
        if (!isfinite(m[i]))
            return inv_fail(INV_EINVAL, "affine: matrix entry %d is not finite", i);
    if (filter != RESAMPLE_NEAREST && filter != RESAMPLE_BILINEAR)
        return inv_fail(INV_EINVAL, "affine: filter must be nearest or bilinear");
    INV_TRY(imgbuf_alloc(out, in->w, in->h, in->c));
    if (filter == RESAMPLE_BILINEAR)
        affine_bilinear(in, m, out);
    else if (m[1] == 0 && m[3] == 0)
        affine_scale(in, m, out);
    else
        affine_nearest(in, m, out);
    return INV_OK;
}

void tv_inverse_affine_matrix(double cx, double cy, double angle, double tx, double ty,
                              double scale, double shear_x, double shear_y, double m[6]) {
    const double d2r = M_PI / 180.0;
    double rot = angle * d2r, sx = shear_x * d2r, sy = shear_y * d2r;
    double a = cos(rot - sy) / cos(sy);
    double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
    double c = sin(rot - sy) / cos(sy);
    double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
    double mm[6] = {d, -b, 0.0, -c, a, 0.0};
    for (int i = 0; i < 6; i++) m[i] = mm[i] / scale;
    m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
    m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
    m[2] += cx;
    m[5] += cy;
}

int image_tv_affine(const image_u8 *in, double angle, double tx, double ty, double scale,
                    double shear_x, double shear_y, resample_filter filter, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "affine input"));
    if (!(scale > 0) || !isfinite(scale))
        return inv_fail(INV_EINVAL, "affine: scale %g must be positive", scale);
    if (!isfinite(angle) || !isfinite(tx) || !isfinite(ty) || !isfinite(shear_x) ||
        !isfinite(shear_y))
        return inv_fail(INV_EINVAL, "affine: parameters must be finite");
    double m[6];
    tv_inverse_affine_matrix(in->w * 0.5, in->h * 0.5, angle, tx, ty, scale, shear_x, shear_y, m);
    return image_affine_pil(in, m, filter, out);
}

// Python's round(v, 15) for the values rotate produces (|v| <= 1).
static double round15(double v) {
    return nearbyint(v * 1e15) / 1e15;
}

int image_rotate(const image_u8 *in, double angle, resample_filter filter, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "rotate input"));
    if (!isfinite(angle)) return inv_fail(INV_EINVAL, "rotate: angle is not finite");
    angle = fmod(angle, 360.0);
    if (angle < 0) angle += 360.0;
    const int w = in->w, h = in->h, c = in->c;
    if (angle == 0) return imgbuf_copy(in, out);
    if (angle == 180) {
        INV_TRY(imgbuf_copy(in, out));
        image_hflip(out);
        image_vflip(out);
        return INV_OK;
    }
    if ((angle == 90 || angle == 270) && w == h) {
        INV_TRY(imgbuf_alloc(out, h, w, c));
        for (int y = 0; y < out->h; y++)
            for (int x = 0; x < out->w; x++) {
                // ROTATE_90 (counter-clockwise): out(x, y) = in(w - 1 - y, x).
                int sx = angle == 90 ? w - 1 - y : y, sy = angle == 90 ? x : h - 1 - x;
                put_px(out, x, y, in->data + ((size_t)sy * w + sx) * c);
            }
        return INV_OK;
    }
    double cx = w / 2.0, cy = h / 2.0, r = -angle * M_PI / 180.0;
    double m[6] = {round15(cos(r)), round15(sin(r)), 0.0, round15(-sin(r)), round15(cos(r)), 0.0};
    double x = -cx, y = -cy;
    m[2] = m[0] * x + m[1] * y + m[2];
    m[5] = m[3] * x + m[4] * y + m[5];
    m[2] += cx;
    m[5] += cy;
    return image_affine_pil(in, m, filter, out);
}
