// import.c: the importers' shared machinery (import.h): the growable image list, subsets and
// --sample draws, directory listing, the dispatch over the data set families, and import_load
// (decode, landmark crop, Resize + CenterCrop, landmark targets through the same geometry).
#include "data/import.h"

#include "core/error.h"
#include "core/rng.h"
#include "data/numpy_rng.h"
#include "data/tar.h"
#include "image/resample.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

// ---- the list --------------------------------------------------------------------------------

void import_free(import_set *s) {
    if (!s) return;
    manifest_free(&s->list);
    free(s->groups);
    free(s->latents);
    free(s->points);
    free(s->extra);
    free(s->boxes);
    free(s->archive);
    free(s->member_offset);
    free(s->member_size);
    memset(s, 0, sizeof *s);
}

int import_begin(import_set *s, int with_labels, int with_groups, int k, int latent_k) {
    s->list.n = 0;
    s->list.k = k;
    s->latent_k = latent_k;
    s->list.labels = with_labels ? malloc(sizeof(int32_t)) : NULL;
    s->groups = with_groups ? malloc(sizeof(int32_t)) : NULL;
    if ((with_labels && !s->list.labels) || (with_groups && !s->groups))
        return inv_fail(INV_ENOMEM, "import: out of memory");
    return INV_OK;
}

// Grows a per-image array to hold `cap` entries of `width` elements of `elem` bytes.
static int grow(void **p, int64_t cap, size_t width, size_t elem) {
    if (!*p || width == 0) return INV_OK;
    void *q = realloc(*p, (size_t)cap * width * elem);
    if (!q) return inv_fail(INV_ENOMEM, "import: out of memory for %lld images", (long long)cap);
    *p = q;
    return INV_OK;
}

int import_push(import_set *s, const char *path, int32_t label, int32_t group, const float *targets,
                const float *latents) {
    int64_t n = s->list.n;
    if (n == s->cap) {
        int64_t cap = s->cap ? 2 * s->cap : 64;
        void *paths = realloc(s->list.paths, (size_t)cap * sizeof(char *));
        if (!paths) return inv_fail(INV_ENOMEM, "import: out of memory");
        s->list.paths = paths;
        if (s->list.k > 0 && !s->list.targets) s->list.targets = malloc(sizeof(float));
        if (s->latent_k > 0 && !s->latents) s->latents = malloc(sizeof(float));
        if ((s->list.k > 0 && !s->list.targets) || (s->latent_k > 0 && !s->latents))
            return inv_fail(INV_ENOMEM, "import: out of memory");
        INV_TRY(grow((void **)&s->list.labels, cap, 1, sizeof(int32_t)));
        INV_TRY(grow((void **)&s->groups, cap, 1, sizeof(int32_t)));
        INV_TRY(grow((void **)&s->list.targets, cap, (size_t)s->list.k, sizeof(float)));
        INV_TRY(grow((void **)&s->latents, cap, (size_t)s->latent_k, sizeof(float)));
        s->cap = cap;
    }
    s->list.paths[n] = strdup(path);
    if (!s->list.paths[n]) return inv_fail(INV_ENOMEM, "import: out of memory");
    if (s->list.labels) s->list.labels[n] = label;
    if (s->groups) {
        s->groups[n] = group;
        if (group + 1 > s->ngroups) s->ngroups = group + 1;
    }
    if (s->list.k > 0)
        for (int j = 0; j < s->list.k; j++)
            s->list.targets[n * s->list.k + j] = targets ? targets[j] : 0.0f;
    if (s->latent_k > 0)
        memcpy(s->latents + n * s->latent_k, latents, sizeof(float) * (size_t)s->latent_k);
    s->list.n = n + 1;
    return INV_OK;
}

