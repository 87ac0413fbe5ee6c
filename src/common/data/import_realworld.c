// import_realworld.c: the real-world transform sets of Table 3 as groups: group(n) (0-based,
// contiguous, one object/scene/pair each) and target(n, 1) = the image's value of the group's
// factor. Layouts and the official code's grouping: ../shared/DATASETS.md section 2.
//   coil100          SRC/obj<o>__<a>.png (or SRC/coil-100/); group = object, target = angle a
//   aloi-view|illum|temp  SRC/<obj>/<obj>_r<a>.png | _l<L>c<C>.png | _i<T>.png (SRC may be the
//                    ALOI root holding viewpoint/, illumination/, temperature/); groups
//                    object (view, temp: target a, T) or camera x object (illum: target L)
//   alot-view|illum|temp  SRC/<t>/<t>_c<C>l<L>[r<R>].png and <t>_c<C>i.png
//   flickr1024       SRC/{Train,Validation,Test}/NNNN_L.png + NNNN_R.png; target 0 = L, 1 = R
//   exposure-errors  SPLIT/INPUT_IMAGES/<id>-<name>_<EV>.JPG + SPLIT/GT_IMAGES/<id>-<name>.jpg;
//                    target = EV (the ground truth 0)
//   realblur         RealBlur-J_.../sceneNNN/{gt/gt_M.png, blur/blur_M.png}; 0 sharp, 1 blurred
#include "data/import.h"

#include "core/error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *path;
    int64_t key;  // which group (sorted ascending into group ids)
    int64_t ord;  // order inside the group (file order)
    float factor; // target(n, 1)
} rw_entry;

typedef struct {
    rw_entry *v;
    size_t n, cap;
} rw_list;

static int rw_add(rw_list *l, const char *dir, const char *name, int64_t key, float factor) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        rw_entry *v = realloc(l->v, cap * sizeof *v);
        if (!v) return inv_fail(INV_ENOMEM, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    char *p = dir ? import_join(dir, name) : strdup(name);
    if (!p) return inv_fail(INV_ENOMEM, "out of memory");
    l->v[l->n] = (rw_entry){p, key, (int64_t)l->n, factor};
    l->n++;
    return INV_OK;
}

static void rw_free(rw_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].path);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_entry(const void *a, const void *b) {
    const rw_entry *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

// Sorts by (key, file order), numbers the groups 0.. and pushes them; a group of one image is
// an error naming its file (no pair to compare).
static int rw_emit(import_set *s, rw_list *l, const char *what) {
    qsort(l->v, l->n, sizeof *l->v, cmp_entry);
    int32_t g = -1;
    for (size_t i = 0; i < l->n; i++) {
        int first = i == 0 || l->v[i].key != l->v[i - 1].key;
        int last = i + 1 == l->n || l->v[i + 1].key != l->v[i].key;
        if (first && last)
            return inv_fail(INV_EFORMAT,
                            "%s: the only image of its %s: a group needs at least two images",
                            l->v[i].path, what);
        if (first) g++;
        INV_TRY(import_push(s, l->v[i].path, 0, g, &l->v[i].factor, NULL));
    }
    return INV_OK;
}

// Parses a decimal number at *p (advancing it); -1 if none.
static long take_int(const char **p) {
    if (!isdigit((unsigned char)**p)) return -1;
    long v = 0;
    while (isdigit((unsigned char)**p)) {
        if (v > 100000000) return -1;
        v = v * 10 + (*(*p)++ - '0');
    }
    return v;
}

static int ends_with(const char *s, const char *suffix, int nocase) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && (nocase ? strcasecmp(s + a - b, suffix) : strcmp(s + a - b, suffix)) == 0;
}

// dir/sub when that folder exists, else dir (malloc'd).
static char *maybe_sub(const char *dir, const char *sub) {
    char *p = import_join(dir, sub);
    if (p && import_is_dir(p)) return p;
    free(p);
    return strdup(dir);
}

// ---- COIL-100 --------------------------------------------------------------------------------

