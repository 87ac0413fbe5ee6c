// linear_result.h: the score grids of `invar-probe linear` (task x l2 x fold), their gathering
// over ranks, the choice of the best l2, and the NetCDF result file and summary table.
#ifndef INVAR_PROBE_LINEAR_RESULT_H
#define INVAR_PROBE_LINEAR_RESULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    int classify, ntask, nl2, nfold, metric_mean_class, l2_block;
    int64_t kmax, n;
    double *l2;         // (nl2) ascending
    int *nclass;        // (ntask) classify
    int64_t *k;         // (ntask) regress: targets per task
    double *score;      // (task, l2, fold): accuracy / mean per-class accuracy / R^2
    double *accuracy;   // (task, l2, fold) classify
    double *mean_class; // (task, l2, fold) classify
    double *n_iter;     // (task, l2, fold) classify: L-BFGS iterations
    double *r2_target;  // (task, l2, fold, kmax) regress (NaN beyond a task's k)
    int32_t *fold_of;   // (task, n)
    int *best_index;    // (task)
    double *best_l2, *best_mean, *best_std;               // (task)
    double *test_score, *test_accuracy, *test_mean_class; // (task) protocol heldout
    double *test_r2_target;                               // (task, kmax)
    int have_test;
} linear_result;

typedef struct {
    const char *features, *data, *task_kind, *protocol, *metric;
    int standardize;
    uint64_t seed;
    const char *test_features, *test_data;
    const char *const *task_names;
    double seconds;
} linear_result_meta;

// nclass: (ntask) for classify (copied), NULL for regress. All grids start at 0.
int linear_result_init(linear_result *r, int classify, int ntask, int nl2, int nfold, int64_t kmax,
                       int64_t n, const double *l2, const int *nclass);
static inline size_t linear_result_at(const linear_result *r, int task, int l2, int fold) {
    return ((size_t)task * (size_t)r->nl2 + (size_t)l2) * (size_t)r->nfold + (size_t)fold;
}
// Collective: sums the grids over ranks (each entry was computed by exactly one rank, the others
// hold 0, so the sum is exact and the same on every rank count).
int linear_result_gather(linear_result *r);
int linear_result_gather_test(linear_result *r);
// best l2 per task: the largest mean score over folds (the smallest l2 on ties).
void linear_result_choose_best(linear_result *r);
int linear_result_write(const linear_result *r, const char *path, const linear_result_meta *m);
void linear_result_print(const linear_result *r, const linear_result_meta *m, FILE *out);
void linear_result_free(linear_result *r);

#endif
