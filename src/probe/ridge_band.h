// ridge_band.h: the ridge solutions of one centred Gram matrix for a whole grid of penalties, and
// their R^2 on a test split. The d x d Gram is reduced once to a symmetric band matrix by an
// orthogonal similarity; each penalty is then a band Cholesky factorisation and solve.
#ifndef INVAR_PROBE_RIDGE_BAND_H
#define INVAR_PROBE_RIDGE_BAND_H

#include <stdint.h>

// One fold's normal equations. Column-major throughout for LAPACK, except the row-major test
// data.
typedef struct {
    int64_t d, k, nte;   // features, targets, test rows
    double *gram;        // (d, d) X'X of the centred (scaled) training rows, lower triangle;
                         // destroyed
    const double *b;     // (d, k) X'y of the centred training rows and targets
    double *xte;         // (nte, d) row-major centred (scaled) test rows; may be overwritten
    const double *ymean; // (k) training target means (the intercepts)
    const double *yte;   // (nte, k) row-major test targets
} ridge_system;

// For each alpha[a] (> 0): w = (gram + alpha I)^-1 b, predictions ymean + xte w, and
// score[a] = R^2 averaged over targets; r2_target (nalpha, k) per target (may be NULL). When a
// factorisation fails (alpha below the rounding level of a singular Gram) every alpha is solved
// from an eigendecomposition of the band matrix instead, with negative eigenvalues (rounding)
// clamped to 0.
int ridge_band_path(ridge_system *s, const double *alpha, int nalpha, double *score,
                    double *r2_target);

#endif
