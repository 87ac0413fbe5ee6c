// model.c: the models of invar-train and the MoCo-v2 / supervised step (MOCO.md section 2).
#include "model.h"

#include "core/error.h"
#include "core/log.h"
#include "core/tensor.h"
#include "nn/loss.h"
#include "nn/moco.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

int model_create(train_model *m, const train_opts *o, int nclasses) {
    memset(m, 0, sizeof *m);
    m->o = o;
    nn_backend_kind kind;
    INV_TRY(nn_backend_parse(o->backend, &kind));
    INV_TRY(nn_backend_create(&m->be, kind));
    resnet_config cfg;
    int moco = o->objective == OBJ_MOCO;
    INV_TRY(resnet_config_parse(&cfg, o->arch, o->stem, moco ? 0 : nclasses));
    INV_TRY(resnet_config_scale_width(&cfg, o->width));
    INV_TRY(resnet_create(&m->q, &cfg, m->be));
    m->d = resnet_feature_dim(m->q);
    m->nclasses = nclasses;
    m->n_bb = resnet_params(m->q)->n_trainable;
    if (moco) {
        INV_TRY(resnet_create(&m->k, &cfg, m->be));
        INV_TRY(mlp_head_init(&m->hq, m->d, m->d, o->dim, m->be));
        INV_TRY(mlp_head_init(&m->hk, m->d, m->d, o->dim, m->be));
        m->n_head = m->hq.params.n_trainable;
        m->out_dim = o->dim;
    } else {
        m->out_dim = nclasses;
    }
    m->bucket = (size_t)(o->bucket_mb * (1 << 20) / sizeof(float));
    if (o->bucket_mb > 0 && m->bucket == 0) m->bucket = 1;
    INV_TRY(sgd_init(&m->sgd_bb, m->n_bb, o->momentum, 0, o->wd, 0));
    if (moco) INV_TRY(sgd_init(&m->sgd_head, m->n_head, o->momentum, 0, o->wd, 0));
    int b = o->batch, gr = o->group_rows, rr = o->rank_rows, dim = o->dim, K = o->queue;
    size_t ncols = moco ? (size_t)1 + K : (size_t)nclasses;
    const nn_params *pq = resnet_params(m->q);
    m->gacc = inv_aligned_alloc(sizeof(float) * (m->n_bb + m->n_head));
    m->logits = inv_aligned_alloc(sizeof(float) * gr * ncols);
    m->glogits = inv_aligned_alloc(sizeof(float) * gr * ncols);
    m->bn_save = inv_aligned_alloc(sizeof(float) * (pq->n_buffer + 1));
    m->count_save = malloc(sizeof(int64_t) * (pq->n_counts + 1));
    int ok = m->gacc && m->logits && m->glogits && m->bn_save && m->count_save;
    if (moco) {
        m->queue = inv_aligned_alloc(sizeof(float) * (size_t)dim * K);
        m->k_local = inv_aligned_alloc(sizeof(float) * (size_t)rr * dim);
        m->k_shuf = inv_aligned_alloc(sizeof(float) * (size_t)b * dim);
        m->k_all = inv_aligned_alloc(sizeof(float) * (size_t)b * dim);
        m->qn = inv_aligned_alloc(sizeof(float) * (size_t)gr * dim);
        m->norms = inv_aligned_alloc(sizeof(float) * (size_t)(gr > rr ? gr : rr));
        m->gq = inv_aligned_alloc(sizeof(float) * (size_t)gr * dim);
        m->gfeat = inv_aligned_alloc(sizeof(float) * (size_t)gr * m->d);
        ok = ok && m->queue && m->k_local && m->k_shuf && m->k_all && m->qn && m->norms && m->gq &&
             m->gfeat;
    }
    if (!ok) return inv_fail(INV_ENOMEM, "invar-train: out of memory for the model's buffers");
    return INV_OK;
}

