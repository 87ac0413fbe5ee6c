// test_probe.c: the probe's numerics: ridge path against a direct solve, L-BFGS on the
// Rosenbrock function, logistic regression optimality, Spearman with ties, stratified folds.
#include "test_util.h"

#include "core/error.h"
#include "core/rng.h"

#include "../../src/probe/folds.h"
#include "../../src/probe/lbfgs.h"
#include "../../src/probe/logistic.h"
#include "../../src/probe/metrics.h"
#include "../../src/probe/ridge_cv.h"
#include "../../src/probe/spearman.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

// Solves a (n x n, overwritten) w = b by Gaussian elimination with partial pivoting.
static void solve_dense(double *a, double *b, int n) {
    for (int c = 0; c < n; c++) {
        int p = c;
        for (int r = c + 1; r < n; r++)
            if (fabs(a[r * n + c]) > fabs(a[p * n + c])) p = r;
        for (int j = 0; j < n; j++) {
            double t = a[c * n + j];
            a[c * n + j] = a[p * n + j], a[p * n + j] = t;
        }
        double t = b[c];
        b[c] = b[p], b[p] = t;
        for (int r = c + 1; r < n; r++) {
            double f = a[r * n + c] / a[c * n + c];
            for (int j = c; j < n; j++) a[r * n + j] -= f * a[c * n + j];
            b[r] -= f * b[c];
        }
    }
    for (int c = n - 1; c >= 0; c--) {
        for (int j = c + 1; j < n; j++) b[c] -= a[c * n + j] * b[j];
        b[c] /= a[c * n + c];
    }
}

// Data for the ridge tests: n rows of d features (columns of different scales, near-collinear
// pairs) and k targets.
static void ridge_data(int n, int d, int k, uint64_t seed, float *x, double *y) {
    rng_stream s;
    rng_stream_init(&s, seed, RNG_PURPOSE_GENERIC, 0, 0, 0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < d; j++) {
            double v = rng_normal_double(&s) * (1 + j % 7) + 0.5 * (j % 3);
            if (j % 10 == 9) v = x[i * d + j - 1] + 1e-3 * rng_normal_double(&s);
            x[i * d + j] = (float)v;
        }
    for (int i = 0; i < n; i++)
        for (int t = 0; t < k; t++) {
            double v = 3 * t + 0.3 * rng_normal_double(&s);
            for (int j = t; j < d; j += 5) v += 0.2 * x[i * d + j] / (1 + j % 7);
            y[i * k + t] = v;
        }
}

// Predictions (nte) for target t by a dense solve: primal (Xc'Xc + I/l2) w = Xc'yc, or dual
// (Xc Xc' + I/l2) a = yc, w = Xc'a, when d > ntr (as scikit-learn). xc (ntr, d), xt (nte, d):
// centred (scaled) rows; yc (ntr) centred targets.
static void reference_pred(const double *xc, const double *xt, const double *yc, int ntr, int nte,
                           int d, double l2, double *pred) {
    int dual = d > ntr, m = dual ? ntr : d;
    double *A = malloc(sizeof(double) * (size_t)(m * m)), *v = malloc(sizeof(double) * m);
    double *w = calloc((size_t)d, sizeof(double));
    CU_ASSERT_FATAL(A && v && w);
    for (int p = 0; p < m; p++) {
        v[p] = dual ? yc[p] : 0;
        for (int q = 0; q < m; q++) {
            double s = 0;
            if (dual)
                for (int j = 0; j < d; j++) s += xc[p * d + j] * xc[q * d + j];
            else
                for (int i = 0; i < ntr; i++) s += xc[i * d + p] * xc[i * d + q];
            A[p * m + q] = s + (p == q) / l2;
        }
        if (!dual)
            for (int i = 0; i < ntr; i++) v[p] += xc[i * d + p] * yc[i];
    }
    solve_dense(A, v, m);
    for (int j = 0; j < d; j++)
        if (dual)
            for (int i = 0; i < ntr; i++) w[j] += xc[i * d + j] * v[i];
        else
            w[j] = v[j];
    for (int i = 0; i < nte; i++) {
        pred[i] = 0;
        for (int j = 0; j < d; j++) pred[i] += xt[i * d + j] * w[j];
    }
    free(A), free(v), free(w);
}

