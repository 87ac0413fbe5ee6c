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

static void test_ridge_path_vs_direct(void) {
    enum { N = 60, D = 6, K = 2, NL = 4 };
    float x[N * D];
    double y[N * K];
    rng_stream s;
    rng_stream_init(&s, 7, RNG_PURPOSE_GENERIC, 0, 0, 0);
    for (int i = 0; i < N * D; i++) x[i] = (float)(rng_normal_double(&s) * (1 + i % D));
    for (int i = 0; i < N; i++) {
        y[i * K] = x[i * D] - 0.5 * x[i * D + 3] + 3 + 0.3 * rng_normal_double(&s);
        y[i * K + 1] = 0.2 * x[i * D + 1] + rng_normal_double(&s);
    }
    int64_t tr[45], te[15];
    for (int i = 0; i < 45; i++) tr[i] = i;
    for (int i = 0; i < 15; i++) te[i] = 45 + i;
    probe_rows train = {x, y, tr, 45}, test = {x, y, te, 15};
    double l2[NL] = {1e-3, 0.1, 10, 1e4}, score[NL], r2t[NL * K];
    for (int standardize = 0; standardize < 2; standardize++) {
        CU_ASSERT_EQUAL_FATAL(
            ridge_path(&train, &test, NULL, D, K, standardize, l2, NL, score, r2t), INV_OK);
        double mean[D], inv[D];
        probe_column_stats(&train, D, standardize, mean, inv);
        for (int a = 0; a < NL; a++) {
            double pred[15 * K], ytest[15 * K], r2d[K];
            for (int t = 0; t < K; t++) {
                double ym = 0;
                for (int i = 0; i < 45; i++) ym += y[i * K + t];
                ym /= 45;
                double A[D * D] = {0}, b[D] = {0};
                for (int i = 0; i < 45; i++)
                    for (int p = 0; p < D; p++) {
                        double xp = (x[i * D + p] - mean[p]) * inv[p];
                        b[p] += xp * (y[i * K + t] - ym);
                        for (int q = 0; q < D; q++)
                            A[p * D + q] += xp * (x[i * D + q] - mean[q]) * inv[q];
                    }
                for (int p = 0; p < D; p++) A[p * D + p] += 1.0 / l2[a];
                solve_dense(A, b, D);
                for (int i = 0; i < 15; i++) {
                    double v = ym;
                    for (int p = 0; p < D; p++)
                        v += (x[(45 + i) * D + p] - mean[p]) * inv[p] * b[p];
                    pred[i * K + t] = v;
                    ytest[i * K + t] = y[(45 + i) * K + t];
                }
            }
            double r2 = metrics_r2(ytest, pred, 15, K, r2d);
            CU_ASSERT_DOUBLE_EQUAL(score[a], r2, 1e-10);
            for (int t = 0; t < K; t++) CU_ASSERT_DOUBLE_EQUAL(r2t[a * K + t], r2d[t], 1e-10);
        }
    }
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
    TEST_ADD(s, test_lbfgs_rosenbrock);
    TEST_ADD(s, test_logistic_optimal);
    TEST_ADD(s, test_spearman_ties);
    TEST_ADD(s, test_folds_stratified);
    TEST_ADD(s, test_metrics);
    return 0;
}
