// imgbuf.c: pixel buffers for the image operations: allocation, validation and RGB conversion
// of image_u8 (HWC uint8) buffers used by resample, colour, blur, augment and transforms.
#include "image/imgbuf.h"

#include "core/error.h"

#include <stdlib.h>
#include <string.h>

int imgbuf_alloc(image_u8 *img, int w, int h, int c) {
    img->data = NULL;
    img->w = img->h = img->c = 0;
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "image size %dx%d outside 1..%d", w, h, IMAGE_MAX_SIDE);
    if (c < 1 || c > 4) return inv_fail(INV_EINVAL, "image channels %d outside 1..4", c);
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    img->data = calloc(n, 1);
    INV_CHECK_ALLOC(img->data, n, "image buffer");
    img->w = w;
    img->h = h;
    img->c = c;
    return INV_OK;
}

void imgbuf_free(image_u8 *img) {
    if (!img) return;
    free(img->data);
    img->data = NULL;
    img->w = img->h = img->c = 0;
}

int imgbuf_check(const image_u8 *img, const char *what) {
    if (!img || !img->data) return inv_fail(INV_EINVAL, "%s: no image data", what);
    if (img->w < 1 || img->h < 1 || img->w > IMAGE_MAX_SIDE || img->h > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "%s: image size %dx%d outside 1..%d", what, img->w, img->h,
                        IMAGE_MAX_SIDE);
    if (img->c != 1 && img->c != 3 && img->c != 4)
        return inv_fail(INV_EINVAL, "%s: %d channels (1, 3 or 4 expected)", what, img->c);
    return INV_OK;
}

int imgbuf_to_rgb(const image_u8 *in, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "input image"));
    INV_TRY(imgbuf_alloc(out, in->w, in->h, 3));
    size_t n = (size_t)in->w * in->h;
    const uint8_t *s = in->data;
    uint8_t *d = out->data;
    if (in->c == 3) {
        memcpy(d, s, n * 3);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (in->c == 1) {
                d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = s[i];
            } else {
                d[3 * i] = s[4 * i];
                d[3 * i + 1] = s[4 * i + 1];
                d[3 * i + 2] = s[4 * i + 2];
            }
        }
    }
    return INV_OK;
}

int imgbuf_copy(const image_u8 *in, image_u8 *out) {
    INV_TRY(imgbuf_check(in, "input image"));
    INV_TRY(imgbuf_alloc(out, in->w, in->h, in->c));
    memcpy(out->data, in->data, (size_t)in->w * in->h * in->c);
    return INV_OK;
}
