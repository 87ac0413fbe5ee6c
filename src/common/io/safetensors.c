// safetensors.c: the safetensors reader (mmap + cJSON, every offset, size, dtype and shape
// validated against the file before use), dtype conversions to float32, and the writer
// (hand-built JSON header padded to 8 bytes, temporary file renamed into place).
#include "io/safetensors.h"

#include "core/error.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c reads and writes tensor data in host order: little-endian hosts only"
#endif

enum { ST_MAX_HEADER = 100000000 };     // the reference implementation's limit (100 MB)
#define ST_MAX_EXACT 9007199254740992.0 // 2^53: JSON numbers above this are not exact doubles

static const char *const dtype_names[ST_DTYPE_COUNT] = {
    [ST_BOOL] = "BOOL", [ST_U8] = "U8",           [ST_I8] = "I8",           [ST_I16] = "I16",
    [ST_U16] = "U16",   [ST_I32] = "I32",         [ST_U32] = "U32",         [ST_I64] = "I64",
    [ST_U64] = "U64",   [ST_F16] = "F16",         [ST_BF16] = "BF16",       [ST_F32] = "F32",
    [ST_F64] = "F64",   [ST_F8_E5M2] = "F8_E5M2", [ST_F8_E4M3] = "F8_E4M3",
};
static const unsigned char dtype_sizes[ST_DTYPE_COUNT] = {
    [ST_BOOL] = 1, [ST_U8] = 1,  [ST_I8] = 1,  [ST_I16] = 2,     [ST_U16] = 2,
    [ST_I32] = 4,  [ST_U32] = 4, [ST_I64] = 8, [ST_U64] = 8,     [ST_F16] = 2,
    [ST_BF16] = 2, [ST_F32] = 4, [ST_F64] = 8, [ST_F8_E5M2] = 1, [ST_F8_E4M3] = 1,
};

const char *st_dtype_name(st_dtype dtype) {
    return (unsigned)dtype < ST_DTYPE_COUNT ? dtype_names[dtype] : "?";
}

size_t st_dtype_size(st_dtype dtype) {
    return (unsigned)dtype < ST_DTYPE_COUNT ? dtype_sizes[dtype] : 0;
}

int st_dtype_parse(const char *name, st_dtype *dtype) {
    for (int i = 0; i < ST_DTYPE_COUNT; i++)
        if (name && strcmp(name, dtype_names[i]) == 0) {
            *dtype = (st_dtype)i;
            return INV_OK;
        }
    return INV_EINVAL;
}

// Length of the valid UTF-8 prefix of s[0..n) (== n when all of it is valid).
static size_t utf8_valid_prefix(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return i;
        }
        if (n - i < len) return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
        i += len;
    }
    return n;
}

// ---- reader ----------------------------------------------------------------------------------

void st_close(st_file *f) {
    if (!f) return;
    for (int i = 0; i < f->ntensors; i++) free(f->tensors[i].name);
    for (int i = 0; i < f->nmeta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_values[i]);
    }
    free(f->tensors);
    free(f->meta_keys);
    free(f->meta_values);
    free(f->by_name);
    if (f->map) munmap(f->map, f->map_size);
    free(f->path);
    memset(f, 0, sizeof *f);
}

// Shape as "(64, 3, 7, 7)" for messages.
static void shape_str(const st_tensor *t, char *buf, size_t size) {
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < t->ndim && used < size; d++)
        used += (size_t)snprintf(buf + used, size - used, "%s%" PRId64, d ? ", " : "", t->shape[d]);
    if (used < size) snprintf(buf + used, size - used, ")");
}

// A JSON number that must be an exact non-negative integer (a dimension or an offset).
static int json_count(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item)) return 0;
    double v = item->valuedouble;
    if (!(v >= 0 && v <= ST_MAX_EXACT) || v != floor(v)) return 0;
    *out = (int64_t)v;
    return 1;
}

