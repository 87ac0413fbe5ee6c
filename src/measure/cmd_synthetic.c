// cmd_synthetic.c: `invar-measure synthetic` (Table 2): every chosen image, clean once, and
// every chosen grid point of every chosen transform through the network; similarity, distance
// and alignment per (transform, point, image). Units of work (sweep_units.h) go to ranks from a
// shared counter; each unit is one forward batch; finished units are journalled for resume.
#include "backbone.h"
#include "commands.h"
#include "metrics.h"
#include "stats_input.h"
#include "sweep_run.h"
#include "sweep_units.h"
#include "synthetic_result.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"
#include "core/program.h"
#include "core/tensor.h"
#include "core/work_queue.h"
#include "data/numpy_rng.h"
#include "image/augment.h"
#include "image/transforms.h"
#include "io/ncio.h"
#include "io/safetensors.h"

#include <netcdf.h>

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    backbone_args net;
    const char *data, *stats, *out, *transforms, *sample, *grid, *protocol;
    int64_t images;
    int resize, crop, official;
    int transform_threads; // the preparing worker's threads (0: no overlap with the forward)
} synth_args;

// "all" or a comma list -> transform indices; unknown names are errors.
static int parse_transforms(const char *text, int *t, int *nt) {
    *nt = 0;
    if (!strcmp(text, "all")) {
        for (int i = 0; i < TRANSFORM_COUNT; i++) t[(*nt)++] = i;
        return INV_OK;
    }
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int i = transform_find(tok);
        if (i < 0)
            return inv_fail(INV_EINVAL,
                            "--transforms: unknown transform '%s' (names: invar-data "
                            "transform --list)",
                            tok);
        for (int q = 0; q < *nt; q++)
            if (t[q] == i) return inv_fail(INV_EINVAL, "--transforms: '%s' twice", tok);
        t[(*nt)++] = i;
    }
    if (!*nt) return inv_fail(INV_EINVAL, "--transforms: empty list");
    return INV_OK;
}

// Grid points: all, or K evenly spaced indices round(i (g - 1) / (K - 1)).
static int choose_points(const char *grid, synth_result *r) {
    int K = 0;
    if (strcmp(grid, "full")) {
        int64_t v;
        if (cli_parse_int64(grid, "--grid", &v) || v < 2 || v > 256)
            return inv_fail(INV_EINVAL,
                            "--grid must be 'full' or a number of points 2..256, not '%s'", grid);
        K = (int)v;
    }
    int P = 0;
    for (int s = 0; s < r->nt; s++) {
        int g = transform_info_at(r->t[s])->grid;
        r->np[s] = K && K < g ? K : g;
        if (r->np[s] > P) P = r->np[s];
    }
    r->P = P;
    return INV_OK;
}

static void fill_k(synth_result *r) {
    for (int s = 0; s < r->nt; s++) {
        int g = transform_info_at(r->t[s])->grid;
        for (int p = 0; p < r->P; p++) {
            int k = -1;
            if (p < r->np[s])
                k = r->np[s] == g ? p : (int)lround((double)p * (g - 1) / (r->np[s] - 1));
            r->k[s * r->P + p] = k;
        }
    }
}

typedef struct {
    synth_result *r;
    const sweep_items *it;
    const sweep_unit *units;
    int64_t nunits;
    uint8_t *seen;
} fill_ctx;

static int fill_unit(int64_t unit, const double *v, uint32_t count, void *ctx) {
    fill_ctx *fc = ctx;
    if (unit < 0 || unit >= fc->nunits) return INV_OK;
    const sweep_unit *u = &fc->units[unit];
    if (count != (uint32_t)(3 * u->cnt)) return INV_OK;
    synth_result *r = fc->r;
    for (int q = 0; q < u->cnt; q++) {
        int t, p;
        int64_t i;
        sweep_item(fc->it, u->lo + q, &t, &i, &p);
        size_t at = ((size_t)t * r->P + p) * r->n + i;
        r->sim[at] = v[3 * q], r->dist[at] = v[3 * q + 1], r->aln[at] = v[3 * q + 2];
    }
    fc->seen[unit] = 1;
    return INV_OK;
}

