// ncio.c: NetCDF-4 helpers shared by every NetCDF writer and reader: atomic creation under a
// temporary name (rename on commit, remove on abort), text attributes, read-only opening with
// clear messages, and the checked look-up of a variable's type and dimensions.
#include "io/ncio.h"

#include "core/error.h"

#include <errno.h>
#include <netcdf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *nc_type_label(int type) {
    switch (type) {
    case NC_BYTE:
        return "byte";
    case NC_CHAR:
        return "char";
    case NC_SHORT:
        return "short";
    case NC_INT:
        return "int";
    case NC_FLOAT:
        return "float";
    case NC_DOUBLE:
        return "double";
    case NC_UBYTE:
        return "ubyte";
    case NC_USHORT:
        return "ushort";
    case NC_UINT:
        return "uint";
    case NC_INT64:
        return "int64";
    case NC_UINT64:
        return "uint64";
    case NC_STRING:
        return "string";
    default:
        return "user-defined type";
    }
}

int ncout_create(nc_out *o, const char *path) {
    memset(o, 0, sizeof *o);
    o->ncid = -1;
    if (!path || !*path) return inv_fail(INV_EINVAL, "ncout_create: empty output path");
    size_t len = strlen(path);
    if (len + 1 > sizeof o->path || len + 32 > sizeof o->tmp_path)
        return inv_fail(INV_EINVAL, "%s: output path too long", path);
    memcpy(o->path, path, len + 1);
    snprintf(o->tmp_path, sizeof o->tmp_path, "%s.tmp.%ld", path, (long)getpid());
    int st = nc_create(o->tmp_path, NC_NETCDF4 | NC_CLOBBER, &o->ncid);
    if (st != NC_NOERR) {
        o->ncid = -1;
        remove(o->tmp_path);
        return inv_fail(st > 0 ? INV_EIO : INV_ENETCDF, "%s: cannot create %s: %s", path,
                        o->tmp_path, nc_strerror(st));
    }
    return INV_OK;
}

int ncout_commit(nc_out *o) {
    if (o->ncid < 0) return inv_fail(INV_EINVAL, "%s: commit of a file that is not open", o->path);
    int st = nc_close(o->ncid);
    o->ncid = -1;
    if (st != NC_NOERR) {
        remove(o->tmp_path);
        return inv_fail(INV_ENETCDF, "%s: cannot finish writing: %s", o->path, nc_strerror(st));
    }
    if (rename(o->tmp_path, o->path) != 0) {
        int rc = inv_fail_errno(o->path, "rename from temporary file");
        remove(o->tmp_path);
        return rc;
    }
    return INV_OK;
}

void ncout_abort(nc_out *o) {
    if (o->ncid >= 0) nc_close(o->ncid);
    o->ncid = -1;
    if (o->tmp_path[0]) remove(o->tmp_path);
}

int nc_put_text(int ncid, int varid, const char *name, const char *value, const char *path) {
    if (!name || !*name) return inv_fail(INV_EINVAL, "%s: attribute with an empty name", path);
    if (!value) value = "";
    INV_CHECK_NC(nc_put_att_text(ncid, varid, name, strlen(value), value), path);
    return INV_OK;
}

int nc_get_text(int ncid, int varid, const char *name, char *buf, size_t size, const char *path) {
    if (size == 0) return inv_fail(INV_EINVAL, "%s: no room for attribute '%s'", path, name);
    buf[0] = '\0';
    nc_type type;
    size_t len;
    if (nc_inq_att(ncid, varid, name, &type, &len) != NC_NOERR)
        return inv_fail(INV_EFORMAT, "%s: no attribute '%s'", path, name);
    if (type == NC_CHAR) {
        if (len < size) {
            INV_CHECK_NC(nc_get_att_text(ncid, varid, name, buf), path);
            buf[len] = '\0';
        } else {
            char *tmp = malloc(len);
            INV_CHECK_ALLOC(tmp, len, path);
            int st = nc_get_att_text(ncid, varid, name, tmp);
            if (st != NC_NOERR) {
                free(tmp);
                return inv_fail_nc(st, path, "nc_get_att_text");
            }
            memcpy(buf, tmp, size - 1);
            buf[size - 1] = '\0';
            free(tmp);
        }
        return INV_OK;
    }
    if (type == NC_STRING && len == 1) {
        char *s = NULL;
        INV_CHECK_NC(nc_get_att_string(ncid, varid, name, &s), path);
        snprintf(buf, size, "%s", s ? s : "");
        nc_free_string(1, &s);
        return INV_OK;
    }
    return inv_fail(INV_EFORMAT, "%s: attribute '%s' is not text (type %s, length %zu)", path, name,
                    nc_type_label(type), len);
}

