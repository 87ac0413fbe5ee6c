// test_policy.c: the built-in policies' parameters, the policy file format (round trip through
// policy_format), and parse errors that name the file, the line and the problem.
#include "test_util.h"

#include "core/error.h"
#include "image/policy.h"

#include <stdlib.h>
#include <string.h>

static void test_builtins(void) {
    aug_policy p;
    CU_ASSERT_EQUAL_FATAL(policy_builtin("default", &p), INV_OK);
    CU_ASSERT_EQUAL(p.nops, 5);
    CU_ASSERT_EQUAL(p.out_size, 224);
    CU_ASSERT_EQUAL(p.ops[0].kind, AUG_RESIZED_CROP);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[0].scale[0], 0.2, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[0].ratio[1], 4.0 / 3.0, 1e-15);
    CU_ASSERT_EQUAL(p.ops[1].kind, AUG_COLOR_JITTER);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[1].p, 0.8, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[1].range[0][0], 0.6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[1].range[3][1], 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[2].p, 0.2, 0);
    CU_ASSERT_EQUAL(p.ops[3].kind, AUG_GAUSSIAN_BLUR);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[3].sigma[1], 2.0, 0);
    CU_ASSERT_EQUAL(p.ops[4].kind, AUG_HFLIP);
    CU_ASSERT_DOUBLE_EQUAL(p.mean[0], 0.485f, 0);
    CU_ASSERT_EQUAL_FATAL(policy_builtin("spatial", &p), INV_OK);
    CU_ASSERT_EQUAL(p.nops, 2);
    CU_ASSERT_EQUAL_FATAL(policy_builtin("appearance", &p), INV_OK);
    CU_ASSERT_EQUAL(p.ops[0].kind, AUG_RESIZE);
    CU_ASSERT_EQUAL(p.ops[1].kind, AUG_CENTER_CROP);
    CU_ASSERT_EQUAL(p.nops, 5);
    CU_ASSERT_EQUAL(policy_builtin("fancy", &p), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "unknown policy 'fancy'"));
}

static void test_round_trip(void) {
    const char *names[] = {"default", "spatial", "appearance"};
    for (int i = 0; i < 3; i++) {
        aug_policy a, b;
        CU_ASSERT_EQUAL_FATAL(policy_builtin(names[i], &a), INV_OK);
        size_t n = policy_format(&a, NULL, 0);
        char *text = malloc(n + 1);
        CU_ASSERT_EQUAL(policy_format(&a, text, n + 1), n);
        CU_ASSERT_EQUAL_FATAL(policy_parse(text, "roundtrip", &b), INV_OK);
        CU_ASSERT_EQUAL(a.nops, b.nops);
        CU_ASSERT_EQUAL(a.out_size, b.out_size);
        for (int k = 0; k < a.nops; k++) {
            CU_ASSERT_EQUAL(a.ops[k].kind, b.ops[k].kind);
            CU_ASSERT_DOUBLE_EQUAL(a.ops[k].p, b.ops[k].p, 1e-12);
            CU_ASSERT_EQUAL(memcmp(a.ops[k].active, b.ops[k].active, sizeof a.ops[k].active), 0);
            for (int j = 0; j < 4; j++)
                CU_ASSERT_DOUBLE_EQUAL(a.ops[k].range[j][0], b.ops[k].range[j][0], 1e-12);
        }
        free(text);
    }
}

static void test_file_format(void) {
    aug_policy p;
    const char *text = "# my policy\n"
                       "resize size=96\n"
                       "random_resized_crop size=64 scale=0.5,1 interpolation=bicubic  # crop\n"
                       "\n"
                       "color_jitter brightness=0.8,1.2 hue=0.05 p=0.3\n"
                       "vflip p=0.1\r\n"
                       "gaussian_blur sigma=1.5\n"
                       "normalize mean=0.5,0.5,0.5 std=0.25,0.25,0.25\n";
    CU_ASSERT_EQUAL_FATAL(policy_parse(text, "mine.policy", &p), INV_OK);
    CU_ASSERT_EQUAL(p.nops, 5);
    CU_ASSERT_EQUAL(p.out_size, 64);
    CU_ASSERT_EQUAL(p.ops[1].filter, RESAMPLE_BICUBIC);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[1].ratio[0], 0.75, 0); // default ratio
    CU_ASSERT(p.ops[2].active[0] && !p.ops[2].active[1] && !p.ops[2].active[2] &&
              p.ops[2].active[3]);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[2].range[0][1], 1.2, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[2].range[3][0], -0.05, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[3].p, 0.1, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.ops[4].sigma[0], 1.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(p.std[2], 0.25f, 0);
}

