// transforms.c: the paper's test transforms as the official evaluation code builds them
// (eval_synthetic_invariance.py, ManualTransform): float32 torch.linspace grids, torchvision
// 0.14 functional ops on PIL images (affine/rotate with nearest, the translation and scale
// quirk of a 1-degree x shear), elastic deformation, then Resize + CenterCrop.
#include "image/transforms.h"

#include "core/error.h"
#include "core/rng.h"
#include "image/blur.h"
#include "image/color.h"
#include "image/elastic.h"
#include "image/imgbuf.h"
#include "image/resample.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum {
    T_RESIZED_CROP,
    T_HFLIP,
    T_VFLIP,
    T_SCALE,
    T_SHEAR,
    T_ROTATION,
    T_TRANSLATION,
    T_DEFORM,
    T_GRAYSCALE,
    T_BRIGHTNESS,
    T_CONTRAST,
    T_SATURATION,
    T_HUE,
    T_BLUR,
    T_SHARPNESS,
    T_EQUALIZE,
    T_POSTERIZE,
    T_INVERT
};

static const transform_info infos[TRANSFORM_COUNT] = {
    {"resized_crop", 256, "spatial",
     "crop top,left in linspace(0,0.25,4)*R, height,width in linspace(0.75,0.25,4)*R -> CxC"},
    {"hflip", 2, "spatial", "horizontal flip (0 = untouched)"},
    {"vflip", 2, "spatial", "vertical flip (0 = untouched)"},
    {"scale", 256, "spatial", "affine scale linspace(0.25,2,256), 1-degree x shear, nearest"},
    {"shear", 256, "spatial", "affine shear (x, y) in linspace(-160,160,17)[:16]^2 degrees"},
    {"rotation", 256, "spatial", "rotate linspace(0,360,257)[:256] degrees, nearest"},
    {"translation", 256, "spatial",
     "affine translate (x, y) in linspace(-s,s,17)[:16]^2 * R, s = (1-C/R)/2, 1-degree shear"},
    {"deform", 256, "spatial",
     "elastic (albumentations approximate) sigma int(linspace(10,50,8))[K%8], field K/8"},
    {"grayscale", 2, "appearance", "grayscale, 3 channels (0 = untouched)"},
    {"brightness", 256, "appearance", "brightness factor linspace(0.25,5,256)"},
    {"contrast", 256, "appearance", "contrast factor linspace(0.25,5,256)"},
    {"saturation", 256, "appearance", "saturation factor linspace(0.25,5,256)"},
    {"hue", 256, "appearance", "hue shift linspace(-0.5,0.5,256)"},
    {"blur", 256, "appearance", "Gaussian blur sigma linspace(1e-5,20,256), kernel 1+C/20*2"},
    {"sharpness", 256, "appearance", "sharpness factor linspace(1,30,256)"},
    {"equalize", 2, "appearance", "histogram equalisation (0 = untouched)"},
    {"posterize", 7, "appearance", "posterize to K+1 bits"},
    {"invert", 2, "appearance", "invert (0 = untouched)"},
};

const transform_info *transform_info_at(int t) {
    return t >= 0 && t < TRANSFORM_COUNT ? &infos[t] : NULL;
}

int transform_find(const char *name) {
    for (int t = 0; t < TRANSFORM_COUNT; t++)
        if (!strcmp(name, infos[t].name)) return t;
    inv_fail(INV_EINVAL, "unknown transform '%s' (see invar-data transform --list)", name);
    return -1;
}

// torch.linspace(start, end, steps)[i] in float32 as torch 1.13's CPU kernel computes it (AVX2
// build, multiply-adds fused): blocks of 16 values as two 8-lane vectors whose lanes are
// base + l * step with base = fma(step, first, start) (or fma(-step, steps - first - 1, end) from
// halfway on); the remaining tail values are scalar fmas. Checked against torch at test time.
static float linspace_f(float start, float end, int steps, int i) {
    if (steps == 1) return start;
    const float step = (end - start) / (float)(steps - 1);
    const int half = steps / 2, nvec = steps / 16 * 16;
    if (i < nvec) {
        int first = i / 8 * 8;
        float base = first < half ? fmaf(step, (float)first, start)
                                  : fmaf(-step, (float)(steps - first - 1), end);
        float lane = (float)(i - first) * step;
        return base + lane;
    }
    return i < half ? fmaf(step, (float)i, start) : fmaf(-step, (float)(steps - i - 1), end);
}

static const int deform_sigmas[8] = {10, 15, 21, 27, 32, 38, 44, 50};

typedef struct {
    int R, C;
    double v[4];
} params;