void model_free(train_model *m) {
    resnet_free(m->q);
    resnet_free(m->k);
    if (m->k) mlp_head_free(&m->hq), mlp_head_free(&m->hk);
    sgd_free(&m->sgd_bb);
    sgd_free(&m->sgd_head);
    nn_backend_destroy(m->be);
    float *bufs[] = {m->queue, m->gacc,   m->k_local, m->k_shuf, m->k_all, m->qn,
                     m->norms, m->logits, m->glogits, m->gq,     m->gfeat, m->bn_save};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) inv_aligned_free(bufs[i]);
    free(m->count_save);
    memset(m, 0, sizeof *m);
}

void model_init(train_model *m, uint64_t seed) {
    resnet_init_random(m->q, seed);
    if (!m->k) return;
    mlp_head_init_random(&m->hq, seed);
    nn_params *pq = resnet_params(m->q), *pk = resnet_params(m->k);
    resnet_init_random(m->k, seed); // fresh buffers (mean 0, var 1, count 0)
    memcpy(pk->data, pq->data, sizeof(float) * pq->n_trainable);
    memcpy(m->hk.params.data, m->hq.params.data, sizeof(float) * m->n_head);
    moco_queue_init(m->queue, m->o->dim, m->o->queue, seed);
    m->queue_ptr = 0;
}

// The BN running statistics and counts of a model: saved after a rank's first group, restored
// after each further group's forward.
static void bn_save(train_model *m, const nn_params *p) {
    memcpy(m->bn_save, p->data + p->n_trainable, sizeof(float) * p->n_buffer);
    memcpy(m->count_save, p->counts, sizeof(int64_t) * p->n_counts);
}
static void bn_restore(const train_model *m, nn_params *p) {
    memcpy(p->data + p->n_trainable, m->bn_save, sizeof(float) * p->n_buffer);
    memcpy(p->counts, m->count_save, sizeof(int64_t) * p->n_counts);
}

static void accumulate(float *acc, const float *g, size_t n, int first) {
    if (first) {
        memcpy(acc, g, sizeof(float) * n);
        return;
    }
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) acc[i] += g[i];
}

// Starts the allreduce of gacc [lo, hi) (in chunks that fit an int count).
static int start_allreduce(train_model *m, size_t lo, size_t hi) {
    const size_t chunk = (size_t)1 << 28;
    for (size_t at = lo; at < hi; at += chunk) {
        if (m->nreq == (int)(sizeof m->req / sizeof *m->req)) {
            INV_CHECK_MPI(MPI_Waitall(m->nreq, m->req, MPI_STATUSES_IGNORE));
            m->nreq = 0;
        }
        int cnt = (int)(hi - at < chunk ? hi - at : chunk);
        INV_CHECK_MPI(MPI_Iallreduce(MPI_IN_PLACE, m->gacc + at, cnt, MPI_FLOAT, MPI_SUM,
                                     MPI_COMM_WORLD, &m->req[m->nreq++]));
    }
    return INV_OK;
}

// resnet_backward's hook on the last group: grads [lo, ready) into gacc, and a bucket of
// them on its way once it is large enough (or the backbone is done).
static void on_grad_ready(void *ctx, size_t lo) {
    train_model *m = ctx;
    if (lo >= m->ready) return;
    accumulate(m->gacc + lo, resnet_params(m->q)->grad + lo, m->ready - lo, m->first_group);
    m->ready = lo;
    if (m->o->ranks > 1 && m->bucket && (m->sent - lo >= m->bucket || lo == 0)) {
        if (start_allreduce(m, lo, m->sent))
            log_error("allreduce: %s", inv_errmsg()); // MPI errors abort by default anyway
        m->sent = lo;
    }
    int flag;
    if (m->nreq) MPI_Testall(m->nreq, m->req, &flag, MPI_STATUSES_IGNORE); // progress
}

