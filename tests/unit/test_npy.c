// test_npy.c: the strict .npy reader: versions 1.0/2.0/3.0, dtypes (float32/64, ints, big-endian),
// 0-d and empty arrays; refused: bad magic, unknown version, truncated header or data, trailing
// bytes, Fortran order, object/complex/string dtypes, malformed or incomplete header dicts.
#include "test_util.h"

#include "core/error.h"
#include "data/npy.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Builds a version-`major` file with header text `dict` (padded with spaces + '\n' to a multiple
// of 64) and `ndata` data bytes; returns the size.
static size_t make_npy(uint8_t *buf, int major, const char *dict, const void *data, size_t ndata) {
    size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
    size_t hl = dl + 1;
    while ((pre + hl) % 64) hl++;
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (uint8_t)major;
    buf[7] = 0;
    if (major == 1) {
        buf[8] = (uint8_t)(hl & 0xff);
        buf[9] = (uint8_t)(hl >> 8);
    } else {
        for (int i = 0; i < 4; i++) buf[8 + i] = (uint8_t)(hl >> (8 * i));
    }
    memcpy(buf + pre, dict, dl);
    memset(buf + pre + dl, ' ', hl - dl - 1);
    buf[pre + hl - 1] = '\n';
    if (ndata) memcpy(buf + pre + hl, data, ndata);
    return pre + hl + ndata;
}

static uint8_t buf[4096];

static void test_floats(void) {
    float f[6] = {1.5f, -2, 3, 4, 5, 6.25f};
    size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f,
                        sizeof f);
    npy_array a;
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "a.npy", &a), 0);
    CU_ASSERT_EQUAL(a.ndim, 2);
    CU_ASSERT_EQUAL(a.shape[0], 2);
    CU_ASSERT_EQUAL(a.shape[1], 3);
    CU_ASSERT_EQUAL(a.kind, 'f');
    CU_ASSERT_EQUAL(a.data[0], 1.5);
    CU_ASSERT_EQUAL(a.data[5], 6.25);
    npy_free(&a);
    double d[2] = {0.1, -7};
    n = make_npy(buf, 2, "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}", d,
                 sizeof d);
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "b.npy", &a), 0);
    CU_ASSERT_EQUAL(a.ndim, 1);
    CU_ASSERT_EQUAL(a.data[0], 0.1);
    npy_free(&a);
    uint8_t be[4] = {0x3f, 0xc0, 0, 0}; // 1.5 big-endian float32
    n = make_npy(buf, 3, "{'descr': '>f4', 'fortran_order': False, 'shape': ()}", be, 4);
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "c.npy", &a), 0);
    CU_ASSERT_EQUAL(a.ndim, 0);
    CU_ASSERT_EQUAL(a.count, 1);
    CU_ASSERT_EQUAL(a.data[0], 1.5);
    npy_free(&a);
    n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 10), }", NULL, 0);
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "d.npy", &a), 0);
    CU_ASSERT_EQUAL(a.count, 0);
    npy_free(&a);
}

static void test_ints(void) {
    int64_t v[3] = {-5, 7, 1LL << 40};
    size_t n =
        make_npy(buf, 1, "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", v, sizeof v);
    npy_array a;
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "i.npy", &a), 0);
    CU_ASSERT_EQUAL(a.kind, 'i');
    CU_ASSERT_EQUAL(a.data[0], -5);
    CU_ASSERT_EQUAL(a.data[2], (double)(1LL << 40));
    npy_free(&a);
    int16_t s[2] = {-1, 300};
    n = make_npy(buf, 1, "{'descr': '<i2', 'fortran_order': False, 'shape': (1, 2), }", s, 4);
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "s.npy", &a), 0);
    CU_ASSERT_EQUAL(a.data[0], -1);
    CU_ASSERT_EQUAL(a.data[1], 300);
    npy_free(&a);
    uint8_t u[2] = {255, 0};
    n = make_npy(buf, 1, "{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", u, 2);
    CU_ASSERT_EQUAL_FATAL(npy_parse(buf, n, "u.npy", &a), 0);
    CU_ASSERT_EQUAL(a.data[0], 255);
    npy_free(&a);
}

// The parse fails with INV_EFORMAT and a message naming the file and containing `what`.
static void refused(const uint8_t *b, size_t n, const char *what) {
    npy_array a;
    int rc = npy_parse(b, n, "bad.npy", &a);
    CU_ASSERT_EQUAL(rc, INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "bad.npy"));
    if (!strstr(inv_errmsg(), what)) {
        printf("\n  message '%s' lacks '%s'\n", inv_errmsg(), what);
        CU_FAIL("message");
    }
    CU_ASSERT_PTR_NULL(a.data);
    npy_free(&a);
}

static void test_bad(void) {
    float f[4] = {0};
    const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }";
    size_t n = make_npy(buf, 1, ok, f, sizeof f);
    refused(buf, n - 1, "truncated or trailing");
    uint8_t big[4096];
    memcpy(big, buf, n);
    big[n] = 0;
    refused(big, n + 1, "truncated or trailing");
    for (size_t cut = 0; cut < 80; cut += 7) refused(buf, cut, "");
    memcpy(big, buf, n);
    big[0] = 'X';
    refused(big, n, "magic");
    memcpy(big, buf, n);
    big[6] = 4;
    refused(big, n, "version");
    memcpy(big, buf, n);
    big[8] = 0xff, big[9] = 0x7f; // header length past the end
    refused(big, n, "past the end");
    struct {
        const char *dict, *what;
    } cases[] = {
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", "Fortran order"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", "dtype"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2), }", "not supported"},
        {"{'descr': '<U4', 'fortran_order': False, 'shape': (2, 2), }", "not supported"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2), }", "quoted"},
        {"{'descr': '<f4', 'shape': (2, 2), }", "lacks"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", "unexpected"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}", "repeated"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -2), }", "non-negative"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2 2), }", "malformed"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), } x", "after the dict"},
        {"{'descr': '<f4', 'fortran_order': Nope, 'shape': (2, 2), }", "True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }",
         "too large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", "dimensions"},
        {"['descr', '<f4']", "expected '{'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        n = make_npy(buf, 1, cases[i].dict, f, sizeof f);
        refused(buf, n, cases[i].what);
    }
}

static void test_file(void) {
    float f[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 10), }", f,
                        sizeof f);
    const char *p = test_path("x.npy");
    CU_ASSERT_EQUAL_FATAL(test_write_file(p, buf, n), 0);
    npy_array a;
    CU_ASSERT_EQUAL_FATAL(npy_read_file(p, &a), 0);
    CU_ASSERT_EQUAL(a.data[9], 10);
    npy_free(&a);
    CU_ASSERT_EQUAL(test_truncate(p, n - 3), 0);
    CU_ASSERT_EQUAL(npy_read_file(p, &a), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "x.npy"));
    CU_ASSERT_EQUAL(npy_read_file(test_path("missing.npy"), &a), INV_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "missing.npy"));
}

int test_npy_register(void) {
    CU_pSuite s = CU_add_suite("npy", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_floats);
    TEST_ADD(s, test_ints);
    TEST_ADD(s, test_bad);
    TEST_ADD(s, test_file);
    return 0;
}
