// cmd_world.c: `invar-data world`: renders the embedded world's data sets (pretrain, ident,
// downstream tasks, real-world groups) into DIR/<set>.nc over MPI ranks, with progress, and
// optionally a labelled contact sheet PNG of all of them.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "data/world_preview.h"
#include "data/world_render.h"
#include "data/world_sets.h"
#include "io/image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// mkdir -p
static int make_dirs(const char *path) {
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return inv_fail(INV_EINVAL, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return inv_fail(INV_EIO, "%s: cannot create directory: %s", buf, strerror(errno));
            *p = c;
            if (c == 0) break;
        }
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return inv_fail(INV_EIO, "%s: not a directory", path);
    return INV_OK;
}

// Parses a comma-separated list of set names into sel[WS_COUNT] (1 = write).
static int parse_sets(const char *list, int *sel) {
    if (!list || !*list || strcmp(list, "all") == 0) {
        for (int i = 0; i < WS_COUNT; i++) sel[i] = 1;
        return INV_OK;
    }
    for (int i = 0; i < WS_COUNT; i++) sel[i] = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int i = 0; i < WS_COUNT; i++)
            if (strlen(world_set(i)->name) == n && strncmp(world_set(i)->name, p, n) == 0)
                sel[i] = found = 1;
        if (!found)
            return inv_fail(INV_EINVAL, "--sets: unknown data set '%.*s' (see --help)", (int)n, p);
        p += n;
        if (*p == ',') p++;
    }
    return INV_OK;
}

