// whiten.c: the whitening fit (blocked float64 covariance with DSYRK, Ledoit-Wolf when it is
// singular; G = Cholesky(Sigma^-1) from the Cholesky factor of Sigma reversed, or under the
// official protocol from the plain inverse, with LAPACKE) and its application z = (mean - f) G
// (DGEMM).
#include "whiten.h"

#include "core/error.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_ROWS = 1024 };

void whiten_free(whitening *w) {
    free(w->mean);
    if (w->g_dist != w->g_sim) free(w->g_dist);
    free(w->g_sim);
    memset(w, 0, sizeof *w);
}

// Fills the upper triangle of a row-major symmetric matrix from its lower one.
static void mirror_lower(double *a, int d) {
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) a[(size_t)i * d + j] = a[(size_t)j * d + i];
}

static void zero_upper(double *a, int d) {
    for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) a[(size_t)i * d + j] = 0;
}

// Ledoit-Wolf from the sufficient statistics: S (biased, d x d full), sum_i ||x_i||^4, n.
static double lw_from_stats(double *s_cov, int d, int64_t n, double sum_norm4) {
    double trace = 0, frob = 0;
    for (int i = 0; i < d; i++) trace += s_cov[(size_t)i * d + i];
    for (size_t q = 0; q < (size_t)d * d; q++) frob += s_cov[q] * s_cov[q];
    double mu = trace / d, nn = (double)n;
    double delta_ = frob; // sum((X^T X)^2) / n^2
    double beta = 1.0 / ((double)d * nn) * (sum_norm4 / nn - delta_);
    double delta = (delta_ - 2.0 * mu * trace + d * mu * mu) / d;
    if (beta > delta) beta = delta;
    double shrink = beta == 0 ? 0 : beta / delta;
    for (size_t q = 0; q < (size_t)d * d; q++) s_cov[q] *= 1 - shrink;
    for (int i = 0; i < d; i++) s_cov[(size_t)i * d + i] += shrink * mu;
    return shrink;
}

double whiten_ledoit_wolf(const double *xc, int64_t n, int d, double *cov) {
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, (int)n, 1.0 / (double)n, xc, d, 0.0, cov,
                d);
    mirror_lower(cov, d);
    double sum_norm4 = 0; // sum(X2^T X2) = sum_i ||x_i||^4
    for (int64_t i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += xc[i * d + j] * xc[i * d + j];
        sum_norm4 += s * s;
    }
    return lw_from_stats(cov, d, n, sum_norm4);
}

// Covariance (N - 1, full) and sum_i ||x_i - mean||^4 of float32 rows, in blocks of rows.
static int covariance(const float *x, int64_t n, int d, const double *mean, double *cov,
                      double *sum_norm4) {
    double *blk = malloc(sizeof(double) * BLOCK_ROWS * (size_t)d);
    INV_CHECK_ALLOC(blk, sizeof(double) * BLOCK_ROWS * (size_t)d, "whitening");
    memset(cov, 0, sizeof(double) * (size_t)d * d);
    *sum_norm4 = 0;
    for (int64_t at = 0; at < n; at += BLOCK_ROWS) {
        int rows = (int)(n - at < BLOCK_ROWS ? n - at : BLOCK_ROWS);
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                double v = (double)x[(at + r) * d + j] - mean[j];
                blk[(size_t)r * d + j] = v;
                s += v * v;
            }
            *sum_norm4 += s * s;
        }
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, rows, 1.0, blk, d, 1.0, cov, d);
    }
    free(blk);
    mirror_lower(cov, d);
    for (size_t q = 0; q < (size_t)d * d; q++) cov[q] /= (double)(n - 1);
    return INV_OK;
}

// 1 when cov (full, symmetric) is numerically positive definite: Cholesky succeeds and the
// reciprocal condition number is at least 1e-12. work receives, column-major, the lower Cholesky
// factor L of J cov J (J: the order of rows and columns reversed), which whiten_fit turns into
// G = Cholesky(cov^-1) without forming the inverse.
static int positive_definite(const double *cov, int d, double *work) {
    size_t dd = (size_t)d * d;
    double anorm = 0;
    for (int i = 0; i < d; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += fabs(cov[(size_t)i * d + j]);
        if (s > anorm) anorm = s;
    }
    // J cov J is cov's storage reversed (a symmetric matrix reads the same in either major).
    for (size_t q = 0; q < dd; q++) work[q] = cov[dd - 1 - q];
    if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', d, work, d) != 0) return 0;
    double rcond = 0;
    if (LAPACKE_dpocon(LAPACK_COL_MAJOR, 'L', d, work, d, anorm, &rcond) != 0) return 0;
    return rcond >= 1e-12;
}

// G = Cholesky(cov^-1) (row-major, lower) from L (column-major) with J cov J = L L^T: then
// cov^-1 = (J L^-T J)(J L^-T J)^T and J L^-T J is lower triangular with a positive diagonal, so
// it is the Cholesky factor (which is unique). Its row-major storage is L^-1's column-major
// storage reversed. Two d^3/3 steps (this inversion and the factorisation) instead of four.
static int cholesky_of_inverse(double *l, int d, double *g) {
    if (LAPACKE_dtrtri(LAPACK_COL_MAJOR, 'L', 'N', d, l, d) != 0) return 0;
    size_t dd = (size_t)d * d;
    for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++)
            g[(size_t)i * d + j] = j <= i ? l[dd - 1 - ((size_t)i * d + j)] : 0;
    return 1;
}

