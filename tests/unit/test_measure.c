// test_measure.c: the measurement numerics: whitening (identity covariance of z, G G^T Sigma =
// I, Ledoit-Wolf on singular cases against scikit-learn's value), Hoeffding's bound against its
// closed form, uniformity and ACR on constructed views.
#include "test_util.h"

#include "core/error.h"
#include "core/rng.h"

#include "../../src/measure/hoeffding.h"
#include "../../src/measure/metrics.h"
#include "../../src/measure/whiten.h"

#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void correlated(int n, int d, float *x) {
    rng_stream s;
    rng_stream_init(&s, 7, RNG_PURPOSE_GENERIC, 0, 0, 0);
    for (int i = 0; i < n; i++) {
        double prev = 0;
        for (int j = 0; j < d; j++) {
            double v = rng_normal_double(&s) * (1 + j) + 0.8 * prev + 3;
            x[i * d + j] = (float)v;
            prev = v;
        }
    }
}

static void test_whiten_identity(void) {
    enum { N = 300, D = 6 };
    float x[N * D];
    correlated(N, D, x);
    for (int official = 0; official < 2; official++) {
        whitening w;
        CU_ASSERT_EQUAL_FATAL(whiten_fit(&w, x, N, D, official, 0, "t"), INV_OK);
        CU_ASSERT_STRING_EQUAL(w.method, "cholesky");
        CU_ASSERT_DOUBLE_EQUAL(w.shrinkage, 0, 0);
        double *z = malloc(sizeof(double) * N * D);
        whiten_apply(&w, w.g_dist, x, N, z);
        // Sample covariance (N - 1) of z is the identity; its mean is 0.
        for (int a = 0; a < D; a++) {
            double ma = 0;
            for (int i = 0; i < N; i++) ma += z[i * D + a];
            CU_ASSERT_DOUBLE_EQUAL(ma / N, 0, official ? 1e-5 : 1e-9);
            for (int b = 0; b < D; b++) {
                double c = 0, mb = 0;
                for (int i = 0; i < N; i++) mb += z[i * D + b];
                for (int i = 0; i < N; i++) c += (z[i * D + a] - ma / N) * (z[i * D + b] - mb / N);
                CU_ASSERT_DOUBLE_EQUAL(c / (N - 1), a == b, 1e-9);
            }
        }
        // G is lower triangular.
        for (int a = 0; a < D; a++)
            for (int b = a + 1; b < D; b++) CU_ASSERT_EQUAL(w.g_sim[a * D + b], 0);
        free(z);
        whiten_free(&w);
    }
}

// The paper path's G (from the Cholesky factor of the reversed covariance, no inverse formed)
// equals Cholesky(Sigma^-1) computed the plain way (potrf, potri, potrf), and so does the
// official path's distance factor.
static void test_whiten_cholesky_of_inverse(void) {
    enum { N = 200, D = 7 };
    float x[N * D];
    correlated(N, D, x);
    double mean[D] = {0}, cov[D * D] = {0};
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++) mean[j] += x[i * D + j] / (double)N;
    for (int i = 0; i < N; i++)
        for (int a = 0; a < D; a++)
            for (int b = 0; b < D; b++)
                cov[a * D + b] += (x[i * D + a] - mean[a]) * (x[i * D + b] - mean[b]) / (N - 1.0);
    CU_ASSERT_EQUAL_FATAL(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', D, cov, D), 0);
    CU_ASSERT_EQUAL_FATAL(LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'L', D, cov, D), 0);
    for (int a = 0; a < D; a++)
        for (int b = a + 1; b < D; b++) cov[a * D + b] = cov[b * D + a];
    CU_ASSERT_EQUAL_FATAL(LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', D, cov, D), 0);
    for (int official = 0; official < 2; official++) {
        whitening w;
        CU_ASSERT_EQUAL_FATAL(whiten_fit(&w, x, N, D, official, 0, "t"), INV_OK);
        for (int a = 0; a < D; a++)
            for (int b = 0; b <= a; b++)
                CU_ASSERT_DOUBLE_EQUAL(w.g_dist[a * D + b], cov[a * D + b],
                                       1e-10 * fabs(cov[a * D + a]));
        whiten_free(&w);
    }
}

