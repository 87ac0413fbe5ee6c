// test_cli.c: option parsing (types, ranges, unknown options, missing values, positionals),
// strict numbers, log-spaced grids, and the error-message machinery.
#include "test_util.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/mpi_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int batch;
    double lr;
    const char *out;
    int flag;
    int64_t big;
} opts_t;

static int parse(opts_t *o, cli_common *c, int argc, const char **argv, int *first) {
    cli_option opts[] = {
        {"batch", 'b', OPT_INT, &o->batch, "N", "batch size", 1, 4096, 0},
        {"lr", 0, OPT_DOUBLE, &o->lr, "LR", "learning rate", 0, 10, 0},
        {"out", 'o', OPT_STRING, &o->out, "FILE", "output", 0, 0, 0},
        {"flag", 0, OPT_FLAG, &o->flag, NULL, "a flag", 0, 0, 1},
        {"big", 0, OPT_INT64, &o->big, "N", "a big number", 0, 0, 0},
    };
    cli_spec spec = {"test", "IN...", "A test.", "  test --batch 4 x", opts, 5, 1, 2};
    return cli_parse(&spec, c, argc, (char **)argv, first);
}

static void test_parse_ok(void) {
    opts_t o = {32, 0.03, "x.nc", 0, 0};
    cli_common c = {0};
    int first = -1;
    const char *argv[] = {"test", "in1",    "--batch",      "64",  "--lr=0.5",  "-o",
                          "y.nc", "--flag", "--seed",       "42",  "--threads", "3",
                          "-v",   "--big",  "123456789012", "in2", NULL};
    CU_ASSERT_EQUAL(parse(&o, &c, 16, argv, &first), CLI_CONTINUE);
    CU_ASSERT_EQUAL(o.batch, 64);
    CU_ASSERT_DOUBLE_EQUAL(o.lr, 0.5, 0);
    CU_ASSERT_STRING_EQUAL(o.out, "y.nc");
    CU_ASSERT_EQUAL(o.flag, 1);
    CU_ASSERT_EQUAL(o.big, 123456789012LL);
    CU_ASSERT_EQUAL(c.seed, 42);
    CU_ASSERT_EQUAL(c.threads, 3);
    CU_ASSERT_EQUAL(c.verbosity, 1);
    CU_ASSERT_EQUAL(first, 14);
    CU_ASSERT_STRING_EQUAL(argv[first], "in1");
    CU_ASSERT_STRING_EQUAL(argv[first + 1], "in2");
}

static void expect_error(int argc, const char **argv, const char *needle) {
    opts_t o = {32, 0.03, "x.nc", 0, 0};
    cli_common c = {0};
    int first;
    int rc = parse(&o, &c, argc, argv, &first);
    CU_ASSERT_EQUAL(rc, INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), needle));
}

static void test_parse_errors(void) {
    const char *a1[] = {"test", "in", "--nope", NULL};
    expect_error(3, a1, "unknown option --nope");
    const char *a2[] = {"test", "in", "--batch", "abc", NULL};
    expect_error(4, a2, "--batch: 'abc' is not an integer");
    const char *a3[] = {"test", "in", "--batch", "0", NULL};
    expect_error(4, a3, "outside 1..4096");
    const char *a4[] = {"test", "in", "--lr", "1e400", NULL};
    expect_error(4, a4, "out of range");
    const char *a5[] = {"test", "in", "--batch", NULL};
    expect_error(3, a5, "needs a value");
    const char *a6[] = {"test", NULL};
    expect_error(1, a6, "missing argument");
    const char *a7[] = {"test", "a", "b", "c", NULL};
    expect_error(4, a7, "unexpected argument 'c'");
    const char *a8[] = {"test", "a", "--threads", "0", NULL};
    expect_error(4, a8, "--threads");
    const char *a9[] = {"test", "a", "-x", NULL};
    expect_error(3, a9, "unknown option -x");
    const char *a10[] = {"test", "a", "--lr", "0.1x", NULL};
    expect_error(4, a10, "not a number");
}

