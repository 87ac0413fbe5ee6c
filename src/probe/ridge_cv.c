// ridge_cv.c: the ridge path of one split: training statistics, the centred (and optionally
// scaled) Gram matrix and X'y of the training rows in double, built from blocks of rows with
// OpenBLAS dsyrk/dgemm (or, in cross-validation, from the Gram of all rows minus the test rows';
// or the kernel matrix of the dual problem when features outnumber training rows), then the
// penalties by ridge_band.c.
#include "ridge_cv.h"

#include "ridge_band.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void probe_column_stats(const probe_rows *rows, int64_t d, int standardize, double *mean,
                        double *inv_std) {
    memset(mean, 0, (size_t)d * sizeof *mean);
    for (int64_t i = 0; i < rows->n; i++) {
        const float *r = rows->x + rows->idx[i] * d;
        for (int64_t j = 0; j < d; j++) mean[j] += r[j];
    }
    for (int64_t j = 0; j < d; j++) mean[j] /= (double)rows->n;
    for (int64_t j = 0; j < d; j++) inv_std[j] = 1.0;
    if (!standardize) return;
    double *var = calloc((size_t)d, sizeof *var);
    if (!var) return; // leave scale 1: callers check allocations of their own buffers
    for (int64_t i = 0; i < rows->n; i++) {
        const float *r = rows->x + rows->idx[i] * d;
        for (int64_t j = 0; j < d; j++) {
            double c = r[j] - mean[j];
            var[j] += c * c;
        }
    }
    for (int64_t j = 0; j < d; j++) {
        double sd = sqrt(var[j] / (double)rows->n);
        // As scikit-learn's _handle_zeros_in_scale: (near-)constant columns keep scale 1.
        inv_std[j] = sd < 10 * 2.220446049250313e-16 ? 1.0 : 1.0 / sd;
    }
    free(var);
}

void probe_center_rows(const probe_rows *rows, int64_t d, const double *mean, const double *inv_std,
                       double *dst) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < rows->n; i++) {
        const float *r = rows->x + rows->idx[i] * d;
        double *o = dst + i * d;
        for (int64_t j = 0; j < d; j++) o[j] = (r[j] - mean[j]) * inv_std[j];
    }
}

// Rows per block of the double conversions below (about 16 MiB).
static int64_t block_rows(int64_t n, int64_t d) {
    int64_t r = ((int64_t)1 << 21) / d;
    if (r < 64) r = 64;
    return r < n ? r : n;
}

// Over blocks of `rows`, with xc = x_i - c (in double): gram (d, d) lower column-major +=
// sign * sum xc xc' when gram is given, and b (d, k) column-major += sum xc (y_i - ymean)' when
// b is given.
static int accumulate(const probe_rows *rows, int64_t d, const double *c, double sign, double *gram,
                      int64_t k, const double *ymean, double *b) {
    int64_t nb = block_rows(rows->n, d);
    double *buf = malloc((size_t)nb * (size_t)d * sizeof *buf);
    double *ones = malloc((size_t)d * sizeof *ones);
    double *yc = b ? malloc((size_t)nb * (size_t)k * sizeof *yc) : NULL;
    if (!buf || !ones || (b && !yc)) {
        free(buf), free(ones), free(yc);
        return inv_fail(INV_ENOMEM, "ridge: out of memory (%lld x %lld row block)", (long long)nb,
                        (long long)d);
    }
    for (int64_t j = 0; j < d; j++) ones[j] = 1.0;
    for (int64_t i0 = 0; i0 < rows->n; i0 += nb) {
        int64_t m = rows->n - i0 < nb ? rows->n - i0 : nb;
        probe_rows blk = {rows->x, rows->y, rows->idx + i0, m};
        probe_center_rows(&blk, d, c, ones, buf); // buf: row-major (m, d) = column-major (d, m)
        if (gram)
            cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)d, (int)m, sign, buf, (int)d,
                        1.0, gram, (int)d);
        if (b) {
            for (int64_t i = 0; i < m; i++)
                for (int64_t t = 0; t < k; t++)
                    yc[i * k + t] = rows->y[blk.idx[i] * k + t] - ymean[t];
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, (int)d, (int)k, (int)m, 1.0, buf,
                        (int)d, yc, (int)k, 1.0, b, (int)d);
        }
    }
    free(buf), free(ones), free(yc);
    return INV_OK;
}