// One model's sweep; on rank 0 *res receives the results, *rows_out the image rows (owned by
// the caller) and *jout the journal to remove once the output is committed.
static int synthetic_model(const synth_args *a, const char *model, const char *state_out,
                           synth_result *res_out, int64_t **rows_out, char *method,
                           size_t method_size, sweep_journal *jout) {
    int rank = mpi_rank(), rc = INV_OK;
    backbone_args net = a->net;
    net.model = model;
    int tl[TRANSFORM_COUNT], nt, np[TRANSFORM_COUNT] = {0};
    INV_TRY(parse_transforms(a->transforms, tl, &nt));
    synth_result plan = {.nt = nt};
    memcpy(plan.t, tl, sizeof tl);
    INV_TRY(choose_points(a->grid, &plan));
    memcpy(np, plan.np, sizeof np);
    shard s;
    INV_TRY(shard_open(&s, a->data));
    backbone b = {0};
    whitening w = {0};
    int64_t *rows = NULL;
    float *clean = NULL;
    double *zc = NULL, *yc = NULL;
    uint8_t *done = NULL, *seen = NULL;
    sweep_unit *units = NULL;
    synth_result res = {0};
    sweep_journal j = {0};
    int have_journal = 0;
    preprocess_plan pp;
    transform_opts o = {.resize = a->resize, .crop = a->crop, .seed = a->net.seed};
    int64_t n = a->images ? a->images : (a->official ? 1000 : s.n);
    if (s.n < 1) {
        rc = inv_fail(INV_EINVAL, "%s holds no images", a->data);
        goto done;
    }
    if (!strcmp(a->sample, "first") && n > s.n) {
        rc = inv_fail(INV_EINVAL, "--images %lld but %s holds %lld images", (long long)n, a->data,
                      (long long)s.n);
        goto done;
    }
    rows = malloc(sizeof(int64_t) * (size_t)n);
    if (!rows) {
        rc = inv_fail(INV_ENOMEM, "out of memory");
        goto done;
    }
    if (!strcmp(a->sample, "official")) {
        np_mt19937 g; // np.random.seed(0); np.random.choice(np.arange(n), N)
        np_seed(&g, 0);
        np_choice(&g, s.n, n, rows);
    } else
        for (int64_t i = 0; i < n; i++) rows[i] = i;
    INV_TRY_GOTO(
        rc,
        preprocess_plan_init(&pp, (int)s.spec.h, (int)s.spec.w, (int)s.spec.c, a->resize, a->crop),
        done);
    INV_TRY_GOTO(rc, backbone_open(&b, &net), done);
    int d = b.d;
    INV_TRY_GOTO(rc,
                 stats_whitening(&b, a->stats, a->resize, a->crop, a->official,
                                 !strcmp(a->net.model, "random"), &w),
                 done);
    clean = malloc(sizeof(float) * (size_t)n * d);
    zc = malloc(sizeof(double) * (size_t)n * d), yc = malloc(sizeof(double) * (size_t)n * d);
    if (!clean || !zc || !yc) {
        rc = inv_fail(INV_ENOMEM, "out of memory for %lld clean features", (long long)n);
        goto done;
    }
    INV_TRY_GOTO(rc, backbone_shard_features(&b, &s, &pp, rows, n, clean, "clean features"), done);
    whiten_apply(&w, w.g_sim, clean, n, zc);
    whiten_apply(&w, w.g_dist, clean, n, yc);

    INV_TRY_GOTO(rc, synth_result_init(&res, nt, tl, np, plan.P, rank == 0 ? n : 1), done);
    fill_k(&res);
    int64_t nunits;
    sweep_items items;
    sweep_items_init(&items, nt, np, n);
    INV_TRY_GOTO(rc, sweep_units_plan(&items, a->net.batch, &units, &nunits), done);
    char key[8192];
    snprintf(key, sizeof key,
             "synthetic units=filled-batches model=%s arch=%s stem=%s width=%g seed=%llu data=%s "
             "stats=%s "
             "transforms=%s images=%lld sample=%s grid=%s protocol=%s resize=%d crop=%d batch=%d",
             model, a->net.arch, a->net.stem, a->net.width, (unsigned long long)a->net.seed,
             a->data, a->stats, a->transforms, (long long)n, a->sample, a->grid, a->protocol,
             a->resize, a->crop, a->net.batch);
    done = malloc((size_t)nunits), seen = calloc((size_t)nunits, 1);
    if (!done || !seen) {
        rc = inv_fail(INV_ENOMEM, "out of memory");
        goto done;
    }
    INV_TRY_GOTO(rc, sweep_journal_open(&j, state_out, key, nunits, done), done);
    have_journal = 1;
    int64_t npending = 0, nimg_todo = 0, ndone = 0;
    for (int64_t u = 0; u < nunits; u++) {
        if (!done[u]) {
            npending++;
            nimg_todo += units[u].cnt;
        } else {
            ndone++;
        }
    }
    int64_t *pending = malloc(sizeof(int64_t) * (size_t)(npending ? npending : 1));
    if (!pending) {
        rc = inv_fail(INV_ENOMEM, "out of memory");
        goto done;
    }
    for (int64_t u = 0, q = 0; u < nunits; u++)
        if (!done[u]) pending[q++] = u;
    log_info("synthetic: %lld images x %d transforms, %lld units (%lld done before), %d rank(s), "
             "protocol %s",
             (long long)n, nt, (long long)nunits, (long long)ndone, mpi_size(), a->protocol);
    sweep_ctx ctx = {.b = &b,
                     .s = &s,
                     .w = &w,
                     .o = &o,
                     .plan = &res,
                     .items = &items,
                     .rows = rows,
                     .clean = clean,
                     .zc = zc,
                     .yc = yc,
                     .crop = a->crop,
                     .official = a->official,
                     .batch = a->net.batch,
                     .transform_threads = a->transform_threads};
    work_queue q;
    if ((rc = work_queue_open(&q, npending))) {
        free(pending);
        goto done;
    }
    rc = sweep_run(&ctx, units, pending, &q, &j, nimg_todo / mpi_size());
    free(pending);
    work_queue_close(&q);
    {
        int rc2 = sweep_journal_close(&j);
        if (!rc) rc = rc2;
    }
    if (!mpi_all_ok(rc == INV_OK)) {
        if (!rc)
            rc = inv_fail(INV_EIO, "synthetic: another rank failed (finished units are kept in %s)",
                          j.dir);
        goto done;
    }
    if (rank == 0) {
        fill_ctx fc = {&res, &items, units, nunits, seen};
        rc = sweep_journal_replay(&j, fill_unit, &fc);
        for (int64_t u = 0; !rc && u < nunits; u++)
            if (!seen[u])
                rc = inv_fail(INV_EIO, "%s: unit %lld missing from the resume journals", j.dir,
                              (long long)u);
        if (!rc) {
            *res_out = res;
            memset(&res, 0, sizeof res);
            *rows_out = rows;
            rows = NULL;
            snprintf(method, method_size, "%s", w.method);
            *jout = j;
        }
    }
    if (!mpi_all_ok(rc == INV_OK) && !rc)
        rc = inv_fail(INV_EIO, "synthetic: rank 0 failed to assemble the results");
done:
    if (have_journal && j.f) fclose(j.f); // an error before the journal was closed
    synth_result_free(&res);
    free(rows), free(clean), free(zc), free(yc), free(done), free(seen), free(units);
    whiten_free(&w);
    backbone_close(&b);
    shard_close(&s);
    return rc;
}

