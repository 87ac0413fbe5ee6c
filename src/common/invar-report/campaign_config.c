// campaign_config.c: reading a campaign INI file (inih) into a checked key store: includes,
// the known sections and keys of each kind, typed look-ups with FILE:LINE in every message.
#include "campaign_config.h"

#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The keys each section kind accepts. Grid sections accept the model training keys below and
// any "policy.OP.PARAM[,PARAM...]".
static const char *const campaign_keys[] = {"name",    "run_dir", "include", "stages", "ranks",
                                            "threads", "seed",    "results", NULL};
static const char *const data_keys[] = {
    "source",    "preset",       "size",        "seed",     "world_args", "resize",    "crop",
    "pretrain",  "ident_train",  "ident_test",  "shape",    "colour",     "keypoints", "pose",
    "viewpoint", "illumination", "temperature", "exposure", "blur",       "stereo",    NULL};
static const char *const model_keys[] = {
    "label",       "objective",  "policy",     "arch", "stem",   "width",       "epochs",
    "batch",       "queue",      "seeds",      "seed", "lr",     "dim",         "size",
    "keep_epochs", "save_every", "train_args", "l2",   "moco_m", "temperature", NULL};
static const char *const baseline_keys[] = {"label", "kind", "path", "arch", "stem",
                                            "width", "seed", "l2",   NULL};
static const char *const fusion_keys[] = {"label", "members", "l2", NULL};
static const char *const grid_keys[] = {"model", "label", NULL};
static const char *const grid_model_keys[] = {"epochs", "width",       "batch", "queue",
                                              "lr",     "dim",         "size",  "seed",
                                              "moco_m", "temperature", NULL};
static const char *const sweeps_keys[] = {"synthetic",    "synthetic_sets",
                                          "images",       "grid",
                                          "transforms",   "resize",
                                          "crop",         "stats_set",
                                          "realworld",    "realworld_sets",
                                          "views",        "views_set",
                                          "views_count",  "views_k",
                                          "views_policy", "views_images",
                                          "compare",      "compare_models",
                                          "alpha",        "protocol",
                                          "correlate",    "correlate_models",
                                          "series",       "series_models",
                                          "batch",        NULL};
static const char *const probes_keys[] = {"tasks",  "l2",        "folds",     "standardize",
                                          "krr",    "krr_alpha", "krr_gamma", "krr_folds",
                                          "linear", "max_iter",  NULL};
static const char *const features_keys[] = {"batch", "resize", "crop", NULL};
static const char *const slurm_keys[] = {"partition", "account",       "qos", "time",
                                         "ntasks",    "cpus_per_task", "mem", "gres",
                                         "nodes",     "extra",         NULL};

static const struct {
    const char *kind;
    const char *const *keys;
    int has_id; // 0: no id, 1: id required, 2: id optional
} kinds[] = {
    {"campaign", campaign_keys, 0}, {"data", data_keys, 0},     {"model", model_keys, 1},
    {"baseline", baseline_keys, 1}, {"fusion", fusion_keys, 1}, {"grid", grid_keys, 1},
    {"sweeps", sweeps_keys, 0},     {"probes", probes_keys, 0}, {"features", features_keys, 0},
    {"slurm", slurm_keys, 2},
};

static int in_list(const char *const *list, const char *s) {
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], s) == 0) return 1;
    return 0;
}

