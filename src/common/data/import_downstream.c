// import_downstream.c: the downstream tasks of Table 5 in their published layouts, with the
// official code's splits (../shared/DATASETS.md section 3):
//   caltech101  101_ObjectCategories/<class>/*.jpg + train.txt / test.txt ("<class>/<file>
//               <label>"); labels = ImageFolder indices (BACKGROUND_Google kept, 102 classes)
//   flowers102  jpg/image_%05d.jpg + imagelabels.mat (labels) + setid.mat (trnid, valid, tstid)
//   300w        01_Indoor/*.png + 02_Outdoor/*.png with .pts beside them (68 points); split by
//               numpy's seed-0 shuffle: train 30 %, valid 30 %, test the rest (180/180/240)
//   celeba      img_align_celeba/*.jpg + list_landmarks_align_celeba.txt (5 points) +
//               list_eval_partition.txt (0 train, 1 valid, 2 test)
//   lsp         images/im%04d.jpg + joints.mat (3 x 14 x N: x, y, flag); seed-0 shuffle, 60 %
//               train (1200 of 2000)
// Landmark targets are computed by import_load through the crop geometry (import.h).
#include "data/import.h"

#include "core/error.h"
#include "data/mat.h"
#include "data/numpy_rng.h"
#include "data/pts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_official(const import_options *o) {
    return o->protocol && strcmp(o->protocol, "official") == 0;
}

// First existing file among dir/a, dir/b (b may be NULL); malloc'd, NULL if none.
static char *first_file(const char *dir, const char *a, const char *b) {
    const char *c[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (!c[i]) continue;
        char *p = import_join(dir, c[i]);
        if (p && import_is_file(p)) return p;
        free(p);
    }
    return NULL;
}

static char *first_dir(const char *dir, const char *a, const char *b) {
    const char *c[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (!c[i]) continue;
        char *p = import_join(dir, c[i]);
        if (p && import_is_dir(p)) return p;
        free(p);
    }
    return strdup(dir);
}

// The split's indices among n images by numpy's seed-0 shuffle of arange(n): the first
// n * a / d are "train", the next n * a / d "valid" (b = 1) and the rest "test".
static int shuffled_split(int64_t n, int64_t a, int64_t d, int with_valid, const char *split,
                          int64_t **idx, int64_t *m) {
    int64_t *perm = malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!perm) return inv_fail(INV_ENOMEM, "out of memory");
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    np_mt19937 mt;
    np_seed(&mt, 0);
    np_shuffle(&mt, perm, n);
    int64_t ntr = n * a / d, nva = with_valid ? n * a / d : 0;
    int64_t lo = 0, hi = n;
    if (strcmp(split, "train") == 0)
        hi = ntr;
    else if (strcmp(split, "valid") == 0 && with_valid)
        lo = ntr, hi = ntr + nva;
    else if (strcmp(split, "trainval") == 0)
        hi = ntr + nva;
    else if (strcmp(split, "test") == 0)
        lo = ntr + nva;
    else if (strcmp(split, "all") == 0) {
        for (int64_t i = 0; i < n; i++) perm[i] = i;
    } else {
        free(perm);
        return inv_fail(INV_EINVAL, "--split: '%s' is not %s", split,
                        with_valid ? "trainval, train, valid, test or all"
                                   : "trainval (= train), test or all");
    }
    memmove(perm, perm + lo, sizeof(int64_t) * (size_t)(hi - lo));
    *idx = perm;
    *m = hi - lo;
    return INV_OK;
}

// ---- Caltech-101 -----------------------------------------------------------------------------