// Rebuilds one per-image array in the order idx (width elements of elem bytes per image).
static int reorder(void **p, const int64_t *idx, int64_t m, size_t width, size_t elem) {
    if (!*p || width == 0) return INV_OK;
    uint8_t *q = malloc((size_t)(m ? m : 1) * width * elem);
    if (!q) return inv_fail(INV_ENOMEM, "import: out of memory");
    size_t row = width * elem;
    for (int64_t i = 0; i < m; i++) memcpy(q + (size_t)i * row, (uint8_t *)*p + idx[i] * row, row);
    free(*p);
    *p = q;
    return INV_OK;
}

int import_select(import_set *s, const int64_t *idx, int64_t m) {
    for (int64_t i = 0; i < m; i++)
        if (idx[i] < 0 || idx[i] >= s->list.n)
            return inv_fail(INV_ERANGE, "import: index %lld outside the %lld images",
                            (long long)idx[i], (long long)s->list.n);
    char **paths = malloc(sizeof(char *) * (size_t)(m ? m : 1));
    if (!paths) return inv_fail(INV_ENOMEM, "import: out of memory");
    for (int64_t i = 0; i < m; i++) {
        paths[i] = strdup(s->list.paths[idx[i]]);
        if (!paths[i]) {
            for (int64_t j = 0; j < i; j++) free(paths[j]);
            free(paths);
            return inv_fail(INV_ENOMEM, "import: out of memory");
        }
    }
    for (int64_t i = 0; i < s->list.n; i++) free(s->list.paths[i]);
    free(s->list.paths);
    s->list.paths = paths;
    INV_TRY(reorder((void **)&s->list.labels, idx, m, 1, sizeof(int32_t)));
    INV_TRY(reorder((void **)&s->groups, idx, m, 1, sizeof(int32_t)));
    INV_TRY(reorder((void **)&s->list.targets, idx, m, (size_t)s->list.k, sizeof(float)));
    INV_TRY(reorder((void **)&s->latents, idx, m, (size_t)s->latent_k, sizeof(float)));
    INV_TRY(reorder((void **)&s->points, idx, m, (size_t)s->npoints * 2, sizeof(float)));
    INV_TRY(reorder((void **)&s->extra, idx, m, (size_t)s->extra_k, sizeof(float)));
    INV_TRY(reorder((void **)&s->boxes, idx, m, 3, sizeof(float)));
    INV_TRY(reorder((void **)&s->member_offset, idx, m, 1, sizeof(int64_t)));
    INV_TRY(reorder((void **)&s->member_size, idx, m, 1, sizeof(int64_t)));
    s->list.n = m;
    s->cap = m;
    return INV_OK;
}