// ridge_path on rows [0, ntr) -> [ntr, n) (with the shared Gram of all rows when `shared`)
// against dense solves (reference_pred), by R^2 within tol.
static void check_ridge(int n, int d, int k, int ntr, const double *l2, int nl, int shared,
                        double tol) {
    int nte = n - ntr;
    float *x = malloc(sizeof(float) * (size_t)(n * d));
    double *y = malloc(sizeof(double) * (size_t)(n * k)), *score = malloc(sizeof(double) * nl);
    double *r2t = malloc(sizeof(double) * (size_t)(nl * k)), *mean = malloc(sizeof(double) * d);
    double *inv = malloc(sizeof(double) * d), *xc = malloc(sizeof(double) * (size_t)(n * d));
    double *yc = malloc(sizeof(double) * ntr), *p1 = malloc(sizeof(double) * nte);
    double *pred = malloc(sizeof(double) * (size_t)(nte * k));
    double *ytest = malloc(sizeof(double) * (size_t)(nte * k)), *r2d = malloc(sizeof(double) * k);
    int64_t *tr = malloc(sizeof(int64_t) * ntr), *te = malloc(sizeof(int64_t) * nte);
    CU_ASSERT_FATAL(x && y && score && r2t && mean && inv && xc && yc && p1 && pred && ytest &&
                    r2d && tr && te);
    ridge_data(n, d, k, (uint64_t)(n * 131 + d), x, y);
    for (int i = 0; i < ntr; i++) tr[i] = i;
    for (int i = 0; i < nte; i++) te[i] = ntr + i;
    probe_rows train = {x, y, tr, ntr}, test = {x, y, te, nte};
    ridge_gram all = {0};
    if (shared) CU_ASSERT_EQUAL_FATAL(ridge_gram_init(&all, x, n, d), INV_OK);
    for (int standardize = 0; standardize < 2; standardize++) {
        CU_ASSERT_EQUAL_FATAL(
            ridge_path(&train, &test, shared ? &all : NULL, d, k, standardize, l2, nl, score, r2t),
            INV_OK);
        probe_column_stats(&train, d, standardize, mean, inv);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) xc[i * d + j] = (x[i * d + j] - mean[j]) * inv[j];
        for (int a = 0; a < nl; a++) {
            for (int t = 0; t < k; t++) {
                double ym = 0;
                for (int i = 0; i < ntr; i++) ym += y[i * k + t];
                ym /= ntr;
                for (int i = 0; i < ntr; i++) yc[i] = y[i * k + t] - ym;
                reference_pred(xc, xc + (size_t)ntr * d, yc, ntr, nte, d, l2[a], p1);
                for (int i = 0; i < nte; i++) {
                    pred[i * k + t] = ym + p1[i];
                    ytest[i * k + t] = y[(ntr + i) * k + t];
                }
            }
            double r2 = metrics_r2(ytest, pred, nte, k, r2d);
            CU_ASSERT_DOUBLE_EQUAL(score[a], r2, tol);
            for (int t = 0; t < k; t++) CU_ASSERT_DOUBLE_EQUAL(r2t[a * k + t], r2d[t], tol);
        }
    }
    ridge_gram_free(&all);
    free(x), free(y), free(score), free(r2t), free(mean), free(inv), free(xc), free(yc), free(p1);
    free(pred), free(ytest), free(r2d), free(tr), free(te);
}

