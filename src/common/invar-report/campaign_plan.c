// campaign_plan.c: turns a campaign configuration into stages and jobs (one shell command line
// per job, with the files it leaves when complete), and writes the plan as tab-separated lines
// that the slurm/ stage scripts and invar-report read. Line kinds (fields tab-separated, '-'
// for an empty field):
//   campaign NAME RUN_DIR RESULTS CONFIG
//   model ID LABEL KIND OBJECTIVE POLICY ARCH STEM WIDTH GRID GRID_VALUES SEED_COPY
//   fusion ID LABEL MEMBER_IDS(comma) L2
//   set NAME PATH          task NAME classify|regress
//   stage NAME NJOBS DEPS(comma) NTASKS CPUS_PER_TASK TIME MEM PARTITION ACCOUNT QOS GRES EXTRA
//   job STAGE INDEX LABEL RANKS OUTPUTS(space-separated) COMMAND
//   skip STAGE LABEL REASON
#include "campaign_plan.h"

#include "campaign_models.h"
#include "core/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const plan_stage_names[STAGE_COUNT] = {
    "data",    "train", "features", "synthetic", "realworld", "views",
    "compare", "krr",   "linear",   "correlate", "report"};
const char *const plan_set_names[PLAN_MAX_SETS] = {
    "pretrain",  "ident_train",  "ident_test",  "shape",    "colour", "keypoints", "pose",
    "viewpoint", "illumination", "temperature", "exposure", "blur",   "stereo"};

// Which stages each stage waits for (Slurm afterok; the report waits with afterany).
static const unsigned stage_deps[STAGE_COUNT] = {
    [STAGE_DATA] = 0,
    [STAGE_TRAIN] = 1u << STAGE_DATA,
    [STAGE_FEATURES] = 1u << STAGE_DATA | 1u << STAGE_TRAIN,
    [STAGE_SYNTHETIC] = 1u << STAGE_FEATURES | 1u << STAGE_TRAIN,
    [STAGE_REALWORLD] = 1u << STAGE_FEATURES | 1u << STAGE_TRAIN,
    [STAGE_VIEWS] = 1u << STAGE_DATA | 1u << STAGE_TRAIN,
    [STAGE_COMPARE] = 1u << STAGE_SYNTHETIC | 1u << STAGE_REALWORLD,
    [STAGE_KRR] = 1u << STAGE_FEATURES,
    [STAGE_LINEAR] = 1u << STAGE_FEATURES,
    [STAGE_CORRELATE] = 1u << STAGE_SYNTHETIC | 1u << STAGE_REALWORLD | 1u << STAGE_LINEAR,
    [STAGE_REPORT] = 0x3ffu,
};

