// shard.h: image shards, the NetCDF-4 files all image data lives in (DESIGN.md, Data model):
// image(n, h, w, c) uint8 chunked per image with zlib, and optional label(n) int32,
// target(n, k) float32, group(n) int32, latent(n, 10) float32, plus global text attributes.
// Create + append in chunks + commit (atomic rename); open + read any index range, validated.
// Any number of ranks may open the same shard read-only at once; within one process, call
// NetCDF (so shard_*) from one thread at a time (see io/ncio.h).
//
// On disk (NetCDF-4, written by shard_create/append/commit):
//   dimensions  n (UNLIMITED), h, w, c, target_dim (= k, only with target), latent_dim (only
//               with latent)
//   variables   image(n, h, w, c) ubyte, chunks (1, h, w, c), zlib level 1, no shuffle
//               label(n) int, target(n, target_dim) float, group(n) int, latent(n, latent_dim)
//               float (each optional)
//   attributes  invar_kind = "shard", invar_version = INVAR_VERSION, plus shard_set_attr's.
// The reader accepts any name for the second dimension of target and latent, requires the
// others as above, and rejects NaN/Inf or unwritten (fill-value) rows when they are read.
#ifndef INVAR_DATA_SHARD_H
#define INVAR_DATA_SHARD_H

#include <stddef.h>
#include <stdint.h>

#include "io/ncio.h"

typedef struct {
    int64_t h, w, c;  // image size (c = 3 for RGB, 1 for grayscale)
    int with_label;   // label(n) int32
    int64_t target_k; // target(n, k) float32 when > 0
    int with_group;   // group(n) int32
    int64_t latent_k; // latent(n, k) float32 when > 0 (10 for the world)
} shard_spec;

typedef struct {
    char path[4096];
    int ncid;
    int writing; // 1 while created and not yet committed
    nc_out out;  // writer state
    int64_t n;   // number of examples
    shard_spec spec;
    int v_image, v_label, v_target, v_group, v_latent; // -1 when absent
} shard;

// Starts writing PATH.tmp.PID (h, w in 1..65535, c in {1, 3, 4}; INV_EINVAL otherwise).
int shard_create(shard *s, const char *path, const shard_spec *spec);
// Appends `count` examples; arrays for absent variables must be NULL, present ones non-NULL.
// images: (count, h, w, c) uint8; labels: (count); targets: (count, k); groups: (count);
// latents: (count, latent_k).
int shard_append(shard *s, int64_t count, const uint8_t *images, const int32_t *labels,
                 const float *targets, const int32_t *groups, const float *latents);
// Global text attribute (dataset, source, seed ...) while writing; invar_kind and invar_version
// are reserved.
int shard_set_attr(shard *s, const char *name, const char *value);
// Closes and renames the temporary file to the final name (which it replaces).
int shard_commit(shard *s);
// Closes and removes the temporary file; nothing appears under the final name.
void shard_abort(shard *s);

// Opens and validates (variables, types, dimensions, sizes) a shard for reading; fills s->n and
// s->spec (which optional variables exist, target_k, latent_k). On failure s is closed.
int shard_open(shard *s, const char *path);
void shard_close(shard *s);
// Range reads: [start, start + count) must lie in [0, n) (INV_ERANGE otherwise); reading an
// absent variable, a NaN/Inf or an unwritten row is INV_EFORMAT naming the variable and row.
// Not allowed while the shard is being written.
int shard_read_images(const shard *s, int64_t start, int64_t count, uint8_t *dst);
int shard_read_labels(const shard *s, int64_t start, int64_t count, int32_t *dst);
int shard_read_targets(const shard *s, int64_t start, int64_t count, float *dst);
int shard_read_groups(const shard *s, int64_t start, int64_t count, int32_t *dst);
int shard_read_latents(const shard *s, int64_t start, int64_t count, float *dst);
// Any per-example float variable by name (e.g. --target VAR): (count, *k) values, *k = 1 for a
// 1-D variable; integer variables are converted. INV_EFORMAT if absent. dst may be NULL to
// learn *k only (the range is still checked).
int shard_read_var_f32(const shard *s, const char *var, int64_t start, int64_t count, float *dst,
                       int64_t *k);
// Global text attribute; INV_EFORMAT (message naming file and attribute) when absent.
int shard_get_attr(const shard *s, const char *name, char *buf, size_t size);

#define SHARD_DIM_TARGET "target_dim"
#define SHARD_DIM_LATENT "latent_dim"

#endif
