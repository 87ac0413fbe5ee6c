// transforms.h: the eighteen test-time transforms of the paper (Appendix B) with the official
// code's parameter grids. Each is applied to the image at its original resolution, then
// Resize(resize) + CenterCrop(crop) (256/224 by default; pass smaller values for small images:
// pixel-valued grids scale with resize), except resized_crop, which outputs crop x crop directly.
// Names are the column names of paper/table2_synthetic.csv; index K counts through the grid in
// the official order (one-image transforms: 0 = untouched, 1 = transformed; posterize: 0 = 1 bit).
#ifndef INVAR_IMAGE_TRANSFORMS_H
#define INVAR_IMAGE_TRANSFORMS_H

#include "io/image.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int resize;    // shorter side before the centre crop (0 = 256)
    int crop;      // centre crop / resized-crop output size (0 = 224)
    uint64_t seed; // deform's random fields
} transform_opts;

typedef struct {
    const char *name;   // "resized_crop", "hflip", ... "invert"
    int grid;           // number of parameter values
    const char *family; // "spatial" or "appearance"
    const char *what;   // one line: the operation and its grid
} transform_info;

enum { TRANSFORM_COUNT = 18 };

const transform_info *transform_info_at(int t); // t in 0..TRANSFORM_COUNT-1
int transform_find(const char *name);           // index, or -1 with an error message set
// A description of parameter k ("angle=1.40625"), for listings and result files.
int transform_param_text(int t, int k, const transform_opts *o, char *buf, size_t size);
// The first number of that description (angle, factor, sigma, the x of a pair, top of a crop;
// 0/1 for the one-image transforms, bits for posterize).
int transform_param_value(int t, int k, const transform_opts *o, double *value);
// out (allocated) = transform t with parameter k applied to in (1, 3 or 4 channels; RGB out);
// raw = 1: before the final Resize + CenterCrop.
int transform_apply(int t, int k, const image_u8 *in, const transform_opts *o, int raw,
                    image_u8 *out);
int transform_apply_by_name(const char *name, int k, const image_u8 *in, const transform_opts *o,
                            int raw, image_u8 *out);
// The clean reference: Resize(resize) + CenterCrop(crop) of the untouched image.
int transform_clean(const image_u8 *in, const transform_opts *o, image_u8 *out);

#endif
