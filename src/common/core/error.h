// error.h: libinvar's one error type. Library functions return an inv_code (0 = success) and
// leave a message in a thread-local buffer naming the file or call and the reason; only the
// programs print it and exit. Check macros wrap the calls of MPI, NetCDF, CUDA, stdio and malloc.
#ifndef INVAR_CORE_ERROR_H
#define INVAR_CORE_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    INV_OK = 0,
    INV_EINVAL,       // bad argument or option value
    INV_EIO,          // a file could not be opened, read or written
    INV_EFORMAT,      // a file is not what it should be (corrupt, truncated, wrong shape or type)
    INV_ENOMEM,       // allocation failed
    INV_ERANGE,       // an index, size or value is out of range
    INV_EMPI,         // an MPI call failed
    INV_ENETCDF,      // a NetCDF call failed
    INV_ECUDA,        // a CUDA / cuDNN / cuBLAS / NCCL call failed
    INV_EUNSUPPORTED, // a valid input that this build cannot handle (message says why)
    INV_ECODE_COUNT
} inv_code;

// Records an error (printf-style message) for the calling thread and returns `code`, so that
// `return inv_fail(INV_EIO, "%s: cannot open: %s", path, strerror(errno));` reads naturally.
int inv_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Prepends context ("while reading x.nc: ") to the current message and returns `code`.
int inv_fail_context(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// The calling thread's last error message ("" if none) and code.
const char *inv_errmsg(void);
int inv_errcode(void);
void inv_error_clear(void);
// A short name for a code ("format error" ...).
const char *inv_code_name(int code);

// Propagates a non-zero inv_code.
#define INV_TRY(call)                                                                              \
    do {                                                                                           \
        int inv_rc_ = (call);                                                                      \
        if (inv_rc_ != INV_OK) return inv_rc_;                                                     \
    } while (0)

// Propagates a non-zero inv_code into `rc` and jumps to `label` (cleanup style).
#define INV_TRY_GOTO(rc, call, label)                                                              \
    do {                                                                                           \
        (rc) = (call);                                                                             \
        if ((rc) != INV_OK) goto label;                                                            \
    } while (0)

// Allocation: on NULL records "what: out of memory (N bytes)" and returns INV_ENOMEM.
#define INV_CHECK_ALLOC(ptr, nbytes, what)                                                         \
    do {                                                                                           \
        if ((ptr) == NULL)                                                                         \
            return inv_fail(INV_ENOMEM, "%s: out of memory (%zu bytes)", (what),                   \
                            (size_t)(nbytes));                                                     \
    } while (0)

// NetCDF: a call returning an nc status; `path` names the file in the message.
#define INV_CHECK_NC(call, path)                                                                   \
    do {                                                                                           \
        int inv_nc_ = (call);                                                                      \
        if (inv_nc_ != 0) return inv_fail_nc(inv_nc_, (path), #call);                              \
    } while (0)
#define INV_CHECK_NC_GOTO(rc, call, path, label)                                                   \
    do {                                                                                           \
        int inv_nc_ = (call);                                                                      \
        if (inv_nc_ != 0) {                                                                        \
            (rc) = inv_fail_nc(inv_nc_, (path), #call);                                            \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)
int inv_fail_nc(int nc_status, const char *path, const char *call); // in io/ncio.c

// MPI: a call returning an MPI error code.
#define INV_CHECK_MPI(call)                                                                        \
    do {                                                                                           \
        int inv_mpi_ = (call);                                                                     \
        if (inv_mpi_ != 0) return inv_fail_mpi(inv_mpi_, #call);                                   \
    } while (0)
int inv_fail_mpi(int mpi_status, const char *call); // in core/mpi_util.c

// stdio: a condition that must hold after a file call; records errno's text.
#define INV_CHECK_IO(cond, path, what)                                                             \
    do {                                                                                           \
        if (!(cond)) return inv_fail_errno((path), (what));                                        \
    } while (0)
int inv_fail_errno(const char *path, const char *what);

#ifdef __cplusplus
}
#endif

#endif