int ridge_gram_init(ridge_gram *g, const float *x, int64_t n, int64_t d) {
    memset(g, 0, sizeof *g);
    g->x = x, g->n = n, g->d = d;
    int64_t *idx = malloc((size_t)n * sizeof *idx);
    double *inv_std = malloc((size_t)d * sizeof *inv_std);
    g->shift = malloc((size_t)d * sizeof *g->shift);
    g->gram = calloc((size_t)d * (size_t)d, sizeof *g->gram);
    int rc = INV_OK;
    if (!idx || !inv_std || !g->shift || !g->gram) {
        rc = inv_fail(INV_ENOMEM, "ridge: out of memory (%lld x %lld Gram)", (long long)d,
                      (long long)d);
        goto done;
    }
    for (int64_t i = 0; i < n; i++) idx[i] = i;
    probe_rows all = {x, NULL, idx, n};
    probe_column_stats(&all, d, 0, g->shift, inv_std);
    rc = accumulate(&all, d, g->shift, 1.0, g->gram, 0, NULL, NULL);
done:
    free(idx), free(inv_std);
    if (rc) ridge_gram_free(g);
    return rc;
}

void ridge_gram_free(ridge_gram *g) {
    free(g->shift), free(g->gram);
    g->shift = g->gram = NULL;
}

// The primal normal equations (d <= ntr): gram (d, d) = Xc'Xc (lower), b (d, k) = Xc'yc, xte
// (nte, d) the centred (scaled) test rows; Xc: training rows centred, scaled when inv_std != 1.
static int primal_system(const probe_rows *train, const probe_rows *test, const ridge_gram *all,
                         int64_t d, int64_t k, const double *mean, const double *inv_std,
                         const double *ymean, double *gram, double *b, double *xte) {
    int64_t ntr = train->n;
    if (all) {
        // sum_train (x - s)(x - s)' = all's - the test rows'; about the training mean m:
        // sum_train (x - m)(x - m)' = that - ntr (m - s)(m - s)', with m - s small.
        memcpy(gram, all->gram, (size_t)d * (size_t)d * sizeof *gram);
        INV_TRY(accumulate(test, d, all->shift, -1.0, gram, 0, NULL, NULL));
        for (int64_t j = 0; j < d; j++) xte[j] = mean[j] - all->shift[j]; // scratch: m - s
        cblas_dsyr(CblasColMajor, CblasLower, (int)d, -(double)ntr, xte, 1, gram, (int)d);
        INV_TRY(accumulate(train, d, mean, 0.0, NULL, k, ymean, b));
    } else {
        memset(gram, 0, (size_t)d * (size_t)d * sizeof *gram);
        INV_TRY(accumulate(train, d, mean, 1.0, gram, k, ymean, b));
    }
    // gram := S gram S, b := S b with S = diag(inv_std) (all 1 unless standardising)
    for (int64_t j = 0; j < d; j++)
        for (int64_t i = j; i < d; i++) gram[j * d + i] *= inv_std[i] * inv_std[j];
    for (int64_t t = 0; t < k; t++)
        for (int64_t j = 0; j < d; j++) b[t * d + j] *= inv_std[j];
    probe_center_rows(test, d, mean, inv_std, xte);
    return INV_OK;
}

