// shard_tool.c: a small test program for the shard and feature-file scripts (shard_mpi.sh,
// tests/parity/shard_python.sh): writes deterministic shards and feature files, prints a
// canonical text dump of either, and reads one shard from several MPI ranks at once.
//   shard_tool write PATH N H W C TARGET_K LATENT_K LABEL(0|1) GROUP(0|1)
//   shard_tool features PATH N D
//   shard_tool dump PATH | dumpfeat PATH
//   shard_tool mpiread PATH          (under mpirun: every rank checks its range and the whole)
//   shard_tool bench PATH N          (times writing and reading N 32x32x3 labelled images)
#include "core/error.h"
#include "core/mpi_util.h"
#include "data/features.h"
#include "data/shard.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint8_t pixel(int64_t i, int64_t p) {
    return (uint8_t)((i * 37 + p * 11 + (p >> 3)) & 255);
}
static float target_val(int64_t i, int64_t j) {
    return (float)i * 0.5f - (float)j * 1.25f;
}
static float latent_val(int64_t i, int64_t j) {
    return (float)(i % 7) * 0.25f + (float)j;
}

static int die(const char *what) {
    fprintf(stderr, "shard_tool: %s: %s\n", what, inv_errmsg());
    return 1;
}

static int cmd_write(char **a) {
    shard_spec sp = {.h = atoll(a[2]),
                     .w = atoll(a[3]),
                     .c = atoll(a[4]),
                     .target_k = atoll(a[5]),
                     .latent_k = atoll(a[6]),
                     .with_label = atoi(a[7]),
                     .with_group = atoi(a[8])};
    int64_t n = atoll(a[1]), per = sp.h * sp.w * sp.c, step = 5;
    shard s;
    if (shard_create(&s, a[0], &sp)) return die("create");
    uint8_t *img = malloc((size_t)(step * per));
    int32_t lab[5], grp[5];
    float *tg = malloc((size_t)(step * (sp.target_k + 1)) * 4);
    float *lt = malloc((size_t)(step * (sp.latent_k + 1)) * 4);
    for (int64_t first = 0; first < n; first += step) {
        int64_t count = n - first < step ? n - first : step;
        for (int64_t i = 0; i < count; i++) {
            int64_t e = first + i;
            for (int64_t p = 0; p < per; p++) img[i * per + p] = pixel(e, p);
            lab[i] = (int32_t)(e % 10);
            grp[i] = (int32_t)(e / 3);
            for (int64_t j = 0; j < sp.target_k; j++) tg[i * sp.target_k + j] = target_val(e, j);
            for (int64_t j = 0; j < sp.latent_k; j++) lt[i * sp.latent_k + j] = latent_val(e, j);
        }
        if (shard_append(&s, count, img, sp.with_label ? lab : NULL, sp.target_k ? tg : NULL,
                         sp.with_group ? grp : NULL, sp.latent_k ? lt : NULL)) {
            shard_abort(&s);
            return die("append");
        }
    }
    free(img);
    free(tg);
    free(lt);
    if (shard_set_attr(&s, "dataset", "tool") || shard_set_attr(&s, "seed", "42")) {
        shard_abort(&s);
        return die("attribute");
    }
    return shard_commit(&s) ? die("commit") : 0;
}

static int cmd_features(char **a) {
    int64_t n = atoll(a[1]), d = atoll(a[2]);
    features_info info = {.source = "tool.nc",
                          .model = "random",
                          .arch = "resnet18",
                          .extra_name = "stem",
                          .extra_value = "small"};
    features_writer w;
    if (features_writer_create(&w, a[0], d, &info)) return die("features create");
    float *row = malloc((size_t)d * 4);
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = 0; j < d; j++) row[j] = (float)i / (float)(j + 1) - 0.125f * (float)j;
        if (features_writer_append(&w, row, 1)) {
            features_writer_abort(&w);
            return die("features append");
        }
    }
    free(row);
    return features_writer_commit(&w) ? die("features commit") : 0;
}

