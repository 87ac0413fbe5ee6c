// sweep_run.c: the pipelined unit loop of a synthetic sweep: prepare (read, transform, normalise
// into the network input), forward, metrics, journal; a worker thread prepares the next unit
// while the current one is in the network.
#include "sweep_run.h"

#include "metrics.h"

#include "core/error.h"
#include "core/log.h"
#include "core/tensor.h"
#include "image/augment.h"

#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const float MEAN[3] = {0.485f, 0.456f, 0.406f}, STD[3] = {0.229f, 0.224f, 0.225f};

// One prepared unit: its items (transform slot, image position, grid slot, raw-image slot),
// the raw images (each read once) and the network input (cnt, 3, C, C).
typedef struct {
    int *t, *p, *slot;
    int64_t *image;
    uint8_t *raw;
    float *x;
} unit_buf;

static int buf_alloc(unit_buf *ub, int B, size_t img_bytes, int C) {
    ub->t = malloc(sizeof(int) * 3 * (size_t)B);
    ub->image = malloc(sizeof(int64_t) * (size_t)B);
    ub->raw = malloc(img_bytes * (size_t)B);
    ub->x = inv_aligned_alloc(sizeof(float) * 3 * C * C * (size_t)B);
    if (!ub->t || !ub->image || !ub->raw || !ub->x)
        return inv_fail(INV_ENOMEM, "out of memory for a batch of %d", B);
    ub->p = ub->t + B, ub->slot = ub->t + 2 * B;
    return INV_OK;
}

static void buf_free(unit_buf *ub) {
    free(ub->t), free(ub->image), free(ub->raw), inv_aligned_free(ub->x);
    memset(ub, 0, sizeof *ub);
}

static int prepare_unit(const sweep_ctx *c, const sweep_unit *u, unit_buf *ub) {
    const shard *s = c->s;
    size_t img_bytes = (size_t)s->spec.h * s->spec.w * s->spec.c;
    int C = c->crop, slots = 0;
    for (int q = 0; q < u->cnt; q++) {
        sweep_item(c->items, u->lo + q, &ub->t[q], &ub->image[q], &ub->p[q]);
        if (q && ub->image[q] == ub->image[q - 1]) {
            ub->slot[q] = ub->slot[q - 1];
        } else {
            ub->slot[q] = slots;
            INV_TRY(shard_read_images(s, c->rows[ub->image[q]], 1, ub->raw + img_bytes * slots));
            slots++;
        }
    }
    int bad = u->cnt;
    size_t plane = (size_t)3 * C * C;
#pragma omp parallel for schedule(dynamic, 1) reduction(min : bad)
    for (int q = 0; q < u->cnt; q++) {
        image_u8 in = {.w = (int)s->spec.w,
                       .h = (int)s->spec.h,
                       .c = (int)s->spec.c,
                       .data = ub->raw + img_bytes * ub->slot[q]},
                 out = {0};
        int t = c->plan->t[ub->t[q]], k = c->plan->k[ub->t[q] * c->plan->P + ub->p[q]];
        if (transform_apply(t, k, &in, c->o, 0, &out) || out.w != C || out.h != C)
            bad = q < bad ? q : bad;
        else
            augment_to_tensor(&out, MEAN, STD, ub->x + plane * q);
        image_free(&out);
    }
    if (bad < u->cnt)
        return inv_fail(INV_EINVAL, "%s: transforming image %lld failed",
                        transform_info_at(c->plan->t[ub->t[bad]])->name,
                        (long long)c->rows[ub->image[bad]]);
    return INV_OK;
}

// A prepared unit through the network and the metrics: values (cnt, 3).
static int finish_unit(const sweep_ctx *c, const sweep_unit *u, const unit_buf *ub, float *f,
                       double *z, double *y, double *values) {
    int C = c->crop, d = c->b->d, cnt = u->cnt;
    INV_TRY(backbone_forward(c->b, ub->x, cnt, C, C, f));
    whiten_apply(c->w, c->w->g_sim, f, cnt, z);
    if (c->w->g_dist != c->w->g_sim) whiten_apply(c->w, c->w->g_dist, f, cnt, y);
    double eps = c->official ? 1e-8 : 1e-12;
    const double *yy = c->w->g_dist != c->w->g_sim ? y : z;
    for (int q = 0; q < cnt; q++) {
        int64_t im = ub->image[q];
        values[3 * q] = metric_cosine(c->zc + im * d, z + (size_t)q * d, d, eps);
        values[3 * q + 1] = metric_distance(c->yc + im * d, yy + (size_t)q * d, d);
        values[3 * q + 2] = metric_alignment(c->clean + im * d, f + (size_t)q * d, d);
    }
    return INV_OK;
}