// ---- small string builder ----------------------------------------------------------------
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || b->oom) return;
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t cap = (b->n + (size_t)need + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

// Appends " ARG" shell-quoted (single quotes unless only safe characters).
static void sb_arg(sbuf *b, const char *arg) {
    int safe = *arg != 0;
    for (const char *p = arg; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=+,-@%", *p))
            safe = 0;
    if (safe) {
        sb_add(b, " %s", arg);
        return;
    }
    sb_add(b, " '");
    for (const char *p = arg; *p; p++) {
        if (*p == '\'')
            sb_add(b, "'\\''");
        else
            sb_add(b, "%c", *p);
    }
    sb_add(b, "'");
}

static void sb_opt(sbuf *b, const char *opt, const char *val) {
    sb_add(b, " %s", opt);
    sb_arg(b, val);
}

// ---- jobs ----------------------------------------------------------------------------------
typedef struct {
    campaign_plan *p;
    unsigned needs; // stages whose outputs this job reads (beyond its stage's own deps)
} job_ctx;

static int add_skip(campaign_plan *p, int stage, const char *label, const char *reason) {
    char **s = realloc(p->skips, (size_t)(p->nskips + 1) * sizeof *s);
    if (!s) return inv_fail(INV_ENOMEM, "plan: out of memory");
    p->skips = s;
    size_t n = strlen(label) + strlen(reason) + 32;
    if (!(s[p->nskips] = malloc(n))) return inv_fail(INV_ENOMEM, "plan: out of memory");
    snprintf(s[p->nskips], n, "%s\t%s\t%s", plan_stage_names[stage], label, reason);
    p->nskips++;
    return INV_OK;
}

// Adds a job unless it needs a stage the campaign leaves out (then records a skip).
static int add_job(campaign_plan *p, int stage, unsigned needs, const char *label, int ranks,
                   sbuf *outputs, sbuf *cmd) {
    int rc = INV_OK;
    if (outputs->oom || cmd->oom) {
        rc = inv_fail(INV_ENOMEM, "plan: out of memory");
        goto done;
    }
    for (int s = 0; s < STAGE_COUNT; s++) {
        if ((needs & (1u << s)) && !p->stages[s].included) {
            char why[128];
            snprintf(why, sizeof why, "needs stage %s, which [campaign] stages leaves out",
                     plan_stage_names[s]);
            rc = add_skip(p, stage, label, why);
            goto done;
        }
    }
    if (!p->stages[stage].included) {
        rc = add_skip(p, stage, label, "its stage is left out by [campaign] stages");
        goto done;
    }
    if (p->njobs == PLAN_MAX_JOBS) {
        rc = inv_fail(INV_EINVAL, "%s: more than %d jobs", p->config_path, PLAN_MAX_JOBS);
        goto done;
    }
    plan_job *j = &p->jobs[p->njobs++];
    j->stage = stage;
    j->index = p->stages[stage].njobs++;
    snprintf(j->label, sizeof j->label, "%s", label);
    j->ranks = ranks;
    j->outputs = outputs->s ? outputs->s : calloc(1, 1);
    j->command = cmd->s;
    return INV_OK;
done:
    free(outputs->s);
    free(cmd->s);
    return rc;
}

static const char *set_path(const campaign_plan *p, const char *name) {
    for (int i = 0; i < PLAN_MAX_SETS; i++)
        if (!strcmp(plan_set_names[i], name)) return p->sets[i];
    return "";
}

static int set_index(const char *name) {
    for (int i = 0; i < PLAN_MAX_SETS; i++)
        if (!strcmp(plan_set_names[i], name)) return i;
    return -1;
}

static void common_opts(const campaign_plan *p, sbuf *cmd) {
    long threads = 0;
    config_get_int(&p->cfg, "campaign", "", "threads", 0, 0, 4096, &threads);
    if (threads > 0) sb_add(cmd, " --threads %ld", threads);
}

static void model_opts(const plan_model *m, sbuf *cmd) {
    sb_opt(cmd, "--model", m->checkpoint);
    sb_add(cmd, " --arch %s --stem %s --width %g", m->arch, m->stem, m->width);
    if (m->kind == MODEL_RANDOM) sb_add(cmd, " --seed %ld", m->seed);
}

static unsigned model_needs(const plan_model *m) {
    return m->kind == MODEL_TRAINED ? 1u << STAGE_TRAIN : 0;
}

static int stage_ranks(const campaign_plan *p, int stage) {
    return (int)p->stages[stage].ntasks;
}

static const char *cfg(const campaign_plan *p, const char *kind, const char *key,
                       const char *dflt) {
    const char *v = config_get(&p->cfg, kind, "", key);
    return v ? v : dflt;
}

static int data_jobs(campaign_plan *p) {
    sbuf out = {0}, cmd = {0};
    const char *source = cfg(p, "data", "source", "world");
    if (!strcmp(source, "world")) {
        const char *preset = cfg(p, "data", "preset", "default");
        if (strcmp(preset, "tiny") && strcmp(preset, "default") && strcmp(preset, "paper"))
            return inv_fail(INV_EINVAL, "%s: [data] preset '%s': expected tiny, default or paper",
                            config_source(&p->cfg, "data", "", "preset"), preset);
        sb_add(&cmd, "mkdir -p");
        char dir[4200], sheet[4200];
        snprintf(dir, sizeof dir, "%s/data", p->run_dir);
        snprintf(sheet, sizeof sheet, "%s/data/world_sheet.png", p->run_dir);
        sb_arg(&cmd, dir);
        sb_add(&cmd, " && $LAUNCH invar-data world --preset %s", preset);
        long size, seed;
        INV_TRY(config_get_int(&p->cfg, "data", "", "size", 0, 0, 224, &size));
        INV_TRY(config_get_int(&p->cfg, "data", "", "seed", 0, 0, 1L << 40, &seed));
        if (size) sb_add(&cmd, " --size %ld", size);
        sb_add(&cmd, " --seed %ld", seed);
        sb_opt(&cmd, "--out", dir);
        sb_opt(&cmd, "--preview", sheet);
        const char *wa = cfg(p, "data", "world_args", "");
        if (*wa) sb_add(&cmd, " %s", wa);
        common_opts(p, &cmd);
        for (int i = 0; i < PLAN_MAX_SETS; i++) {
            snprintf(p->sets[i], sizeof p->sets[i], "%s/data/%s.nc", p->run_dir, plan_set_names[i]);
            sb_add(&out, "%s%s", i ? " " : "", p->sets[i]);
        }
        sb_add(&out, " %s", sheet);
        return add_job(p, STAGE_DATA, 0, "world", stage_ranks(p, STAGE_DATA), &out, &cmd);
    }
    if (strcmp(source, "paths"))
        return inv_fail(INV_EINVAL, "%s: [data] source '%s': expected world or paths",
                        config_source(&p->cfg, "data", "", "source"), source);
    // Real data sets: each path is checked (invar-data inspect) and linked into RUN_DIR/data.
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/data", p->run_dir);
    sb_add(&cmd, "mkdir -p");
    sb_arg(&cmd, dir);
    int n = 0;
    for (int i = 0; i < PLAN_MAX_SETS; i++) {
        const char *path = config_get(&p->cfg, "data", "", plan_set_names[i]);
        if (!path || !*path) continue;
        snprintf(p->sets[i], sizeof p->sets[i], "%s/%s.nc", dir, plan_set_names[i]);
        sb_add(&cmd, " && invar-data inspect");
        sb_arg(&cmd, path);
        sb_add(&cmd, " >/dev/null && ln -sfn");
        sb_arg(&cmd, path);
        sb_arg(&cmd, p->sets[i]);
        sb_add(&out, "%s%s", n++ ? " " : "", p->sets[i]);
    }
    if (n == 0)
        return inv_fail(INV_EINVAL,
                        "%s: [data] source = paths names no data set (keys pretrain, "
                        "ident_train, ..., stereo)",
                        p->config_path);
    return add_job(p, STAGE_DATA, 0, "link data sets", 1, &out, &cmd);
}

static int train_jobs(campaign_plan *p) {
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        if (m->kind != MODEL_TRAINED) continue;
        sbuf out = {0}, cmd = {0};
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/models/%s", p->run_dir, m->id);
        sb_add(&out, "%s", m->checkpoint);
        sb_add(&cmd, "$LAUNCH invar-train --objective %s", m->objective);
        sb_opt(&cmd, "--data", set_path(p, "pretrain"));
        sb_add(&cmd, " --arch %s --stem %s --width %g", m->arch, m->stem, m->width);
        if (!strcmp(m->objective, "moco"))
            sb_add(&cmd, " --dim %ld --queue %ld --moco-m %g --temperature %g", m->dim, m->queue,
                   m->moco_m, m->temperature);
        sb_add(&cmd, " --batch %ld", m->batch);
        if (m->policy[0]) sb_opt(&cmd, "--policy", m->policy);
        if (m->size) sb_add(&cmd, " --size %ld", m->size);
        sb_add(&cmd, " --epochs %ld --lr %g --seed %ld --save-every %ld --resume auto", m->epochs,
               m->lr, m->seed, m->save_every);
        if (m->keep_epochs[0]) sb_opt(&cmd, "--keep-epochs", m->keep_epochs);
        sb_opt(&cmd, "--out", dir);
        if (m->train_args[0]) sb_add(&cmd, " %s", m->train_args);
        common_opts(p, &cmd);
        INV_TRY(add_job(p, STAGE_TRAIN, 0, m->id, stage_ranks(p, STAGE_TRAIN), &out, &cmd));
    }
    return INV_OK;
}

static void feature_path(const campaign_plan *p, const char *model, const char *set, char *out,
                         size_t size) {
    snprintf(out, size, "%s/features/%s/%s.nc", p->run_dir, model, set);
}

// The members' feature files of a model (one) or fusion (several) joined by '+'.
static void fused_features(const campaign_plan *p, const int *members, int n, const char *set,
                           sbuf *b) {
    for (int k = 0; k < n; k++) {
        char f[4400];
        feature_path(p, p->models[members[k]].id, set, f, sizeof f);
        sb_add(b, "%s%s", k ? "+" : "", f);
    }
}

// Models measured and probed: every model; the "primary" ones (no seed copies or grid points)
// enter the k-way comparisons and the rank correlations unless the config names them.
static int primary(const plan_model *m) {
    return !m->seed_copy && !m->grid[0];
}

static int model_list(campaign_plan *p, const char *key, int *idx) {
    const char *v = config_get(&p->cfg, "sweeps", "", key);
    int n = 0;
    if (!v) {
        for (int i = 0; i < p->nmodels; i++)
            if (primary(&p->models[i])) idx[n++] = i;
        return n;
    }
    char buf[2048], *items[PLAN_MAX_MODELS];
    int k = config_split(v, ',', buf, sizeof buf, items, PLAN_MAX_MODELS);
    for (int i = 0; i < k; i++) {
        int mi = -1;
        for (int j = 0; j < p->nmodels; j++)
            if (!strcmp(p->models[j].id, items[i])) mi = j;
        if (mi < 0)
            return -inv_fail(INV_EINVAL, "%s: %s: '%s' is not a model or baseline id",
                             config_source(&p->cfg, "sweeps", "", key), key, items[i]);
        idx[n++] = mi;
    }
    return n;
}

static int set_list(campaign_plan *p, const char *key, const char *dflt, char *buf, size_t size,
                    char **items, int max) {
    const char *v = cfg(p, "sweeps", key, dflt);
    int n = config_split(v, ',', buf, size, items, max);
    for (int i = 0; i < n; i++)
        if (set_index(items[i]) < 0)
            return -inv_fail(INV_EINVAL, "%s: %s: '%s' is not a data set name",
                             config_source(&p->cfg, "sweeps", "", key), key, items[i]);
    return n;
}

static int flag(campaign_plan *p, const char *kind, const char *key, int dflt) {
    int v = dflt;
    if (config_get_bool(&p->cfg, kind, "", key, dflt, &v)) return -1;
    return v;
}

static void preprocess_opts(campaign_plan *p, const char *kind, sbuf *cmd) {
    const char *r = config_get(&p->cfg, kind, "", "resize"),
               *c = config_get(&p->cfg, kind, "", "crop");
    if (r) sb_add(cmd, " --resize %s", r);
    if (c) sb_add(cmd, " --crop %s", c);
}

static int downstream_jobs(campaign_plan *p) {
    int do_syn = flag(p, "sweeps", "synthetic", 1), do_rw = flag(p, "sweeps", "realworld", 1);
    int do_views = flag(p, "sweeps", "views", 1), do_cmp = flag(p, "sweeps", "compare", 1);
    int do_corr = flag(p, "sweeps", "correlate", 1), do_krr = flag(p, "probes", "krr", 1);
    int do_lin = flag(p, "probes", "linear", 1);
    if (do_syn < 0 || do_rw < 0 || do_views < 0 || do_cmp < 0 || do_corr < 0 || do_krr < 0 ||
        do_lin < 0)
        return INV_EINVAL;
    char sbufs[512], *syn_sets[PLAN_MAX_SETS], rbufs[512], *rw_sets[PLAN_MAX_SETS];
    int nsyn = set_list(p, "synthetic_sets", "shape", sbufs, sizeof sbufs, syn_sets, PLAN_MAX_SETS);
    int nrw =
        set_list(p, "realworld_sets", "viewpoint,illumination,temperature,exposure,blur,stereo",
                 rbufs, sizeof rbufs, rw_sets, PLAN_MAX_SETS);
    if (nsyn < 0 || nrw < 0) return -(nsyn < 0 ? nsyn : nrw);
    if (!do_syn) nsyn = 0;
    if (!do_rw) nrw = 0;
    const char *stats = cfg(p, "sweeps", "stats_set", "shape");
    if (set_index(stats) < 0)
        return inv_fail(INV_EINVAL, "%s: stats_set '%s' is not a data set name",
                        config_source(&p->cfg, "sweeps", "", "stats_set"), stats);
    // Feature sets each model needs.
    int need[PLAN_MAX_SETS] = {0};
    // (only for the stages in this campaign)
    do_krr &= p->stages[STAGE_KRR].included;
    do_lin &= p->stages[STAGE_LINEAR].included;
    if (!p->stages[STAGE_SYNTHETIC].included) nsyn = 0;
    if (!p->stages[STAGE_REALWORLD].included) nrw = 0;
    if (do_krr) need[set_index("ident_train")] = need[set_index("ident_test")] = 1;
    if (do_lin)
        for (int t = 0; t < p->ntasks; t++) need[set_index(p->task_name[t])] = 1;
    if (nsyn || nrw) need[set_index(stats)] = 1;
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        for (int s = 0; s < PLAN_MAX_SETS; s++) {
            if (!need[s]) continue;
            char label[256], f[4400];
            snprintf(label, sizeof label, "%s/%s", m->id, plan_set_names[s]);
            if (!p->sets[s][0]) {
                INV_TRY(add_skip(p, STAGE_FEATURES, label, "the data set has no path in [data]"));
                continue;
            }
            sbuf out = {0}, cmd = {0};
            feature_path(p, m->id, plan_set_names[s], f, sizeof f);
            sb_add(&out, "%s", f);
            sb_add(&cmd, "mkdir -p %s/features/%s && $LAUNCH invar-measure features", p->run_dir,
                   m->id);
            model_opts(m, &cmd);
            sb_opt(&cmd, "--data", p->sets[s]);
            sb_opt(&cmd, "--out", f);
            const char *b = config_get(&p->cfg, "features", "", "batch");
            if (b) sb_add(&cmd, " --batch %s", b);
            preprocess_opts(p, "features", &cmd);
            common_opts(p, &cmd);
            INV_TRY(add_job(p, STAGE_FEATURES, model_needs(m) | 1u << STAGE_DATA, label,
                            stage_ranks(p, STAGE_FEATURES), &out, &cmd));
        }
    }
    // Sweeps per model.
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        char statf[4400];
        feature_path(p, m->id, stats, statf, sizeof statf);
        for (int k = 0; k < nsyn + nrw; k++) {
            int syn = k < nsyn;
            const char *set = syn ? syn_sets[k] : rw_sets[k - nsyn];
            int stage = syn ? STAGE_SYNTHETIC : STAGE_REALWORLD;
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/%s", m->id, set);
            if (!set_path(p, set)[0] || !set_path(p, stats)[0]) {
                INV_TRY(add_skip(p, stage, label, "a data set it needs has no path in [data]"));
                continue;
            }
            sbuf out = {0}, cmd = {0};
            snprintf(o, sizeof o, "%s/measure/%s/%s_%s.nc", p->run_dir, m->id,
                     syn ? "synthetic" : "realworld", set);
            sb_add(&out, "%s", o);
            sb_add(&cmd, "mkdir -p %s/measure/%s && $LAUNCH invar-measure %s", p->run_dir, m->id,
                   syn ? "synthetic" : "realworld");
            model_opts(m, &cmd);
            sb_opt(&cmd, "--data", set_path(p, set));
            sb_opt(&cmd, "--stats", statf);
            sb_opt(&cmd, "--out", o);
            if (syn) {
                const char *keys[] = {"images", "grid", "transforms", "batch"};
                for (int q = 0; q < 4; q++) {
                    const char *v = config_get(&p->cfg, "sweeps", "", keys[q]);
                    if (v) sb_add(&cmd, " --%s %s", keys[q], v);
                }
            }
            preprocess_opts(p, "sweeps", &cmd);
            const char *proto = config_get(&p->cfg, "sweeps", "", "protocol");
            if (proto) sb_add(&cmd, " --protocol %s", proto);
            common_opts(p, &cmd);
            INV_TRY(add_job(p, stage, model_needs(m) | 1u << STAGE_FEATURES, label,
                            stage_ranks(p, stage), &out, &cmd));
        }
        if (do_views) {
            const char *vs = cfg(p, "sweeps", "views_set", "shape");
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/%s", m->id, vs);
            if (set_index(vs) < 0)
                return inv_fail(INV_EINVAL, "%s: views_set '%s' is not a data set name",
                                config_source(&p->cfg, "sweeps", "", "views_set"), vs);
            if (!set_path(p, vs)[0]) {
                INV_TRY(add_skip(p, STAGE_VIEWS, label, "the data set has no path in [data]"));
                continue;
            }
            sbuf out = {0}, cmd = {0};
            snprintf(o, sizeof o, "%s/measure/%s/views.nc", p->run_dir, m->id);
            sb_add(&out, "%s", o);
            sb_add(&cmd, "mkdir -p %s/measure/%s && $LAUNCH invar-measure views", p->run_dir,
                   m->id);
            model_opts(m, &cmd);
            sb_opt(&cmd, "--data", set_path(p, vs));
            sb_add(&cmd, " --policy %s --views %s --k %s",
                   cfg(p, "sweeps", "views_policy", "default"),
                   cfg(p, "sweeps", "views_count", "10"), cfg(p, "sweeps", "views_k", "10"));
            const char *vimages = config_get(&p->cfg, "sweeps", "", "views_images");
            if (vimages) sb_add(&cmd, " --images %s", vimages);
            // Views at the size the model was trained at (a baseline: the sweeps' crop).
            int vsize = m->size ? m->size : atoi(cfg(p, "sweeps", "crop", "0"));
            if (vsize > 0) sb_add(&cmd, " --size %d", vsize);
            sb_opt(&cmd, "--out", o);
            common_opts(p, &cmd);
            INV_TRY(add_job(p, STAGE_VIEWS, model_needs(m) | 1u << STAGE_DATA, label,
                            stage_ranks(p, STAGE_VIEWS), &out, &cmd));
        }
    }
    // compare: one job per swept set over the compared models.
    int cmp[PLAN_MAX_MODELS];
    int ncmp = model_list(p, "compare_models", cmp);
    if (ncmp < 0) return -ncmp;
    for (int k = 0; do_cmp && ncmp >= 2 && k < nsyn + nrw; k++) {
        int syn = k < nsyn;
        const char *set = syn ? syn_sets[k] : rw_sets[k - nsyn];
        const char *what = syn ? "synthetic" : "realworld";
        if (!set_path(p, set)[0]) continue;
        sbuf out = {0}, cmd = {0};
        char o[4400], label[128];
        snprintf(label, sizeof label, "%s_%s", what, set);
        snprintf(o, sizeof o, "%s/measure/compare/%s_%s.nc", p->run_dir, what, set);
        sb_add(&out, "%s", o);
        sb_add(&cmd, "mkdir -p %s/measure/compare && invar-measure compare", p->run_dir);
        unsigned needs = 1u << (syn ? STAGE_SYNTHETIC : STAGE_REALWORLD);
        for (int q = 0; q < ncmp; q++) {
            char f[4400];
            snprintf(f, sizeof f, "%s/measure/%s/%s_%s.nc", p->run_dir, p->models[cmp[q]].id, what,
                     set);
            sb_arg(&cmd, f);
            needs |= model_needs(&p->models[cmp[q]]);
        }
        sb_opt(&cmd, "--out", o);
        const char *alpha = config_get(&p->cfg, "sweeps", "", "alpha");
        if (alpha) sb_add(&cmd, " --alpha %s", alpha);
        INV_TRY(add_job(p, STAGE_COMPARE, needs, label, 1, &out, &cmd));
    }
    // Probes per model and fusion.
    int nitems = p->nmodels + p->nfusions;
    for (int it = 0; it < nitems; it++) {
        int single = it < p->nmodels, mem[16], nmem;
        const char *id, *l2;
        unsigned needs = 1u << STAGE_FEATURES;
        if (single) {
            mem[0] = it;
            nmem = 1;
            id = p->models[it].id;
            l2 = p->models[it].l2;
        } else {
            const plan_fusion *f = &p->fusions[it - p->nmodels];
            nmem = f->nmembers;
            memcpy(mem, f->members, sizeof(int) * (size_t)nmem);
            id = f->id;
            l2 = f->l2;
        }
        for (int k = 0; k < nmem; k++) needs |= model_needs(&p->models[mem[k]]);
        if (do_krr) {
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/krr", id);
            if (!set_path(p, "ident_train")[0] || !set_path(p, "ident_test")[0]) {
                INV_TRY(add_skip(p, STAGE_KRR, label, "ident_train/ident_test have no path"));
            } else {
                sbuf out = {0}, cmd = {0};
                snprintf(o, sizeof o, "%s/probe/%s/krr.nc", p->run_dir, id);
                sb_add(&out, "%s", o);
                sb_add(&cmd, "mkdir -p %s/probe/%s && $LAUNCH invar-probe krr --features ",
                       p->run_dir, id);
                fused_features(p, mem, nmem, "ident_train", &cmd);
                sb_opt(&cmd, "--data", set_path(p, "ident_train"));
                sb_add(&cmd, " --test-features ");
                fused_features(p, mem, nmem, "ident_test", &cmd);
                sb_opt(&cmd, "--test-data", set_path(p, "ident_test"));
                sb_opt(&cmd, "--out", o);
                const char *keys[][2] = {
                    {"krr_alpha", "alpha"}, {"krr_gamma", "gamma"}, {"krr_folds", "folds"}};
                for (int q = 0; q < 3; q++) {
                    const char *v = config_get(&p->cfg, "probes", "", keys[q][0]);
                    if (v) sb_add(&cmd, " --%s %s", keys[q][1], v);
                }
                common_opts(p, &cmd);
                INV_TRY(add_job(p, STAGE_KRR, needs, label, stage_ranks(p, STAGE_KRR), &out, &cmd));
            }
        }
        for (int t = 0; do_lin && t < p->ntasks; t++) {
            char label[256], o[4400];
            snprintf(label, sizeof label, "%s/%s", id, p->task_name[t]);
            if (!set_path(p, p->task_name[t])[0]) {
                INV_TRY(add_skip(p, STAGE_LINEAR, label, "the task's data set has no path"));
                continue;
            }
            sbuf out = {0}, cmd = {0};
            snprintf(o, sizeof o, "%s/probe/%s/%s.nc", p->run_dir, id, p->task_name[t]);
            sb_add(&out, "%s", o);
            sb_add(&cmd, "mkdir -p %s/probe/%s && $LAUNCH invar-probe linear --features ",
                   p->run_dir, id);
            fused_features(p, mem, nmem, p->task_name[t], &cmd);
            sb_opt(&cmd, "--data", set_path(p, p->task_name[t]));
            sb_add(&cmd, " --task %s --l2 %s", p->task_kind[t], l2);
            const char *keys[] = {"folds", "max_iter"};
            for (int q = 0; q < 2; q++) {
                const char *v = config_get(&p->cfg, "probes", "", keys[q]);
                if (v) sb_add(&cmd, " --%s %s", q ? "max-iter" : "folds", v);
            }
            int stdz = flag(p, "probes", "standardize", 0); // NOTES.md: features not standardised
            if (stdz < 0) return INV_EINVAL;
            if (stdz) sb_add(&cmd, " --standardize");
            sb_opt(&cmd, "--out", o);
            common_opts(p, &cmd);
            INV_TRY(
                add_job(p, STAGE_LINEAR, needs, label, stage_ranks(p, STAGE_LINEAR), &out, &cmd));
        }
    }
    // Rank correlations over the primary models: E.1 synthetic x real-world, E.2 synthetic x
    // downstream (each model one positional argument: its files joined by '+').
    int cm[PLAN_MAX_MODELS];
    int ncm = model_list(p, "correlate_models", cm);
    if (ncm < 0) return -ncm;
    for (int e = 0; do_corr && ncm >= 3 && nsyn && e < 2; e++) {
        if (e == 0 && !nrw) continue;
        if (e == 1 && !(do_lin && p->ntasks)) continue;
        sbuf out = {0}, cmd = {0};
        char o[4400];
        snprintf(o, sizeof o, "%s/probe/correlate_%s.nc", p->run_dir, e ? "E2" : "E1");
        sb_add(&out, "%s", o);
        sb_add(&cmd, "mkdir -p %s/probe && invar-probe correlate", p->run_dir);
        unsigned needs = 1u << STAGE_SYNTHETIC | (e ? 1u << STAGE_LINEAR : 1u << STAGE_REALWORLD);
        for (int q = 0; q < ncm; q++) {
            const plan_model *m = &p->models[cm[q]];
            needs |= model_needs(m);
            sb_add(&cmd, " %s/measure/%s/synthetic_%s.nc", p->run_dir, m->id, syn_sets[0]);
            int nextra = e ? p->ntasks : nrw;
            for (int k = 0; k < nextra; k++) {
                if (e)
                    sb_add(&cmd, "+%s/probe/%s/%s.nc", p->run_dir, m->id, p->task_name[k]);
                else
                    sb_add(&cmd, "+%s/measure/%s/realworld_%s.nc", p->run_dir, m->id, rw_sets[k]);
            }
        }
        sb_add(&cmd, " --columns %s", e ? "mean_similarity,best_mean" : "mean_similarity");
        sb_opt(&cmd, "--out", o);
        INV_TRY(add_job(p, STAGE_CORRELATE, needs, e ? "E2" : "E1", 1, &out, &cmd));
    }
    // The report: always re-rendered (no outputs to skip on).
    sbuf out = {0}, cmd = {0};
    sb_add(&cmd, "invar-report");
    sb_arg(&cmd, p->run_dir);
    sb_opt(&cmd, "--out", p->results);
    return add_job(p, STAGE_REPORT, 0, "report", 1, &out, &cmd);
}