int import_attr(import_set *s, const char *name, const char *fmt, ...) {
    int i = 0;
    while (i < s->nattrs && strcmp(s->attr_name[i], name) != 0) i++;
    if (i == IMPORT_MAX_ATTRS) return inv_fail(INV_ERANGE, "import: too many attributes");
    snprintf(s->attr_name[i], sizeof s->attr_name[i], "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->attr_value[i], sizeof s->attr_value[i], fmt, ap);
    va_end(ap);
    if (i == s->nattrs) s->nattrs++;
    return INV_OK;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int import_sample(import_set *s, const import_options *o, int64_t official_k) {
    const char *spec = o->sample;
    if (!spec || strcmp(spec, "all") == 0) return INV_OK;
    int64_t n = s->list.n, m = 0;
    char *end;
    int64_t *idx = NULL;
    if (strncmp(spec, "official", 8) == 0) {
        int64_t k = official_k;
        if (spec[8] == ':') {
            k = strtoll(spec + 9, &end, 10);
            if (*end || k <= 0) return inv_fail(INV_EINVAL, "--sample: bad count in '%s'", spec);
        } else if (spec[8])
            return inv_fail(INV_EINVAL, "--sample: '%s' is not official or official:K", spec);
        if (k <= 0)
            return inv_fail(INV_EINVAL, "--sample official: this data set has no official "
                                        "sample (use N, first:N or all)");
        idx = malloc(sizeof *idx * (size_t)k);
        if (!idx) return inv_fail(INV_ENOMEM, "--sample: out of memory");
        np_mt19937 mt;
        np_seed(&mt, 0);
        np_choice(&mt, n, k, idx); // np.random.seed(0); np.random.choice(np.arange(n), k)
        m = k;
        INV_TRY(import_attr(s, "sample",
                            "official: np.random.seed(0); "
                            "np.random.choice(np.arange(%lld), %lld) (with "
                            "replacement, draw order)",
                            (long long)n, (long long)k));
    } else {
        int first = strncmp(spec, "first:", 6) == 0;
        int64_t k = strtoll(first ? spec + 6 : spec, &end, 10);
        if (*end || k <= 0)
            return inv_fail(INV_EINVAL,
                            "--sample: '%s' is not all, official[:K], first:N or a count N", spec);
        if (k >= n) {
            INV_TRY(import_attr(s, "sample", "all %lld images (%lld asked)", (long long)n,
                                (long long)k));
            return INV_OK;
        }
        idx = malloc(sizeof *idx * (size_t)(first ? k : n));
        if (!idx) return inv_fail(INV_ENOMEM, "--sample: out of memory");
        if (first) {
            for (int64_t i = 0; i < k; i++) idx[i] = i;
            INV_TRY(import_attr(s, "sample", "the first %lld of %lld", (long long)k, (long long)n));
        } else {
            if (n > UINT32_MAX) {
                free(idx);
                return inv_fail(INV_ERANGE, "--sample: too many images");
            }
            uint32_t *perm = malloc(sizeof *perm * (size_t)n);
            if (!perm) {
                free(idx);
                return inv_fail(INV_ENOMEM, "--sample: out of memory");
            }
            rng_stream r;
            rng_stream_init(&r, o->seed, RNG_PURPOSE_SAMPLE, 0, 0, 0);
            rng_permutation(&r, perm, (uint32_t)n);
            for (int64_t i = 0; i < k; i++) idx[i] = perm[i];
            free(perm);
            qsort(idx, (size_t)k, sizeof *idx, cmp_i64);
            INV_TRY(import_attr(s, "sample",
                                "%lld of %lld drawn without replacement (invar Philox, seed "
                                "%llu), in list order",
                                (long long)k, (long long)n, (unsigned long long)o->seed));
        }
        m = k;
    }
    int rc = import_select(s, idx, m);
    free(idx);
    return rc;
}

// ---- files and folders -----------------------------------------------------------------------

char *import_join(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    char *p = malloc(la + lb + 2);
    if (!p) return NULL;
    memcpy(p, a, la);
    size_t k = la;
    if (la && a[la - 1] != '/') p[k++] = '/';
    memcpy(p + k, b, lb + 1);
    return p;
}

int import_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int import_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int has_image_ext(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0 ||
                   strcasecmp(dot, ".jpeg") == 0);
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void import_free_names(char **names, size_t n) {
    for (size_t i = 0; names && i < n; i++) free(names[i]);
    free(names);
}

int import_list_dir(const char *dir, char want, char ***names, size_t *n) {
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) return inv_fail(INV_EIO, "%s: cannot open folder: %s", dir, strerror(errno));
    size_t cap = 0;
    int rc = INV_OK;
    struct dirent *e;
    while (rc == INV_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *p = import_join(dir, e->d_name);
        if (!p) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", dir);
            break;
        }
        int keep = want == 'd' ? import_is_dir(p)
                               : import_is_file(p) && (want == 'a' || has_image_ext(e->d_name));
        free(p);
        if (!keep) continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 64;
            char **v = realloc(*names, cap * sizeof *v);
            if (!v) {
                rc = inv_fail(INV_ENOMEM, "%s: out of memory", dir);
                break;
            }
            *names = v;
        }
        (*names)[*n] = strdup(e->d_name);
        if (!(*names)[*n])
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", dir);
        else
            (*n)++;
    }
    closedir(d);
    if (rc) {
        import_free_names(*names, *n);
        *names = NULL;
        *n = 0;
        return rc;
    }
    if (*n) qsort(*names, *n, sizeof **names, cmp_name);
    return INV_OK;
}

