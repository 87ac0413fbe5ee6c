// error.c: the thread-local error message behind inv_fail and the check macros of error.h.
#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { INV_ERRMSG_MAX = 1024 };

static _Thread_local char errmsg[INV_ERRMSG_MAX];
static _Thread_local int errcode;

int inv_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errmsg, sizeof errmsg, fmt, ap);
    va_end(ap);
    errcode = code;
    return code;
}

int inv_fail_context(int code, const char *fmt, ...) {
    char prefix[INV_ERRMSG_MAX], old[INV_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(old, sizeof old, "%s", errmsg);
    snprintf(errmsg, sizeof errmsg, "%s: %s", prefix, old);
    errcode = code;
    return code;
}

const char *inv_errmsg(void) {
    return errmsg;
}
int inv_errcode(void) {
    return errcode;
}

void inv_error_clear(void) {
    errmsg[0] = '\0';
    errcode = INV_OK;
}

const char *inv_code_name(int code) {
    static const char *names[INV_ECODE_COUNT] = {
        "ok",           "invalid argument", "I/O error",    "format error", "out of memory",
        "out of range", "MPI error",        "NetCDF error", "CUDA error",   "unsupported",
    };
    if (code < 0 || code >= INV_ECODE_COUNT) return "unknown error";
    return names[code];
}

int inv_fail_errno(const char *path, const char *what) {
    int e = errno;
    if (e == 0) return inv_fail(INV_EIO, "%s: %s: unexpected end of file", path, what);
    return inv_fail(e == ENOMEM ? INV_ENOMEM : INV_EIO, "%s: %s: %s", path, what, strerror(e));
}
