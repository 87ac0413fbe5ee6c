// spearman.h: Spearman rank correlation with average ranks for ties (as scipy.stats.spearmanr).
#ifndef INVAR_PROBE_SPEARMAN_H
#define INVAR_PROBE_SPEARMAN_H

#include <stdint.h>

// rank: (n) average ranks 1..n of x (ties share the mean of their ranks, as scipy's rankdata).
int spearman_ranks(const double *x, int64_t n, double *rank);
// Pearson correlation of the ranks of x and y (n >= 2). NaN when either is constant, as scipy.
double spearman_rho(const double *x, const double *y, int64_t n);

#endif
