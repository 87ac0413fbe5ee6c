// color.c: PIL-exact colour operations: ImageEnhance (Brightness, Contrast, Color, Sharpness)
// as ImagingBlend of a degenerate image in float, RGB->L, RGB<->HSV as Convert.c with the uint8
// hue shift of torchvision's adjust_hue, ImageOps equalize/posterize/invert lookup tables, and
// the SMOOTH 3x3 filter Sharpness blends with.
// Hot pixel loops: let GCC vectorise them (no fast-math: results stay bit-exact).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "image/color.h"

#include "core/error.h"
#include "image/simd.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int check(const image_u8 *img, const char *op) {
    if (!img || !img->data || img->w < 1 || img->h < 1)
        return inv_fail(INV_EINVAL, "%s: no image", op);
    if (img->c != 1 && img->c != 3)
        return inv_fail(INV_EINVAL, "%s: %d channels (1 or 3 expected; convert RGBA first)", op,
                        img->c);
    return INV_OK;
}

static int check_factor(double f, const char *op) {
    if (!isfinite(f) || f < 0)
        return inv_fail(INV_EINVAL, "%s: factor %g must be finite and >= 0", op, f);
    return INV_OK;
}

// ImagingBlend(deg, img, alpha): out = deg + alpha * (img - deg) in float, truncated; clipped
// when alpha is outside [0, 1].
static inline uint8_t blend_px(int deg, int v, float alpha, int extrapolate) {
    float t = (float)deg + alpha * (float)(v - deg);
    if (!extrapolate) return (uint8_t)t;
    if (t <= 0.0f) return 0;
    if (t >= 255.0f) return 255;
    return (uint8_t)t;
}

int color_brightness(image_u8 *img, double factor) {
    INV_TRY(check(img, "brightness"));
    INV_TRY(check_factor(factor, "brightness"));
    float a = (float)factor;
    int ex = !(a >= 0 && a <= 1.0f);
    uint8_t lut[256];
    for (int v = 0; v < 256; v++) lut[v] = blend_px(0, v, a, ex);
    size_t n = (size_t)img->w * img->h * img->c;
    for (size_t i = 0; i < n; i++) img->data[i] = lut[img->data[i]];
    return INV_OK;
}

INV_HOT int color_contrast(image_u8 *img, double factor) {
    INV_TRY(check(img, "contrast"));
    INV_TRY(check_factor(factor, "contrast"));
    size_t np = (size_t)img->w * img->h;
    double sum = 0;
    for (size_t i = 0; i < np; i++)
        sum += img->c == 3 ? color_luma(img->data + 3 * i) : img->data[i];
    int mean = (int)(sum / (double)np + 0.5);
    float a = (float)factor;
    int ex = !(a >= 0 && a <= 1.0f);
    uint8_t lut[256];
    for (int v = 0; v < 256; v++) lut[v] = blend_px(mean, v, a, ex);
    for (size_t i = 0; i < np * img->c; i++) img->data[i] = lut[img->data[i]];
    return INV_OK;
}

INV_HOT int color_saturation(image_u8 *img, double factor) {
    INV_TRY(check(img, "saturation"));
    INV_TRY(check_factor(factor, "saturation"));
    if (img->c == 1) return INV_OK;
    float a = (float)factor;
    int ex = !(a >= 0 && a <= 1.0f);
    // ImagingBlend's alpha * (float)(v - deg) for every difference, then deg + that, truncated.
    float prod[511];
    for (int d = -255; d <= 255; d++) prod[d + 255] = a * (float)d;
    size_t np = (size_t)img->w * img->h;
    for (size_t i = 0; i < np; i++) {
        uint8_t *p = img->data + 3 * i;
        int l = color_luma(p);
        for (int k = 0; k < 3; k++) {
            float t = (float)l + prod[p[k] - l + 255];
            p[k] = !ex ? (uint8_t)t : t <= 0.0f ? 0 : t >= 255.0f ? 255 : (uint8_t)t;
        }
    }
    return INV_OK;
}

static inline int clip8i(int v) {
    return v < 0 ? 0 : v > 255 ? 255 : v;
}

// PIL Convert.c rgb2hsv_row, tabulated. The hue of a pixel depends only on the two differences
// between its maximum and the other channels (and which channel is the maximum), the saturation
// on (max - min, max): four 64K tables, computed once with PIL's exact float arithmetic.
static uint8_t hue_lut[3][256][256]; // [channel of the max][first diff][second diff]
static uint8_t sat_lut[256][256];    // [max - min][max]
static pthread_once_t hsv_tables_once = PTHREAD_ONCE_INIT;
static uint8_t p_lut[256][256]; // hsv2rgb p = round(v * (1 - s / 255)): [s][v]

// C round() (half away from zero) of a non-negative double, exactly.
static inline int round_pos(double x) {
    int t = (int)x;
    return t + (x - t >= 0.5);
}

