// model.h: what invar-train trains and one training step. MoCo: encoder_q / encoder_k (ResNet
// backbone + MLP head each), the queue and its pointer, SGD over encoder_q. Supervised: one
// ResNet with a Linear(d, classes) fc. BN groups: each of this rank's groups runs its own
// forward (batch statistics of b/G images); group gradients are summed into one contiguous
// buffer (backbone then head) that MPI_Allreduce sums over ranks; the BN running statistics
// kept are those of the rank's first group (on rank 0: group 0's, which a checkpoint saves).
#ifndef INVAR_TRAIN_MODEL_H
#define INVAR_TRAIN_MODEL_H

#include "loader.h"
#include "options.h"

#include "nn/backend.h"
#include "nn/mlp_head.h"
#include "nn/optim.h"
#include "nn/resnet.h"

#include <mpi.h>

typedef struct {
    const train_opts *o;
    nn_backend *be;
    resnet *q, *k;     // k: MoCo's key encoder (NULL for supervised)
    mlp_head hq, hk;   // MoCo heads: Linear(d, d)-ReLU-Linear(d, dim)
    int d, out_dim;    // pooled feature width; head output (dim, or classes)
    int nclasses;      // supervised
    float *queue;      // (dim, K)
    int64_t queue_ptr; // stored as queue_ptr (1,)
    sgd_state sgd_bb, sgd_head;
    size_t n_bb, n_head;
    float *gacc; // (n_bb + n_head) gradient summed over groups, then over ranks
    // scratch
    float *k_local, *k_shuf, *k_all; // (rank_rows, dim), (b, dim), (b, dim)
    float *qn, *norms, *logits, *glogits, *gq, *gfeat;
    float *bn_save;
    int64_t *count_save;
    double allreduce_s; // seconds of the last step waiting for the gradient allreduce
    // MoCo, seconds summed over steps: momentum update + keys; queries (forward, loss, backward);
    // of which the backbone's backward
    double time_keys, time_query, time_backward;
    // buckets reduced while backward runs (the last group's): grads [ready, n_bb) are in gacc,
    // gacc [sent, n_bb) is in flight
    size_t bucket, ready, sent;
    int first_group, nreq;
    MPI_Request req[64];
} train_model;

// Rank-local statistics of one step (rank 0's are logged, as the official console).
typedef struct {
    double loss_sum;
    int64_t correct1, correct5;
    int rows;
} step_stats;

int model_create(train_model *m, const train_opts *o, int nclasses);
void model_free(train_model *m);
// Fresh state from the seed: torchvision init of encoder_q, its head, encoder_k = a copy of
// encoder_q's parameters (fresh buffers), a random unit-key queue, queue_ptr 0.
void model_init(train_model *m, uint64_t seed);
// One step on this rank's part of global batch bt at learning rate lr (collective).
int model_step(train_model *m, const train_batch *bt, double lr, step_stats *st);

#endif
