// metrics.c: R^2, accuracy and mean per-class accuracy of probe predictions, computed in a
// fixed order (deterministic whatever the rank count).
#include "metrics.h"

#include <stdlib.h>

double metrics_r2(const double *y, const double *pred, int64_t n, int64_t k, double *r2_target) {
    double sum = 0;
    for (int64_t t = 0; t < k; t++) {
        double mean = 0;
        for (int64_t i = 0; i < n; i++) mean += y[i * k + t];
        mean /= (double)n;
        double ss_res = 0, ss_tot = 0;
        for (int64_t i = 0; i < n; i++) {
            double r = y[i * k + t] - pred[i * k + t], c = y[i * k + t] - mean;
            ss_res += r * r;
            ss_tot += c * c;
        }
        double r2;
        if (ss_tot != 0)
            r2 = 1.0 - ss_res / ss_tot;
        else
            r2 = ss_res == 0 ? 1.0 : 0.0;
        if (r2_target) r2_target[t] = r2;
        sum += r2;
    }
    return sum / (double)k;
}

double metrics_accuracy(const int32_t *y, const int32_t *pred, int64_t n, int nclass,
                        double *mean_class) {
    int64_t *count = calloc((size_t)nclass * 2, sizeof *count);
    int64_t right = 0;
    for (int64_t i = 0; i < n; i++) {
        int ok = y[i] == pred[i];
        right += ok;
        if (count && y[i] >= 0 && y[i] < nclass) {
            count[2 * y[i]]++;
            count[2 * y[i] + 1] += ok;
        }
    }
    if (mean_class) {
        double s = 0;
        int present = 0;
        for (int c = 0; count && c < nclass; c++)
            if (count[2 * c] > 0) {
                s += (double)count[2 * c + 1] / (double)count[2 * c];
                present++;
            }
        *mean_class = present ? s / present : 0.0;
    }
    free(count);
    return n ? (double)right / (double)n : 0.0;
}
