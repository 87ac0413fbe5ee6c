// loss.c: L2 normalisation, matrix product and softmax cross-entropy (log-sum-exp with the row
// maximum subtracted, accumulated in double), forward and backward, as torch computes them.
#include "nn/loss.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>

void l2norm_forward(int n, int d, const float *x, float *y, float *norms) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const float *xi = x + (int64_t)i * d;
        double s = 0;
        for (int j = 0; j < d; j++) s += (double)xi[j] * xi[j];
        double nrm = sqrt(s);
        norms[i] = (float)nrm;
        float inv = (float)(1.0 / (nrm > 1e-12 ? nrm : 1e-12));
        float *yi = y + (int64_t)i * d;
        for (int j = 0; j < d; j++) yi[j] = xi[j] * inv;
    }
}

void l2norm_backward(int n, int d, const float *y, const float *norms, const float *gy, float *gx) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const float *yi = y + (int64_t)i * d, *gi = gy + (int64_t)i * d;
        float *o = gx + (int64_t)i * d;
        double nrm = norms[i];
        if (nrm > 1e-12) {
            double dot = 0;
            for (int j = 0; j < d; j++) dot += (double)yi[j] * gi[j];
            float inv = (float)(1.0 / nrm), fd = (float)dot;
            for (int j = 0; j < d; j++) o[j] = (gi[j] - yi[j] * fd) * inv;
        } else {
            for (int j = 0; j < d; j++) o[j] = gi[j] * 1e12f; // the clamp is active: y = x / eps
        }
    }
}

void nn_matmul(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
               const float *b, float beta, float *c) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, trans_a ? m : k, b,
                trans_b ? k : n, beta, c, n);
}

int softmax_xent_sum(int n, int k, const float *logits, const int32_t *targets, double grad_scale,
                     double *loss_sum, float *glogits) {
    for (int i = 0; i < n; i++)
        if (targets[i] < 0 || targets[i] >= k)
            return inv_fail(INV_ERANGE, "cross-entropy: target %d of row %d is outside [0, %d)",
                            targets[i], i, k);
    double total = 0;
    const float fscale = (float)grad_scale;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (int i = 0; i < n; i++) {
        const float *li = logits + (int64_t)i * k;
        float mx = li[0];
        for (int j = 1; j < k; j++) mx = li[j] > mx ? li[j] : mx;
        double s = 0;
        for (int j = 0; j < k; j++) s += exp((double)li[j] - mx);
        double lse = mx + log(s);
        total += lse - li[targets[i]];
        if (glogits) {
            float *gi = glogits + (int64_t)i * k;
            for (int j = 0; j < k; j++) gi[j] = (float)(exp((double)li[j] - lse) * grad_scale);
            gi[targets[i]] -= fscale;
        }
    }
    *loss_sum = total;
    return INV_OK;
}

int softmax_xent(int n, int k, const float *logits, const int32_t *targets, double *loss,
                 float *glogits) {
    double sum;
    INV_TRY(softmax_xent_sum(n, k, logits, targets, 1.0 / n, &sum, glogits));
    *loss = sum / n;
    return INV_OK;
}

void topk_correct(int n, int k, const float *logits, const int32_t *targets, int ntopk,
                  const int *topk, int64_t *correct) {
    for (int j = 0; j < ntopk; j++) correct[j] = 0;
    for (int i = 0; i < n; i++) {
        const float *li = logits + (int64_t)i * k;
        float t = li[targets[i]];
        int above = 0;
        for (int j = 0; j < k; j++) above += li[j] > t;
        for (int j = 0; j < ntopk; j++) correct[j] += above < topk[j];
    }
}
