// test_tar.c: the tar lister: ustar members with a prefix, GNU long names, directories skipped,
// the end marker; refused: bad checksums, sizes past the end, truncated archives.
#include "test_util.h"

#include "core/error.h"
#include "data/tar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Writes one 512-byte header (ustar) at h for `name` of `size` bytes and type `type`.
static void header(uint8_t *h, const char *name, const char *prefix, long size, char type) {
    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", name);
    snprintf((char *)h + 100, 8, "%07o", 0644);
    snprintf((char *)h + 124, 12, "%011lo", size);
    h[156] = (uint8_t)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    if (prefix) snprintf((char *)h + 345, 155, "%s", prefix);
    long sum = 0;
    for (int i = 0; i < 512; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
    snprintf((char *)h + 148, 8, "%06lo", sum);
    h[155] = ' ';
}

static uint8_t ar[8192];

static size_t build(void) {
    memset(ar, 0, sizeof ar);
    header(ar, "dir/", NULL, 0, '5');
    header(ar + 512, "a.JPEG", "val", 5, '0');
    memcpy(ar + 1024, "hello", 5);
    char longname[200];
    memset(longname, 'x', 150);
    strcpy(longname + 150, ".JPEG");
    header(ar + 1536, "././@LongLink", NULL, (long)strlen(longname), 'L');
    memcpy(ar + 2048, longname, strlen(longname));
    header(ar + 2560, "truncated-name", NULL, 600, '0');
    return 2560 + 512 + 1024 + 1024; // data (2 blocks) + the end marker
}

static void test_list(void) {
    size_t len = build();
    tar_member *m;
    size_t n;
    CU_ASSERT_EQUAL_FATAL(tar_list_memory(ar, len, "a.tar", &m, &n), 0);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(m[0].name, "val/a.JPEG");
    CU_ASSERT_EQUAL(m[0].offset, 1024);
    CU_ASSERT_EQUAL(m[0].size, 5);
    CU_ASSERT_EQUAL(strlen(m[1].name), 155);
    CU_ASSERT_EQUAL(m[1].offset, 3072);
    CU_ASSERT_EQUAL(m[1].size, 600);
    tar_free(m, n);
    const char *p = test_path("a.tar");
    CU_ASSERT_EQUAL_FATAL(test_write_file(p, ar, len), 0);
    CU_ASSERT_EQUAL_FATAL(tar_list_file(p, &m, &n), 0);
    uint8_t *bytes;
    CU_ASSERT_EQUAL_FATAL(tar_read_member(p, &m[0], &bytes), 0);
    CU_ASSERT_EQUAL(memcmp(bytes, "hello", 5), 0);
    free(bytes);
    tar_free(m, n);
}

static void test_bad(void) {
    size_t len = build();
    tar_member *m;
    size_t n;
    CU_ASSERT_EQUAL(tar_list_memory(ar, 3072 + 100, "cut.tar", &m, &n), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "cut.tar"));
    ar[512 + 10] ^= 1; // checksum no longer matches
    CU_ASSERT_EQUAL(tar_list_memory(ar, len, "sum.tar", &m, &n), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "checksum"));
    build();
    header(ar + 512, "a.JPEG", NULL, 99999, '0');
    CU_ASSERT_EQUAL(tar_list_memory(ar, len, "size.tar", &m, &n), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "past the end"));
    for (size_t cut = 0; cut < len; cut += 97) {
        build();
        int rc = tar_list_memory(ar, cut, "c.tar", &m, &n);
        if (rc == 0) tar_free(m, n);
        CU_ASSERT(rc == 0 || rc == INV_EFORMAT);
    }
    CU_ASSERT_EQUAL(tar_list_file(test_path("none.tar"), &m, &n), INV_EIO);
}

int test_tar_register(void) {
    CU_pSuite s = CU_add_suite("tar", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_list);
    TEST_ADD(s, test_bad);
    return 0;
}
