// test_shard.c: image shards: round trips with and without each optional variable, appends in
// chunks, range reads at the edges, attributes, atomic commit/abort, and every kind of bad
// input (missing, not NetCDF, not a shard, wrong types and dimensions, NaN, truncated files).
#include "test_util.h"

#include "core/cli.h"
#include "core/error.h"
#include "data/shard.h"

#include <math.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int file_exists(const char *path) {
    return access(path, F_OK) == 0;
}

static int tmp_exists(const char *path) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    return file_exists(tmp);
}

static uint8_t pixel(int64_t i, int64_t p) {
    return (uint8_t)((i * 37 + p * 11 + (p >> 3)) & 255);
}
static float target_val(int64_t i, int64_t j) {
    return (float)i * 0.5f - (float)j * 1.25f;
}
static float latent_val(int64_t i, int64_t j) {
    return sinf((float)(i * 10 + j));
}

// Appends examples [first, first + count) with the deterministic values above.
static int append_examples(shard *s, int64_t first, int64_t count) {
    const shard_spec *sp = &s->spec;
    int64_t per = sp->h * sp->w * sp->c;
    uint8_t *img = malloc((size_t)(count * per) + 1);
    int32_t *lab = malloc((size_t)count * 4 + 4), *grp = malloc((size_t)count * 4 + 4);
    float *tg = malloc((size_t)(count * (sp->target_k + 1)) * 4);
    float *lt = malloc((size_t)(count * (sp->latent_k + 1)) * 4);
    for (int64_t i = 0; i < count; i++) {
        for (int64_t p = 0; p < per; p++) img[i * per + p] = pixel(first + i, p);
        lab[i] = (int32_t)((first + i) % 10);
        grp[i] = (int32_t)((first + i) / 3);
        for (int64_t j = 0; j < sp->target_k; j++)
            tg[i * sp->target_k + j] = target_val(first + i, j);
        for (int64_t j = 0; j < sp->latent_k; j++)
            lt[i * sp->latent_k + j] = latent_val(first + i, j);
    }
    int rc = shard_append(s, count, img, sp->with_label ? lab : NULL, sp->target_k ? tg : NULL,
                          sp->with_group ? grp : NULL, sp->latent_k ? lt : NULL);
    free(img);
    free(lab);
    free(grp);
    free(tg);
    free(lt);
    return rc;
}

static int write_shard(const char *path, const shard_spec *spec, int64_t n) {
    shard s;
    int rc = shard_create(&s, path, spec);
    if (rc) return rc;
    int64_t done = 0, step = 3;
    while (done < n && rc == 0) {
        int64_t c = n - done < step ? n - done : step;
        rc = append_examples(&s, done, c);
        done += c;
        step = step == 3 ? 0 : step + 2; // chunks of 3, 0, 2, 4, ...
    }
    if (!rc) rc = shard_set_attr(&s, "dataset", "unit");
    if (!rc) rc = shard_set_attr(&s, "seed", "42");
    if (rc) {
        shard_abort(&s);
        return rc;
    }
    return shard_commit(&s);
}

