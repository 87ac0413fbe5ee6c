// safetensors.h: read (mmap) and write safetensors files: an 8-byte little-endian header
// length N, N bytes of JSON ({"name": {"dtype", "shape", "data_offsets"}, "__metadata__":
// {str: str}}), then the tensor bytes. Every offset, size, dtype and shape is checked against
// the file before use; overlapping, out-of-range or mis-sized tensors are rejected.
#ifndef INVAR_IO_SAFETENSORS_H
#define INVAR_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    ST_BOOL,
    ST_U8,
    ST_I8,
    ST_I16,
    ST_U16,
    ST_I32,
    ST_U32,
    ST_I64,
    ST_U64,
    ST_F16,
    ST_BF16,
    ST_F32,
    ST_F64,
    ST_F8_E5M2, // "F8_E5M2"
    ST_F8_E4M3, // "F8_E4M3" (E4M3FN: bias 7, no infinities, NaN = S.1111.111)
    ST_DTYPE_COUNT
} st_dtype;

enum { ST_MAX_DIMS = 8 };

typedef struct {
    char *name;
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    int64_t numel;
    size_t begin, end; // byte offsets within the data section (end - begin = nbytes)
    const void *data;  // points into the mapping (may be unaligned)
} st_tensor;

typedef struct {
    char *path; // for messages
    void *map;  // mmap of the whole file (or NULL when parsed from memory)
    size_t map_size;
    st_tensor *tensors; // in the order of their data offsets
    int ntensors;
    char **meta_keys, **meta_values;
    int nmeta;
    int *by_name; // tensor indices sorted by name (st_find's binary search)
} st_file;

const char *st_dtype_name(st_dtype dtype);             // "F32" ...
size_t st_dtype_size(st_dtype dtype);                  // bytes per element
int st_dtype_parse(const char *name, st_dtype *dtype); // 0 if known, else INV_EINVAL (no message)

// Opens and validates a file (read-only mmap). Returns an inv_code; on error *f is empty.
int st_open(st_file *f, const char *path);
// Validates a file image in memory (no copy: `bytes` must outlive *f). `name` is for messages.
int st_parse(st_file *f, const void *bytes, size_t size, const char *name);
void st_close(st_file *f);
const st_tensor *st_find(const st_file *f, const char *name);
const char *st_meta(const st_file *f, const char *key); // NULL if absent
// Copies a tensor into float32 (from F32, F16, BF16, F64, or integer dtypes); `numel` must match.
// A missing tensor or a different element count is INV_EFORMAT (the message names both).
int st_read_f32(const st_file *f, const char *name, float *dst, int64_t numel);
// Converts one tensor of *f (any dtype) into float32: dst holds t->numel values. BOOL gives 0/1;
// F16/BF16/F8 convert exactly (subnormals, infinities and NaNs kept); F64/I64/U64 round to nearest.
void st_tensor_to_f32(const st_tensor *t, float *dst);

// Writer: tensors are referenced, not copied, until st_writer_write; the file is written under
// a temporary name (PATH.tmp.PID) and renamed into place. The header lists "__metadata__" (if
// any) then the tensors with data_offsets in the order they were added, padded with spaces to a
// multiple of 8 bytes; data is little-endian (the host's order: libinvar builds on LE hosts only).
typedef struct st_writer st_writer;
int st_writer_new(st_writer **w);
// Names must be valid UTF-8, unique and not "__metadata__"; data may be NULL only when empty.
// A second st_writer_meta with the same key replaces the value.
int st_writer_add(st_writer *w, const char *name, st_dtype dtype, int ndim, const int64_t *shape,
                  const void *data);
int st_writer_meta(st_writer *w, const char *key, const char *value);
int st_writer_write(st_writer *w, const char *path);
void st_writer_free(st_writer *w);

#endif