static int parse_tensor(st_file *f, const cJSON *entry, st_tensor *t, size_t data_size) {
    const char *path = f->path, *name = t->name;
    if (!cJSON_IsObject(entry))
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': entry is not a JSON object", path, name);
    const cJSON *dtype = NULL, *shape = NULL, *offsets = NULL, *field;
    cJSON_ArrayForEach(field, entry) {
        const cJSON **slot = strcmp(field->string, "dtype") == 0          ? &dtype
                             : strcmp(field->string, "shape") == 0        ? &shape
                             : strcmp(field->string, "data_offsets") == 0 ? &offsets
                                                                          : NULL;
        if (!slot)
            return inv_fail(INV_EFORMAT, "%s: tensor '%s': unknown field '%s'", path, name,
                            field->string);
        if (*slot)
            return inv_fail(INV_EFORMAT, "%s: tensor '%s': field '%s' given twice", path, name,
                            field->string);
        *slot = field;
    }
    if (!dtype || !shape || !offsets)
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': missing '%s'", path, name,
                        !dtype   ? "dtype"
                        : !shape ? "shape"
                                 : "data_offsets");
    if (!cJSON_IsString(dtype))
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': dtype is not a string", path, name);
    st_dtype dt;
    if (st_dtype_parse(dtype->valuestring, &dt) != INV_OK)
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': unknown dtype '%s'", path, name,
                        dtype->valuestring);
    t->dtype = dt;

    if (!cJSON_IsArray(shape))
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': shape is not an array", path, name);
    int ndim = cJSON_GetArraySize(shape);
    if (ndim > ST_MAX_DIMS)
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': %d dimensions (at most %d supported)", path,
                        name, ndim, ST_MAX_DIMS);
    t->ndim = ndim;
    int64_t numel = 1;
    int d = 0;
    cJSON_ArrayForEach(field, shape) {
        int64_t n;
        if (!json_count(field, &n))
            return inv_fail(INV_EFORMAT,
                            "%s: tensor '%s': shape[%d] is not a non-negative integer (<= 2^53)",
                            path, name, d);
        t->shape[d++] = n;
        if (__builtin_mul_overflow(numel, n, &numel))
            return inv_fail(INV_EFORMAT, "%s: tensor '%s': shape's element count overflows", path,
                            name);
    }
    t->numel = numel;
    size_t nbytes;
    if (__builtin_mul_overflow((uint64_t)numel, (uint64_t)dtype_sizes[dt], &nbytes))
        return inv_fail(INV_EFORMAT, "%s: tensor '%s': shape's byte size overflows", path, name);

    int64_t begin, end;
    if (!cJSON_IsArray(offsets) || cJSON_GetArraySize(offsets) != 2 ||
        !json_count(cJSON_GetArrayItem(offsets, 0), &begin) ||
        !json_count(cJSON_GetArrayItem(offsets, 1), &end))
        return inv_fail(INV_EFORMAT,
                        "%s: tensor '%s': data_offsets is not [begin, end] (non-negative integers)",
                        path, name);
    if (begin > end || (uint64_t)end > data_size)
        return inv_fail(INV_EFORMAT,
                        "%s: tensor '%s': data_offsets [%" PRId64 ", %" PRId64
                        "] outside the data section of %zu bytes",
                        path, name, begin, end, data_size);
    t->begin = (size_t)begin;
    t->end = (size_t)end;
    if (t->end - t->begin != nbytes) {
        char s[160];
        shape_str(t, s, sizeof s);
        return inv_fail(INV_EFORMAT,
                        "%s: tensor '%s': data_offsets [%zu, %zu] but shape %s %s needs %zu bytes",
                        path, name, t->begin, t->end, s, dtype_names[dt], nbytes);
    }
    return INV_OK;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_metadata(st_file *f, const cJSON *meta) {
    if (!cJSON_IsObject(meta))
        return inv_fail(INV_EFORMAT, "%s: __metadata__ is not a JSON object", f->path);
    int n = cJSON_GetArraySize(meta);
    f->meta_keys = calloc((size_t)n + 1, sizeof *f->meta_keys);
    f->meta_values = calloc((size_t)n + 1, sizeof *f->meta_values);
    INV_CHECK_ALLOC(f->meta_keys && f->meta_values ? f->meta_keys : NULL, (size_t)n * 16,
                    "safetensors metadata");
    const cJSON *item;
    cJSON_ArrayForEach(item, meta) {
        if (!cJSON_IsString(item))
            return inv_fail(INV_EFORMAT, "%s: __metadata__ value of '%s' is not a string", f->path,
                            item->string);
        f->meta_keys[f->nmeta] = strdup(item->string);
        f->meta_values[f->nmeta] = strdup(item->valuestring);
        f->nmeta++;
        INV_CHECK_ALLOC(f->meta_keys[f->nmeta - 1] && f->meta_values[f->nmeta - 1] ? f->meta_keys
                                                                                   : NULL,
                        strlen(item->valuestring), "safetensors metadata");
    }
    // Duplicate keys: sort a copy of the key pointers (O(n log n) for headers of any size).
    char **sorted = malloc(((size_t)f->nmeta + 1) * sizeof *sorted);
    INV_CHECK_ALLOC(sorted, ((size_t)f->nmeta + 1) * sizeof *sorted, "safetensors metadata");
    memcpy(sorted, f->meta_keys, (size_t)f->nmeta * sizeof *sorted);
    qsort(sorted, (size_t)f->nmeta, sizeof *sorted, cmp_str);
    int rc = INV_OK;
    for (int i = 1; i < f->nmeta && rc == INV_OK; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            rc = inv_fail(INV_EFORMAT, "%s: __metadata__ key '%s' given twice", f->path, sorted[i]);
    free(sorted);
    return rc;
}

static int cmp_by_offset(const void *a, const void *b) {
    const st_tensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

typedef struct {
    const char *name;
    int index;
} name_index;

static int cmp_by_name(const void *a, const void *b) {
    return strcmp(((const name_index *)a)->name, ((const name_index *)b)->name);
}

// Sorts tensors by offset; checks names are unique and the tensors tile the data section.
static int check_layout(st_file *f, size_t data_size) {
    int n = f->ntensors;
    qsort(f->tensors, (size_t)n, sizeof *f->tensors, cmp_by_offset);
    f->by_name = malloc(((size_t)n + 1) * sizeof *f->by_name);
    name_index *order = malloc(((size_t)n + 1) * sizeof *order);
    if (!f->by_name || !order) {
        free(order);
        return inv_fail(INV_ENOMEM, "%s: out of memory for the index of %d tensors", f->path, n);
    }
    for (int i = 0; i < n; i++) order[i] = (name_index){f->tensors[i].name, i};
    qsort(order, (size_t)n, sizeof *order, cmp_by_name);
    for (int i = 0; i < n; i++) f->by_name[i] = order[i].index;
    free(order);
    for (int i = 1; i < n; i++)
        if (strcmp(f->tensors[f->by_name[i - 1]].name, f->tensors[f->by_name[i]].name) == 0)
            return inv_fail(INV_EFORMAT, "%s: tensor '%s' appears twice in the header", f->path,
                            f->tensors[f->by_name[i]].name);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        const st_tensor *t = &f->tensors[i];
        if (t->begin < at)
            return inv_fail(INV_EFORMAT, "%s: tensors '%s' [%zu, %zu] and '%s' [%zu, %zu] overlap",
                            f->path, f->tensors[i - 1].name, f->tensors[i - 1].begin,
                            f->tensors[i - 1].end, t->name, t->begin, t->end);
        if (t->begin > at)
            return inv_fail(INV_EFORMAT,
                            "%s: hole of %zu bytes in the data section before tensor '%s' "
                            "(bytes [%zu, %zu) belong to no tensor)",
                            f->path, t->begin - at, t->name, at, t->begin);
        at = t->end;
    }
    if (at != data_size)
        return inv_fail(INV_EFORMAT,
                        "%s: %zu bytes after the last tensor's end (data section is %zu bytes, "
                        "tensors cover %zu)",
                        f->path, data_size - at, data_size, at);
    return INV_OK;
}

static int parse_header(st_file *f, const unsigned char *bytes, size_t size) {
    const char *path = f->path;
    if (size < 8)
        return inv_fail(INV_EFORMAT,
                        "%s: %zu bytes, too short for the 8-byte header length of a safetensors "
                        "file",
                        path, size);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = (n << 8) | bytes[i];
    if (n > ST_MAX_HEADER)
        return inv_fail(INV_EFORMAT,
                        "%s: header length %" PRIu64 " is above the limit of %d bytes (not a "
                        "safetensors file?)",
                        path, n, ST_MAX_HEADER);
    if (n > size - 8)
        return inv_fail(INV_EFORMAT,
                        "%s: header length %" PRIu64 " but the file has only %zu bytes after the "
                        "length (truncated?)",
                        path, n, size - 8);
    if (n < 2 || bytes[8] != '{')
        return inv_fail(INV_EFORMAT, "%s: header does not start with '{' (not a safetensors file?)",
                        path);
    const unsigned char *hdr = bytes + 8;
    if (memchr(hdr, '\0', n)) return inv_fail(INV_EFORMAT, "%s: header contains a NUL byte", path);
    size_t valid = utf8_valid_prefix(hdr, n);
    if (valid != n)
        return inv_fail(INV_EFORMAT, "%s: header is not valid UTF-8 (at byte %zu)", path, valid);
    const unsigned char *data = hdr + n;
    size_t data_size = size - 8 - n;

    char *text = malloc(n + 1);
    INV_CHECK_ALLOC(text, n + 1, "safetensors header");
    memcpy(text, hdr, n);
    text[n] = '\0';
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 0);
    int rc = INV_OK;
    if (!root) {
        rc = inv_fail(INV_EFORMAT,
                      "%s: header is not valid JSON (error near byte %td of %" PRIu64 ")", path,
                      end ? end - text : (ptrdiff_t)-1, n);
        goto done;
    }
    for (const char *p = end; *p; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            rc = inv_fail(INV_EFORMAT,
                          "%s: header has trailing bytes after the JSON object (at "
                          "byte %td)",
                          path, p - text);
            goto done;
        }
    if (!cJSON_IsObject(root)) {
        rc = inv_fail(INV_EFORMAT, "%s: header is not a JSON object", path);
        goto done;
    }
    int count = cJSON_GetArraySize(root);
    f->tensors = calloc((size_t)count + 1, sizeof *f->tensors);
    if (!f->tensors) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory for %d tensor entries", path, count);
        goto done;
    }
    int have_meta = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) {
        if (strcmp(item->string, "__metadata__") == 0) {
            if (have_meta) {
                rc = inv_fail(INV_EFORMAT, "%s: __metadata__ appears twice in the header", path);
                goto done;
            }
            have_meta = 1;
            INV_TRY_GOTO(rc, parse_metadata(f, item), done);
            continue;
        }
        st_tensor *t = &f->tensors[f->ntensors];
        t->name = strdup(item->string);
        if (!t->name) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory for a tensor name", path);
            goto done;
        }
        f->ntensors++;
        INV_TRY_GOTO(rc, parse_tensor(f, item, t, data_size), done);
        t->data = data + t->begin;
    }
    rc = check_layout(f, data_size);