int nc_open_read(const char *path, int *ncid) {
    *ncid = -1;
    if (!path || !*path) return inv_fail(INV_EINVAL, "empty file name");
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT) return inv_fail(INV_EIO, "%s: no such file", path);
        return inv_fail_errno(path, "stat");
    }
    if (S_ISDIR(sb.st_mode)) return inv_fail(INV_EIO, "%s: is a directory, not a file", path);
    if (access(path, R_OK) != 0) return inv_fail_errno(path, "open");
    // NetCDF-4/HDF5 files start with "\x89HDF\r\n\x1a\n" (possibly after a user block), classic
    // files with "CDF\x01/\x02/\x05"; anything shorter than a header is not NetCDF.
    if (sb.st_size < 8)
        return inv_fail(INV_EFORMAT, "%s: not a NetCDF file (%lld bytes)", path,
                        (long long)sb.st_size);
    int st = nc_open(path, NC_NOWRITE, ncid);
    if (st == NC_NOERR) return INV_OK;
    *ncid = -1;
    if (st == NC_ENOTNC) return inv_fail(INV_EFORMAT, "%s: not a NetCDF file", path);
    if (st == NC_EHDFERR || st == NC_EINVAL || st == NC_ENOTBUILT || st == NC_EBADDIM ||
        st == NC_ETRUNC || st == NC_EDIMMETA || st == NC_EVARMETA || st == NC_EATTMETA ||
        st == NC_EFILEMETA)
        return inv_fail(INV_EFORMAT,
                        "%s: not a valid NetCDF file (truncated or corrupt?): %s (if the file is "
                        "whole and on a file system without locks, set "
                        "HDF5_USE_FILE_LOCKING=FALSE)",
                        path, nc_strerror(st));
    return inv_fail(INV_ENETCDF, "%s: cannot open as NetCDF: %s", path, nc_strerror(st));
}

int nc_check_var(int ncid, const char *path, const char *name, int type, int ndims,
                 const char *const *dimnames, int *varid, size_t *lens) {
    int v;
    if (nc_inq_varid(ncid, name, &v) != NC_NOERR)
        return inv_fail(INV_EFORMAT, "%s: no variable '%s'", path, name);
    nc_type vt;
    int nd;
    INV_CHECK_NC(nc_inq_vartype(ncid, v, &vt), path);
    INV_CHECK_NC(nc_inq_varndims(ncid, v, &nd), path);
    if ((int)vt != type)
        return inv_fail(INV_EFORMAT, "%s: variable '%s' has type %s, expected %s", path, name,
                        nc_type_label(vt), nc_type_label(type));
    if (nd != ndims)
        return inv_fail(INV_EFORMAT, "%s: variable '%s' has %d dimensions, expected %d", path, name,
                        nd, ndims);
    int dimids[NC_MAX_VAR_DIMS];
    INV_CHECK_NC(nc_inq_vardimid(ncid, v, dimids), path);
    for (int i = 0; i < nd; i++) {
        char dn[NC_MAX_NAME + 1];
        size_t len;
        INV_CHECK_NC(nc_inq_dim(ncid, dimids[i], dn, &len), path);
        if (dimnames && dimnames[i] && strcmp(dn, dimnames[i]) != 0)
            return inv_fail(INV_EFORMAT, "%s: variable '%s' dimension %d is '%s', expected '%s'",
                            path, name, i, dn, dimnames[i]);
        if (lens) lens[i] = len;
    }
    if (varid) *varid = v;
    return INV_OK;
}

// The NetCDF status of `call` on `path` as an invar error (declared in core/error.h).
int inv_fail_nc(int nc_status, const char *path, const char *call) {
    // NC_ENOTNC / NC_EHDFERR on open mean the file is not (or no longer) a NetCDF-4 file.
    int code = (nc_status == NC_ENOTNC || nc_status == NC_EHDFERR || nc_status == NC_EBADDIM ||
                nc_status == NC_ENOTVAR || nc_status == NC_ETRUNC)
                   ? INV_EFORMAT
                   : INV_ENETCDF;
    if (nc_status == NC_ENOMEM) code = INV_ENOMEM;
    return inv_fail(code, "%s: %s: %s", path ? path : "(netcdf)", call, nc_strerror(nc_status));
}
