// augment.h: drawing and applying an augmentation policy to one image, torchvision 0.14 / PIL
// semantics: RandomResizedCrop with its ten tries and central fallback, flips, ColorJitter with
// its four ops in a random order, RandomGrayscale, PIL GaussianBlur, RandomApply; then ToTensor +
// Normalize written straight into float (3, S, S) memory. Every draw is keyed by (seed, epoch,
// image index, view) (RNG_PURPOSE_AUGMENT), so views do not depend on ranks or threads.
#ifndef INVAR_IMAGE_AUGMENT_H
#define INVAR_IMAGE_AUGMENT_H

#include "image/policy.h"
#include "io/image.h"

#include <stdint.h>

// What one op drew for one view.
typedef struct {
    int fired;       // 1 if the op was applied
    int crop[4];     // resized_crop: top, left, height, width in the op's input
    int tries;       // resized_crop: tries used (1..10), 11 = central fallback
    int order[4];    // color_jitter: op order (0 brightness, 1 contrast, 2 saturation, 3 hue)
    float factor[4]; // color_jitter: brightness, contrast, saturation factors, hue shift
    float sigma;     // gaussian_blur: PIL radius
} aug_op_draw;

typedef struct {
    int nops;
    aug_op_draw op[AUG_MAX_OPS];
} aug_draw;

// Draws every parameter of one view of a w x h image.
int augment_draw(const aug_policy *p, int w, int h, uint64_t seed, uint32_t epoch, uint32_t index,
                 uint32_t view, aug_draw *d);
// Applies drawn parameters to `in` (1, 3 or 4 channels; converted to RGB): the uint8 RGB view
// (out_size x out_size) before ToTensor, allocated into out.
int augment_apply_u8(const aug_policy *p, const aug_draw *d, const image_u8 *in, image_u8 *out);
// ToTensor + Normalize: out (3, h, w) float = (v / 255 - mean[c]) / std[c] (float32 as torch).
void augment_to_tensor(const image_u8 *img, const float mean[3], const float std[3], float *out);
// One view: out (3, S, S) with S = p->out_size.
int augment_view(const aug_policy *p, const image_u8 *in, uint64_t seed, uint32_t epoch,
                 uint32_t index, uint32_t view, float *out);
// MoCo's TwoCropsTransform: views 0 (query) and 1 (key), each (3, S, S).
int augment_two_crops(const aug_policy *p, const image_u8 *in, uint64_t seed, uint32_t epoch,
                      uint32_t index, float *q, float *k);
// A batch: out (n, 3, S, S), image i drawn with index indices[i] and the given view; OpenMP
// threads over images. Returns the first error (by image order).
int augment_batch(const aug_policy *p, const image_u8 *imgs, int n, uint64_t seed, uint32_t epoch,
                  const uint32_t *indices, uint32_t view, float *out);

#endif
