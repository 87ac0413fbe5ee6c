// cmd_import.c: `invar-data import NAME SRC --out SHARD.nc`: converts a published on-disk
// layout (CIFAR-10 here, every other data set through data/import.h) into an image shard. Ranks
// decode separate blocks of images; rank 0 gathers them in index order and writes, so the shard is
// the same on any number of ranks.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "data/import.h"
#include "data/shard.h"
#include "io/image.h"

#include <dirent.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { CIFAR_SIDE = 32, CIFAR_RECORD = 1 + 3 * 32 * 32, CIFAR_CLASSES = 10 };

// ---- CIFAR-10 binary batches: 1 label byte + 1024 R + 1024 G + 1024 B bytes per image ------

typedef struct {
    char **files;
    int nfiles;
    int64_t *counts; // images per file
    int64_t n;
    char classes[1024]; // comma-separated names from batches.meta.txt, if present
} cifar_source;

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cifar_add_file(cifar_source *c, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return inv_fail_errno(path, "stat");
    if (st.st_size == 0 || st.st_size % CIFAR_RECORD != 0)
        return inv_fail(INV_EFORMAT,
                        "%s: %lld bytes is not a whole number of CIFAR-10 records (%d bytes each: "
                        "1 label byte + 3072 pixel bytes); the file is truncated or not a CIFAR-10 "
                        "binary batch",
                        path, (long long)st.st_size, CIFAR_RECORD);
    char **files = realloc(c->files, sizeof *files * (size_t)(c->nfiles + 1));
    int64_t *counts = realloc(c->counts, sizeof *counts * (size_t)(c->nfiles + 1));
    if (files) c->files = files;
    if (counts) c->counts = counts;
    if (!files || !counts) return inv_fail(INV_ENOMEM, "%s: out of memory", path);
    c->files[c->nfiles] = strdup(path);
    if (!c->files[c->nfiles]) return inv_fail(INV_ENOMEM, "%s: out of memory", path);
    c->counts[c->nfiles++] = st.st_size / CIFAR_RECORD;
    c->n += st.st_size / CIFAR_RECORD;
    return INV_OK;
}

static void cifar_free(cifar_source *c) {
    for (int i = 0; i < c->nfiles; i++) free(c->files[i]);
    free(c->files);
    free(c->counts);
    memset(c, 0, sizeof *c);
}

static int cifar_open(cifar_source *c, const char *src, const char *split) {
    memset(c, 0, sizeof *c);
    if (!is_dir(src)) return cifar_add_file(c, src);
    int want_train = strcmp(split, "train") == 0 || strcmp(split, "all") == 0;
    int want_test = strcmp(split, "test") == 0 || strcmp(split, "all") == 0;
    if (!want_train && !want_test)
        return inv_fail(INV_EINVAL, "--split: '%s' is not train, test or all", split);
    char path[4096];
    if (want_train)
        for (int b = 1; b <= 5; b++) {
            snprintf(path, sizeof path, "%s/data_batch_%d.bin", src, b);
            INV_TRY(cifar_add_file(c, path));
        }
    if (want_test) {
        snprintf(path, sizeof path, "%s/test_batch.bin", src);
        INV_TRY(cifar_add_file(c, path));
    }
    snprintf(path, sizeof path, "%s/batches.meta.txt", src);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[256];
        int k = 0;
        while (k < CIFAR_CLASSES && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (!line[0]) continue;
            size_t used = strlen(c->classes);
            snprintf(c->classes + used, sizeof c->classes - used, "%s%s", k ? "," : "", line);
            k++;
        }
        fclose(f);
    }
    return INV_OK;
}

