// runner.c: the one CUnit runner. Registers every suite found by the Makefile (suites.h lists
// tests/unit/test_*.c), runs them (or those named on the command line), prints one summary
// line per suite and a final "N passed, N failed" line, and exits non-zero on any failure.
#include "test_util.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#define SUITE(name) int name##_register(void);
#include "suites.h"
#undef SUITE

typedef struct {
    const char *file;
    int (*reg)(void);
} suite_entry;

static const suite_entry suites[] = {
#define SUITE(name) {#name, name##_register},
#include "suites.h"
#undef SUITE
};

// Tests of `suite` that have at least one failure record.
static int failed_tests_in(CU_pSuite suite) {
    int n = 0;
    for (CU_pTest t = suite->pTest; t; t = t->pNext) {
        for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext)
            if (f->pSuite == suite && f->pTest == t) {
                n++;
                break;
            }
    }
    return n;
}

int main(int argc, char **argv) {
    // No MPI_Init here: units are tested without MPI (Open MPI keeps allocations that the leak
    // checker would report); everything MPI is tested by tests/integration under mpirun.
    test_tmpdir();
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    int nsuites = (int)(sizeof suites / sizeof suites[0]);
    for (int i = 0; i < nsuites; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            if (strcmp(argv[a], suites[i].file) == 0 || strcmp(argv[a], suites[i].file + 5) == 0)
                wanted = 1;
        if (wanted && suites[i].reg() != 0) {
            fprintf(stderr, "runner: registering %s failed: %s\n", suites[i].file,
                    CU_get_error_msg());
            return 2;
        }
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    CU_basic_run_tests();
    unsigned failed_asserts = CU_get_number_of_failures();
    int passed = 0, failed = 0;
    printf("\n");
    for (CU_pSuite suite = CU_get_registry()->pSuite; suite; suite = suite->pNext) {
        int nf = failed_tests_in(suite), nt = (int)suite->uiNumberOfTests;
        // A suite whose set-up failed ran nothing: all of its tests count as failed.
        if (suite->pInitializeFunc && nf == 0 && CU_get_number_of_suites_failed() > 0) {
            for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext)
                if (f->pSuite == suite && f->pTest == NULL) nf = nt;
        }
        printf("unit/%s: %d passed, %d failed\n", suite->pName, nt - nf, nf);
        passed += nt - nf;
        failed += nf;
    }
    printf("%d passed, %d failed\n", passed, failed);
    CU_cleanup_registry();
    return (failed || failed_asserts) ? 1 : 0;
}