// A checkpoint's epoch: its metadata "epoch", else the last number in its file name, else -1.
static int64_t checkpoint_epoch(const char *path) {
    st_file f;
    int64_t e = -1;
    if (st_open(&f, path) == INV_OK) {
        const char *m = st_meta(&f, "epoch");
        if (m) e = strtoll(m, NULL, 10);
        st_close(&f);
    } else {
        inv_error_clear();
    }
    if (e >= 0) return e;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    for (const char *c = base; *c; c++)
        if (*c >= '0' && *c <= '9' && (c == base || c[-1] < '0' || c[-1] > '9'))
            e = strtoll(c, NULL, 10);
    return e;
}

enum { MAX_MODELS = 512 };

// One model, or a comma-separated checkpoint series (each with its own resume state
// OUT.model-K.resume/), then the file.
static int synthetic_main(const synth_args *a) {
    char list[16384];
    snprintf(list, sizeof list, "%s", a->net.model);
    char *models[MAX_MODELS];
    int nm = 0, rc = INV_OK;
    for (char *save, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (nm == MAX_MODELS)
            return inv_fail(INV_EINVAL, "--model: more than %d checkpoints", MAX_MODELS);
        models[nm++] = tok;
    }
    if (!nm) return inv_fail(INV_EINVAL, "--model: empty");
    int series = nm > 1;
    if (series) {
        int ncid;
        char kind[64] = "";
        INV_TRY(nc_open_read(a->stats, &ncid));
        if (nc_get_text(ncid, NC_GLOBAL, "invar_kind", kind, sizeof kind, a->stats))
            inv_error_clear();
        nc_close(ncid);
        if (strcmp(kind, "shard"))
            return inv_fail(INV_EINVAL,
                            "--stats %s: a checkpoint series needs a shard there (each checkpoint "
                            "whitens with its own clean features), not a features file",
                            a->stats);
    }
    synth_result *res = calloc((size_t)nm, sizeof *res);
    sweep_journal *jr = calloc((size_t)nm, sizeof *jr);
    int64_t *epochs = calloc((size_t)nm, sizeof(int64_t)), *rows = NULL;
    char method[256] = "", all_methods[4096] = "";
    if (!res || !jr || !epochs) rc = inv_fail(INV_ENOMEM, "out of memory");
    for (int q = 0; q < nm && !rc; q++) {
        char state[4200];
        if (series)
            snprintf(state, sizeof state, "%s.model-%d", a->out, q);
        else
            snprintf(state, sizeof state, "%s", a->out);
        int64_t *r = NULL;
        if (series) log_info("checkpoint %d of %d: %s", q + 1, nm, models[q]);
        rc = synthetic_model(a, models[q], state, &res[q], &r, method, sizeof method, &jr[q]);
        if (rows)
            free(r);
        else
            rows = r;
        epochs[q] = series ? checkpoint_epoch(models[q]) : 0;
        if (series && epochs[q] < 0) epochs[q] = q;
        size_t len = strlen(all_methods);
        snprintf(all_methods + len, sizeof all_methods - len, "%s%s", q ? "; " : "", method);
    }
    if (!rc && mpi_rank() == 0) {
        transform_opts o = {.resize = a->resize, .crop = a->crop, .seed = a->net.seed};
        synth_meta m = {a->net.model, a->net.arch, a->data, a->stats,    a->protocol, a->grid,
                        all_methods,  a->resize,   a->crop, a->official, rows};
        rc = synth_result_write(res, series ? nm : 0, (const char *const *)models, epochs, a->out,
                                &m, &o, stdout);
        if (!rc) {
            for (int q = 0; q < nm; q++) sweep_journal_remove(&jr[q]);
            printf("%s: %lld images x %d transforms%s (%s protocol, whitening: %s)\n", a->out,
                   (long long)res[0].n, res[0].nt, series ? " x checkpoints" : "", a->protocol,
                   all_methods);
        }
    }
    if (!mpi_all_ok(rc == INV_OK) && !rc)
        rc = inv_fail(INV_EIO, "synthetic: rank 0 failed to write");
    for (int q = 0; res && q < nm; q++) synth_result_free(&res[q]);
    free(res), free(jr), free(epochs), free(rows);
    return rc;
}