// The dual (d > ntr, as scikit-learn's Ridge does: the Gram is singular there, and rounding in
// its null space would be amplified by 1/alpha): K = Xc Xc' (ntr, ntr, lower) in place of the
// Gram, yc (ntr, k) in place of X'y and Xte Xc' (nte, ntr) in place of the test rows, since
// Xte w = Xte Xc' (K + alpha I)^-1 yc.
static int dual_system(const probe_rows *train, const probe_rows *test, int64_t d, int64_t k,
                       const double *mean, const double *inv_std, const double *ymean, double *gram,
                       double *b, double *xte) {
    int64_t ntr = train->n, nte = test->n;
    double *xc = malloc((size_t)ntr * (size_t)d * sizeof *xc);
    double *xt = malloc((size_t)nte * (size_t)d * sizeof *xt);
    if (!xc || !xt) {
        free(xc), free(xt);
        return inv_fail(INV_ENOMEM, "ridge: out of memory (n %lld, d %lld)", (long long)ntr,
                        (long long)d);
    }
    probe_center_rows(train, d, mean, inv_std, xc); // row-major (ntr, d) = column-major (d, ntr)
    probe_center_rows(test, d, mean, inv_std, xt);
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)ntr, (int)d, 1.0, xc, (int)d, 0.0, gram,
                (int)ntr);
    for (int64_t i = 0; i < ntr; i++)
        for (int64_t t = 0; t < k; t++) b[t * ntr + i] = train->y[train->idx[i] * k + t] - ymean[t];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nte, (int)ntr, (int)d, 1.0, xt,
                (int)d, xc, (int)d, 0.0, xte, (int)ntr);
    free(xc), free(xt);
    return INV_OK;
}

int ridge_path(const probe_rows *train, const probe_rows *test, const ridge_gram *all, int64_t d,
               int64_t k, int standardize, const double *l2, int nl2, double *score,
               double *r2_target) {
    int64_t ntr = train->n, nte = test->n;
    if (ntr < 1 || nte < 1 || d < 1 || k < 1)
        return inv_fail(INV_EINVAL, "ridge: empty split (train %lld, test %lld rows)",
                        (long long)ntr, (long long)nte);
    if (all && (all->x != train->x || all->x != test->x || all->d != d || all->n != ntr + nte))
        return inv_fail(INV_EINVAL, "ridge: the shared Gram is not of these rows");
    int dual = d > ntr;
    int64_t dim = dual ? ntr : d; // unknowns of the system solved
    int rc = INV_OK;
    double *mean = malloc((size_t)d * sizeof *mean), *inv_std = malloc((size_t)d * sizeof *inv_std);
    double *gram = malloc((size_t)dim * (size_t)dim * sizeof *gram);
    double *b = calloc((size_t)dim * (size_t)k, sizeof *b);
    double *ymean = calloc((size_t)k, sizeof *ymean);
    double *xte = malloc((size_t)nte * (size_t)dim * sizeof *xte);
    double *yte = malloc((size_t)nte * (size_t)k * sizeof *yte);
    double *alpha = malloc((size_t)nl2 * sizeof *alpha);
    if (!mean || !inv_std || !gram || !b || !ymean || !xte || !yte || !alpha) {
        rc = inv_fail(INV_ENOMEM, "ridge: out of memory (n %lld, d %lld)", (long long)ntr,
                      (long long)d);
        goto done;
    }
    probe_column_stats(train, d, standardize, mean, inv_std);
    for (int64_t i = 0; i < ntr; i++)
        for (int64_t t = 0; t < k; t++) ymean[t] += train->y[train->idx[i] * k + t];
    for (int64_t t = 0; t < k; t++) ymean[t] /= (double)ntr;
    if (dual)
        rc = dual_system(train, test, d, k, mean, inv_std, ymean, gram, b, xte);
    else
        rc = primal_system(train, test, all, d, k, mean, inv_std, ymean, gram, b, xte);
    if (rc) goto done;
    for (int64_t i = 0; i < nte; i++)
        for (int64_t t = 0; t < k; t++) yte[i * k + t] = test->y[test->idx[i] * k + t];
    for (int a = 0; a < nl2; a++) alpha[a] = 1.0 / l2[a];
    ridge_system sys = {dim, k, nte, gram, b, xte, ymean, yte};
    rc = ridge_band_path(&sys, alpha, nl2, score, r2_target);
done:
    free(mean), free(inv_std), free(gram), free(b), free(ymean), free(xte), free(yte), free(alpha);
    return rc;
}
