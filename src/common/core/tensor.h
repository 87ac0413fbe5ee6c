// tensor.h: a minimal float32 tensor (up to 8 dims, row-major, optional strides) and 64-byte
// aligned allocation for everything that feeds SIMD code.
#ifndef INVAR_CORE_TENSOR_H
#define INVAR_CORE_TENSOR_H

#include <stddef.h>
#include <stdint.h>

enum { TENSOR_MAX_DIMS = 8, INV_ALIGN = 64 };

// 64-byte aligned, zero-initialised memory; NULL on failure (size 0 gives a valid pointer).
void *inv_aligned_alloc(size_t nbytes);
void inv_aligned_free(void *p);
// A reusable aligned buffer: when *size < need, *buf is freed and replaced by a fresh one of
// `need` bytes (contents not kept); INV_ENOMEM naming `what` on failure (*buf NULL, *size 0).
int inv_aligned_grow(void **buf, size_t *size, size_t need, const char *what);
// Checked products: 0 and INV_ERANGE on size_t overflow.
int inv_mul_size(size_t a, size_t b, size_t *out);

typedef struct {
    float *data;
    int ndim;
    int64_t shape[TENSOR_MAX_DIMS];
    int64_t stride[TENSOR_MAX_DIMS]; // in elements; row-major contiguous unless a view
    int owns;                        // 1 if data is freed by tensor_free
} tensor;

// Allocates a contiguous zeroed tensor of the given shape. Returns an inv_code.
int tensor_alloc(tensor *t, int ndim, const int64_t *shape);
// A non-owning view of contiguous memory.
void tensor_wrap(tensor *t, float *data, int ndim, const int64_t *shape);
void tensor_free(tensor *t);
int64_t tensor_numel(const tensor *t);
int tensor_is_contiguous(const tensor *t);
// Shape as "(2, 3, 4)" for messages.
void tensor_shape_str(const tensor *t, char *buf, size_t size);
// Element offset of a multi-index (no bounds check in release builds).
int64_t tensor_offset(const tensor *t, const int64_t *idx);

#endif
