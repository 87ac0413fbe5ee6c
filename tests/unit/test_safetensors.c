// test_safetensors.c: safetensors round trips (every dtype, metadata, 0-d and empty tensors),
// exact dtype conversions to float32, writer argument checks, and corrupt or truncated files,
// each of which must give INV_EFORMAT with a message naming the file (never a crash).
#include "test_util.h"

#include "core/error.h"
#include "io/safetensors.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint32_t bits_of(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

// A file image: 8-byte little-endian length, the header text as given, then `data`.
static unsigned char *make_image(const char *header, uint64_t header_len, const void *data,
                                 size_t ndata, size_t *size) {
    size_t hl = strlen(header);
    *size = 8 + hl + ndata;
    unsigned char *b = malloc(*size ? *size : 1);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(header_len >> (8 * i));
    memcpy(b + 8, header, hl);
    if (ndata) memcpy(b + 8 + hl, data, ndata);
    return b;
}

// Checks that both st_open (on a file) and st_parse (on an exact-size heap copy, so that ASan
// sees any over-read) reject `bytes` with INV_EFORMAT and a message naming the file and
// containing `fragment` (when not NULL).
static void expect_bad_bytes(const char *file, const unsigned char *bytes, size_t size,
                             const char *fragment) {
    const char *path = test_path(file);
    CU_ASSERT_FATAL(test_write_file(path, bytes, size) == 0);
    st_file f;
    inv_error_clear();
    int rc = st_open(&f, path);
    CU_ASSERT_EQUAL(rc, INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), path));
    if (fragment && !strstr(inv_errmsg(), fragment)) {
        printf("\n%s: message '%s' lacks '%s'\n", file, inv_errmsg(), fragment);
        CU_FAIL("error message lacks the expected text");
    }
    CU_ASSERT_EQUAL(f.ntensors, 0);
    CU_ASSERT_PTR_NULL(f.tensors);
    st_close(&f);

    unsigned char *copy = malloc(size ? size : 1);
    if (size) memcpy(copy, bytes, size);
    inv_error_clear();
    rc = st_parse(&f, copy, size, file);
    CU_ASSERT_EQUAL(rc, INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), file));
    if (fragment) CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), fragment));
    st_close(&f);
    free(copy);
}

static void expect_bad(const char *file, const char *header, size_t ndata, const char *fragment) {
    unsigned char data[64] = {0};
    CU_ASSERT_FATAL(ndata <= sizeof data);
    size_t size;
    unsigned char *b = make_image(header, strlen(header), data, ndata, &size);
    expect_bad_bytes(file, b, size, fragment);
    free(b);
}

// ---- round trips ----------------------------------------------------------------------------

