// world_write.c: writing one data set of the embedded world as a shard over MPI ranks: each
// block of images is split over the ranks (OpenMP threads inside a rank), gathered to rank 0
// and appended in index order, so the file does not depend on the number of ranks or threads.
#include "data/world_sets.h"

#include "core/error.h"
#include "core/mpi_util.h"
#include "data/world_render.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int set_attrs(shard *s, const world_config *cfg, int id) {
    const world_set_info *info = world_set(id);
    char buf[1024];
    INV_TRY(shard_set_attr(s, "dataset", info->name));
    INV_TRY(shard_set_attr(s, "description", info->description));
    INV_TRY(shard_set_attr(s, "source", "invar-data world: the embedded rendered world"));
    INV_TRY(shard_set_attr(s, "generator", WORLD_GENERATOR));
    INV_TRY(shard_set_attr(s, "preset", cfg->preset));
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)cfg->seed);
    INV_TRY(shard_set_attr(s, "seed", buf));
    snprintf(buf, sizeof buf, "%d", cfg->size);
    INV_TRY(shard_set_attr(s, "size", buf));
    int ss = world_supersampling(cfg->size);
    snprintf(
        buf, sizeof buf,
        "perspective camera, z-buffer rasteriser of triangle meshes, %dx%d coverage samples per "
        "pixel (box filter; shaded once where one triangle covers the pixel), Phong shading: "
        "ambient + white key light + coloured spotlight "
        "with a cone, sRGB output",
        ss, ss);
    INV_TRY(shard_set_attr(s, "renderer", buf));
    size_t len = 0;
    buf[0] = 0;
    for (int c = 0; c < WORLD_NCLASSES; c++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d %s", c ? ", " : "", c,
                                world_class_name(c));
    INV_TRY(shard_set_attr(s, "classes", buf));
    INV_TRY(shard_set_attr(s, "latent_names", world_latent_names()));
    INV_TRY(shard_set_attr(s, "latent_mapping", world_latent_mapping()));
    if (info->label) INV_TRY(shard_set_attr(s, "label", info->label));
    if (info->target) INV_TRY(shard_set_attr(s, "target", info->target));
    if (info->group) {
        INV_TRY(shard_set_attr(s, "group", info->group));
        snprintf(buf, sizeof buf, "%d", info->group_size);
        INV_TRY(shard_set_attr(s, "group_size", buf));
    }
    if (id == WS_COLOUR) {
        snprintf(buf, sizeof buf, "%d", cfg->colour_bins);
        INV_TRY(shard_set_attr(s, "colour_bins", buf));
    }
    if (id == WS_KEYPOINTS) {
        snprintf(buf, sizeof buf,
                 "%d %s; keypoint j is the mesh corner furthest along the object-space "
                 "direction ((j&1 ? 1 : -1), (j&2 ? 1 : -1), (j&4 ? 1 : -1)) among those at "
                 "least 0.2 units (bounding radius 1) from keypoints 0..j-1",
                 cfg->keypoint_class, world_class_name(cfg->keypoint_class));
        INV_TRY(shard_set_attr(s, "keypoint_class", buf));
    }
    return INV_OK;
}

// Renders examples [lo, hi) of a set into images (hi - lo, size, size, 3) with OpenMP threads.
static int render_range(const world_model *model, const world_config *cfg, int id, int64_t lo,
                        int64_t hi, uint8_t *images) {
    const size_t img_bytes = (size_t)cfg->size * cfg->size * 3;
    int rc = INV_OK;
    char msg[512] = "";
#pragma omp parallel for schedule(dynamic, 1)
    for (int64_t i = lo; i < hi; i++) {
        int failed;
#pragma omp atomic read
        failed = rc;
        if (failed) continue;
        world_example ex;
        world_example_make(model, cfg, id, i, &ex);
        int r = world_example_render(model, cfg, &ex, images + (size_t)(i - lo) * img_bytes);
        if (r) {
#pragma omp critical(world_render_error)
            {
                if (!rc) {
                    snprintf(msg, sizeof msg, "%s", inv_errmsg());
                    rc = r;
                }
            }
        }
    }
    if (rc) return inv_fail(rc, "%s", msg);
    return INV_OK;
}

