// spearman.c: average ranks (ties share the mean rank) and Spearman's rho as the Pearson
// correlation of the ranks, which is what scipy.stats.spearmanr computes.
#include "spearman.h"

#include "core/error.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double v;
    int64_t i;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->v < y->v) return -1;
    if (x->v > y->v) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

int spearman_ranks(const double *x, int64_t n, double *rank) {
    keyed *k = malloc((size_t)(n > 0 ? n : 1) * sizeof *k);
    INV_CHECK_ALLOC(k, (size_t)n * sizeof *k, "spearman ranks");
    for (int64_t i = 0; i < n; i++) k[i] = (keyed){x[i], i};
    qsort(k, (size_t)n, sizeof *k, cmp_keyed);
    for (int64_t a = 0; a < n;) {
        int64_t b = a + 1;
        while (b < n && k[b].v == k[a].v) b++;
        double r = 0.5 * (double)(a + 1 + b); // mean of ranks a+1 .. b
        for (int64_t j = a; j < b; j++) rank[k[j].i] = r;
        a = b;
    }
    free(k);
    return INV_OK;
}

double spearman_rho(const double *x, const double *y, int64_t n) {
    if (n < 2) return NAN;
    double *rx = malloc((size_t)n * sizeof *rx), *ry = malloc((size_t)n * sizeof *ry);
    double rho = NAN;
    if (rx && ry && spearman_ranks(x, n, rx) == INV_OK && spearman_ranks(y, n, ry) == INV_OK) {
        double mx = 0, my = 0;
        for (int64_t i = 0; i < n; i++) mx += rx[i], my += ry[i];
        mx /= (double)n, my /= (double)n;
        double sxy = 0, sxx = 0, syy = 0;
        for (int64_t i = 0; i < n; i++) {
            double a = rx[i] - mx, b = ry[i] - my;
            sxy += a * b, sxx += a * a, syy += b * b;
        }
        if (sxx > 0 && syy > 0) rho = sxy / sqrt(sxx * syy);
        if (rho > 1) rho = 1;
        if (rho < -1) rho = -1;
    }
    free(rx), free(ry);
    return rho;
}