// Before the last group's backward: its gradients go through on_grad_ready (with buckets when
// --bucket-mb > 0 and there are several ranks); the head's (already computed) at once.
static int begin_last_backward(train_model *m, int first) {
    m->first_group = first;
    m->ready = m->sent = m->n_bb;
    m->nreq = 0;
    if (m->n_head) {
        accumulate(m->gacc + m->n_bb, m->hq.params.grad, m->n_head, first);
        if (m->o->ranks > 1 && m->bucket) INV_TRY(start_allreduce(m, m->n_bb, m->n_bb + m->n_head));
    }
    resnet_set_grad_ready(m->q, on_grad_ready, m);
    return INV_OK;
}

static int allreduce_and_update(train_model *m, double lr) {
    resnet_set_grad_ready(m->q, NULL, NULL);
    double t0 = time_now();
    if (m->o->ranks > 1 && !m->bucket) INV_TRY(start_allreduce(m, 0, m->n_bb + m->n_head));
    if (m->nreq) INV_CHECK_MPI(MPI_Waitall(m->nreq, m->req, MPI_STATUSES_IGNORE));
    m->nreq = 0;
    m->allreduce_s = time_now() - t0;
    sgd_step(&m->sgd_bb, resnet_params(m->q)->data, m->gacc, lr);
    if (m->k) sgd_step(&m->sgd_head, m->hq.params.data, m->gacc + m->n_bb, lr);
    return INV_OK;
}

static const int TOPK[2] = {1, 5};

static int moco_step(train_model *m, const train_batch *bt, double lr, step_stats *st) {
    const train_opts *o = m->o;
    int b = o->batch, gr = o->group_rows, rr = o->rank_rows, ng = o->groups_per_rank;
    int dim = o->dim, K = o->queue, S = o->policy.out_size, r0 = o->rank * rr;
    size_t chw = (size_t)3 * S * S;
    nn_params *pq = resnet_params(m->q), *pk = resnet_params(m->k);
    // momentum update of the key encoder, with encoder_q before this step's SGD update
    double t0 = time_now();
    moco_momentum_update(pk->data, pq->data, m->n_bb, o->moco_m);
    moco_momentum_update(m->hk.params.data, m->hq.params.data, m->n_head, o->moco_m);
    // keys of my rows of the shuffled key batch, group by group
    for (int g = 0; g < ng; g++) {
        const float *feat, *z;
        INV_TRY(resnet_forward(m->k, bt->k + (size_t)g * gr * chw, gr, S, S, RESNET_TRAIN_NOGRAD,
                               &feat));
        INV_TRY(mlp_head_forward(&m->hk, feat, gr, &z));
        l2norm_forward(gr, dim, z, m->k_local + (size_t)g * gr * dim, m->norms);
        if (g == 0 && ng > 1)
            bn_save(m, pk);
        else if (g > 0)
            bn_restore(m, pk);
    }
    double t1 = time_now();
    m->time_keys += t1 - t0;
    // all keys in shuffled order, then unshuffled: k_all[shuffle[j]] = k_shuf[j]
    INV_CHECK_MPI(MPI_Allgather(m->k_local, rr * dim, MPI_FLOAT, m->k_shuf, rr * dim, MPI_FLOAT,
                                MPI_COMM_WORLD));
    for (int j = 0; j < b; j++)
        memcpy(m->k_all + (size_t)bt->shuffle[j] * dim, m->k_shuf + (size_t)j * dim,
               sizeof(float) * dim);
    // queries, group by group: the rows' losses are independent given the keys and the queue
    memset(st, 0, sizeof *st);
    st->rows = rr;
    int32_t *targets = calloc((size_t)gr, sizeof(int32_t)); // the positive is column 0
    if (!targets) return inv_fail(INV_ENOMEM, "MoCo step: out of memory");
    int rc = INV_OK;
    for (int g = 0; g < ng && !rc; g++) {
        const float *feat, *z;
        const float *keys = m->k_all + (size_t)(r0 + g * gr) * dim;
        if ((rc =
                 resnet_forward(m->q, bt->q + (size_t)g * gr * chw, gr, S, S, RESNET_TRAIN, &feat)))
            break;
        if (g == 0 && ng > 1)
            bn_save(m, pq);
        else if (g > 0)
            bn_restore(m, pq);
        if ((rc = mlp_head_forward(&m->hq, feat, gr, &z))) break;
        l2norm_forward(gr, dim, z, m->qn, m->norms);
        moco_logits(gr, dim, K, m->qn, keys, m->queue, (float)o->temperature, m->logits);
        double ls;
        if ((rc = softmax_xent_sum(gr, 1 + K, m->logits, targets, 1.0 / b, &ls, m->glogits))) break;
        int64_t c[2];
        topk_correct(gr, 1 + K, m->logits, targets, 2, TOPK, c);
        st->loss_sum += ls, st->correct1 += c[0], st->correct5 += c[1];
        moco_logits_backward(gr, dim, K, m->glogits, keys, m->queue, (float)o->temperature, m->gq);
        l2norm_backward(gr, dim, m->qn, m->norms, m->gq, m->gq);
        if ((rc = mlp_head_backward(&m->hq, m->gq, m->gfeat))) break;
        if (g == ng - 1 && (rc = begin_last_backward(m, g == 0))) break;
        double tb = time_now();
        if ((rc = resnet_backward(m->q, m->gfeat))) break;
        m->time_backward += time_now() - tb;
        if (g < ng - 1) {
            accumulate(m->gacc, pq->grad, m->n_bb, g == 0);
            accumulate(m->gacc + m->n_bb, m->hq.params.grad, m->n_head, g == 0);
        }
    }
    free(targets);
    if (rc) return rc;
    // enqueue the global batch's keys (every rank keeps the same queue), then SGD
    m->time_query += time_now() - t1;
    INV_TRY(moco_enqueue(m->queue, dim, K, &m->queue_ptr, m->k_all, b));
    return allreduce_and_update(m, lr);
}