int import_read_text(const char *path, char **text, size_t *len) {
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return inv_fail(INV_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return inv_fail(INV_ENOMEM, "%s: out of memory", path);
        }
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) free(buf);
            buf = nb;
            cap *= 2;
            continue;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return inv_fail(INV_EIO, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return INV_OK;
}

// ---- dispatch --------------------------------------------------------------------------------

typedef struct {
    const char *name;
    int (*open)(const char *kind, const char *src, const import_options *o, import_set *s);
} importer;

static const importer importers[] = {
    {"causal3dident", import_open_causal},   {"coil100", import_open_realworld},
    {"aloi-view", import_open_realworld},    {"aloi-illum", import_open_realworld},
    {"aloi-temp", import_open_realworld},    {"alot-view", import_open_realworld},
    {"alot-illum", import_open_realworld},   {"alot-temp", import_open_realworld},
    {"flickr1024", import_open_realworld},   {"exposure-errors", import_open_realworld},
    {"realblur", import_open_realworld},     {"caltech101", import_open_downstream},
    {"flowers102", import_open_downstream},  {"300w", import_open_downstream},
    {"celeba", import_open_downstream},      {"lsp", import_open_downstream},
    {"imagenet-val", import_open_synthetic}, {"coco", import_open_synthetic},
    {"inat", import_open_synthetic},         {"folder", import_open_synthetic},
    {"manifest", import_open_synthetic},
};

int import_open(const char *kind, const char *src, const import_options *o, import_set *s) {
    memset(s, 0, sizeof *s);
    if (o->protocol && strcmp(o->protocol, "paper") != 0 && strcmp(o->protocol, "official") != 0)
        return inv_fail(INV_EINVAL, "--protocol: '%s' is not paper or official", o->protocol);
    if (o->targets && strcmp(o->targets, "normalised") != 0 && strcmp(o->targets, "official") != 0)
        return inv_fail(INV_EINVAL, "--targets: '%s' is not normalised or official", o->targets);
    s->resize = o->resize;
    s->crop = o->crop;
    for (size_t i = 0; i < sizeof importers / sizeof importers[0]; i++)
        if (strcmp(kind, importers[i].name) == 0) {
            int rc = importers[i].open(kind, src, o, s);
            if (rc == INV_OK && s->list.n == 0)
                rc = inv_fail(INV_EFORMAT, "%s: no images for %s%s%s", src, kind,
                              o->split ? " --split " : "", o->split ? o->split : "");
            if (rc) import_free(s);
            return rc;
        }
    return inv_fail(INV_EINVAL, "unknown data set '%s' (see --help for the list)", kind);
}

// ---- decoding with the geometry ----------------------------------------------------------------

static int replace(image_u8 *img, int rc, image_u8 *tmp, const char *path) {
    image_free(img);
    if (rc) return inv_fail_context(rc, "%s", path);
    *img = *tmp;
    return INV_OK;
}

