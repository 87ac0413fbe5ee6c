// test_ncio.c: the NetCDF helpers: atomic create/commit/abort, text attributes (char and string
// types, truncation, absent, not text), read-only opening errors, and nc_check_var.
#include "test_util.h"

#include "core/error.h"
#include "io/ncio.h"

#include <netcdf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void test_create_commit_abort(void) {
    const char *p = test_path("ncio.nc");
    nc_out o;
    CU_ASSERT_EQUAL_FATAL(ncout_create(&o, p), 0);
    CU_ASSERT_EQUAL(access(o.tmp_path, F_OK), 0);
    CU_ASSERT_NOT_EQUAL(access(p, F_OK), 0);
    CU_ASSERT_EQUAL(nc_put_text(o.ncid, NC_GLOBAL, "title", "hello", p), 0);
    CU_ASSERT_EQUAL(nc_put_text(o.ncid, NC_GLOBAL, "", "x", p), INV_EINVAL);
    CU_ASSERT_EQUAL(ncout_commit(&o), 0);
    CU_ASSERT_EQUAL(access(p, F_OK), 0);
    CU_ASSERT_NOT_EQUAL(access(o.tmp_path, F_OK), 0);
    CU_ASSERT_EQUAL(ncout_commit(&o), INV_EINVAL); // already committed

    CU_ASSERT_EQUAL_FATAL(ncout_create(&o, test_path("gone.nc")), 0);
    ncout_abort(&o);
    CU_ASSERT_NOT_EQUAL(access(o.tmp_path, F_OK), 0);
    CU_ASSERT_NOT_EQUAL(access(test_path("gone.nc"), F_OK), 0);
    // A directory that does not exist: a clear error, nothing left.
    CU_ASSERT_NOT_EQUAL(ncout_create(&o, test_path("no/such/dir.nc")), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "no/such/dir.nc"));
    CU_ASSERT_EQUAL(ncout_create(&o, ""), INV_EINVAL);
}

static void test_text_attributes(void) {
    const char *p = test_path("attrs.nc");
    int ncid, v, dim;
    CU_ASSERT_EQUAL_FATAL(nc_create(p, NC_NETCDF4 | NC_CLOBBER, &ncid), 0);
    CU_ASSERT_EQUAL(nc_put_text(ncid, NC_GLOBAL, "plain", "abcdef", p), 0);
    CU_ASSERT_EQUAL(nc_put_text(ncid, NC_GLOBAL, "empty", NULL, p), 0);
    const char *sv = "stringly";
    CU_ASSERT_EQUAL(nc_put_att_string(ncid, NC_GLOBAL, "str", 1, &sv), 0);
    int iv = 3;
    CU_ASSERT_EQUAL(nc_put_att_int(ncid, NC_GLOBAL, "number", NC_INT, 1, &iv), 0);
    CU_ASSERT_EQUAL(nc_def_dim(ncid, "n", 4, &dim), 0);
    CU_ASSERT_EQUAL(nc_def_var(ncid, "x", NC_FLOAT, 1, &dim, &v), 0);
    CU_ASSERT_EQUAL(nc_put_text(ncid, v, "units", "m", p), 0);
    CU_ASSERT_EQUAL(nc_close(ncid), 0);

    CU_ASSERT_EQUAL_FATAL(nc_open_read(p, &ncid), 0);
    char buf[8];
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, "plain", buf, sizeof buf, p), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abcdef");
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, "plain", buf, 4, p), 0);
    CU_ASSERT_STRING_EQUAL(buf, "abc");
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, "empty", buf, sizeof buf, p), 0);
    CU_ASSERT_STRING_EQUAL(buf, "");
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, "str", buf, sizeof buf, p), 0);
    CU_ASSERT_STRING_EQUAL(buf, "stringl");
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, "number", buf, sizeof buf, p), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "'number' is not text"));
    CU_ASSERT_EQUAL(nc_get_text(ncid, NC_GLOBAL, "absent", buf, sizeof buf, p), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "no attribute 'absent'"));
    CU_ASSERT_EQUAL(nc_get_text(ncid, 0, "units", buf, sizeof buf, p), 0);
    CU_ASSERT_STRING_EQUAL(buf, "m");

    // nc_check_var: NULL dimension names match anything; lengths are filled in.
    const char *any[1] = {NULL}, *named[1] = {"n"}, *wrong[1] = {"m"};
    size_t lens[1] = {0};
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "x", NC_FLOAT, 1, any, &v, lens), 0);
    CU_ASSERT_EQUAL(lens[0], 4);
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "x", NC_FLOAT, 1, named, NULL, NULL), 0);
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "x", NC_FLOAT, 1, NULL, NULL, NULL), 0);
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "x", NC_FLOAT, 1, wrong, NULL, NULL), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "dimension 0 is 'n', expected 'm'"));
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "x", NC_DOUBLE, 1, any, NULL, NULL), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "has type float, expected double"));
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "x", NC_FLOAT, 2, NULL, NULL, NULL), INV_EFORMAT);
    CU_ASSERT_EQUAL(nc_check_var(ncid, p, "y", NC_FLOAT, 1, any, NULL, NULL), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "no variable 'y'"));
    nc_close(ncid);
}

static void test_open_errors(void) {
    int ncid = 5;
    CU_ASSERT_EQUAL(nc_open_read(test_path("absent.nc"), &ncid), INV_EIO);
    CU_ASSERT_EQUAL(ncid, -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "absent.nc: no such file"));
    CU_ASSERT_EQUAL(nc_open_read(test_tmpdir(), &ncid), INV_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "is a directory"));
    CU_ASSERT_EQUAL(test_write_file(test_path("text.nc"), "hello, world\n", 13), 0);
    CU_ASSERT_EQUAL(nc_open_read(test_path("text.nc"), &ncid), INV_EFORMAT);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "text.nc: not a NetCDF file"));
    CU_ASSERT_EQUAL(test_write_file(test_path("tiny.nc"), "CDF", 3), 0);
    CU_ASSERT_EQUAL(nc_open_read(test_path("tiny.nc"), &ncid), INV_EFORMAT);
    CU_ASSERT_EQUAL(nc_open_read("", &ncid), INV_EINVAL);
}

int test_ncio_register(void) {
    CU_pSuite s = CU_add_suite("ncio", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_create_commit_abort);
    TEST_ADD(s, test_text_attributes);
    TEST_ADD(s, test_open_errors);
    return 0;
}