static char *dup_str(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

typedef struct {
    campaign_config *c;
    const char *path;
    int depth;
    int line; // lines read so far (the reader counts them: Debian's inih passes no line)
    FILE *f;
    char err[1024];
} load_ctx;

static int load_file(campaign_config *c, const char *path, int depth);

static int id_ok(const char *id) {
    if (!*id) return 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') return 0;
    return 1;
}

static int add_section(campaign_config *c, const char *kind, const char *id) {
    char key[512];
    snprintf(key, sizeof key, "%s\t%s", kind, id);
    for (int i = 0; i < c->nsections; i++)
        if (strcmp(c->section_order[i], key) == 0) return 0;
    if (c->nsections == c->section_cap) {
        int cap = c->section_cap ? 2 * c->section_cap : 16;
        char **s = realloc(c->section_order, (size_t)cap * sizeof *s);
        if (!s) return -1;
        c->section_order = s;
        c->section_cap = cap;
    }
    if (!(c->section_order[c->nsections] = dup_str(key))) return -1;
    c->nsections++;
    return 0;
}

// Checks a section header "KIND" or "KIND ID"; returns the kind's index, or -1 with x->err set.
static int check_section(load_ctx *x, const char *section, int lineno, char *kind, char *id) {
    kind[0] = id[0] = 0;
    if (sscanf(section, "%127s %255s", kind, id) < 1) {
        snprintf(x->err, sizeof x->err, "%s:%d: empty section name", x->path, lineno);
        return -1;
    }
    int k = -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, kind) == 0) k = (int)i;
    if (k < 0) {
        snprintf(x->err, sizeof x->err,
                 "%s:%d: unknown section [%s] (known: campaign, data, model ID, baseline ID, "
                 "fusion ID, grid ID, sweeps, probes, features, slurm [STAGE])",
                 x->path, lineno, section);
        return -1;
    }
    if (kinds[k].has_id == 1 && !id_ok(id)) {
        snprintf(x->err, sizeof x->err,
                 "%s:%d: section [%s] needs an id of letters, digits, '_', '-', '.' (it names "
                 "files; use label = for the name shown in tables)",
                 x->path, lineno, section);
        return -1;
    }
    if (kinds[k].has_id == 0 && *id) {
        snprintf(x->err, sizeof x->err, "%s:%d: section [%s] takes no id", x->path, lineno, kind);
        return -1;
    }
    if (add_section(x->c, kind, id)) {
        snprintf(x->err, sizeof x->err, "%s:%d: out of memory", x->path, lineno);
        return -1;
    }
    return k;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
    load_ctx *x = user;
    int lineno = x->line;
    char kind[128], id[256];
    if (!*section) {
        snprintf(x->err, sizeof x->err, "%s:%d: key '%s' outside a section", x->path, lineno, name);
        return 0;
    }
    int k = check_section(x, section, lineno, kind, id);
    if (k < 0) return 0;
    int known = in_list(kinds[k].keys, name);
    if (!known && strcmp(kind, "grid") == 0)
        known = in_list(grid_model_keys, name) ||
                (strncmp(name, "policy.", 7) == 0 && strchr(name + 7, '.'));
    if (!known) {
        snprintf(x->err, sizeof x->err, "%s:%d: unknown key '%s' in [%s]", x->path, lineno, name,
                 section);
        return 0;
    }
    if (strcmp(kind, "campaign") == 0 && strcmp(name, "include") == 0) {
        if (x->depth >= 8) {
            snprintf(x->err, sizeof x->err, "%s:%d: includes nested deeper than 8", x->path,
                     lineno);
            return 0;
        }
        char inc[4096];
        if (value[0] == '/') {
            snprintf(inc, sizeof inc, "%s", value);
        } else { // relative to the including file's folder
            const char *slash = strrchr(x->path, '/');
            int dl = slash ? (int)(slash - x->path + 1) : 0;
            snprintf(inc, sizeof inc, "%.*s%s", dl, x->path, value);
        }
        int rc = load_file(x->c, inc, x->depth + 1);
        if (rc) {
            snprintf(x->err, sizeof x->err, "%s:%d: in included file: %s", x->path, lineno,
                     inv_errmsg());
            return 0;
        }
        return 1;
    }
    campaign_config *c = x->c;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 64;
        config_entry *e = realloc(c->entries, (size_t)cap * sizeof *e);
        if (!e) goto oom;
        c->entries = e;
        c->cap = cap;
    }
    char src[4200];
    snprintf(src, sizeof src, "%s:%d", x->path, lineno);
    config_entry *e = &c->entries[c->n];
    e->kind = dup_str(kind);
    e->id = dup_str(id);
    e->key = dup_str(name);
    e->value = dup_str(value);
    e->source = dup_str(src);
    if (!e->kind || !e->id || !e->key || !e->value || !e->source) goto oom;
    c->n++;
    return 1;
oom:
    snprintf(x->err, sizeof x->err, "%s:%d: out of memory", x->path, lineno);
    return 0;
}

// fgets for inih that counts lines, so that the handler knows where a key was set.
static char *counting_reader(char *str, int num, void *stream) {
    load_ctx *x = stream;
    if (x->err[0]) return NULL; // a bad section header: stop
    char *r = fgets(str, num, x->f);
    if (!r) return r;
    x->line++;
    // Sections are registered when seen (inih calls the handler only for keys), so that a
    // section with every key at its default still exists.
    const char *p = r;
    while (*p == ' ' || *p == '\t') p++;
    const char *close = *p == '[' ? strchr(p, ']') : NULL;
    if (close) {
        char section[512], kind[128], id[256];
        snprintf(section, sizeof section, "%.*s", (int)(close - p - 1), p + 1);
        if (check_section(x, section, x->line, kind, id) < 0) return NULL;
    }
    return r;
}

