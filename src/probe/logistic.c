// logistic.c: the multinomial (or binary) logistic loss and gradient, fitted by lbfgs.c, and the
// penalty path that scores one split, each fit started from the secant extrapolation of the
// previous two solutions. One evaluation reads the rows once: chunks of rows go to the OpenMP
// threads (a parallel loop; inside a parallel region, where paths run side by side, tasks that
// a thread out of paths may take) and, block by cache-sized block, the logits (OpenBLAS dgemm),
// the softmax and the block's gradient contribution are computed while its rows are in cache.
// Each chunk sums into its own partial gradient and the partials are added in chunk order, so
// results do not depend on the thread count or scheduling. OpenBLAS runs single-threaded
// during the fits (the threads are OpenMP's).
#include "logistic.h"

#include "metrics.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

int64_t logistic_nparams(int nclass, int64_t d) {
    int64_t m = nclass == 2 ? 1 : nclass;
    return m * (d + 1);
}

enum {
    BLOCK_BYTES = 256 * 1024, // rows of a block: both products of a block find them in L2
    CHUNK_BLOCKS = 8,         // blocks per chunk (a unit of scheduling with its own partial sum)
};

typedef struct {
    const double *x; // (n, d)
    const int32_t *cls;
    int64_t n, d;
    int m;
    double l2;
    int64_t block, chunk, nchunk; // rows per block, rows per chunk, chunks
    double *z;                    // (n, m) logits, then residuals p - onehot
    double *part;                 // (nchunk, m * (d + 1)) partial gradients (weights, intercepts)
    double *loss;                 // (nchunk) partial losses
} logistic_ctx;

static void ctx_free(logistic_ctx *c) {
    free(c->z), free(c->part), free(c->loss);
    c->z = c->part = c->loss = NULL;
}

static int ctx_init(logistic_ctx *c, const double *x, const int32_t *cls, int64_t n, int64_t d,
                    int nclass) {
    if (nclass < 2) return inv_fail(INV_EINVAL, "logistic: need at least 2 classes");
    memset(c, 0, sizeof *c);
    c->x = x, c->cls = cls, c->n = n, c->d = d, c->m = nclass == 2 ? 1 : nclass;
    c->block = BLOCK_BYTES / (int64_t)sizeof(double) / (d > 0 ? d : 1);
    if (c->block < 8) c->block = 8;
    c->chunk = c->block * CHUNK_BLOCKS;
    c->nchunk = n > 0 ? (n + c->chunk - 1) / c->chunk : 1;
    size_t np = (size_t)logistic_nparams(nclass, d);
    c->z = malloc((size_t)(n > 0 ? n : 1) * (size_t)c->m * sizeof *c->z);
    c->part = malloc((size_t)c->nchunk * np * sizeof *c->part);
    c->loss = malloc((size_t)c->nchunk * sizeof *c->loss);
    if (!c->z || !c->part || !c->loss) {
        ctx_free(c);
        return inv_fail(INV_ENOMEM, "logistic: out of memory (n %lld, d %lld)", (long long)n,
                        (long long)d);
    }
    return INV_OK;
}

// Rows [r0, r0 + nr): z (logits plus intercepts b) := p - onehot; returns their log-loss.
static double residuals(const logistic_ctx *c, int64_t r0, int64_t nr, const double *b) {
    int m = c->m;
    double loss = 0;
    if (m == 1) {
        for (int64_t i = r0; i < r0 + nr; i++) {
            double t = c->z[i] + b[0];
            double y = c->cls[i] == 1 ? 1.0 : 0.0;
            double e = exp(-fabs(t)); // log(1 + e^t) - y t and the sigmoid, stably
            loss += (t > 0 ? t : 0) + log1p(e) - y * t;
            double p = t >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
            c->z[i] = p - y;
        }
        return loss;
    }
    for (int64_t i = r0; i < r0 + nr; i++) {
        double *zi = c->z + i * m;
        double mx = -INFINITY;
        for (int k = 0; k < m; k++) {
            zi[k] += b[k];
            if (zi[k] > mx) mx = zi[k];
        }
        int y = c->cls[i];
        double zy = zi[y] - mx, s = 0;
        for (int k = 0; k < m; k++) s += (zi[k] = exp(zi[k] - mx));
        loss += log(s) - zy; // log-sum-exp minus the true class's logit
        double inv = 1.0 / s;
        for (int k = 0; k < m; k++) zi[k] *= inv;
        zi[y] -= 1.0;
    }
    return loss;
}

