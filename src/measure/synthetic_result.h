// synthetic_result.h: the results of a synthetic sweep: per (transform, grid point, image)
// similarity, distance and alignment, the means of either protocol, and the NetCDF file:
//   dimensions transform, param, image
//   similarity, distance, alignment (transform, param, image) double, NaN past a grid
//   param_value (transform, param) double; param_index, valid (transform, param) int;
//   param_text (transform, param) string; transform_name (transform) string
//   image_similarity, image_distance, image_alignment (transform, image): each image's mean over
//   the grid points the protocol's means use (what `compare` tests)
//   mean_similarity, mean_distance, mean_alignment (transform); image_index (image) int64
//   (a checkpoint series: a leading model dimension, epoch(model), model_path(model))
//   attributes invar_kind = "invariance_synthetic" ("_series"), model, arch, data, stats, protocol,
//   grid, whitening, resize, crop.
#ifndef INVAR_MEASURE_SYNTHETIC_RESULT_H
#define INVAR_MEASURE_SYNTHETIC_RESULT_H

#include "image/transforms.h"

#include <stdint.h>
#include <stdio.h>

typedef struct {
    int nt, P;                // transforms, grid slots (the longest chosen grid)
    int64_t n;                // images
    int t[TRANSFORM_COUNT];   // transform index of each slot
    int np[TRANSFORM_COUNT];  // chosen grid points of each
    int *k;                   // (nt, P): grid index of each slot, -1 past the grid
    double *sim, *dist, *aln; // (nt, P, n)
} synth_result;

typedef struct {
    const char *model, *arch, *data, *stats, *protocol, *grid, *whitening;
    int resize, crop, official;
    const int64_t *image_index; // (n) shard rows
} synth_meta;

int synth_result_init(synth_result *r, int nt, const int *t, const int *np, int P, int64_t n);
void synth_result_free(synth_result *r);
// Means (paper: over every valid (point, image), two-image transforms over point 1 only;
// official: nanmean over images per point, then the mean over points) and the file.
// r: one result (nm = 0: no model dimension), or nm results of a checkpoint series (a leading
// model dimension on the per-model variables, epoch(model), model_path(model)); they share the
// plan (transforms, points, images). summary (may be NULL) receives a table of the means.
int synth_result_write(const synth_result *r, int nm, const char *const *models,
                       const int64_t *epochs, const char *path, const synth_meta *m,
                       const transform_opts *o, FILE *summary);

#endif