static void test_ridge_path_vs_direct(void) {
    double l2[4] = {1e-3, 0.1, 10, 1e4};
    check_ridge(60, 6, 2, 45, l2, 4, 0, 1e-10); // d <= band width: B = G
    check_ridge(60, 6, 2, 45, l2, 4, 1, 1e-10);
    // d > band width: G = Q B Q' with Householder reflectors; more penalties than test rows
    // (Q applied to the test rows) and fewer (Q applied to the solutions).
    check_ridge(200, 80, 3, 150, l2, 4, 0, 1e-9);
    check_ridge(200, 80, 3, 150, l2, 4, 1, 1e-9);
    double many[20];
    for (int a = 0; a < 20; a++) many[a] = pow(10, -3 + 0.35 * a);
    check_ridge(200, 80, 3, 185, many, 20, 1, 1e-9);
    // More features than training rows: the dual (a kernel matrix in place of the Gram), also
    // when given a shared Gram.
    double weak[3] = {1e2, 1e5, 1e8};
    check_ridge(90, 100, 2, 70, l2, 4, 1, 1e-10);
    check_ridge(90, 100, 2, 70, weak, 3, 0, 1e-9);
}

// A negative penalty makes G + alpha I indefinite: the band Cholesky factorisation fails and
// every penalty is solved from the eigendecomposition of the band matrix instead, which must
// still give (G + alpha I)^-1 X'y.
static void test_ridge_eigen_fallback(void) {
    double l2[3] = {0.1, -1.0 / 3000, 10};
    check_ridge(200, 40, 2, 150, l2, 3, 0, 1e-7);
}

static double rosenbrock(const double *x, double *g, void *ctx) {
    int n = *(int *)ctx;
    double f = 0;
    memset(g, 0, (size_t)n * sizeof *g);
    for (int i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
        f += 100 * a * a + b * b;
        g[i] += -400 * a * x[i] - 2 * b;
        g[i + 1] += 200 * a;
    }
    return f;
}

static void test_lbfgs_rosenbrock(void) {
    int n = 10;
    double x[10];
    for (int i = 0; i < n; i++) x[i] = i % 2 ? 1.0 : -1.2;
    lbfgs_options o;
    lbfgs_default_options(&o);
    o.max_iter = 500;
    o.gtol = 1e-8;
    o.ftol = 0;
    lbfgs_result r;
    CU_ASSERT_EQUAL_FATAL(lbfgs_minimize(n, x, rosenbrock, &n, &o, &r), INV_OK);
    CU_ASSERT_EQUAL(r.status, LBFGS_CONVERGED_GTOL);
    for (int i = 0; i < n; i++) CU_ASSERT_DOUBLE_EQUAL(x[i], 1.0, 1e-6);
    CU_ASSERT(r.iterations < 200);
}

