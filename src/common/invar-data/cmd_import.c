// cmd_import.c: `invar-data import cifar10|folder|manifest SRC --out SHARD.nc`: converts a
// published on-disk layout into an image shard. Ranks decode separate blocks of images; rank 0
// gathers them in index order and writes, so the shard is the same on any number of ranks.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "data/manifest.h"
#include "data/shard.h"
#include "image/resample.h"
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
    manifest list;
    int64_t n, h, w, c;
    int resize,
        crop; // torchvision Resize(resize) (shorter side, bilinear), CenterCrop(crop); 0 = off
} import_source;

// Decodes one listed image and applies the optional Resize + CenterCrop (torchvision/PIL
// semantics, image/resample.h), so data sets of mixed image sizes make one shard.
static int load_listed_image(const import_source *s, const char *path, image_u8 *img) {
    INV_TRY(image_decode_file(path, img));
    image_u8 tmp;
    int rc = INV_OK;
    if (s->resize > 0) {
        rc = image_resize_shorter(img, s->resize, &tmp);
        image_free(img);
        if (rc) return inv_fail_context(rc, "%s", path);
        *img = tmp;
    }
    if (s->crop > 0) {
        rc = image_center_crop(img, s->crop, s->crop, &tmp);
        image_free(img);
        if (rc) return inv_fail_context(rc, "%s", path);
        *img = tmp;
    }
    return INV_OK;
}

// Decodes images [start, start+count) (pixels HWC, labels or targets) on this rank.
static int source_read(import_source *s, int64_t start, int64_t count, uint8_t *pixels,
                       int32_t *labels, float *targets) {
    if (s->cifar.nfiles) return cifar_read(&s->cifar, start, count, pixels, labels);
    size_t img_bytes = (size_t)(s->h * s->w * s->c);
    for (int64_t i = 0; i < count; i++) {
        const char *path = s->list.paths[start + i];
        image_u8 img;
        INV_TRY(load_listed_image(s, path, &img));
        if (img.w != s->w || img.h != s->h) {
            int w = img.w, h = img.h;
            image_free(&img);
            return inv_fail(INV_EFORMAT,
                            "%s: image is %dx%d but the shard's images are %lldx%lld (w x h, set "
                            "by the first image, %s); use --resize R --crop C to bring images of "
                            "different sizes to one",
                            path, w, h, (long long)s->w, (long long)s->h, s->list.paths[0]);
        }
        memcpy(pixels + (size_t)i * img_bytes, img.data, img_bytes);
        image_free(&img);
        if (s->list.labels) labels[i] = s->list.labels[start + i];
        if (s->list.k)
            memcpy(targets + i * s->list.k, s->list.targets + (start + i) * s->list.k,
                   sizeof(float) * (size_t)s->list.k);
    }
    return INV_OK;
}

static int open_source(import_source *s, const char *kind, const char *src, const char *split,
                       int resize, int crop) {
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->resize = resize;
    s->crop = crop;
    if (strcmp(kind, "cifar10") == 0) {
        INV_TRY(cifar_open(&s->cifar, src, split));
        if (resize || crop)
            return inv_fail(INV_EINVAL, "--resize/--crop apply to folder and manifest imports; "
                                        "CIFAR-10 images are stored at 32x32 as published");
        s->n = s->cifar.n;
        s->h = s->w = CIFAR_SIDE;
        s->c = 3;
        return INV_OK;
    }
    if (strcmp(kind, "folder") == 0)
        INV_TRY(manifest_scan_folder(src, &s->list));
    else if (strcmp(kind, "manifest") == 0)
        INV_TRY(manifest_read_csv(src, &s->list));
    else
        return inv_fail(INV_EINVAL,
                        "unknown source kind '%s' (expected cifar10, folder or manifest)", kind);
    if (s->list.n == 0) return inv_fail(INV_EFORMAT, "%s: no images listed", src);
    image_u8 first;
    INV_TRY(load_listed_image(s, s->list.paths[0], &first));
    s->n = s->list.n;
    s->h = first.h;
    s->w = first.w;
    s->c = 3;
    image_free(&first);
    return INV_OK;
}