static void test_round_trip_all_dtypes(void) {
    unsigned char pattern[6 * 8];
    for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (unsigned char)(i * 37 + 11);
    st_writer *w;
    CU_ASSERT_FATAL(st_writer_new(&w) == INV_OK);
    char name[64];
    const int64_t shape[2] = {2, 3};
    for (int d = 0; d < ST_DTYPE_COUNT; d++) {
        snprintf(name, sizeof name, "t.%s", st_dtype_name((st_dtype)d));
        CU_ASSERT_EQUAL(st_writer_add(w, name, (st_dtype)d, 2, shape, pattern), INV_OK);
    }
    float scalar = 3.25f;
    const int64_t empty_shape[2] = {0, 4};
    CU_ASSERT_EQUAL(st_writer_add(w, "scalar", ST_F32, 0, NULL, &scalar), INV_OK);
    CU_ASSERT_EQUAL(st_writer_add(w, "empty", ST_F16, 2, empty_shape, NULL), INV_OK);
    CU_ASSERT_EQUAL(st_writer_add(w, "odd \"name\"\\ é\n", ST_U8, 2, shape, pattern), INV_OK);
    CU_ASSERT_EQUAL(st_writer_meta(w, "format", "pt"), INV_OK);
    CU_ASSERT_EQUAL(st_writer_meta(w, "epoch", "1"), INV_OK);
    CU_ASSERT_EQUAL(st_writer_meta(w, "epoch", "7"), INV_OK); // replaces
    CU_ASSERT_EQUAL(st_writer_meta(w, "quote\"key", "tab\tvalue ü"), INV_OK);
    const char *path = test_path("all.safetensors");
    CU_ASSERT_EQUAL_FATAL(st_writer_write(w, path), INV_OK);
    st_writer_free(w);

    // Header layout: length a multiple of 8, padded with spaces, metadata first.
    size_t size;
    unsigned char *raw = test_read_file(path, &size);
    CU_ASSERT_FATAL(raw != NULL && size > 8);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | raw[i];
    CU_ASSERT_EQUAL(n % 8, 0);
    CU_ASSERT_EQUAL(raw[8], '{');
    CU_ASSERT(memcmp(raw + 8, "{\"__metadata__\":{", 17) == 0);
    free(raw);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);

    st_file f;
    CU_ASSERT_EQUAL_FATAL(st_open(&f, path), INV_OK);
    CU_ASSERT_EQUAL(f.ntensors, ST_DTYPE_COUNT + 3);
    size_t expect_begin = 0;
    for (int d = 0; d < ST_DTYPE_COUNT; d++) {
        snprintf(name, sizeof name, "t.%s", st_dtype_name((st_dtype)d));
        const st_tensor *t = st_find(&f, name);
        CU_ASSERT_PTR_NOT_NULL_FATAL(t);
        CU_ASSERT_EQUAL(t->dtype, d);
        CU_ASSERT_EQUAL(t->ndim, 2);
        CU_ASSERT_EQUAL(t->shape[0], 2);
        CU_ASSERT_EQUAL(t->shape[1], 3);
        CU_ASSERT_EQUAL(t->numel, 6);
        size_t nb = 6 * st_dtype_size((st_dtype)d);
        CU_ASSERT_EQUAL(t->begin, expect_begin); // offsets in the order of st_writer_add
        CU_ASSERT_EQUAL(t->end - t->begin, nb);
        CU_ASSERT(memcmp(t->data, pattern, nb) == 0);
        expect_begin += nb;
    }
    const st_tensor *s = st_find(&f, "scalar");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(s->ndim, 0);
    CU_ASSERT_EQUAL(s->numel, 1);
    float got = 0;
    CU_ASSERT_EQUAL(st_read_f32(&f, "scalar", &got, 1), INV_OK);
    CU_ASSERT_EQUAL(got, 3.25f);
    const st_tensor *e = st_find(&f, "empty");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL(e->numel, 0);
    CU_ASSERT_EQUAL(e->begin, e->end);
    CU_ASSERT_EQUAL(st_read_f32(&f, "empty", &got, 0), INV_OK);
    const st_tensor *odd = st_find(&f, "odd \"name\"\\ é\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(odd);
    CU_ASSERT(memcmp(odd->data, pattern, 6) == 0);
    CU_ASSERT_PTR_NULL(st_find(&f, "t.F3"));
    CU_ASSERT_EQUAL(f.nmeta, 3);
    CU_ASSERT_STRING_EQUAL(st_meta(&f, "format"), "pt");
    CU_ASSERT_STRING_EQUAL(st_meta(&f, "epoch"), "7");
    CU_ASSERT_STRING_EQUAL(st_meta(&f, "quote\"key"), "tab\tvalue ü");
    CU_ASSERT_PTR_NULL(st_meta(&f, "absent"));
    // Tensors are listed in the order of their offsets.
    for (int i = 1; i < f.ntensors; i++) CU_ASSERT(f.tensors[i - 1].end <= f.tensors[i].begin);
    // Missing names and a wrong element count are format errors naming the file.
    float buf[6];
    CU_ASSERT_EQUAL(st_read_f32(&f, "nope", buf, 6), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), path));
    CU_ASSERT_EQUAL(st_read_f32(&f, "t.F32", buf, 5), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "(2, 3)"));
    CU_ASSERT_EQUAL(st_read_f32(&f, "t.F32", buf, 6), INV_OK);
    CU_ASSERT(memcmp(buf, pattern, 24) == 0);
    st_close(&f);
    st_close(&f); // closing twice is harmless
}