// One chunk of rows: its log-loss, and its gradient (weights (m, d) then intercepts (m)) into gp.
static double chunk_gradient(const logistic_ctx *c, const double *w, int64_t ch, double *gp) {
    int64_t d = c->d, r0 = ch * c->chunk, r1 = r0 + c->chunk < c->n ? r0 + c->chunk : c->n;
    int m = c->m;
    const double *b = w + (int64_t)m * d;
    double *gb = gp + (int64_t)m * d, loss = 0;
    if (r1 <= r0) memset(gp, 0, (size_t)m * (size_t)d * sizeof *gp); // no rows (n = 0)
    for (int k = 0; k < m; k++) gb[k] = 0;
    for (int64_t i = r0; i < r1; i += c->block) {
        int64_t nr = r1 - i < c->block ? r1 - i : c->block;
        const double *xb = c->x + i * d;
        double *zb = c->z + i * m;
        // zb (nr, m) = xb (nr, d) W' ; then residuals ; gp (m, d) += zb' xb
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, m, (int)d, 1.0, xb, (int)d, w,
                    (int)d, 0.0, zb, m);
        loss += residuals(c, i, nr, b);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, (int)d, (int)nr, 1.0, zb, m, xb,
                    (int)d, i == r0 ? 0.0 : 1.0, gp, (int)d);
        for (int64_t r = 0; r < nr; r++)
            for (int k = 0; k < m; k++) gb[k] += zb[r * m + k];
    }
    return loss;
}

static double logistic_objective(const double *w, double *g, void *vctx) {
    logistic_ctx *c = vctx;
    int64_t np = (int64_t)c->m * (c->d + 1), nw = (int64_t)c->m * c->d;
    if (omp_in_parallel()) {
        // A path running beside others (cmd_linear): chunks become tasks, run by this thread
        // unless a thread of the team has run out of paths and waits at the barrier.
#pragma omp taskloop grainsize(1) if (c->nchunk > 1)
        for (int64_t ch = 0; ch < c->nchunk; ch++)
            c->loss[ch] = chunk_gradient(c, w, ch, c->part + ch * np);
    } else {
#pragma omp parallel for schedule(dynamic, 1) if (c->nchunk > 1)
        for (int64_t ch = 0; ch < c->nchunk; ch++)
            c->loss[ch] = chunk_gradient(c, w, ch, c->part + ch * np);
    }
    // Partial sums in chunk order: the same result for any thread count.
    double loss = 0;
    memcpy(g, c->part, (size_t)np * sizeof *g);
    for (int64_t ch = 0; ch < c->nchunk; ch++) loss += c->loss[ch];
    for (int64_t ch = 1; ch < c->nchunk; ch++) {
        const double *pc = c->part + ch * np;
        for (int64_t j = 0; j < np; j++) g[j] += pc[j];
    }
    double ww = 0;
    for (int64_t j = 0; j < nw; j++) {
        ww += w[j] * w[j];
        g[j] += c->l2 * w[j];
    }
    return loss + 0.5 * c->l2 * ww;
}

// L-BFGS from params with OpenBLAS single-threaded (OpenMP threads call it concurrently). Inside
// a parallel region the caller has set that (a global setting is not for threads to toggle).
static int fit(logistic_ctx *c, double l2, const lbfgs_options *opt, double *params,
               lbfgs_result *res) {
    c->l2 = l2;
    int outer = !omp_in_parallel(), blas_threads = outer ? openblas_get_num_threads() : 1;
    if (outer && blas_threads != 1) openblas_set_num_threads(1);
    int rc = lbfgs_minimize((int64_t)c->m * (c->d + 1), params, logistic_objective, c, opt, res);
    if (outer && blas_threads != 1) openblas_set_num_threads(blas_threads);
    return rc;
}

