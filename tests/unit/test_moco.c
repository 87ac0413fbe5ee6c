// test_moco.c: MoCo's maths in libinvar (nn/moco.h, nn/mlp_head.h, the cross-entropy sum and
// top-k of nn/loss.h): the queue's unit columns, the momentum update's float32 rounding, the
// enqueue and its checks, logits against a direct computation, and the backward passes of the
// logits and the MLP head against central finite differences (in double on float inputs).
#include "test_util.h"

#include "core/error.h"
#include "nn/backend.h"
#include "nn/loss.h"
#include "nn/mlp_head.h"
#include "nn/moco.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_queue(void) {
    enum { D = 16, K = 24 };
    float q[D * K], q2[D * K];
    moco_queue_init(q, D, K, 7);
    moco_queue_init(q2, D, K, 7);
    CU_ASSERT_EQUAL(memcmp(q, q2, sizeof q), 0);
    for (int j = 0; j < K; j++) {
        double s = 0;
        for (int i = 0; i < D; i++) s += (double)q[i * K + j] * q[i * K + j];
        CU_ASSERT(fabs(s - 1) < 1e-5);
    }
    moco_queue_init(q2, D, K, 8);
    CU_ASSERT_NOT_EQUAL(memcmp(q, q2, sizeof q), 0);
}

static void test_momentum(void) {
    float k[3] = {1.0f, -2.5f, 3.25f}, q[3] = {0.5f, 4.0f, -1.0f};
    float want[3];
    const float a = (float)0.999, b = (float)(1.0 - 0.999);
    for (int i = 0; i < 3; i++) {
        float x = k[i] * a, y = q[i] * b;
        want[i] = x + y;
    }
    moco_momentum_update(k, q, 3, 0.999);
    CU_ASSERT_EQUAL(memcmp(k, want, sizeof k), 0);
    // (float)(1 - m) differs from 1 - (float)m: the scalar torch uses is the former
    CU_ASSERT_NOT_EQUAL(b, 1.0f - a);
}

static void test_enqueue(void) {
    enum { D = 2, K = 8 };
    float queue[D * K] = {0}, keys[4 * D];
    for (int i = 0; i < 4 * D; i++) keys[i] = (float)(i + 1);
    int64_t ptr = 4;
    CU_ASSERT_EQUAL(moco_enqueue(queue, D, K, &ptr, keys, 4), INV_OK);
    CU_ASSERT_EQUAL(ptr, 0);
    for (int i = 0; i < 4; i++)
        for (int d = 0; d < D; d++) CU_ASSERT_EQUAL(queue[d * K + 4 + i], keys[i * D + d]);
    CU_ASSERT_EQUAL(queue[0], 0);
    CU_ASSERT_EQUAL(moco_enqueue(queue, D, K, &ptr, keys, 3), INV_EINVAL); // K % b
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "not a multiple"));
    ptr = 6;
    CU_ASSERT_EQUAL(moco_enqueue(queue, D, K, &ptr, keys, 4), INV_ERANGE);
}

// loss(q) = sum_ij w_ij logits_ij for fixed weights w: d loss / d logits = w.
static double weighted_logits(int n, int dim, int K, const float *q, const float *k,
                              const float *queue, float T, const float *w) {
    float *l = malloc(sizeof(float) * n * (1 + K));
    moco_logits(n, dim, K, q, k, queue, T, l);
    double s = 0;
    for (int i = 0; i < n * (1 + K); i++) s += (double)w[i] * l[i];
    free(l);
    return s;
}

static void test_logits(void) {
    enum { N = 3, D = 4, K = 5 };
    float q[N * D], k[N * D], queue[D * K], l[N * (1 + K)], w[N * (1 + K)], gq[N * D];
    srand(3);
    for (int i = 0; i < N * D; i++) q[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < N * D; i++) k[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < D * K; i++) queue[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < N * (1 + K); i++) w[i] = rand() / (float)RAND_MAX - 0.5f;
    const float T = 0.2f;
    moco_logits(N, D, K, q, k, queue, T, l);
    for (int i = 0; i < N; i++) {
        double pos = 0;
        for (int d = 0; d < D; d++) pos += (double)q[i * D + d] * k[i * D + d];
        CU_ASSERT(fabs(l[i * (1 + K)] - pos / T) < 1e-5);
        for (int j = 0; j < K; j++) {
            double neg = 0;
            for (int d = 0; d < D; d++) neg += (double)q[i * D + d] * queue[d * K + j];
            CU_ASSERT(fabs(l[i * (1 + K) + 1 + j] - neg / T) < 1e-5);
        }
    }
    moco_logits_backward(N, D, K, w, k, queue, T, gq);
    for (int i = 0; i < N * D; i++) {
        float save = q[i], h = 1e-2f;
        q[i] = save + h;
        double up = weighted_logits(N, D, K, q, k, queue, T, w);
        q[i] = save - h;
        double dn = weighted_logits(N, D, K, q, k, queue, T, w);
        q[i] = save;
        CU_ASSERT(fabs((up - dn) / (2 * h) - gq[i]) < 1e-3);
    }
}