// Reads images [start, start + count) of the concatenated batches into HWC pixels and labels.
static int cifar_read(const cifar_source *c, int64_t start, int64_t count, uint8_t *pixels,
                      int32_t *labels) {
    unsigned char rec[CIFAR_RECORD];
    int64_t base = 0;
    for (int fi = 0; fi < c->nfiles && count > 0; fi++) {
        int64_t in_file = c->counts[fi];
        if (start >= base + in_file) {
            base += in_file;
            continue;
        }
        FILE *f = fopen(c->files[fi], "rb");
        INV_CHECK_IO(f != NULL, c->files[fi], "open");
        int64_t first = start - base;
        if (fseek(f, (long)(first * CIFAR_RECORD), SEEK_SET) != 0) {
            fclose(f);
            return inv_fail_errno(c->files[fi], "seek");
        }
        int64_t here = in_file - first < count ? in_file - first : count;
        for (int64_t i = 0; i < here; i++) {
            if (fread(rec, 1, CIFAR_RECORD, f) != CIFAR_RECORD) {
                fclose(f);
                return inv_fail(INV_EFORMAT, "%s: record %lld: unexpected end of file",
                                c->files[fi], (long long)(first + i));
            }
            if (rec[0] >= CIFAR_CLASSES) {
                fclose(f);
                return inv_fail(INV_EFORMAT,
                                "%s: record %lld: label %d is not a CIFAR-10 class (0..9)",
                                c->files[fi], (long long)(first + i), rec[0]);
            }
            labels[i] = rec[0];
            uint8_t *px = pixels + i * (CIFAR_SIDE * CIFAR_SIDE * 3);
            for (int p = 0; p < CIFAR_SIDE * CIFAR_SIDE; p++)
                for (int ch = 0; ch < 3; ch++) px[p * 3 + ch] = rec[1 + ch * 1024 + p];
        }
        fclose(f);
        pixels += here * CIFAR_SIDE * CIFAR_SIDE * 3;
        labels += here;
        start += here;
        count -= here;
        base += in_file;
    }
    return count == 0 ? INV_OK : inv_fail(INV_ERANGE, "cifar10: read past the last image");
}

// ---- the import loop, shared by all sources -------------------------------------------------

typedef struct {
    const char *kind;
    cifar_source cifar;
    import_set set; // every other data set (data/import.h)
    int64_t n, h, w, c;
    int64_t k, latent_k; // targets and latents per image (0 = none)
    int with_label, with_group;
} import_source;

// Decodes images [start, start+count) on this rank: pixels HWC and what the shard stores.
static int source_read(import_source *s, int64_t start, int64_t count, uint8_t *pixels,
                       int32_t *labels, float *targets, int32_t *groups, float *latents) {
    if (s->cifar.nfiles) return cifar_read(&s->cifar, start, count, pixels, labels);
    const import_set *set = &s->set;
    size_t img_bytes = (size_t)(s->h * s->w * s->c);
    for (int64_t i = 0; i < count; i++) {
        int64_t j = start + i;
        image_u8 img;
        INV_TRY(import_load(set, j, &img, s->k ? targets + i * s->k : NULL));
        if (img.w != s->w || img.h != s->h) {
            int w = img.w, h = img.h;
            image_free(&img);
            return inv_fail(INV_EFORMAT,
                            "%s: image is %dx%d but the shard's images are %lldx%lld (w x h, set "
                            "by the first image, %s); use --resize R --crop C to bring images of "
                            "different sizes to one",
                            set->list.paths[j], w, h, (long long)s->w, (long long)s->h,
                            set->list.paths[0]);
        }
        memcpy(pixels + (size_t)i * img_bytes, img.data, img_bytes);
        image_free(&img);
        if (s->with_label) labels[i] = set->list.labels[j];
        if (s->with_group) groups[i] = set->groups[j];
        if (s->latent_k)
            memcpy(latents + i * s->latent_k, set->latents + j * s->latent_k,
                   sizeof(float) * (size_t)s->latent_k);
    }
    return INV_OK;
}

