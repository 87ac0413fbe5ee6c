// loss.h: what MoCo's contrastive loss is built from: row-wise L2 normalisation
// (F.normalize), a matrix product, and softmax cross-entropy with integer targets, each with
// its backward.
#ifndef INVAR_NN_LOSS_H
#define INVAR_NN_LOSS_H

#include <stdint.h>

// y (n, d) = x / max(||x_i||, 1e-12) row-wise; norms (n) receives ||x_i||. y may alias x.
void l2norm_forward(int n, int d, const float *x, float *y, float *norms);
// gx (n, d) from the forward's y and norms and gy; gx may alias gy.
void l2norm_backward(int n, int d, const float *y, const float *norms, const float *gy, float *gx);
// c (m, n) = alpha op(a) op(b) + beta c, row-major; op = transpose when trans_* != 0.
// a: (m, k) or (k, m); b: (k, n) or (n, k).
void nn_matmul(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
               const float *b, float beta, float *c);
// Mean softmax cross-entropy of logits (n, k) against targets (n) in [0, k). Returns the loss
// (double) in *loss; glogits (n, k) (may be NULL) receives d loss / d logits. INV_ERANGE with a
// message when a target is out of range.
int softmax_xent(int n, int k, const float *logits, const int32_t *targets, double *loss,
                 float *glogits);
// The sum over rows of the softmax cross-entropy (double) in *loss_sum; glogits (may be NULL)
// = (softmax - onehot) * grad_scale (grad_scale = 1 / global rows for a mean over rows spread
// over groups or ranks). INV_ERANGE when a target is out of range.
int softmax_xent_sum(int n, int k, const float *logits, const int32_t *targets, double grad_scale,
                     double *loss_sum, float *glogits);
// Rows whose target is among the top `topk` logits (fewer than topk logits strictly greater than
// the target's: torch.topk's largest=True set when there are no ties), as the official
// accuracy(); correct[j] (j < ntopk) counts the rows for topk[j].
void topk_correct(int n, int k, const float *logits, const int32_t *targets, int ntopk,
                  const int *topk, int64_t *correct);

#endif
