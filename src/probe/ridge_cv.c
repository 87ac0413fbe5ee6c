// ridge_cv.c: the ridge path of one split: centre (and optionally scale) with training
// statistics, eigendecompose the d x d covariance once (LAPACKE dsyevd), then every penalty is
// a diagonal rescaling and one small product (OpenBLAS dgemm) for the test predictions.
#include "ridge_cv.h"

#include "metrics.h"

#include "core/error.h"

#include <cblas.h>
#include <lapacke.h>
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

int ridge_path(const probe_rows *train, const probe_rows *test, int64_t d, int64_t k,
               int standardize, const double *l2, int nl2, double *score, double *r2_target) {
    int64_t ntr = train->n, nte = test->n;
    if (ntr < 1 || nte < 1 || d < 1 || k < 1)
        return inv_fail(INV_EINVAL, "ridge: empty split (train %lld, test %lld rows)",
                        (long long)ntr, (long long)nte);
    int rc = INV_OK;
    size_t dd = (size_t)d * (size_t)d;
    double *mean = malloc((size_t)d * sizeof *mean), *inv_std = malloc((size_t)d * sizeof *inv_std);
    double *xc = malloc((size_t)(ntr > nte ? ntr : nte) * (size_t)d * sizeof *xc);
    double *gram = malloc(dd * sizeof *gram), *lambda = malloc((size_t)d * sizeof *lambda);
    double *ymean = calloc((size_t)k, sizeof *ymean);
    double *yc = malloc((size_t)ntr * (size_t)k * sizeof *yc);
    double *b = malloc((size_t)d * (size_t)k * sizeof *b),
           *q = malloc((size_t)d * (size_t)k * sizeof *q);
    double *qa = malloc((size_t)d * (size_t)k * sizeof *qa);
    double *proj = malloc((size_t)nte * (size_t)d * sizeof *proj);
    double *pred = malloc((size_t)nte * (size_t)k * sizeof *pred);
    double *yte = malloc((size_t)nte * (size_t)k * sizeof *yte);
    if (!mean || !inv_std || !xc || !gram || !lambda || !ymean || !yc || !b || !q || !qa || !proj ||
        !pred || !yte) {
        rc = inv_fail(INV_ENOMEM, "ridge: out of memory (n %lld, d %lld)", (long long)ntr,
                      (long long)d);
        goto done;
    }
    probe_column_stats(train, d, standardize, mean, inv_std);
    probe_center_rows(train, d, mean, inv_std, xc);
    for (int64_t i = 0; i < ntr; i++)
        for (int64_t t = 0; t < k; t++) ymean[t] += train->y[train->idx[i] * k + t];
    for (int64_t t = 0; t < k; t++) ymean[t] /= (double)ntr;
    for (int64_t i = 0; i < ntr; i++)
        for (int64_t t = 0; t < k; t++) yc[i * k + t] = train->y[train->idx[i] * k + t] - ymean[t];
    // gram = Xc' Xc (upper triangle), b = Xc' yc.
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)ntr, 1.0, xc, (int)d, 0.0, gram,
                (int)d);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)k, (int)ntr, 1.0, xc, (int)d,
                yc, (int)k, 0.0, b, (int)k);
    // gram = V diag(lambda) V' (eigenvectors in the columns of V, row-major).
    lapack_int info =
        LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', (lapack_int)d, gram, (lapack_int)d, lambda);
    if (info != 0) {
        rc = inv_fail(INV_ERANGE,
                      "ridge: eigendecomposition of the %lld x %lld covariance "
                      "failed (dsyevd info %d)",
                      (long long)d, (long long)d, (int)info);
        goto done;
    }
    for (int64_t j = 0; j < d; j++)
        if (lambda[j] < 0) lambda[j] = 0; // rounding of a positive semi-definite matrix
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)k, (int)d, 1.0, gram, (int)d,
                b, (int)k, 0.0, q, (int)k);
    // Test rows in the eigenbasis: proj = ((x_test - mean) * inv_std) V.
    probe_center_rows(test, d, mean, inv_std, xc);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nte, (int)d, (int)d, 1.0, xc,
                (int)d, gram, (int)d, 0.0, proj, (int)d);
    for (int64_t i = 0; i < nte; i++)
        for (int64_t t = 0; t < k; t++) yte[i * k + t] = test->y[test->idx[i] * k + t];
    for (int a = 0; a < nl2; a++) {
        double alpha = 1.0 / l2[a];
        for (int64_t j = 0; j < d; j++)
            for (int64_t t = 0; t < k; t++) qa[j * k + t] = q[j * k + t] / (lambda[j] + alpha);
        for (int64_t i = 0; i < nte; i++)
            for (int64_t t = 0; t < k; t++) pred[i * k + t] = ymean[t];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nte, (int)k, (int)d, 1.0, proj,
                    (int)d, qa, (int)k, 1.0, pred, (int)k);
        score[a] = metrics_r2(yte, pred, nte, k, r2_target ? r2_target + (size_t)a * k : NULL);
    }
done:
    free(mean), free(inv_std), free(xc), free(gram), free(lambda), free(ymean), free(yc);
    free(b), free(q), free(qa), free(proj), free(pred), free(yte);
    return rc;
}
