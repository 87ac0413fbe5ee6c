// augment.c: one augmented view: parameter draws with torchvision's get_params logic on invar's
// Philox streams, the uint8 pipeline with PIL's arithmetic (crop and resize fused, colour ops in
// place), and ToTensor + Normalize through per-channel lookup tables into the float batch.
#include "image/augment.h"

#include "core/error.h"
#include "core/rng.h"
#include "image/blur.h"
#include "image/color.h"
#include "image/imgbuf.h"
#include "image/resample.h"
#include "image/simd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// torch.empty(1).uniform_(lo, hi) in float32.
static float uniform_f(rng_stream *s, double lo, double hi) {
    float u = 1.0f - rng_uniform(s); // [0, 1)
    float a = (float)lo, b = (float)hi;
    return a + (b - a) * u;
}

// torchvision RandomResizedCrop.get_params.
static void draw_resized_crop(rng_stream *s, const aug_op *o, int width, int height,
                              aug_op_draw *d) {
    double area = (double)height * width;
    float lr0 = logf((float)o->ratio[0]), lr1 = logf((float)o->ratio[1]);
    for (int t = 0; t < 10; t++) {
        double target_area = area * (double)uniform_f(s, o->scale[0], o->scale[1]);
        double aspect = (double)expf(uniform_f(s, lr0, lr1));
        double wf = nearbyint(sqrt(target_area * aspect)),
               hf = nearbyint(sqrt(target_area / aspect));
        if (wf > 0 && wf <= width && hf > 0 && hf <= height) {
            int w = (int)wf, h = (int)hf;
            d->crop[0] = (int)rng_below(s, (uint32_t)(height - h + 1));
            d->crop[1] = (int)rng_below(s, (uint32_t)(width - w + 1));
            d->crop[2] = h, d->crop[3] = w;
            d->tries = t + 1;
            return;
        }
    }
    double in_ratio = (double)width / height;
    int w, h;
    if (in_ratio < o->ratio[0]) {
        w = width;
        h = (int)nearbyint(w / o->ratio[0]);
    } else if (in_ratio > o->ratio[1]) {
        h = height;
        w = (int)nearbyint(h * o->ratio[1]);
    } else {
        w = width, h = height;
    }
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    d->crop[0] = (height - h) / 2, d->crop[1] = (width - w) / 2;
    d->crop[2] = h, d->crop[3] = w;
    d->tries = 11;
}

int augment_draw(const aug_policy *p, int w, int h, uint64_t seed, uint32_t epoch, uint32_t index,
                 uint32_t view, aug_draw *d) {
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "augment: image size %dx%d outside 1..%d", w, h,
                        IMAGE_MAX_SIDE);
    if (!p->out_size || p->nops < 1 || p->nops > AUG_MAX_OPS)
        return inv_fail(INV_EINVAL, "augment: policy '%s' is not validated", p->name);
    memset(d, 0, sizeof *d);
    d->nops = p->nops;
    rng_stream s;
    rng_stream_init(&s, seed, RNG_PURPOSE_AUGMENT, epoch, index, view);
    for (int i = 0; i < p->nops; i++) {
        const aug_op *o = &p->ops[i];
        aug_op_draw *od = &d->op[i];
        switch (o->kind) {
        case AUG_RESIZED_CROP:
            od->fired = 1;
            draw_resized_crop(&s, o, w, h, od);
            w = h = o->size;
            break;
        case AUG_RESIZE:
            od->fired = 1;
            resize_shorter_dims(w, h, o->size, &w, &h);
            if (w < 1) w = 1;
            if (h < 1) h = 1;
            break;
        case AUG_CENTER_CROP:
            od->fired = 1;
            w = h = o->size;
            break;
        case AUG_HFLIP:
        case AUG_VFLIP:
        case AUG_GRAYSCALE:
            od->fired = rng_uniform_double(&s) < o->p;
            break;
        case AUG_COLOR_JITTER:
            od->fired = rng_uniform_double(&s) < o->p;
            if (od->fired) {
                uint32_t perm[4];
                rng_permutation(&s, perm, 4);
                for (int j = 0; j < 4; j++) od->order[j] = (int)perm[j];
                for (int j = 0; j < 4; j++)
                    od->factor[j] = o->active[j] ? uniform_f(&s, o->range[j][0], o->range[j][1])
                                                 : (j == 3 ? 0.0f : 1.0f);
            }
            break;
        case AUG_GAUSSIAN_BLUR:
            od->fired = rng_uniform_double(&s) < o->p;
            if (od->fired) od->sigma = (float)rng_uniform_range(&s, o->sigma[0], o->sigma[1]);
            break;
        default:
            return inv_fail(INV_EINVAL, "augment: unknown operation %d", (int)o->kind);
        }
    }
    return INV_OK;
}

// The working image: either the caller's input (read-only) or a buffer we own.
typedef struct {
    const image_u8 *cur;
    image_u8 own;
} work_img;

static void work_replace(work_img *w, image_u8 *next) {
    imgbuf_free(&w->own);
    w->own = *next;
    w->cur = &w->own;
}

static int work_writable(work_img *w) {
    if (w->cur == &w->own) return INV_OK;
    image_u8 copy;
    INV_TRY(imgbuf_copy(w->cur, &copy));
    work_replace(w, &copy);
    return INV_OK;
}

static int apply_jitter(image_u8 *img, const aug_op *o, const aug_op_draw *d) {
    for (int j = 0; j < 4; j++) {
        int fn = d->order[j];
        if (!o->active[fn]) continue;
        double f = d->factor[fn];
        switch (fn) {
        case 0:
            INV_TRY(color_brightness(img, f));
            break;
        case 1:
            INV_TRY(color_contrast(img, f));
            break;
        case 2:
            INV_TRY(color_saturation(img, f));
            break;
        default:
            INV_TRY(color_hue(img, f));
            break;
        }
    }
    return INV_OK;
}