int whiten_fit(whitening *w, const float *x, int64_t n, int d, int official, int add_eps,
               const char *what) {
    memset(w, 0, sizeof *w);
    if (n < 2)
        return inv_fail(INV_EINVAL, "%s: %lld feature rows; whitening needs at least 2", what,
                        (long long)n);
    size_t dd = (size_t)d * d;
    w->d = d;
    w->mean = calloc((size_t)d, sizeof(double));
    double *cov = malloc(sizeof(double) * dd), *work = malloc(sizeof(double) * dd);
    w->g_sim = malloc(sizeof(double) * dd);
    int rc = INV_OK;
    if (!w->mean || !cov || !work || !w->g_sim) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory for a %d x %d covariance", what, d, d);
        goto fail;
    }
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++) w->mean[j] += x[i * d + j];
    for (int j = 0; j < d; j++) w->mean[j] /= (double)n;
    double sum_norm4 = 0;
    INV_TRY_GOTO(rc, covariance(x, n, d, w->mean, cov, &sum_norm4), fail);
    if (official)
        for (int j = 0; j < d; j++) w->mean[j] = (double)(float)w->mean[j];
    if (add_eps)
        for (int i = 0; i < d; i++) cov[(size_t)i * d + i] += 1e-10;
    snprintf(w->method, sizeof w->method, "cholesky");
    if (n <= d || !positive_definite(cov, d, work)) {
        for (size_t q = 0; q < dd; q++) cov[q] *= (double)(n - 1) / (double)n;
        w->shrinkage = lw_from_stats(cov, d, n, sum_norm4);
        snprintf(w->method, sizeof w->method,
                 "ledoit-wolf shrinkage %.6g (covariance of %lld rows singular%s, d = %d)",
                 w->shrinkage, (long long)n, n <= d ? ": N <= d" : "", d);
        if (!positive_definite(cov, d, work)) {
            rc = inv_fail(INV_EINVAL,
                          "%s: the feature covariance is singular even after Ledoit-Wolf "
                          "shrinkage (all %lld rows equal?)",
                          what, (long long)n);
            goto fail;
        }
    }
    if (!official) { // work holds the factor of J Sigma J from the last positive_definite
        if (!cholesky_of_inverse(work, d, w->g_sim)) {
            rc = inv_fail(INV_EINVAL, "%s: covariance inversion failed", what);
            goto fail;
        }
        w->g_dist = w->g_sim;
        free(cov);
        free(work);
        return INV_OK;
    }
    { // the code: the plain inverse Sigma^-1 (full) in work
        lapack_int *piv = malloc(sizeof(lapack_int) * (size_t)d);
        memcpy(work, cov, sizeof(double) * dd);
        int bad = !piv || LAPACKE_dgetrf(LAPACK_ROW_MAJOR, d, d, work, d, piv) ||
                  LAPACKE_dgetri(LAPACK_ROW_MAJOR, d, work, d, piv);
        free(piv);
        if (bad) {
            rc = inv_fail(INV_EINVAL, "%s: covariance inversion failed", what);
            goto fail;
        }
    }
    // G = Cholesky(Sigma^-1), lower.
    memcpy(w->g_sim, work, sizeof(double) * dd);
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', d, w->g_sim, d)) {
        rc = inv_fail(INV_EINVAL, "%s: Cholesky of the inverse covariance failed", what);
        goto fail;
    }
    zero_upper(w->g_sim, d);
    w->g_dist = w->g_sim;
    if (official) {
        // The code: torch.linalg.cholesky of the float32 inverse, in float32.
        float *g32 = malloc(sizeof(float) * dd);
        if (!g32) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", what);
            goto fail;
        }
        for (size_t q = 0; q < dd; q++) g32[q] = (float)work[q];
        int bad = LAPACKE_spotrf(LAPACK_ROW_MAJOR, 'L', d, g32, d) != 0;
        w->g_dist = w->g_sim;
        w->g_sim = malloc(sizeof(double) * dd);
        if (!bad && w->g_sim)
            for (size_t q = 0; q < dd; q++) w->g_sim[q] = g32[q];
        free(g32);
        if (!w->g_sim || bad) {
            rc = inv_fail(INV_EINVAL,
                          "%s: the float32 Cholesky of the inverse covariance failed (as the "
                          "official code's would); use --protocol paper",
                          what);
            goto fail;
        }
        zero_upper(w->g_sim, d);
    }
    free(cov);
    free(work);
    return INV_OK;
fail:
    free(cov);
    free(work);
    whiten_free(w);
    return rc;
}

void whiten_apply(const whitening *w, const double *g, const float *f, int64_t n, double *z) {
    int d = w->d;
    double *c = malloc(sizeof(double) * (size_t)n * d);
    if (!c) { // fall back to row by row
        double *row = z;
        for (int64_t i = 0; i < n; i++, row += d)
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = j; k < d; k++)
                    s += (w->mean[k] - (double)f[i * d + k]) * g[(size_t)k * d + j];
                row[j] = s;
            }
        return;
    }
    for (int64_t i = 0; i < n; i++)
        for (int j = 0; j < d; j++) c[i * d + j] = w->mean[j] - (double)f[i * d + j];
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, d, d, 1.0, c, d, g, d, 0.0, z,
                d);
    free(c);
}
