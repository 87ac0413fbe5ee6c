// logistic.c: the multinomial (or binary) logistic loss and gradient with OpenBLAS products,
// fitted by lbfgs.c, and the warm-started penalty path that scores one split. No OpenMP
// here: the O(n m) loops are cheap next to the BLAS products, and idle OpenMP workers spinning
// between evaluations would steal the cores of OpenBLAS's threads.
#include "logistic.h"

#include "metrics.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int64_t logistic_nparams(int nclass, int64_t d) {
    int64_t m = nclass == 2 ? 1 : nclass;
    return m * (d + 1);
}

typedef struct {
    const double *x; // (n, d)
    const int32_t *cls;
    int64_t n, d;
    int m;
    double l2;
    double *z; // (n, m) logits, then residuals p - onehot
} logistic_ctx;

static double logistic_objective(const double *w, double *g, void *vctx) {
    logistic_ctx *c = vctx;
    int64_t n = c->n, d = c->d;
    int m = c->m;
    const double *b = w + (int64_t)m * d;
    double *z = c->z;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, m, (int)d, 1.0, c->x, (int)d, w,
                (int)d, 0.0, z, m);
    double loss = 0;
    if (m == 1) {
        for (int64_t i = 0; i < n; i++) {
            double t = z[i] + b[0];
            double y = c->cls[i] == 1 ? 1.0 : 0.0;
            // log(1 + e^t) - y t, stably
            loss += (t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))) - y * t;
            double p = t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t));
            z[i] = p - y;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            double *zi = z + i * m;
            double mx = -INFINITY;
            for (int k = 0; k < m; k++) {
                zi[k] += b[k];
                if (zi[k] > mx) mx = zi[k];
            }
            double s = 0;
            for (int k = 0; k < m; k++) s += exp(zi[k] - mx);
            double lse = mx + log(s);
            loss += lse - zi[c->cls[i]];
            for (int k = 0; k < m; k++) zi[k] = exp(zi[k] - lse);
            zi[c->cls[i]] -= 1.0;
        }
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, (int)d, (int)n, 1.0, z, m, c->x, (int)d,
                0.0, g, (int)d);
    double *gb = g + (int64_t)m * d;
    for (int k = 0; k < m; k++) gb[k] = 0;
    for (int64_t i = 0; i < n; i++)
        for (int k = 0; k < m; k++) gb[k] += z[i * m + k];
    double ww = 0;
    for (int64_t j = 0; j < (int64_t)m * d; j++) {
        ww += w[j] * w[j];
        g[j] += c->l2 * w[j];
    }
    return loss + 0.5 * c->l2 * ww;
}

int logistic_fit(const double *x, const int32_t *cls, int64_t n, int64_t d, int nclass, double l2,
                 const lbfgs_options *opt, double *params, lbfgs_result *res) {
    if (nclass < 2) return inv_fail(INV_EINVAL, "logistic: need at least 2 classes");
    int m = nclass == 2 ? 1 : nclass;
    logistic_ctx c = {x, cls, n, d, m, l2, malloc((size_t)n * (size_t)m * sizeof(double))};
    INV_CHECK_ALLOC(c.z, (size_t)n * (size_t)m * sizeof(double), "logistic");
    int rc = lbfgs_minimize(logistic_nparams(nclass, d), params, logistic_objective, &c, opt, res);
    free(c.z);
    return rc;
}

void logistic_predict(const double *params, int nclass, const double *x, int64_t n, int64_t d,
                      int32_t *pred) {
    int m = nclass == 2 ? 1 : nclass;
    const double *b = params + (int64_t)m * d;
    for (int64_t i = 0; i < n; i++) {
        const double *xi = x + i * d;
        int best = 0;
        double best_z = -INFINITY;
        for (int k = 0; k < m; k++) {
            const double *w = params + (int64_t)k * d;
            double zk = b[k];
            for (int64_t j = 0; j < d; j++) zk += w[j] * xi[j];
            if (zk > best_z) best_z = zk, best = k;
        }
        pred[i] = m == 1 ? (best_z > 0 ? 1 : 0) : best;
    }
}

int logistic_path(const probe_rows *train, const int32_t *cls_train, const probe_rows *test,
                  const int32_t *cls_test, int64_t d, int nclass, int standardize, const double *l2,
                  int nl2, const lbfgs_options *opt, double *acc, double *mean_class, int *iters) {
    int64_t ntr = train->n, nte = test->n, np = logistic_nparams(nclass, d);
    int rc = INV_OK;
    double *mean = malloc((size_t)d * sizeof *mean), *inv_std = malloc((size_t)d * sizeof *inv_std);
    double *xtr = malloc((size_t)ntr * (size_t)d * sizeof *xtr);
    double *xte = malloc((size_t)nte * (size_t)d * sizeof *xte);
    double *params = calloc((size_t)np, sizeof *params);
    int32_t *ytr = malloc((size_t)ntr * sizeof *ytr), *yte = malloc((size_t)nte * sizeof *yte);
    int32_t *pred = malloc((size_t)nte * sizeof *pred);
    if (!mean || !inv_std || !xtr || !xte || !params || !ytr || !yte || !pred) {
        rc = inv_fail(INV_ENOMEM, "logistic: out of memory (n %lld, d %lld)", (long long)ntr,
                      (long long)d);
        goto done;
    }
    // Raw features keep their scale (mean 0, scale 1 unless standardize): the model has an
    // intercept, so only the optimiser sees the centring.
    probe_column_stats(train, d, standardize, mean, inv_std);
    if (!standardize)
        for (int64_t j = 0; j < d; j++) mean[j] = 0;
    probe_center_rows(train, d, mean, inv_std, xtr);
    probe_center_rows(test, d, mean, inv_std, xte);
    for (int64_t i = 0; i < ntr; i++) ytr[i] = cls_train[train->idx[i]];
    for (int64_t i = 0; i < nte; i++) yte[i] = cls_test[test->idx[i]];
    for (int a = 0; a < nl2; a++) {
        lbfgs_result res;
        rc = logistic_fit(xtr, ytr, ntr, d, nclass, l2[a], opt, params, &res);
        if (rc) goto done;
        logistic_predict(params, nclass, xte, nte, d, pred);
        acc[a] = metrics_accuracy(yte, pred, nte, nclass, &mean_class[a]);
        if (iters) iters[a] = res.iterations;
    }
done:
    free(mean), free(inv_std), free(xtr), free(xte), free(params), free(ytr), free(yte), free(pred);
    return rc;
}
