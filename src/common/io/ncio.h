// ncio.h: NetCDF-4 helpers every NetCDF writer and reader in invar uses: atomic creation
// (write under a temporary name, rename on commit, remove on abort), text attributes, and the
// checked look-up of a variable with an expected type and dimension names.
// The NetCDF-C library is not thread-safe: in one process, make all NetCDF calls (these helpers,
// shard_* and features_*) from one thread at a time. Separate processes (MPI ranks) may read the
// same file at once.
#ifndef INVAR_IO_NCIO_H
#define INVAR_IO_NCIO_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int ncid;
    char path[4096];     // final name
    char tmp_path[4096]; // name while writing
} nc_out;

// Creates a NetCDF-4 file at a temporary name beside `path` (PATH.tmp.PID), clobbering it.
int ncout_create(nc_out *o, const char *path);
// nc_close + rename to the final name. On failure the temporary file is removed.
int ncout_commit(nc_out *o);
// nc_close + remove the temporary file.
void ncout_abort(nc_out *o);

int nc_put_text(int ncid, int varid, const char *name, const char *value, const char *path);
// Reads a text attribute into buf (NUL-terminated, truncated to size). INV_EFORMAT if absent.
int nc_get_text(int ncid, int varid, const char *name, char *buf, size_t size, const char *path);

// Opens read-only with a clear message when the file is missing or is not NetCDF.
int nc_open_read(const char *path, int *ncid);
// Finds variable `name` and checks its type (NC_FLOAT ...) and dimension names (NULL entries
// match any name); fills lens[] with the dimension lengths. INV_EFORMAT with a message naming
// the file, variable and problem otherwise.
int nc_check_var(int ncid, const char *path, const char *name, int type, int ndims,
                 const char *const *dimnames, int *varid, size_t *lens);

#endif
