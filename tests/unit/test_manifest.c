// test_manifest.c: CSV manifests (integer and class-name labels, targets, header detection,
// quotes, CRLF, comments, relative paths) and their errors with file:line messages; image folders
// ordered as torchvision's ImageFolder and their errors.
#include "test_util.h"

#include "core/error.h"
#include "data/manifest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int parse(const char *text, manifest *m) {
    return manifest_parse_csv(text, strlen(text), "m.csv", "/data", m);
}

static void test_csv_int_labels(void) {
    manifest m;
    const char *t = "# comment\r\na.jpg,3\r\n\r\n  /abs/b.png , 0\r\n\"c,d.jpg\",1\n";
    CU_ASSERT_EQUAL_FATAL(parse(t, &m), 0);
    CU_ASSERT_EQUAL(m.n, 3);
    CU_ASSERT_STRING_EQUAL(m.paths[0], "/data/a.jpg");
    CU_ASSERT_STRING_EQUAL(m.paths[1], "/abs/b.png");
    CU_ASSERT_STRING_EQUAL(m.paths[2], "/data/c,d.jpg");
    CU_ASSERT(m.labels && m.labels[0] == 3 && m.labels[1] == 0 && m.labels[2] == 1);
    CU_ASSERT_EQUAL(m.nclasses, 4);
    CU_ASSERT(m.class_names == NULL && m.k == 0 && m.targets == NULL);
    manifest_free(&m);
    // Header detected: line 1's 2nd field is not numeric, the others are.
    CU_ASSERT_EQUAL_FATAL(parse("file,class\nx.jpg,1\ny.jpg,0\n", &m), 0);
    CU_ASSERT_EQUAL(m.n, 2);
    CU_ASSERT_STRING_EQUAL(m.paths[0], "/data/x.jpg");
    manifest_free(&m);
}

static void test_csv_names(void) {
    manifest m;
    CU_ASSERT_EQUAL_FATAL(parse("a.jpg,dog\nb.jpg,cat\nc.jpg,dog\nd.jpg,\"ant, red\"\n", &m), 0);
    CU_ASSERT_EQUAL(m.n, 4);
    CU_ASSERT_EQUAL_FATAL(m.nclasses, 3);
    CU_ASSERT_STRING_EQUAL(m.class_names[0], "ant, red");
    CU_ASSERT_STRING_EQUAL(m.class_names[1], "cat");
    CU_ASSERT_STRING_EQUAL(m.class_names[2], "dog");
    CU_ASSERT(m.labels[0] == 2 && m.labels[1] == 1 && m.labels[2] == 2 && m.labels[3] == 0);
    manifest_free(&m);
    // With a header named "path".
    CU_ASSERT_EQUAL_FATAL(parse("path,label\na.jpg,dog\n", &m), 0);
    CU_ASSERT(m.n == 1 && m.nclasses == 1);
    manifest_free(&m);
}

static void test_csv_targets(void) {
    manifest m;
    CU_ASSERT_EQUAL_FATAL(parse("path,t1,t2\na.jpg,1.5,-2\nb.jpg,3e2,0\n", &m), 0);
    CU_ASSERT(m.n == 2 && m.k == 2 && m.labels == NULL);
    CU_ASSERT(m.targets[0] == 1.5f && m.targets[1] == -2.f && m.targets[2] == 300.f);
    manifest_free(&m);
    // One non-integer target column.
    CU_ASSERT_EQUAL_FATAL(parse("a.jpg,0.25\nb.jpg,1\n", &m), 0);
    CU_ASSERT(m.k == 1 && m.targets[0] == 0.25f && m.labels == NULL);
    manifest_free(&m);
    // The CSV's folder resolves relative paths.
    const char *p = test_path("list.csv");
    CU_ASSERT_EQUAL(test_write_file(p, "x.png,2,3\n", 10), 0);
    CU_ASSERT_EQUAL_FATAL(manifest_read_csv(p, &m), 0);
    char want[4096];
    snprintf(want, sizeof want, "%s/x.png", test_tmpdir());
    CU_ASSERT_STRING_EQUAL(m.paths[0], want);
    manifest_free(&m);
}

static void expect_error(const char *text, const char *msg) {
    manifest m;
    int rc = parse(text, &m);
    CU_ASSERT_NOT_EQUAL(rc, 0);
    CU_ASSERT(m.paths == NULL && m.n == 0);
    if (!strstr(inv_errmsg(), msg)) {
        fprintf(stderr, "\nwanted '%s' in '%s'\n", msg, inv_errmsg());
        CU_FAIL("error message");
    }
}

