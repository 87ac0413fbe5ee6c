// world_sets.c: the embedded world's data sets: the table of sets and presets, the example
// generator (latents and scene changes from per-example Philox streams keyed by seed, set and
// index), and rendering an example (with motion blur over sub-frames).
#include "data/world_sets.h"

#include "core/error.h"
#include "core/rng.h"
#include "data/world_render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const world_set_info sets[WS_COUNT] = {
    {"pretrain", "pretrain",
     "images for self-supervised pretraining (label = object class, used only by the "
     "supervised baseline); object class and all ten latents drawn uniformly at random",
     0, "object class (for invar-train --objective supervised; MoCo ignores it)", NULL, NULL},
    {"ident_train", "ident-train",
     "latent regression training set (the Causal3DIdent role, "
     "kernel ridge regression of the ten latents)",
     0, "object class", NULL, NULL},
    {"ident_test", "ident-test", "latent regression test set (the Causal3DIdent role)", 0,
     "object class", NULL, NULL},
    {"shape", "shape", "recognition: classify the object class (the CIFAR-10 / Caltech-101 role)",
     0, "object class (see the classes attribute)", NULL, NULL},
    {"colour", "colour",
     "recognition by colour: classes are bins of the object hue (the "
     "Flowers role); object class random",
     0,
     "object hue bin: floor(h * colour_bins), h = "
     "(object_hue_latent + 1) / 2",
     NULL, NULL},
    {"keypoints", "keypoints",
     "spatial regression: image positions of fixed object points (the "
     "300W / CelebA landmarks and LSP role); one object class",
     0, "object class",
     "(u0, v0, u1, v1, ...) of the 8 keypoints, normalised image coordinates in [0, 1] from the "
     "top-left corner (pixel = u * size); may lie outside [0, 1] or be hidden by the object",
     NULL},
    {"pose", "pose", "spatial regression: the object's rotation", 0, "object class",
     "(sin alpha, cos alpha, sin beta, cos beta, sin gamma, cos gamma) of the rotation angles "
     "(pi * latent)",
     NULL},
    {"viewpoint", "viewpoint",
     "real-world group: turntable (COIL-100 / ALOI viewpoint), 72 "
     "steps of 5 degrees about the vertical axis",
     72, "object class", "turntable angle in degrees (0, 5, ..., 355)",
     "one object and scene per group; only gamma "
     "(latent 5) changes: gamma = wrap(gamma0 + k * 2 / 72) into [-1, 1)"},
    {"illumination", "illumination",
     "real-world group: the spotlight moves (ALOI / ALOT "
     "illumination)",
     8, "object class", "spotlight angle in degrees",
     "one scene per group; only spot_angle (latent 6) changes: -1 + 2k/7 for k = 0..7"},
    {"temperature", "temperature",
     "real-world group: colour temperature of the white lights "
     "(ALOI / ALOT temperature)",
     12, "object class", "colour temperature in kelvin",
     "one scene per group; latents fixed; the key, ambient and backdrop light change colour: "
     "1e6 / (400 - 300k/11) K for k = 0..11 (2500 to 10000 K, even in mired)"},
    {"exposure", "exposure",
     "real-world group: camera exposure (ExposureErrors: reference + "
     "5 exposures)",
     6, "object class", "exposure in stops relative to the reference",
     "one scene per group; latents fixed; k = 0 is the reference (0 EV), then -1.5, -1, -0.5, "
     "+0.5, +1 EV"},
    {"blur", "blur",
     "real-world group: camera motion blur (RealBlur: sharp + blurred), the "
     "blurred image integrates 16 sub-frames of a camera moving parallel to the image plane",
     2, "object class", "camera travel during the exposure in scene units (0 = sharp)",
     "one scene per group; latents fixed; k = 0 sharp (camera at the middle of its path), "
     "k = 1 blurred"},
    {"stereo", "stereo",
     "real-world group: stereo pair with a small lateral baseline "
     "(Flickr1024: left + right)",
     2, "object class", "camera x offset in scene units (baseline 0.25, parallel cameras)",
     "one scene per group; latents fixed; k = 0 left camera, k = 1 right camera"},
};