int plan_build(campaign_plan *p, const char *config_path) {
    memset(p, 0, sizeof *p);
    snprintf(p->config_path, sizeof p->config_path, "%s", config_path);
    INV_TRY(config_load(&p->cfg, config_path));
    int rc = INV_OK;
    const campaign_config *c = &p->cfg;
    snprintf(p->name, sizeof p->name, "%s", cfg(p, "campaign", "name", "campaign"));
    snprintf(p->run_dir, sizeof p->run_dir, "%s", cfg(p, "campaign", "run_dir", "runs/campaign"));
    char dflt_results[4200];
    snprintf(dflt_results, sizeof dflt_results, "%s/results", p->run_dir);
    snprintf(p->results, sizeof p->results, "%s", cfg(p, "campaign", "results", dflt_results));
    // Stages in this campaign.
    const char *st = cfg(p, "campaign", "stages", "all");
    if (!strcmp(st, "all")) {
        for (int s = 0; s < STAGE_COUNT; s++) p->stages[s].included = 1;
    } else {
        char buf[512], *items[STAGE_COUNT + 1];
        int n = config_split(st, ',', buf, sizeof buf, items, STAGE_COUNT + 1);
        for (int i = 0; i < n; i++) {
            int s;
            for (s = 0; s < STAGE_COUNT; s++)
                if (!strcmp(items[i], plan_stage_names[s])) break;
            if (s == STAGE_COUNT) {
                rc = inv_fail(INV_EINVAL,
                              "%s: stages: unknown stage '%s' (stages: data, train, "
                              "features, synthetic, realworld, views, compare, krr, linear, "
                              "correlate, report)",
                              config_source(c, "campaign", "", "stages"), items[i]);
                goto fail;
            }
            p->stages[s].included = 1;
        }
    }
    // Slurm resources: [slurm] defaults, [slurm STAGE] overrides.
    long ranks;
    INV_TRY_GOTO(rc, config_get_int(c, "campaign", "", "ranks", 1, 1, 100000, &ranks), fail);
    for (int s = 0; s < STAGE_COUNT; s++) {
        plan_stage *ps = &p->stages[s];
        const char *sn = plan_stage_names[s];
        long dflt_tasks =
            (s == STAGE_REPORT || s == STAGE_COMPARE || s == STAGE_CORRELATE) ? 1 : ranks;
        long v;
        INV_TRY_GOTO(rc, config_get_int(c, "slurm", "", "ntasks", dflt_tasks, 1, 100000, &v), fail);
        if (s == STAGE_REPORT || s == STAGE_COMPARE || s == STAGE_CORRELATE) v = 1;
        INV_TRY_GOTO(rc, config_get_int(c, "slurm", sn, "ntasks", v, 1, 100000, &ps->ntasks), fail);
        INV_TRY_GOTO(rc, config_get_int(c, "slurm", "", "cpus_per_task", 1, 1, 4096, &v), fail);
        INV_TRY_GOTO(
            rc, config_get_int(c, "slurm", sn, "cpus_per_task", v, 1, 4096, &ps->cpus_per_task),
            fail);
        struct {
            const char *key;
            char *dst;
            size_t size;
            const char *dflt;
        } strs[] = {
            {"time", ps->time, sizeof ps->time, s == STAGE_TRAIN ? "2-00:00:00" : "04:00:00"},
            {"mem", ps->mem, sizeof ps->mem, ""},
            {"partition", ps->partition, sizeof ps->partition, ""},
            {"account", ps->account, sizeof ps->account, ""},
            {"qos", ps->qos, sizeof ps->qos, ""},
            {"gres", ps->gres, sizeof ps->gres, ""},
            {"extra", ps->extra, sizeof ps->extra, ""},
        };
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
            const char *val = config_get(c, "slurm", sn, strs[k].key);
            if (!val) val = config_get(c, "slurm", "", strs[k].key);
            if (!val) val = strs[k].dflt;
            snprintf(strs[k].dst, strs[k].size, "%s", val);
        }
    }
    INV_TRY_GOTO(rc, plan_models(p), fail);
    // Tasks.
    const char *tasks =
        cfg(p, "probes", "tasks", "shape:classify,colour:classify,keypoints:regress,pose:regress");
    char tbuf[1024], *titems[16];
    int nt = config_split(tasks, ',', tbuf, sizeof tbuf, titems, 16);
    for (int i = 0; i < nt; i++) {
        char *colon = strchr(titems[i], ':');
        if (colon) *colon = 0;
        const char *kind = colon ? colon + 1 : "";
        if (set_index(titems[i]) < 0 || (strcmp(kind, "classify") && strcmp(kind, "regress"))) {
            rc = inv_fail(INV_EINVAL,
                          "%s: tasks: '%s' should be SET:classify or SET:regress with "
                          "SET a data set name (shape, colour, keypoints, pose, ...)",
                          config_source(c, "probes", "", "tasks"), titems[i]);
            goto fail;
        }
        snprintf(p->task_name[p->ntasks], sizeof p->task_name[0], "%s", titems[i]);
        snprintf(p->task_kind[p->ntasks], sizeof p->task_kind[0], "%s", kind);
        p->ntasks++;
    }
    if (!(p->jobs = calloc(PLAN_MAX_JOBS, sizeof *p->jobs))) {
        rc = inv_fail(INV_ENOMEM, "plan: out of memory");
        goto fail;
    }
    INV_TRY_GOTO(rc, data_jobs(p), fail);
    INV_TRY_GOTO(rc, train_jobs(p), fail);
    INV_TRY_GOTO(rc, downstream_jobs(p), fail);
    return INV_OK;