int logistic_fit(const double *x, const int32_t *cls, int64_t n, int64_t d, int nclass, double l2,
                 const lbfgs_options *opt, double *params, lbfgs_result *res) {
    logistic_ctx c;
    INV_TRY(ctx_init(&c, x, cls, n, d, nclass));
    int rc = fit(&c, l2, opt, params, res);
    ctx_free(&c);
    return rc;
}

int logistic_predict(const double *params, int nclass, const double *x, int64_t n, int64_t d,
                     int32_t *pred) {
    int m = nclass == 2 ? 1 : nclass;
    const double *b = params + (int64_t)m * d;
    double *z = malloc((size_t)(n > 0 ? n : 1) * (size_t)m * sizeof *z);
    INV_CHECK_ALLOC(z, (size_t)n * (size_t)m * sizeof *z, "logistic: predictions");
    if (n > 0) // z (n, m) = x W'
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, m, (int)d, 1.0, x, (int)d,
                    params, (int)d, 0.0, z, m);
    for (int64_t i = 0; i < n; i++) {
        int best = 0;
        double best_z = -INFINITY;
        for (int k = 0; k < m; k++)
            if (z[i * m + k] + b[k] > best_z) best_z = z[i * m + k] + b[k], best = k;
        pred[i] = m == 1 ? (best_z > 0 ? 1 : 0) : best;
    }
    free(z);
    return INV_OK;
}

int logistic_path(const probe_rows *train, const int32_t *cls_train, const probe_rows *test,
                  const int32_t *cls_test, int64_t d, int nclass, int standardize, const double *l2,
                  int nl2, const lbfgs_options *opt, double *acc, double *mean_class, int *iters) {
    int64_t ntr = train->n, nte = test->n, np = logistic_nparams(nclass, d);
    int rc = INV_OK;
    double *mean = malloc((size_t)d * sizeof *mean), *inv_std = malloc((size_t)d * sizeof *inv_std);
    double *xtr = malloc((size_t)ntr * (size_t)d * sizeof *xtr);
    double *xte = malloc((size_t)nte * (size_t)d * sizeof *xte);
    double *params = calloc((size_t)np, sizeof *params), *prev = calloc((size_t)np, sizeof *prev);
    int32_t *ytr = malloc((size_t)ntr * sizeof *ytr), *yte = malloc((size_t)nte * sizeof *yte);
    int32_t *pred = malloc((size_t)nte * sizeof *pred);
    if (!mean || !inv_std || !xtr || !xte || !params || !prev || !ytr || !yte || !pred) {
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
    logistic_ctx c;
    INV_TRY_GOTO(rc, ctx_init(&c, xtr, ytr, ntr, d, nclass), done);
    int converged = 0; // how many of the last fits (up to 2) converged
    for (int a = 0; a < nl2 && !rc; a++) {
        // Each fit starts where the path is heading: the secant through the last two
        // solutions (in log l2) extended by this step, once both converged; else from the last.
        double r =
            a >= 2 && converged == 2 ? log(l2[a] / l2[a - 1]) / log(l2[a - 1] / l2[a - 2]) : 0;
        if (!(r > 0)) r = 0; // also NaN (repeated l2 values)
        if (r > 1) r = 1;
        for (int64_t j = 0; j < np; j++) {
            double now = params[j];
            params[j] += r * (params[j] - prev[j]);
            prev[j] = now;
        }
        lbfgs_result res;
        rc = fit(&c, l2[a], opt, params, &res);
        if (!rc) rc = logistic_predict(params, nclass, xte, nte, d, pred);
        if (rc) break;
        int ok = res.status == LBFGS_CONVERGED_GTOL || res.status == LBFGS_CONVERGED_FTOL;
        converged = ok ? (converged < 2 ? converged + 1 : 2) : 0;
        acc[a] = metrics_accuracy(yte, pred, nte, nclass, &mean_class[a]);
        if (iters) iters[a] = res.iterations;
    }
    ctx_free(&c);
done:
    free(mean), free(inv_std), free(xtr), free(xte), free(params), free(prev), free(ytr), free(yte);
    free(pred);
    return rc;
}