int import_load(const import_set *s, int64_t i, image_u8 *img, float *targets) {
    const char *path = s->list.paths[i];
    if (s->archive) {
        tar_member mem = {s->list.paths[i], s->member_offset[i], s->member_size[i]};
        uint8_t *bytes;
        INV_TRY(tar_read_member(s->archive, &mem, &bytes));
        int rc = image_decode_memory(bytes, (size_t)mem.size, path, img);
        free(bytes);
        INV_TRY(rc);
    } else
        INV_TRY(image_decode_file(path, img));
    image_u8 tmp;
    double ox = 0, oy = 0, sx = 1, sy = 1; // output = (source - o) * s - c
    double ox_code = 0, oy_code = 0;       // the official code's origin (unrounded box corner)
    double side = 0;                       // the square's side before Resize (GEOM_*)
    if (s->geom == GEOM_BOX) {
        // PIL crop((x1, y1, x1 + L, y1 + L)): Pillow rounds the box with round() (half to even).
        const float *b = s->boxes + i * 3;
        double x0 = nearbyint(b[0]), y0 = nearbyint(b[1]);
        double x1 = nearbyint((double)b[0] + b[2]), y1 = nearbyint((double)b[1] + b[2]);
        INV_TRY(replace(img,
                        image_crop(img, (int)x0, (int)y0, (int)(x1 - x0), (int)(y1 - y0), &tmp),
                        &tmp, path));
        ox = x0;
        oy = y0;
        ox_code = b[0]; // the official code shifts points by the unrounded corner
        oy_code = b[1];
        side = b[2];
    } else if (s->geom == GEOM_CENTER_SQUARE) {
        int m = img->w < img->h ? img->w : img->h;
        int left = (img->w - m) / 2, top = (img->h - m) / 2;
        INV_TRY(replace(img, image_crop(img, left, top, m, m, &tmp), &tmp, path));
        ox = ox_code = left;
        oy = oy_code = top;
        side = m;
    }
    int w0 = img->w, h0 = img->h;
    if (s->resize > 0) {
        INV_TRY(replace(img, image_resize_shorter(img, s->resize, &tmp), &tmp, path));
        sx = (double)img->w / w0;
        sy = (double)img->h / h0;
    }
    double cx = 0, cy = 0;
    if (s->crop > 0) {
        cx = (int)nearbyint((img->w - s->crop) / 2.0);
        cy = (int)nearbyint((img->h - s->crop) / 2.0);
        INV_TRY(replace(img, image_center_crop(img, s->crop, s->crop, &tmp), &tmp, path));
    }
    if (!targets || s->list.k == 0) return INV_OK;
    if (s->npoints == 0) {
        memcpy(targets, s->list.targets + i * s->list.k, sizeof(float) * (size_t)s->list.k);
        return INV_OK;
    }
    const float *pt = s->points + i * s->npoints * 2;
    double S = s->resize > 0 ? s->resize : side;
    for (int p = 0; p < s->npoints; p++) {
        double x = pt[2 * p], y = pt[2 * p + 1], tx, ty;
        switch (s->landmarks) {
        case LMK_OFFICIAL_300W:
        case LMK_OFFICIAL_LSP:
            tx = (x - ox_code) * S / side;
            ty = (y - oy_code) * S / side;
            break;
        case LMK_OFFICIAL_CELEBA:
            S = s->resize > 0 ? s->resize : 178;
            tx = trunc(x * S / 178.0); // the code writes into an int64 tensor
            ty = trunc((y - 20) * S / 178.0);
            break;
        default:
            tx = ((x - ox) * sx - cx) / img->w;
            ty = ((y - oy) * sy - cy) / img->h;
            break;
        }
        targets[2 * p] = (float)tx;
        targets[2 * p + 1] = (float)ty;
    }
    for (int e = 0; e < s->extra_k; e++) targets[2 * s->npoints + e] = s->extra[i * s->extra_k + e];
    return INV_OK;
}