static int resolve(int t, int k, const transform_opts *o, params *p) {
    if (t < 0 || t >= TRANSFORM_COUNT)
        return inv_fail(INV_EINVAL, "transform index %d outside 0..%d", t, TRANSFORM_COUNT - 1);
    if (k < 0 || k >= infos[t].grid)
        return inv_fail(INV_ERANGE, "%s: index %d outside 0..%d", infos[t].name, k,
                        infos[t].grid - 1);
    p->R = o && o->resize ? o->resize : 256;
    p->C = o && o->crop ? o->crop : 224;
    if (p->R < 1 || p->R > IMAGE_MAX_SIDE || p->C < 1 || p->C > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "transform: resize %d / crop %d outside 1..%d", p->R, p->C,
                        IMAGE_MAX_SIDE);
    memset(p->v, 0, sizeof p->v);
    switch (t) {
    case T_RESIZED_CROP: {
        int ti = k / 64, li = (k / 16) % 4, hi = (k / 4) % 4, wi = k % 4;
        // (torch.linspace(...) * resize) in float32, then tolist().
        p->v[0] = (double)(linspace_f(0.0f, 0.25f, 4, ti) * (float)p->R);
        p->v[1] = (double)(linspace_f(0.0f, 0.25f, 4, li) * (float)p->R);
        p->v[2] = (double)(linspace_f(0.75f, 0.25f, 4, hi) * (float)p->R);
        p->v[3] = (double)(linspace_f(0.75f, 0.25f, 4, wi) * (float)p->R);
        break;
    }
    case T_SCALE:
        p->v[0] = linspace_f(0.25f, 2.0f, 256, k);
        break;
    case T_SHEAR:
        p->v[0] = linspace_f(-160.0f, 160.0f, 17, k / 16);
        p->v[1] = linspace_f(-160.0f, 160.0f, 17, k % 16);
        break;
    case T_ROTATION:
        p->v[0] = linspace_f(0.0f, 360.0f, 257, k);
        break;
    case T_TRANSLATION: {
        double space = (1.0 - (double)p->C / p->R) / 2.0;
        p->v[0] = (double)(linspace_f((float)-space, (float)space, 17, k / 16) * (float)p->R);
        p->v[1] = (double)(linspace_f((float)-space, (float)space, 17, k % 16) * (float)p->R);
        break;
    }
    case T_DEFORM:
        p->v[0] = deform_sigmas[k % 8];
        p->v[1] = k / 8;
        break;
    case T_BRIGHTNESS:
    case T_CONTRAST:
    case T_SATURATION:
        p->v[0] = linspace_f(0.25f, 5.0f, 256, k);
        break;
    case T_HUE:
        p->v[0] = linspace_f(-0.5f, 0.5f, 256, k);
        break;
    case T_BLUR:
        p->v[0] = linspace_f(1e-5f, 20.0f, 256, k);
        p->v[1] = 1 + p->C / 20 * 2;
        break;
    case T_SHARPNESS:
        p->v[0] = linspace_f(1.0f, 30.0f, 256, k);
        break;
    case T_POSTERIZE:
        p->v[0] = k + 1;
        break;
    default:
        p->v[0] = k;
        break; // one-image transforms: 0 untouched, 1 transformed
    }
    return INV_OK;
}

int transform_param_text(int t, int k, const transform_opts *o, char *buf, size_t size) {
    params p;
    INV_TRY(resolve(t, k, o, &p));
    switch (t) {
    case T_RESIZED_CROP:
        snprintf(buf, size, "top=%.9g left=%.9g height=%.9g width=%.9g size=%d", p.v[0], p.v[1],
                 p.v[2], p.v[3], p.C);
        break;
    case T_SCALE:
        snprintf(buf, size, "scale=%.9g shear=1,0", p.v[0]);
        break;
    case T_SHEAR:
        snprintf(buf, size, "shear=%.9g,%.9g", p.v[0], p.v[1]);
        break;
    case T_ROTATION:
        snprintf(buf, size, "angle=%.9g", p.v[0]);
        break;
    case T_TRANSLATION:
        snprintf(buf, size, "translate=%.9g,%.9g shear=1,0", p.v[0], p.v[1]);
        break;
    case T_DEFORM:
        snprintf(buf, size, "sigma=%.0f field=%.0f alpha=1", p.v[0], p.v[1]);
        break;
    case T_BRIGHTNESS:
    case T_CONTRAST:
    case T_SATURATION:
    case T_SHARPNESS:
        snprintf(buf, size, "factor=%.9g", p.v[0]);
        break;
    case T_HUE:
        snprintf(buf, size, "hue_factor=%.9g", p.v[0]);
        break;
    case T_BLUR:
        snprintf(buf, size, "sigma=%.9g kernel=%.0f", p.v[0], p.v[1]);
        break;
    case T_POSTERIZE:
        snprintf(buf, size, "bits=%.0f", p.v[0]);
        break;
    default:
        snprintf(buf, size, "%s", k ? "applied" : "untouched");
        break;
    }
    return INV_OK;
}

int transform_param_value(int t, int k, const transform_opts *o, double *value) {
    params p;
    INV_TRY(resolve(t, k, o, &p));
    *value = p.v[0];
    return INV_OK;
}