// The preparing worker: one job at a time (state 1: posted, 2: done, 3: quit).
typedef struct {
    const sweep_ctx *c;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const sweep_unit *u;
    unit_buf *ub;
    int state, rc;
    char err[1024];
} worker;

static void *worker_main(void *arg) {
    worker *w = arg;
    omp_set_num_threads(w->c->transform_threads);
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (w->state != 1 && w->state != 3) pthread_cond_wait(&w->cv, &w->mu);
        int quit = w->state == 3;
        pthread_mutex_unlock(&w->mu);
        if (quit) return NULL;
        int rc = prepare_unit(w->c, w->u, w->ub);
        pthread_mutex_lock(&w->mu);
        w->rc = rc;
        if (rc) snprintf(w->err, sizeof w->err, "%s", inv_errmsg()); // the error is per thread
        w->state = 2;
        pthread_cond_broadcast(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
}

static void worker_post(worker *w, const sweep_unit *u, unit_buf *ub) {
    pthread_mutex_lock(&w->mu);
    w->u = u, w->ub = ub, w->state = 1;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

static int worker_wait(worker *w) {
    pthread_mutex_lock(&w->mu);
    while (w->state != 2) pthread_cond_wait(&w->cv, &w->mu);
    w->state = 0;
    int rc = w->rc;
    pthread_mutex_unlock(&w->mu);
    return rc ? inv_fail(rc, "%s", w->err) : INV_OK;
}

int sweep_run(const sweep_ctx *c, const sweep_unit *units, const int64_t *pending, work_queue *q,
              sweep_journal *j, int64_t total) {
    int B = c->batch, d = c->b->d, rc = INV_OK, started = 0;
    size_t img_bytes = (size_t)c->s->spec.h * c->s->spec.w * c->s->spec.c;
    unit_buf ub[2] = {0};
    float *f = malloc(sizeof(float) * (size_t)B * d);
    double *z = malloc(sizeof(double) * (size_t)B * d), *y = malloc(sizeof(double) * (size_t)B * d);
    double *vals = malloc(sizeof(double) * 3 * (size_t)B);
    worker w = {.c = c};
    if (!f || !z || !y || !vals) rc = inv_fail(INV_ENOMEM, "out of memory for a batch of %d", B);
    for (int i = 0; i < 2 && !rc; i++) rc = buf_alloc(&ub[i], B, img_bytes, c->crop);
    if (!rc && c->transform_threads > 0) {
        pthread_mutex_init(&w.mu, NULL);
        pthread_cond_init(&w.cv, NULL);
        if (pthread_create(&w.th, NULL, worker_main, &w)) {
            pthread_mutex_destroy(&w.mu);
            pthread_cond_destroy(&w.cv);
            rc = inv_fail(INV_EIO, "synthetic: cannot start the transform thread");
        } else {
            started = 1;
        }
    }
    progress prog;
    progress_start(&prog, "synthetic", total, "images");
    int64_t mine = 0, cur = rc ? -1 : work_queue_next(q);
    if (cur >= 0) rc = prepare_unit(c, &units[pending[cur]], &ub[0]);
    for (int k = 0; !rc && cur >= 0; k ^= 1) {
        int64_t nxt = work_queue_next(q);
        if (nxt >= 0 && started) worker_post(&w, &units[pending[nxt]], &ub[k ^ 1]);
        const sweep_unit *u = &units[pending[cur]];
        rc = finish_unit(c, u, &ub[k], f, z, y, vals);
        if (!rc) rc = sweep_journal_append(j, pending[cur], vals, (uint32_t)(3 * u->cnt));
        mine += u->cnt;
        progress_update(&prog, mine < total ? mine : total);
        if (nxt >= 0) {
            int rc2 = started ? worker_wait(&w)
                      : rc    ? INV_OK
                              : prepare_unit(c, &units[pending[nxt]], &ub[k ^ 1]);
            if (!rc) rc = rc2;
        }
        cur = nxt;
    }
    progress_finish(&prog);
    if (started) {
        pthread_mutex_lock(&w.mu);
        w.state = 3;
        pthread_cond_broadcast(&w.cv);
        pthread_mutex_unlock(&w.mu);
        pthread_join(w.th, NULL);
        pthread_mutex_destroy(&w.mu);
        pthread_cond_destroy(&w.cv);
    }
    for (int i = 0; i < 2; i++) buf_free(&ub[i]);
    free(f), free(z), free(y), free(vals);
    return rc;
}
