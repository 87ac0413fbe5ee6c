// ridge_cv.h: ridge regression over a whole grid of penalties from one reduction of the Gram
// matrix per split, and the training-row statistics the probes share.
#ifndef INVAR_PROBE_RIDGE_CV_H
#define INVAR_PROBE_RIDGE_CV_H

#include <stdint.h>

// One split of a data set: rows `idx` (count n) of x (rows of length d, row-major float) and y
// (rows of length k, row-major double).
typedef struct {
    const float *x;
    const double *y;
    const int64_t *idx;
    int64_t n;
} probe_rows;

// The Gram matrix of all n rows of x (row-major float (n, d)) about their column means, shared
// by the folds of a cross-validation so that each fold only subtracts its test rows' part.
// shift: (d) column means; gram: (d, d) sum_i (x_i - shift)(x_i - shift)', lower triangle
// column-major (= upper triangle row-major).
typedef struct {
    const float *x;
    int64_t n, d;
    double *shift, *gram;
} ridge_gram;

int ridge_gram_init(ridge_gram *g, const float *x, int64_t n, int64_t d);
void ridge_gram_free(ridge_gram *g);

// Fits scikit-learn's Ridge(alpha = 1/l2[i], fit_intercept=True) on `train` for every l2 value
// and scores it on `test`: X and y are centred with the training means (and X scaled by the
// training standard deviation when `standardize`, as StandardScaler); the d x d Gram of the
// training rows is reduced once and each l2 value is a cheap band solve (ridge_band.h). With more
// features than training rows the dual is solved instead, as scikit-learn does: the kernel
// matrix Xc Xc' of the training rows in place of the Gram (`all` is then not used).
// all: the Gram of every row, or NULL. When given, train and test must split all->x's rows
// between them (as the folds of a cross-validation), and the training Gram is all's minus the
// test rows' (a product over the test rows only) instead of a product over the training rows.
// score: (nl2) R^2 averaged over targets; r2_target: (nl2, k) per target (may be NULL).
int ridge_path(const probe_rows *train, const probe_rows *test, const ridge_gram *all, int64_t d,
               int64_t k, int standardize, const double *l2, int nl2, double *score,
               double *r2_target);

// Training-row statistics shared by the probes: mean (d) and, when `standardize`, 1/std (d)
// with std as StandardScaler (ddof 0; a constant column keeps scale 1); inv_std all 1 otherwise.
void probe_column_stats(const probe_rows *rows, int64_t d, int standardize, double *mean,
                        double *inv_std);
// dst (n, d) row-major double = (x[idx[i]] - mean) * inv_std.
void probe_center_rows(const probe_rows *rows, int64_t d, const double *mean, const double *inv_std,
                       double *dst);

#endif