int augment_apply_u8(const aug_policy *p, const aug_draw *d, const image_u8 *in, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "augment input"));
    if (d->nops != p->nops)
        return inv_fail(INV_EINVAL, "augment: draws for %d ops, policy has %d", d->nops, p->nops);
    work_img w = {in, {0, 0, 0, NULL}};
    int rc = INV_OK;
    if (in->c != 3) {
        image_u8 rgb;
        INV_TRY(imgbuf_to_rgb(in, &rgb));
        work_replace(&w, &rgb);
    }
    for (int i = 0; i < p->nops && rc == INV_OK; i++) {
        const aug_op *o = &p->ops[i];
        const aug_op_draw *od = &d->op[i];
        if (!od->fired) continue;
        image_u8 next;
        switch (o->kind) {
        case AUG_RESIZED_CROP:
            rc = image_resize_region(w.cur, od->crop[1], od->crop[0], od->crop[3], od->crop[2],
                                     o->size, o->size, o->filter, &next);
            if (!rc) work_replace(&w, &next);
            break;
        case AUG_RESIZE: {
            int nw, nh;
            resize_shorter_dims(w.cur->w, w.cur->h, o->size, &nw, &nh);
            if (nw < 1) nw = 1;
            if (nh < 1) nh = 1;
            if (nw == w.cur->w && nh == w.cur->h) break;
            rc = image_resize(w.cur, nw, nh, o->filter, &next);
            if (!rc) work_replace(&w, &next);
            break;
        }
        case AUG_CENTER_CROP:
            rc = image_center_crop(w.cur, o->size, o->size, &next);
            if (!rc) work_replace(&w, &next);
            break;
        case AUG_HFLIP:
        case AUG_VFLIP:
            rc = work_writable(&w);
            if (!rc) (o->kind == AUG_HFLIP ? image_hflip : image_vflip)(&w.own);
            break;
        case AUG_COLOR_JITTER:
            rc = work_writable(&w);
            if (!rc) rc = apply_jitter(&w.own, o, od);
            break;
        case AUG_GRAYSCALE:
            rc = work_writable(&w);
            if (!rc) rc = color_grayscale(&w.own);
            break;
        case AUG_GAUSSIAN_BLUR:
            rc = work_writable(&w);
            if (!rc) rc = blur_pil_gaussian(&w.own, od->sigma);
            break;
        default:
            rc = inv_fail(INV_EINVAL, "augment: unknown operation %d", (int)o->kind);
        }
    }
    if (rc == INV_OK && (w.cur->w != p->out_size || w.cur->h != p->out_size))
        rc = inv_fail(INV_EINVAL, "augment: policy '%s' produced %dx%d, expected %dx%d", p->name,
                      w.cur->w, w.cur->h, p->out_size, p->out_size);
    if (rc == INV_OK) rc = work_writable(&w);
    if (rc != INV_OK) {
        imgbuf_free(&w.own);
        return rc;
    }
    *out = w.own;
    return INV_OK;
}

INV_HOT void augment_to_tensor(const image_u8 *img, const float mean[3], const float std[3],
                               float *out) {
    float lut[3][256];
    for (int c = 0; c < 3; c++)
        for (int v = 0; v < 256; v++) lut[c][v] = ((float)v / 255.0f - mean[c]) / std[c];
    const size_t np = (size_t)img->w * img->h;
    const uint8_t *s = img->data;
    float *r = out, *g = out + np, *b = out + 2 * np;
    for (size_t i = 0; i < np; i++) {
        r[i] = lut[0][s[3 * i]];
        g[i] = lut[1][s[3 * i + 1]];
        b[i] = lut[2][s[3 * i + 2]];
    }
}

int augment_view(const aug_policy *p, const image_u8 *in, uint64_t seed, uint32_t epoch,
                 uint32_t index, uint32_t view, float *out) {
    INV_TRY(imgbuf_check(in, "augment input"));
    aug_draw d;
    INV_TRY(augment_draw(p, in->w, in->h, seed, epoch, index, view, &d));
    image_u8 v;
    INV_TRY(augment_apply_u8(p, &d, in, &v));
    augment_to_tensor(&v, p->mean, p->std, out);
    imgbuf_free(&v);
    return INV_OK;
}

int augment_two_crops(const aug_policy *p, const image_u8 *in, uint64_t seed, uint32_t epoch,
                      uint32_t index, float *q, float *k) {
    INV_TRY(augment_view(p, in, seed, epoch, index, 0, q));
    return augment_view(p, in, seed, epoch, index, 1, k);
}

int augment_batch(const aug_policy *p, const image_u8 *imgs, int n, uint64_t seed, uint32_t epoch,
                  const uint32_t *indices, uint32_t view, float *out) {
    const size_t per = (size_t)3 * p->out_size * p->out_size;
    int first_bad = n, bad_rc = INV_OK;
    char msg[512] = "";
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < n; i++) {
        int rc = augment_view(p, &imgs[i], seed, epoch, indices ? indices[i] : (uint32_t)i, view,
                              out + (size_t)i * per);
        if (rc != INV_OK) {
#pragma omp critical(augment_batch_error)
            if (i < first_bad) {
                first_bad = i;
                bad_rc = rc;
                snprintf(msg, sizeof msg, "%s", inv_errmsg());
            }
        }
    }
    if (bad_rc != INV_OK) return inv_fail(bad_rc, "augment: image %d: %s", first_bad, msg);
    return INV_OK;
}