static void print_attr(const shard *s, const char *name) {
    char buf[256];
    if (shard_get_attr(s, name, buf, sizeof buf) == 0) printf("attr %s %s\n", name, buf);
}

static void print_rows(const char *name, const float *x, int64_t n, int64_t k) {
    for (int64_t i = 0; i < n; i++) {
        printf("%s %lld", name, (long long)i);
        for (int64_t j = 0; j < k; j++) printf(" %.9g", (double)x[i * k + j]);
        printf("\n");
    }
}

static int cmd_dump(const char *path) {
    shard s;
    if (shard_open(&s, path)) return die("open");
    const shard_spec *sp = &s.spec;
    int64_t n = s.n, per = sp->h * sp->w * sp->c;
    printf("n %lld h %lld w %lld c %lld label %d target_k %lld group %d latent_k %lld\n",
           (long long)n, (long long)sp->h, (long long)sp->w, (long long)sp->c, sp->with_label,
           (long long)sp->target_k, sp->with_group, (long long)sp->latent_k);
    const char *attrs[] = {"invar_kind", "invar_version", "dataset", "source", "seed"};
    for (int i = 0; i < 5; i++) print_attr(&s, attrs[i]);
    uint8_t *img = malloc((size_t)(n * per) + 1);
    if (shard_read_images(&s, 0, n, img)) return die("images");
    for (int64_t i = 0; i < n; i++) {
        printf("image %lld", (long long)i);
        for (int64_t p = 0; p < per; p++) printf(" %d", img[i * per + p]);
        printf("\n");
    }
    free(img);
    int32_t *iv = malloc((size_t)n * 4 + 4);
    if (sp->with_label) {
        if (shard_read_labels(&s, 0, n, iv)) return die("labels");
        for (int64_t i = 0; i < n; i++) printf("label %lld %d\n", (long long)i, iv[i]);
    }
    if (sp->with_group) {
        if (shard_read_groups(&s, 0, n, iv)) return die("groups");
        for (int64_t i = 0; i < n; i++) printf("group %lld %d\n", (long long)i, iv[i]);
    }
    free(iv);
    float *fv = malloc((size_t)(n * (sp->target_k + sp->latent_k + 1)) * 4);
    if (sp->target_k) {
        if (shard_read_targets(&s, 0, n, fv)) return die("targets");
        print_rows("target", fv, n, sp->target_k);
    }
    if (sp->latent_k) {
        if (shard_read_latents(&s, 0, n, fv)) return die("latents");
        print_rows("latent", fv, n, sp->latent_k);
    }
    free(fv);
    shard_close(&s);
    return 0;
}

static int cmd_dumpfeat(const char *path) {
    float *x;
    int64_t n, d;
    char src[256];
    if (features_read(path, &x, &n, &d, src, sizeof src)) return die("features read");
    printf("n %lld d %lld\nattr source %s\n", (long long)n, (long long)d, src);
    print_rows("feature", x, n, d);
    free(x);
    return 0;
}

