// whiten.h: the whitening of Appendix C.1 from a set of clean features: mean, covariance (N - 1)
// in float64, Sigma^-1 and its Cholesky factor G (Sigma^-1 = G G^T), so that z = (mean - f) G
// has identity covariance, cosines of z are the paper's similarity and ||z_a - z_b|| the
// Mahalanobis distance. A singular covariance (N <= d, or reciprocal condition below 1e-12) is
// replaced by its Ledoit-Wolf shrinkage (scikit-learn's ledoit_wolf: biased covariance, shrunk
// towards mu I), recorded in `method`, never a silent NaN.
#ifndef INVAR_MEASURE_WHITEN_H
#define INVAR_MEASURE_WHITEN_H

#include <stdint.h>

typedef struct {
    int d;
    double *mean;     // (d); float32-rounded under the official protocol
    double *g_sim;    // (d, d) row-major, lower triangular: the G similarities use
    double *g_dist;   // (d, d): the G distances use (== g_sim unless official)
    double shrinkage; // Ledoit-Wolf coefficient (0: none)
    char method[128]; // "cholesky" or "ledoit-wolf shrinkage 0.12 (N = 40 <= d = 64)" ...
} whitening;

// x: (n, d) float32 clean features, n >= 2. official = 1: the code's precision (float32 mean,
// plain float64 inverse, float32 Cholesky for the similarities; add_eps adds 1e-10 I to the
// covariance as the code does for the random model). INV_EINVAL naming `what` when n < 2.
int whiten_fit(whitening *w, const float *x, int64_t n, int d, int official, int add_eps,
               const char *what);
void whiten_free(whitening *w);

// z (n, d) = (mean - f) G for n float32 feature rows f (n, d); g = w->g_sim or w->g_dist.
void whiten_apply(const whitening *w, const double *g, const float *f, int64_t n, double *z);

// Ledoit-Wolf shrinkage of the covariance of centred data: cov (d, d) receives
// (1 - s) S + s (tr S / d) I with S = X^T X / n, s as scikit-learn's ledoit_wolf_shrinkage.
// xc: (n, d) float64 centred rows. Returns s.
double whiten_ledoit_wolf(const double *xc, int64_t n, int d, double *cov);

#endif