// Reads everything back and compares with the deterministic values.
static void check_shard(const char *path, const shard_spec *spec, int64_t n) {
    shard s;
    int rc = shard_open(&s, path);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    if (rc) {
        fprintf(stderr, "%s\n", inv_errmsg());
        return;
    }
    CU_ASSERT_EQUAL(s.n, n);
    CU_ASSERT_EQUAL(s.spec.h, spec->h);
    CU_ASSERT_EQUAL(s.spec.w, spec->w);
    CU_ASSERT_EQUAL(s.spec.c, spec->c);
    CU_ASSERT_EQUAL(s.spec.with_label, !!spec->with_label);
    CU_ASSERT_EQUAL(s.spec.with_group, !!spec->with_group);
    CU_ASSERT_EQUAL(s.spec.target_k, spec->target_k);
    CU_ASSERT_EQUAL(s.spec.latent_k, spec->latent_k);
    int64_t per = spec->h * spec->w * spec->c;
    uint8_t *img = malloc((size_t)(n * per) + 1);
    CU_ASSERT_EQUAL(shard_read_images(&s, 0, n, img), 0);
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t p = 0; p < per; p++) bad += img[i * per + p] != pixel(i, p);
    CU_ASSERT_EQUAL(bad, 0);
    // Edges: the last example alone, the first alone, an empty read at n.
    CU_ASSERT_EQUAL(shard_read_images(&s, n - 1, 1, img), 0);
    for (int64_t p = 0; p < per; p++) bad += img[p] != pixel(n - 1, p);
    CU_ASSERT_EQUAL(shard_read_images(&s, 0, 1, img), 0);
    for (int64_t p = 0; p < per; p++) bad += img[p] != pixel(0, p);
    CU_ASSERT_EQUAL(shard_read_images(&s, n, 0, img), 0);
    CU_ASSERT_EQUAL(bad, 0);
    free(img);

    int32_t *iv = malloc((size_t)n * 4);
    float *fv = malloc((size_t)n * 16 * 4);
    int64_t k = 0;
    if (spec->with_label) {
        CU_ASSERT_EQUAL(shard_read_labels(&s, 0, n, iv), 0);
        for (int64_t i = 0; i < n; i++) bad += iv[i] != i % 10;
        CU_ASSERT_EQUAL(shard_read_var_f32(&s, "label", 1, n - 1, fv, &k), 0);
        CU_ASSERT_EQUAL(k, 1);
        for (int64_t i = 1; i < n; i++) bad += fv[i - 1] != (float)(i % 10);
    } else {
        CU_ASSERT_EQUAL(shard_read_labels(&s, 0, 1, iv), INV_EFORMAT);
        CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "no 'label' variable"));
    }
    if (spec->with_group) {
        CU_ASSERT_EQUAL(shard_read_groups(&s, 0, n, iv), 0);
        for (int64_t i = 0; i < n; i++) bad += iv[i] != i / 3;
    } else {
        CU_ASSERT_EQUAL(shard_read_groups(&s, 0, 1, iv), INV_EFORMAT);
    }
    if (spec->target_k) {
        CU_ASSERT_EQUAL(shard_read_targets(&s, 0, n, fv), 0);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < spec->target_k; j++)
                bad += fv[i * spec->target_k + j] != target_val(i, j);
        CU_ASSERT_EQUAL(shard_read_var_f32(&s, "target", n - 2, 2, fv, &k), 0);
        CU_ASSERT_EQUAL(k, spec->target_k);
        bad += fv[0] != target_val(n - 2, 0);
    } else {
        CU_ASSERT_EQUAL(shard_read_targets(&s, 0, 1, fv), INV_EFORMAT);
    }
    if (spec->latent_k) {
        CU_ASSERT_EQUAL(shard_read_latents(&s, 0, n, fv), 0);
        for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < spec->latent_k; j++)
                bad += fv[i * spec->latent_k + j] != latent_val(i, j);
    } else {
        CU_ASSERT_EQUAL(shard_read_latents(&s, 0, 1, fv), INV_EFORMAT);
    }
    CU_ASSERT_EQUAL(bad, 0);
    char buf[64];
    CU_ASSERT_EQUAL(shard_get_attr(&s, "invar_kind", buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "shard");
    CU_ASSERT_EQUAL(shard_get_attr(&s, "invar_version", buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, INVAR_VERSION);
    CU_ASSERT_EQUAL(shard_get_attr(&s, "dataset", buf, sizeof buf), 0);
    CU_ASSERT_STRING_EQUAL(buf, "unit");
    CU_ASSERT_EQUAL(shard_get_attr(&s, "seed", buf, 3), 0); // truncated to the buffer
    CU_ASSERT_STRING_EQUAL(buf, "42");
    CU_ASSERT_EQUAL(shard_get_attr(&s, "nothing", buf, sizeof buf), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "nothing"));
    free(iv);
    free(fv);
    shard_close(&s);
}

static void test_roundtrip_all(void) {
    const char *p = test_path("all.nc");
    shard_spec spec = {
        .h = 5, .w = 4, .c = 3, .with_label = 1, .target_k = 2, .with_group = 1, .latent_k = 10};
    CU_ASSERT_EQUAL_FATAL(write_shard(p, &spec, 11), 0);
    CU_ASSERT_FALSE(tmp_exists(p));
    check_shard(p, &spec, 11);
}

