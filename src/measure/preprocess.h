// preprocess.h: images of a shard to network input: optional resize of the shorter side and
// centre crop (torchvision Resize + CenterCrop on PIL images), pixels / 255, ImageNet mean/std
// normalisation, HWC uint8 -> CHW float.
#ifndef INVAR_MEASURE_PREPROCESS_H
#define INVAR_MEASURE_PREPROCESS_H

#include <stdint.h>

typedef struct {
    int h, w, c;      // source images (c = 1 or 3)
    int resize;       // shorter side after resizing (0: none)
    int crop;         // centre crop side (0: none)
    int rh, rw;       // after resizing
    int out_h, out_w; // network input
} preprocess_plan;

// Validates and fills the output sizes; INV_EINVAL naming the problem (crop too large ...).
int preprocess_plan_init(preprocess_plan *p, int h, int w, int c, int resize, int crop);
// images (n, h, w, c) uint8 -> x (n, 3, out_h, out_w) float32 (grayscale is repeated).
// Returns an inv_code (INV_ENOMEM when a resize buffer cannot be had).
int preprocess_batch(const preprocess_plan *p, const uint8_t *images, int n, float *x);

#endif
