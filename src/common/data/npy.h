// npy.h: a strict reader of NumPy .npy files (format versions 1.0, 2.0 and 3.0): the magic, a
// header that is exactly the dict {'descr', 'fortran_order', 'shape'} as numpy writes it, then
// the data, whose size must equal prod(shape) * itemsize to the byte. Accepted dtypes: float32,
// float64, int8..int64, uint8..uint64, little- or big-endian; values are converted to double.
// C order only (fortran_order True is refused). Every problem names the file.
#ifndef INVAR_DATA_NPY_H
#define INVAR_DATA_NPY_H

#include <stddef.h>
#include <stdint.h>

enum { NPY_MAX_DIMS = 8 };

typedef struct {
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    char descr[8]; // as stored, e.g. "<f4"
    char kind;     // 'f' float, 'i' signed, 'u' unsigned
    int itemsize;  // bytes per value
    int64_t count; // prod(shape)
    double *data;  // count values, C order
} npy_array;

// Parses a whole .npy file held in memory; `name` is used in messages.
int npy_parse(const uint8_t *bytes, size_t size, const char *name, npy_array *out);
int npy_read_file(const char *path, npy_array *out);
void npy_free(npy_array *a);

#endif
