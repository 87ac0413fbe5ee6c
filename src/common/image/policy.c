// policy.c: the built-in augmentation policies of the paper (Appendix A) and the parser of
// policy files (one operation per line with key=value parameters), with validation and
// formatting back to the same text.
#include "image/policy.h"

#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[AUG_OP_COUNT] = {
    "random_resized_crop", "resize",    "center_crop",  "hflip", "vflip",
    "color_jitter",        "grayscale", "gaussian_blur"};
static const char *const jitter_keys[4] = {"brightness", "contrast", "saturation", "hue"};

const char *aug_op_name(aug_op_kind kind) {
    return (unsigned)kind < AUG_OP_COUNT ? op_names[kind] : "?";
}

static void policy_init(aug_policy *p, const char *name) {
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    memcpy(p->mean, mean, sizeof mean);
    memcpy(p->std, std, sizeof std);
}

static aug_op op_default(aug_op_kind kind) {
    aug_op o;
    memset(&o, 0, sizeof o);
    o.kind = kind;
    o.p = 1.0;
    o.filter = RESAMPLE_BILINEAR;
    switch (kind) {
    case AUG_RESIZED_CROP:
        o.scale[0] = 0.08, o.scale[1] = 1.0;
        o.ratio[0] = 3.0 / 4.0, o.ratio[1] = 4.0 / 3.0;
        break;
    case AUG_HFLIP:
    case AUG_VFLIP:
        o.p = 0.5;
        break;
    case AUG_GRAYSCALE:
        o.p = 0.1;
        break;
    case AUG_GAUSSIAN_BLUR:
        o.sigma[0] = 0.1, o.sigma[1] = 2.0;
        break;
    default:
        break;
    }
    return o;
}

// torchvision ColorJitter._check_input for a single value v.
static void jitter_set(aug_op *o, int which, double v) {
    if (which == 3) {
        o->range[3][0] = -v, o->range[3][1] = v;
    } else {
        o->range[which][0] = fmax(0.0, 1.0 - v), o->range[which][1] = 1.0 + v;
    }
    o->active[which] = v != 0;
}

static void add_moco_appearance(aug_policy *p) {
    aug_op j = op_default(AUG_COLOR_JITTER);
    jitter_set(&j, 0, 0.4), jitter_set(&j, 1, 0.4), jitter_set(&j, 2, 0.4), jitter_set(&j, 3, 0.1);
    j.p = 0.8;
    p->ops[p->nops++] = j;
    aug_op g = op_default(AUG_GRAYSCALE);
    g.p = 0.2;
    p->ops[p->nops++] = g;
    aug_op b = op_default(AUG_GAUSSIAN_BLUR);
    b.p = 0.5;
    p->ops[p->nops++] = b;
}

int policy_builtin(const char *name, aug_policy *p) {
    aug_op crop = op_default(AUG_RESIZED_CROP);
    crop.size = 224;
    crop.scale[0] = 0.2;
    if (!strcmp(name, "default")) {
        // MoCo-v2: crop, jitter p=0.8, grayscale p=0.2, blur p=0.5, flip.
        policy_init(p, name);
        p->ops[p->nops++] = crop;
        add_moco_appearance(p);
        p->ops[p->nops++] = op_default(AUG_HFLIP);
    } else if (!strcmp(name, "spatial")) {
        policy_init(p, name);
        p->ops[p->nops++] = crop;
        p->ops[p->nops++] = op_default(AUG_HFLIP);
    } else if (!strcmp(name, "appearance")) {
        policy_init(p, name);
        aug_op r = op_default(AUG_RESIZE), c = op_default(AUG_CENTER_CROP);
        r.size = c.size = 224;
        p->ops[p->nops++] = r;
        p->ops[p->nops++] = c;
        add_moco_appearance(p);
    } else {
        return inv_fail(INV_EINVAL, "unknown policy '%s' (built in: default, spatial, appearance)",
                        name);
    }
    return policy_validate(p, name);
}

// ---- parsing ----------------------------------------------------------------------------------

typedef struct {
    const char *source;
    int line;
} where;