// Every rank opens the shard independently, checks its own range of every variable against
// the values `write` puts there, then reads the whole shard; all ranks must agree.
static int cmd_mpiread(int *argc, char ***argv, const char *path) {
    if (mpi_start(argc, argv)) return die("mpi");
    int rank = mpi_rank(), size = mpi_size(), ok = 1;
    shard s;
    if (shard_open(&s, path)) {
        fprintf(stderr, "rank %d: %s\n", rank, inv_errmsg());
        ok = 0;
    }
    long long bad = 0, seen = 0;
    if (ok) {
        const shard_spec *sp = &s.spec;
        int64_t lo, hi, per = sp->h * sp->w * sp->c;
        mpi_split_range(s.n, rank, size, &lo, &hi);
        for (int pass = 0; pass < 2 && ok; pass++) {
            if (pass == 1) lo = 0, hi = s.n;
            int64_t cnt = hi - lo;
            uint8_t *img = malloc((size_t)(cnt * per) + 1);
            int32_t *lab = malloc((size_t)cnt * 4 + 4);
            float *tg = malloc((size_t)(cnt * (sp->target_k + 1)) * 4);
            if (shard_read_images(&s, lo, cnt, img) ||
                (sp->with_label && shard_read_labels(&s, lo, cnt, lab)) ||
                (sp->target_k && shard_read_targets(&s, lo, cnt, tg))) {
                fprintf(stderr, "rank %d: %s\n", rank, inv_errmsg());
                ok = 0;
            } else {
                for (int64_t i = 0; i < cnt; i++) {
                    for (int64_t p = 0; p < per; p++) bad += img[i * per + p] != pixel(lo + i, p);
                    if (sp->with_label) bad += lab[i] != (lo + i) % 10;
                    for (int64_t j = 0; j < sp->target_k; j++)
                        bad += tg[i * sp->target_k + j] != target_val(lo + i, j);
                }
                if (pass == 0) seen += cnt;
            }
            free(img);
            free(lab);
            free(tg);
        }
        shard_close(&s);
    }
    long long tot_bad = 0, tot_seen = 0;
    MPI_Allreduce(&bad, &tot_bad, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&seen, &tot_seen, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    ok = mpi_all_ok(ok && tot_bad == 0);
    if (rank == 0)
        printf("mpiread: %d ranks, %lld examples split, %lld mismatches: %s\n", size, tot_seen,
               tot_bad, ok ? "ok" : "FAILED");
    mpi_stop();
    return ok ? 0 : 1;
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// Writes n 32x32x3 images with labels in batches of 500, then reads them back in batches of 256;
// prints images per second for each.
static int cmd_bench(const char *path, int64_t n) {
    shard_spec sp = {.h = 32, .w = 32, .c = 3, .with_label = 1};
    int64_t per = 32 * 32 * 3, b = 500;
    uint8_t *img = malloc((size_t)(b * per));
    int32_t lab[500];
    shard s;
    double t0 = now_s();
    if (shard_create(&s, path, &sp)) return die("create");
    for (int64_t first = 0; first < n; first += b) {
        int64_t count = n - first < b ? n - first : b;
        for (int64_t i = 0; i < count; i++) {
            for (int64_t p = 0; p < per; p++) img[i * per + p] = pixel(first + i, p);
            lab[i] = (int32_t)((first + i) % 10);
        }
        if (shard_append(&s, count, img, lab, NULL, NULL, NULL)) return die("append");
    }
    if (shard_commit(&s)) return die("commit");
    double t1 = now_s();
    if (shard_open(&s, path)) return die("open");
    for (int64_t first = 0; first < n; first += 256) {
        int64_t count = n - first < 256 ? n - first : 256;
        if (shard_read_images(&s, first, count, img) || shard_read_labels(&s, first, count, lab))
            return die("read");
    }
    shard_close(&s);
    double t2 = now_s();
    printf("write %.1f read %.1f\n", (double)n / (t1 - t0), (double)n / (t2 - t1));
    free(img);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 11 && !strcmp(argv[1], "write")) return cmd_write(argv + 2);
    if (argc >= 5 && !strcmp(argv[1], "features")) return cmd_features(argv + 2);
    if (argc >= 3 && !strcmp(argv[1], "dump")) return cmd_dump(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "dumpfeat")) return cmd_dumpfeat(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "mpiread")) return cmd_mpiread(&argc, &argv, argv[2]);
    if (argc >= 4 && !strcmp(argv[1], "bench")) return cmd_bench(argv[2], atoll(argv[3]));
    fprintf(stderr,
            "usage: shard_tool write PATH N H W C TARGET_K LATENT_K LABEL GROUP | "
            "features PATH N D | dump PATH | dumpfeat PATH | mpiread PATH | bench PATH N\n");
    return 2;
}
