// elastic.h: elastic deformation as albumentations' ElasticTransform(alpha, sigma,
// alpha_affine, approximate=True) (the version the paper's code used): a random affine warp of
// three control points, then a displacement field of uniform noise smoothed by a 17x17 Gaussian,
// both sampled bilinearly with reflect-101 borders. The random numbers come from invar's Philox
// stream, so the fields are not bit-identical to albumentations' numpy ones.
#ifndef INVAR_IMAGE_ELASTIC_H
#define INVAR_IMAGE_ELASTIC_H

#include "core/rng.h"
#include "io/image.h"

// out (allocated, same size and channels as in) = the deformed image. alpha >= 0, sigma > 0,
// alpha_affine >= 0. Draws from `s`: 6 affine offsets, then 2 * w * h field values.
int elastic_deform(const image_u8 *in, double alpha, double sigma, double alpha_affine,
                   rng_stream *s, image_u8 *out);

#endif