done:
    cJSON_Delete(root);
    free(text);
    return rc;
}

int st_parse(st_file *f, const void *bytes, size_t size, const char *name) {
    memset(f, 0, sizeof *f);
    f->path = strdup(name ? name : "(memory)");
    INV_CHECK_ALLOC(f->path, strlen(name ? name : "(memory)") + 1, "safetensors path");
    int rc = parse_header(f, bytes, size);
    if (rc != INV_OK) st_close(f);
    return rc;
}

int st_open(st_file *f, const char *path) {
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return inv_fail_errno(path, "cannot open");
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = inv_fail_errno(path, "cannot stat");
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return inv_fail(INV_EIO, "%s: not a regular file", path);
    }
    size_t size = (size_t)st.st_size;
    if (size < 8) {
        close(fd);
        return inv_fail(INV_EFORMAT,
                        "%s: %zu bytes, too short for the 8-byte header length of a safetensors "
                        "file",
                        path, size);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int saved = errno;
    close(fd);
    if (map == MAP_FAILED) {
        errno = saved;
        return inv_fail_errno(path, "cannot map");
    }
    int rc = st_parse(f, map, size, path);
    if (rc != INV_OK) {
        munmap(map, size);
        return rc;
    }
    f->map = map;
    f->map_size = size;
    return INV_OK;
}

