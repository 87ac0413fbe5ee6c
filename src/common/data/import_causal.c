// import_causal.c: Causal3DIdent (Zenodo 4784282) as its loaders read it: SPLIT/images_<c>/
// <j zero-padded>.png and SPLIT/latents_<c>.npy (or raw_latents_<c>.npy), c = 0..6, row j of
// the .npy = image j of class c; label = c (ImageFolder order), latent(n, 10) in the probes'
// column order (pos x, y, z, rot alpha, beta, gamma, spotlight angle, object hue, spotlight
// hue, background hue).
#include "data/import.h"

#include "core/error.h"
#include "data/npy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CAUSAL_LATENTS = 10 };

// The split folder: SRC itself when it holds images_0, else SRC/trainset or SRC/testset.
static int causal_split_dir(const char *src, const import_options *o, char **dir) {
    const char *split = o->split ? o->split : "train";
    const char *sub = strcmp(split, "train") == 0  ? "trainset"
                      : strcmp(split, "test") == 0 ? "testset"
                                                   : NULL;
    if (!sub) return inv_fail(INV_EINVAL, "--split: '%s' is not train or test", split);
    char *probe = import_join(src, "images_0");
    if (!probe) return inv_fail(INV_ENOMEM, "out of memory");
    int here = import_is_dir(probe);
    free(probe);
    *dir = here ? strdup(src) : import_join(src, sub);
    if (!*dir) return inv_fail(INV_ENOMEM, "out of memory");
    if (!import_is_dir(*dir))
        return inv_fail(INV_EFORMAT,
                        "%s: no such folder; SRC is the Causal3DIdent root (trainset/, testset/) "
                        "or a split folder holding images_0/ ... and latents_0.npy ...",
                        *dir);
    return INV_OK;
}

// The value of a file name "<digits>.png", or -1.
static long png_number(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot || strcmp(dot, ".png") != 0 || dot == name) return -1;
    long v = 0;
    for (const char *p = name; p < dot; p++) {
        if (*p < '0' || *p > '9' || v > 100000000) return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

static int causal_class(import_set *s, const char *dir, int c, const char *latent_prefix) {
    char name[64];
    snprintf(name, sizeof name, "images_%d", c);
    char *idir = import_join(dir, name);
    snprintf(name, sizeof name, "%s_%d.npy", latent_prefix, c);
    char *npy_path = import_join(dir, name);
    char **files = NULL;
    size_t nf = 0;
    npy_array a = {0};
    int rc = (!idir || !npy_path) ? inv_fail(INV_ENOMEM, "out of memory") : INV_OK;
    if (!rc) rc = import_list_dir(idir, 'f', &files, &nf);
    if (!rc && nf == 0) rc = inv_fail(INV_EFORMAT, "%s: class folder holds no images", idir);
    if (!rc && !import_is_file(npy_path))
        rc = inv_fail(INV_EIO, "%s: latent file missing (class %d of %s)", npy_path, c, dir);
    if (!rc) rc = npy_read_file(npy_path, &a);
    if (!rc && (a.kind != 'f' || a.ndim != 2 || a.shape[1] != CAUSAL_LATENTS))
        rc = inv_fail(INV_EFORMAT,
                      "%s: latents must be a float32/float64 array of shape (N, %d); this one "
                      "is dtype '%s' with %d dimension(s)%s",
                      npy_path, CAUSAL_LATENTS, a.descr, a.ndim,
                      a.ndim == 2 && a.shape[1] != CAUSAL_LATENTS ? " and the wrong width" : "");
    if (!rc && a.shape[0] != (int64_t)nf)
        rc = inv_fail(INV_EFORMAT, "%s: %lld rows of latents but %s holds %zu images", npy_path,
                      (long long)a.shape[0], idir, nf);
    for (size_t j = 0; !rc && j < nf; j++) {
        if (png_number(files[j]) != (long)j) {
            rc = inv_fail(INV_EFORMAT,
                          "%s/%s: image %zu of the sorted folder should be number %zu (names "
                          "str(j).zfill(width) + '.png', so that row j of %s is image j)",
                          idir, files[j], j, j, npy_path);
            break;
        }
        float lat[CAUSAL_LATENTS];
        for (int t = 0; t < CAUSAL_LATENTS; t++) {
            double v = a.data[j * CAUSAL_LATENTS + t];
            if (!isfinite(v)) {
                rc = inv_fail(INV_EFORMAT, "%s: row %zu column %d is not finite", npy_path, j, t);
                break;
            }
            lat[t] = (float)v;
        }
        char *path = rc ? NULL : import_join(idir, files[j]);
        if (!rc && !path) rc = inv_fail(INV_ENOMEM, "out of memory");
        if (!rc) rc = import_push(s, path, c, 0, NULL, lat);
        free(path);
    }
    npy_free(&a);
    import_free_names(files, nf);
    free(idir);
    free(npy_path);
    return rc;
}

int import_open_causal(const char *kind, const char *src, const import_options *o, import_set *s) {
    (void)kind;
    const char *which = o->latents ? o->latents : "latents";
    if (strcmp(which, "latents") != 0 && strcmp(which, "raw") != 0)
        return inv_fail(INV_EINVAL, "--latents: '%s' is not latents or raw", which);
    const char *prefix = strcmp(which, "raw") == 0 ? "raw_latents" : "latents";
    char *dir = NULL;
    int rc = causal_split_dir(src, o, &dir);
    char **classes = NULL;
    size_t nc = 0;
    if (!rc) rc = import_list_dir(dir, 'd', &classes, &nc);
    int nclass = 0;
    for (size_t i = 0; i < nc; i++)
        if (strncmp(classes[i], "images_", 7) == 0) nclass++;
    if (!rc && nclass == 0)
        rc = inv_fail(INV_EFORMAT, "%s: no images_<c>/ folders (Causal3DIdent split layout)", dir);
    if (!rc) rc = import_begin(s, 1, 0, 0, CAUSAL_LATENTS);
    // The loaders read images_0 .. images_<C-1>; ImageFolder's sorted order equals c for C <= 10.
    for (int c = 0; !rc && c < nclass; c++) rc = causal_class(s, dir, c, prefix);
    if (!rc) {
        s->list.nclasses = nclass;
        rc = import_attr(s, "latents", "%s_<c>.npy (%s)", prefix,
                         strcmp(which, "raw") == 0 ? "raw, in [-1, 1]"
                                                   : "as the official code reads them");
    }
    if (!rc)
        rc = import_attr(s, "latent_columns",
                         "pos_x,pos_y,pos_z,rot_alpha,rot_beta,rot_gamma,spotlight_angle,"
                         "object_hue,spotlight_hue,background_hue");
    if (!rc) rc = import_attr(s, "split", "%s", o->split ? o->split : "train");
    if (!rc) rc = import_sample(s, o, 0);
    import_free_names(classes, nc);
    free(dir);
    return rc;
}
