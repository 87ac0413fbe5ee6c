// campaign_jobs.h: the job expander of a campaign plan (internal to invar-report): turns the
// expanded models, fusions, data sets and tasks of a campaign_plan into its stages' jobs, each
// one shell command line with the files it leaves when complete. campaign_jobs.c holds the
// shared parts (command-line builder, job and skip records, look-ups) and the data and train
// jobs; campaign_downstream.c the jobs of every later stage.
#ifndef INVAR_REPORT_CAMPAIGN_JOBS_H
#define INVAR_REPORT_CAMPAIGN_JOBS_H

#include "campaign_plan.h"

#include <stddef.h>

// Fills p->jobs (allocated here) and p->skips from the rest of the plan.
int plan_jobs(campaign_plan *p);
int plan_downstream_jobs(campaign_plan *p);

// A growing string; oom is set (and further adds ignored) when memory runs out.
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

void sb_add(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Appends " ARG" shell-quoted (single quotes unless only safe characters).
void sb_arg(sbuf *b, const char *arg);
// Appends " OPT ARG" with ARG shell-quoted.
void sb_opt(sbuf *b, const char *opt, const char *val);

// Records a job left out ("stage\tlabel\treason").
int plan_add_skip(campaign_plan *p, int stage, const char *label, const char *reason);
// Adds a job unless it needs a stage the campaign leaves out (then records a skip). Takes
// ownership of the outputs, inputs (space-separated files it reads; may be empty) and cmd
// strings.
int plan_add_job(campaign_plan *p, int stage, unsigned needs, const char *label, int ranks,
                 sbuf *outputs, sbuf *inputs, sbuf *cmd);
// Appends " FILE" to a space-separated file list (no leading blank on the first).
void sb_file(sbuf *b, const char *path);

// The path of data set `name` in this campaign ("" when it has none) and its index.
const char *plan_set_path(const campaign_plan *p, const char *name);
int plan_set_index(const char *name);
// Options every program takes ([campaign] threads).
void plan_common_opts(const campaign_plan *p, sbuf *cmd);
// --model/--arch/--stem/--width (and --seed for a random init) of a model.
void plan_model_opts(const plan_model *m, sbuf *cmd);
// Appends the model's checkpoint to a job's inputs (none for a random init).
void plan_model_input(const plan_model *m, sbuf *inputs);
// The stages whose outputs a model's checkpoint comes from (train for a trained model).
unsigned plan_model_needs(const plan_model *m);
int plan_stage_ranks(const campaign_plan *p, int stage);
// The value of [kind] key, or dflt.
const char *plan_cfg(const campaign_plan *p, const char *kind, const char *key, const char *dflt);

#endif
