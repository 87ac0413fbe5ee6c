// metrics.h: probe scores: R^2 (per target and uniform average, as scikit-learn's r2_score),
// accuracy and mean per-class accuracy.
#ifndef INVAR_PROBE_METRICS_H
#define INVAR_PROBE_METRICS_H

#include <stdint.h>

// y, pred: (n, k) row-major. r2_target: (k) per-target R^2 (may be NULL). Returns the uniform
// average over targets. As scikit-learn: a constant target scores 1 when predicted exactly,
// else 0.
double metrics_r2(const double *y, const double *pred, int64_t n, int64_t k, double *r2_target);
// y, pred: class indices 0..nclass-1 of n examples. *mean_class: mean over the classes present
// in y of the fraction of their examples predicted right (balanced accuracy). Returns accuracy.
double metrics_accuracy(const int32_t *y, const int32_t *pred, int64_t n, int nclass,
                        double *mean_class);

#endif
