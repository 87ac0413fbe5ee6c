// campaign_jobs.c: the job expander's shared parts (campaign_jobs.h): the shell command-line
// builder, adding a job (or a skip, when it needs a stage the campaign leaves out), the shared
// look-ups, and the data and train stages' jobs. The downstream stages' jobs (features, sweeps,
// probes, correlations, report) are in campaign_downstream.c.
#include "campaign_jobs.h"

#include "core/error.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

// ---- shell command-line builder -----------------------------------------------------------
void sb_add(sbuf *b, const char *fmt, ...) {
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
void sb_arg(sbuf *b, const char *arg) {
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

void sb_opt(sbuf *b, const char *opt, const char *val) {
    sb_add(b, " %s", opt);
    sb_arg(b, val);
}

int plan_add_skip(campaign_plan *p, int stage, const char *label, const char *reason) {
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
int plan_add_job(campaign_plan *p, int stage, unsigned needs, const char *label, int ranks,
                 sbuf *outputs, sbuf *inputs, sbuf *cmd) {
    int rc = INV_OK;
    if (outputs->oom || inputs->oom || cmd->oom) {
        rc = inv_fail(INV_ENOMEM, "plan: out of memory");
        goto done;
    }
    for (int s = 0; s < STAGE_COUNT; s++) {
        if ((needs & (1u << s)) && !p->stages[s].included) {
            char why[128];
            snprintf(why, sizeof why, "needs stage %s, which [campaign] stages leaves out",
                     plan_stage_names[s]);
            rc = plan_add_skip(p, stage, label, why);
            goto done;
        }
    }
    if (!p->stages[stage].included) {
        rc = plan_add_skip(p, stage, label, "its stage is left out by [campaign] stages");
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
    j->inputs = inputs->s ? inputs->s : calloc(1, 1);
    j->command = cmd->s;
    if (!j->outputs || !j->inputs) return inv_fail(INV_ENOMEM, "plan: out of memory");
    return INV_OK;
done:
    free(outputs->s);
    free(inputs->s);
    free(cmd->s);
    return rc;
}

void sb_file(sbuf *b, const char *path) {
    sb_add(b, "%s%s", b->n ? " " : "", path);
}

const char *plan_set_path(const campaign_plan *p, const char *name) {
    for (int i = 0; i < PLAN_MAX_SETS; i++)
        if (!strcmp(plan_set_names[i], name)) return p->sets[i];
    return "";
}

int plan_set_index(const char *name) {
    for (int i = 0; i < PLAN_MAX_SETS; i++)
        if (!strcmp(plan_set_names[i], name)) return i;
    return -1;
}

void plan_common_opts(const campaign_plan *p, sbuf *cmd) {
    long threads = 0;
    config_get_int(&p->cfg, "campaign", "", "threads", 0, 0, 4096, &threads);
    if (threads > 0) sb_add(cmd, " --threads %ld", threads);
}

void plan_model_opts(const plan_model *m, sbuf *cmd) {
    sb_opt(cmd, "--model", m->checkpoint);
    sb_add(cmd, " --arch %s --stem %s --width %g", m->arch, m->stem, m->width);
    if (m->kind == MODEL_RANDOM) sb_add(cmd, " --seed %ld", m->seed);
}

void plan_model_input(const plan_model *m, sbuf *inputs) {
    if (m->kind != MODEL_RANDOM) sb_file(inputs, m->checkpoint);
}

unsigned plan_model_needs(const plan_model *m) {
    return m->kind == MODEL_TRAINED ? 1u << STAGE_TRAIN : 0;
}

int plan_stage_ranks(const campaign_plan *p, int stage) {
    return (int)p->stages[stage].ntasks;
}

const char *plan_cfg(const campaign_plan *p, const char *kind, const char *key, const char *dflt) {
    const char *v = config_get(&p->cfg, kind, "", key);
    return v ? v : dflt;
}

static int data_jobs(campaign_plan *p) {
    sbuf out = {0}, in = {0}, cmd = {0};
    const char *source = plan_cfg(p, "data", "source", "world");
    if (!strcmp(source, "world")) {
        const char *preset = plan_cfg(p, "data", "preset", "default");
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
        const char *wa = plan_cfg(p, "data", "world_args", "");
        if (*wa) sb_add(&cmd, " %s", wa);
        plan_common_opts(p, &cmd);
        for (int i = 0; i < PLAN_MAX_SETS; i++) {
            snprintf(p->sets[i], sizeof p->sets[i], "%s/data/%s.nc", p->run_dir, plan_set_names[i]);
            sb_add(&out, "%s%s", i ? " " : "", p->sets[i]);
        }
        sb_add(&out, " %s", sheet);
        return plan_add_job(p, STAGE_DATA, 0, "world", plan_stage_ranks(p, STAGE_DATA), &out, &in,
                            &cmd);
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
        // (no inputs: a link's time is its target's, and the jobs reading the link see a
        // remade target themselves)
    }
    if (n == 0)
        return inv_fail(INV_EINVAL,
                        "%s: [data] source = paths names no data set (keys pretrain, "
                        "ident_train, ..., stereo)",
                        p->config_path);
    return plan_add_job(p, STAGE_DATA, 0, "link data sets", 1, &out, &in, &cmd);
}

static int train_jobs(campaign_plan *p) {
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        if (m->kind != MODEL_TRAINED) continue;
        sbuf out = {0}, in = {0}, cmd = {0};
        char dir[4200];
        snprintf(dir, sizeof dir, "%s/models/%s", p->run_dir, m->id);
        sb_add(&out, "%s", m->checkpoint);
        sb_file(&in, plan_set_path(p, "pretrain"));
        if (m->policy[0] && strcmp(m->policy, "default") && strcmp(m->policy, "spatial") &&
            strcmp(m->policy, "appearance"))
            sb_file(&in, m->policy); // a policy file (a grid point's is written by the plan)
        sb_add(&cmd, "$LAUNCH invar-train --objective %s", m->objective);
        sb_opt(&cmd, "--data", plan_set_path(p, "pretrain"));
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
        plan_common_opts(p, &cmd);
        INV_TRY(plan_add_job(p, STAGE_TRAIN, 0, m->id, plan_stage_ranks(p, STAGE_TRAIN), &out, &in,
                             &cmd));
    }
    return INV_OK;
}

int plan_jobs(campaign_plan *p) {
    if (!(p->jobs = calloc(PLAN_MAX_JOBS, sizeof *p->jobs)))
        return inv_fail(INV_ENOMEM, "plan: out of memory");
    INV_TRY(data_jobs(p));
    INV_TRY(train_jobs(p));
    return plan_downstream_jobs(p);
}
