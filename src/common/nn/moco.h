// moco.h: the maths of MoCo's contrastive step (facebookresearch/moco builder.py): the queue of
// unit keys, the momentum update of the key encoder, the logits [q.k, q queue] / T and their
// backward, and the enqueue.
#ifndef INVAR_NN_MOCO_H
#define INVAR_NN_MOCO_H

#include <stddef.h>
#include <stdint.h>

// queue (dim, K) = randn(dim, K) normalised along dim 0 (each column a unit key), keyed by seed
// (RNG_PURPOSE_QUEUE, one stream per column).
void moco_queue_init(float *queue, int dim, int K, uint64_t seed);
// theta_k = theta_k * m + theta_q * (1 - m) over n floats in float32 (two products, one sum),
// with the scalars m and 1 - m (computed in double, as Python does) rounded to float32.
void moco_momentum_update(float *theta_k, const float *theta_q, size_t n, double m);
// logits (n, 1 + K): column 0 = q_i . k_i, columns 1.. = q_i queue; all divided by T.
// q, k: (n, dim) unit rows; queue (dim, K).
void moco_logits(int n, int dim, int K, const float *q, const float *k, const float *queue, float T,
                 float *logits);
// gq (n, dim) = d loss / d q from glogits (n, 1 + K) (the keys and the queue are constants).
void moco_logits_backward(int n, int dim, int K, const float *glogits, const float *k,
                          const float *queue, float T, float *gq);
// queue[:, ptr:ptr+b] = keys^T (keys (b, dim)); ptr = (ptr + b) % K. INV_EINVAL unless
// K % b == 0 (the official assert).
int moco_enqueue(float *queue, int dim, int K, int64_t *ptr, const float *keys, int b);

#endif