fail:
    plan_free(p);
    return rc;
}

void plan_free(campaign_plan *p) {
    for (int i = 0; i < p->njobs; i++) {
        free(p->jobs[i].outputs);
        free(p->jobs[i].command);
    }
    free(p->jobs);
    for (int i = 0; i < p->nskips; i++) free(p->skips[i]);
    free(p->skips);
    config_free(&p->cfg);
    p->jobs = NULL;
    p->skips = NULL;
    p->njobs = p->nskips = 0;
}

static const char *dash(const char *s) {
    return s && *s ? s : "-";
}

void plan_write(const campaign_plan *p, FILE *out) {
    fprintf(out, "# invar campaign plan (invar-report plan %s)\n", p->config_path);
    fprintf(out, "campaign\t%s\t%s\t%s\t%s\n", p->name, p->run_dir, p->results, p->config_path);
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        static const char *kinds[] = {"trained", "random", "checkpoint"};
        fprintf(out, "model\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%g\t%s\t%s\t%d\n", m->id, m->label,
                kinds[m->kind], m->objective, m->policy, m->arch, m->stem, m->width, dash(m->grid),
                dash(m->grid_values), m->seed_copy);
    }
    for (int i = 0; i < p->nfusions; i++) {
        const plan_fusion *f = &p->fusions[i];
        fprintf(out, "fusion\t%s\t%s\t", f->id, f->label);
        for (int k = 0; k < f->nmembers; k++)
            fprintf(out, "%s%s", k ? "," : "", p->models[f->members[k]].id);
        fprintf(out, "\t%s\n", f->l2);
    }
    for (int i = 0; i < PLAN_MAX_SETS; i++)
        if (p->sets[i][0]) fprintf(out, "set\t%s\t%s\n", plan_set_names[i], p->sets[i]);
    for (int i = 0; i < p->ntasks; i++)
        fprintf(out, "task\t%s\t%s\n", p->task_name[i], p->task_kind[i]);
    for (int s = 0; s < STAGE_COUNT; s++) {
        const plan_stage *ps = &p->stages[s];
        if (!ps->included) continue;
        char deps[256] = "";
        for (int d = 0; d < STAGE_COUNT; d++)
            if ((stage_deps[s] & (1u << d)) && p->stages[d].included && p->stages[d].njobs)
                snprintf(deps + strlen(deps), sizeof deps - strlen(deps), "%s%s", *deps ? "," : "",
                         plan_stage_names[d]);
        fprintf(out, "stage\t%s\t%d\t%s\t%ld\t%ld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
                plan_stage_names[s], ps->njobs, dash(deps), ps->ntasks, ps->cpus_per_task,
                dash(ps->time), dash(ps->mem), dash(ps->partition), dash(ps->account),
                dash(ps->qos), dash(ps->gres), dash(ps->extra));
    }
    for (int i = 0; i < p->njobs; i++) {
        const plan_job *j = &p->jobs[i];
        fprintf(out, "job\t%s\t%d\t%s\t%d\t%s\t%s\n", plan_stage_names[j->stage], j->index,
                j->label, j->ranks, dash(j->outputs), j->command);
    }
    for (int i = 0; i < p->nskips; i++) fprintf(out, "skip\t%s\n", p->skips[i]);
}