static int open_caltech(const char *src, const import_options *o, import_set *s) {
    const char *split = o->split ? o->split : "trainval";
    const char *file = strcmp(split, "trainval") == 0 || strcmp(split, "train") == 0 ? "train.txt"
                       : strcmp(split, "test") == 0                                  ? "test.txt"
                                                                                     : NULL;
    if (!file)
        return inv_fail(INV_EINVAL, "--split: '%s' is not trainval (train.txt) or test", split);
    char *root = first_dir(src, "caltech101/101_ObjectCategories", "101_ObjectCategories");
    char *list = import_join(o->splits ? o->splits : src, file);
    char **classes = NULL, *text = NULL;
    size_t nc = 0, len = 0;
    int rc = (!root || !list) ? inv_fail(INV_ENOMEM, "oom") : INV_OK;
    if (!rc) rc = import_list_dir(root, 'd', &classes, &nc);
    if (!rc && nc == 0)
        rc = inv_fail(INV_EFORMAT, "%s: no class folders (101_ObjectCategories/<class>/)", root);
    for (size_t c = 0; !rc && c < nc; c++) {
        char *d = import_join(root, classes[c]);
        char **f = NULL;
        size_t nf = 0;
        rc = d ? import_list_dir(d, 'f', &f, &nf) : inv_fail(INV_ENOMEM, "oom");
        if (!rc && nf == 0) rc = inv_fail(INV_EFORMAT, "%s: class folder holds no images", d);
        import_free_names(f, nf);
        free(d);
    }
    if (!rc && !import_is_file(list))
        rc = inv_fail(INV_EIO,
                      "%s: label file missing (the split files train.txt/test.txt of "
                      "ssl-transfer's caltech101-splits; --splits DIR says where they are)",
                      list);
    if (!rc) rc = import_read_text(list, &text, &len);
    if (!rc) rc = import_begin(s, 1, 0, 0, 0);
    int line = 0;
    for (char *p = text; !rc && p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        size_t l = strlen(p);
        while (l && (p[l - 1] == '\r' || p[l - 1] == ' ')) p[--l] = '\0';
        if (l) {
            char *sp = strrchr(p, ' ');
            char *end = NULL;
            long label = sp ? strtol(sp + 1, &end, 10) : -1;
            if (!sp || !end || *end || end == sp + 1) {
                rc = inv_fail(INV_EFORMAT, "%s: line %d: expected '<class>/<file> <label>'", list,
                              line);
                break;
            }
            *sp = '\0';
            char *slash = strchr(p, '/');
            if (!slash || label < 0 || (size_t)label >= nc ||
                strncmp(p, classes[label], (size_t)(slash - p)) != 0 ||
                classes[label][slash - p] != '\0') {
                rc = inv_fail(INV_EFORMAT,
                              "%s: line %d: label %ld is not the ImageFolder index of the class "
                              "folder of '%s'",
                              list, line, label, p);
                break;
            }
            char *path = import_join(root, p);
            if (!path)
                rc = inv_fail(INV_ENOMEM, "oom");
            else if (!import_is_file(path))
                rc = inv_fail(INV_EIO, "%s: listed in %s line %d but missing", path, list, line);
            else
                rc = import_push(s, path, (int32_t)label, 0, NULL, NULL);
            free(path);
        }
        p = nl ? nl + 1 : NULL;
    }
    if (!rc) {
        s->list.class_names = classes;
        s->list.nclasses = (int)nc;
        classes = NULL;
        nc = 0;
        rc = import_attr(s, "metric", "mean_class"); // invar-probe linear --metric's name
    }
    if (!rc) rc = import_attr(s, "split", "%s (%s, duplicates kept)", split, file);
    import_free_names(classes, nc);
    free(text);
    free(root);
    free(list);
    return rc;
}

// ---- Oxford Flowers-102 ----------------------------------------------------------------------

static int mat_vector(const char *path, const char *var, mat_array *a) {
    INV_TRY(mat_read_numeric(path, var, a));
    if (a->rank > 2 || (a->rank == 2 && a->dims[0] != 1 && a->dims[1] != 1)) {
        mat_array_free(a);
        return inv_fail(INV_EFORMAT, "%s: variable '%s' is not a vector", path, var);
    }
    return INV_OK;
}

