// imgbuf.h: pixel-buffer helpers for the image operations: validation of shapes and channel
// counts, copies, and conversion of 1/3/4-channel inputs to RGB (grey replicated, alpha dropped,
// as PIL's convert("RGB")). Buffers are allocated and freed with io/image.h's image_alloc/free.
#ifndef INVAR_IMAGE_IMGBUF_H
#define INVAR_IMAGE_IMGBUF_H

#include "io/image.h"

// Checks that img has data, 1 <= w, h <= IMAGE_MAX_SIDE and c in {1, 3, 4}; `what` names it.
int imgbuf_check(const image_u8 *img, const char *what);
// out = in as 3-channel RGB (new buffer).
int imgbuf_to_rgb(const image_u8 *in, image_u8 *out);
// out = a copy of in (new buffer).
int imgbuf_copy(const image_u8 *in, image_u8 *out);

#endif