int cmd_world(int argc, char **argv) {
    const char *preset = "default", *out = NULL, *preview = NULL, *sets = "all";
    int size = 0, colour_bins = 0, keypoint_class = -1;
    int64_t counts[WS_COUNT];
    static char helps[WS_COUNT][160], names[WS_COUNT][48];
    enum { NBASE = 7 };
    cli_option opts[NBASE + WS_COUNT] = {
        {"preset", 0, OPT_STRING, &preset, "NAME",
         "sizes and resolution: tiny (tests, seconds), default (64 px, the CPU campaign), paper "
         "(224 px, the paper's set sizes)",
         0, 0, 0},
        {"out", 'o', OPT_STRING, &out, "DIR", "output directory for the shards", 0, 0, 1},
        {"size", 0, OPT_INT, &size, "PX",
         "image side in pixels, 32..224 (0: the preset's: 32 / 64 / 224)", 0, 224, 0},
        {"preview", 0, OPT_STRING, &preview, "SHEET.png",
         "also write a labelled contact sheet of every set", 0, 0, 1},
        {"sets", 0, OPT_STRING, &sets, "LIST",
         "comma-separated data sets to write (pretrain, ident_train, ... stereo) or all", 0, 0, 0},
        {"colour-bins", 0, OPT_INT, &colour_bins, "B",
         "classes of the colour set: object hue bins (0: 8)", 0, 64, 0},
        {"keypoint-class", 0, OPT_INT, &keypoint_class, "C",
         "object class of the keypoints set, 0..6 (-1: 3, the duck)", -1, WORLD_NCLASSES - 1, 0},
    };
    for (int i = 0; i < WS_COUNT; i++) {
        const world_set_info *s = world_set(i);
        counts[i] = -1;
        snprintf(names[i], sizeof names[i], "%s-%s", s->group_size ? "groups" : "n", s->option);
        if (s->group_size)
            snprintf(helps[i], sizeof helps[i],
                     "groups of %d images in %s.nc (default: the preset's)", s->group_size,
                     s->name);
        else
            snprintf(helps[i], sizeof helps[i], "images in %s.nc (default: the preset's)", s->name);
        opts[NBASE + i] =
            (cli_option){names[i], 0, OPT_INT64, &counts[i], "N", helps[i], 1, 1e12, 1};
    }
    cli_spec spec = {
        "invar-data world",
        "",
        "Renders the embedded world: scenes of one of 7 object classes with ten latents "
        "(object position x, y, z; rotation alpha, beta, gamma; spotlight angle; object, "
        "spotlight and background hue; Causal3DIdent order, raw in [-1, 1]) and writes DIR/"
        "pretrain.nc ident_train.nc ident_test.nc shape.nc colour.nc keypoints.nc pose.nc "
        "viewpoint.nc illumination.nc temperature.nc exposure.nc blur.nc stereo.nc. The same "
        "seed gives the same bytes on any number of ranks and threads.",
        "  invar-data world --preset tiny --out world/ --preview world/sheet.png\n"
        "  mpirun -np 4 invar-data world --preset default --out world/ --n-pretrain 50000",
        opts,
        NBASE + WS_COUNT,
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    program_apply_common(&common);

    world_config cfg;
    if ((rc = world_preset(preset, &cfg))) program_fail_last(rc);
    cfg.seed = common.seed;
    if (size) cfg.size = size;
    if (cfg.size < WORLD_MIN_SIZE || cfg.size > WORLD_MAX_SIZE)
        program_fail(INV_EINVAL, "--size %d: must be between %d and %d pixels", cfg.size,
                     WORLD_MIN_SIZE, WORLD_MAX_SIZE);
    if (colour_bins) cfg.colour_bins = colour_bins;
    if (keypoint_class >= 0) cfg.keypoint_class = keypoint_class;
    for (int i = 0; i < WS_COUNT; i++)
        if (counts[i] > 0) cfg.count[i] = counts[i];
    for (int i = 0; i < WS_COUNT; i++)
        if (world_set_images(&cfg, i) > INT32_MAX)
            program_fail(INV_EINVAL, "--%s: %lld images are too many for one shard", names[i],
                         (long long)world_set_images(&cfg, i));
    int sel[WS_COUNT];
    if ((rc = parse_sets(sets, sel))) program_fail_last(rc);
    if (!out && !preview)
        program_fail(INV_EINVAL, "nothing to do: give --out DIR and/or --preview SHEET.png");

    world_model model;
    if ((rc = world_model_init(&model))) program_fail_last(rc);
    const int rank = mpi_rank();
    double t0 = time_now();
    int64_t total = 0, done = 0;
    if (out) {
        int ok = rank == 0 ? (rc = make_dirs(out)) == INV_OK : 1;
        if (!mpi_all_ok(ok)) {
            if (rank == 0) program_fail_last(rc);
            program_fail(INV_EIO, "%s: rank 0 could not create the output directory", out);
        }
        for (int i = 0; i < WS_COUNT; i++)
            if (sel[i]) total += world_set_images(&cfg, i);
        log_info("world: preset %s, %dx%d px, seed %llu, %lld images in %s", cfg.preset, cfg.size,
                 cfg.size, (unsigned long long)cfg.seed, (long long)total, out);
        progress prog;
        progress_start(&prog, "world", total, "img");
        for (int i = 0; i < WS_COUNT; i++) {
            if (!sel[i]) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.nc", out, world_set(i)->name);
            if ((rc = world_write_set(&model, &cfg, i, path, &prog, &done))) program_fail_last(rc);
        }
        progress_finish(&prog);
    }
    double t1 = time_now();
    if (preview && rank == 0) {
        image_u8 sheet;
        if ((rc = world_preview_build(&model, &cfg, &sheet))) program_fail_last(rc);
        rc = image_write_png(preview, &sheet);
        world_preview_free(&sheet);
        if (rc) program_fail_last(rc);
    }
    if (rank == 0) {
        if (out) {
            for (int i = 0; i < WS_COUNT; i++) {
                if (!sel[i]) continue;
                const world_set_info *s = world_set(i);
                if (s->group_size)
                    printf("%-13s %8lld images  %lld groups of %d\n", s->name,
                           (long long)world_set_images(&cfg, i), (long long)cfg.count[i],
                           s->group_size);
                else
                    printf("%-13s %8lld images\n", s->name, (long long)cfg.count[i]);
            }
            double dt = t1 - t0;
            printf("world: %lld images of %dx%d px in %s/ in %.1f s (%.0f images/s, %d ranks)\n",
                   (long long)total, cfg.size, cfg.size, out, dt, dt > 0 ? total / dt : 0.0,
                   mpi_size());
        }
        if (preview) printf("contact sheet: %s\n", preview);
    }
    world_model_free(&model);
    return 0;
}