static int open_flowers(const char *src, const import_options *o, import_set *s) {
    const char *split = o->split ? o->split : "trainval";
    const char *vars[3] = {NULL, NULL, NULL};
    if (strcmp(split, "trainval") == 0)
        vars[0] = "trnid", vars[1] = "valid";
    else if (strcmp(split, "train") == 0)
        vars[0] = "trnid";
    else if (strcmp(split, "val") == 0)
        vars[0] = "valid";
    else if (strcmp(split, "test") == 0)
        vars[0] = "tstid";
    else if (strcmp(split, "all") == 0)
        vars[0] = "trnid", vars[1] = "valid", vars[2] = "tstid";
    else
        return inv_fail(INV_EINVAL, "--split: '%s' is not trainval, train, val, test or all",
                        split);
    char *labels_path = import_join(src, "imagelabels.mat"), *setid = import_join(src, "setid.mat");
    mat_array lab = {0};
    int rc = (!labels_path || !setid) ? inv_fail(INV_ENOMEM, "oom") : INV_OK;
    if (!rc && !import_is_file(labels_path))
        rc = inv_fail(INV_EIO, "%s: label file missing", labels_path);
    if (!rc && !import_is_file(setid)) rc = inv_fail(INV_EIO, "%s: split file missing", setid);
    if (!rc) rc = mat_vector(labels_path, "labels", &lab);
    for (int64_t i = 0; !rc && i < lab.count; i++)
        if (lab.data[i] != floor(lab.data[i]) || lab.data[i] < 1 || lab.data[i] > 102)
            rc = inv_fail(INV_EFORMAT, "%s: labels(%lld) = %g is not a class 1..102", labels_path,
                          (long long)i + 1, lab.data[i]);
    if (!rc) rc = import_begin(s, 1, 0, 0, 0);
    for (int v = 0; !rc && v < 3 && vars[v]; v++) {
        mat_array ids = {0};
        rc = mat_vector(setid, vars[v], &ids);
        for (int64_t i = 0; !rc && i < ids.count; i++) {
            double id = ids.data[i];
            if (id != floor(id) || id < 1 || id > (double)lab.count) {
                rc = inv_fail(INV_EFORMAT, "%s: %s(%lld) = %g is not an image number 1..%lld",
                              setid, vars[v], (long long)i + 1, id, (long long)lab.count);
                break;
            }
            char name[64];
            snprintf(name, sizeof name, "jpg/image_%05lld.jpg", (long long)id);
            char *path = import_join(src, name);
            if (!path)
                rc = inv_fail(INV_ENOMEM, "oom");
            else if (!import_is_file(path))
                rc =
                    inv_fail(INV_EIO, "%s: image %lld of %s missing", path, (long long)id, vars[v]);
            else
                rc = import_push(s, path, (int32_t)lab.data[(int64_t)id - 1] - 1, 0, NULL, NULL);
            free(path);
        }
        mat_array_free(&ids);
    }
    if (!rc) rc = import_attr(s, "metric", "%s", is_official(o) ? "accuracy" : "mean_class");
    if (!rc && is_official(o))
        rc = import_attr(s, "metric_note",
                         "the official code scores Flowers by plain accuracy "
                         "(its type check misses the concatenated train+val)");
    if (!rc) rc = import_attr(s, "split", "%s", split);
    mat_array_free(&lab);
    free(labels_path);
    free(setid);
    return rc;
}

// ---- 300-W -----------------------------------------------------------------------------------

enum { W300_POINTS = 68, CELEBA_POINTS = 5, LSP_JOINTS = 14 };

static int landmark_begin(import_set *s, int npoints, int extra_k, int64_t cap) {
    INV_TRY(import_begin(s, 0, 0, 2 * npoints + extra_k, 0));
    s->npoints = npoints;
    s->extra_k = extra_k;
    s->points = malloc(sizeof(float) * (size_t)(cap ? cap : 1) * 2 * npoints);
    s->extra = extra_k ? malloc(sizeof(float) * (size_t)(cap ? cap : 1) * extra_k) : NULL;
    if (!s->points || (extra_k && !s->extra)) return inv_fail(INV_ENOMEM, "out of memory");
    return INV_OK;
}