static int mkdir_p(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *q = tmp + 1; *q; q++) {
        if (*q != '/') continue;
        *q = 0;
        if (mkdir(tmp, 0777) && errno != EEXIST) return inv_fail_errno(tmp, "mkdir");
        *q = '/';
    }
    if (mkdir(tmp, 0777) && errno != EEXIST) return inv_fail_errno(tmp, "mkdir");
    return INV_OK;
}

static int write_atomic(const char *path, const char *text, size_t len) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    INV_CHECK_IO(f, tmp, "create");
    size_t w = fwrite(text, 1, len, f);
    int bad = (w != len) | (fclose(f) != 0);
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return inv_fail_errno(path, "write");
    }
    return INV_OK;
}

int plan_materialize(const campaign_plan *p) {
    char path[4200];
    INV_TRY(mkdir_p(p->run_dir));
    snprintf(path, sizeof path, "%s/policies", p->run_dir);
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        if (!m->policy_text[0]) continue;
        INV_TRY(mkdir_p(path));
        INV_TRY(write_atomic(m->policy, m->policy_text, strlen(m->policy_text)));
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return inv_fail(INV_ENOMEM, "plan: out of memory");
    plan_write(p, mem);
    fclose(mem);
    snprintf(path, sizeof path, "%s/plan.tsv", p->run_dir);
    int rc = write_atomic(path, text, len);
    free(text);
    return rc;
}