static int open_coil(const char *src, import_set *s) {
    char *dir = maybe_sub(src, "coil-100");
    char **names = NULL;
    size_t n = 0;
    rw_list l = {0};
    int rc = dir ? import_list_dir(dir, 'f', &names, &n) : inv_fail(INV_ENOMEM, "oom");
    for (size_t i = 0; !rc && i < n; i++) {
        if (!ends_with(names[i], ".png", 0)) continue;
        const char *p = names[i];
        long o = -1, a = -1;
        if (strncmp(p, "obj", 3) == 0) {
            p += 3;
            o = take_int(&p);
            if (o >= 0 && strncmp(p, "__", 2) == 0) {
                p += 2;
                a = take_int(&p);
            }
        }
        if (o < 0 || a < 0 || strcmp(p, ".png") != 0) {
            rc = inv_fail(INV_EFORMAT, "%s/%s: not a COIL-100 name obj<o>__<angle>.png", dir,
                          names[i]);
            break;
        }
        rc = rw_add(&l, dir, names[i], o, (float)a);
    }
    if (!rc && l.n == 0) rc = inv_fail(INV_EFORMAT, "%s: no obj<o>__<a>.png images", dir);
    if (!rc) rc = rw_emit(s, &l, "object");
    if (!rc) rc = import_attr(s, "group_factor", "viewing angle in degrees (obj<o>__<angle>.png)");
    rw_free(&l);
    import_free_names(names, n);
    free(dir);
    return rc;
}

// ---- ALOI ------------------------------------------------------------------------------------

// Numeric sub-folders of dir, ascending by value: names and values.
static int numeric_dirs(const char *dir, char ***names, size_t *n, long **values) {
    INV_TRY(import_list_dir(dir, 'd', names, n));
    *values = malloc(sizeof(long) * (*n ? *n : 1));
    if (!*values) return inv_fail(INV_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        const char *p = (*names)[i];
        long v = take_int(&p);
        if (v < 0 || *p) {
            free((*names)[i]);
            continue;
        }
        (*names)[k] = (*names)[i];
        (*values)[k++] = v;
    }
    *n = k;
    for (size_t i = 1; i < k; i++) // insertion sort by value (folder names sort as strings)
        for (size_t j = i; j > 0 && (*values)[j - 1] > (*values)[j]; j--) {
            long t = (*values)[j];
            (*values)[j] = (*values)[j - 1];
            (*values)[j - 1] = t;
            char *c = (*names)[j];
            (*names)[j] = (*names)[j - 1];
            (*names)[j - 1] = c;
        }
    return INV_OK;
}

