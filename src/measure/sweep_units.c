// sweep_units.c: unit planning and the per-rank append-only journals behind resume. Journal
// file: 8-byte magic "INVSWP01", u64 key; then records {u32 magic, u32 count, i64 unit,
// double values[count], u64 FNV-1a of the record's preceding bytes}. A record that is short or
// fails its checksum ends the file (what a kill -9 mid-write leaves).
#include "sweep_units.h"

#include "core/error.h"
#include "core/mpi_util.h"

#include <dirent.h>
#include <errno.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char FILE_MAGIC[8] = {'I', 'N', 'V', 'S', 'W', 'P', '0', '1'};
enum { REC_MAGIC = 0x52575349u };

void sweep_items_init(sweep_items *it, int nt, const int *np, int64_t n) {
    memset(it, 0, sizeof *it);
    it->nt = nt, it->n = n;
    for (int t = 0; t < nt; t++) {
        it->np[t] = np[t];
        it->off[t + 1] = it->off[t] + n * np[t];
    }
}

void sweep_item(const sweep_items *it, int64_t q, int *t, int64_t *image, int *p) {
    int s = 0;
    while (s + 1 < it->nt && q >= it->off[s + 1]) s++;
    int64_t r = q - it->off[s];
    *t = s, *image = r / it->np[s], *p = (int)(r % it->np[s]);
}