static int open_300w(const char *src, const import_options *o, import_set *s) {
    const char *sub[2] = {"01_Indoor", "02_Outdoor"};
    char **names[2] = {NULL, NULL};
    size_t nn[2] = {0, 0};
    int rc = INV_OK;
    char *dirs[2] = {import_join(src, sub[0]), import_join(src, sub[1])};
    for (int d = 0; !rc && d < 2; d++) {
        if (!dirs[d])
            rc = inv_fail(INV_ENOMEM, "oom");
        else if (!import_is_dir(dirs[d]))
            rc = inv_fail(INV_EFORMAT,
                          "%s: missing (300-W layout: 01_Indoor/ and 02_Outdoor/ with "
                          "*.png and *.pts)",
                          dirs[d]);
        else
            rc = import_list_dir(dirs[d], 'f', &names[d], &nn[d]);
    }
    int64_t total = 0;
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < nn[d]; i++) total += strstr(names[d][i], ".png") != NULL;
    if (!rc) rc = landmark_begin(s, W300_POINTS, 0, total);
    if (!rc) s->boxes = malloc(sizeof(float) * 3 * (size_t)(total ? total : 1));
    if (!rc && !s->boxes) rc = inv_fail(INV_ENOMEM, "oom");
    for (int d = 0; !rc && d < 2; d++)
        for (size_t i = 0; !rc && i < nn[d]; i++) {
            size_t l = strlen(names[d][i]);
            if (l < 4 || strcmp(names[d][i] + l - 4, ".png") != 0) continue;
            char pts[1024];
            snprintf(pts, sizeof pts, "%s/%.*s.pts", dirs[d], (int)(l - 4), names[d][i]);
            int64_t k = s->list.n;
            float *xy = s->points + k * 2 * W300_POINTS;
            if (!import_is_file(pts)) {
                rc = inv_fail(INV_EIO, "%s: landmark file missing", pts);
                break;
            }
            rc = pts_read_file(pts, W300_POINTS, xy);
            char *path = rc ? NULL : import_join(dirs[d], names[d][i]);
            if (!rc)
                rc = path ? import_push(s, path, 0, 0, NULL, NULL) : inv_fail(INV_ENOMEM, "oom");
            free(path);
            if (rc) break;
            float x1 = xy[0], y1 = xy[1], x2 = xy[0], y2 = xy[1];
            for (int p = 1; p < W300_POINTS; p++) {
                x1 = fminf(x1, xy[2 * p]), x2 = fmaxf(x2, xy[2 * p]);
                y1 = fminf(y1, xy[2 * p + 1]), y2 = fmaxf(y2, xy[2 * p + 1]);
            }
            s->boxes[k * 3] = x1;
            s->boxes[k * 3 + 1] = y1;
            s->boxes[k * 3 + 2] = (float)fmax(ceil((double)x2 - x1), ceil((double)y2 - y1));
            if (s->boxes[k * 3 + 2] < 1) {
                rc = inv_fail(INV_EFORMAT, "%s: the 68 points span no area (all equal)", pts);
                break;
            }
        }
    int64_t *idx = NULL, m = 0;
    const char *split = o->split ? o->split : "trainval";
    if (!rc) rc = shuffled_split(s->list.n, 180, 600, 1, split, &idx, &m);
    if (!rc) rc = import_select(s, idx, m);
    s->geom = GEOM_BOX;
    s->landmarks =
        o->targets && strcmp(o->targets, "official") == 0 ? LMK_OFFICIAL_300W : LMK_NORMALISED;
    if (!rc)
        rc = import_attr(s, "split",
                         "%s (np.random.seed(0); shuffle(arange(%lld)); train 30 %%, "
                         "valid 30 %%, test the rest)",
                         split, (long long)total);
    if (!rc)
        rc = import_attr(
            s, "targets", "%s",
            s->landmarks == LMK_NORMALISED
                ? "68 (x, y) in the output image / its side, after the landmarks' square "
                  "box crop (x1 = min x, y1 = min y, L = max ceil extent); .pts values as "
                  "stored (1-based convention not subtracted)"
                : "official: (x - x1) * S / L, S = --resize");
    free(idx);
    for (int d = 0; d < 2; d++) {
        import_free_names(names[d], nn[d]);
        free(dirs[d]);
    }
    return rc;
}