// Checks the fitted logistic model is stationary: the penalised objective does not decrease
// along +-h in each coordinate.
static void test_logistic_optimal(void) {
    enum { N = 90, D = 3 };
    for (int nclass = 2; nclass <= 3; nclass++) {
        double x[N * D];
        int32_t cls[N];
        rng_stream s;
        rng_stream_init(&s, 3, RNG_PURPOSE_GENERIC, 0, (uint32_t)nclass, 0);
        for (int i = 0; i < N; i++) {
            cls[i] = i % nclass;
            for (int j = 0; j < D; j++) x[i * D + j] = rng_normal_double(&s) + (j == cls[i]);
        }
        int64_t np = logistic_nparams(nclass, D);
        CU_ASSERT_EQUAL(np, (nclass == 2 ? 1 : 3) * (D + 1));
        double p[16] = {0};
        lbfgs_options o;
        lbfgs_default_options(&o);
        o.gtol = 1e-9;
        o.ftol = 0;
        o.max_iter = 1000;
        lbfgs_result r;
        CU_ASSERT_EQUAL_FATAL(logistic_fit(x, cls, N, D, nclass, 0.5, &o, p, &r), INV_OK);
        CU_ASSERT(r.gmax < 1e-6);
        // Objective by hand, at p and nudged points.
        double f0 = 0;
        for (int pass = 0; pass <= 2 * np; pass++) {
            double q[16];
            memcpy(q, p, sizeof q);
            if (pass > 0) q[(pass - 1) / 2] += (pass % 2 ? 1e-3 : -1e-3);
            int m = nclass == 2 ? 1 : nclass;
            double f = 0;
            for (int i = 0; i < N; i++) {
                double z[3], mx = -INFINITY, sum = 0;
                int nz = nclass == 2 ? 2 : nclass;
                for (int k = 0; k < nz; k++) {
                    if (nclass == 2 && k == 0) {
                        z[k] = 0;
                    } else {
                        int row = nclass == 2 ? 0 : k;
                        z[k] = q[m * D + row];
                        for (int j = 0; j < D; j++) z[k] += q[row * D + j] * x[i * D + j];
                    }
                    mx = fmax(mx, z[k]);
                }
                for (int k = 0; k < nz; k++) sum += exp(z[k] - mx);
                f += mx + log(sum) - z[cls[i]];
            }
            for (int j = 0; j < m * D; j++) f += 0.25 * q[j] * q[j];
            if (pass == 0)
                f0 = f;
            else
                CU_ASSERT(f >= f0 - 1e-12);
        }
        int32_t pred[N];
        logistic_predict(p, nclass, x, N, D, pred);
        double mc, acc = metrics_accuracy(cls, pred, N, nclass, &mc);
        CU_ASSERT(acc > 0.5);
        CU_ASSERT(mc > 0.5);
    }
}

// The loss and gradient sum over chunks of rows in a fixed order: a fit gives the same bits on
// the OpenMP threads (outside a parallel region) as single-threaded inside one (as the paths
// that cmd_linear runs side by side).
static void test_logistic_threads(void) {
    enum { N = 2100, D = 256, C = 3 };
    double *x = malloc(sizeof(double) * N * D), p1[C * (D + 1)] = {0}, p2[C * (D + 1)] = {0};
    int32_t *cls = malloc(sizeof(int32_t) * N);
    CU_ASSERT_FATAL(x && cls);
    rng_stream s;
    rng_stream_init(&s, 5, RNG_PURPOSE_GENERIC, 0, 0, 0);
    for (int i = 0; i < N; i++) {
        cls[i] = i % C;
        for (int j = 0; j < D; j++) x[i * D + j] = rng_normal_double(&s) + 0.2 * (j % C == cls[i]);
    }
    lbfgs_options o;
    lbfgs_default_options(&o);
    o.max_iter = 15;
    lbfgs_result r1, r2;
    int rc1 = logistic_fit(x, cls, N, D, C, 1.0, &o, p1, &r1), rc2 = -1;
    int blas = openblas_get_num_threads();
    openblas_set_num_threads(1);
#pragma omp parallel num_threads(2)
#pragma omp single
    rc2 = logistic_fit(x, cls, N, D, C, 1.0, &o, p2, &r2);
    openblas_set_num_threads(blas);
    CU_ASSERT_EQUAL(rc1, INV_OK);
    CU_ASSERT_EQUAL(rc2, INV_OK);
    CU_ASSERT_EQUAL(r1.iterations, r2.iterations);
    CU_ASSERT(r1.iterations > 5);
    CU_ASSERT_EQUAL(memcmp(p1, p2, sizeof p1), 0);
    free(x), free(cls);
}