const char *import_help(void) {
    return "  folder SRC    SRC/CLASS/*.jpg|png, classes sorted by name (torchvision's\n"
           "                ImageFolder); labels are class indices.\n"
           "  manifest SRC  a CSV file: path,label or path,t1,...,tk (targets); paths\n"
           "                relative to the CSV's folder; optional header line.\n"
           "Synthetic invariance (label = class; --sample official = numpy's seed-0 draws):\n"
           "  imagenet-val SRC  val/<wnid>/*.JPEG, or ILSVRC2012_img_val.tar (read as it is) or\n"
           "                its unpacked flat folder with --devkit ILSVRC2012_devkit_t12 (the\n"
           "                unpacked devkit: data/ILSVRC2012_validation_ground_truth.txt,\n"
           "                data/meta.mat); ImageFolder order (wnid, file name); official:\n"
           "                1000 draws.\n"
           "  coco SRC      val2017/*.jpg (sorted) or one dummy class folder (the official\n"
           "                arrangement is unverified: both accepted); official: 100 draws.\n"
           "  inat SRC      iNat 2021 val/<category>/*.jpg; official: 100 draws.\n"
           "Real-world groups (group(n), target(n,1) = the image's value of the group factor):\n"
           "  coil100 SRC   SRC/obj<o>__<angle>.png: 72 views per object.\n"
           "  aloi-view|aloi-illum|aloi-temp SRC  SRC/<obj>/<obj>_r<a>.png | _l<L>c<C>.png |\n"
           "                _i<T>.png (SRC may hold viewpoint/, illumination/, temperature/);\n"
           "                illumination groups are camera x object (3000 x 8).\n"
           "  alot-view|alot-illum|alot-temp SRC  SRC/<t>/<t>_c<C>l<L>[r<R>].png, <t>_c<C>i.png;\n"
           "                view: 6 lights x 250 textures of 16 images; --protocol official\n"
           "                keeps the code's 250 distinct groups repeated 6 times.\n"
           "  flickr1024 SRC  SRC/{Train,Validation,Test}/NNNN_L.png + NNNN_R.png (pairs);\n"
           "                --split train|validation|test|all (default all).\n"
           "  exposure-errors SRC  SRC/{INPUT_IMAGES,GT_IMAGES} or SRC/{training,validation}/..;\n"
           "                --split training|validation (default training; which one the paper\n"
           "                used is unknown); a group = ground truth + the 5 exposures of its\n"
           "                scene (--protocol official: inputs whose name contains the id).\n"
           "  realblur SRC  RealBlur root (RealBlur-J_*/, RealBlur-R_*/) or one subset folder:\n"
           "                sceneNNN/gt/gt_M.png + blur/blur_M.png; --subset J|R (default J);\n"
           "                --protocol official pairs sorted sharp and blurred by position.\n"
           "Downstream tasks (official splits; landmark targets per --targets):\n"
           "  caltech101 SRC  101_ObjectCategories/<class>/ under SRC (or SRC/caltech101/) and\n"
           "                train.txt, test.txt (in --splits DIR, default SRC); --split\n"
           "                trainval|test; shard attribute metric = mean_class.\n"
           "  flowers102 SRC  SRC/jpg/, imagelabels.mat, setid.mat; --split trainval|train|val|\n"
           "                test|all (trainval = trnid + valid).\n"
           "  300w SRC      SRC/01_Indoor/*.png|.pts, SRC/02_Outdoor/..; target(n,136); the\n"
           "                landmarks' square box is cut first; --split trainval|train|valid|\n"
           "                test|all (numpy seed-0 shuffle: 180/180/240 of 600).\n"
           "  celeba SRC    img_align_celeba/, list_landmarks_align_celeba.txt and\n"
           "                list_eval_partition.txt (in SRC, SRC/celeba, Anno/, Eval/);\n"
           "                target(n,10); --split trainval|train|valid|test|all.\n"
           "  lsp SRC       SRC/images/im%04d.jpg + joints.mat (3 x 14 x N, or LSP-extended\n"
           "                14 x 3 x N); target(n,28) (+14 flags with --visibility); centre\n"
           "                square crop first; --split trainval|test|all (seed-0 shuffle "
           "1200/800).\n"
           "  --targets normalised (default): x, y in the output image divided by its side;\n"
           "                official: the code's values (300w/lsp pixels at --resize, celeba\n"
           "                truncated x*S/178, (y-20)*S/178). Coordinates are taken as stored\n"
           "                (whether they are 1-based is unverified; nothing is subtracted).\n"
           "Causal3DIdent:\n"
           "  causal3dident SRC  SRC/{trainset,testset} or one split folder: images_<c>/*.png\n"
           "                and latents_<c>.npy (float32/64, N x 10; --latents raw reads\n"
           "                raw_latents_<c>.npy); label = c, latent(n,10); --split train|test;\n"
           "                the paper: --sample 20480 (train); the whole test set (its 40,960\n"
           "                cap exceeds the 25,000 test images).\n";
}
