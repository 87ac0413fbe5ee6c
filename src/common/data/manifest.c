// manifest.c: image lists: CSV manifests (path,label or path,t1..tk, quoted fields, optional
// header, paths relative to the CSV's folder) and image folders (root/CLASS/**/*.{jpg,png},
// ordered as torchvision's ImageFolder). Every problem is reported as file:line or path.
#include "data/manifest.h"

#include "core/error.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

// ---- small growable arrays -------------------------------------------------------------------

typedef struct {
    char **v;
    size_t n, cap;
} strvec;

static int strvec_push(strvec *s, char *str) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        char **v = realloc(s->v, cap * sizeof *v);
        if (!v) return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return 0;
}

static void strvec_free(strvec *s) {
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void manifest_free(manifest *m) {
    if (!m) return;
    if (m->paths)
        for (int64_t i = 0; i < m->n; i++) free(m->paths[i]);
    free(m->paths);
    free(m->labels);
    free(m->targets);
    if (m->class_names)
        for (int i = 0; i < m->nclasses; i++) free(m->class_names[i]);
    free(m->class_names);
    memset(m, 0, sizeof *m);
}

// Joins a relative path to base_dir ("" or "." or NULL keep it as is); absolute paths unchanged.
static char *resolve_path(const char *base_dir, const char *path) {
    if (path[0] == '/' || !base_dir || !base_dir[0] || strcmp(base_dir, ".") == 0)
        return strdup(path);
    size_t a = strlen(base_dir), b = strlen(path);
    char *out = malloc(a + b + 2);
    if (!out) return NULL;
    memcpy(out, base_dir, a);
    size_t k = a;
    if (a && base_dir[a - 1] != '/') out[k++] = '/';
    memcpy(out + k, path, b + 1);
    return out;
}

// ---- CSV -------------------------------------------------------------------------------------

// One parsed record: its fields (malloc'd) and 1-based line number.
typedef struct {
    strvec fields;
    long line;
} record;

typedef struct {
    record *v;
    size_t n, cap;
} recvec;

static void recvec_free(recvec *r) {
    for (size_t i = 0; i < r->n; i++) strvec_free(&r->v[i].fields);
    free(r->v);
    memset(r, 0, sizeof *r);
}

// Splits one line [s, e) into fields: unquoted fields are trimmed of spaces and tabs; quoted
// fields ("...", "" for a quote) may hold commas.
static int split_line(const char *s, const char *e, const char *name, long line, strvec *out) {
    const char *p = s;
    for (;;) {
        while (p < e && (*p == ' ' || *p == '\t')) p++;
        char *field;
        if (p < e && *p == '"') {
            p++;
            size_t cap = (size_t)(e - p) + 1, k = 0;
            field = malloc(cap);
            if (!field) return inv_fail(INV_ENOMEM, "%s:%ld: out of memory", name, line);
            int closed = 0;
            while (p < e) {
                if (*p == '"') {
                    if (p + 1 < e && p[1] == '"') {
                        field[k++] = '"';
                        p += 2;
                        continue;
                    }
                    closed = 1;
                    p++;
                    break;
                }
                field[k++] = *p++;
            }
            field[k] = 0;
            if (!closed) {
                free(field);
                return inv_fail(INV_EFORMAT, "%s:%ld: unterminated quoted field", name, line);
            }
            while (p < e && (*p == ' ' || *p == '\t')) p++;
            if (p < e && *p != ',') {
                free(field);
                return inv_fail(INV_EFORMAT, "%s:%ld: text after a closing quote", name, line);
            }
        } else {
            const char *q = p;
            while (q < e && *q != ',') {
                if (*q == '"') {
                    return inv_fail(INV_EFORMAT, "%s:%ld: quote inside an unquoted field", name,
                                    line);
                }
                q++;
            }
            const char *t = q;
            while (t > p && (t[-1] == ' ' || t[-1] == '\t')) t--;
            field = strndup(p, (size_t)(t - p));
            if (!field) return inv_fail(INV_ENOMEM, "%s:%ld: out of memory", name, line);
            p = q;
        }
        if (strvec_push(out, field) != 0) {
            free(field);
            return inv_fail(INV_ENOMEM, "%s:%ld: out of memory", name, line);
        }
        if (p >= e) break;
        p++; // the comma
    }
    return INV_OK;
}

// Strict number parsers: the whole field must be the number.
static int parse_label_int(const char *s, long long *v) {
    if (!*s) return 0;
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return 0;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end || errno == ERANGE) return 0;
    *v = x;
    return 1;
}