static void test_roundtrip_optional(void) {
    // Image only, then each optional variable alone.
    for (int which = 0; which < 5; which++) {
        shard_spec spec = {.h = 3, .w = 7, .c = which == 0 ? 1 : (which == 3 ? 4 : 3)};
        if (which == 1) spec.with_label = 1;
        if (which == 2) spec.target_k = 3;
        if (which == 3) spec.with_group = 1;
        if (which == 4) spec.latent_k = 10;
        char name[32];
        snprintf(name, sizeof name, "opt%d.nc", which);
        const char *p = test_path(name);
        CU_ASSERT_EQUAL_FATAL(write_shard(p, &spec, 8), 0);
        check_shard(p, &spec, 8);
    }
}

static void test_append_args(void) {
    const char *p = test_path("args.nc");
    shard_spec spec = {.h = 2, .w = 2, .c = 1, .with_label = 1};
    shard s;
    CU_ASSERT_EQUAL_FATAL(shard_create(&s, p, &spec), 0);
    uint8_t img[8] = {0};
    int32_t lab[2] = {1, 2};
    float tg[2] = {0, 0};
    CU_ASSERT_EQUAL(shard_append(&s, 2, img, NULL, NULL, NULL, NULL), INV_EINVAL); // no labels
    CU_ASSERT_EQUAL(shard_append(&s, 2, img, lab, tg, NULL, NULL), INV_EINVAL);    // no target var
    CU_ASSERT_EQUAL(shard_append(&s, -1, img, lab, NULL, NULL, NULL), INV_EINVAL);
    CU_ASSERT_EQUAL(shard_append(&s, 2, img, lab, NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL(shard_set_attr(&s, "invar_kind", "x"), INV_EINVAL);
    CU_ASSERT_EQUAL(shard_read_images(&s, 0, 1, img), INV_EINVAL); // not while writing
    CU_ASSERT_TRUE(tmp_exists(p));
    CU_ASSERT_FALSE(file_exists(p)); // nothing under the final name before commit
    CU_ASSERT_EQUAL(shard_commit(&s), 0);
    CU_ASSERT_EQUAL(shard_append(&s, 2, img, lab, NULL, NULL, NULL), INV_EINVAL); // committed
    CU_ASSERT_TRUE(file_exists(p));
    CU_ASSERT_FALSE(tmp_exists(p));

    // NaN targets are refused at write time.
    shard_spec ts = {.h = 1, .w = 1, .c = 1, .target_k = 2};
    CU_ASSERT_EQUAL_FATAL(shard_create(&s, test_path("nanw.nc"), &ts), 0);
    tg[1] = NAN;
    CU_ASSERT_EQUAL(shard_append(&s, 1, img, NULL, tg, NULL, NULL), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "'target' row 0 column 1 is NaN"));
    shard_abort(&s);

    // Bad specs.
    shard_spec bad[4] = {{.h = 0, .w = 2, .c = 3},
                         {.h = 2, .w = 70000, .c = 3},
                         {.h = 2, .w = 2, .c = 2},
                         {.h = 2, .w = 2, .c = 3, .target_k = -1}};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_EQUAL(shard_create(&s, test_path("bad.nc"), &bad[i]), INV_EINVAL);
        CU_ASSERT_FALSE(file_exists(test_path("bad.nc")));
        CU_ASSERT_FALSE(tmp_exists(test_path("bad.nc")));
    }
}

