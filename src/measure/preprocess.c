// preprocess.c: the feature-extraction input pipeline: torchvision's Resize(R) + CenterCrop(C)
// on PIL images (the shorter side becomes R, the longer int(R * long / short); PIL bilinear with
// antialiasing), then ToTensor + Normalize(ImageNet mean/std), HWC uint8 -> CHW float.
#include "preprocess.h"

#include "core/error.h"
#include "image/resample.h"
#include "io/image.h"

static const float MEAN[3] = {0.485f, 0.456f, 0.406f}, STD[3] = {0.229f, 0.224f, 0.225f};

int preprocess_plan_init(preprocess_plan *p, int h, int w, int c, int resize, int crop) {
    if (c != 1 && c != 3)
        return inv_fail(INV_EINVAL, "images with %d channels: only 1 (grayscale) or 3 (RGB)", c);
    if (resize < 0 || crop < 0) return inv_fail(INV_EINVAL, "--resize and --crop must be >= 0");
    *p = (preprocess_plan){.h = h, .w = w, .c = c, .resize = resize, .crop = crop};
    p->rh = h, p->rw = w;
    if (resize) {
        if (h <= w)
            p->rh = resize, p->rw = (int)((double)resize * w / h);
        else
            p->rw = resize, p->rh = (int)((double)resize * h / w);
    }
    p->out_h = p->rh, p->out_w = p->rw;
    if (crop) {
        if (crop > p->rh || crop > p->rw)
            return inv_fail(INV_EINVAL, "--crop %d is larger than the %dx%d image%s", crop, p->rh,
                            p->rw, resize ? " after resizing" : "");
        p->out_h = p->out_w = crop;
    }
    return INV_OK;
}

// Resize(R) + CenterCrop(C) of one uint8 image with torchvision's PIL semantics
// (image/resample.h: PIL's antialiased bilinear resampling of uint8 pixels), as the paper's
// evaluation code applies them to PIL images before ToTensor.
static int resize_crop(const preprocess_plan *p, const uint8_t *img, image_u8 *out) {
    image_u8 src = {.w = p->w, .h = p->h, .c = p->c, .data = (uint8_t *)img}, tmp;
    image_u8 cur = src;
    int owned = 0;
    if (p->resize) {
        INV_TRY(image_resize_shorter(&cur, p->resize, &tmp));
        cur = tmp;
        owned = 1;
    }
    if (p->crop) {
        int rc = image_center_crop(&cur, p->crop, p->crop, &tmp);
        if (owned) image_free(&cur);
        if (rc) return rc;
        cur = tmp;
        owned = 1;
    }
    if (!owned) return inv_fail(INV_EINVAL, "resize_crop: nothing to do");
    *out = cur;
    return INV_OK;
}

int preprocess_batch(const preprocess_plan *p, const uint8_t *images, int n, float *x) {
    int64_t plane = (int64_t)p->out_h * p->out_w;
    int failed = 0;
#pragma omp parallel for schedule(static) reduction(| : failed)
    for (int i = 0; i < n; i++) {
        const uint8_t *img = images + (int64_t)i * p->h * p->w * p->c;
        int c = p->c;
        image_u8 rc_img = {0};
        if (p->resize || p->crop) {
            if (resize_crop(p, img, &rc_img) != INV_OK) {
                failed = 1;
                continue;
            }
            img = rc_img.data;
        }
        float *xi = x + (int64_t)i * 3 * plane;
        for (int64_t q = 0; q < plane; q++)
            for (int ch = 0; ch < 3; ch++) {
                float v = (float)img[q * c + (c == 1 ? 0 : ch)] / 255.0f;
                xi[ch * plane + q] = (v - MEAN[ch]) / STD[ch];
            }
        if (rc_img.data) image_free(&rc_img);
    }
    return failed ? inv_fail(INV_ENOMEM, "preprocessing: out of memory resizing a batch") : INV_OK;
}