static const float exposure_ev[6] = {0.0f, -1.5f, -1.0f, -0.5f, 0.5f, 1.0f};
#define STEREO_BASELINE 0.25f

const world_set_info *world_set(int id) {
    return id >= 0 && id < WS_COUNT ? &sets[id] : NULL;
}

int world_set_target_k(int id) {
    if (id == WS_KEYPOINTS) return 2 * WORLD_NKEYPOINTS;
    if (id == WS_POSE) return 6;
    return sets[id].group_size > 0 ? 1 : 0;
}

int64_t world_set_images(const world_config *cfg, int id) {
    int g = sets[id].group_size;
    return cfg->count[id] * (g > 0 ? g : 1);
}

int world_preset(const char *name, world_config *cfg) {
    // Plain sets: images; group sets: groups.
    static const int64_t tiny[WS_COUNT] = {64, 48, 48, 32, 32, 32, 32, 2, 3, 2, 3, 4, 4};
    static const int64_t dflt[WS_COUNT] = {20000, 4096, 4096, 4000, 4000, 2000, 2000,
                                           20,    100,  50,   100,  100,  200};
    static const int64_t paper[WS_COUNT] = {250000, 20480, 40960, 10000, 8000, 10000, 10000,
                                            100,    3000,  1000,  1000,  980,  1024};
    const int64_t *c;
    int size;
    if (strcmp(name, "tiny") == 0)
        c = tiny, size = 32;
    else if (strcmp(name, "default") == 0)
        c = dflt, size = 64;
    else if (strcmp(name, "paper") == 0)
        c = paper, size = 224;
    else
        return inv_fail(INV_EINVAL, "unknown preset '%s' (tiny, default or paper)", name);
    memset(cfg, 0, sizeof *cfg);
    cfg->size = size;
    cfg->colour_bins = 8;
    cfg->keypoint_class = 3;
    memcpy(cfg->count, c, sizeof cfg->count);
    snprintf(cfg->preset, sizeof cfg->preset, "%s", name);
    return INV_OK;
}

int world_model_init(world_model *m) {
    memset(m, 0, sizeof *m);
    for (int c = 0; c < WORLD_NCLASSES; c++) {
        int rc = world_mesh_build(&m->mesh[c], c);
        if (rc) {
            world_model_free(m);
            return rc;
        }
    }
    return INV_OK;
}

void world_model_free(world_model *m) {
    for (int c = 0; c < WORLD_NCLASSES; c++) world_mesh_free(&m->mesh[c]);
}

static float wrap_raw(float v) {
    return v >= 1.0f ? v - 2.0f : v;
}