static void test_abort_and_replace(void) {
    const char *p = test_path("abort.nc");
    shard_spec spec = {.h = 4, .w = 4, .c = 3, .with_label = 1};
    shard s;
    CU_ASSERT_EQUAL_FATAL(shard_create(&s, p, &spec), 0);
    CU_ASSERT_EQUAL(append_examples(&s, 0, 5), 0);
    shard_abort(&s);
    CU_ASSERT_FALSE(file_exists(p));
    CU_ASSERT_FALSE(tmp_exists(p));

    // An existing shard stays whole until the replacement is committed.
    CU_ASSERT_EQUAL_FATAL(write_shard(p, &spec, 4), 0);
    CU_ASSERT_EQUAL_FATAL(shard_create(&s, p, &spec), 0);
    CU_ASSERT_EQUAL(append_examples(&s, 0, 6), 0);
    CU_ASSERT_EQUAL(shard_set_attr(&s, "dataset", "unit"), 0);
    CU_ASSERT_EQUAL(shard_set_attr(&s, "seed", "42"), 0);
    check_shard(p, &spec, 4);
    CU_ASSERT_EQUAL(shard_commit(&s), 0);
    check_shard(p, &spec, 6);
    CU_ASSERT_FALSE(tmp_exists(p));
}

static void test_ranges(void) {
    const char *p = test_path("range.nc");
    shard_spec spec = {.h = 2, .w = 3, .c = 1, .with_label = 1, .target_k = 1};
    CU_ASSERT_EQUAL_FATAL(write_shard(p, &spec, 7), 0);
    shard s;
    CU_ASSERT_EQUAL_FATAL(shard_open(&s, p), 0);
    uint8_t img[6 * 8];
    int32_t lab[8];
    float f[8];
    int64_t k;
    const int64_t bad[][2] = {{-1, 1}, {0, -1},        {7, 1},        {5, 3},
                              {0, 8},  {1, INT64_MAX}, {INT64_MAX, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CU_ASSERT_EQUAL(shard_read_images(&s, bad[i][0], bad[i][1], img), INV_ERANGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), p));
        CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "outside [0, 7)"));
        CU_ASSERT_EQUAL(shard_read_labels(&s, bad[i][0], bad[i][1], lab), INV_ERANGE);
        CU_ASSERT_EQUAL(shard_read_targets(&s, bad[i][0], bad[i][1], f), INV_ERANGE);
        CU_ASSERT_EQUAL(shard_read_var_f32(&s, "label", bad[i][0], bad[i][1], f, &k), INV_ERANGE);
    }
    CU_ASSERT_EQUAL(shard_read_images(&s, 0, 7, img), 0);
    CU_ASSERT_EQUAL(shard_read_labels(&s, 6, 1, lab), 0);
    CU_ASSERT_EQUAL(lab[0], 6);
    CU_ASSERT_EQUAL(shard_read_labels(&s, 7, 0, lab), 0);
    // Variables that are not per-example, or absent.
    CU_ASSERT_EQUAL(shard_read_var_f32(&s, "image", 0, 1, f, &k), INV_EFORMAT);
    CU_ASSERT_EQUAL(shard_read_var_f32(&s, "nope", 0, 1, f, &k), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "no variable 'nope'"));
    k = 0;
    CU_ASSERT_EQUAL(shard_read_var_f32(&s, "target", 0, 1, NULL, &k), 0);
    CU_ASSERT_EQUAL(k, 1);
    shard_close(&s);
}

// ---- hand-made bad files --------------------------------------------------------------------

// Writes a NetCDF-4 file with one 4-D "image"-like variable (name, type, dimension names and
// lengths as given) and optionally an extra variable `extra`(n[, k]) of type `etype`.
static void write_raw(const char *path, const char *var, int type, const char *const dn[4],
                      const size_t lens[4], const char *extra, int etype, int extra_nd,
                      const float *extra_vals) {
    int ncid, dims[4], v;
    CU_ASSERT_EQUAL_FATAL(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid), 0);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(nc_def_dim(ncid, dn[i], i == 0 ? NC_UNLIMITED : lens[i], &dims[i]), 0);
    CU_ASSERT_EQUAL(nc_def_var(ncid, var, type, 4, dims, &v), 0);
    int ev = -1, kd;
    if (extra) {
        CU_ASSERT_EQUAL(nc_def_dim(ncid, "kk", 2, &kd), 0);
        int edims[2] = {dims[0], kd};
        CU_ASSERT_EQUAL(nc_def_var(ncid, extra, etype, extra_nd, edims, &ev), 0);
    }
    CU_ASSERT_EQUAL(nc_enddef(ncid), 0);
    size_t start[4] = {0, 0, 0, 0}, cnt[4] = {lens[0], lens[1], lens[2], lens[3]};
    size_t total = lens[0] * lens[1] * lens[2] * lens[3];
    float *zeros = calloc(total + 1, sizeof(float));
    CU_ASSERT_EQUAL(nc_put_vara_float(ncid, v, start, cnt, zeros), 0);
    if (extra) {
        size_t ecnt[2] = {lens[0], 2};
        CU_ASSERT_EQUAL(nc_put_vara_float(ncid, ev, start, ecnt, extra_vals), 0);
    }
    free(zeros);
    CU_ASSERT_EQUAL(nc_close(ncid), 0);
}

