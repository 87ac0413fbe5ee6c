// logistic.h: L2-penalised multinomial logistic regression (scikit-learn's LogisticRegression
// with lbfgs: C = 1/l2) fitted by L-BFGS, and its warm-started path over penalties.
#ifndef INVAR_PROBE_LOGISTIC_H
#define INVAR_PROBE_LOGISTIC_H

#include "lbfgs.h"
#include "ridge_cv.h"

#include <stdint.h>

// Parameters: m rows of d weights (row-major) then m intercepts, m = nclass, or m = 1 for two
// classes (scikit-learn's binary model: one weight vector, logit of the second class).
int64_t logistic_nparams(int nclass, int64_t d);

// Minimises sum_i log-loss_i + 0.5 * l2 * ||W||^2 (intercepts not penalised) over x (n, d)
// row-major with class indices cls (n), from the parameters given (warm start). Uses the
// OpenMP threads over blocks of rows; called inside a parallel region, it runs single-threaded
// and expects OpenBLAS set to one thread (openblas_set_num_threads) by the caller.
int logistic_fit(const double *x, const int32_t *cls, int64_t n, int64_t d, int nclass, double l2,
                 const lbfgs_options *opt, double *params, lbfgs_result *res);
// pred (n): the class with the largest logit (first on ties). INV_ENOMEM or INV_OK.
int logistic_predict(const double *params, int nclass, const double *x, int64_t n, int64_t d,
                     int32_t *pred);

// The path over l2[0..nl2) in the order given (callers pass strong to weak regularisation):
// fits on `train` (class of row r: cls_train[r]), each fit warm-started from the previous
// solution extrapolated along the path (the secant through the last two, in log l2), and
// scores `test`. acc, mean_class: (nl2); iters: (nl2) L-BFGS iterations (may be NULL).
int logistic_path(const probe_rows *train, const int32_t *cls_train, const probe_rows *test,
                  const int32_t *cls_test, int64_t d, int nclass, int standardize, const double *l2,
                  int nl2, const lbfgs_options *opt, double *acc, double *mean_class, int *iters);

#endif
