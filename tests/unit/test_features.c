// test_features.c: feature files: whole-matrix and streaming round trips with attributes,
// atomic commit/abort, and bad inputs (missing, not NetCDF, a shard, wrong type or dimensions,
// NaN/Inf, truncated files).
#include "test_util.h"

#include "core/cli.h"
#include "core/error.h"
#include "data/features.h"
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

static float feat(int64_t i, int64_t j) {
    return cosf((float)(i * 17 + j)) * (float)(j + 1);
}

static void text_attr(const char *path, const char *name, const char *want) {
    int ncid;
    CU_ASSERT_EQUAL_FATAL(nc_open(path, NC_NOWRITE, &ncid), 0);
    char buf[256];
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, name, buf, sizeof buf, path), 0);
    CU_ASSERT_STRING_EQUAL(buf, want);
    nc_close(ncid);
}

static void test_write_read(void) {
    const char *p = test_path("f.nc");
    int64_t n = 13, d = 7;
    float *x = malloc((size_t)(n * d) * sizeof(float));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) x[i * d + j] = feat(i, j);
    features_info info = {.source = "data/shape.nc",
                          .model = "random",
                          .arch = "resnet18",
                          .extra_name = "stem",
                          .extra_value = "small"};
    CU_ASSERT_EQUAL_FATAL(features_write(p, x, n, d, &info), 0);
    CU_ASSERT_FALSE(tmp_exists(p));
    float *y = NULL;
    int64_t rn = 0, rd = 0;
    char src[64];
    CU_ASSERT_EQUAL_FATAL(features_read(p, &y, &rn, &rd, src, sizeof src), 0);
    CU_ASSERT_EQUAL(rn, n);
    CU_ASSERT_EQUAL(rd, d);
    CU_ASSERT_STRING_EQUAL(src, "data/shape.nc");
    CU_ASSERT_EQUAL(memcmp(x, y, (size_t)(n * d) * sizeof(float)), 0);
    free(y);
    text_attr(p, "invar_kind", "features");
    text_attr(p, "invar_version", INVAR_VERSION);
    text_attr(p, "model", "random");
    text_attr(p, "arch", "resnet18");
    text_attr(p, "stem", "small");

    // Short source buffer: truncated, NUL-terminated.
    CU_ASSERT_EQUAL(features_read(p, &y, &rn, &rd, src, 5), 0);
    CU_ASSERT_STRING_EQUAL(src, "data");
    free(y);
    // No info at all: no source attribute, source_buf is "".
    CU_ASSERT_EQUAL_FATAL(features_write(p, x, n, d, NULL), 0);
    CU_ASSERT_EQUAL(features_read(p, &y, &rn, &rd, src, sizeof src), 0);
    CU_ASSERT_STRING_EQUAL(src, "");
    free(y);
    // Zero rows is a valid (empty) feature file.
    CU_ASSERT_EQUAL_FATAL(features_write(p, x, 0, d, &info), 0);
    CU_ASSERT_EQUAL(features_read(p, &y, &rn, &rd, NULL, 0), 0);
    CU_ASSERT_EQUAL(rn, 0);
    CU_ASSERT_EQUAL(rd, d);
    free(y);
    // Bad arguments and NaN leave no file behind.
    const char *q = test_path("fbad.nc");
    CU_ASSERT_EQUAL(features_write(q, x, n, 0, &info), INV_EINVAL);
    features_info reserved = {.extra_name = "source", .extra_value = "x"};
    CU_ASSERT_EQUAL(features_write(q, x, n, d, &reserved), INV_EINVAL);
    x[3 * d + 2] = NAN;
    CU_ASSERT_EQUAL(features_write(q, x, n, d, &info), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "row 3 column 2 is NaN"));
    CU_ASSERT_FALSE(file_exists(q));
    CU_ASSERT_FALSE(tmp_exists(q));
    free(x);
}

static void test_streaming(void) {
    const char *p = test_path("stream.nc");
    int64_t d = 5, total = 0;
    features_info info = {.source = "s.nc", .model = "ckpt.safetensors", .arch = "resnet50"};
    features_writer w;
    CU_ASSERT_EQUAL_FATAL(features_writer_create(&w, p, d, &info), 0);
    float rows[9 * 5];
    for (int64_t batch = 0; batch < 4; batch++) {
        int64_t count = batch * 3 % 9; // 0, 3, 6, 0 then 9 below
        for (int64_t i = 0; i < count; i++)
            for (int64_t j = 0; j < d; j++) rows[i * d + j] = feat(total + i, j);
        CU_ASSERT_EQUAL(features_writer_append(&w, rows, count), 0);
        total += count;
    }
    CU_ASSERT_FALSE(file_exists(p));
    CU_ASSERT_TRUE(tmp_exists(p));
    CU_ASSERT_EQUAL(w.n, total);
    CU_ASSERT_EQUAL(features_writer_commit(&w), 0);
    CU_ASSERT_FALSE(tmp_exists(p));
    float *y;
    int64_t n, rd;
    CU_ASSERT_EQUAL_FATAL(features_read(p, &y, &n, &rd, NULL, 0), 0);
    CU_ASSERT_EQUAL(n, total);
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < d; j++) bad += y[i * d + j] != feat(i, j);
    CU_ASSERT_EQUAL(bad, 0);
    free(y);

    // Abort: no file under either name.
    const char *q = test_path("aborted.nc");
    CU_ASSERT_EQUAL_FATAL(features_writer_create(&w, q, d, &info), 0);
    CU_ASSERT_EQUAL(features_writer_append(&w, rows, 2), 0);
    rows[4] = INFINITY;
    CU_ASSERT_EQUAL(features_writer_append(&w, rows, 2), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "row 2 column 4 is infinite"));
    features_writer_abort(&w);
    CU_ASSERT_FALSE(file_exists(q));
    CU_ASSERT_FALSE(tmp_exists(q));
}

