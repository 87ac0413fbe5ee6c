// options.h: invar-train's configuration: the command line (cli.h), the checks that need no
// data, the derived quantities (groups, rows per rank, learning rate), and the JSON form stored
// in every checkpoint and compared on resume.
#ifndef INVAR_TRAIN_OPTIONS_H
#define INVAR_TRAIN_OPTIONS_H

#include "image/policy.h"
#include "nn/optim.h"

#include <stdint.h>

typedef enum { OBJ_MOCO = 0, OBJ_SUPERVISED = 1 } train_objective;

// Exit status after a checkpoint written on SIGTERM / SIGUSR1 (Slurm: requeue the job).
enum { TRAIN_EXIT_REQUEUE = 3 };

typedef struct {
    // as given
    train_objective objective;
    const char *data, *out, *arch, *stem, *policy_name, *lr_scale, *schedule, *milestones;
    const char *keep_epochs, *resume, *backend;
    double width, moco_m, temperature, lr, momentum, wd;
    int dim, queue, batch, bn_groups, size, epochs, classes, workers;
    int save_initial, save_views, no_shuffle_bn, save_every, force;
    int64_t max_steps;
    double print_every, bucket_mb;
    uint64_t seed;
    int threads;
    // derived
    int ranks, rank;
    int groups_per_rank, group_rows, rank_rows; // G / R, b / G, b / R
    double lr_effective;                        // lr x (b / 256 with --lr-scale linear)
    lr_schedule sched;
    aug_policy policy;
    int nkeep, keep_all;
    int keep[256]; // --keep-epochs
} train_opts;

// Parses argv (exits on --help / usage errors) and checks everything that needs no data.
void train_opts_parse(train_opts *o, int argc, char **argv);
// JSON (malloc'd) of everything that determines the run's results.
char *train_opts_config_json(const train_opts *o);
// Compares a checkpoint's config JSON with this run's: INV_EINVAL naming the first option that
// differs (ranks, threads and output options may differ).
int train_opts_config_compare(const train_opts *o, const char *stored, const char *what);
int train_opts_keeps(const train_opts *o, int epoch);

#endif
