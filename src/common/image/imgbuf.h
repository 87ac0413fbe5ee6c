// imgbuf.h: pixel buffers for the image operations: allocation of image_u8 buffers owned by
// this layer, validation of shapes and channel counts, and conversion of 1/3/4-channel inputs to
// RGB (grey replicated, alpha dropped, as PIL's convert("RGB")).
#ifndef INVAR_IMAGE_IMGBUF_H
#define INVAR_IMAGE_IMGBUF_H

#include "io/image.h"

// Allocates w x h x c zeroed bytes (w, h >= 1; c in 1..4). Free with imgbuf_free.
int imgbuf_alloc(image_u8 *img, int w, int h, int c);
void imgbuf_free(image_u8 *img);
// Checks that img has data, 1 <= w, h <= IMAGE_MAX_SIDE and c in {1, 3, 4}; `what` names it.
int imgbuf_check(const image_u8 *img, const char *what);
// out = in as 3-channel RGB (new buffer).
int imgbuf_to_rgb(const image_u8 *in, image_u8 *out);
// out = a copy of in (new buffer).
int imgbuf_copy(const image_u8 *in, image_u8 *out);

#endif
