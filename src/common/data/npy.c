// npy.c: the strict .npy reader (npy.h). The header is parsed as the Python literal numpy
// writes (single- or double-quoted keys, True/False, a tuple of non-negative integers); no
// size is trusted before it is checked against the bytes actually present.
#include "data/npy.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void npy_free(npy_array *a) {
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

typedef struct {
    const char *p, *end;
    const char *name;
} hdr_cursor;

static void skip_ws(hdr_cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int expect_char(hdr_cursor *c, char ch, const char *what) {
    skip_ws(c);
    if (c->p >= c->end || *c->p != ch)
        return inv_fail(INV_EFORMAT, "%s: .npy header: expected '%c' %s", c->name, ch, what);
    c->p++;
    return INV_OK;
}

// A quoted string literal without escapes into buf.
static int parse_string(hdr_cursor *c, char *buf, size_t size) {
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return inv_fail(INV_EFORMAT, "%s: .npy header: expected a quoted string", c->name);
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= size)
            return inv_fail(INV_EFORMAT, "%s: .npy header: string too long or escaped", c->name);
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end)
        return inv_fail(INV_EFORMAT, "%s: .npy header: unterminated string", c->name);
    c->p++;
    buf[n] = '\0';
    return INV_OK;
}

static int parse_bool(hdr_cursor *c, int *v) {
    skip_ws(c);
    if (c->end - c->p >= 4 && memcmp(c->p, "True", 4) == 0) {
        c->p += 4;
        *v = 1;
    } else if (c->end - c->p >= 5 && memcmp(c->p, "False", 5) == 0) {
        c->p += 5;
        *v = 0;
    } else
        return inv_fail(INV_EFORMAT, "%s: .npy header: fortran_order is not True or False",
                        c->name);
    return INV_OK;
}

static int parse_shape(hdr_cursor *c, npy_array *a) {
    INV_TRY(expect_char(c, '(', "to open the shape tuple"));
    a->ndim = 0;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == ')') {
            c->p++;
            break;
        }
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return inv_fail(INV_EFORMAT,
                            "%s: .npy header: shape entry is not a non-negative "
                            "integer",
                            c->name);
        int64_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                return inv_fail(INV_EFORMAT, "%s: .npy header: shape entry too large", c->name);
            v = v * 10 + (*c->p++ - '0');
        }
        if (c->p < c->end && *c->p == 'L') c->p++; // Python 2 long literal
        if (a->ndim == NPY_MAX_DIMS)
            return inv_fail(INV_EFORMAT, "%s: .npy header: more than %d dimensions", c->name,
                            NPY_MAX_DIMS);
        a->shape[a->ndim++] = v;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == ')') {
            c->p++;
            break;
        }
        return inv_fail(INV_EFORMAT, "%s: .npy header: malformed shape tuple", c->name);
    }
    return INV_OK;
}

static int parse_descr(const char *name, const char *d, npy_array *a) {
    size_t len = strlen(d);
    if (len < 3 || len > 4 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
        return inv_fail(INV_EFORMAT,
                        "%s: .npy dtype '%s' is not a plain numeric type (need e.g. '<f4')", name,
                        d);
    char kind = d[1];
    int size = atoi(d + 2);
    int ok = (kind == 'f' && (size == 4 || size == 8)) ||
             ((kind == 'i' || kind == 'u') && (size == 1 || size == 2 || size == 4 || size == 8));
    if (!ok || (size > 1 && d[0] == '|'))
        return inv_fail(INV_EFORMAT,
                        "%s: .npy dtype '%s' is not supported (float32/64 or 8..64-bit "
                        "integers)",
                        name, d);
    snprintf(a->descr, sizeof a->descr, "%s", d);
    a->kind = kind;
    a->itemsize = size;
    return INV_OK;
}

static double load_value(const uint8_t *p, char kind, int size, int big_endian) {
    uint8_t b[8];
    for (int i = 0; i < size; i++) b[i] = big_endian ? p[size - 1 - i] : p[i];
    uint64_t u = 0;
    for (int i = size - 1; i >= 0; i--) u = (u << 8) | b[i];
    if (kind == 'f') {
        if (size == 4) {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, 4);
            return f;
        }
        double d;
        memcpy(&d, &u, 8);
        return d;
    }
    if (kind == 'u') return (double)u;
    int shift = 64 - 8 * size;
    return (double)((int64_t)(u << shift) >> shift);
}

