// hoeffding.h: the paper's significance test (section 4): for n values X_i in [0, 1],
// P(S_n - E S_n >= t) <= exp(-2 n t^2), so S_n - 1/2 > sqrt(ln(1/delta) / 2n) rejects
// "no difference" at level delta. Per-item similarity differences s_a - s_b in [-2, 2] are
// scaled to X = (s_a - s_b + 2) / 4; a k-way comparison marks the best model when it beats
// each of the k - 1 others at delta = alpha / (k - 1) (Bonferroni).
#ifndef INVAR_MEASURE_HOEFFDING_H
#define INVAR_MEASURE_HOEFFDING_H

#include <stdint.h>

// sqrt(ln(1/delta) / (2 n)); delta in (0, 1], n >= 1.
double hoeffding_bound(double delta, int64_t n);
// The p-value bound of an observed excess t = S_n - E S_n under the null: exp(-2 n t^2) for
// t > 0, else 1.
double hoeffding_p_bound(double t, int64_t n);
// Scaled mean difference: mean over i of (a_i - b_i + 2) / 4 - 1/2 for n paired similarities
// (NaN pairs skipped; *used receives how many were used).
double hoeffding_excess(const double *a, const double *b, int64_t n, int64_t *used);

#endif