static void test_logspace(void) {
    double *v;
    int n;
    CU_ASSERT_EQUAL(cli_parse_logspace("1e-6:1e5:45", "--l2", &v, &n), INV_OK);
    CU_ASSERT_EQUAL(n, 45);
    CU_ASSERT_DOUBLE_EQUAL(v[0], 1e-6, 1e-20);
    CU_ASSERT_DOUBLE_EQUAL(v[44], 1e5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(v[4], pow(10, -6 + 4 * 11.0 / 44), 1e-18);
    free(v);
    CU_ASSERT_EQUAL(cli_parse_logspace("1:1:1", "--x", &v, &n), INV_OK);
    CU_ASSERT_EQUAL(n, 1);
    free(v);
    CU_ASSERT_EQUAL(cli_parse_logspace("0:1:3", "--x", &v, &n), INV_EINVAL);
    CU_ASSERT_EQUAL(cli_parse_logspace("1:2", "--x", &v, &n), INV_EINVAL);
    CU_ASSERT_EQUAL(cli_parse_logspace("1:2:0", "--x", &v, &n), INV_EINVAL);
    CU_ASSERT_EQUAL(cli_parse_logspace("a:2:3", "--x", &v, &n), INV_EINVAL);
}

static void test_error_messages(void) {
    CU_ASSERT_EQUAL(inv_fail(INV_EFORMAT, "%s: bad header", "x.st"), INV_EFORMAT);
    CU_ASSERT_STRING_EQUAL(inv_errmsg(), "x.st: bad header");
    CU_ASSERT_EQUAL(inv_errcode(), INV_EFORMAT);
    inv_fail_context(INV_EFORMAT, "loading model");
    CU_ASSERT_STRING_EQUAL(inv_errmsg(), "loading model: x.st: bad header");
    CU_ASSERT_STRING_EQUAL(inv_code_name(INV_ENOMEM), "out of memory");
    inv_error_clear();
    CU_ASSERT_STRING_EQUAL(inv_errmsg(), "");
}

static void test_split_range(void) {
    int64_t lo, hi, total = 0, prev = 0;
    for (int r = 0; r < 3; r++) {
        mpi_split_range(10, r, 3, &lo, &hi);
        CU_ASSERT_EQUAL(lo, prev);
        CU_ASSERT(hi - lo == 3 || hi - lo == 4);
        total += hi - lo;
        prev = hi;
    }
    CU_ASSERT_EQUAL(total, 10);
    mpi_split_range(2, 3, 4, &lo, &hi);
    CU_ASSERT_EQUAL(hi - lo, 0);
}

static void test_thread_count(void) {
    char *saved = getenv("OMP_NUM_THREADS") ? strdup(getenv("OMP_NUM_THREADS")) : NULL;
    CU_ASSERT_EQUAL(cli_thread_count(3, 8), 3); // --threads wins
    setenv("OMP_NUM_THREADS", "5", 1);
    CU_ASSERT_EQUAL(cli_thread_count(0, 8), 5);
    unsetenv("OMP_NUM_THREADS");
    int alone = cli_thread_count(0, 1), shared = cli_thread_count(0, 2);
    CU_ASSERT(alone >= 1 && shared >= 1);
    CU_ASSERT(shared <= alone && (shared == 1 || shared <= alone / 2));
    CU_ASSERT_EQUAL(cli_thread_count(0, 100000), 1);
    if (saved) setenv("OMP_NUM_THREADS", saved, 1);
    free(saved);
}

int test_cli_register(void) {
    CU_pSuite s = CU_add_suite("cli", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_parse_ok);
    TEST_ADD(s, test_parse_errors);
    TEST_ADD(s, test_logspace);
    TEST_ADD(s, test_error_messages);
    TEST_ADD(s, test_split_range);
    TEST_ADD(s, test_thread_count);
    return 0;
}