static void test_empty_file_and_overwrite(void) {
    const char *path = test_path("none.safetensors");
    st_writer *w;
    CU_ASSERT_FATAL(st_writer_new(&w) == INV_OK);
    CU_ASSERT_EQUAL(st_writer_write(w, path), INV_OK);
    st_file f;
    CU_ASSERT_EQUAL(st_open(&f, path), INV_OK);
    CU_ASSERT_EQUAL(f.ntensors, 0);
    CU_ASSERT_EQUAL(f.nmeta, 0);
    CU_ASSERT_PTR_NULL(st_find(&f, "x"));
    st_close(&f);
    // Writing again replaces the file.
    double v = 0.1;
    CU_ASSERT_EQUAL(st_writer_add(w, "v", ST_F64, 0, NULL, &v), INV_OK);
    CU_ASSERT_EQUAL(st_writer_write(w, path), INV_OK);
    st_writer_free(w);
    CU_ASSERT_EQUAL_FATAL(st_open(&f, path), INV_OK);
    CU_ASSERT_EQUAL(f.ntensors, 1);
    float x;
    CU_ASSERT_EQUAL(st_read_f32(&f, "v", &x, 1), INV_OK);
    CU_ASSERT_EQUAL(x, (float)0.1);
    st_close(&f);
}

// ---- conversions ------------------------------------------------------------------------------

static void check_f32(const char *label, const char *dtype, const void *data, size_t nbytes, int n,
                      const float *want) {
    char header[256];
    snprintf(header, sizeof header,
             "{\"x\":{\"dtype\":\"%s\",\"shape\":[%d],\"data_offsets\":[0,%zu]}}", dtype, n,
             nbytes);
    size_t size;
    unsigned char *img = make_image(header, strlen(header), data, nbytes, &size);
    st_file f;
    CU_ASSERT_EQUAL_FATAL(st_parse(&f, img, size, label), INV_OK);
    float got[64];
    CU_ASSERT_EQUAL(st_read_f32(&f, "x", got, n), INV_OK);
    for (int i = 0; i < n; i++) {
        int same = isnan(want[i]) ? isnan(got[i]) : bits_of(got[i]) == bits_of(want[i]);
        if (!same) printf("\n%s[%d]: got %a, want %a\n", label, i, got[i], want[i]);
        CU_ASSERT(same);
    }
    st_close(&f);
    free(img);
}