static int parse_number(const char *s, double *v) {
    if (!*s || isspace((unsigned char)*s)) return 0;
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || end == s) return 0;
    *v = x;
    return 1;
}

static int is_header_name(const char *s) {
    static const char *names[] = {"path",       "file",     "filename", "image",
                                  "image_path", "filepath", "img",      "file_name"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcasecmp(s, names[i]) == 0) return 1;
    return 0;
}

static int read_records(const char *text, size_t len, const char *name, recvec *recs) {
    long line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        const char *e = nl ? nl : text + len;
        pos = (size_t)(e - text) + (nl ? 1 : 0);
        if (memchr(s, '\0', (size_t)(e - s)))
            return inv_fail(INV_EFORMAT, "%s:%ld: NUL byte in the text", name, line);
        if (e > s && e[-1] == '\r') e--;
        const char *p = s;
        while (p < e && (*p == ' ' || *p == '\t')) p++;
        if (p == e || *p == '#') continue;
        if (recs->n == recs->cap) {
            size_t cap = recs->cap ? 2 * recs->cap : 64;
            record *v = realloc(recs->v, cap * sizeof *v);
            if (!v) return inv_fail(INV_ENOMEM, "%s:%ld: out of memory", name, line);
            recs->v = v;
            recs->cap = cap;
        }
        record *r = &recs->v[recs->n++];
        memset(r, 0, sizeof *r);
        r->line = line;
        INV_TRY(split_line(s, e, name, line, &r->fields));
    }
    return INV_OK;
}