// ---- CelebA ----------------------------------------------------------------------------------

typedef struct {
    char name[32];
    float xy[2 * CELEBA_POINTS];
} celeba_row;

static int cmp_row(const void *a, const void *b) {
    return strcmp(((const celeba_row *)a)->name, ((const celeba_row *)b)->name);
}

static int open_celeba(const char *src, const import_options *o, import_set *s) {
    char *dir = first_dir(src, "celeba", NULL);
    char *img = dir ? import_join(dir, "img_align_celeba") : NULL;
    char *lm = dir ? first_file(dir, "list_landmarks_align_celeba.txt",
                                "Anno/list_landmarks_align_celeba.txt")
                   : NULL;
    char *part =
        dir ? first_file(dir, "list_eval_partition.txt", "Eval/list_eval_partition.txt") : NULL;
    const char *split = o->split ? o->split : "trainval";
    int want[3] = {0, 0, 0};
    if (strcmp(split, "trainval") == 0)
        want[0] = want[1] = 1;
    else if (strcmp(split, "train") == 0)
        want[0] = 1;
    else if (strcmp(split, "valid") == 0)
        want[1] = 1;
    else if (strcmp(split, "test") == 0)
        want[2] = 1;
    else if (strcmp(split, "all") == 0)
        want[0] = want[1] = want[2] = 1;
    char *text = NULL, *ptext = NULL;
    size_t len = 0, plen = 0;
    celeba_row *rows = NULL;
    int64_t nrows = 0;
    int rc = !dir || !img ? inv_fail(INV_ENOMEM, "oom") : INV_OK;
    if (!rc && !want[0] && !want[1] && !want[2])
        rc =
            inv_fail(INV_EINVAL, "--split: '%s' is not trainval, train, valid, test or all", split);
    if (!rc && !import_is_dir(img)) rc = inv_fail(INV_EFORMAT, "%s: image folder missing", img);
    if (!rc && !lm)
        rc = inv_fail(INV_EIO, "%s/list_landmarks_align_celeba.txt: label file missing", dir);
    if (!rc && !part) rc = inv_fail(INV_EIO, "%s/list_eval_partition.txt: label file missing", dir);
    if (!rc) rc = import_read_text(lm, &text, &len);
    if (!rc) rc = import_read_text(part, &ptext, &plen);
    // Landmarks: count line, header line, then "<file> x y x y ..." with runs of spaces.
    int line = 0;
    long declared = -1;
    for (char *p = text; !rc && p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        char *q = p;
        while (*q == ' ' || *q == '\t' || *q == '\r') q++;
        if (*q && line == 1) {
            char *end;
            declared = strtol(q, &end, 10);
            if (end == q || declared < 0)
                rc = inv_fail(INV_EFORMAT, "%s: line 1 is not the image count", lm);
            rows = rc ? NULL : malloc(sizeof *rows * (size_t)(declared ? declared : 1));
            if (!rc && !rows) rc = inv_fail(INV_ENOMEM, "oom");
        } else if (*q && line > 2) {
            if (nrows >= declared) {
                rc = inv_fail(INV_EFORMAT, "%s: more entries than the %ld on line 1", lm, declared);
                break;
            }
            celeba_row *r = &rows[nrows];
            int used = 0;
            int got = sscanf(q, "%31s%n", r->name, &used);
            char *c = q + used, *end;
            for (int k = 0; got == 1 && k < 2 * CELEBA_POINTS; k++) {
                double v = strtod(c, &end);
                if (end == c || !isfinite(v)) got = 0;
                r->xy[k] = (float)v;
                c = end;
            }
            while (*c == ' ' || *c == '\t' || *c == '\r') c++;
            if (got != 1 || *c) {
                rc = inv_fail(INV_EFORMAT, "%s: line %d: expected '<file>' and 10 numbers", lm,
                              line);
                break;
            }
            nrows++;
        }
        p = nl ? nl + 1 : NULL;
    }
    if (!rc && nrows != declared)
        rc = inv_fail(INV_EFORMAT, "%s: %lld entries but line 1 says %ld", lm, (long long)nrows,
                      declared);
    if (!rc) qsort(rows, (size_t)nrows, sizeof *rows, cmp_row);
    if (!rc) rc = landmark_begin(s, CELEBA_POINTS, 0, nrows);
    line = 0;
    for (char *p = ptext; !rc && p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        line++;
        celeba_row key;
        int which = -1;
        char tail[2];
        if (sscanf(p, "%31s %d %1s", key.name, &which, tail) == 2 && which >= 0 && which <= 2) {
            celeba_row *r = bsearch(&key, rows, (size_t)nrows, sizeof *rows, cmp_row);
            if (!r) {
                rc = inv_fail(INV_EFORMAT, "%s: line %d: %s has no landmarks in %s", part, line,
                              key.name, lm);
                break;
            }
            if (want[which]) {
                char *path = import_join(img, key.name);
                memcpy(s->points + s->list.n * 2 * CELEBA_POINTS, r->xy, sizeof r->xy);
                rc = path ? import_push(s, path, 0, 0, NULL, NULL) : inv_fail(INV_ENOMEM, "oom");
                free(path);
            }
        } else {
            char *q = p;
            while (*q == ' ' || *q == '\t' || *q == '\r') q++;
            if (*q)
                rc = inv_fail(INV_EFORMAT, "%s: line %d: expected '<file> <0|1|2>'", part, line);
        }
        p = nl ? nl + 1 : NULL;
    }
    s->landmarks =
        o->targets && strcmp(o->targets, "official") == 0 ? LMK_OFFICIAL_CELEBA : LMK_NORMALISED;
    if (!rc)
        rc = import_attr(s, "split", "%s (list_eval_partition.txt: 0 train, 1 valid, 2 test)",
                         split);
    if (!rc)
        rc = import_attr(
            s, "targets", "%s",
            s->landmarks == LMK_NORMALISED
                ? "5 (x, y) in the output image / its side (left eye, right eye, nose, "
                  "left mouth, right mouth)"
                : "official: trunc(x * S / 178), trunc((y - 20) * S / 178), S = --resize");
    free(rows);
    free(text);
    free(ptext);
    free(dir);
    free(img);
    free(lm);
    free(part);
    return rc;
}