static void test_xent_topk(void) {
    const float logits[2 * 4] = {3, 1, 2, 0, 0, 5, 1, 5};
    const int32_t t[2] = {0, 3};
    double sum, mean;
    float g1[8], g2[8];
    CU_ASSERT_EQUAL(softmax_xent_sum(2, 4, logits, t, 0.25, &sum, g1), INV_OK);
    CU_ASSERT_EQUAL(softmax_xent(2, 4, logits, t, &mean, g2), INV_OK);
    CU_ASSERT(fabs(sum / 2 - mean) < 1e-12);
    for (int i = 0; i < 8; i++) CU_ASSERT(fabsf(g1[i] - g2[i] / 2) < 1e-7f);
    int topk[2] = {1, 2};
    int64_t c[2];
    topk_correct(2, 4, logits, t, 2, topk, c);
    CU_ASSERT_EQUAL(c[0], 2); // row 1: 5 ties with 5, none strictly greater
    CU_ASSERT_EQUAL(c[1], 2);
    const int32_t bad[2] = {0, 4};
    CU_ASSERT_EQUAL(softmax_xent_sum(2, 4, logits, bad, 1, &sum, NULL), INV_ERANGE);
}

static double head_loss(mlp_head *h, const float *x, int n, const float *w) {
    const float *y;
    mlp_head_forward(h, x, n, &y);
    double s = 0;
    for (int i = 0; i < n * h->out; i++) s += (double)w[i] * y[i];
    return s;
}

static void test_mlp_head(void) {
    enum { N = 3, IN = 5, OUT = 4 };
    nn_backend *be;
    CU_ASSERT_EQUAL_FATAL(nn_backend_create(&be, NN_BACKEND_REFERENCE), INV_OK);
    mlp_head h;
    CU_ASSERT_EQUAL_FATAL(mlp_head_init(&h, IN, IN, OUT, be), INV_OK);
    mlp_head_init_random(&h, 5);
    CU_ASSERT_EQUAL(h.params.count, 4);
    CU_ASSERT_STRING_EQUAL(h.params.info[0].name, "fc.0.weight");
    CU_ASSERT_STRING_EQUAL(h.params.info[3].name, "fc.2.bias");
    float bound = 1.0f / sqrtf(IN);
    for (size_t i = 0; i < h.params.n_trainable; i++) CU_ASSERT(fabsf(h.params.data[i]) <= bound);
    float x[N * IN], w[N * OUT], gx[N * IN];
    srand(9);
    for (int i = 0; i < N * IN; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < N * OUT; i++) w[i] = rand() / (float)RAND_MAX - 0.5f;
    head_loss(&h, x, N, w);
    CU_ASSERT_EQUAL(mlp_head_backward(&h, w, gx), INV_OK);
    float *grad = malloc(sizeof(float) * h.params.n_trainable);
    memcpy(grad, h.params.grad, sizeof(float) * h.params.n_trainable);
    const float eps = 1e-3f;
    for (int i = 0; i < N * IN; i++) {
        float s = x[i];
        x[i] = s + eps;
        double up = head_loss(&h, x, N, w);
        x[i] = s - eps;
        double dn = head_loss(&h, x, N, w);
        x[i] = s;
        CU_ASSERT(fabs((up - dn) / (2 * eps) - gx[i]) < 2e-3);
    }
    for (size_t i = 0; i < h.params.n_trainable; i++) {
        float s = h.params.data[i];
        h.params.data[i] = s + eps;
        double up = head_loss(&h, x, N, w);
        h.params.data[i] = s - eps;
        double dn = head_loss(&h, x, N, w);
        h.params.data[i] = s;
        CU_ASSERT(fabs((up - dn) / (2 * eps) - grad[i]) < 2e-3);
    }
    free(grad);
    mlp_head_free(&h);
    CU_ASSERT_EQUAL(mlp_head_init(&h, 0, 4, 4, be), INV_EINVAL);
    nn_backend_destroy(be);
}

int test_moco_register(void) {
    CU_pSuite s = CU_add_suite("moco", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_queue);
    TEST_ADD(s, test_momentum);
    TEST_ADD(s, test_enqueue);
    TEST_ADD(s, test_logits);
    TEST_ADD(s, test_xent_topk);
    TEST_ADD(s, test_mlp_head);
    return 0;
}