static int build_manifest(recvec *recs, const char *name, const char *base_dir, manifest *m) {
    if (recs->n == 0) return inv_fail(INV_EFORMAT, "%s: no entries (empty manifest)", name);
    size_t ncol = recs->v[0].fields.n;
    if (ncol < 2)
        return inv_fail(INV_EFORMAT, "%s:%ld: expected path,label or path,t1,...,tk (%zu field)",
                        name, recs->v[0].line, ncol);
    if (ncol - 1 > INT_MAX / 2)
        return inv_fail(INV_EFORMAT, "%s:%ld: too many columns (%zu)", name, recs->v[0].line, ncol);
    for (size_t i = 1; i < recs->n; i++)
        if (recs->v[i].fields.n != ncol)
            return inv_fail(INV_EFORMAT, "%s:%ld: %zu fields, but line %ld has %zu", name,
                            recs->v[i].line, recs->v[i].fields.n, recs->v[0].line, ncol);

    // Header: line 1's 2nd field is not a number while every other line's is, or line 1's first
    // field is a usual column name (path, file, filename, image...).
    size_t first = 0;
    double dv;
    if (!parse_number(recs->v[0].fields.v[1], &dv)) {
        int others_numeric = recs->n > 1;
        for (size_t i = 1; i < recs->n && others_numeric; i++)
            others_numeric = parse_number(recs->v[i].fields.v[1], &dv);
        if (others_numeric || is_header_name(recs->v[0].fields.v[0])) first = 1;
    }
    size_t n = recs->n - first;
    if (n == 0) return inv_fail(INV_EFORMAT, "%s: no entries (only a header line)", name);

    memset(m, 0, sizeof *m);
    m->paths = calloc(n, sizeof *m->paths);
    INV_CHECK_ALLOC(m->paths, n * sizeof *m->paths, name);
    m->n = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        record *r = &recs->v[first + i];
        if (!r->fields.v[0][0]) return inv_fail(INV_EFORMAT, "%s:%ld: empty path", name, r->line);
        m->paths[i] = resolve_path(base_dir, r->fields.v[0]);
        if (!m->paths[i]) return inv_fail(INV_ENOMEM, "%s:%ld: out of memory", name, r->line);
    }

    // Two columns: integer labels, class names, or (all numbers, some not integers) one target.
    int regression = ncol > 2;
    int names = 0;
    if (ncol == 2) {
        size_t n_int = 0, n_num = 0;
        long long iv;
        for (size_t i = 0; i < n; i++) {
            const char *f = recs->v[first + i].fields.v[1];
            n_int += (size_t)parse_label_int(f, &iv);
            n_num += (size_t)parse_number(f, &dv);
        }
        if (n_int == n) {
            regression = 0;
        } else if (n_num == n) {
            regression = 1;
        } else if (n_num == 0) {
            names = 1;
        } else {
            // Mixed: name the first line whose kind differs from line 1's.
            int kind0 = parse_number(recs->v[first].fields.v[1], &dv);
            for (size_t i = 1; i < n; i++) {
                record *r = &recs->v[first + i];
                if (parse_number(r->fields.v[1], &dv) != kind0)
                    return inv_fail(
                        INV_EFORMAT, "%s:%ld: label '%s' mixes %s with the %s labels of line %ld",
                        name, r->line, r->fields.v[1], kind0 ? "a class name" : "a number",
                        kind0 ? "numeric" : "class-name", recs->v[first].line);
            }
            return inv_fail(INV_EFORMAT, "%s: mixed numeric and class-name labels", name);
        }
    }

    if (regression) {
        size_t k = ncol - 1;
        m->k = (int)k;
        if (n > SIZE_MAX / sizeof(float) / k)
            return inv_fail(INV_ERANGE, "%s: too many targets", name);
        m->targets = malloc(n * k * sizeof *m->targets);
        INV_CHECK_ALLOC(m->targets, n * k * sizeof *m->targets, name);
        for (size_t i = 0; i < n; i++) {
            record *r = &recs->v[first + i];
            for (size_t j = 0; j < k; j++) {
                const char *f = r->fields.v[1 + j];
                double x;
                if (!parse_number(f, &x))
                    return inv_fail(INV_EFORMAT, "%s:%ld: target %zu ('%s') is not a number", name,
                                    r->line, j + 1, f);
                if (!isfinite(x) || fabs(x) > FLT_MAX)
                    return inv_fail(INV_EFORMAT,
                                    "%s:%ld: target %zu ('%s') is not a finite float32 value", name,
                                    r->line, j + 1, f);
                m->targets[i * k + j] = (float)x;
            }
        }
        return INV_OK;
    }

    m->labels = malloc(n * sizeof *m->labels);
    INV_CHECK_ALLOC(m->labels, n * sizeof *m->labels, name);
    if (!names) {
        long long maxl = -1;
        for (size_t i = 0; i < n; i++) {
            record *r = &recs->v[first + i];
            long long v = 0;
            parse_label_int(r->fields.v[1], &v);
            if (v < 0 || v > INT32_MAX - 1)
                return inv_fail(INV_ERANGE, "%s:%ld: label %s outside 0..%d", name, r->line,
                                r->fields.v[1], INT32_MAX - 1);
            m->labels[i] = (int32_t)v;
            if (v > maxl) maxl = v;
        }
        m->nclasses = (int)(maxl + 1);
        return INV_OK;
    }

    // Class names: sorted unique names numbered from 0.
    char **sorted = malloc(n * sizeof *sorted);
    INV_CHECK_ALLOC(sorted, n * sizeof *sorted, name);
    for (size_t i = 0; i < n; i++) {
        sorted[i] = recs->v[first + i].fields.v[1];
        if (!sorted[i][0]) {
            free(sorted);
            return inv_fail(INV_EFORMAT, "%s:%ld: empty label", name, recs->v[first + i].line);
        }
    }
    qsort(sorted, n, sizeof *sorted, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || strcmp(sorted[u - 1], sorted[i]) != 0) sorted[u++] = sorted[i];
    m->class_names = calloc(u, sizeof *m->class_names);
    if (!m->class_names) {
        free(sorted);
        return inv_fail(INV_ENOMEM, "%s: out of memory", name);
    }
    m->nclasses = (int)u;
    for (size_t i = 0; i < u; i++) {
        m->class_names[i] = strdup(sorted[i]);
        if (!m->class_names[i]) {
            free(sorted);
            return inv_fail(INV_ENOMEM, "%s: out of memory", name);
        }
    }
    for (size_t i = 0; i < n; i++) {
        char *key = recs->v[first + i].fields.v[1];
        char **hit = bsearch(&key, sorted, u, sizeof *sorted, cmp_str);
        m->labels[i] = (int32_t)(hit - sorted);
    }
    free(sorted);
    return INV_OK;
}

