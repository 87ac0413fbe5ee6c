// hoeffding.c: Hoeffding's one-sided bound and the scaled paired difference it is applied to.
#include "hoeffding.h"

#include <math.h>

double hoeffding_bound(double delta, int64_t n) {
    return sqrt(log(1.0 / delta) / (2.0 * (double)n));
}

double hoeffding_p_bound(double t, int64_t n) {
    return t > 0 ? exp(-2.0 * (double)n * t * t) : 1.0;
}

double hoeffding_excess(const double *a, const double *b, int64_t n, int64_t *used) {
    double s = 0;
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        if (isnan(a[i]) || isnan(b[i])) continue;
        s += (a[i] - b[i] + 2.0) / 4.0;
        m++;
    }
    if (used) *used = m;
    return m ? s / (double)m - 0.5 : NAN;
}