static int supervised_step(train_model *m, const train_batch *bt, double lr, step_stats *st) {
    const train_opts *o = m->o;
    int b = o->batch, gr = o->group_rows, ng = o->groups_per_rank, S = o->policy.out_size;
    size_t chw = (size_t)3 * S * S;
    nn_params *p = resnet_params(m->q);
    memset(st, 0, sizeof *st);
    st->rows = o->rank_rows;
    for (int g = 0; g < ng; g++) {
        const float *logits;
        const int32_t *lab = bt->labels + (size_t)g * gr;
        for (int i = 0; i < gr; i++)
            if (lab[i] >= m->nclasses)
                return inv_fail(INV_ERANGE, "%s: label %d is not below --classes %d", o->data,
                                lab[i], m->nclasses);
        INV_TRY(
            resnet_forward(m->q, bt->q + (size_t)g * gr * chw, gr, S, S, RESNET_TRAIN, &logits));
        if (g == 0 && ng > 1)
            bn_save(m, p);
        else if (g > 0)
            bn_restore(m, p);
        double ls;
        INV_TRY(softmax_xent_sum(gr, m->nclasses, logits, lab, 1.0 / b, &ls, m->glogits));
        int64_t c[2];
        topk_correct(gr, m->nclasses, logits, lab, 2, TOPK, c);
        st->loss_sum += ls, st->correct1 += c[0], st->correct5 += c[1];
        if (g == ng - 1) INV_TRY(begin_last_backward(m, g == 0));
        INV_TRY(resnet_backward(m->q, m->glogits));
        if (g < ng - 1) accumulate(m->gacc, p->grad, m->n_bb, g == 0);
    }
    return allreduce_and_update(m, lr);
}

int model_step(train_model *m, const train_batch *bt, double lr, step_stats *st) {
    return m->k ? moco_step(m, bt, lr, st) : supervised_step(m, bt, lr, st);
}