static void test_whiten_ledoit_wolf(void) {
    // N <= d: scikit-learn's ledoit_wolf(x) gives shrinkage 0.526374546469439 for these rows.
    float x[4 * 6] = {1, 2, 0, 1, 3, 0, 0, 1, 1, 2, 0, 1, 2, 0, 1, 0, 1, 1, 1, 1, 2, 1, 0, 3};
    whitening w;
    CU_ASSERT_EQUAL_FATAL(whiten_fit(&w, x, 4, 6, 0, 0, "t"), INV_OK);
    CU_ASSERT_DOUBLE_EQUAL(w.shrinkage, 0.526374546469439, 1e-12);
    CU_ASSERT_PTR_NOT_NULL(strstr(w.method, "ledoit-wolf"));
    double z[4 * 6];
    whiten_apply(&w, w.g_sim, x, 4, z);
    for (int q = 0; q < 24; q++) CU_ASSERT(isfinite(z[q]));
    whiten_free(&w);
    // N > d but a duplicated column (rank-deficient covariance): also shrunk, never NaN.
    enum { N = 50, D = 4 };
    float y[N * D];
    correlated(N, D, y);
    for (int i = 0; i < N; i++) y[i * D + 3] = y[i * D + 1];
    CU_ASSERT_EQUAL_FATAL(whiten_fit(&w, y, N, D, 0, 0, "t"), INV_OK);
    CU_ASSERT(w.shrinkage > 0 && w.shrinkage <= 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(w.method, "ledoit-wolf"));
    whiten_free(&w);
    // All rows equal: an error, not NaN.
    float c[3 * 2] = {1, 2, 1, 2, 1, 2};
    CU_ASSERT_EQUAL(whiten_fit(&w, c, 3, 2, 0, 0, "t"), INV_EINVAL);
    CU_ASSERT_EQUAL(whiten_fit(&w, c, 1, 2, 0, 0, "t"), INV_EINVAL);
    // The public shrinkage on centred data matches the fit's.
    double xc[4 * 6], mean[6] = {0}, cov[36];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++) mean[j] += x[i * 6 + j] / 4.0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++) xc[i * 6 + j] = x[i * 6 + j] - mean[j];
    CU_ASSERT_DOUBLE_EQUAL(whiten_ledoit_wolf(xc, 4, 6, cov), 0.526374546469439, 1e-12);
}

static void test_hoeffding(void) {
    CU_ASSERT_DOUBLE_EQUAL(hoeffding_bound(0.05, 1000), 0.038702275602049495, 1e-15);
    for (int n = 1; n < 5000; n = n * 3 + 1)
        for (double d = 0.001; d < 1; d *= 7) {
            double t = hoeffding_bound(d, n);
            CU_ASSERT_DOUBLE_EQUAL(t, sqrt(log(1 / d) / (2.0 * n)), 1e-15);
            CU_ASSERT_DOUBLE_EQUAL(hoeffding_p_bound(t, n), d, 1e-12 * d); // exp(-2 n t^2) = delta
        }
    CU_ASSERT_DOUBLE_EQUAL(hoeffding_p_bound(-0.1, 10), 1, 0);
    double a[4] = {1, 0.5, NAN, -1}, b[4] = {0, 0.5, 0.3, 1};
    int64_t used;
    // (1 + 2) / 4, (0 + 2) / 4, (-2 + 2) / 4 -> mean 5/12, minus 1/2.
    CU_ASSERT_DOUBLE_EQUAL(hoeffding_excess(a, b, 4, &used), 5.0 / 12 - 0.5, 1e-15);
    CU_ASSERT_EQUAL(used, 3);
    CU_ASSERT_DOUBLE_EQUAL(hoeffding_excess(a, a, 4, &used), 0, 0);
}

