// moco.c: MoCo's queue, momentum update, logits and enqueue (see moco.h), float32 as torch.
#include "nn/moco.h"

#include "core/error.h"
#include "core/rng.h"
#include <cblas.h>
#include <math.h>

void moco_queue_init(float *queue, int dim, int K, uint64_t seed) {
    for (int j = 0; j < K; j++) {
        rng_stream rs;
        rng_stream_init(&rs, seed, RNG_PURPOSE_QUEUE, 0, (uint32_t)j, 0);
        double s = 0;
        for (int i = 0; i < dim; i += 2) {
            float z[2];
            rng_normal2(&rs, z);
            queue[(int64_t)i * K + j] = z[0];
            if (i + 1 < dim) queue[(int64_t)(i + 1) * K + j] = z[1];
        }
        for (int i = 0; i < dim; i++) {
            float v = queue[(int64_t)i * K + j];
            s += (double)v * v;
        }
        double nrm = sqrt(s);
        float inv = (float)(1.0 / (nrm > 1e-12 ? nrm : 1e-12));
        for (int i = 0; i < dim; i++) queue[(int64_t)i * K + j] *= inv;
    }
}

void moco_momentum_update(float *theta_k, const float *theta_q, size_t n, double m) {
    const float a = (float)m, b = (float)(1.0 - m); // param_k * m + param_q * (1. - m)
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        // ISO C (-std=c11) compiles with -ffp-contract=off: two roundings, no FMA
        theta_k[i] = theta_k[i] * a + theta_q[i] * b;
    }
}

void moco_logits(int n, int dim, int K, const float *q, const float *k, const float *queue, float T,
                 float *logits) {
    const int64_t row = 1 + (int64_t)K;
    for (int i = 0; i < n; i++) {
        float s = 0;
        for (int d = 0; d < dim; d++) s += q[(int64_t)i * dim + d] * k[(int64_t)i * dim + d];
        logits[i * row] = s;
    }
    // l_neg (n, K) = q (n, dim) queue (dim, K), into columns 1.. (leading dimension 1 + K)
    if (K > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, K, dim, 1.0f, q, dim, queue, K,
                    0.0f, logits + 1, (int)row);
    for (int64_t t = 0; t < (int64_t)n * row; t++) logits[t] /= T;
}

void moco_logits_backward(int n, int dim, int K, const float *glogits, const float *k,
                          const float *queue, float T, float *gq) {
    const int64_t row = 1 + (int64_t)K;
    // d (l / T) = g / T; gq = gpos k + gneg queue^T
    for (int i = 0; i < n; i++) {
        float gp = glogits[i * row] / T;
        for (int d = 0; d < dim; d++) gq[(int64_t)i * dim + d] = gp * k[(int64_t)i * dim + d];
    }
    if (K > 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, dim, K, 1.0f / T, glogits + 1,
                    (int)row, queue, K, 1.0f, gq, dim);
}

int moco_enqueue(float *queue, int dim, int K, int64_t *ptr, const float *keys, int b) {
    if (b <= 0 || K % b != 0)
        return inv_fail(INV_EINVAL, "MoCo: the queue size %d is not a multiple of the batch %d", K,
                        b);
    int64_t p = *ptr;
    if (p < 0 || p + b > K)
        return inv_fail(INV_ERANGE, "MoCo: queue_ptr %lld out of range for K %d, batch %d",
                        (long long)p, K, b);
    for (int i = 0; i < b; i++)
        for (int d = 0; d < dim; d++) queue[(int64_t)d * K + p + i] = keys[(int64_t)i * dim + d];
    *ptr = (p + b) % K;
    return INV_OK;
}
