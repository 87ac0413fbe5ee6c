// color.h: colour operations on uint8 RGB (or single-channel) images with PIL's arithmetic, as
// torchvision 0.14's F.adjust_* / F.rgb_to_grayscale / F.equalize / F.posterize / F.invert do
// on PIL images (ImageEnhance blends, "L" conversion, HSV round trip, ImageOps lookup tables).
// All operate in place on img (c = 1 or 3; hue and saturation need 3 channels, grey is a no-op).
#ifndef INVAR_IMAGE_COLOR_H
#define INVAR_IMAGE_COLOR_H

#include "io/image.h"

// PIL "L" luma of one RGB pixel: (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
static inline uint8_t color_luma(const uint8_t *rgb) {
    return (uint8_t)((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

// Factors must be finite and >= 0 (hue in [-0.5, 0.5], bits in 0..8); otherwise INV_EINVAL.
int color_brightness(image_u8 *img, double factor);
int color_contrast(image_u8 *img, double factor);
int color_saturation(image_u8 *img, double factor);
int color_hue(image_u8 *img, double hue_factor);
int color_sharpness(image_u8 *img, double factor);
// torchvision rgb_to_grayscale(num_output_channels = 3): L replicated in the 3 channels.
int color_grayscale(image_u8 *img);
int color_equalize(image_u8 *img);
int color_posterize(image_u8 *img, int bits);
int color_invert(image_u8 *img);

#endif