static void put(float *f, int row, double deg, double scale) {
    f[2 * row] = (float)(scale * cos(deg * M_PI / 180));
    f[2 * row + 1] = (float)(scale * sin(deg * M_PI / 180));
}

static void test_uniformity_acr(void) {
    // Two images, one view each, orthogonal: ||x - y||^2 = 2, uniformity = 4 (any length).
    float f[12];
    put(f, 0, 0, 3), put(f, 1, 90, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(metric_uniformity(f, 2, 1, 2), 4, 1e-6);
    // Two views each: image 0 at 0 deg twice, image 1 at 90 and 180 deg: cross pairs 2, 4, 2, 4.
    put(f, 0, 0, 1), put(f, 1, 0, 2), put(f, 2, 90, 1), put(f, 3, 180, 1);
    CU_ASSERT_DOUBLE_EQUAL(metric_uniformity(f, 2, 2, 2), -log((exp(-4) + exp(-8)) / 2), 1e-6);
    // Three images whose two views are 1 degree apart, images 90 degrees apart.
    put(f, 0, 0, 1), put(f, 1, 1, 2), put(f, 2, 90, 1), put(f, 3, 91, 1), put(f, 4, 200, 1);
    put(f, 5, 201, 5);
    double acr;
    CU_ASSERT_EQUAL(metric_acr(f, 3, 2, 2, 1, &acr), INV_OK);
    CU_ASSERT_DOUBLE_EQUAL(acr, 0, 0); // the nearest view is the image's own
    CU_ASSERT_EQUAL(metric_acr(f, 3, 2, 2, 2, &acr), INV_OK);
    CU_ASSERT_DOUBLE_EQUAL(acr, 0.5, 1e-15); // own view + one other image
    CU_ASSERT_EQUAL(metric_acr(f, 3, 2, 2, 5, &acr), INV_OK);
    CU_ASSERT_DOUBLE_EQUAL(acr, 0.8, 1e-15); // 4 of the 5 others
    // Views of each image opposite, next to a view of the other image: all confused.
    put(f, 0, 0, 1), put(f, 1, 180, 1), put(f, 2, 2, 1), put(f, 3, 182, 1);
    CU_ASSERT_EQUAL(metric_acr(f, 2, 2, 2, 1, &acr), INV_OK);
    CU_ASSERT_DOUBLE_EQUAL(acr, 1, 0);
    CU_ASSERT_EQUAL(metric_acr(f, 2, 2, 2, 4, &acr), INV_EINVAL);
}

static void test_pair_metrics(void) {
    double a[3] = {1, 2, 2}, b[3] = {2, 4, 4}, c[3] = {-1, -2, -2}, zero[3] = {0};
    CU_ASSERT_DOUBLE_EQUAL(metric_cosine(a, b, 3, 1e-8), 1, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(metric_cosine(a, c, 3, 1e-8), -1, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(metric_cosine(a, zero, 3, 1e-8), 0, 0);
    CU_ASSERT_DOUBLE_EQUAL(metric_distance(a, b, 3), 3, 1e-15);
    float fa[2] = {3, 0}, fb[2] = {0, 0.1f};
    CU_ASSERT_DOUBLE_EQUAL(metric_alignment(fa, fb, 2), 2, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(metric_alignment(fa, fa, 2), 0, 0);
}

int test_measure_register(void) {
    CU_pSuite s = CU_add_suite("measure", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_whiten_identity);
    TEST_ADD(s, test_whiten_cholesky_of_inverse);
    TEST_ADD(s, test_whiten_ledoit_wolf);
    TEST_ADD(s, test_hoeffding);
    TEST_ADD(s, test_uniformity_acr);
    TEST_ADD(s, test_pair_metrics);
    return 0;
}
