// campaign_plan.h: a campaign configuration expanded into a flat, validated plan: the models
// (grids expanded into grid points, seed lists into seed copies), fusions with their shifted l2
// grids, the data sets, and per stage its Slurm resources, dependencies and jobs, each job one
// shell command line with its output and input files. The stage scripts (slurm/) read the plan as
// tab-separated lines (plan_write); invar-report reads it back to know what a run should hold.
#ifndef INVAR_REPORT_CAMPAIGN_PLAN_H
#define INVAR_REPORT_CAMPAIGN_PLAN_H

#include "campaign_config.h"

#include <stdio.h>

enum { PLAN_MAX_MODELS = 256, PLAN_MAX_FUSIONS = 32, PLAN_MAX_JOBS = 8192, PLAN_MAX_SETS = 13 };

typedef enum {
    STAGE_DATA,
    STAGE_TRAIN,
    STAGE_FEATURES,
    STAGE_SYNTHETIC,
    STAGE_REALWORLD,
    STAGE_VIEWS,
    STAGE_COMPARE,
    STAGE_KRR,
    STAGE_LINEAR,
    STAGE_CORRELATE,
    STAGE_REPORT,
    STAGE_COUNT
} plan_stage_id;

typedef enum { MODEL_TRAINED, MODEL_RANDOM, MODEL_CHECKPOINT } plan_model_kind;

typedef struct {
    char id[96], label[128];
    plan_model_kind kind;
    char objective[16], policy[4096], arch[32], stem[16];
    double width, lr, moco_m, temperature;
    long epochs, batch, queue, seed, dim, size, save_every;
    char keep_epochs[256], train_args[1024], l2[64];
    char checkpoint[4096];  // what features/measure load: backbone path or "random"
    char grid[64];          // grid id when a grid point, else ""
    char grid_values[512];  // "key=value key=value" of the grid point
    char policy_text[4096]; // the grid point's policy file text (written by plan_materialize)
    int seed_copy;          // 1 for the extra seeds of a `seeds =` list
} plan_model;

typedef struct {
    char id[96], label[128];
    int members[16], nmembers; // indexes into models
    char l2[64];
} plan_fusion;

typedef struct {
    int stage, index;
    char label[192];
    int ranks;     // MPI ranks (1: run directly)
    char *outputs; // space-separated files that exist when the job is complete
    char *command; // shell command line; $LAUNCH marks where an MPI launcher goes
    char *inputs;  // space-separated files it reads (a job is stale when one is newer)
} plan_job;

typedef struct {
    int included; // in [campaign] stages
    int njobs;
    long ntasks, cpus_per_task;
    char time[32], mem[32], partition[64], account[64], qos[64], gres[64], extra[256];
} plan_stage;

typedef struct {
    campaign_config cfg;
    char config_path[4096];
    char name[64], run_dir[4096], results[4096];
    plan_model models[PLAN_MAX_MODELS];
    int nmodels;
    plan_fusion fusions[PLAN_MAX_FUSIONS];
    int nfusions;
    char sets[PLAN_MAX_SETS][4096]; // path of each data set ("" when unavailable)
    char task_name[16][32], task_kind[16][16];
    int ntasks;
    plan_stage stages[STAGE_COUNT];
    plan_job *jobs;
    int njobs;
    char **skips; // "stage\tlabel\treason"
    int nskips;
} campaign_plan;

extern const char *const plan_stage_names[STAGE_COUNT];
extern const char *const plan_set_names[PLAN_MAX_SETS];

// Loads and expands CONFIG. Every error names the config file and line.
int plan_build(campaign_plan *p, const char *config_path);
void plan_free(campaign_plan *p);
// Writes the plan as tab-separated lines (see plan.c's header for the line kinds).
void plan_write(const campaign_plan *p, FILE *out);
// Creates RUN_DIR and writes RUN_DIR/plan.tsv and the grid points' policy files.
int plan_materialize(const campaign_plan *p);

#endif
