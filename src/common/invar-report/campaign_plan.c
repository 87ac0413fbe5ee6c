// campaign_plan.c: the plan of a campaign: loads the configuration, sets the stages in it with
// their Slurm resources and the probe tasks, has the models (campaign_models.c) and the jobs
// (campaign_jobs.c, campaign_downstream.c) expanded, and writes the plan as tab-separated lines
// that the slurm/ stage scripts and invar-report read. Line kinds (fields tab-separated, '-'
// for an empty field):
//   campaign NAME RUN_DIR RESULTS CONFIG
//   model ID LABEL KIND OBJECTIVE POLICY ARCH STEM WIDTH GRID GRID_VALUES SEED_COPY
//   fusion ID LABEL MEMBER_IDS(comma) L2
//   set NAME PATH          task NAME classify|regress
//   stage NAME NJOBS DEPS(comma) NTASKS CPUS_PER_TASK TIME MEM PARTITION ACCOUNT QOS GRES EXTRA
//   job STAGE INDEX LABEL RANKS OUTPUTS(space-separated) COMMAND INPUTS(space-separated)
//   skip STAGE LABEL REASON
#include "campaign_plan.h"

#include "campaign_jobs.h"
#include "campaign_models.h"
#include "core/error.h"

#include <errno.h>
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

int plan_build(campaign_plan *p, const char *config_path) {
    memset(p, 0, sizeof *p);
    snprintf(p->config_path, sizeof p->config_path, "%s", config_path);
    INV_TRY(config_load(&p->cfg, config_path));
    int rc = INV_OK;
    const campaign_config *c = &p->cfg;
    snprintf(p->name, sizeof p->name, "%s", plan_cfg(p, "campaign", "name", "campaign"));
    snprintf(p->run_dir, sizeof p->run_dir, "%s",
             plan_cfg(p, "campaign", "run_dir", "runs/campaign"));
    char dflt_results[4200];
    snprintf(dflt_results, sizeof dflt_results, "%s/results", p->run_dir);
    snprintf(p->results, sizeof p->results, "%s", plan_cfg(p, "campaign", "results", dflt_results));
    // Stages in this campaign.
    const char *st = plan_cfg(p, "campaign", "stages", "all");
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
    const char *tasks = plan_cfg(p, "probes", "tasks",
                                 "shape:classify,colour:classify,keypoints:regress,pose:regress");
    char tbuf[1024], *titems[16];
    int nt = config_split(tasks, ',', tbuf, sizeof tbuf, titems, 16);
    for (int i = 0; i < nt; i++) {
        char *colon = strchr(titems[i], ':');
        if (colon) *colon = 0;
        const char *kind = colon ? colon + 1 : "";
        if (plan_set_index(titems[i]) < 0 ||
            (strcmp(kind, "classify") && strcmp(kind, "regress"))) {
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
    INV_TRY_GOTO(rc, plan_jobs(p), fail);
    return INV_OK;
fail:
    plan_free(p);
    return rc;
}

void plan_free(campaign_plan *p) {
    for (int i = 0; i < p->njobs; i++) {
        free(p->jobs[i].outputs);
        free(p->jobs[i].command);
        free(p->jobs[i].inputs);
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
        fprintf(out, "job\t%s\t%d\t%s\t%d\t%s\t%s\t%s\n", plan_stage_names[j->stage], j->index,
                j->label, j->ranks, dash(j->outputs), j->command, dash(j->inputs));
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

// 1 when PATH holds exactly TEXT (a grid point's policy file is rewritten only when it changes,
// so that its modification time says when the policy last changed: the runner re-trains a model
// whose inputs are newer than its outputs).
static int same_text(const char *path, const char *text) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t len = strlen(text), pos = 0;
    int same = 1, c;
    while ((c = fgetc(f)) != EOF && same) same = pos < len && text[pos++] == (char)c;
    fclose(f);
    return same && pos == len;
}

int plan_materialize(const campaign_plan *p) {
    char path[4200];
    INV_TRY(mkdir_p(p->run_dir));
    snprintf(path, sizeof path, "%s/policies", p->run_dir);
    for (int i = 0; i < p->nmodels; i++) {
        const plan_model *m = &p->models[i];
        if (!m->policy_text[0]) continue;
        INV_TRY(mkdir_p(path));
        if (same_text(m->policy, m->policy_text)) continue; // kept: its training reads it
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