int transform_clean(const image_u8 *in, const transform_opts *o, image_u8 *out) {
    params p;
    INV_TRY(resolve(T_HFLIP, 0, o, &p));
    image_u8 resized;
    INV_TRY(image_resize_shorter(in, p.R, &resized));
    int rc = image_center_crop(&resized, p.C, p.C, out);
    image_free(&resized);
    return rc;
}

// PIL crop with float box (Python round of each corner), then resize to C x C (bilinear).
static int resized_crop(const image_u8 *in, const params *p, image_u8 *out) {
    int x0 = (int)nearbyint(p->v[1]), y0 = (int)nearbyint(p->v[0]);
    int x1 = (int)nearbyint(p->v[1] + p->v[3]), y1 = (int)nearbyint(p->v[0] + p->v[2]);
    int cw = x1 - x0, ch = y1 - y0;
    if (cw < 1) cw = 1;
    if (ch < 1) ch = 1;
    if (x0 >= 0 && y0 >= 0 && x0 + cw <= in->w && y0 + ch <= in->h)
        return image_resize_region(in, x0, y0, cw, ch, p->C, p->C, RESAMPLE_BILINEAR, out);
    image_u8 crop;
    INV_TRY(image_crop(in, x0, y0, cw, ch, &crop));
    int rc = image_resize(&crop, p->C, p->C, RESAMPLE_BILINEAR, out);
    image_free(&crop);
    return rc;
}

static int apply_raw(int t, int k, const params *p, const transform_opts *o, image_u8 *img,
                     image_u8 *out) {
    switch (t) {
    case T_RESIZED_CROP:
        return resized_crop(img, p, out);
    case T_SCALE:
        return image_tv_affine(img, 0, 0, 0, p->v[0], 1.0, 0.0, RESAMPLE_NEAREST, out);
    case T_SHEAR:
        return image_tv_affine(img, 0, 0, 0, 1.0, p->v[0], p->v[1], RESAMPLE_NEAREST, out);
    case T_TRANSLATION:
        return image_tv_affine(img, 0, p->v[0], p->v[1], 1.0, 1.0, 0.0, RESAMPLE_NEAREST, out);
    case T_ROTATION:
        return image_rotate(img, p->v[0], RESAMPLE_NEAREST, out);
    case T_DEFORM: {
        rng_stream s;
        rng_stream_init(&s, o ? o->seed : 0, RNG_PURPOSE_TRANSFORM, 0, (uint32_t)k, 0);
        return elastic_deform(img, 1.0, p->v[0], 50.0, &s, out);
    }
    default:
        break;
    }
    // In-place ops on img, which then becomes out.
    int rc = INV_OK;
    switch (t) {
    case T_HFLIP:
        if (k) image_hflip(img);
        break;
    case T_VFLIP:
        if (k) image_vflip(img);
        break;
    case T_GRAYSCALE:
        if (k) rc = color_grayscale(img);
        break;
    case T_EQUALIZE:
        if (k) rc = color_equalize(img);
        break;
    case T_INVERT:
        if (k) rc = color_invert(img);
        break;
    case T_BRIGHTNESS:
        rc = color_brightness(img, p->v[0]);
        break;
    case T_CONTRAST:
        rc = color_contrast(img, p->v[0]);
        break;
    case T_SATURATION:
        rc = color_saturation(img, p->v[0]);
        break;
    case T_HUE:
        rc = color_hue(img, p->v[0]);
        break;
    case T_BLUR:
        rc = blur_tv_gaussian(img, (int)p->v[1], p->v[0]);
        break;
    case T_SHARPNESS:
        rc = color_sharpness(img, p->v[0]);
        break;
    case T_POSTERIZE:
        rc = color_posterize(img, (int)p->v[0]);
        break;
    default:
        rc = inv_fail(INV_EINVAL, "transform %d has no implementation", t);
        break;
    }
    if (rc == INV_OK) {
        *out = *img;
        img->data = NULL;
    }
    return rc;
}

int transform_apply(int t, int k, const image_u8 *in, const transform_opts *o, int raw,
                    image_u8 *out) {
    params p;
    INV_TRY(resolve(t, k, o, &p));
    image_u8 rgb, mid = {0, 0, 0, NULL};
    INV_TRY(imgbuf_to_rgb(in, &rgb));
    int rc = apply_raw(t, k, &p, o, &rgb, &mid);
    image_free(&rgb);
    if (rc != INV_OK) return rc;
    if (raw || t == T_RESIZED_CROP) {
        *out = mid;
        return INV_OK;
    }
    rc = transform_clean(&mid, o, out);
    image_free(&mid);
    return rc;
}

int transform_apply_by_name(const char *name, int k, const image_u8 *in, const transform_opts *o,
                            int raw, image_u8 *out) {
    int t = transform_find(name);
    if (t < 0) return INV_EINVAL;
    return transform_apply(t, k, in, o, raw, out);
}
