// ridge_cv.h: ridge regression over a whole grid of penalties from one eigendecomposition.
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

// Fits scikit-learn's Ridge(alpha = 1/l2[i], fit_intercept=True) on `train` for every l2 value
// and scores it on `test`: X and y are centred with the training means (and X scaled by the
// training standard deviation when `standardize`, as StandardScaler), the centred covariance
// X'X (d x d) is eigendecomposed once, and each l2 value is a rescaling of the eigenvalues.
// score: (nl2) R^2 averaged over targets; r2_target: (nl2, k) per target (may be NULL).
int ridge_path(const probe_rows *train, const probe_rows *test, int64_t d, int64_t k,
               int standardize, const double *l2, int nl2, double *score, double *r2_target);

// Training-row statistics shared by the probes: mean (d) and, when `standardize`, 1/std (d)
// with std as StandardScaler (ddof 0; a constant column keeps scale 1); inv_std all 1 otherwise.
void probe_column_stats(const probe_rows *rows, int64_t d, int standardize, double *mean,
                        double *inv_std);
// dst (n, d) row-major double = (x[idx[i]] - mean) * inv_std.
void probe_center_rows(const probe_rows *rows, int64_t d, const double *mean, const double *inv_std,
                       double *dst);

#endif