static int open_source(import_source *s, const char *kind, const char *src,
                       const import_options *o) {
    memset(s, 0, sizeof *s);
    s->kind = kind;
    if (strcmp(kind, "cifar10") == 0) {
        INV_TRY(cifar_open(&s->cifar, src, o->split ? o->split : "all"));
        if (o->resize || o->crop)
            return inv_fail(INV_EINVAL, "--resize/--crop do not apply to cifar10: CIFAR-10 images "
                                        "are stored at 32x32 as published (the feature "
                                        "extractor resizes)");
        s->n = s->cifar.n;
        s->h = s->w = CIFAR_SIDE;
        s->c = 3;
        s->with_label = 1;
        return INV_OK;
    }
    INV_TRY(import_open(kind, src, o, &s->set));
    image_u8 first;
    INV_TRY(import_load(&s->set, 0, &first, NULL));
    s->n = s->set.list.n;
    s->h = first.h;
    s->w = first.w;
    s->c = 3;
    s->k = s->set.list.k;
    s->latent_k = s->set.latent_k;
    s->with_label = s->set.list.labels != NULL;
    s->with_group = s->set.groups != NULL;
    image_free(&first);
    return INV_OK;
}

static void close_source(import_source *s) {
    cifar_free(&s->cifar);
    import_free(&s->set);
}

// The class names, comma-separated (malloc'd; "" when none); NULL when out of memory.
static char *class_names_attr(const import_source *s) {
    if (s->cifar.nfiles) return strdup(s->cifar.classes);
    const manifest *m = &s->set.list;
    size_t size = 1;
    for (int i = 0; m->class_names && i < m->nclasses; i++) size += strlen(m->class_names[i]) + 1;
    char *buf = malloc(size);
    if (!buf) return NULL;
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; m->class_names && i < m->nclasses; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "", m->class_names[i]);
    return buf;
}

// Gathers the ranks' blocks of one per-image array (width elements of type t) on rank 0, in
// rank order = index order; rank 0's block is in place.
static void gather_rows(void *buf, int mine, int width, MPI_Datatype t, const int *counts,
                        const int *displs) {
    MPI_Datatype row;
    MPI_Type_contiguous(width, t, &row);
    MPI_Type_commit(&row);
    MPI_Gatherv(mpi_rank() == 0 ? MPI_IN_PLACE : buf, mine, row, buf, counts, displs, row, 0,
                MPI_COMM_WORLD);
    MPI_Type_free(&row);
}

// Collective: when any rank failed, removes rank 0's partial output (`partial`, NULL elsewhere),
// prints the failing rank's message and exits non-zero on every rank.
static void stop_unless_all_ok(int rc, shard *partial) {
    if (mpi_all_ok(rc == INV_OK)) return;
    if (partial) shard_abort(partial);
    if (rc) program_fail_last(rc);
    program_exit(1);
}

