// world_render.h: the embedded world's renderer: a perspective camera and a z-buffer
// rasteriser of triangle meshes at ss x ss samples per pixel, deferred Phong shading (ambient,
// white key light, coloured spotlight with a cone), box-filtered down to the output pixels.
// Deterministic: one image is one thread's work, with a fixed order of every sum.
#ifndef INVAR_DATA_WORLD_RENDER_H
#define INVAR_DATA_WORLD_RENDER_H

#include <stdint.h>

#include "data/world_mesh.h"
#include "data/world_scene.h"

enum { WORLD_MIN_SIZE = 32, WORLD_MAX_SIZE = 224 };

// Samples per pixel side used for a square image of `size` pixels (4, 3 or 2).
int world_supersampling(int size);

// Renders the object `mesh` in scene `sc` into a size x size image.
// rgb: (size, size, 3) linear radiance (exposure applied, not clipped), row 0 at the top.
// coverage: (size, size) fraction of the pixel's samples on the object, or NULL.
// depth: (size, size) nearest object depth along the view axis (units; INFINITY where the
// pixel shows no object), or NULL. Returns an inv_code (size range, memory).
int world_render(const world_mesh *mesh, const world_scene *sc, int size, int ss, float *rgb,
                 float *coverage, float *depth);

// Clips linear values to [0, 1] and encodes them as 8-bit sRGB, rounded to nearest.
void world_encode_srgb(const float *lin, int64_t n, uint8_t *out);

// Projects a world point: (px, py) in pixels from the top-left corner of a size x size image
// (pixel (i, j) covers [i, i+1) x [j, j+1)), depth along the view axis. Returns 1 when the
// point is in front of the camera, 0 otherwise.
int world_project(const world_scene *sc, int size, const float p[3], float *px, float *py,
                  float *depth);
// Object point (object coordinates) to world coordinates.
void world_object_to_world(const world_scene *sc, const float p_obj[3], float p_world[3]);

#endif