static void close_source(import_source *s) {
    cifar_free(&s->cifar);
    manifest_free(&s->list);
}

static int class_names_attr(const import_source *s, char *buf, size_t size) {
    buf[0] = '\0';
    if (s->cifar.nfiles) {
        snprintf(buf, size, "%s", s->cifar.classes);
        return INV_OK;
    }
    size_t used = 0;
    for (int i = 0; s->list.class_names && i < s->list.nclasses && used < size; i++)
        used +=
            (size_t)snprintf(buf + used, size - used, "%s%s", i ? "," : "", s->list.class_names[i]);
    return INV_OK;
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
    const char *out = NULL, *split = "all", *name = NULL;
    int64_t block = 64;
    int resize = 0, crop = 0;
    cli_option opts[] = {
        {"out", 'o', OPT_STRING, &out, "SHARD.nc", "output shard (required)", 0, 0, 1},
        {"split", 0, OPT_STRING, &split, "train|test|all",
         "cifar10 only: which batches of a batch folder", 0, 0, 0},
        {"name", 0, OPT_STRING, &name, "NAME",
         "data set name stored in the shard (default: the kind)", 0, 0, 1},
        {"block", 0, OPT_INT64, &block, "N", "images decoded per rank per step", 1, 65536, 0},
        {"resize", 0, OPT_INT, &resize, "R",
         "resize the shorter side to R pixels (bilinear, as torchvision Resize(R)); 0 = off", 0,
         65535, 0},
        {"crop", 0, OPT_INT, &crop, "C",
         "centre crop to CxC (as torchvision CenterCrop(C)); 0 = off", 0, 65535, 0},
    };
    cli_common common = {0};
    cli_spec spec = {
        .prog = "invar-data import",
        .usage = "cifar10|folder|manifest SRC --out SHARD.nc",
        .summary =
            "Imports a data set into an image shard (NetCDF-4: image(n,h,w,c) uint8, label(n)\n"
            "or target(n,k)).\n"
            "  cifar10 SRC   SRC is the 'cifar-10-batches-bin' folder (data_batch_1..5.bin,\n"
            "                test_batch.bin, batches.meta.txt) or one batch file; 3073-byte\n"
            "                records: 1 label byte, then 1024 R, 1024 G, 1024 B bytes.\n"
            "  folder SRC    SRC/CLASS/*.jpg|png, classes sorted by name (torchvision's\n"
            "                ImageFolder); labels are class indices.\n"
            "  manifest SRC  a CSV file: path,label or path,t1,...,tk (targets); paths\n"
            "                relative to the CSV's folder; optional header line.\n"
            "All images of one shard have one size: give --resize and --crop for data sets\n"
            "whose images differ in size (e.g. --resize 256 --crop 224, or 224/224 as the\n"
            "paper's downstream evaluation).",
        .example = "  invar-data import cifar10 cifar-10-batches-bin --out cifar10.nc\n"
                   "  mpirun -np 4 invar-data import folder flowers/ --resize 224 --crop 224 "
                   "--out flowers.nc",
        .opts = opts,
        .nopts = (int)(sizeof opts / sizeof opts[0]),
        .min_positional = 2,
        .max_positional = 2,
    };
    int first = program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    if (!out) program_fail(INV_EINVAL, "--out SHARD.nc is required (see --help)");
    program_apply_common(&common);
    const char *kind = argv[first], *src = argv[first + 1];
    int rank = mpi_rank(), size = mpi_size();

    import_source s;
    rc = open_source(&s, kind, src, split, resize, crop);
    stop_unless_all_ok(rc, NULL);
    int with_targets = s.list.k > 0;
    shard_spec sspec = {
        .h = s.h, .w = s.w, .c = s.c, .with_label = !with_targets, .target_k = s.list.k};
    shard out_shard;
    if (rank == 0) {
        rc = shard_create(&out_shard, out, &sspec);
        char classes[8192];
        class_names_attr(&s, classes, sizeof classes);
        if (!rc) rc = shard_set_attr(&out_shard, "dataset", name ? name : kind);
        if (!rc) rc = shard_set_attr(&out_shard, "source", src);
        if (!rc) rc = shard_set_attr(&out_shard, "importer", kind);
        if (!rc && (resize || crop)) {
            char pre[128];
            snprintf(pre, sizeof pre, "Resize(%d) CenterCrop(%d) (0 = not applied)", resize, crop);
            rc = shard_set_attr(&out_shard, "preprocessing", pre);
        }
        if (!rc && s.cifar.nfiles) rc = shard_set_attr(&out_shard, "split", split);
        if (!rc && classes[0]) rc = shard_set_attr(&out_shard, "classes", classes);
    }
    stop_unless_all_ok(rc, rank == 0 ? &out_shard : NULL);

    size_t img_bytes = (size_t)(s.h * s.w * s.c);
    int64_t k = with_targets ? s.list.k : 0;
    int64_t step = block * size;
    uint8_t *pix = malloc(img_bytes * (size_t)(rank == 0 ? step : block));
    int32_t *lab = malloc(sizeof(int32_t) * (size_t)(rank == 0 ? step : block));
    float *tgt = malloc(sizeof(float) * (size_t)((rank == 0 ? step : block) * (k ? k : 1)));
    int *counts = malloc(sizeof(int) * (size_t)size * 3), *displs = counts + size;
    if (!pix || !lab || !tgt || !counts)
        program_fail(INV_ENOMEM, "out of memory for a block of %lld images", (long long)step);
    progress prog;
    progress_start(&prog, "import", s.n, "images");
    for (int64_t i0 = 0; i0 < s.n; i0 += step) {
        int64_t lo = i0 + rank * block, hi = lo + block;
        if (lo > s.n) lo = s.n;
        if (hi > s.n) hi = s.n;
        int64_t mine = hi - lo;
        rc = source_read(&s, lo, mine, pix, lab, tgt);
        stop_unless_all_ok(rc, rank == 0 ? &out_shard : NULL);
        int64_t here = (s.n - i0 < step) ? s.n - i0 : step;
        if (size > 1) {
            // Gather the ranks' blocks in rank order = index order. Rank 0's block is in place.
            for (int r = 0; r < size; r++) {
                int64_t rl = i0 + r * block, rh = rl + block;
                if (rl > s.n) rl = s.n;
                if (rh > s.n) rh = s.n;
                counts[r] = (int)(rh - rl);
                displs[r] = (int)(rl - i0);
            }
            MPI_Datatype img_type, tgt_type;
            MPI_Type_contiguous((int)img_bytes, MPI_UINT8_T, &img_type);
            MPI_Type_commit(&img_type);
            MPI_Type_contiguous((int)(k ? k : 1), MPI_FLOAT, &tgt_type);
            MPI_Type_commit(&tgt_type);
            MPI_Gatherv(rank == 0 ? MPI_IN_PLACE : pix, (int)mine, img_type, pix, counts, displs,
                        img_type, 0, MPI_COMM_WORLD);
            if (k)
                MPI_Gatherv(rank == 0 ? MPI_IN_PLACE : tgt, (int)mine, tgt_type, tgt, counts,
                            displs, tgt_type, 0, MPI_COMM_WORLD);
            else
                MPI_Gatherv(rank == 0 ? MPI_IN_PLACE : lab, (int)mine, MPI_INT32_T, lab, counts,
                            displs, MPI_INT32_T, 0, MPI_COMM_WORLD);
            MPI_Type_free(&img_type);
            MPI_Type_free(&tgt_type);
        }
        if (rank == 0) {
            rc = shard_append(&out_shard, here, pix, k ? NULL : lab, k ? tgt : NULL, NULL, NULL);
            progress_update(&prog, i0 + here);
        }
        stop_unless_all_ok(rc, rank == 0 ? &out_shard : NULL);
    }
    progress_finish(&prog);
    if (rank == 0) rc = shard_commit(&out_shard);
    stop_unless_all_ok(rc, NULL);
    if (rank == 0)
        printf("%s: %lld images of %lldx%lld from %s %s%s\n", out, (long long)s.n, (long long)s.w,
               (long long)s.h, kind, src, k ? " with targets" : " with labels");
    free(pix);
    free(lab);
    free(tgt);
    free(counts);
    close_source(&s);
    return 0;
}