static int open_aloi(const char *kind, const char *src, import_set *s) {
    int mode = strcmp(kind, "aloi-view") == 0 ? 'r' : strcmp(kind, "aloi-illum") == 0 ? 'l' : 'i';
    char *dir = maybe_sub(src, mode == 'r'   ? "viewpoint"
                               : mode == 'l' ? "illumination"
                                             : "temperature");
    char **objs = NULL;
    size_t no = 0;
    long *ov = NULL;
    rw_list l = {0};
    int rc = dir ? numeric_dirs(dir, &objs, &no, &ov) : inv_fail(INV_ENOMEM, "oom");
    // The tars unpack to png4/ (quarter size), png2/ or png/: descend into it.
    static const char *tar_dirs[3] = {"png4", "png2", "png"};
    for (int t = 0; !rc && no == 0 && t < 3; t++) {
        char *p = import_join(dir, tar_dirs[t]);
        if (p && import_is_dir(p)) {
            free(dir);
            free(ov);
            import_free_names(objs, no);
            dir = p;
            rc = numeric_dirs(dir, &objs, &no, &ov);
        } else
            free(p);
    }
    if (!rc && no == 0)
        rc = inv_fail(INV_EFORMAT,
                      "%s: no object folders <obj>/ (ALOI layout <obj>/<obj>_<cond>.png)", dir);
    for (size_t k = 0; !rc && k < no; k++) {
        char *odir = import_join(dir, objs[k]);
        char **names = NULL;
        size_t n = 0;
        rc = odir ? import_list_dir(odir, 'f', &names, &n) : inv_fail(INV_ENOMEM, "oom");
        for (size_t i = 0; !rc && i < n; i++) {
            if (!ends_with(names[i], ".png", 0)) continue;
            const char *p = names[i];
            long obj = take_int(&p);
            if (obj != ov[k] || *p != '_') {
                rc = inv_fail(INV_EFORMAT, "%s/%s: not an ALOI name %ld_<condition>.png", odir,
                              names[i], ov[k]);
                break;
            }
            p++;
            char cond = *p++;
            if (cond != mode) continue; // another ALOI collection unpacked into the same folder
            long a = take_int(&p), cam = 0;
            if (mode == 'l' && *p == 'c') {
                p++;
                cam = take_int(&p);
            }
            if (a < 0 || (mode == 'l' && cam < 1) || strcmp(p, ".png") != 0) {
                rc = inv_fail(INV_EFORMAT, "%s/%s: not an ALOI %s name", odir, names[i],
                              mode == 'r'   ? "<obj>_r<angle>.png"
                              : mode == 'l' ? "<obj>_l<L>c<C>.png"
                                            : "<obj>_i<T>.png");
                break;
            }
            // Illumination: 3 cameras x objects, camera-major as the code's g = (C-1)*1000 + o-1.
            int64_t key = mode == 'l' ? (int64_t)cam * 1000000 + (int64_t)k : (int64_t)k;
            rc = rw_add(&l, odir, names[i], key, (float)a);
        }
        import_free_names(names, n);
        free(odir);
    }
    if (!rc && l.n == 0) rc = inv_fail(INV_EFORMAT, "%s: no ALOI images of this collection", dir);
    if (!rc) rc = rw_emit(s, &l, mode == 'l' ? "camera and object" : "object");
    if (!rc)
        rc = import_attr(s, "group_factor", "%s",
                         mode == 'r'   ? "turntable angle in degrees (_r<angle>)"
                         : mode == 'l' ? "light direction L of _l<L>c<C>; groups camera-major"
                                       : "colour-temperature index T of _i<T> (110..250; kelvin "
                                         "mapping unverified)");
    rw_free(&l);
    import_free_names(objs, no);
    free(ov);
    free(dir);
    return rc;
}

// ---- ALOT ------------------------------------------------------------------------------------

typedef struct {
    char *path;
    int tex;                        // index among the sorted textures
    int cam, light, aspect, colour; // light 0 for the "i" images; colour 1 for them
} alot_image;

static int alot_scan(const char *src, alot_image **out, size_t *nout, int *ntex) {
    char **texs = NULL;
    size_t nt = 0, n = 0, cap = 0;
    long *tv = NULL;
    alot_image *v = NULL;
    int rc = numeric_dirs(src, &texs, &nt, &tv);
    if (!rc && nt == 0)
        rc = inv_fail(INV_EFORMAT, "%s: no texture folders <t>/ (ALOT layout <t>/<t>_c<C>l<L>.png)",
                      src);
    for (size_t k = 0; !rc && k < nt; k++) {
        char *tdir = import_join(src, texs[k]);
        char **names = NULL;
        size_t nn = 0;
        rc = tdir ? import_list_dir(tdir, 'f', &names, &nn) : inv_fail(INV_ENOMEM, "oom");
        for (size_t i = 0; !rc && i < nn; i++) {
            if (!ends_with(names[i], ".png", 0)) continue;
            const char *p = names[i];
            long t = take_int(&p), cam = -1, light = 0, aspect = 0;
            int colour = 0, okname = t == tv[k] && strncmp(p, "_c", 2) == 0;
            if (okname) {
                p += 2;
                cam = take_int(&p);
                if (*p == 'i') {
                    colour = 1;
                    p++;
                } else if (*p == 'l') {
                    p++;
                    light = take_int(&p);
                    if (*p == 'r') {
                        p++;
                        aspect = take_int(&p);
                    }
                } else
                    okname = 0;
            }
            if (!okname || cam < 1 || light < 0 || aspect < 0 || strcmp(p, ".png") != 0) {
                rc = inv_fail(INV_EFORMAT,
                              "%s/%s: not an ALOT name %ld_c<C>l<L>[r<R>].png or %ld_c<C>i.png",
                              tdir, names[i], tv[k], tv[k]);
                break;
            }
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                alot_image *nv = realloc(v, cap * sizeof *nv);
                if (!nv) {
                    rc = inv_fail(INV_ENOMEM, "out of memory");
                    break;
                }
                v = nv;
            }
            v[n] = (alot_image){
                import_join(tdir, names[i]), (int)k, (int)cam, (int)light, (int)aspect, colour};
            if (!v[n].path)
                rc = inv_fail(INV_ENOMEM, "out of memory");
            else
                n++;
        }
        import_free_names(names, nn);
        free(tdir);
    }
    import_free_names(texs, nt);
    free(tv);
    *out = v;
    *nout = n;
    *ntex = (int)nt;
    return rc;
}