int cmd_synthetic(int argc, char **argv) {
    synth_args a = {.net = BACKBONE_DEFAULTS,
                    .transforms = "all",
                    .sample = "first",
                    .grid = "full",
                    .protocol = "paper",
                    .resize = 256,
                    .crop = 224,
                    .transform_threads = 1};
    char *data = NULL, *stats = NULL, *out = NULL, *transforms = (char *)a.transforms,
         *sample = (char *)a.sample, *grid = (char *)a.grid, *protocol = (char *)a.protocol;
    cli_option opts[] = {
        BACKBONE_OPTIONS(
            a.net,
            "safetensors checkpoint (torchvision or MoCo names) or 'random' (seeded "
            "init); CKPT1,CKPT2,...: a checkpoint series (Figure C.1), a leading model "
            "dimension with each one's epoch",
            "images per forward pass (and per work unit)"),
        {"data", 0, OPT_STRING, &data, "SHARD", "image shard the images come from", 0, 0, 1},
        {"stats", 0, OPT_STRING, &stats, "FEATURES.nc|SHARD",
         "whitening set: a features file, or a shard whose clean features are computed", 0, 0, 1},
        {"out", 'o', OPT_STRING, &out, "INV.nc", "output file", 0, 0, 1},
        {"transforms", 0, OPT_STRING, &transforms, "all|a,b,...",
         "transforms to sweep (names: invar-data transform --list)", 0, 0, 0},
        {"images", 0, OPT_INT64, &a.images, "N",
         "images to use (0: all for --sample first, 1000 for official)", 0, 1e12, 0},
        {"sample", 0, OPT_STRING, &sample, "first|official",
         "the first N images, or the code's np.random.seed(0); choice(n, N) (with replacement)", 0,
         0, 0},
        {"grid", 0, OPT_STRING, &grid, "full|K",
         "every official grid point, or K evenly spaced ones of each grid (quick runs)", 0, 0, 0},
        {"resize", 0, OPT_INT, &a.resize, "R",
         "Resize(R) after each transform and for clean images", 1, 65535, 0},
        {"crop", 0, OPT_INT, &a.crop, "C", "CenterCrop(C) (resized crop outputs C x C)", 1, 65535,
         0},
        {"protocol", 0, OPT_STRING, &protocol, "paper|official",
         "paper: Appendix C.1 in float64, two-image transforms over the transformed image only; "
         "official: the code's means (untouched pair included, float32 mean and Cholesky, "
         "nanmean per grid point)",
         0, 0, 0},
        {"transform-threads", 0, OPT_INT, &a.transform_threads, "T",
         "threads of the worker that transforms the next batch while the network runs the "
         "current one (0: transform between forwards, on the network's threads)",
         0, 256, 0},
    };
    cli_spec spec = {
        "invar-measure synthetic",
        "",
        "Table 2's invariance sweep. Every image: its clean features (Resize + CenterCrop) once; "
        "every grid point of every transform (the official grids: invar-data transform --list) "
        "applied at the original resolution, then Resize + CenterCrop, through the network. "
        "Whitening from --stats: mean, covariance (N - 1) in float64, G = Cholesky(Sigma^-1) "
        "(Ledoit-Wolf shrinkage when Sigma is singular or N <= d, named in the 'whitening' "
        "attribute). Per (transform, point, image): similarity = cos(z, z_t) with z = (mean - f) "
        "G, "
        "distance = ||(f - f_t) G|| (Mahalanobis), alignment = ||f/|f| - f_t/|f_t| ||^2. Writes "
        "similarity/distance/alignment(transform, param, image), param_value, valid, "
        "transform_name, image_* and mean_*(transform). Units of work are forward batches of "
        "--batch transformed images (grid points, then images, then transforms, in order); ranks "
        "take them from a shared counter, and a worker thread transforms the next batch while the "
        "network runs the current one. Killed and re-run with the same arguments it continues "
        "from OUT.resume/.",
        "  invar-measure synthetic --model moco.safetensors --arch resnet50 --data val.nc "
        "--stats val_features.nc --out inv.nc --images 1000 --sample official\n"
        "  mpirun -np 2 invar-measure synthetic --model random --arch resnet18 --stem small "
        "--width 0.25 --data tiny.nc --stats tiny.nc --resize 36 --crop 32 --grid 8 --out inv.nc",
        opts,
        (int)(sizeof opts / sizeof *opts),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    program_apply_common(&common);
    if (!a.net.model || !data || !stats || !out)
        program_fail(INV_EINVAL, "--model, --data, --stats and --out are required (see --help)");
    if (protocol_parse(protocol, &a.official)) program_fail_last(INV_EINVAL);
    if (strcmp(sample, "first") && strcmp(sample, "official"))
        program_fail(INV_EINVAL, "--sample must be first or official, not '%s'", sample);
    a.net.seed = common.seed;
    a.data = data, a.stats = stats, a.out = out, a.transforms = transforms, a.sample = sample;
    a.grid = grid, a.protocol = protocol;
    int rc = synthetic_main(&a);
    if (rc) program_fail_last(rc);
    return 0;
}