static void expect_read_fail(const char *path, int code, const char *what) {
    float *y = (float *)1;
    int64_t n, d;
    char src[32];
    int rc = features_read(path, &y, &n, &d, src, sizeof src);
    CU_ASSERT_EQUAL(rc, code);
    CU_ASSERT_PTR_NULL(y);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), path));
    if (!strstr(inv_errmsg(), what)) {
        fprintf(stderr, "\nexpected '%s' in: %s\n", what, inv_errmsg());
        CU_FAIL("error message");
    }
}

// A feature-like file: variable `name`(dn0, dn1) of `type` with the given values.
static void write_raw(const char *path, const char *name, int type, const char *dn0,
                      const char *dn1, const float *vals, size_t n, size_t d) {
    int ncid, dims[2], v;
    CU_ASSERT_EQUAL_FATAL(nc_create(path, NC_NETCDF4 | NC_CLOBBER, &ncid), 0);
    CU_ASSERT_EQUAL(nc_def_dim(ncid, dn0, n, &dims[0]), 0);
    CU_ASSERT_EQUAL(nc_def_dim(ncid, dn1, d, &dims[1]), 0);
    CU_ASSERT_EQUAL(nc_def_var(ncid, name, type, 2, dims, &v), 0);
    CU_ASSERT_EQUAL(nc_enddef(ncid), 0);
    size_t st[2] = {0, 0}, ct[2] = {n, d};
    CU_ASSERT_EQUAL(nc_put_vara_float(ncid, v, st, ct, vals), 0);
    CU_ASSERT_EQUAL(nc_close(ncid), 0);
}

static void test_bad_files(void) {
    expect_read_fail(test_path("nofeat.nc"), INV_EIO, "no such file");
    unsigned char junk[1000];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)(i * 97 + 3);
    CU_ASSERT_EQUAL(test_write_file(test_path("junkf.nc"), junk, sizeof junk), 0);
    expect_read_fail(test_path("junkf.nc"), INV_EFORMAT, "not a NetCDF file");
    // A shard is not a feature file.
    shard s;
    shard_spec spec = {.h = 2, .w = 2, .c = 1};
    uint8_t img[4] = {0};
    CU_ASSERT_EQUAL_FATAL(shard_create(&s, test_path("sh.nc"), &spec), 0);
    CU_ASSERT_EQUAL(shard_append(&s, 1, img, NULL, NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(shard_commit(&s), 0);
    expect_read_fail(test_path("sh.nc"), INV_EFORMAT, "no feature variable; invar_kind is 'shard'");
    float v[6] = {1, 2, 3, 4, 5, 6};
    write_raw(test_path("dbl.nc"), "feature", NC_DOUBLE, "n", "d", v, 2, 3);
    expect_read_fail(test_path("dbl.nc"), INV_EFORMAT, "has type double, expected float");
    write_raw(test_path("dn.nc"), "feature", NC_FLOAT, "rows", "d", v, 2, 3);
    expect_read_fail(test_path("dn.nc"), INV_EFORMAT, "dimension 0 is 'rows', expected 'n'");
    v[5] = NAN;
    write_raw(test_path("nanf.nc"), "feature", NC_FLOAT, "n", "d", v, 2, 3);
    expect_read_fail(test_path("nanf.nc"), INV_EFORMAT, "row 1 column 2 is NaN");
    v[5] = 6;
    v[1] = -INFINITY;
    write_raw(test_path("inff.nc"), "feature", NC_FLOAT, "n", "d", v, 2, 3);
    expect_read_fail(test_path("inff.nc"), INV_EFORMAT, "row 0 column 1 is infinite");

    // Truncated copies of a valid file.
    const char *p = test_path("whole_f.nc");
    int64_t n = 50, d = 40;
    float *x = malloc((size_t)(n * d) * sizeof(float));
    for (int64_t i = 0; i < n * d; i++) x[i] = feat(i, 1);
    CU_ASSERT_EQUAL_FATAL(features_write(p, x, n, d, NULL), 0);
    free(x);
    size_t size = 0;
    unsigned char *whole = test_read_file(p, &size);
    CU_ASSERT_PTR_NOT_NULL_FATAL(whole);
    free(whole);
    size_t cuts[] = {1, 16, 300, 2048, size / 2, size - 512, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        const char *t = test_path("trunc_f.nc");
        CU_ASSERT_EQUAL_FATAL(test_copy_file(p, t), 0);
        CU_ASSERT_EQUAL_FATAL(test_truncate(t, cuts[i]), 0);
        float *y = NULL;
        int64_t rn, rd;
        CU_ASSERT_NOT_EQUAL(features_read(t, &y, &rn, &rd, NULL, 0), 0);
        CU_ASSERT_PTR_NULL(y);
        CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), t));
    }
}

int test_features_register(void) {
    CU_pSuite s = CU_add_suite("features", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_write_read);
    TEST_ADD(s, test_streaming);
    TEST_ADD(s, test_bad_files);
    return 0;
}