static void test_csv_errors(void) {
    expect_error("", "m.csv: no entries");
    expect_error("# only a comment\n\n", "m.csv: no entries");
    expect_error("a.jpg\n", "m.csv:1:");
    expect_error("a.jpg,1\nb.jpg,2,3\n", "m.csv:2: 3 fields");
    expect_error("a.jpg,1\n\nb.jpg\n", "m.csv:3: 1 fields");
    expect_error("a.jpg,1\nb.jpg,cat\nc.jpg,2\n", "m.csv:2: label 'cat'");
    expect_error("a.jpg,1\nb.jpg,-1\n", "m.csv:2: label -1");
    expect_error("a.jpg,1,2\nb.jpg,x,2\nc.jpg,1,1\n", "m.csv:2: target 1 ('x') is not a number");
    expect_error("a.jpg,1,nan\n", "m.csv:1: target 2 ('nan') is not a finite");
    expect_error("a.jpg,1,inf\n", "m.csv:1: target 2");
    expect_error("a.jpg,1,1e39\n", "m.csv:1: target 2");
    expect_error("\"a.jpg,1\n", "m.csv:1: unterminated quoted field");
    expect_error("a.jpg,1\n,2\n", "m.csv:2: empty path");
    expect_error("path,label\n", "only a header");
    expect_error("a.jpg,1\r\nb\"c.jpg,2\n", "m.csv:2: quote inside");
    manifest m;
    CU_ASSERT_NOT_EQUAL(manifest_parse_csv("a.jpg,1\n\0", 9, "m.csv", NULL, &m), 0);
    CU_ASSERT(strstr(inv_errmsg(), "m.csv:2: NUL") != NULL);
    CU_ASSERT_NOT_EQUAL(manifest_read_csv(test_path("none.csv"), &m), 0);
    CU_ASSERT(strstr(inv_errmsg(), "none.csv") != NULL);
}

static void touch(const char *p) {
    CU_ASSERT_EQUAL(test_write_file(p, "x", 1), 0);
}

static void test_folder(void) {
    char root[4096], d[4200];
    snprintf(root, sizeof root, "%s/imgs", test_tmpdir());
    mkdir(root, 0755);
    const char *cls[] = {"zebra", "Ant", "cat"};
    for (int i = 0; i < 3; i++) {
        snprintf(d, sizeof d, "%s/%s", root, cls[i]);
        mkdir(d, 0755);
    }
    snprintf(d, sizeof d, "%s/cat/sub", root);
    mkdir(d, 0755);
    const char *files[] = {"zebra/b.JPG", "zebra/a.png",   "Ant/x.jpeg",  "cat/sub/c.png",
                           "cat/d.jpg",   "cat/notes.txt", "zebra/readme"};
    for (int i = 0; i < 7; i++) {
        snprintf(d, sizeof d, "%s/%s", root, files[i]);
        touch(d);
    }
    snprintf(d, sizeof d, "%s/stray.jpg", root); // files at the root are not classes
    touch(d);
    manifest m;
    CU_ASSERT_EQUAL_FATAL(manifest_scan_folder(root, &m), 0);
    CU_ASSERT_EQUAL_FATAL(m.n, 5);
    CU_ASSERT_EQUAL_FATAL(m.nclasses, 3);
    CU_ASSERT_STRING_EQUAL(m.class_names[0], "Ant");
    CU_ASSERT_STRING_EQUAL(m.class_names[1], "cat");
    CU_ASSERT_STRING_EQUAL(m.class_names[2], "zebra");
    const char *want[] = {"Ant/x.jpeg", "cat/d.jpg", "cat/sub/c.png", "zebra/a.png", "zebra/b.JPG"};
    const int wl[] = {0, 1, 1, 2, 2};
    for (int i = 0; i < 5; i++) {
        snprintf(d, sizeof d, "%s/%s", root, want[i]);
        CU_ASSERT_STRING_EQUAL(m.paths[i], d);
        CU_ASSERT_EQUAL(m.labels[i], wl[i]);
    }
    manifest_free(&m);
    // A class without images, an unsupported torchvision extension, no classes, no folder.
    snprintf(d, sizeof d, "%s/empty", root);
    mkdir(d, 0755);
    CU_ASSERT_NOT_EQUAL(manifest_scan_folder(root, &m), 0);
    CU_ASSERT(strstr(inv_errmsg(), "/empty: class folder holds no") != NULL);
    snprintf(d, sizeof d, "%s/empty/e.bmp", root);
    touch(d);
    CU_ASSERT_EQUAL(manifest_scan_folder(root, &m), INV_EUNSUPPORTED);
    CU_ASSERT(strstr(inv_errmsg(), "e.bmp: only JPEG and PNG") != NULL);
    snprintf(d, sizeof d, "%s/noclass", test_tmpdir());
    mkdir(d, 0755);
    CU_ASSERT_NOT_EQUAL(manifest_scan_folder(d, &m), 0);
    CU_ASSERT(strstr(inv_errmsg(), "no class folders") != NULL);
    CU_ASSERT_NOT_EQUAL(manifest_scan_folder(test_path("nowhere"), &m), 0);
    CU_ASSERT(strstr(inv_errmsg(), "nowhere") != NULL);
}

int test_manifest_register(void) {
    CU_pSuite s = CU_add_suite("manifest", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_csv_int_labels);
    TEST_ADD(s, test_csv_names);
    TEST_ADD(s, test_csv_targets);
    TEST_ADD(s, test_csv_errors);
    TEST_ADD(s, test_folder);
    return 0;
}