static const int alot_lights[6] = {1, 2, 3, 4, 5, 8};

static int open_alot(const char *kind, const char *src, const import_options *o, import_set *s) {
    alot_image *im = NULL;
    size_t n = 0;
    int T = 0;
    int official = o->protocol && strcmp(o->protocol, "official") == 0;
    int rc = alot_scan(src, &im, &n, &T);
    rw_list l = {0};
    int view = strcmp(kind, "alot-view") == 0, illum = strcmp(kind, "alot-illum") == 0;
    // Groups in the official code's order, with 250 textures generalised to T (DATASETS.md):
    //   view: g < 6T, t = g % T, L = lights[(g % T) % 6] (official: T distinct groups, each 6
    //         times) or (t, L) for every t and L (paper: 6T distinct groups);
    //   illum: g < 16T, aspect = (g / 4T) * 60, camera = (g % 4T) / T + 1, t = g % T;
    //   temp: g < 4T, camera = g / T + 1, t = g % T: the c<C>i and c<C>l8 images.
    int64_t ngroups = view ? 6 * (int64_t)T : illum ? 16 * (int64_t)T : 4 * (int64_t)T;
    for (int64_t g = 0; !rc && g < ngroups; g++) {
        int t = (int)(g % T);
        for (size_t i = 0; !rc && i < n; i++) {
            const alot_image *a = &im[i];
            if (a->tex != t) continue;
            int take = 0;
            float factor = 0;
            if (view) {
                int L = official ? alot_lights[(g % T) % 6] : alot_lights[g / T];
                take = !a->colour && a->light == L;
                factor = (float)((a->cam - 1) * 4 + a->aspect / 60);
            } else if (illum) {
                take = !a->colour && a->cam == (int)((g % (4 * T)) / T) + 1 &&
                       a->aspect == (int)(g / (4 * T)) * 60;
                factor = (float)a->light;
            } else {
                take = a->cam == (int)(g / T) + 1 && a->aspect == 0 && (a->colour || a->light == 8);
                factor = (float)a->colour;
            }
            if (take) {
                // Paper view groups: key orders (t, L) texture-major.
                int64_t key = view && !official ? (int64_t)t * 6 + g / T : g;
                rc = rw_add(&l, NULL, a->path, key, factor);
            }
        }
    }
    if (!rc && l.n == 0) rc = inv_fail(INV_EFORMAT, "%s: no ALOT images for %s", src, kind);
    if (!rc)
        rc = rw_emit(s, &l,
                     view    ? "texture and light"
                     : illum ? "texture, camera and aspect"
                             : "texture and camera");
    if (!rc)
        rc = import_attr(s, "group_factor", "%s",
                         view    ? "viewpoint index 4 * (camera - 1) + aspect / 60"
                         : illum ? "light L of _c<C>l<L> (8 = all lamps)"
                                 : "0 = c<C>l8 (all lamps), 1 = c<C>i (illumination colour)");
    if (!rc && view)
        rc = import_attr(s, "alot_view_groups", "%s",
                         official ? "official: 6T groups, only T distinct (each 6 times), as the "
                                    "code's modulo reduction"
                                  : "paper: every (texture, light) pair once");
    for (size_t i = 0; i < n; i++) free(im[i].path);
    free(im);
    rw_free(&l);
    return rc;
}

// ---- Flickr1024 ------------------------------------------------------------------------------

