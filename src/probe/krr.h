// krr.h: RBF kernel ridge regression on a BLACS grid: CV over (alpha, gamma) with one
// factorisation per (fold, gamma, alpha) serving all targets, per-target choice, refit, test R^2.
#ifndef INVAR_PROBE_KRR_H
#define INVAR_PROBE_KRR_H

#include "blacs_grid.h"

#include <stdint.h>

typedef enum { KRR_CHOLESKY = 0, KRR_EIGEN = 1 } krr_solver;

typedef struct {
    int n, ntest, k;        // training rows, test rows, targets
    int64_t d;              // features
    const double *x, *xt;   // (n, d), (ntest, d) standardised features, on every rank
    const double *y, *yt;   // (n, k), (ntest, k) standardised targets, on every rank
    const int32_t *fold_of; // (n)
    int nfold;
    const double *alpha, *gamma; // (na), (ng)
    int na, ng;
    krr_solver solver;
} krr_problem;

typedef struct {
    double *cv_r2;                // (fold, alpha, gamma, target) R^2 of the held-out fold
    double *cv_mean;              // (alpha, gamma, target) mean over folds
    int *best_alpha, *best_gamma; // (target) indices
    double *test_r2;              // (target)
    double seconds_distance, seconds_cv, seconds_refit;
    double flops_cv, flops_refit; // floating-point operations of the factorisations and products
    int diagonal_kernels;         // (fold, gamma) kernels found to be the identity to rounding
} krr_result;

// Collective over the grid. Kernel k(a, b) = exp(-gamma ||a - b||^2); the model solves
// (K + alpha I) c = y (no intercept, as scikit-learn's KernelRidge). Squared distances are
// computed once (train x train, test x train), each gamma is an elementwise exp, and the
// fold matrices are index subsets of the training one (redistributed with pdgemr2d).
int krr_run(const krr_problem *p, const blacs_grid *g, krr_result *r);
void krr_result_free(krr_result *r);

#endif