const st_tensor *st_find(const st_file *f, const char *name) {
    int lo = 0, hi = f->ntensors - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const st_tensor *t = &f->tensors[f->by_name[mid]];
        int c = strcmp(name, t->name);
        if (c == 0) return t;
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *st_meta(const st_file *f, const char *key) {
    for (int i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta_keys[i], key) == 0) return f->meta_values[i];
    return NULL;
}

// ---- conversions to float32 ------------------------------------------------------------------

static float f32_from_bits(uint32_t u) {
    float x;
    memcpy(&x, &u, 4);
    return x;
}

// IEEE binary16 -> binary32, exact (subnormals normalised; inf and NaN payloads kept).
static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    if (exp == 0x1f) return f32_from_bits(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {
        if (mant == 0) return f32_from_bits(sign);
        int e = -1;
        do {
            mant <<= 1;
            e++;
        } while (!(mant & 0x400));
        return f32_from_bits(sign | ((uint32_t)(112 - e) << 23) | ((mant & 0x3ff) << 13));
    }
    return f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

// F8 E4M3FN (bias 7, no infinities, S.1111.111 is NaN) -> binary32, exact.
static float e4m3_to_float(uint8_t b) {
    uint32_t sign = (uint32_t)(b & 0x80) << 24, exp = (b >> 3) & 0xf, mant = b & 7;
    if (exp == 0xf && mant == 7) return f32_from_bits(sign | 0x7fc00000u);
    if (exp == 0) {
        float v = ldexpf((float)mant, -9); // mant/8 * 2^-6
        return sign ? -v : v;
    }
    return f32_from_bits(sign | ((exp + 120) << 23) | (mant << 20));
}

#define LOAD(type, p, i)                                                                           \
    ({                                                                                             \
        type v_;                                                                                   \
        memcpy(&v_, (const unsigned char *)(p) + (size_t)(i) * sizeof(type), sizeof(type));        \
        v_;                                                                                        \
    })

void st_tensor_to_f32(const st_tensor *t, float *dst) {
    const void *p = t->data;
    int64_t n = t->numel;
    switch (t->dtype) {
    case ST_F32:
        if (n) memcpy(dst, p, (size_t)n * 4);
        break;
    case ST_F64:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(double, p, i);
        break;
    case ST_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = half_to_float(LOAD(uint16_t, p, i));
        break;
    case ST_BF16:
        for (int64_t i = 0; i < n; i++)
            dst[i] = f32_from_bits((uint32_t)LOAD(uint16_t, p, i) << 16);
        break;
    case ST_F8_E5M2:
        for (int64_t i = 0; i < n; i++)
            dst[i] = half_to_float((uint16_t)(LOAD(uint8_t, p, i) << 8));
        break;
    case ST_F8_E4M3:
        for (int64_t i = 0; i < n; i++) dst[i] = e4m3_to_float(LOAD(uint8_t, p, i));
        break;
    case ST_BOOL:
        for (int64_t i = 0; i < n; i++) dst[i] = LOAD(uint8_t, p, i) ? 1.0f : 0.0f;
        break;
    case ST_U8:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(uint8_t, p, i);
        break;
    case ST_I8:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(int8_t, p, i);
        break;
    case ST_I16:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(int16_t, p, i);
        break;
    case ST_U16:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(uint16_t, p, i);
        break;
    case ST_I32:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(int32_t, p, i);
        break;
    case ST_U32:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(uint32_t, p, i);
        break;
    case ST_I64:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(int64_t, p, i);
        break;
    case ST_U64:
        for (int64_t i = 0; i < n; i++) dst[i] = (float)LOAD(uint64_t, p, i);
        break;
    default:
        break;
    }
}

int st_read_f32(const st_file *f, const char *name, float *dst, int64_t numel) {
    const st_tensor *t = st_find(f, name);
    if (!t) return inv_fail(INV_EFORMAT, "%s: no tensor named '%s'", f->path, name);
    if (t->numel != numel) {
        char s[160];
        shape_str(t, s, sizeof s);
        return inv_fail(INV_EFORMAT,
                        "%s: tensor '%s' has shape %s (%" PRId64 " elements) but %" PRId64
                        " were expected",
                        f->path, name, s, t->numel, numel);
    }
    st_tensor_to_f32(t, dst);
    return INV_OK;
}

// ---- writer ----------------------------------------------------------------------------------

typedef struct {
    char *name;
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    size_t nbytes;
    const void *data;
} st_entry;

struct st_writer {
    st_entry *entries;
    int n, cap;
    char **keys, **values;
    int nmeta, metacap;
};

int st_writer_new(st_writer **w) {
    *w = calloc(1, sizeof **w);
    INV_CHECK_ALLOC(*w, sizeof **w, "safetensors writer");
    return INV_OK;
}

void st_writer_free(st_writer *w) {
    if (!w) return;
    for (int i = 0; i < w->n; i++) free(w->entries[i].name);
    for (int i = 0; i < w->nmeta; i++) {
        free(w->keys[i]);
        free(w->values[i]);
    }
    free(w->entries);
    free(w->keys);
    free(w->values);
    free(w);
}

static int check_string(const char *s, const char *what) {
    if (!s) return inv_fail(INV_EINVAL, "safetensors writer: %s is NULL", what);
    size_t n = strlen(s);
    if (utf8_valid_prefix((const unsigned char *)s, n) != n)
        return inv_fail(INV_EINVAL, "safetensors writer: %s '%s' is not valid UTF-8", what, s);
    return INV_OK;
}

int st_writer_add(st_writer *w, const char *name, st_dtype dtype, int ndim, const int64_t *shape,
                  const void *data) {
    INV_TRY(check_string(name, "tensor name"));
    if (strcmp(name, "__metadata__") == 0)
        return inv_fail(INV_EINVAL, "safetensors writer: '__metadata__' is not a tensor name");
    if ((unsigned)dtype >= ST_DTYPE_COUNT)
        return inv_fail(INV_EINVAL, "safetensors writer: tensor '%s': bad dtype %d", name,
                        (int)dtype);
    if (ndim < 0 || ndim > ST_MAX_DIMS || (ndim > 0 && !shape))
        return inv_fail(INV_EINVAL, "safetensors writer: tensor '%s': %d dimensions", name, ndim);
    for (int i = 0; i < w->n; i++)
        if (strcmp(w->entries[i].name, name) == 0)
            return inv_fail(INV_EINVAL, "safetensors writer: tensor '%s' added twice", name);
    st_entry e = {.dtype = dtype, .ndim = ndim, .data = data};
    uint64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0 || __builtin_mul_overflow(numel, (uint64_t)shape[d], &numel) ||
            numel > (uint64_t)ST_MAX_EXACT)
            return inv_fail(INV_EINVAL, "safetensors writer: tensor '%s': bad shape", name);
        e.shape[d] = shape[d];
    }
    if (__builtin_mul_overflow(numel, (uint64_t)dtype_sizes[dtype], &e.nbytes))
        return inv_fail(INV_EINVAL, "safetensors writer: tensor '%s': too large", name);
    if (!data && e.nbytes)
        return inv_fail(INV_EINVAL, "safetensors writer: tensor '%s': no data", name);
    if (w->n == w->cap) {
        int cap = w->cap ? 2 * w->cap : 16;
        st_entry *grown = realloc(w->entries, (size_t)cap * sizeof *grown);
        INV_CHECK_ALLOC(grown, (size_t)cap * sizeof *grown, "safetensors writer");
        w->entries = grown;
        w->cap = cap;
    }
    e.name = strdup(name);
    INV_CHECK_ALLOC(e.name, strlen(name) + 1, "safetensors writer");
    w->entries[w->n++] = e;
    return INV_OK;
}

