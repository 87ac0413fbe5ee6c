// pts.c: the .pts landmark reader (pts.h): a line scanner over the bounded buffer.
#include "data/pts.h"

#include "core/error.h"
#include "data/import.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *p, *end;
    int line;
} pts_cursor;

// The next non-blank line, trimmed, into buf; 0 at the end of the text, -1 if too long.
static int next_line(pts_cursor *c, char *buf, size_t size) {
    for (;;) {
        if (c->p >= c->end) return 0;
        const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
        const char *e = nl ? nl : c->end;
        c->line++;
        const char *a = c->p, *b = e;
        c->p = nl ? nl + 1 : c->end;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r')) a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
        if (a == b) continue;
        if ((size_t)(b - a) >= size) return -1;
        memcpy(buf, a, (size_t)(b - a));
        buf[b - a] = '\0';
        if (memchr(buf, '\0', (size_t)(b - a))) return -1;
        return 1;
    }
}

static int bad(const char *name, int line, const char *what) {
    return inv_fail(INV_EFORMAT,
                    "%s: line %d: %s (68-point .pts: version, n_points, {, X Y "
                    "lines, })",
                    name, line, what);
}

int pts_parse(const char *text, size_t len, const char *name, int want, float *xy) {
    pts_cursor c = {text, text + len, 0};
    char buf[256];
    int r = next_line(&c, buf, sizeof buf);
    if (r <= 0 || strncmp(buf, "version:", 8) != 0)
        return bad(name, c.line, "expected 'version: 1'");
    r = next_line(&c, buf, sizeof buf);
    char *end;
    if (r <= 0 || strncmp(buf, "n_points:", 9) != 0)
        return bad(name, c.line, "expected 'n_points: N'");
    long n = strtol(buf + 9, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (end == buf + 9 || *end || n < 0) return bad(name, c.line, "n_points is not a count");
    if (n != want)
        return inv_fail(INV_EFORMAT, "%s: %ld points, expected %d (n_points line %d)", name, n,
                        want, c.line);
    r = next_line(&c, buf, sizeof buf);
    if (r <= 0 || strcmp(buf, "{") != 0) return bad(name, c.line, "expected '{'");
    for (long i = 0; i < n; i++) {
        r = next_line(&c, buf, sizeof buf);
        if (r <= 0) return bad(name, c.line, "expected a point 'X Y'");
        if (strcmp(buf, "}") == 0)
            return inv_fail(INV_EFORMAT, "%s: %ld points listed, n_points says %ld", name, i, n);
        char *p = buf;
        double x = strtod(p, &end);
        if (end == p) return bad(name, c.line, "point X is not a number");
        p = end;
        double y = strtod(p, &end);
        if (end == p) return bad(name, c.line, "point Y is not a number");
        while (*end == ' ' || *end == '\t') end++;
        if (*end) return bad(name, c.line, "more than two numbers in a point line");
        if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e7 || fabs(y) > 1e7)
            return bad(name, c.line, "point coordinate not finite or out of range");
        xy[2 * i] = (float)x;
        xy[2 * i + 1] = (float)y;
    }
    r = next_line(&c, buf, sizeof buf);
    if (r <= 0 || strcmp(buf, "}") != 0)
        return r > 0 ? inv_fail(INV_EFORMAT, "%s: more points than n_points = %ld (line %d)", name,
                                n, c.line)
                     : bad(name, c.line, "expected '}'");
    r = next_line(&c, buf, sizeof buf);
    if (r != 0) return bad(name, c.line, "text after '}'");
    return INV_OK;
}

int pts_read_file(const char *path, int want, float *xy) {
    char *text;
    size_t len;
    INV_TRY(import_read_text(path, &text, &len));
    int rc = pts_parse(text, len, path, want, xy);
    free(text);
    return rc;
}
