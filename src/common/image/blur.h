// blur.h: Gaussian blurs. PIL's ImageFilter.GaussianBlur(radius) (three extended box blurs,
// as MoCo-v2's loader uses it with radius = sigma) and torchvision 0.14's
// F.gaussian_blur(img, kernel_size, sigma) (sampled Gaussian, reflect padding, float, rounded).
#ifndef INVAR_IMAGE_BLUR_H
#define INVAR_IMAGE_BLUR_H

#include "io/image.h"

// In place; radius finite and >= 0 (0 leaves the image unchanged). c = 1, 3 or 4.
int blur_pil_gaussian(image_u8 *img, double radius);
// In place; kernel_size odd >= 1, sigma finite and > 0. Where the image is smaller than the
// kernel's half width (torch's reflect padding would refuse), the reflection is repeated.
int blur_tv_gaussian(image_u8 *img, int kernel_size, double sigma);

#endif
