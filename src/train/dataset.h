// dataset.h: the training images wherever they live: a shard (image(n, h, w, c), optional
// label(n)), an image folder (root/CLASS/*.jpg|png, classes sorted by name) or a CSV manifest;
// image i decoded to uint8 HWC on demand. Not thread-safe: one thread (the loader) reads.
#ifndef INVAR_TRAIN_DATASET_H
#define INVAR_TRAIN_DATASET_H

#include "data/manifest.h"
#include "data/shard.h"
#include "io/image.h"

#include <stdint.h>

typedef struct {
    int is_shard;
    shard sh;
    manifest man;
    int64_t n;
    int32_t *labels; // n labels, NULL when the data has none
    int nclasses;    // 1 + the largest label (0 without labels)
    char path[4096];
} dataset;

// Opens PATH: a directory is an image folder, *.csv a manifest, anything else a shard.
// need_labels: fail (naming the file) when it has no labels. Rejects data with no images.
int dataset_open(dataset *d, const char *path, int need_labels);
void dataset_close(dataset *d);
// Image `index` into img (reallocated as needed; image_free releases it).
int dataset_read(dataset *d, int64_t index, image_u8 *img);

#endif