static void expect_open_fail(const char *path, int code, const char *what) {
    shard s;
    int rc = shard_open(&s, path);
    CU_ASSERT_EQUAL(rc, code);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), path));
    if (!strstr(inv_errmsg(), what)) {
        fprintf(stderr, "\nexpected '%s' in: %s\n", what, inv_errmsg());
        CU_FAIL("error message");
    }
    CU_ASSERT_EQUAL(s.ncid, -1);
}

static void test_bad_files(void) {
    static const char *const nhwc[4] = {"n", "h", "w", "c"};
    static const size_t l4[4] = {4, 2, 2, 3};
    expect_open_fail(test_path("missing.nc"), INV_EIO, "no such file");
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)(i * 131 + 7);
    CU_ASSERT_EQUAL(test_write_file(test_path("junk.nc"), junk, sizeof junk), 0);
    expect_open_fail(test_path("junk.nc"), INV_EFORMAT, "not a NetCDF file");
    CU_ASSERT_EQUAL(test_write_file(test_path("empty.nc"), junk, 0), 0);
    expect_open_fail(test_path("empty.nc"), INV_EFORMAT, "not a NetCDF file");

    // NetCDF, but no image variable.
    write_raw(test_path("other.nc"), "pixels", NC_UBYTE, nhwc, l4, NULL, 0, 0, NULL);
    expect_open_fail(test_path("other.nc"), INV_EFORMAT,
                     "is not an image shard (no image variable)");
    // Wrong type, wrong dimension names, wrong channel count.
    write_raw(test_path("float.nc"), "image", NC_FLOAT, nhwc, l4, NULL, 0, 0, NULL);
    expect_open_fail(test_path("float.nc"), INV_EFORMAT, "'image' has type float, expected ubyte");
    static const char *const nyxc[4] = {"n", "y", "x", "c"};
    write_raw(test_path("dims.nc"), "image", NC_UBYTE, nyxc, l4, NULL, 0, 0, NULL);
    expect_open_fail(test_path("dims.nc"), INV_EFORMAT, "dimension 1 is 'y', expected 'h'");
    static const size_t l2c[4] = {4, 2, 2, 2};
    write_raw(test_path("chan.nc"), "image", NC_UBYTE, nhwc, l2c, NULL, 0, 0, NULL);
    expect_open_fail(test_path("chan.nc"), INV_EFORMAT, "2 channels");
    // Optional variables with the wrong type or rank.
    float vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    write_raw(test_path("tint.nc"), "image", NC_UBYTE, nhwc, l4, "target", NC_INT, 2, vals);
    expect_open_fail(test_path("tint.nc"), INV_EFORMAT, "'target' has type int, expected float");
    write_raw(test_path("lab2.nc"), "image", NC_UBYTE, nhwc, l4, "label", NC_INT, 2, vals);
    expect_open_fail(test_path("lab2.nc"), INV_EFORMAT, "'label' has 2 dimensions, expected 1");

    // A target with NaN and Inf: opens, but reading a range with them fails naming the row.
    vals[3] = NAN;
    vals[6] = INFINITY;
    const char *p = test_path("nan.nc");
    write_raw(p, "image", NC_UBYTE, nhwc, l4, "target", NC_FLOAT, 2, vals);
    shard s;
    CU_ASSERT_EQUAL_FATAL(shard_open(&s, p), 0);
    float f[8];
    CU_ASSERT_EQUAL(shard_read_targets(&s, 0, 1, f), 0);
    CU_ASSERT_EQUAL(f[1], 1.0f);
    CU_ASSERT_EQUAL(shard_read_targets(&s, 0, 4, f), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "'target' row 1 column 1 is NaN"));
    CU_ASSERT_EQUAL(shard_read_targets(&s, 2, 2, f), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "'target' row 3 column 0 is infinite"));
    int64_t k;
    CU_ASSERT_EQUAL(shard_read_var_f32(&s, "target", 1, 1, f, &k), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), p));
    shard_close(&s);
}