static void test_conversions(void) {
    const uint16_t f16[] = {0x3c00, 0xc000, 0x0001, 0x03ff, 0x8200, 0x7bff,
                            0x0400, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555};
    const float f16_want[] = {1.0f,     -2.0f,    0x1p-24f,  0x3ffp-24f, -0x200p-24f, 65504.0f,
                              0x1p-14f, INFINITY, -INFINITY, NAN,        -0.0f,       0x1.554p-2f};
    check_f32("f16", "F16", f16, sizeof f16, 12, f16_want);
    const uint16_t bf16[] = {0x3f80, 0xc2f7, 0x0001, 0x7f80, 0xff80, 0x7fc0};
    const float bf16_want[] = {1.0f, -123.5f, 0x1p-133f, INFINITY, -INFINITY, NAN};
    check_f32("bf16", "BF16", bf16, sizeof bf16, 6, bf16_want);
    const double f64[] = {0.1, -1e300, 1e-50, 3.0};
    const float f64_want[] = {(float)0.1, -INFINITY, 0.0f, 3.0f};
    check_f32("f64", "F64", f64, sizeof f64, 4, f64_want);
    const int64_t i64[] = {-5, (int64_t)1 << 40, INT64_MIN, 16777217};
    const float i64_want[] = {-5.0f, 0x1p40f, -0x1p63f, 16777216.0f};
    check_f32("i64", "I64", i64, sizeof i64, 4, i64_want);
    const uint64_t u64[] = {UINT64_MAX, 7};
    const float u64_want[] = {0x1p64f, 7.0f};
    check_f32("u64", "U64", u64, sizeof u64, 2, u64_want);
    const int32_t i32[] = {-2147483647 - 1, 123456789};
    const float i32_want[] = {-0x1p31f, 123456792.0f};
    check_f32("i32", "I32", i32, sizeof i32, 2, i32_want);
    const uint32_t u32[] = {4294967295u, 1};
    const float u32_want[] = {0x1p32f, 1.0f};
    check_f32("u32", "U32", u32, sizeof u32, 2, u32_want);
    const int16_t i16[] = {-32768, 32767};
    const float i16_want[] = {-32768.0f, 32767.0f};
    check_f32("i16", "I16", i16, sizeof i16, 2, i16_want);
    const uint16_t u16[] = {65535, 0};
    const float u16_want[] = {65535.0f, 0.0f};
    check_f32("u16", "U16", u16, sizeof u16, 2, u16_want);
    const int8_t i8[] = {-128, 127, -1};
    const float i8_want[] = {-128.0f, 127.0f, -1.0f};
    check_f32("i8", "I8", i8, sizeof i8, 3, i8_want);
    const uint8_t u8[] = {255, 0, 1};
    const float u8_want[] = {255.0f, 0.0f, 1.0f};
    check_f32("u8", "U8", u8, sizeof u8, 3, u8_want);
    const uint8_t b[] = {0, 1, 2};
    const float b_want[] = {0.0f, 1.0f, 1.0f};
    check_f32("bool", "BOOL", b, sizeof b, 3, b_want);
    const uint8_t e4m3[] = {0x38, 0xb8, 0x7e, 0x01, 0x7f, 0x08, 0x07, 0x80};
    const float e4m3_want[] = {1.0f, -1.0f, 448.0f, 0x1p-9f, NAN, 0x1p-6f, 0x7p-9f, -0.0f};
    check_f32("e4m3", "F8_E4M3", e4m3, sizeof e4m3, 8, e4m3_want);
    const uint8_t e5m2[] = {0x3c, 0x7b, 0x7c, 0x01, 0xfc, 0x7e};
    const float e5m2_want[] = {1.0f, 57344.0f, INFINITY, 0x1p-16f, -INFINITY, NAN};
    check_f32("e5m2", "F8_E5M2", e5m2, sizeof e5m2, 6, e5m2_want);
    // The data of a tensor need not be aligned: F32 at byte offset 1 of the data section.
    const char *hdr = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[1,5]}}";
    unsigned char data[5] = {9, 0, 0, 0xc0, 0x3f};
    size_t size;
    unsigned char *img = make_image(hdr, strlen(hdr), data, 5, &size);
    st_file f;
    CU_ASSERT_EQUAL_FATAL(st_parse(&f, img, size, "unaligned"), INV_OK);
    float x = 0;
    CU_ASSERT_EQUAL(st_read_f32(&f, "b", &x, 1), INV_OK);
    CU_ASSERT_EQUAL(x, 1.5f);
    CU_ASSERT_STRING_EQUAL(f.tensors[0].name, "a");
    st_close(&f);
    free(img);
}

static void test_dtype_names(void) {
    for (int d = 0; d < ST_DTYPE_COUNT; d++) {
        st_dtype back;
        CU_ASSERT_EQUAL(st_dtype_parse(st_dtype_name((st_dtype)d), &back), INV_OK);
        CU_ASSERT_EQUAL(back, d);
        CU_ASSERT(st_dtype_size((st_dtype)d) >= 1 && st_dtype_size((st_dtype)d) <= 8);
    }
    st_dtype x;
    CU_ASSERT_NOT_EQUAL(st_dtype_parse("f32", &x), INV_OK);
    CU_ASSERT_NOT_EQUAL(st_dtype_parse(NULL, &x), INV_OK);
    CU_ASSERT_EQUAL(st_dtype_size(ST_BF16), 2);
    CU_ASSERT_EQUAL(st_dtype_size(ST_I64), 8);
}