int sweep_units_plan(const sweep_items *it, int batch, sweep_unit **units, int64_t *count) {
    int64_t total = it->off[it->nt], c = (total + batch - 1) / batch;
    *units = malloc(sizeof(sweep_unit) * (size_t)(c ? c : 1));
    INV_CHECK_ALLOC(*units, sizeof(sweep_unit) * (size_t)(c ? c : 1), "sweep units");
    for (int64_t u = 0; u < c; u++) {
        int64_t lo = u * batch;
        (*units)[u] = (sweep_unit){lo, (int)(total - lo < batch ? total - lo : batch)};
    }
    *count = c;
    return INV_OK;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

// Reads complete records from f (positioned after the header); fn may be NULL. Returns the
// offset after the last complete record.
static long scan(FILE *f, int (*fn)(int64_t, const double *, uint32_t, void *), void *ctx,
                 int *rc) {
    long good = ftell(f);
    double *vals = NULL;
    size_t cap = 0;
    for (;;) {
        uint32_t head[2];
        int64_t unit;
        uint64_t sum;
        if (fread(head, sizeof head, 1, f) != 1 || fread(&unit, sizeof unit, 1, f) != 1) break;
        if (head[0] != REC_MAGIC || head[1] > (1u << 28)) break;
        if (head[1] > cap) {
            double *nv = realloc(vals, sizeof(double) * head[1]);
            if (!nv) break;
            vals = nv, cap = head[1];
        }
        if (fread(vals, sizeof(double), head[1], f) != head[1] || fread(&sum, 8, 1, f) != 1) break;
        uint64_t h = fnv(head, sizeof head, 0xcbf29ce484222325ull);
        h = fnv(&unit, sizeof unit, h);
        h = fnv(vals, sizeof(double) * head[1], h);
        if (h != sum) break;
        if (fn && (*rc = fn(unit, vals, head[1], ctx))) break;
        good = ftell(f);
    }
    free(vals);
    return good;
}

// Opens a journal and checks its header; 0 when it is not one of ours (or empty).
static FILE *open_journal(const char *path, const char *mode, uint64_t key, int *mismatch) {
    FILE *f = fopen(path, mode);
    if (!f) return NULL;
    char magic[8];
    uint64_t k;
    *mismatch = 0;
    if (fread(magic, 8, 1, f) != 1 || fread(&k, 8, 1, f) != 1 || memcmp(magic, FILE_MAGIC, 8)) {
        fclose(f);
        return NULL;
    }
    if (k != key) *mismatch = 1;
    return f;
}

typedef struct {
    uint8_t *done;
    int64_t n;
} mark_ctx;

static int mark(int64_t unit, const double *v, uint32_t c, void *ctx) {
    (void)v, (void)c;
    mark_ctx *m = ctx;
    if (unit >= 0 && unit < m->n) m->done[unit] = 1;
    return INV_OK;
}

static int each_journal(const sweep_journal *j,
                        int (*fn)(int64_t, const double *, uint32_t, void *), void *ctx) {
    DIR *dir = opendir(j->dir);
    if (!dir) return INV_OK;
    struct dirent *e;
    int rc = INV_OK;
    while (!rc && (e = readdir(dir))) {
        if (strncmp(e->d_name, "rank-", 5)) continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", j->dir, e->d_name);
        int mismatch;
        FILE *f = open_journal(path, "rb", j->key, &mismatch);
        if (!f) continue;
        if (mismatch)
            rc = inv_fail(INV_EINVAL,
                          "%s holds the resume state of a run with other arguments; remove it "
                          "to start afresh",
                          j->dir);
        else
            scan(f, fn, ctx, &rc);
        fclose(f);
    }
    closedir(dir);
    return rc;
}

int sweep_journal_open(sweep_journal *j, const char *out_path, const char *key_text, int64_t nunits,
                       uint8_t *done) {
    memset(j, 0, sizeof *j);
    snprintf(j->dir, sizeof j->dir, "%s.resume", out_path);
    j->key = fnv(key_text, strlen(key_text), 0xcbf29ce484222325ull);
    int rank = mpi_rank(), rc = INV_OK;
    memset(done, 0, (size_t)nunits);
    if (rank == 0) {
        if (mkdir(j->dir, 0777) && errno != EEXIST) rc = inv_fail_errno(j->dir, "mkdir");
        if (!rc) {
            mark_ctx m = {done, nunits};
            rc = each_journal(j, mark, &m);
        }
        if (!rc) {
            char path[4400];
            snprintf(path, sizeof path, "%s/arguments.txt", j->dir);
            FILE *f = fopen(path, "w");
            if (f) fprintf(f, "%s\n", key_text), fclose(f);
        }
    }
    if (!mpi_all_ok(rc == INV_OK)) return rc ? rc : inv_fail(INV_EIO, "resume: rank 0 failed");
    INV_CHECK_MPI(MPI_Bcast(done, (int)nunits, MPI_UINT8_T, 0, MPI_COMM_WORLD));
    char path[4400];
    snprintf(path, sizeof path, "%s/rank-%d.bin", j->dir, rank);
    int mismatch = 0;
    FILE *f = open_journal(path, "r+b", j->key, &mismatch);
    if (f && !mismatch) {
        long good = scan(f, NULL, NULL, &rc);
        if (ftruncate(fileno(f), good) || fseek(f, good, SEEK_SET))
            rc = inv_fail_errno(path, "truncating the journal");
    } else {
        if (f) fclose(f);
        f = fopen(path, "w+b");
        if (!f)
            rc = inv_fail_errno(path, "creating the journal");
        else if (fwrite(FILE_MAGIC, 8, 1, f) != 1 || fwrite(&j->key, 8, 1, f) != 1 || fflush(f))
            rc = inv_fail_errno(path, "writing the journal");
    }
    j->f = f;
    if (!mpi_all_ok(rc == INV_OK)) {
        if (j->f) fclose(j->f), j->f = NULL;
        return rc ? rc : inv_fail(INV_EIO, "resume: another rank failed");
    }
    return INV_OK;
}

int sweep_journal_append(sweep_journal *j, int64_t unit, const double *values, uint32_t count) {
    uint32_t head[2] = {REC_MAGIC, count};
    uint64_t h = fnv(head, sizeof head, 0xcbf29ce484222325ull);
    h = fnv(&unit, sizeof unit, h);
    h = fnv(values, sizeof(double) * count, h);
    if (fwrite(head, sizeof head, 1, j->f) != 1 || fwrite(&unit, sizeof unit, 1, j->f) != 1 ||
        fwrite(values, sizeof(double), count, j->f) != count || fwrite(&h, 8, 1, j->f) != 1 ||
        fflush(j->f))
        return inv_fail_errno(j->dir, "appending to the resume journal");
    return INV_OK;
}

int sweep_journal_close(sweep_journal *j) {
    int rc = INV_OK;
    if (j->f && fclose(j->f)) rc = inv_fail_errno(j->dir, "closing the resume journal");
    j->f = NULL;
    INV_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    return rc;
}

int sweep_journal_replay(const sweep_journal *j,
                         int (*fn)(int64_t unit, const double *values, uint32_t count, void *ctx),
                         void *ctx) {
    return each_journal(j, fn, ctx);
}

void sweep_journal_remove(const sweep_journal *j) {
    DIR *dir = opendir(j->dir);
    if (!dir) return;
    struct dirent *e;
    while ((e = readdir(dir))) {
        if (e->d_name[0] == '.') continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", j->dir, e->d_name);
        unlink(path);
    }
    closedir(dir);
    rmdir(j->dir);
}