int manifest_parse_csv(const char *text, size_t len, const char *name, const char *base_dir,
                       manifest *m) {
    memset(m, 0, sizeof *m);
    if (!name) name = "manifest";
    recvec recs = {0};
    int rc = read_records(text, len, name, &recs);
    if (rc == INV_OK) rc = build_manifest(&recs, name, base_dir, m);
    recvec_free(&recs);
    if (rc != INV_OK) manifest_free(m);
    return rc;
}

int manifest_read_csv(const char *csv_path, manifest *m) {
    memset(m, 0, sizeof *m);
    FILE *f = fopen(csv_path, "rb");
    INV_CHECK_IO(f, csv_path, "cannot open");
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = INV_OK;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? 2 * cap : 65536;
            char *t = realloc(text, cap);
            if (!t) {
                rc = inv_fail(INV_ENOMEM, "%s: out of memory", csv_path);
                goto done;
            }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        rc = inv_fail_errno(csv_path, "cannot read");
        goto done;
    }
    char *dir = strdup(csv_path);
    if (!dir) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", csv_path);
        goto done;
    }
    char *slash = strrchr(dir, '/');
    if (!slash)
        dir[0] = 0;
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    rc = manifest_parse_csv(text, len, csv_path, dir, m);
    free(dir);
done:
    free(text);
    fclose(f);
    return rc;
}

// ---- image folder ----------------------------------------------------------------------------

// torchvision's IMG_EXTENSIONS (matched case-insensitively); only JPEG and PNG are decodable.
static int image_extension(const char *fname, int *decodable) {
    static const char *ok[] = {".jpg", ".jpeg", ".png"};
    static const char *other[] = {".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"};
    size_t n = strlen(fname);
    for (size_t i = 0; i < 3; i++) {
        size_t k = strlen(ok[i]);
        if (n >= k && strcasecmp(fname + n - k, ok[i]) == 0) return *decodable = 1, 1;
    }
    for (size_t i = 0; i < 6; i++) {
        size_t k = strlen(other[i]);
        if (n >= k && strcasecmp(fname + n - k, other[i]) == 0) return *decodable = 0, 1;
    }
    return 0;
}

static char *join2(const char *a, const char *b) {
    size_t x = strlen(a), y = strlen(b);
    char *s = malloc(x + y + 2);
    if (!s) return NULL;
    memcpy(s, a, x);
    s[x] = '/';
    memcpy(s + x + 1, b, y + 1);
    return s;
}

// Lists the entries of `dir` (without . and ..), sorted by name.
static int list_dir(const char *dir, strvec *names) {
    DIR *d = opendir(dir);
    if (!d) return inv_fail_errno(dir, "cannot open folder");
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *s = strdup(e->d_name);
        if (!s || strvec_push(names, s) != 0) {
            free(s);
            closedir(d);
            return inv_fail(INV_ENOMEM, "%s: out of memory", dir);
        }
    }
    closedir(d);
    if (names->n > 1) qsort(names->v, names->n, sizeof *names->v, cmp_str);
    return INV_OK;
}

typedef struct {
    char *path;
    char *dir; // the folder holding it (sort key, as Python's sorted(os.walk(...)))
    char *fname;
} folder_file;

static int cmp_folder_file(const void *a, const void *b) {
    const folder_file *x = a, *y = b;
    int c = strcmp(x->dir, y->dir);
    return c ? c : strcmp(x->fname, y->fname);
}

typedef struct {
    folder_file *v;
    size_t n, cap;
} filevec;

static void filevec_free(filevec *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
        free(f->v[i].dir);
        free(f->v[i].fname);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}