static uint8_t hue_byte(float h) {
    h = fmod((h / 6.0 + 1.0), 1.0);
    return (uint8_t)clip8i((int)(h * 255.0));
}

static void hsv_tables_init(void) {
    for (int d1 = 0; d1 < 256; d1++)
        for (int d2 = 0; d2 < 256; d2++) {
            int crmax = d1 > d2 ? d1 : d2;
            if (crmax == 0) {
                hue_lut[0][d1][d2] = hue_lut[1][d1][d2] = hue_lut[2][d1][d2] = 0;
                continue;
            }
            float cr = (float)crmax;
            float a = (float)d1 / cr, b = (float)d2 / cr;
            hue_lut[0][d1][d2] = hue_byte(a - b);       // r max: d1 = max-b, d2 = max-g
            hue_lut[1][d1][d2] = hue_byte(2.0 + a - b); // g max: d1 = max-r, d2 = max-b
            hue_lut[2][d1][d2] = hue_byte(4.0 + a - b); // b max: d1 = max-g, d2 = max-r
        }
    for (int cr = 0; cr < 256; cr++)
        for (int mx = 0; mx < 256; mx++) {
            if (cr == 0 || mx == 0 || cr > mx) {
                sat_lut[cr][mx] = 0;
                continue;
            }
            float sv = (float)cr / (float)mx;
            sat_lut[cr][mx] = (uint8_t)clip8i((int)(sv * 255.0));
        }
    for (int sv = 0; sv < 256; sv++) {
        float fs = ((float)sv) / 255.0;
        for (int v = 0; v < 256; v++)
            p_lut[sv][v] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs)));
    }
}

static inline void rgb2hsv(const uint8_t *in, uint8_t *out) {
    uint8_t r = in[0], g = in[1], b = in[2];
    uint8_t maxc = r > g ? (r > b ? r : b) : (g > b ? g : b);
    uint8_t minc = r < g ? (r < b ? r : b) : (g < b ? g : b);
    out[2] = maxc;
    if (minc == maxc) {
        out[0] = out[1] = 0;
        return;
    }
    out[1] = sat_lut[maxc - minc][maxc];
    if (r == maxc)
        out[0] = hue_lut[0][maxc - b][maxc - g];
    else if (g == maxc)
        out[0] = hue_lut[1][maxc - r][maxc - b];
    else
        out[0] = hue_lut[2][maxc - g][maxc - r];
}

// PIL Convert.c hsv2rgb with tabulated terms: per hue the sector i % 6 and fraction f, per
// saturation fs, and p = round(v * (1 - fs)) per (s, v); only the one of q, t a sector uses is
// computed. The same float/double operations as PIL, so the results are identical.
typedef struct {
    int sector[256];
    float f[256];
    float fs[256];
} hsv_terms;

static void hsv_terms_init(hsv_terms *t) {
    for (int h = 0; h < 256; h++) {
        int i = (int)floor((float)h * 6.0 / 255.0);
        t->f[h] = (float)h * 6.0 / 255.0 - (float)i;
        t->sector[h] = i % 6;
    }
    for (int s = 0; s < 256; s++) t->fs[s] = ((float)s) / 255.0;
}

static inline void hsv2rgb(const hsv_terms *T, const uint8_t *in, uint8_t *out) {
    uint8_t h = in[0], s = in[1], v = in[2];
    if (s == 0) {
        out[0] = out[1] = out[2] = v;
        return;
    }
    float f = T->f[h], fs = T->fs[s];
    uint8_t up = p_lut[s][v];
    switch (T->sector[h]) {
    case 0:
        out[0] = v, out[1] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs * (1.0 - f)))),
        out[2] = up;
        break;
    case 1:
        out[0] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs * f))), out[1] = v, out[2] = up;
        break;
    case 2:
        out[0] = up, out[1] = v,
        out[2] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs * (1.0 - f))));
        break;
    case 3:
        out[0] = up, out[1] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs * f))), out[2] = v;
        break;
    case 4:
        out[0] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs * (1.0 - f)))), out[1] = up,
        out[2] = v;
        break;
    default:
        out[0] = v, out[1] = up, out[2] = (uint8_t)clip8i(round_pos((float)v * (1.0 - fs * f)));
        break;
    }
}

INV_HOT int color_hue(image_u8 *img, double hue_factor) {
    INV_TRY(check(img, "hue"));
    if (!isfinite(hue_factor) || hue_factor < -0.5 || hue_factor > 0.5)
        return inv_fail(INV_EINVAL, "hue: factor %g outside [-0.5, 0.5]", hue_factor);
    if (img->c == 1) return INV_OK;
    pthread_once(&hsv_tables_once, hsv_tables_init);
    hsv_terms T;
    hsv_terms_init(&T);
    // np.uint8(hue_factor * 255): C conversion through int, modulo 256.
    uint8_t shift = (uint8_t)(int)(hue_factor * 255);
    size_t np = (size_t)img->w * img->h;
    for (size_t i = 0; i < np; i++) {
        uint8_t *p = img->data + 3 * i, hsv[3];
        rgb2hsv(p, hsv);
        hsv[0] = (uint8_t)(hsv[0] + shift);
        hsv2rgb(&T, hsv, p);
    }
    return INV_OK;
}

