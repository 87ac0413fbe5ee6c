// tar.c: listing tar archives (tar.h) over a positioned reader (memory or file).
#include "data/tar.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TAR_BLOCK = 512, TAR_MAX_LONGNAME = 4096 };

typedef struct {
    const uint8_t *mem; // in-memory archive, or NULL
    int fd;             // file archive
    int64_t len;
    const char *name;
} tar_src;

// Reads exactly n bytes at off; INV_EFORMAT if the archive ends first.
static int src_read(const tar_src *s, int64_t off, void *buf, size_t n) {
    if (off < 0 || off > s->len || (int64_t)n > s->len - off)
        return inv_fail(INV_EFORMAT, "%s: truncated tar archive (offset %lld)", s->name,
                        (long long)off);
    if (s->mem) {
        memcpy(buf, s->mem + off, n);
        return INV_OK;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(s->fd, (uint8_t *)buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r <= 0)
            return inv_fail(INV_EIO, "%s: read error: %s", s->name, r ? strerror(errno) : "EOF");
        got += (size_t)r;
    }
    return INV_OK;
}

// A numeric header field: octal (NUL/space terminated) or GNU base-256 (high bit set).
static int field_number(const uint8_t *f, int len, int64_t *v) {
    *v = 0;
    if (f[0] & 0x80) {
        if (f[0] & 0x40) return -1; // negative
        int64_t x = f[0] & 0x3f;
        for (int i = 1; i < len; i++) {
            if (x > (INT64_MAX >> 8)) return -1;
            x = (x << 8) | f[i];
        }
        *v = x;
        return 0;
    }
    int i = 0;
    while (i < len && f[i] == ' ') i++;
    int digits = 0;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (*v > (INT64_MAX >> 3)) return -1;
        *v = (*v << 3) | (f[i] - '0');
    }
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != '\0') return -1;
    return digits ? 0 : -1;
}

void tar_free(tar_member *m, size_t n) {
    for (size_t i = 0; m && i < n; i++) free(m[i].name);
    free(m);
}

static int tar_list(const tar_src *s, tar_member **out, size_t *nout) {
    *out = NULL;
    *nout = 0;
    size_t n = 0, cap = 0;
    tar_member *m = NULL;
    char *longname = NULL;
    int rc = INV_OK;
    int64_t off = 0;
    uint8_t h[TAR_BLOCK];
    int ended = 0;
    while (rc == INV_OK && off + TAR_BLOCK <= s->len) {
        rc = src_read(s, off, h, TAR_BLOCK);
        if (rc) break;
        int zero = 1;
        for (int i = 0; i < TAR_BLOCK && zero; i++) zero = h[i] == 0;
        if (zero) { // end-of-archive marker
            ended = 1;
            break;
        }
        int64_t sum = 0, want, size;
        for (int i = 0; i < TAR_BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i];
        if (field_number(h + 148, 8, &want) != 0 || want != sum) {
            rc = inv_fail(INV_EFORMAT,
                          "%s: tar header at offset %lld has a bad checksum (not a "
                          "tar archive, or corrupt)",
                          s->name, (long long)off);
            break;
        }
        if (field_number(h + 124, 12, &size) != 0 || size > s->len - off - TAR_BLOCK) {
            rc = inv_fail(INV_EFORMAT,
                          "%s: tar member at offset %lld: size runs past the end of "
                          "the archive",
                          s->name, (long long)off);
            break;
        }
        char type = (char)h[156];
        int64_t data = off + TAR_BLOCK;
        if (type == 'L') { // GNU long name of the next member
            if (size <= 0 || size > TAR_MAX_LONGNAME) {
                rc = inv_fail(INV_EFORMAT, "%s: bad GNU long name at offset %lld", s->name,
                              (long long)off);
                break;
            }
            free(longname);
            longname = malloc((size_t)size + 1);
            if (!longname)
                rc = inv_fail(INV_ENOMEM, "out of memory");
            else
                rc = src_read(s, data, longname, (size_t)size);
            if (!rc) longname[size] = '\0';
        } else if (type == '0' || type == '\0' || type == '7') {
            char name[256 + 2];
            if (longname) {
                snprintf(name, sizeof name, "%s", longname);
            } else {
                char pre[156], base[101];
                memcpy(pre, h + 345, 155);
                pre[155] = '\0';
                memcpy(base, h, 100);
                base[100] = '\0';
                int ustar = memcmp(h + 257, "ustar", 5) == 0;
                snprintf(name, sizeof name, "%s%s%s", ustar && pre[0] ? pre : "",
                         ustar && pre[0] ? "/" : "", base);
            }
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                tar_member *nm = realloc(m, cap * sizeof *nm);
                if (!nm) {
                    rc = inv_fail(INV_ENOMEM, "out of memory");
                    break;
                }
                m = nm;
            }
            m[n].name = strdup(longname ? longname : name);
            m[n].offset = data;
            m[n].size = size;
            if (!m[n].name)
                rc = inv_fail(INV_ENOMEM, "out of memory");
            else
                n++;
            free(longname);
            longname = NULL;
        } else {
            free(longname); // directories, links, pax headers: skipped
            longname = NULL;
        }
        off = data + (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
    }
    free(longname);
    if (!rc && !ended && off != s->len)
        rc =
            inv_fail(INV_EFORMAT, "%s: truncated tar archive (ends inside a header at offset %lld)",
                     s->name, (long long)off);
    if (rc) {
        tar_free(m, n);
        return rc;
    }
    *out = m;
    *nout = n;
    return INV_OK;
}

int tar_list_memory(const uint8_t *bytes, size_t len, const char *name, tar_member **m, size_t *n) {
    tar_src s = {bytes, -1, (int64_t)len, name};
    return tar_list(&s, m, n);
}

int tar_list_file(const char *path, tar_member **m, size_t *n) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return inv_fail(INV_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return inv_fail(INV_EIO, "%s: cannot stat: %s", path, strerror(errno));
    }
    tar_src s = {NULL, fd, (int64_t)st.st_size, path};
    int rc = tar_list(&s, m, n);
    close(fd);
    return rc;
}

int tar_read_member(const char *path, const tar_member *m, uint8_t **bytes) {
    *bytes = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return inv_fail(INV_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? INV_OK : inv_fail(INV_EIO, "%s: cannot stat", path);
    tar_src s = {NULL, fd, (int64_t)st.st_size, path};
    uint8_t *b = rc ? NULL : malloc((size_t)(m->size ? m->size : 1));
    if (!rc && !b) rc = inv_fail(INV_ENOMEM, "%s: out of memory for %s", path, m->name);
    if (!rc) rc = src_read(&s, m->offset, b, (size_t)m->size);
    close(fd);
    if (rc) {
        free(b);
        return inv_fail_context(rc, "member %s", m->name);
    }
    *bytes = b;
    return INV_OK;
}