// Walks `dir` recursively (following links, as ImageFolder's os.walk(followlinks=True)),
// collecting image files.
static int walk_class(const char *dir, int depth, filevec *out) {
    if (depth > 32)
        return inv_fail(INV_EFORMAT, "%s: folders nested more than 32 deep (a link loop?)", dir);
    strvec names = {0};
    int rc = list_dir(dir, &names);
    for (size_t i = 0; rc == INV_OK && i < names.n; i++) {
        char *p = join2(dir, names.v[i]);
        if (!p) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", dir);
            break;
        }
        struct stat st;
        if (stat(p, &st) != 0) { // a dangling link: os.walk lists it as a file
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = walk_class(p, depth + 1, out);
            free(p);
            continue;
        }
        int decodable = 0;
        if (!image_extension(names.v[i], &decodable)) {
            free(p);
            continue;
        }
        if (!decodable) {
            rc = inv_fail(INV_EUNSUPPORTED,
                          "%s: only JPEG and PNG images can be read (convert this file, or move "
                          "it out of the folder)",
                          p);
            free(p);
            break;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 256;
            folder_file *v = realloc(out->v, cap * sizeof *v);
            if (!v) {
                free(p);
                rc = inv_fail(INV_ENOMEM, "%s: out of memory", dir);
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        folder_file *ff = &out->v[out->n];
        ff->path = p;
        ff->dir = strdup(dir);
        ff->fname = strdup(names.v[i]);
        out->n++;
        if (!ff->dir || !ff->fname) rc = inv_fail(INV_ENOMEM, "%s: out of memory", dir);
    }
    strvec_free(&names);
    return rc;
}

int manifest_scan_folder(const char *root, manifest *m) {
    memset(m, 0, sizeof *m);
    strvec entries = {0}, classes = {0};
    filevec all = {0};
    int32_t *labels = NULL;
    size_t nlab = 0, caplab = 0;
    int rc = list_dir(root, &entries);
    for (size_t i = 0; rc == INV_OK && i < entries.n; i++) {
        char *p = join2(root, entries.v[i]);
        struct stat st;
        if (!p) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", root);
            break;
        }
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *s = strdup(entries.v[i]);
            if (!s || strvec_push(&classes, s) != 0) {
                free(s);
                rc = inv_fail(INV_ENOMEM, "%s: out of memory", root);
            }
        }
        free(p);
    }
    if (rc == INV_OK && classes.n == 0)
        rc = inv_fail(INV_EFORMAT, "%s: no class folders (expected root/CLASS/image.jpg)", root);
    if (rc == INV_OK && classes.n > INT32_MAX)
        rc = inv_fail(INV_ERANGE, "%s: too many classes", root);
    for (size_t c = 0; rc == INV_OK && c < classes.n; c++) {
        char *dir = join2(root, classes.v[c]);
        if (!dir) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", root);
            break;
        }
        size_t start = all.n;
        rc = walk_class(dir, 0, &all);
        if (rc == INV_OK && all.n == start)
            rc = inv_fail(INV_EFORMAT, "%s: class folder holds no .jpg, .jpeg or .png image", dir);
        free(dir);
        if (rc != INV_OK) break;
        qsort(all.v + start, all.n - start, sizeof *all.v, cmp_folder_file);
        if (all.n > caplab) {
            caplab = all.cap;
            int32_t *l = realloc(labels, caplab * sizeof *l);
            if (!l) {
                rc = inv_fail(INV_ENOMEM, "%s: out of memory", root);
                break;
            }
            labels = l;
        }
        while (nlab < all.n) labels[nlab++] = (int32_t)c;
    }
    if (rc == INV_OK) {
        m->n = (int64_t)all.n;
        m->paths = malloc(all.n * sizeof *m->paths);
        if (!m->paths) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", root);
        } else {
            for (size_t i = 0; i < all.n; i++) {
                m->paths[i] = all.v[i].path;
                all.v[i].path = NULL;
            }
            m->labels = labels;
            labels = NULL;
            m->nclasses = (int)classes.n;
            m->class_names = classes.v;
            classes.v = NULL;
            classes.n = classes.cap = 0;
        }
    }
    free(labels);
    filevec_free(&all);
    strvec_free(&classes);
    strvec_free(&entries);
    if (rc != INV_OK) manifest_free(m);
    return rc;
}