int st_writer_meta(st_writer *w, const char *key, const char *value) {
    INV_TRY(check_string(key, "metadata key"));
    INV_TRY(check_string(value, "metadata value"));
    char *v = strdup(value);
    INV_CHECK_ALLOC(v, strlen(value) + 1, "safetensors writer");
    for (int i = 0; i < w->nmeta; i++)
        if (strcmp(w->keys[i], key) == 0) {
            free(w->values[i]);
            w->values[i] = v;
            return INV_OK;
        }
    if (w->nmeta == w->metacap) {
        int cap = w->metacap ? 2 * w->metacap : 8;
        char **k = realloc(w->keys, (size_t)cap * sizeof *k);
        if (k) w->keys = k;
        char **vs = k ? realloc(w->values, (size_t)cap * sizeof *vs) : NULL;
        if (vs) w->values = vs;
        if (!k || !vs) free(v);
        INV_CHECK_ALLOC(k && vs ? k : NULL, (size_t)cap * sizeof *k, "safetensors writer");
        w->metacap = cap;
    }
    w->keys[w->nmeta] = strdup(key);
    if (!w->keys[w->nmeta]) free(v);
    INV_CHECK_ALLOC(w->keys[w->nmeta], strlen(key) + 1, "safetensors writer");
    w->values[w->nmeta++] = v;
    return INV_OK;
}