// ---- writer argument checks -------------------------------------------------------------------

static void test_writer_errors(void) {
    st_writer *w;
    CU_ASSERT_FATAL(st_writer_new(&w) == INV_OK);
    float v[4] = {0};
    int64_t shape[9] = {2, 2, 1, 1, 1, 1, 1, 1, 1};
    CU_ASSERT_EQUAL(st_writer_add(w, "a", ST_F32, 2, shape, v), INV_OK);
    CU_ASSERT_EQUAL(st_writer_add(w, "a", ST_F32, 2, shape, v), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_add(w, "__metadata__", ST_F32, 2, shape, v), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_add(w, "bad\xff", ST_F32, 2, shape, v), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_add(w, NULL, ST_F32, 2, shape, v), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_add(w, "nine", ST_F32, 9, shape, v), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_add(w, "nodata", ST_F32, 2, shape, NULL), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_add(w, "dtype", (st_dtype)99, 2, shape, v), INV_EINVAL);
    int64_t neg[1] = {-1};
    CU_ASSERT_EQUAL(st_writer_add(w, "neg", ST_F32, 1, neg, v), INV_EINVAL);
    int64_t huge[2] = {INT64_MAX, 4};
    CU_ASSERT_EQUAL(st_writer_add(w, "huge", ST_F32, 2, huge, v), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_meta(w, "k\xc3", "v"), INV_EINVAL);
    CU_ASSERT_EQUAL(st_writer_meta(w, "k", NULL), INV_EINVAL);
    const char *path = test_path("no-such-dir/x.safetensors");
    CU_ASSERT_EQUAL(st_writer_write(w, path), INV_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "no-such-dir"));
    st_writer_free(w);
    st_writer_free(NULL);
    st_file f;
    CU_ASSERT_EQUAL(st_open(&f, test_path("absent.safetensors")), INV_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "absent.safetensors"));
    CU_ASSERT_EQUAL(st_open(&f, test_tmpdir()), INV_EIO);
}

// ---- corrupt inputs ---------------------------------------------------------------------------

#define ENT(name, dtype, shape, offs)                                                              \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offs "}"

