// tensor.c: aligned allocation and the float32 tensor of tensor.h.
#include "core/tensor.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *inv_aligned_alloc(size_t nbytes) {
    size_t rounded = (nbytes + INV_ALIGN - 1) / INV_ALIGN * INV_ALIGN;
    if (rounded < nbytes) return NULL;
    if (rounded == 0) rounded = INV_ALIGN;
    void *p = aligned_alloc(INV_ALIGN, rounded);
    if (p) memset(p, 0, rounded);
    return p;
}

void inv_aligned_free(void *p) {
    free(p);
}

int inv_aligned_grow(void **buf, size_t *size, size_t need, const char *what) {
    if (*size >= need) return INV_OK;
    inv_aligned_free(*buf);
    *buf = inv_aligned_alloc(need);
    *size = *buf ? need : 0;
    INV_CHECK_ALLOC(*buf, need, what);
    return INV_OK;
}

int inv_mul_size(size_t a, size_t b, size_t *out) {
    if (a != 0 && b > SIZE_MAX / a) return INV_ERANGE;
    *out = a * b;
    return INV_OK;
}

static void set_contiguous_strides(tensor *t) {
    int64_t s = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        t->stride[d] = s;
        s *= t->shape[d];
    }
}

int tensor_alloc(tensor *t, int ndim, const int64_t *shape) {
    memset(t, 0, sizeof *t);
    if (ndim < 0 || ndim > TENSOR_MAX_DIMS)
        return inv_fail(INV_EINVAL, "tensor_alloc: %d dimensions (at most %d)", ndim,
                        TENSOR_MAX_DIMS);
    size_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) return inv_fail(INV_EINVAL, "tensor_alloc: negative dimension");
        if (inv_mul_size(n, (size_t)shape[d], &n))
            return inv_fail(INV_ERANGE, "tensor_alloc: size overflows");
        t->shape[d] = shape[d];
    }
    size_t bytes;
    if (inv_mul_size(n, sizeof(float), &bytes))
        return inv_fail(INV_ERANGE, "tensor_alloc: size overflows");
    t->ndim = ndim;
    t->data = inv_aligned_alloc(bytes);
    INV_CHECK_ALLOC(t->data, bytes, "tensor_alloc");
    t->owns = 1;
    set_contiguous_strides(t);
    return INV_OK;
}

void tensor_wrap(tensor *t, float *data, int ndim, const int64_t *shape) {
    memset(t, 0, sizeof *t);
    t->data = data;
    t->ndim = ndim;
    for (int d = 0; d < ndim; d++) t->shape[d] = shape[d];
    set_contiguous_strides(t);
}

void tensor_free(tensor *t) {
    if (t->owns) inv_aligned_free(t->data);
    memset(t, 0, sizeof *t);
}

int64_t tensor_numel(const tensor *t) {
    int64_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= t->shape[d];
    return n;
}

int tensor_is_contiguous(const tensor *t) {
    int64_t s = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        if (t->shape[d] != 1 && t->stride[d] != s) return 0;
        s *= t->shape[d];
    }
    return 1;
}

void tensor_shape_str(const tensor *t, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < t->ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, d ? ", %lld" : "%lld",
                                 (long long)t->shape[d]);
    if (used < size) snprintf(buf + used, size - used, ")");
}

int64_t tensor_offset(const tensor *t, const int64_t *idx) {
    int64_t off = 0;
    for (int d = 0; d < t->ndim; d++) off += idx[d] * t->stride[d];
    return off;
}
