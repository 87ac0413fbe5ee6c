// test_pts.c: the .pts landmark reader and numpy's legacy RNG: LF, CRLF, no final newline,
// extra spaces; refused: wrong n_points (67), fewer or more point lines than declared, missing
// braces or header lines, junk numbers, text after '}', truncated files. The RNG: the test
// vectors of DATASETS.md (numpy 1.24's seed-0 draws).
#include "test_util.h"

#include "core/error.h"
#include "data/numpy_rng.h"
#include "data/pts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *make_pts(int declared, int listed, const char *nl, int final_nl) {
    char *t = malloc(16384);
    int n = sprintf(t, "version: 1%sn_points:  %d%s{%s", nl, declared, nl, nl);
    for (int i = 0; i < listed; i++) n += sprintf(t + n, "%d.25 %d.5%s", 100 + i, 200 - i, nl);
    n += sprintf(t + n, "}%s", final_nl ? nl : "");
    return t;
}

static void test_good(void) {
    float xy[136];
    const char *nls[2] = {"\n", "\r\n"};
    for (int k = 0; k < 2; k++)
        for (int fin = 0; fin < 2; fin++) {
            char *t = make_pts(68, 68, nls[k], fin);
            CU_ASSERT_EQUAL(pts_parse(t, strlen(t), "a.pts", 68, xy), 0);
            CU_ASSERT_EQUAL(xy[0], 100.25f);
            CU_ASSERT_EQUAL(xy[1], 200.5f);
            CU_ASSERT_EQUAL(xy[134], 167.25f);
            CU_ASSERT_EQUAL(xy[135], 133.5f);
            free(t);
        }
    const char *spaced = "version: 1\n n_points: 2 \n{\n  1 2  \n\n3e1 -4\n}\n\n";
    CU_ASSERT_EQUAL(pts_parse(spaced, strlen(spaced), "b.pts", 2, xy), 0);
    CU_ASSERT_EQUAL(xy[2], 30.0f);
    CU_ASSERT_EQUAL(xy[3], -4.0f);
}

static void refused(const char *t, size_t len, const char *what) {
    float xy[136];
    CU_ASSERT_EQUAL(pts_parse(t, len, "bad.pts", 68, xy), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "bad.pts"));
    if (!strstr(inv_errmsg(), what)) {
        printf("\n  message '%s' lacks '%s'\n", inv_errmsg(), what);
        CU_FAIL("message");
    }
}

static void test_bad(void) {
    char *t = make_pts(67, 67, "\n", 1);
    refused(t, strlen(t), "67 points, expected 68");
    free(t);
    t = make_pts(68, 67, "\n", 1);
    refused(t, strlen(t), "67 points listed");
    free(t);
    t = make_pts(68, 69, "\n", 1);
    refused(t, strlen(t), "more points");
    free(t);
    t = make_pts(68, 68, "\n", 1);
    size_t len = strlen(t);
    for (size_t cut = 0; cut + 2 < len; cut += 37) refused(t, cut, "line");
    free(t);
    refused("n_points: 68\n{\n}\n", 17, "version");
    refused("version: 1\n{\n}\n", 15, "n_points");
    refused("version: 1\nn_points: x\n{\n", 25, "not a count");
    refused("version: 1\nn_points: 68\n1 2\n", 28, "'{'");
    const char *junk = "version: 1\nn_points: 68\n{\n1 abc\n";
    refused(junk, strlen(junk), "Y is not a number");
    const char *three = "version: 1\nn_points: 68\n{\n1 2 3\n";
    refused(three, strlen(three), "more than two");
    const char *inf = "version: 1\nn_points: 68\n{\ninf 2\n";
    refused(inf, strlen(inf), "not finite");
    t = make_pts(68, 68, "\n", 1);
    len = strlen(t);
    char *after = malloc(len + 8);
    memcpy(after, t, len);
    memcpy(after + len, "junk\n", 6);
    refused(after, len + 5, "after '}'");
    free(after);
    free(t);
    float xy[136];
    CU_ASSERT_EQUAL(pts_read_file(test_path("none.pts"), 68, xy), INV_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "none.pts"));
}

static void test_numpy_rng(void) {
    np_mt19937 mt;
    np_seed(&mt, 0);
    int64_t v[10];
    np_choice(&mt, 50000, 10, v);
    const int64_t want[10] = {2732, 43567, 42613, 45891, 21243, 30403, 32103, 41993, 20757, 46884};
    for (int i = 0; i < 10; i++) CU_ASSERT_EQUAL(v[i], want[i]);
    int64_t a[600];
    for (int i = 0; i < 600; i++) a[i] = i;
    np_seed(&mt, 0);
    np_shuffle(&mt, a, 600);
    CU_ASSERT_EQUAL(a[0], 434);
    CU_ASSERT_EQUAL(a[180], 378);
    CU_ASSERT_EQUAL(a[360], 518);
    np_seed(&mt, 0);
    CU_ASSERT_EQUAL(np_genrand_u32(&mt), 2357136044u); // MT19937 init_genrand(0), first word
    CU_ASSERT_EQUAL(np_bounded(&mt, 0), 0);
}

int test_pts_register(void) {
    CU_pSuite s = CU_add_suite("pts", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_good);
    TEST_ADD(s, test_bad);
    TEST_ADD(s, test_numpy_rng);
    return 0;
}