int npy_parse(const uint8_t *bytes, size_t size, const char *name, npy_array *out) {
    memset(out, 0, sizeof *out);
    static const uint8_t magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (size < 10 || memcmp(bytes, magic, 6) != 0)
        return inv_fail(INV_EFORMAT, "%s: not a .npy file (no \\x93NUMPY magic)", name);
    int major = bytes[6];
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)bytes[8] | (size_t)bytes[9] << 8;
        hstart = 10;
    } else if (major == 2 || major == 3) {
        if (size < 12) return inv_fail(INV_EFORMAT, "%s: .npy file truncated in its header", name);
        hlen = (size_t)bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 |
               (size_t)bytes[11] << 24;
        hstart = 12;
    } else
        return inv_fail(INV_EFORMAT, "%s: .npy format version %d.%d is not 1.0, 2.0 or 3.0", name,
                        major, bytes[7]);
    if (hlen > size - hstart)
        return inv_fail(INV_EFORMAT,
                        "%s: .npy header of %zu bytes runs past the end of the file (%zu bytes)",
                        name, hlen, size);
    hdr_cursor c = {(const char *)bytes + hstart, (const char *)bytes + hstart + hlen, name};
    char descr[32] = "";
    int fortran = -1, seen_descr = 0, seen_shape = 0;
    INV_TRY(expect_char(&c, '{', "at the start of the header dict"));
    for (;;) {
        skip_ws(&c);
        if (c.p < c.end && *c.p == '}') {
            c.p++;
            break;
        }
        char key[32];
        INV_TRY(parse_string(&c, key, sizeof key));
        INV_TRY(expect_char(&c, ':', "after a key"));
        if (strcmp(key, "descr") == 0 && !seen_descr) {
            INV_TRY(parse_string(&c, descr, sizeof descr));
            seen_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0 && fortran < 0) {
            INV_TRY(parse_bool(&c, &fortran));
        } else if (strcmp(key, "shape") == 0 && !seen_shape) {
            INV_TRY(parse_shape(&c, out));
            seen_shape = 1;
        } else
            return inv_fail(INV_EFORMAT, "%s: .npy header: unexpected or repeated key '%s'", name,
                            key);
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',') {
            c.p++;
            continue;
        }
        INV_TRY(expect_char(&c, '}', "to close the header dict"));
        break;
    }
    skip_ws(&c);
    if (c.p != c.end)
        return inv_fail(INV_EFORMAT, "%s: .npy header: unexpected text after the dict", name);
    if (!seen_descr || fortran < 0 || !seen_shape)
        return inv_fail(INV_EFORMAT, "%s: .npy header lacks descr, fortran_order or shape", name);
    if (fortran)
        return inv_fail(INV_EFORMAT,
                        "%s: .npy array is in Fortran order; save it in C order "
                        "(np.ascontiguousarray) first",
                        name);
    INV_TRY(parse_descr(name, descr, out));
    int64_t count = 1;
    for (int d = 0; d < out->ndim; d++) {
        if (out->shape[d] != 0 && count > INT64_MAX / 8 / out->shape[d])
            return inv_fail(INV_EFORMAT, "%s: .npy shape is too large", name);
        count *= out->shape[d];
    }
    size_t data_start = hstart + hlen;
    size_t have = size - data_start;
    if ((uint64_t)count * (uint64_t)out->itemsize != (uint64_t)have)
        return inv_fail(INV_EFORMAT,
                        "%s: .npy data is %zu bytes but shape and dtype '%s' need %lld "
                        "(truncated or trailing bytes)",
                        name, have, out->descr, (long long)(count * out->itemsize));
    out->count = count;
    out->data = malloc(sizeof(double) * (size_t)(count ? count : 1));
    if (!out->data)
        return inv_fail(INV_ENOMEM, "%s: out of memory for %lld values", name, (long long)count);
    const uint8_t *p = bytes + data_start;
    int big = descr[0] == '>';
    for (int64_t i = 0; i < count; i++)
        out->data[i] = load_value(p + i * out->itemsize, out->kind, out->itemsize, big);
    return INV_OK;
}

int npy_read_file(const char *path, npy_array *out) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return inv_fail(INV_EIO, "%s: cannot open: %s", path, strerror(errno));
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return inv_fail(INV_ENOMEM, "%s: out of memory", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return inv_fail(INV_EIO, "%s: read error", path);
    }
    int rc = npy_parse(buf, len, path, out);
    free(buf);
    return rc;
}