static int perr(const where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(const where *w, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return inv_fail(INV_EFORMAT, "%s:%d: %s", w->source, w->line, msg);
}

// Parses 1..max comma-separated finite numbers; returns the count through *n.
static int parse_numbers(const where *w, const char *key, const char *text, double *v, int max,
                         int *n) {
    *n = 0;
    const char *s = text;
    while (1) {
        if (*n == max) return perr(w, "%s: more than %d values in '%s'", key, max, text);
        char *end;
        errno = 0;
        double x = strtod(s, &end);
        if (end == s || errno == ERANGE || !isfinite(x) || (*end && *end != ','))
            return perr(w, "%s: '%s' is not a number or a comma-separated list of numbers", key,
                        text);
        v[(*n)++] = x;
        if (!*end) break;
        s = end + 1;
    }
    return INV_OK;
}

static int want_range(const where *w, const char *key, const char *text, double out[2]) {
    double v[2];
    int n;
    INV_TRY(parse_numbers(w, key, text, v, 2, &n));
    if (n != 2) return perr(w, "%s: expected two values lo,hi, got '%s'", key, text);
    out[0] = v[0], out[1] = v[1];
    return INV_OK;
}

static int want_one(const where *w, const char *key, const char *text, double *out) {
    int n;
    INV_TRY(parse_numbers(w, key, text, out, 1, &n));
    return INV_OK;
}

static int parse_op_key(const where *w, aug_op *o, const char *key, const char *val) {
    double v[3];
    int n;
    if (!strcmp(key, "p") && o->kind != AUG_RESIZE && o->kind != AUG_CENTER_CROP &&
        o->kind != AUG_RESIZED_CROP)
        return want_one(w, key, val, &o->p);
    switch (o->kind) {
    case AUG_RESIZED_CROP:
    case AUG_RESIZE:
    case AUG_CENTER_CROP:
        if (!strcmp(key, "size")) {
            INV_TRY(want_one(w, key, val, v));
            if (v[0] != floor(v[0]) || v[0] < 1 || v[0] > AUG_MAX_SIZE)
                return perr(w, "size: '%s' is not an integer in 1..%d", val, AUG_MAX_SIZE);
            o->size = (int)v[0];
            return INV_OK;
        }
        if (o->kind == AUG_CENTER_CROP) break;
        if (!strcmp(key, "interpolation")) {
            if (!strcmp(val, "bilinear"))
                o->filter = RESAMPLE_BILINEAR;
            else if (!strcmp(val, "bicubic"))
                o->filter = RESAMPLE_BICUBIC;
            else
                return perr(w, "interpolation: '%s' (bilinear or bicubic)", val);
            return INV_OK;
        }
        if (o->kind == AUG_RESIZED_CROP && !strcmp(key, "scale"))
            return want_range(w, key, val, o->scale);
        if (o->kind == AUG_RESIZED_CROP && !strcmp(key, "ratio"))
            return want_range(w, key, val, o->ratio);
        break;
    case AUG_COLOR_JITTER:
        for (int j = 0; j < 4; j++)
            if (!strcmp(key, jitter_keys[j])) {
                INV_TRY(parse_numbers(w, key, val, v, 2, &n));
                if (n == 1) {
                    if (v[0] < 0) return perr(w, "%s: %g must be >= 0", key, v[0]);
                    if (j == 3 && v[0] > 0.5) return perr(w, "hue: %g must be <= 0.5", v[0]);
                    jitter_set(o, j, v[0]);
                } else {
                    o->range[j][0] = v[0], o->range[j][1] = v[1];
                    o->active[j] = !(v[0] == v[1] && v[0] == (j == 3 ? 0.0 : 1.0));
                }
                return INV_OK;
            }
        break;
    case AUG_GAUSSIAN_BLUR:
        if (!strcmp(key, "sigma")) {
            INV_TRY(parse_numbers(w, key, val, v, 2, &n));
            o->sigma[0] = v[0], o->sigma[1] = n == 2 ? v[1] : v[0];
            return INV_OK;
        }
        break;
    default:
        break;
    }
    return perr(w, "%s: unknown parameter '%s'", aug_op_name(o->kind), key);
}

static int parse_normalize(const where *w, aug_policy *p, const char *key, const char *val) {
    double v[3];
    int n;
    if (strcmp(key, "mean") && strcmp(key, "std"))
        return perr(w, "normalize: unknown parameter '%s' (mean, std)", key);
    INV_TRY(parse_numbers(w, key, val, v, 3, &n));
    if (n != 3) return perr(w, "%s: expected three values, got '%s'", key, val);
    for (int i = 0; i < 3; i++) {
        if (!strcmp(key, "std") && !(v[i] > 0)) return perr(w, "std: values must be > 0");
        (!strcmp(key, "mean") ? p->mean : p->std)[i] = (float)v[i];
    }
    return INV_OK;
}

int policy_parse(const char *text, const char *source, aug_policy *p) {
    policy_init(p, source);
    where w = {source, 0};
    const char *s = text;
    char line[1024];
    while (*s) {
        w.line++;
        size_t len = strcspn(s, "\n");
        if (len >= sizeof line) return perr(&w, "line longer than %zu characters", sizeof line - 1);
        memcpy(line, s, len);
        line[len] = 0;
        s += len + (s[len] == '\n');
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *tok[32];
        int nt = 0;
        for (char *t = strtok(line, " \t\r"); t; t = strtok(NULL, " \t\r")) {
            if (nt == 32) return perr(&w, "too many parameters");
            tok[nt++] = t;
        }
        if (nt == 0) continue;
        for (const char *c = tok[0]; *c; c++)
            if (!isprint((unsigned char)*c))
                return perr(&w, "unprintable character in the operation name");
        int is_norm = !strcmp(tok[0], "normalize");
        aug_op o;
        if (!is_norm) {
            int kind = -1;
            for (int k = 0; k < AUG_OP_COUNT; k++)
                if (!strcmp(tok[0], op_names[k])) kind = k;
            if (kind < 0)
                return perr(&w,
                            "unknown operation '%.40s' (random_resized_crop, resize, "
                            "center_crop, hflip, vflip, color_jitter, grayscale, "
                            "gaussian_blur, normalize)",
                            tok[0]);
            if (p->nops == AUG_MAX_OPS) return perr(&w, "more than %d operations", AUG_MAX_OPS);
            o = op_default((aug_op_kind)kind);
        }
        for (int i = 1; i < nt; i++) {
            char *eq = strchr(tok[i], '=');
            if (!eq || eq == tok[i] || !eq[1]) return perr(&w, "'%.40s' is not key=value", tok[i]);
            *eq = 0;
            for (int j = 1; j < i; j++)
                if (!strcmp(tok[j], tok[i])) return perr(&w, "parameter '%s' given twice", tok[i]);
            INV_TRY(is_norm ? parse_normalize(&w, p, tok[i], eq + 1)
                            : parse_op_key(&w, &o, tok[i], eq + 1));
        }
        if (!is_norm) {
            if ((o.kind == AUG_RESIZED_CROP || o.kind == AUG_RESIZE || o.kind == AUG_CENTER_CROP) &&
                o.size == 0)
                return perr(&w, "%s: size=N is required", aug_op_name(o.kind));
            p->ops[p->nops++] = o;
        }
    }
    if (p->nops == 0) return inv_fail(INV_EFORMAT, "%s: no operations in the policy", source);
    return policy_validate(p, source);
}

int policy_set_size(aug_policy *p, int size) {
    int any = 0;
    for (int i = 0; i < p->nops; i++) {
        aug_op *op = &p->ops[i];
        if (op->kind == AUG_RESIZED_CROP || op->kind == AUG_RESIZE || op->kind == AUG_CENTER_CROP)
            op->size = size, any = 1;
    }
    if (!any)
        return inv_fail(INV_EINVAL, "--size %d: policy '%s' has no crop or resize to set", size,
                        p->name);
    return INV_OK;
}

int policy_validate(aug_policy *p, const char *source) {
    int fixed = 0;
    for (int i = 0; i < p->nops; i++) {
        const aug_op *o = &p->ops[i];
        const char *nm = aug_op_name(o->kind);
        if (!(o->p >= 0 && o->p <= 1))
            return inv_fail(INV_EINVAL, "%s: %s: p=%g outside [0, 1]", source, nm, o->p);
        switch (o->kind) {
        case AUG_RESIZED_CROP:
            if (!(o->scale[0] > 0 && o->scale[0] <= o->scale[1]))
                return inv_fail(INV_EINVAL, "%s: %s: scale %g,%g must satisfy 0 < lo <= hi", source,
                                nm, o->scale[0], o->scale[1]);
            if (!(o->ratio[0] > 0 && o->ratio[0] <= o->ratio[1]))
                return inv_fail(INV_EINVAL, "%s: %s: ratio %g,%g must satisfy 0 < lo <= hi", source,
                                nm, o->ratio[0], o->ratio[1]);
            /* fall through */
        case AUG_CENTER_CROP:
        case AUG_RESIZE:
            if (o->size < 1 || o->size > AUG_MAX_SIZE)
                return inv_fail(INV_EINVAL, "%s: %s: size %d outside 1..%d", source, nm, o->size,
                                AUG_MAX_SIZE);
            fixed = o->kind == AUG_RESIZE ? 0 : o->size;
            break;
        case AUG_COLOR_JITTER:
            for (int j = 0; j < 4; j++) {
                const double *r = o->range[j];
                double lo = j == 3 ? -0.5 : 0.0, hi = j == 3 ? 0.5 : INFINITY;
                if (!(r[0] >= lo && r[0] <= r[1] && r[1] <= hi))
                    return inv_fail(INV_EINVAL,
                                    "%s: %s: %s range %g,%g must satisfy %g <= lo <= "
                                    "hi <= %g",
                                    source, nm, jitter_keys[j], r[0], r[1], lo, hi);
            }
            break;
        case AUG_GAUSSIAN_BLUR:
            if (!(o->sigma[0] >= 0 && o->sigma[0] <= o->sigma[1] && o->sigma[1] <= 1000))
                return inv_fail(INV_EINVAL,
                                "%s: %s: sigma %g,%g must satisfy 0 <= lo <= hi <= 1000", source,
                                nm, o->sigma[0], o->sigma[1]);
            break;
        default:
            break;
        }
    }
    if (!fixed)
        return inv_fail(INV_EINVAL,
                        "%s: the policy's output size is not fixed: it must end "
                        "(after its last resize) with random_resized_crop or center_crop",
                        source);
    for (int c = 0; c < 3; c++)
        if (!(p->std[c] > 0) || !isfinite(p->mean[c]))
            return inv_fail(INV_EINVAL, "%s: normalize: std must be > 0 and mean finite", source);
    p->out_size = fixed;
    return INV_OK;
}

int policy_load(const char *name_or_path, aug_policy *p) {
    if (!strcmp(name_or_path, "default") || !strcmp(name_or_path, "spatial") ||
        !strcmp(name_or_path, "appearance"))
        return policy_builtin(name_or_path, p);
    FILE *f = fopen(name_or_path, "rb");
    if (!f)
        return inv_fail(INV_EIO,
                        "%s: not a built-in policy (default, spatial, appearance) and "
                        "cannot open it as a policy file: %s",
                        name_or_path, strerror(errno));
    enum { MAX_BYTES = 1 << 16 };
    char *buf = malloc(MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return inv_fail(INV_ENOMEM, "%s: out of memory", name_or_path);
    }
    size_t n = fread(buf, 1, MAX_BYTES + 1, f);
    int err = ferror(f);
    fclose(f);
    int rc;
    if (err)
        rc = inv_fail(INV_EIO, "%s: read error", name_or_path);
    else if (n > MAX_BYTES)
        rc = inv_fail(INV_EFORMAT, "%s: policy file larger than %d bytes", name_or_path, MAX_BYTES);
    else if (memchr(buf, 0, n))
        rc = inv_fail(INV_EFORMAT, "%s: binary data in a policy file", name_or_path);
    else {
        buf[n] = 0;
        rc = policy_parse(buf, name_or_path, p);
    }
    free(buf);
    return rc;
}

size_t policy_format(const aug_policy *p, char *buf, size_t size) {
    size_t used = 0;
#define OUT(...)                                                                                   \
    do {                                                                                           \
        int k_ =                                                                                   \
            snprintf(buf ? buf + used : NULL, buf && used < size ? size - used : 0, __VA_ARGS__);  \
        if (k_ > 0) used += (size_t)k_;                                                            \
    } while (0)
    if (buf && size) buf[0] = 0;
    OUT("# policy %s (output %dx%d)\n", p->name, p->out_size, p->out_size);
    for (int i = 0; i < p->nops; i++) {
        const aug_op *o = &p->ops[i];
        OUT("%s", aug_op_name(o->kind));
        switch (o->kind) {
        case AUG_RESIZED_CROP:
            OUT(" size=%d scale=%.9g,%.9g ratio=%.9g,%.9g", o->size, o->scale[0], o->scale[1],
                o->ratio[0], o->ratio[1]);
            /* fall through */
        case AUG_RESIZE:
            if (o->kind == AUG_RESIZE) OUT(" size=%d", o->size);
            OUT(" interpolation=%s", o->filter == RESAMPLE_BICUBIC ? "bicubic" : "bilinear");
            break;
        case AUG_CENTER_CROP:
            OUT(" size=%d", o->size);
            break;
        case AUG_COLOR_JITTER:
            for (int j = 0; j < 4; j++)
                if (o->active[j])
                    OUT(" %s=%.9g,%.9g", jitter_keys[j], o->range[j][0], o->range[j][1]);
            break;
        case AUG_GAUSSIAN_BLUR:
            OUT(" sigma=%.9g,%.9g", o->sigma[0], o->sigma[1]);
            break;
        default:
            break;
        }
        if (o->kind != AUG_RESIZED_CROP && o->kind != AUG_RESIZE && o->kind != AUG_CENTER_CROP)
            OUT(" p=%.9g", o->p);
        OUT("\n");
    }
    OUT("normalize mean=%.7g,%.7g,%.7g std=%.7g,%.7g,%.7g\n", p->mean[0], p->mean[1], p->mean[2],
        p->std[0], p->std[1], p->std[2]);
#undef OUT
    return used;
}
