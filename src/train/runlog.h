// runlog.h: the run's NetCDF records. log.nc: per global step loss(step), acc1(step),
// acc5(step) (rank 0's rows, acc in percent), lr(step), pairs_per_s(step), step_s(step) (compute
// seconds), wait_s(step) (seconds waiting for the loader), epoch(step); kept in memory and
// rewritten atomically at each epoch end and checkpoint. views.nc (--save-views N): the first N
// global steps' network inputs im_q(step, b, 3, h, w), im_k (MoCo), idx_shuffle(step, b),
// index(step, b) (shard rows), label(step, b) (supervised).
#ifndef INVAR_TRAIN_RUNLOG_H
#define INVAR_TRAIN_RUNLOG_H

#include "io/ncio.h"

#include <stdint.h>

typedef struct {
    int64_t n, cap;
    double *loss, *acc1, *acc5, *lr, *pairs_per_s, *step_s, *wait_s;
    int32_t *epoch;
} run_log;

void run_log_init(run_log *l);
void run_log_free(run_log *l);
int run_log_append(run_log *l, double loss, double acc1, double acc5, double lr, double pairs_s,
                   double step_s, double wait_s, int epoch);
// Keeps the first n rows read from an existing log.nc (fewer if it holds fewer; a missing file
// gives none): the rows of a resumed run's past steps.
int run_log_load(run_log *l, const char *path, int64_t n);
int run_log_write(const run_log *l, const char *path, const char *config);

typedef struct {
    nc_out out;
    int open;
    int moco, b, s;
    int64_t steps, written;
    int v_q, v_k, v_shuffle, v_index, v_label;
} views_file;

int views_create(views_file *v, const char *path, int moco, int b, int s, int64_t steps,
                 const char *config);
// One step: q, k (b, 3, s, s) (k NULL without MoCo), shuffle, index (b), labels (b or NULL).
int views_append(views_file *v, const float *q, const float *k, const int64_t *shuffle,
                 const int64_t *index, const int32_t *labels);
int views_commit(views_file *v);
void views_abort(views_file *v);

#endif