INV_HOT int color_grayscale(image_u8 *img) {
    INV_TRY(check(img, "grayscale"));
    if (img->c == 1) return INV_OK;
    size_t np = (size_t)img->w * img->h;
    for (size_t i = 0; i < np; i++) {
        uint8_t *p = img->data + 3 * i;
        p[0] = p[1] = p[2] = color_luma(p);
    }
    return INV_OK;
}

int color_equalize(image_u8 *img) {
    INV_TRY(check(img, "equalize"));
    const int c = img->c;
    size_t np = (size_t)img->w * img->h;
    for (int b = 0; b < c; b++) {
        size_t h[256] = {0};
        for (size_t i = 0; i < np; i++) h[img->data[i * c + b]]++;
        // ImageOps.equalize (Pillow 9.4): step from the non-zero bins without the last one, / 255.
        size_t total = 0, last = 0;
        int nonzero = 0;
        for (int v = 0; v < 256; v++)
            if (h[v]) {
                nonzero++;
                total += h[v];
                last = h[v];
            }
        uint8_t lut[256];
        size_t step = nonzero <= 1 ? 0 : (total - last) / 255; // Pillow >= 9.1
        if (!step) {
            for (int v = 0; v < 256; v++) lut[v] = (uint8_t)v;
        } else {
            size_t n = step / 2;
            for (int v = 0; v < 256; v++) {
                size_t o = n / step;
                lut[v] = (uint8_t)(o > 255 ? 255 : o);
                n += h[v];
            }
        }
        for (size_t i = 0; i < np; i++) img->data[i * c + b] = lut[img->data[i * c + b]];
    }
    return INV_OK;
}

int color_posterize(image_u8 *img, int bits) {
    INV_TRY(check(img, "posterize"));
    if (bits < 0 || bits > 8) return inv_fail(INV_EINVAL, "posterize: bits %d outside 0..8", bits);
    uint8_t mask = (uint8_t) ~((1 << (8 - bits)) - 1);
    size_t n = (size_t)img->w * img->h * img->c;
    for (size_t i = 0; i < n; i++) img->data[i] &= mask;
    return INV_OK;
}

int color_invert(image_u8 *img) {
    INV_TRY(check(img, "invert"));
    size_t n = (size_t)img->w * img->h * img->c;
    for (size_t i = 0; i < n; i++) img->data[i] = (uint8_t)(255 - img->data[i]);
    return INV_OK;
}

static inline uint8_t clip8f(float in) {
    if (in <= 0.0f) return 0;
    if (in >= 255.0f) return 255;
    return (uint8_t)(in + 0.5f);
}

// PIL ImagingFilter3x3 with ImageFilter.SMOOTH ((1 1 1; 1 5 1; 1 1 1) / 13): the border rows
// and columns are copied unchanged; images under 3x3 are returned unchanged.
static void smooth3x3(const image_u8 *in, uint8_t *out) {
    const int w = in->w, h = in->h, c = in->c;
    const float k1 = 1.0f / 13.0f, k5 = 5.0f / 13.0f;
    const float kern[9] = {k1, k1, k1, k1, k5, k1, k1, k1, k1};
    memcpy(out, in->data, (size_t)w * h * c);
    if (w < 3 || h < 3) return;
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *rm = in->data + (size_t)(y - 1) * w * c, *r0 = rm + (size_t)w * c,
                      *rp = r0 + (size_t)w * c;
        uint8_t *o = out + (size_t)y * w * c;
        for (int x = 1; x < w - 1; x++)
            for (int b = 0; b < c; b++) {
                int i = x * c + b;
                float ss = 0.0f;
                ss += (float)rp[i - c] * kern[0] + (float)rp[i] * kern[1] +
                      (float)rp[i + c] * kern[2];
                ss += (float)r0[i - c] * kern[3] + (float)r0[i] * kern[4] +
                      (float)r0[i + c] * kern[5];
                ss += (float)rm[i - c] * kern[6] + (float)rm[i] * kern[7] +
                      (float)rm[i + c] * kern[8];
                o[i] = clip8f(ss);
            }
    }
}

int color_sharpness(image_u8 *img, double factor) {
    INV_TRY(check(img, "sharpness"));
    INV_TRY(check_factor(factor, "sharpness"));
    size_t n = (size_t)img->w * img->h * img->c;
    uint8_t *deg = malloc(n);
    INV_CHECK_ALLOC(deg, n, "sharpness");
    smooth3x3(img, deg);
    float a = (float)factor;
    int ex = !(a >= 0 && a <= 1.0f);
    for (size_t i = 0; i < n; i++) img->data[i] = blend_px(deg[i], img->data[i], a, ex);
    free(deg);
    return INV_OK;
}
