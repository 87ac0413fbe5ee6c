// world_sets.h: the data sets of the embedded world (DESIGN.md, "The embedded world"): what
// each example of each set is (latents, class, label, target, group, scene changes), the
// presets' sizes, rendering one example, and writing a whole set as a shard over MPI ranks.
#ifndef INVAR_DATA_WORLD_SETS_H
#define INVAR_DATA_WORLD_SETS_H

#include <stdint.h>

#include "core/log.h"
#include "data/shard.h"
#include "data/world_mesh.h"
#include "data/world_scene.h"

#define WORLD_GENERATOR "invar world renderer 1"

typedef enum {
    WS_PRETRAIN = 0,
    WS_IDENT_TRAIN,
    WS_IDENT_TEST,
    WS_SHAPE,
    WS_COLOUR,
    WS_KEYPOINTS,
    WS_POSE,
    WS_VIEWPOINT,
    WS_ILLUMINATION,
    WS_TEMPERATURE,
    WS_EXPOSURE,
    WS_BLUR,
    WS_STEREO,
    WS_COUNT
} world_set_id;

enum { WORLD_BLUR_SAMPLES = 16, WORLD_MAX_TARGET = 2 * WORLD_NKEYPOINTS };

typedef struct {
    const char *name;        // file stem: DIR/<name>.nc
    const char *option;      // size option: --n-<option> (images) or --groups-<option>
    const char *description; // the `description` attribute
    int group_size;          // images per group; 0 for sets of independent images
    const char *label;       // meaning of label(n), NULL when absent
    const char *target;      // meaning of target(n, k), NULL when absent
    const char *group;       // meaning of group(n) and what changes inside a group, or NULL
} world_set_info;

typedef struct {
    int size; // image side in pixels, WORLD_MIN_SIZE .. WORLD_MAX_SIZE
    uint64_t seed;
    int colour_bins;         // classes of the colour set (object hue bins)
    int keypoint_class;      // object class of the keypoints set
    int64_t count[WS_COUNT]; // images (plain sets) or groups (group sets)
    char preset[16];
} world_config;

// The scene objects: one mesh per class.
typedef struct {
    world_mesh mesh[WORLD_NCLASSES];
} world_model;

int world_model_init(world_model *m);
void world_model_free(world_model *m);

const world_set_info *world_set(int id);
// Fills cfg from a preset name ("tiny", "default", "paper"); INV_EINVAL for others.
int world_preset(const char *name, world_config *cfg);
// Images in a set: count, times the group size for group sets.
int64_t world_set_images(const world_config *cfg, int id);
int world_set_target_k(int id); // columns of target(n, k); 0 when absent

// One example, fully determined by (seed, set, index).
typedef struct {
    float latent[WORLD_NLATENTS];
    int cls;
    int32_t label; // -1 when the set has none
    int32_t group; // -1 when the set has none
    float target[WORLD_MAX_TARGET];
    world_extras extras;
    float blur_shift[3]; // camera travel over the exposure (camera axes), zero when sharp
} world_example;

void world_example_make(const world_model *model, const world_config *cfg, int id, int64_t index,
                        world_example *ex);
// Renders one example into rgb: (size, size, 3) uint8. Returns an inv_code.
int world_example_render(const world_model *model, const world_config *cfg, const world_example *ex,
                         uint8_t *rgb);

// Writes set `id` to `path` (collective over MPI ranks: every rank renders its share of each
// block of images, rank 0 gathers and appends them in index order). `prog` (rank 0, may be
// NULL) is advanced by the images written, starting from *done. Returns an inv_code, the same
// on every rank.
int world_write_set(const world_model *model, const world_config *cfg, int id, const char *path,
                    progress *prog, int64_t *done);

#endif
