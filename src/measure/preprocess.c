// preprocess.c: the feature-extraction input pipeline. Resizing follows torchvision's
// Resize(R) on tensors (antialias off): the shorter side becomes R, the longer
// int(R * long / short), bilinear with half-pixel centres (align_corners=False); CenterCrop(C)
// takes the top-left corner at round((size - C) / 2).
#include "preprocess.h"

#include "core/error.h"

#include <math.h>

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

// One source coordinate of bilinear sampling: lower index, upper index, weight of the upper.
static void src_coord(int o, int in, int out, int *i0, int *i1, float *t) {
    float s = ((float)o + 0.5f) * ((float)in / (float)out) - 0.5f;
    if (s < 0) s = 0;
    int a = (int)s;
    if (a > in - 1) a = in - 1;
    *i0 = a;
    *i1 = a + 1 < in ? a + 1 : in - 1;
    *t = s - (float)a;
}

void preprocess_batch(const preprocess_plan *p, const uint8_t *images, int n, float *x) {
    int top = (int)lround((p->rh - p->out_h) / 2.0), left = (int)lround((p->rw - p->out_w) / 2.0);
    int64_t plane = (int64_t)p->out_h * p->out_w;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const uint8_t *img = images + (int64_t)i * p->h * p->w * p->c;
        float *xi = x + (int64_t)i * 3 * plane;
        for (int oy = 0; oy < p->out_h; oy++) {
            int y0 = oy + top, y1 = y0;
            float ty = 0;
            if (p->resize) src_coord(oy + top, p->h, p->rh, &y0, &y1, &ty);
            for (int ox = 0; ox < p->out_w; ox++) {
                int x0 = ox + left, x1 = x0;
                float tx = 0;
                if (p->resize) src_coord(ox + left, p->w, p->rw, &x0, &x1, &tx);
                for (int ch = 0; ch < 3; ch++) {
                    int sc = p->c == 1 ? 0 : ch;
#define PX(yy, xx) ((float)img[((int64_t)(yy)*p->w + (xx)) * p->c + sc] / 255.0f)
                    float v;
                    if (p->resize) {
                        float top_v = PX(y0, x0) * (1 - tx) + PX(y0, x1) * tx;
                        float bot_v = PX(y1, x0) * (1 - tx) + PX(y1, x1) * tx;
                        v = top_v * (1 - ty) + bot_v * ty;
                    } else {
                        v = PX(y0, x0);
                    }
#undef PX
                    xi[ch * plane + (int64_t)oy * p->out_w + ox] = (v - MEAN[ch]) / STD[ch];
                }
            }
        }
    }
}