// A growing text buffer for the header.
typedef struct {
    char *s;
    size_t len, cap;
    int oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n) {
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->oom = 1;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

// A JSON string literal (quotes, backslashes and control characters escaped).
static void sb_json_string(strbuf *b, const char *s) {
    sb_put(b, "\"", 1);
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_put(b, esc, 2);
        } else if (c < 0x20) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_put(b, p, 1);
        }
    }
    sb_put(b, "\"", 1);
}

static int write_all(FILE *fp, const void *data, size_t n) {
    return n == 0 || fwrite(data, 1, n, fp) == n;
}

int st_writer_write(st_writer *w, const char *path) {
    strbuf b = {0};
    sb_put(&b, "{", 1);
    int first = 1;
    if (w->nmeta) {
        sb_put(&b, "\"__metadata__\":{", 16);
        for (int i = 0; i < w->nmeta; i++) {
            if (i) sb_put(&b, ",", 1);
            sb_json_string(&b, w->keys[i]);
            sb_put(&b, ":", 1);
            sb_json_string(&b, w->values[i]);
        }
        sb_put(&b, "}", 1);
        first = 0;
    }
    size_t offset = 0;
    for (int i = 0; i < w->n; i++) {
        const st_entry *e = &w->entries[i];
        if (!first) sb_put(&b, ",", 1);
        first = 0;
        sb_json_string(&b, e->name);
        sb_printf(&b, ":{\"dtype\":\"%s\",\"shape\":[", dtype_names[e->dtype]);
        for (int d = 0; d < e->ndim; d++) sb_printf(&b, "%s%" PRId64, d ? "," : "", e->shape[d]);
        sb_printf(&b, "],\"data_offsets\":[%zu,%zu]}", offset, offset + e->nbytes);
        offset += e->nbytes;
    }
    sb_put(&b, "}", 1);
    while (!b.oom && b.len % 8) sb_put(&b, " ", 1);
    if (b.oom) {
        free(b.s);
        return inv_fail(INV_ENOMEM, "%s: out of memory for the safetensors header", path);
    }
    if (b.len > ST_MAX_HEADER) {
        free(b.s);
        return inv_fail(INV_EINVAL, "%s: safetensors header of %zu bytes is above the limit of %d",
                        path, b.len, ST_MAX_HEADER);
    }

    size_t tmplen = strlen(path) + 32;
    char *tmp = malloc(tmplen);
    if (!tmp) {
        free(b.s);
        return inv_fail(INV_ENOMEM, "%s: out of memory", path);
    }
    snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
    int rc = INV_OK;
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        rc = inv_fail_errno(tmp, "cannot create");
        goto done;
    }
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)b.len >> (8 * i));
    int okw = write_all(fp, len8, 8) && write_all(fp, b.s, b.len);
    for (int i = 0; okw && i < w->n; i++)
        okw = write_all(fp, w->entries[i].data, w->entries[i].nbytes);
    if (okw) okw = fflush(fp) == 0 && fsync(fileno(fp)) == 0;
    if (!okw) {
        rc = inv_fail_errno(tmp, "cannot write");
        fclose(fp);
        remove(tmp);
        goto done;
    }
    if (fclose(fp) != 0) {
        rc = inv_fail_errno(tmp, "cannot close");
        remove(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = inv_fail_errno(path, "cannot rename the temporary file into place");
        remove(tmp);
    }
done:
    free(tmp);
    free(b.s);
    return rc;
}
