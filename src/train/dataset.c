// dataset.c: one interface over shards, image folders and manifests for the training loader.
#include "dataset.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcasecmp(s + a - b, tail) == 0;
}

int dataset_open(dataset *d, const char *path, int need_labels) {
    memset(d, 0, sizeof *d);
    snprintf(d->path, sizeof d->path, "%s", path);
    struct stat st;
    if (stat(path, &st) != 0) return inv_fail_errno(path, "training data");
    int rc = INV_OK;
    if (S_ISDIR(st.st_mode) || ends_with(path, ".csv")) {
        rc = S_ISDIR(st.st_mode) ? manifest_scan_folder(path, &d->man)
                                 : manifest_read_csv(path, &d->man);
        if (rc) return rc;
        d->n = d->man.n;
        if (d->man.labels) {
            d->labels = malloc(sizeof(int32_t) * (size_t)(d->n ? d->n : 1));
            if (!d->labels) {
                manifest_free(&d->man);
                return inv_fail(INV_ENOMEM, "%s: out of memory for labels", path);
            }
            memcpy(d->labels, d->man.labels, sizeof(int32_t) * (size_t)d->n);
        }
    } else {
        d->is_shard = 1;
        if ((rc = shard_open(&d->sh, path))) return rc;
        d->n = d->sh.n;
        if (d->sh.spec.with_label && d->n > 0) {
            d->labels = malloc(sizeof(int32_t) * (size_t)d->n);
            if (!d->labels) rc = inv_fail(INV_ENOMEM, "%s: out of memory for labels", path);
            if (!rc) rc = shard_read_labels(&d->sh, 0, d->n, d->labels);
        }
    }
    if (!rc && d->n == 0) rc = inv_fail(INV_EFORMAT, "%s: no images to train on", path);
    if (!rc && need_labels && !d->labels)
        rc = inv_fail(INV_EFORMAT,
                      "%s: no labels (label(n) in a shard, class folders or a path,label "
                      "manifest): the supervised objective needs them",
                      path);
    if (!rc && d->labels) {
        for (int64_t i = 0; i < d->n; i++) {
            if (d->labels[i] < 0) {
                rc = inv_fail(INV_EFORMAT, "%s: label %d of image %lld is negative", path,
                              d->labels[i], (long long)i);
                break;
            }
            if (d->labels[i] + 1 > d->nclasses) d->nclasses = d->labels[i] + 1;
        }
    }
    if (rc) dataset_close(d);
    return rc;
}

void dataset_close(dataset *d) {
    if (d->is_shard)
        shard_close(&d->sh);
    else
        manifest_free(&d->man);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

int dataset_read(dataset *d, int64_t index, image_u8 *img) {
    if (index < 0 || index >= d->n)
        return inv_fail(INV_ERANGE, "%s: image %lld of %lld", d->path, (long long)index,
                        (long long)d->n);
    if (!d->is_shard) {
        image_free(img);
        return image_decode_file(d->man.paths[index], img);
    }
    int w = (int)d->sh.spec.w, h = (int)d->sh.spec.h, c = (int)d->sh.spec.c;
    if (!img->data || img->w != w || img->h != h || img->c != c) {
        image_free(img);
        INV_TRY(image_alloc(img, w, h, c));
    }
    return shard_read_images(&d->sh, index, 1, img->data);
}