void world_example_make(const world_model *model, const world_config *cfg, int id, int64_t index,
                        world_example *ex) {
    memset(ex, 0, sizeof *ex);
    const world_set_info *info = &sets[id];
    int g = info->group_size;
    int64_t unit = g > 0 ? index / g : index; // the scene's index: group or image
    int k = g > 0 ? (int)(index % g) : 0;
    rng_stream s;
    rng_stream_init(&s, cfg->seed, RNG_PURPOSE_WORLD, (uint32_t)id, (uint32_t)unit, 0);
    for (int i = 0; i < WORLD_NLATENTS; i++) ex->latent[i] = (float)rng_uniform_range(&s, -1, 1);
    ex->cls = (int)rng_below(&s, WORLD_NCLASSES);
    if (id == WS_KEYPOINTS) ex->cls = cfg->keypoint_class;
    ex->label = info->label ? ex->cls : -1;
    ex->group = g > 0 ? (int32_t)unit : -1;
    switch (id) {
    case WS_COLOUR: {
        int bin = (int)(world_hue(ex->latent[WL_OBJ_HUE]) * (float)cfg->colour_bins);
        ex->label = bin < cfg->colour_bins ? bin : cfg->colour_bins - 1;
        break;
    }
    case WS_KEYPOINTS: {
        world_scene sc;
        world_scene_from_latents(ex->latent, ex->cls, NULL, &sc);
        const world_mesh *m = &model->mesh[ex->cls];
        for (int p = 0; p < WORLD_NKEYPOINTS; p++) {
            float w[3], px, py, d;
            world_object_to_world(&sc, m->keypoints[p], w);
            world_project(&sc, cfg->size, w, &px, &py, &d);
            ex->target[2 * p] = px / (float)cfg->size;
            ex->target[2 * p + 1] = py / (float)cfg->size;
        }
        break;
    }
    case WS_POSE:
        for (int a = 0; a < 3; a++) {
            float ang = world_angle(ex->latent[WL_ALPHA + a]);
            ex->target[2 * a] = sinf(ang);
            ex->target[2 * a + 1] = cosf(ang);
        }
        break;
    case WS_VIEWPOINT:
        ex->latent[WL_GAMMA] = wrap_raw(ex->latent[WL_GAMMA] + (float)k * (2.0f / 72.0f));
        ex->target[0] = 5.0f * (float)k;
        break;
    case WS_ILLUMINATION:
        ex->latent[WL_SPOT_ANGLE] = -1.0f + 2.0f * (float)k / 7.0f;
        ex->target[0] = 90.0f * ex->latent[WL_SPOT_ANGLE];
        break;
    case WS_TEMPERATURE:
        ex->extras.temperature_k = 1e6f / (400.0f - 300.0f * (float)k / 11.0f);
        ex->target[0] = ex->extras.temperature_k;
        break;
    case WS_EXPOSURE:
        ex->extras.exposure_ev = exposure_ev[k];
        ex->target[0] = exposure_ev[k];
        break;
    case WS_BLUR: {
        float theta = (float)rng_uniform_range(&s, 0, 2 * M_PI);
        float len = (float)rng_uniform_range(&s, 0.15, 0.4);
        if (k == 1) {
            ex->blur_shift[0] = len * cosf(theta);
            ex->blur_shift[1] = len * sinf(theta);
            ex->target[0] = len;
        }
        break;
    }
    case WS_STEREO:
        ex->extras.cam_offset[0] = (k == 0 ? -0.5f : 0.5f) * STEREO_BASELINE;
        ex->target[0] = ex->extras.cam_offset[0];
        break;
    default:
        break;
    }
}

int world_example_render(const world_model *model, const world_config *cfg, const world_example *ex,
                         uint8_t *rgb) {
    const int n = cfg->size, ss = world_supersampling(n);
    const size_t np = (size_t)n * n * 3;
    float *lin = malloc(np * sizeof(float));
    INV_CHECK_ALLOC(lin, np * sizeof(float), "world image");
    const world_mesh *mesh = &model->mesh[ex->cls];
    world_scene sc;
    int rc = INV_OK;
    int moving = ex->blur_shift[0] != 0 || ex->blur_shift[1] != 0 || ex->blur_shift[2] != 0;
    if (!moving) {
        world_scene_from_latents(ex->latent, ex->cls, &ex->extras, &sc);
        rc = world_render(mesh, &sc, n, ss, lin, NULL, NULL);
    } else {
        // Motion blur: the mean radiance of sub-frames along the camera's path, centred on the
        // sharp image's camera.
        float *acc = calloc(np, sizeof(float));
        if (!acc) {
            free(lin);
            return inv_fail(INV_ENOMEM, "world image: out of memory (%zu bytes)", np * 4);
        }
        for (int f = 0; f < WORLD_BLUR_SAMPLES && rc == INV_OK; f++) {
            float t = ((float)f + 0.5f) / (float)WORLD_BLUR_SAMPLES - 0.5f;
            world_extras e = ex->extras;
            for (int k = 0; k < 3; k++) e.cam_offset[k] += t * ex->blur_shift[k];
            world_scene_from_latents(ex->latent, ex->cls, &e, &sc);
            rc = world_render(mesh, &sc, n, ss, lin, NULL, NULL);
            for (size_t i = 0; i < np; i++) acc[i] += lin[i];
        }
        for (size_t i = 0; i < np; i++) lin[i] = acc[i] / (float)WORLD_BLUR_SAMPLES;
        free(acc);
    }
    if (rc == INV_OK) world_encode_srgb(lin, (int64_t)np, rgb);
    free(lin);
    return rc;
}
