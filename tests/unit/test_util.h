// test_util.h: helpers shared by the CUnit suites: a per-run scratch directory, file writers
// for fixtures, and the registration macro each test file uses.
#ifndef INVAR_TEST_UTIL_H
#define INVAR_TEST_UTIL_H

#include <CUnit/CUnit.h>
#include <stddef.h>

// Each tests/unit/test_NAME.c defines `int test_NAME_register(void)` that adds one CUnit suite
// (CU_add_suite + CU_add_test) and returns 0 on success. The runner finds them by file name.
#define TEST_ADD(suite, fn)                                                                        \
    do {                                                                                           \
        if (!CU_add_test((suite), #fn, (fn))) return -1;                                           \
    } while (0)

// A scratch directory for this run (removed at exit unless INVAR_KEEP_TEST_FILES is set).
const char *test_tmpdir(void);
// test_tmpdir()/name into buf (static rotating buffers: the result lives for 8 more calls).
const char *test_path(const char *name);
// Writes bytes to a file; returns 0 on success.
int test_write_file(const char *path, const void *data, size_t size);
// Reads a whole file (malloc'd); returns NULL on failure.
unsigned char *test_read_file(const char *path, size_t *size);
// Truncates a file to `size` bytes.
int test_truncate(const char *path, size_t size);
// Copies a file.
int test_copy_file(const char *src, const char *dst);

#endif