int cmd_import(int argc, char **argv) {
    const char *out = NULL, *name = NULL;
    import_options o = {0};
    int64_t block = 64;
    cli_option opts[] = {
        {"out", 'o', OPT_STRING, &out, "SHARD.nc", "output shard (required)", 0, 0, 1},
        {"split", 0, OPT_STRING, &o.split, "SPLIT",
         "which part of the data set (per data set, see the list above)", 0, 0, 1},
        {"protocol", 0, OPT_STRING, &o.protocol, "paper|official",
         "official = the official code's selection and quirks where they differ from the paper "
         "(default paper)",
         0, 0, 1},
        {"sample", 0, OPT_STRING, &o.sample, "all|official[:K]|first:N|N",
         "official = numpy's np.random.seed(0); choice(arange(n), K) (with replacement, draw "
         "order; K = the data set's count); first:N; N = N distinct images drawn by --seed, in "
         "list order (default all)",
         0, 0, 1},
        {"targets", 0, OPT_STRING, &o.targets, "normalised|official",
         "landmark sets: coordinates in the output image divided by its side (the paper's "
         "normalised targets, default) or the official code's values",
         0, 0, 1},
        {"latents", 0, OPT_STRING, &o.latents, "latents|raw",
         "causal3dident: latents_<c>.npy (the official code's, default) or raw_latents_<c>.npy", 0,
         0, 1},
        {"devkit", 0, OPT_STRING, &o.devkit, "DIR",
         "imagenet-val, flat folder or tar: the unpacked ILSVRC2012_devkit_t12 folder", 0, 0, 1},
        {"splits", 0, OPT_STRING, &o.splits, "DIR",
         "caltech101: the folder holding train.txt and test.txt (default SRC)", 0, 0, 1},
        {"subset", 0, OPT_STRING, &o.subset, "J|R", "realblur: which camera pipeline (default J)",
         0, 0, 1},
        {"visibility", 0, OPT_FLAG, &o.visibility, NULL,
         "lsp: append the 14 joint flags of joints.mat (as stored) to the 28 coordinates", 0, 0, 0},
        {"name", 0, OPT_STRING, &name, "NAME",
         "data set name stored in the shard (default: the kind)", 0, 0, 1},
        {"block", 0, OPT_INT64, &block, "N", "images decoded per rank per step", 1, 65536, 0},
        {"resize", 0, OPT_INT, &o.resize, "R",
         "resize the shorter side to R pixels (bilinear, as torchvision Resize(R)); 0 = off", 0,
         65535, 0},
        {"crop", 0, OPT_INT, &o.crop, "C",
         "centre crop to CxC (as torchvision CenterCrop(C)); 0 = off", 0, 65535, 0},
    };
    static char summary[16384];
    snprintf(summary, sizeof summary,
             "Imports a data set, as its publishers distribute it, into an image shard (NetCDF-4:\n"
             "image(n,h,w,c) uint8 and label(n), target(n,k), group(n) or latent(n,10)).\n"
             "  cifar10 SRC   SRC is the 'cifar-10-batches-bin' folder (data_batch_1..5.bin,\n"
             "                test_batch.bin, batches.meta.txt) or one batch file; 3073-byte\n"
             "                records: 1 label byte, then 1024 R, 1024 G, 1024 B bytes;\n"
             "                --split train|test|all.\n"
             "%s"
             "All images of one shard have one size: give --resize and --crop for data sets\n"
             "whose images differ in size (the paper: --resize 224 --crop 224; synthetic\n"
             "invariance sets --resize 256 --crop 224).",
             import_help());
    cli_common common = {0};
    cli_spec spec = {
        .prog = "invar-data import",
        .usage = "NAME SRC --out SHARD.nc [--resize R --crop C] [--split S]",
        .summary = summary,
        .example = "  invar-data import cifar10 cifar-10-batches-bin --out cifar10.nc\n"
                   "  mpirun -np 4 invar-data import coil100 coil-100 --resize 224 --crop 224 "
                   "--out coil100.nc\n"
                   "  invar-data import causal3dident Causal3DIdent --split train --sample 20480 "
                   "--out ident_train.nc",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof opts[0]),
        .min_positional = 2,
        .max_positional = 2,
    };
    int first = program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    if (!out) program_fail(INV_EINVAL, "--out SHARD.nc is required (see --help)");
    program_apply_common(&common);
    o.seed = common.seed;
    const char *kind = argv[first], *src = argv[first + 1];
    int rank = mpi_rank(), size = mpi_size();

    import_source s;
    rc = open_source(&s, kind, src, &o);
    stop_unless_all_ok(rc, NULL);
    shard_spec sspec = {.h = s.h,
                        .w = s.w,
                        .c = s.c,
                        .with_label = s.with_label,
                        .target_k = s.k,
                        .with_group = s.with_group,
                        .latent_k = s.latent_k};
    shard out_shard;
    if (rank == 0) {
        rc = shard_create(&out_shard, out, &sspec);
        char *classes = class_names_attr(&s);
        if (!classes) rc = inv_fail(INV_ENOMEM, "out of memory");
        if (!rc) rc = shard_set_attr(&out_shard, "dataset", name ? name : kind);
        if (!rc) rc = shard_set_attr(&out_shard, "source", src);
        if (!rc) rc = shard_set_attr(&out_shard, "importer", kind);
        if (!rc && (o.resize || o.crop)) {
            char pre[128];
            snprintf(pre, sizeof pre, "Resize(%d) CenterCrop(%d) (0 = not applied)", o.resize,
                     o.crop);
            rc = shard_set_attr(&out_shard, "preprocessing", pre);
        }
        if (!rc && s.cifar.nfiles)
            rc = shard_set_attr(&out_shard, "split", o.split ? o.split : "all");
        if (!rc && o.protocol) rc = shard_set_attr(&out_shard, "protocol", o.protocol);
        if (!rc && classes[0]) rc = shard_set_attr(&out_shard, "classes", classes);
        free(classes);
        for (int a = 0; !rc && a < s.set.nattrs; a++)
            rc = shard_set_attr(&out_shard, s.set.attr_name[a], s.set.attr_value[a]);
    }
    stop_unless_all_ok(rc, rank == 0 ? &out_shard : NULL);

    size_t img_bytes = (size_t)(s.h * s.w * s.c);
    int64_t step = block * size, rows = rank == 0 ? step : block;
    uint8_t *pix = malloc(img_bytes * (size_t)rows);
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)rows);
    int32_t *grp = malloc(sizeof(int32_t) * (size_t)rows);
    float *tgt = malloc(sizeof(float) * (size_t)(rows * (s.k ? s.k : 1)));
    float *lat = malloc(sizeof(float) * (size_t)(rows * (s.latent_k ? s.latent_k : 1)));
    int *counts = malloc(sizeof(int) * (size_t)size * 3), *displs = counts + size;
    if (!pix || !lab || !grp || !tgt || !lat || !counts)
        program_fail(INV_ENOMEM, "out of memory for a block of %lld images", (long long)step);
    progress prog;
    progress_start(&prog, "import", s.n, "images");
    for (int64_t i0 = 0; i0 < s.n; i0 += step) {
        int64_t lo = i0 + rank * block, hi = lo + block;
        if (lo > s.n) lo = s.n;
        if (hi > s.n) hi = s.n;
        int64_t mine = hi - lo;
        rc = source_read(&s, lo, mine, pix, lab, tgt, grp, lat);
        stop_unless_all_ok(rc, rank == 0 ? &out_shard : NULL);
        int64_t here = (s.n - i0 < step) ? s.n - i0 : step;
        if (size > 1) {
            for (int r = 0; r < size; r++) {
                int64_t rl = i0 + r * block, rh = rl + block;
                if (rl > s.n) rl = s.n;
                if (rh > s.n) rh = s.n;
                counts[r] = (int)(rh - rl);
                displs[r] = (int)(rl - i0);
            }
            gather_rows(pix, (int)mine, (int)img_bytes, MPI_UINT8_T, counts, displs);
            if (s.with_label) gather_rows(lab, (int)mine, 1, MPI_INT32_T, counts, displs);
            if (s.with_group) gather_rows(grp, (int)mine, 1, MPI_INT32_T, counts, displs);
            if (s.k) gather_rows(tgt, (int)mine, (int)s.k, MPI_FLOAT, counts, displs);
            if (s.latent_k) gather_rows(lat, (int)mine, (int)s.latent_k, MPI_FLOAT, counts, displs);
        }
        if (rank == 0) {
            rc = shard_append(&out_shard, here, pix, s.with_label ? lab : NULL, s.k ? tgt : NULL,
                              s.with_group ? grp : NULL, s.latent_k ? lat : NULL);
            progress_update(&prog, i0 + here);
        }
        stop_unless_all_ok(rc, rank == 0 ? &out_shard : NULL);
    }
    progress_finish(&prog);
    if (rank == 0) rc = shard_commit(&out_shard);
    stop_unless_all_ok(rc, NULL);
    if (rank == 0)
        printf("%s: %lld images of %lldx%lld from %s %s%s%s%s%s\n", out, (long long)s.n,
               (long long)s.w, (long long)s.h, kind, src, s.with_label ? ", labels" : "",
               s.k ? ", targets" : "", s.with_group ? ", groups" : "",
               s.latent_k ? ", latents" : "");
    free(pix);
    free(lab);
    free(grp);
    free(tgt);
    free(lat);
    free(counts);
    close_source(&s);
    return 0;
}