static int load_file(campaign_config *c, const char *path, int depth) {
    FILE *f = fopen(path, "r");
    if (!f) return inv_fail(INV_EIO, "%s: cannot open campaign file: %s", path, strerror(errno));
    load_ctx x = {.c = c, .path = path, .depth = depth, .f = f};
    int rc = ini_parse_stream(counting_reader, &x, handler, &x);
    fclose(f);
    if (x.err[0]) return inv_fail(INV_EINVAL, "%s", x.err);
    if (rc == 0) return INV_OK;
    if (rc > 0) return inv_fail(INV_EINVAL, "%s:%d: not an INI line", path, rc);
    return inv_fail(INV_EIO, "%s: cannot read", path);
}

int config_load(campaign_config *c, const char *path) {
    memset(c, 0, sizeof *c);
    int rc = load_file(c, path, 0);
    if (rc) config_free(c);
    return rc;
}

void config_free(campaign_config *c) {
    for (int i = 0; i < c->n; i++) {
        free(c->entries[i].kind);
        free(c->entries[i].id);
        free(c->entries[i].key);
        free(c->entries[i].value);
        free(c->entries[i].source);
    }
    free(c->entries);
    for (int i = 0; i < c->nsections; i++) free(c->section_order[i]);
    free(c->section_order);
    memset(c, 0, sizeof *c);
}

static const config_entry *find(const campaign_config *c, const char *kind, const char *id,
                                const char *key) {
    for (int i = c->n - 1; i >= 0; i--) {
        const config_entry *e = &c->entries[i];
        if (strcmp(e->kind, kind) == 0 && strcmp(e->id, id ? id : "") == 0 &&
            strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

const char *config_get(const campaign_config *c, const char *kind, const char *id,
                       const char *key) {
    const config_entry *e = find(c, kind, id, key);
    return e ? e->value : NULL;
}

const char *config_source(const campaign_config *c, const char *kind, const char *id,
                          const char *key) {
    const config_entry *e = find(c, kind, id, key);
    return e ? e->source : "(default)";
}

int config_get_int(const campaign_config *c, const char *kind, const char *id, const char *key,
                   long dflt, long min, long max, long *out) {
    const config_entry *e = find(c, kind, id, key);
    if (!e) {
        *out = dflt;
        return INV_OK;
    }
    char *end;
    errno = 0;
    long v = strtol(e->value, &end, 10);
    if (errno || end == e->value || *end || v < min || v > max)
        return inv_fail(INV_EINVAL, "%s: %s = '%s': expected an integer in [%ld, %ld]", e->source,
                        key, e->value, min, max);
    *out = v;
    return INV_OK;
}

int config_get_double(const campaign_config *c, const char *kind, const char *id, const char *key,
                      double dflt, double *out) {
    const config_entry *e = find(c, kind, id, key);
    if (!e) {
        *out = dflt;
        return INV_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(e->value, &end);
    if (errno || end == e->value || *end)
        return inv_fail(INV_EINVAL, "%s: %s = '%s': expected a number", e->source, key, e->value);
    *out = v;
    return INV_OK;
}

int config_get_bool(const campaign_config *c, const char *kind, const char *id, const char *key,
                    int dflt, int *out) {
    const config_entry *e = find(c, kind, id, key);
    if (!e) {
        *out = dflt;
        return INV_OK;
    }
    const char *v = e->value;
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
        *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
        *out = 0;
    else
        return inv_fail(INV_EINVAL, "%s: %s = '%s': expected yes or no", e->source, key, v);
    return INV_OK;
}

int config_section_ids(const campaign_config *c, const char *kind, const char **ids, int max) {
    int n = 0;
    size_t kl = strlen(kind);
    for (int i = 0; i < c->nsections && n < max; i++) {
        const char *s = c->section_order[i];
        if (strncmp(s, kind, kl) == 0 && s[kl] == '\t') ids[n++] = s + kl + 1;
    }
    return n;
}

int config_section_keys(const campaign_config *c, const char *kind, const char *id,
                        const config_entry **keys, int max) {
    int n = 0;
    for (int i = 0; i < c->n; i++) {
        const config_entry *e = &c->entries[i];
        if (strcmp(e->kind, kind) || strcmp(e->id, id)) continue;
        int j;
        for (j = 0; j < n; j++)
            if (strcmp(keys[j]->key, e->key) == 0) break;
        if (j < n)
            keys[j] = e; // a later assignment overrides, keeping the first position
        else if (n < max)
            keys[n++] = e;
    }
    return n;
}

int config_split(const char *text, char sep, char *buf, size_t bufsize, char **items, int max) {
    snprintf(buf, bufsize, "%s", text);
    int n = 0;
    char *p = buf;
    while (n < max) {
        char *next = strchr(p, sep);
        if (next) *next = 0;
        while (isspace((unsigned char)*p)) p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1])) *--end = 0;
        if (!*p) {
            if (!next && n == 0) return 0; // an empty list
            return -1;
        }
        items[n++] = p;
        if (!next) break;
        p = next + 1;
    }
    return n;
}