// ---- Leeds Sports Pose -----------------------------------------------------------------------

static int open_lsp(const char *src, const import_options *o, import_set *s) {
    char *idir = import_join(src, "images"), *jpath = import_join(src, "joints.mat");
    char **names = NULL;
    size_t n = 0;
    mat_array j = {0};
    int rc = (!idir || !jpath) ? inv_fail(INV_ENOMEM, "oom") : INV_OK;
    if (!rc && !import_is_dir(idir)) rc = inv_fail(INV_EFORMAT, "%s: image folder missing", idir);
    if (!rc) rc = import_list_dir(idir, 'f', &names, &n);
    if (!rc && !import_is_file(jpath)) rc = inv_fail(INV_EIO, "%s: label file missing", jpath);
    if (!rc) rc = mat_read_numeric(jpath, "joints", &j);
    // LSP: 3 x 14 x N (x, y, flag; joint; image); LSP-extended: 14 x 3 x N.
    int extended = 0;
    if (!rc) {
        if (j.rank == 3 && j.dims[0] == 3 && j.dims[1] == LSP_JOINTS)
            extended = 0;
        else if (j.rank == 3 && j.dims[0] == LSP_JOINTS && j.dims[1] == 3)
            extended = 1;
        else
            rc = inv_fail(INV_EFORMAT,
                          "%s: 'joints' is %dD (%zu x %zu ...), expected 3 x 14 x N "
                          "(or 14 x 3 x N)",
                          jpath, j.rank, j.dims[0], j.rank > 1 ? j.dims[1] : 0);
    }
    if (!rc && j.dims[2] != n)
        rc = inv_fail(INV_EFORMAT, "%s: joints for %zu images but %s holds %zu images", jpath,
                      j.dims[2], idir, n);
    int extra = o->visibility ? LSP_JOINTS : 0;
    if (!rc) rc = landmark_begin(s, LSP_JOINTS, extra, (int64_t)n);
    for (size_t i = 0; !rc && i < n; i++) {
        for (int q = 0; q < LSP_JOINTS; q++)
            for (int r = 0; r < 3; r++) {
                size_t at = extended ? q + LSP_JOINTS * (r + 3 * i) : r + 3 * (q + LSP_JOINTS * i);
                double v = j.data[at];
                if (!isfinite(v)) {
                    rc = inv_fail(INV_EFORMAT, "%s: joint %d of image %zu is not finite", jpath,
                                  q + 1, i + 1);
                    break;
                }
                if (r < 2)
                    s->points[i * 2 * LSP_JOINTS + 2 * q + r] = (float)v;
                else if (extra)
                    s->extra[i * LSP_JOINTS + q] = (float)v;
            }
        char *path = rc ? NULL : import_join(idir, names[i]);
        if (!rc) rc = path ? import_push(s, path, 0, 0, NULL, NULL) : inv_fail(INV_ENOMEM, "oom");
        free(path);
    }
    const char *split = o->split ? o->split : "trainval";
    if (!rc && strcmp(split, "valid") == 0)
        rc = inv_fail(INV_EINVAL, "--split: lsp has no valid split");
    if (!rc && strcmp(split, "train") == 0) split = "trainval";
    int64_t *idx = NULL, m = 0;
    if (!rc) rc = shuffled_split(s->list.n, 1200, 2000, 0, split, &idx, &m);
    if (!rc) rc = import_select(s, idx, m);
    free(idx);
    s->geom = GEOM_CENTER_SQUARE;
    s->landmarks =
        o->targets && strcmp(o->targets, "official") == 0 ? LMK_OFFICIAL_LSP : LMK_NORMALISED;
    if (!rc)
        rc = import_attr(s, "split", "%s (np.random.seed(0); shuffle(arange(%zu)); train 60 %%)",
                         split, n);
    if (!rc)
        rc = import_attr(
            s, "targets", "%s%s",
            s->landmarks == LMK_NORMALISED
                ? "14 (x, y) in the output image / its side after the centre square crop "
                  "(joints.mat values as stored)"
                : "official: (x - left) * S / m, S = --resize",
            extra ? "; then the 14 flags of joints.mat row 3 as stored (original LSP: "
                    "1 = occluded by converters' reading, unverified)"
                  : "");
    import_free_names(names, n);
    mat_array_free(&j);
    free(idir);
    free(jpath);
    return rc;
}

int import_open_downstream(const char *kind, const char *src, const import_options *o,
                           import_set *s) {
    if (!import_is_dir(src)) return inv_fail(INV_EIO, "%s: no such folder", src);
    if (o->sample) return inv_fail(INV_EINVAL, "--sample does not apply to %s (use --split)", kind);
    if (strcmp(kind, "caltech101") == 0) return open_caltech(src, o, s);
    if (strcmp(kind, "flowers102") == 0) return open_flowers(src, o, s);
    if (strcmp(kind, "300w") == 0) return open_300w(src, o, s);
    if (strcmp(kind, "celeba") == 0) return open_celeba(src, o, s);
    if (strcmp(kind, "lsp") == 0) return open_lsp(src, o, s);
    return inv_fail(INV_EINVAL, "import_open_downstream: unknown kind %s", kind);
}