static void expect_error(const char *text, const char *needle) {
    aug_policy p;
    int rc = policy_parse(text, "bad.policy", &p);
    CU_ASSERT(rc != INV_OK);
    if (!strstr(inv_errmsg(), needle)) {
        CU_FAIL("error message");
        fprintf(stderr, "\nwanted '%s' in '%s'\n", needle, inv_errmsg());
    }
}

static void test_errors(void) {
    expect_error("", "no operations");
    expect_error("# only a comment\n", "no operations");
    expect_error("center_crop size=224\nzoom x=1\n", "bad.policy:2: unknown operation 'zoom'");
    expect_error("center_crop size=224 p=0.5\n",
                 "bad.policy:1: center_crop: unknown parameter 'p'");
    expect_error("center_crop\n", "bad.policy:1: center_crop: size=N is required");
    expect_error("center_crop size=22.5\n", "not an integer");
    expect_error("center_crop size=0\n", "not an integer in 1..4096");
    expect_error("center_crop size=224 size=100\n", "given twice");
    expect_error("center_crop size=224\nhflip p=1.5\n", "hflip: p=1.5 outside [0, 1]");
    expect_error("center_crop size=224\nhflip p=abc\n", "bad.policy:2: p: 'abc' is not a number");
    expect_error("center_crop size=224\nhflip p\n", "'p' is not key=value");
    expect_error("center_crop size=224\ncolor_jitter hue=0.7\n", "hue: 0.7 must be <= 0.5");
    expect_error("center_crop size=224\ncolor_jitter brightness=-1\n", "must be >= 0");
    expect_error("center_crop size=224\ncolor_jitter contrast=2,1\n", "contrast range 2,1");
    expect_error("random_resized_crop size=8 scale=0.5\n", "expected two values");
    expect_error("random_resized_crop size=8 scale=0,1\n", "scale 0,1 must satisfy");
    expect_error("random_resized_crop size=8 interpolation=lanczos\n", "bicubic");
    expect_error("hflip p=0.5\n", "output size is not fixed");
    expect_error("center_crop size=8\nresize size=10\n", "output size is not fixed");
    expect_error("center_crop size=8\nnormalize std=1,0,1\n", "std: values must be > 0");
    expect_error("center_crop size=8\nnormalize mean=1,2\n", "expected three values");
    expect_error("center_crop size=8\ngaussian_blur sigma=2,1\n", "sigma 2,1 must satisfy");
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    expect_error(big, "line longer than");
    char many[4000] = "";
    for (int i = 0; i < 20; i++) strcat(many, "hflip\n");
    strcat(many, "center_crop size=3\n");
    expect_error(many, "more than 16 operations");
}

static void test_load_file(void) {
    aug_policy p;
    const char *path = test_path("mine.policy");
    const char *text = "center_crop size=32\ngrayscale p=1\n";
    CU_ASSERT_EQUAL_FATAL(test_write_file(path, text, strlen(text)), 0);
    CU_ASSERT_EQUAL(policy_load(path, &p), INV_OK);
    CU_ASSERT_EQUAL(p.out_size, 32);
    CU_ASSERT_EQUAL(policy_load(test_path("missing.policy"), &p), INV_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "not a built-in policy"));
    const char bin[4] = {'a', 0, 'b', '\n'};
    CU_ASSERT_EQUAL_FATAL(test_write_file(path, bin, 4), 0);
    CU_ASSERT_EQUAL(policy_load(path, &p), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "binary data"));
}

int test_policy_register(void) {
    CU_pSuite s = CU_add_suite("policy", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_builtins);
    TEST_ADD(s, test_round_trip);
    TEST_ADD(s, test_file_format);
    TEST_ADD(s, test_errors);
    TEST_ADD(s, test_load_file);
    return 0;
}