int world_write_set(const world_model *model, const world_config *cfg, int id, const char *path,
                    progress *prog, int64_t *done) {
    const int rank = mpi_rank(), nranks = mpi_size();
    const int64_t n = world_set_images(cfg, id);
    const size_t img_bytes = (size_t)cfg->size * cfg->size * 3;
    // Images per block: independent of the number of ranks, so the appends are the same.
    int64_t block = (int64_t)((16u << 20) / img_bytes);
    if (block < 16) block = 16;
    if (block > 1024) block = 1024;
    const int tk = world_set_target_k(id);
    const world_set_info *info = world_set(id);
    shard sh;
    int rc = INV_OK, ok = 1;
    uint8_t *images = malloc((size_t)block * img_bytes);
    int *counts = calloc((size_t)nranks, sizeof(int)),
        *displs = calloc((size_t)nranks, sizeof(int));
    int32_t *labels = malloc((size_t)block * sizeof(int32_t));
    int32_t *groups = malloc((size_t)block * sizeof(int32_t));
    float *latents = malloc((size_t)block * WORLD_NLATENTS * sizeof(float));
    float *targets = malloc((size_t)block * (tk > 0 ? tk : 1) * sizeof(float));
    if (!images || !counts || !displs || !labels || !groups || !latents || !targets) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory for a block of %lld images", path,
                      (long long)block);
        ok = 0;
    }
    int created = 0;
    if (ok && rank == 0) {
        shard_spec spec = {cfg->size,           cfg->size,     3, info->label != NULL, tk,
                           info->group != NULL, WORLD_NLATENTS};
        rc = shard_create(&sh, path, &spec);
        if (rc == INV_OK) {
            created = 1;
            rc = set_attrs(&sh, cfg, id);
        }
        ok = rc == INV_OK;
    }
    if (!mpi_all_ok(ok)) goto fail;
    for (int64_t start = 0; start < n; start += block) {
        int64_t count = n - start < block ? n - start : block;
        int64_t lo, hi;
        mpi_split_range(count, rank, nranks, &lo, &hi);
        rc = render_range(model, cfg, id, start + lo, start + hi, images + (size_t)lo * img_bytes);
        ok = rc == INV_OK;
        if (!mpi_all_ok(ok)) goto fail;
        if (nranks > 1) {
            for (int r = 0; r < nranks; r++) {
                int64_t a, b;
                mpi_split_range(count, r, nranks, &a, &b);
                counts[r] = (int)((b - a) * (int64_t)img_bytes);
                displs[r] = (int)(a * (int64_t)img_bytes);
            }
            void *sendbuf = images + (size_t)lo * img_bytes;
            int mrc = MPI_Gatherv(rank == 0 ? MPI_IN_PLACE : sendbuf, counts[rank], MPI_BYTE,
                                  images, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
            if (mrc != MPI_SUCCESS) {
                rc = inv_fail_mpi(mrc, "MPI_Gatherv (world images)");
                goto fail; // an MPI failure aborts the job in practice
            }
        }
        if (rank == 0) {
            for (int64_t i = 0; i < count; i++) {
                world_example ex;
                world_example_make(model, cfg, id, start + i, &ex);
                labels[i] = ex.label;
                groups[i] = ex.group;
                memcpy(latents + i * WORLD_NLATENTS, ex.latent, sizeof ex.latent);
                if (tk > 0) memcpy(targets + i * tk, ex.target, (size_t)tk * sizeof(float));
            }
            rc = shard_append(&sh, count, images, info->label ? labels : NULL,
                              tk > 0 ? targets : NULL, info->group ? groups : NULL, latents);
            ok = rc == INV_OK;
            if (ok && prog) progress_update(prog, *done + start + count);
        }
        if (!mpi_all_ok(ok)) goto fail;
    }
    if (rank == 0) {
        rc = shard_commit(&sh);
        created = 0;
        ok = rc == INV_OK;
    }
    if (!mpi_all_ok(ok)) goto fail;
    *done += n;
    free(images), free(counts), free(displs), free(labels), free(groups), free(latents),
        free(targets);
    return INV_OK;
fail:
    if (created) shard_abort(&sh);
    free(images), free(counts), free(displs), free(labels), free(groups), free(latents),
        free(targets);
    if (rc == INV_OK) rc = inv_fail(INV_EIO, "%s: another rank failed while writing", path);
    return rc;
}