static void test_spearman_ties(void) {
    double x[4] = {1, 2, 2, 3}, y[4] = {1, 3, 2, 4}, r[4];
    CU_ASSERT_EQUAL(spearman_ranks(x, 4, r), INV_OK);
    CU_ASSERT_DOUBLE_EQUAL(r[0], 1.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(r[1], 2.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(r[2], 2.5, 0);
    CU_ASSERT_DOUBLE_EQUAL(r[3], 4.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(spearman_rho(x, y, 4), 4.5 / sqrt(22.5), 1e-15);
    double c[4] = {5, 5, 5, 5};
    CU_ASSERT(isnan(spearman_rho(x, c, 4)));
    double w[4] = {1, 2, 3, 4}, z[4] = {4, 3, 2, 1};
    CU_ASSERT_DOUBLE_EQUAL(spearman_rho(w, z, 4), -1.0, 1e-15);
}

static void test_folds_stratified(void) {
    enum { N = 22, K = 5 };
    int32_t labels[N], fold[N];
    for (int i = 0; i < N; i++) labels[i] = i < 10 ? 7 : (i < 17 ? -1 : 3); // 10, 7, 5
    CU_ASSERT_EQUAL_FATAL(folds_stratified(labels, N, K, 42, fold, "t"), INV_OK);
    int per[K][3] = {{0}}, size[K] = {0};
    for (int i = 0; i < N; i++) {
        CU_ASSERT_FATAL(fold[i] >= 0 && fold[i] < K);
        size[fold[i]]++;
        per[fold[i]][labels[i] == 7 ? 0 : labels[i] == -1 ? 1 : 2]++;
    }
    for (int f = 0; f < K; f++) {
        CU_ASSERT(size[f] == 4 || size[f] == 5);
        CU_ASSERT_EQUAL(per[f][0], 2);
        CU_ASSERT(per[f][1] == 1 || per[f][1] == 2);
        CU_ASSERT_EQUAL(per[f][2], 1);
    }
    int32_t again[N];
    folds_stratified(labels, N, K, 42, again, "t");
    CU_ASSERT_EQUAL(memcmp(fold, again, sizeof fold), 0);
    folds_stratified(labels, N, K, 43, again, "t");
    CU_ASSERT_NOT_EQUAL(memcmp(fold, again, sizeof fold), 0);
    labels[N - 1] = 99; // class 3 now has 4 members, class 99 one
    CU_ASSERT_EQUAL(folds_stratified(labels, N, K, 42, fold, "t"), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "fewer than the 5 folds"));
    CU_ASSERT_EQUAL(folds_shuffled(N, K, 1, fold, "t"), INV_OK);
    memset(size, 0, sizeof size);
    for (int i = 0; i < N; i++) size[fold[i]]++;
    for (int f = 0; f < K; f++) CU_ASSERT(size[f] == 4 || size[f] == 5);
    CU_ASSERT_EQUAL(folds_shuffled(3, K, 1, fold, "t"), INV_EINVAL);
}

static void test_metrics(void) {
    double y[6] = {1, 2, 2, 2, 3, 2}, p[6] = {1, 2, 2, 2, 3, 2.5}, r2[2];
    metrics_r2(y, p, 3, 2, r2);
    CU_ASSERT_DOUBLE_EQUAL(r2[0], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(r2[1], 0.0, 0); // constant target, imperfect prediction
    int32_t c[5] = {0, 0, 0, 1, 1}, q[5] = {0, 0, 1, 1, 0};
    double mc, acc = metrics_accuracy(c, q, 5, 3, &mc);
    CU_ASSERT_DOUBLE_EQUAL(acc, 0.6, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(mc, (2.0 / 3 + 0.5) / 2, 1e-15);
}

int test_probe_register(void) {
    CU_pSuite s = CU_add_suite("probe", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_ridge_path_vs_direct);
    TEST_ADD(s, test_ridge_eigen_fallback);
    TEST_ADD(s, test_lbfgs_rosenbrock);
    TEST_ADD(s, test_logistic_optimal);
    TEST_ADD(s, test_logistic_threads);
    TEST_ADD(s, test_spearman_ties);
    TEST_ADD(s, test_folds_stratified);
    TEST_ADD(s, test_metrics);
    return 0;
}
