// resample.h: geometry on uint8 HWC images with PIL semantics, as torchvision 0.14 applies it to
// PIL images: antialiased bilinear/bicubic resize (PIL ImagingResample, 22-bit fixed point),
// crop with zero fill, Resize(shorter side) and CenterCrop, flips, PIL affine transforms
// (nearest: 16.16 fixed point; bilinear: generic transform) and PIL's rotate.
#ifndef INVAR_IMAGE_RESAMPLE_H
#define INVAR_IMAGE_RESAMPLE_H

#include "io/image.h"

typedef enum { RESAMPLE_NEAREST = 0, RESAMPLE_BILINEAR = 2, RESAMPLE_BICUBIC = 3 } resample_filter;

// PIL img.crop((x0, y0, x0 + cw, y0 + ch)).resize((out_w, out_h), filter) without the copy; the
// rectangle must lie inside `in`. filter: bilinear or bicubic. out is allocated.
int image_resize_region(const image_u8 *in, int x0, int y0, int cw, int ch, int out_w, int out_h,
                        resample_filter filter, image_u8 *out);
// Same, writing into caller memory out (out_h x out_w x in->c bytes).
int image_resize_region_into(const image_u8 *in, int x0, int y0, int cw, int ch, int out_w,
                             int out_h, resample_filter filter, uint8_t *out);
int image_resize(const image_u8 *in, int out_w, int out_h, resample_filter filter, image_u8 *out);
// PIL img.crop((left, top, left + w, top + h)): parts outside the image are zero.
int image_crop(const image_u8 *in, int left, int top, int w, int h, image_u8 *out);
// torchvision's Resize(size) output size for an int size (shorter side = size).
void resize_shorter_dims(int w, int h, int size, int *out_w, int *out_h);
// torchvision F.resize(img, size) (shorter side, bilinear): out allocated (a copy if unchanged).
int image_resize_shorter(const image_u8 *in, int size, image_u8 *out);
// torchvision F.center_crop(img, [ch, cw]) including its zero padding of small images.
int image_center_crop(const image_u8 *in, int cw, int ch, image_u8 *out);
// In-place flips.
void image_hflip(image_u8 *img);
void image_vflip(image_u8 *img);
// PIL img.transform(img.size, AFFINE, m, filter, fillcolor=0): output pixel (x, y) samples the
// input at (m0 x + m1 y + m2, m3 x + m4 y + m5) (pixel centres at +0.5). filter: nearest or
// bilinear. out is allocated with in's size.
int image_affine_pil(const image_u8 *in, const double m[6], resample_filter filter, image_u8 *out);
// torchvision's _get_inverse_affine_matrix (angles in degrees).
void tv_inverse_affine_matrix(double cx, double cy, double angle, double tx, double ty,
                              double scale, double shear_x, double shear_y, double m[6]);
// torchvision F.affine(img, angle, [tx, ty], scale, [shear_x, shear_y], filter) on a PIL image
// (centre = size / 2, fill 0). scale must be > 0.
int image_tv_affine(const image_u8 *in, double angle, double tx, double ty, double scale,
                    double shear_x, double shear_y, resample_filter filter, image_u8 *out);
// torchvision F.rotate(img, angle, filter) = PIL img.rotate(angle, filter, fillcolor=0),
// counter-clockwise in degrees, including PIL's fast paths for 0/90/180/270.
int image_rotate(const image_u8 *in, double angle, resample_filter filter, image_u8 *out);

#endif
