// import.h: the published layouts of the paper's data sets, turned into one list of images
// with what the shard stores for each (label, target, group, latent), and the per-image
// decoding that an import applies (landmark crops, Resize + CenterCrop, landmark targets
// mapped through them). The layouts live in import_*.c, one file per family:
//   import_causal.c     causal3dident (images_<c>/ + latents_<c>.npy)
//   import_realworld.c  coil100, aloi-*, alot-*, flickr1024, exposure-errors, realblur
//   import_downstream.c caltech101, flowers102, 300w, celeba, lsp
//   import_synthetic.c  imagenet-val, coco, inat (and folder, manifest)
// Facts and their sources: ../shared/DATASETS.md.
#ifndef INVAR_DATA_IMPORT_H
#define INVAR_DATA_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "data/manifest.h"
#include "io/image.h"

typedef struct {
    const char *split;    // NULL: the importer's default (see import_help)
    const char *protocol; // "paper" (default) or "official" (the official code's quirks)
    const char *sample;   // NULL/"all", "official", "official:K", "first:N", or "N" (random N)
    const char *targets;  // "normalised" (default) or "official" (landmark sets)
    const char *latents;  // "latents" (default, as the official code) or "raw"
    const char *devkit;   // imagenet-val flat layout: the ILSVRC2012_devkit_t12 folder
    const char *splits;   // caltech101: the folder holding train.txt and test.txt
    const char *subset;   // realblur: "J" (default) or "R"
    uint64_t seed;        // random --sample draws (invar's Philox)
    int resize, crop;     // torchvision Resize(resize) + CenterCrop(crop), 0 = off
    int visibility;       // lsp: append the 14 joint flags to the 28 coordinates
} import_options;

typedef enum { GEOM_NONE = 0, GEOM_BOX, GEOM_CENTER_SQUARE } import_geom;
typedef enum {
    LMK_NORMALISED = 0, // coordinates in the output image / its side, in [0, 1] when inside
    LMK_OFFICIAL_300W,  // (x - x1) * S / L (S = --resize)
    LMK_OFFICIAL_LSP,   // (x - left) * S / m
    LMK_OFFICIAL_CELEBA // trunc(x * S / 178), trunc((y - 20) * S / 178)
} import_landmarks;

enum { IMPORT_MAX_ATTRS = 16 };

typedef struct {
    manifest list;   // n, paths, labels (or NULL), k + targets, class names
    int64_t cap;     // images the arrays hold room for
    int32_t *groups; // n group ids 0..ngroups-1, or NULL
    int64_t ngroups;
    int latent_k;   // latents per image (10) or 0
    float *latents; // n * latent_k
    // Landmarks: when npoints > 0, targets are computed per image by import_load from points
    // (source pixel coordinates, x then y) through the geometry; list.k = 2 * npoints + extra_k.
    int npoints;
    float *points;    // n * npoints * 2
    int extra_k;      // values appended after the coordinates (e.g. visibility flags)
    float *extra;     // n * extra_k
    import_geom geom; // crop applied before Resize + CenterCrop
    float *boxes;     // GEOM_BOX: n * 3 (x1, y1, L): PIL crop (x1, y1, x1 + L, y1 + L)
    import_landmarks landmarks;
    // Images inside an uncompressed tar (imagenet-val's ILSVRC2012_img_val.tar): when archive is
    // set, image i is the member's bytes [member_offset[i], + member_size[i]) and paths[i] its
    // name for messages.
    char *archive;
    int64_t *member_offset, *member_size;
    int resize, crop;
    int nattrs; // global attributes the shard gets
    char attr_name[IMPORT_MAX_ATTRS][32];
    char attr_value[IMPORT_MAX_ATTRS][1024];
} import_set;

// Builds the list for importer `kind` from SRC. INV_EINVAL for an unknown kind or option.
int import_open(const char *kind, const char *src, const import_options *o, import_set *s);
void import_free(import_set *s);
// One line per importer (name, SRC layout, options), for --help.
const char *import_help(void);
// Decodes image i and applies the geometry, Resize and CenterCrop; when the set has targets
// fills targets[0..list.k) (landmarks mapped through the same geometry).
int import_load(const import_set *s, int64_t i, image_u8 *img, float *targets);

// ---- for the import_*.c files ----------------------------------------------------------------
// Appends one image (label/group ignored when the set has none; targets: list.k floats or
// NULL; latents: latent_k floats or NULL). The arrays present are chosen by import_begin.
int import_begin(import_set *s, int with_labels, int with_groups, int k, int latent_k);
int import_push(import_set *s, const char *path, int32_t label, int32_t group, const float *targets,
                const float *latents);
// Keeps the images idx[0..m) in that order (duplicates allowed); every array follows.
int import_select(import_set *s, const int64_t *idx, int64_t m);
int import_attr(import_set *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Applies --sample to the list: "official[:K]" = K draws of numpy's choice (seed 0, with
// replacement) into the current order (K = official_k); "first:N"; "N" = N distinct images
// drawn by --seed, kept in list order; "all"/NULL = everything.
int import_sample(import_set *s, const import_options *o, int64_t official_k);

// Sorted (strcmp) names in dir: want = 'd' folders, 'f' files with an image extension
// (case-insensitive .png .jpg .jpeg), 'a' all regular files. *names is malloc'd.
int import_list_dir(const char *dir, char want, char ***names, size_t *n);
void import_free_names(char **names, size_t n);
char *import_join(const char *a, const char *b); // a/b, malloc'd (NULL: out of memory)
int import_is_dir(const char *path);
int import_is_file(const char *path);
// Reads a whole text file (NUL-terminated) into *text.
int import_read_text(const char *path, char **text, size_t *len);

int import_open_causal(const char *kind, const char *src, const import_options *o, import_set *s);
int import_open_realworld(const char *kind, const char *src, const import_options *o,
                          import_set *s);
int import_open_downstream(const char *kind, const char *src, const import_options *o,
                           import_set *s);
int import_open_synthetic(const char *kind, const char *src, const import_options *o,
                          import_set *s);

#endif