static int flickr_dir(rw_list *l, const char *dir, int64_t *pair) {
    char **names = NULL;
    size_t n = 0;
    int rc = import_list_dir(dir, 'f', &names, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *p = names[i];
        if (take_int(&p) < 0 || strcmp(p, "_L.png") != 0) continue;
        char right[512];
        snprintf(right, sizeof right, "%.*s_R.png", (int)(p - names[i]), names[i]);
        char *rp = import_join(dir, right);
        if (!rp) return inv_fail(INV_ENOMEM, "oom");
        if (!import_is_file(rp))
            rc = inv_fail(INV_EFORMAT, "%s: right image of %s/%s missing", rp, dir, names[i]);
        free(rp);
        if (!rc) rc = rw_add(l, dir, names[i], *pair, 0.0f);
        if (!rc) rc = rw_add(l, dir, right, *pair, 1.0f);
        (*pair)++;
    }
    import_free_names(names, n);
    return rc;
}

static int open_flickr(const char *src, const import_options *o, import_set *s) {
    char **dirs = NULL;
    size_t nd = 0;
    rw_list l = {0};
    int64_t pair = 0;
    int rc = import_list_dir(src, 'd', &dirs, &nd);
    const char *split = o->split ? o->split : "all";
    if (!rc && strcasecmp(split, "all") != 0 && strcasecmp(split, "train") != 0 &&
        strcasecmp(split, "validation") != 0 && strcasecmp(split, "test") != 0)
        rc = inv_fail(INV_EINVAL, "--split: '%s' is not train, validation, test or all", split);
    if (!rc && strcasecmp(split, "all") == 0) rc = flickr_dir(&l, src, &pair);
    for (size_t i = 0; !rc && i < nd; i++) {
        if (strcasecmp(split, "all") != 0 && strcasecmp(dirs[i], split) != 0) continue;
        char *d = import_join(src, dirs[i]);
        rc = d ? flickr_dir(&l, d, &pair) : inv_fail(INV_ENOMEM, "oom");
        free(d);
    }
    if (!rc && l.n == 0)
        rc = inv_fail(INV_EFORMAT, "%s: no NNNN_L.png / NNNN_R.png pairs in its sub-folders", src);
    if (!rc) rc = rw_emit(s, &l, "pair");
    if (!rc) rc = import_attr(s, "group_factor", "0 = left (_L), 1 = right (_R)");
    rw_free(&l);
    import_free_names(dirs, nd);
    return rc;
}

// ---- ExposureErrors --------------------------------------------------------------------------

static int exposure_ev(const char *tag, float *ev) {
    static const char *tags[5] = {"N1.5", "N1", "0", "P1", "P1.5"};
    static const float evs[5] = {-1.5f, -1.0f, 0.0f, 1.0f, 1.5f};
    for (int i = 0; i < 5; i++)
        if (strcmp(tag, tags[i]) == 0) {
            *ev = evs[i];
            return 1;
        }
    return 0;
}

