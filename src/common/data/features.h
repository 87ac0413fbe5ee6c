// features.h: feature files, NetCDF feature(n, d) float32, row i = image i of the shard named
// by the `source` attribute, with the model, checkpoint and dataset as attributes.
// On disk (NetCDF-4): dimensions n (UNLIMITED), d; variable feature(n, d) float, chunked by
// rows, uncompressed; text attributes invar_kind = "features", invar_version, source, model,
// arch (each written when non-NULL) and the optional extra one.
#ifndef INVAR_DATA_FEATURES_H
#define INVAR_DATA_FEATURES_H

#include <stdint.h>

#include "io/ncio.h"

typedef struct {
    const char *source;     // the shard the rows come from
    const char *model;      // checkpoint path or "random"
    const char *arch;       // "resnet50" ...
    const char *extra_name; // optional extra attribute (NULL for none)
    const char *extra_value;
} features_info;

// Writes a whole (n, d) matrix atomically.
int features_write(const char *path, const float *x, int64_t n, int64_t d,
                   const features_info *info);
// Reads a whole feature file (malloc'd *x, n x d), validating shape and that every value is
// finite (NaN/Inf is an error naming the row and column). source_buf receives the source
// attribute ("" when absent).
int features_read(const char *path, float **x, int64_t *n, int64_t *d, char *source_buf,
                  size_t source_size);

// Streaming writer (invar-measure writes features batch by batch): create, append rows at the
// end, then commit (atomic rename) or abort (no file left). Appended rows must be finite.
typedef struct {
    nc_out out;
    int varid;
    int64_t n, d; // rows written so far; columns
} features_writer;

int features_writer_create(features_writer *w, const char *path, int64_t d,
                           const features_info *info);
// rows: (count, d) float32.
int features_writer_append(features_writer *w, const float *rows, int64_t count);
int features_writer_commit(features_writer *w);
void features_writer_abort(features_writer *w);

#endif