static void test_corrupt_headers(void) {
    expect_bad("json.st", "{\"a\": {", 0, "not valid JSON");
    expect_bad("json2.st", "{\"a\":{\"dtype\":\"F32\",}}", 0, "not valid JSON");
    expect_bad("array.st", "[1, 2]", 0, "does not start with '{'");
    expect_bad("notobj.st", "{} {}", 0, "trailing bytes");
    expect_bad("entry.st", "{\"a\": 1}", 0, "tensor 'a': entry is not a JSON object");
    expect_bad("dtype.st", "{" ENT("w", "F33", "[1]", "[0,4]") "}", 4, "unknown dtype 'F33'");
    expect_bad("dtype2.st", "{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
               "dtype is not a string");
    expect_bad("missing.st", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
               "missing 'data_offsets'");
    expect_bad("unknown.st",
               "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
               "unknown field 'x'");
    expect_bad("twice.st",
               "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
               4, "given twice");
    expect_bad("negshape.st", "{" ENT("w", "F32", "[-1]", "[0,4]") "}", 4, "shape[0]");
    expect_bad("fracshape.st", "{" ENT("w", "F32", "[1.5]", "[0,4]") "}", 4, "shape[0]");
    expect_bad("strshape.st", "{" ENT("w", "F32", "[1,\"2\"]", "[0,4]") "}", 4, "shape[1]");
    expect_bad("shapeobj.st", "{" ENT("w", "F32", "{}", "[0,4]") "}", 4, "shape is not an array");
    expect_bad("bigshape.st", "{" ENT("w", "F32", "[1e300]", "[0,4]") "}", 4, "shape[0]");
    expect_bad("ninedims.st", "{" ENT("w", "F32", "[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4,
               "9 dimensions");
    expect_bad("overflow.st",
               "{" ENT("w", "F32", "[4294967296,4294967296,4294967296]", "[0,4]") "}", 4,
               "overflows");
    expect_bad("overflow2.st", "{" ENT("w", "F64", "[9007199254740992,256]", "[0,4]") "}", 4,
               "overflows");
    expect_bad("range.st", "{" ENT("w", "F32", "[4]", "[0,1000]") "}", 16,
               "data_offsets [0, 1000] outside the data section of 16 bytes");
    expect_bad("reversed.st", "{" ENT("w", "F32", "[1]", "[8,4]") "}", 16, "outside");
    expect_bad("negoff.st", "{" ENT("w", "F32", "[1]", "[-4,0]") "}", 16, "data_offsets");
    expect_bad("threeoff.st", "{" ENT("w", "F32", "[1]", "[0,4,8]") "}", 16, "data_offsets");
    expect_bad("size.st", "{" ENT("conv1.weight", "F32", "[64,3,7,7]", "[0,16]") "}", 16,
               "tensor 'conv1.weight': data_offsets [0, 16] but shape (64, 3, 7, 7) F32 needs "
               "37632 bytes");
    expect_bad("overlap.st",
               "{" ENT("a", "F32", "[2]", "[0,8]") "," ENT("b", "F32", "[2]", "[4,12]") "}", 12,
               "overlap");
    expect_bad("same.st",
               "{" ENT("a", "F32", "[2]", "[0,8]") "," ENT("b", "F32", "[2]", "[0,8]") "}", 8,
               "overlap");
    expect_bad("hole.st",
               "{" ENT("a", "F32", "[1]", "[0,4]") "," ENT("b", "F32", "[1]", "[8,12]") "}", 12,
               "hole of 4 bytes");
    expect_bad("lead.st", "{" ENT("a", "F32", "[1]", "[4,8]") "}", 8, "hole of 4 bytes");
    expect_bad("trail.st", "{" ENT("a", "F32", "[1]", "[0,4]") "}", 8, "after the last tensor");
    expect_bad("dup.st",
               "{" ENT("a", "F32", "[1]", "[0,4]") "," ENT("a", "F32", "[1]", "[4,8]") "}", 8,
               "tensor 'a' appears twice");
    expect_bad("metanum.st", "{\"__metadata__\":{\"k\":1}}", 0,
               "__metadata__ value of 'k' is not a string");
    expect_bad("metaobj.st", "{\"__metadata__\":\"x\"}", 0, "__metadata__ is not a JSON object");
    expect_bad("metadup.st", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "given twice");
    expect_bad("metatwice.st", "{\"__metadata__\":{},\"__metadata__\":{}}", 0, "twice");
    expect_bad("utf8.st", "{\"\xc3\x28\":1}", 0, "not valid UTF-8");
    expect_bad("surrogate.st", "{\"\xed\xa0\x80\":1}", 0, "not valid UTF-8");
    char deep[256] = "{\"a\":";
    for (int k = 0; k < 100; k++) strcat(deep, k < 50 ? "[" : "]");
    strcat(deep, "}");
    expect_bad("deep.st", deep, 0, "tensor 'a': entry is not a JSON object");

    // A NUL inside the header.
    const char with_nul[] = "{\"a\":\0}";
    size_t size;
    unsigned char *b = make_image("", sizeof with_nul - 1, NULL, 0, &size);
    b = realloc(b, 8 + sizeof with_nul - 1);
    memcpy(b + 8, with_nul, sizeof with_nul - 1);
    expect_bad_bytes("nul.st", b, 8 + sizeof with_nul - 1, "NUL byte");
    free(b);
    // Header lengths beyond the file or above the limit; files shorter than 8 bytes.
    b = make_image("{}", 1000, NULL, 0, &size);
    expect_bad_bytes("beyond.st", b, size, "header length 1000 but the file has only 2 bytes");
    free(b);
    b = make_image("{}", (uint64_t)1 << 40, NULL, 0, &size);
    expect_bad_bytes("limit.st", b, size, "above the limit");
    free(b);
    b = make_image("{}", UINT64_MAX, NULL, 0, &size);
    expect_bad_bytes("max.st", b, size, "above the limit");
    free(b);
    b = make_image("{}", 0, NULL, 0, &size);
    expect_bad_bytes("zero.st", b, size, NULL);
    free(b);
    expect_bad_bytes("short.st", (const unsigned char *)"\x02\0\0", 3, "too short");
    expect_bad_bytes("empty.st", (const unsigned char *)"", 0, "too short");
}

// A valid small file written by the writer, then every truncation of it, and every single-byte
// change of its header (which must parse or fail cleanly).
static void test_truncated_and_flipped(void) {
    st_writer *w;
    CU_ASSERT_FATAL(st_writer_new(&w) == INV_OK);
    float a[3] = {1, 2, 3};
    uint16_t h[2] = {0x3c00, 0x7c00};
    int64_t i = -7;
    int64_t s3 = 3, s2 = 2;
    CU_ASSERT_EQUAL(st_writer_add(w, "a", ST_F32, 1, &s3, a), INV_OK);
    CU_ASSERT_EQUAL(st_writer_add(w, "h", ST_F16, 1, &s2, h), INV_OK);
    CU_ASSERT_EQUAL(st_writer_add(w, "i", ST_I64, 0, NULL, &i), INV_OK);
    CU_ASSERT_EQUAL(st_writer_meta(w, "k", "v"), INV_OK);
    const char *path = test_path("small.safetensors");
    CU_ASSERT_EQUAL_FATAL(st_writer_write(w, path), INV_OK);
    st_writer_free(w);
    size_t size;
    unsigned char *full = test_read_file(path, &size);
    CU_ASSERT_FATAL(full != NULL);
    st_file f;
    CU_ASSERT_EQUAL_FATAL(st_parse(&f, full, size, "small"), INV_OK);
    st_close(&f);
    for (size_t k = 0; k < size; k++) {
        char name[64];
        snprintf(name, sizeof name, "trunc-%zu.st", k);
        expect_bad_bytes(name, full, k, NULL);
    }
    uint64_t n = 0;
    for (int j = 7; j >= 0; j--) n = (n << 8) | full[j];
    static const unsigned char subst[] = {0,   '"', '{', '}', '[',  ']',
                                          ',', ':', '-', '9', 0xff, ' '};
    unsigned char *copy = malloc(size);
    for (size_t k = 0; k < 8 + n; k++)
        for (size_t j = 0; j < sizeof subst; j++) {
            memcpy(copy, full, size);
            copy[k] = subst[j];
            int rc = st_parse(&f, copy, size, "flipped");
            CU_ASSERT(rc == INV_OK || rc == INV_EFORMAT);
            if (rc != INV_OK) CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "flipped"));
            if (rc == INV_OK)
                for (int t = 0; t < f.ntensors; t++) {
                    float buf[4];
                    if (f.tensors[t].numel <= 4) st_tensor_to_f32(&f.tensors[t], buf);
                }
            st_close(&f);
        }
    free(copy);
    free(full);
}

int test_safetensors_register(void) {
    CU_pSuite s = CU_add_suite("safetensors", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_round_trip_all_dtypes);
    TEST_ADD(s, test_empty_file_and_overwrite);
    TEST_ADD(s, test_conversions);
    TEST_ADD(s, test_dtype_names);
    TEST_ADD(s, test_writer_errors);
    TEST_ADD(s, test_corrupt_headers);
    TEST_ADD(s, test_truncated_and_flipped);
    return 0;
}