static int open_exposure(const char *src, const import_options *o, import_set *s) {
    int official = o->protocol && strcmp(o->protocol, "official") == 0;
    const char *split = o->split ? o->split : "training";
    if (strcmp(split, "training") != 0 && strcmp(split, "validation") != 0)
        return inv_fail(INV_EINVAL, "--split: '%s' is not training or validation", split);
    char *probe = import_join(src, "GT_IMAGES");
    char *root = probe && import_is_dir(probe) ? strdup(src) : import_join(src, split);
    free(probe);
    char *in_dir = root ? import_join(root, "INPUT_IMAGES") : NULL;
    char *gt_dir = root ? import_join(root, "GT_IMAGES") : NULL;
    char **ins = NULL, **gts = NULL;
    size_t ni = 0, ng = 0;
    rw_list l = {0};
    int rc = (!in_dir || !gt_dir) ? inv_fail(INV_ENOMEM, "oom") : INV_OK;
    if (!rc && (!import_is_dir(in_dir) || !import_is_dir(gt_dir)))
        rc = inv_fail(INV_EFORMAT,
                      "%s: needs INPUT_IMAGES/ and GT_IMAGES/ (an ExposureErrors "
                      "training or validation folder)",
                      root);
    if (!rc) rc = import_list_dir(in_dir, 'f', &ins, &ni);
    if (!rc) rc = import_list_dir(gt_dir, 'f', &gts, &ng);
    char *used = rc ? NULL : calloc(ni ? ni : 1, 1);
    if (!rc && !used) rc = inv_fail(INV_ENOMEM, "oom");
    for (size_t g = 0; !rc && g < ng; g++) {
        if (!ends_with(gts[g], ".jpg", !official)) continue;
        const char *dash = strchr(gts[g], '-');
        if (!dash) {
            rc = inv_fail(INV_EFORMAT, "%s/%s: not an ExposureErrors name <id>-<name>.jpg", gt_dir,
                          gts[g]);
            break;
        }
        char id[64], base[512];
        snprintf(id, sizeof id, "%.*s", (int)(dash - gts[g]), gts[g]);
        snprintf(base, sizeof base, "%.*s", (int)(strlen(gts[g]) - 4), gts[g]);
        rc = rw_add(&l, gt_dir, gts[g], (int64_t)g, 0.0f);
        for (size_t i = 0; !rc && i < ni; i++) {
            if (!ends_with(ins[i], ".jpg", 1) || (official && !ends_with(ins[i], ".JPG", 0)))
                continue;
            char stem[512], *us;
            snprintf(stem, sizeof stem, "%.*s", (int)(strlen(ins[i]) - 4), ins[i]);
            us = strrchr(stem, '_');
            float ev = 0;
            if (!us || !exposure_ev(us + 1, &ev)) {
                rc = inv_fail(INV_EFORMAT,
                              "%s/%s: not an ExposureErrors input name <id>-<name>_<EV>.JPG "
                              "(EV N1.5, N1, 0, P1, P1.5)",
                              in_dir, ins[i]);
                break;
            }
            *us = '\0';
            // Official: every input whose name contains the id; paper: the same scene exactly.
            int match = official ? strstr(ins[i], id) != NULL : strcmp(stem, base) == 0;
            if (!match) continue;
            used[i] = 1;
            rc = rw_add(&l, in_dir, ins[i], (int64_t)g, ev);
        }
    }
    for (size_t i = 0; !rc && !official && i < ni; i++)
        if (!used[i] && ends_with(ins[i], ".jpg", 1))
            rc = inv_fail(INV_EFORMAT, "%s/%s: no ground-truth image %s/<id>-<name>.jpg for it",
                          in_dir, ins[i], gt_dir);
    if (!rc && l.n == 0) rc = inv_fail(INV_EFORMAT, "%s: no ground-truth images", gt_dir);
    if (!rc) rc = rw_emit(s, &l, "scene");
    if (!rc)
        rc = import_attr(s, "group_factor",
                         "exposure in EV of the input (-1.5 .. 1.5); the ground truth (expert C) "
                         "is 0, listed first in its group");
    if (!rc) rc = import_attr(s, "split", "%s", split);
    free(used);
    rw_free(&l);
    import_free_names(ins, ni);
    import_free_names(gts, ng);
    free(in_dir);
    free(gt_dir);
    free(root);
    return rc;
}

// ---- RealBlur --------------------------------------------------------------------------------

// Every SUB/*.png of every scene folder of dir ("gt" or "blur"), in sorted path order.
static int realblur_collect(const char *dir, const char *sub, char ***paths, size_t *n) {
    char **scenes = NULL;
    size_t ns = 0, cap = 0;
    *paths = NULL;
    *n = 0;
    int rc = import_list_dir(dir, 'd', &scenes, &ns);
    for (size_t i = 0; !rc && i < ns; i++) {
        char *sd = import_join(dir, scenes[i]);
        char *d = sd ? import_join(sd, sub) : NULL;
        char **names = NULL;
        size_t nn = 0;
        if (d && import_is_dir(d)) rc = import_list_dir(d, 'f', &names, &nn);
        for (size_t j = 0; !rc && j < nn; j++) {
            if (!ends_with(names[j], ".png", 0)) continue;
            if (*n == cap) {
                cap = cap ? 2 * cap : 256;
                char **v = realloc(*paths, cap * sizeof *v);
                if (!v) {
                    rc = inv_fail(INV_ENOMEM, "oom");
                    break;
                }
                *paths = v;
            }
            (*paths)[*n] = import_join(d, names[j]);
            if (!(*paths)[*n])
                rc = inv_fail(INV_ENOMEM, "oom");
            else
                (*n)++;
        }
        import_free_names(names, nn);
        free(d);
        free(sd);
    }
    import_free_names(scenes, ns);
    return rc;
}