static void test_unwritten_rows(void) {
    // A label variable shorter than image (rows never written) is caught at read time.
    const char *p = test_path("short.nc");
    int ncid, d[4], vi, vl;
    CU_ASSERT_EQUAL_FATAL(nc_create(p, NC_NETCDF4 | NC_CLOBBER, &ncid), 0);
    nc_def_dim(ncid, "n", NC_UNLIMITED, &d[0]);
    nc_def_dim(ncid, "h", 1, &d[1]);
    nc_def_dim(ncid, "w", 1, &d[2]);
    nc_def_dim(ncid, "c", 1, &d[3]);
    nc_def_var(ncid, "image", NC_UBYTE, 4, d, &vi);
    nc_def_var(ncid, "label", NC_INT, 1, d, &vl);
    nc_enddef(ncid);
    uint8_t img[4] = {1, 2, 3, 4};
    int lab[2] = {5, 6};
    size_t st[4] = {0, 0, 0, 0}, ct[4] = {4, 1, 1, 1};
    CU_ASSERT_EQUAL(nc_put_vara_uchar(ncid, vi, st, ct, img), 0);
    ct[0] = 2;
    CU_ASSERT_EQUAL(nc_put_vara_int(ncid, vl, st, ct, lab), 0);
    CU_ASSERT_EQUAL(nc_close(ncid), 0);
    shard s;
    CU_ASSERT_EQUAL_FATAL(shard_open(&s, p), 0);
    CU_ASSERT_EQUAL(s.n, 4);
    int32_t got[4];
    CU_ASSERT_EQUAL(shard_read_labels(&s, 0, 2, got), 0);
    CU_ASSERT_EQUAL(got[1], 6);
    CU_ASSERT_EQUAL(shard_read_labels(&s, 1, 3, got), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "'label' row 2 holds the fill value"));
    shard_close(&s);
}

static void test_truncated(void) {
    // Incompressible images so that the data is most of the file.
    const char *p = test_path("whole.nc");
    shard_spec spec = {.h = 16, .w = 16, .c = 3, .with_label = 1, .target_k = 2};
    CU_ASSERT_EQUAL_FATAL(write_shard(p, &spec, 20), 0);
    size_t size = 0;
    unsigned char *whole = test_read_file(p, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(whole);
    free(whole);
    size_t cuts[] = {1, 8, 64, 512, 2048, size / 3, size / 2, size - 1000, size - 100, size - 1};
    uint8_t *img = malloc(20 * 16 * 16 * 3);
    float f[40];
    int32_t lab[20];
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *t = test_path("trunc.nc");
        CU_ASSERT_EQUAL_FATAL(test_copy_file(p, t), 0);
        CU_ASSERT_EQUAL_FATAL(test_truncate(t, cuts[i]), 0);
        shard s;
        int rc = shard_open(&s, t);
        if (rc == 0) {
            rc = shard_read_images(&s, 0, 20, img);
            if (!rc) rc = shard_read_labels(&s, 0, 20, lab);
            if (!rc) rc = shard_read_targets(&s, 0, 20, f);
            shard_close(&s);
        }
        CU_ASSERT_NOT_EQUAL(rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), t));
    }
    free(img);
}

int test_shard_register(void) {
    CU_pSuite s = CU_add_suite("shard", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_roundtrip_all);
    TEST_ADD(s, test_roundtrip_optional);
    TEST_ADD(s, test_append_args);
    TEST_ADD(s, test_abort_and_replace);
    TEST_ADD(s, test_ranges);
    TEST_ADD(s, test_bad_files);
    TEST_ADD(s, test_unwritten_rows);
    TEST_ADD(s, test_truncated);
    return 0;
}