static int open_realblur(const char *src, const import_options *o, import_set *s) {
    int official = o->protocol && strcmp(o->protocol, "official") == 0;
    const char *subset = o->subset ? o->subset : "J";
    if (strcmp(subset, "J") != 0 && strcmp(subset, "R") != 0)
        return inv_fail(INV_EINVAL, "--subset: '%s' is not J or R", subset);
    if (o->split && strcmp(o->split, "all") != 0)
        return inv_fail(INV_EINVAL,
                        "--split: realblur imports every scene (train + test) as the "
                        "official code; '%s' is not all",
                        o->split);
    char prefix[16];
    snprintf(prefix, sizeof prefix, "RealBlur-%s", subset);
    char **dirs = NULL;
    size_t nd = 0;
    char *dir = NULL;
    int rc = import_list_dir(src, 'd', &dirs, &nd);
    for (size_t i = 0; !rc && i < nd && !dir; i++)
        if (strncmp(dirs[i], prefix, strlen(prefix)) == 0) dir = import_join(src, dirs[i]);
    if (!rc && !dir) dir = strdup(src); // SRC is the subset folder itself
    char **gt = NULL, **bl = NULL;
    size_t ngt = 0, nbl = 0;
    rw_list l = {0};
    if (!rc) rc = realblur_collect(dir, "gt", &gt, &ngt);
    if (!rc) rc = realblur_collect(dir, "blur", &bl, &nbl);
    if (!rc && ngt == 0)
        rc = inv_fail(INV_EFORMAT, "%s: no sceneNNN/gt/gt_M.png images (RealBlur-%s layout)", dir,
                      subset);
    if (!rc && official && ngt != nbl)
        rc = inv_fail(INV_EFORMAT,
                      "%s: %zu sharp and %zu blurred images: the official code pairs "
                      "them by sorted position",
                      dir, ngt, nbl);
    for (size_t i = 0; !rc && i < ngt; i++) {
        char want[4096];
        if (official) {
            snprintf(want, sizeof want, "%s", bl[i]);
        } else {
            // .../sceneNNN/gt/gt_M.png -> .../sceneNNN/blur/blur_M.png
            const char *slash = strrchr(gt[i], '/');
            int dirlen = (int)(slash - gt[i]) - 2; // drops "gt"
            snprintf(want, sizeof want, "%.*sblur/blur_%s", dirlen, gt[i],
                     strncmp(slash + 1, "gt_", 3) == 0 ? slash + 4 : slash + 1);
            if (!import_is_file(want)) {
                rc = inv_fail(INV_EFORMAT, "%s: blurred image of %s missing", want, gt[i]);
                break;
            }
        }
        rc = rw_add(&l, NULL, gt[i], (int64_t)i, 0.0f);
        if (!rc) rc = rw_add(&l, NULL, want, (int64_t)i, 1.0f);
    }
    if (!rc) rc = rw_emit(s, &l, "pair");
    if (!rc) rc = import_attr(s, "group_factor", "0 = sharp (gt), 1 = blurred");
    if (!rc) rc = import_attr(s, "subset", "RealBlur-%s", subset);
    import_free_names(gt, ngt);
    import_free_names(bl, nbl);
    rw_free(&l);
    import_free_names(dirs, nd);
    free(dir);
    return rc;
}

int import_open_realworld(const char *kind, const char *src, const import_options *o,
                          import_set *s) {
    if (!import_is_dir(src)) return inv_fail(INV_EIO, "%s: no such folder", src);
    INV_TRY(import_begin(s, 0, 1, 1, 0));
    if (o->sample) return inv_fail(INV_EINVAL, "--sample does not apply to group sets");
    if (strcmp(kind, "coil100") == 0) return open_coil(src, s);
    if (strncmp(kind, "aloi-", 5) == 0) return open_aloi(kind, src, s);
    if (strncmp(kind, "alot-", 5) == 0) return open_alot(kind, src, o, s);
    if (strcmp(kind, "flickr1024") == 0) return open_flickr(src, o, s);
    if (strcmp(kind, "exposure-errors") == 0) return open_exposure(src, o, s);
    if (strcmp(kind, "realblur") == 0) return open_realblur(src, o, s);
    return inv_fail(INV_EINVAL, "import_open_realworld: unknown kind %s", kind);
}
