// loader.c: the epoch order, the key permutation and the double-buffered loader thread.
#include "loader.h"

#include "core/error.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/tensor.h"
#include "image/augment.h"

#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t nc_mutex = PTHREAD_MUTEX_INITIALIZER;
void train_nc_lock(void) {
    pthread_mutex_lock(&nc_mutex);
}
void train_nc_unlock(void) {
    pthread_mutex_unlock(&nc_mutex);
}

enum { NSLOTS = 2 };

struct loader {
    dataset *d;
    const train_opts *o;
    int64_t spe, end_global;
    int epoch;
    int64_t step, global;
    uint32_t *perm; // (n) this epoch's order
    int perm_epoch;
    train_batch slot[NSLOTS];
    int state[NSLOTS]; // 0 free, 1 ready, 2 in use
    int next_fill, next_take;
    int stop, done;
    int sync; // --workers 0: batches are built in loader_next, by the caller's thread and team
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    image_u8 *imgs; // (2 rank_rows)
    uint32_t *views_index;
};

void loader_key_shuffle(const train_opts *o, int epoch, int64_t step, int64_t *perm) {
    int b = o->batch;
    if (o->objective != OBJ_MOCO || o->no_shuffle_bn) {
        for (int i = 0; i < b; i++) perm[i] = i;
        return;
    }
    uint32_t *p = malloc(sizeof(uint32_t) * (size_t)b);
    rng_stream rs;
    rng_stream_init(&rs, o->seed, RNG_PURPOSE_BN_SHUFFLE, (uint32_t)epoch, (uint32_t)step, 0);
    if (p) {
        rng_permutation(&rs, p, (uint32_t)b);
        for (int i = 0; i < b; i++) perm[i] = p[i];
    } else { // no memory for 4 bytes per row: identity is still a valid (unshuffled) order
        for (int i = 0; i < b; i++) perm[i] = i;
    }
    free(p);
}

static int fill(loader *L, train_batch *bt) {
    const train_opts *o = L->o;
    dataset *d = L->d;
    double t0 = time_now();
    if (L->perm_epoch != L->epoch) {
        rng_stream rs;
        rng_stream_init(&rs, o->seed, RNG_PURPOSE_SHUFFLE, (uint32_t)L->epoch, 0, 0);
        rng_permutation(&rs, L->perm, (uint32_t)d->n);
        L->perm_epoch = L->epoch;
    }
    int b = o->batch, rr = o->rank_rows, r0 = o->rank * rr;
    bt->epoch = L->epoch, bt->step = L->step, bt->global_step = L->global;
    for (int i = 0; i < b; i++) bt->index[i] = L->perm[L->step * b + i];
    loader_key_shuffle(o, L->epoch, L->step, bt->shuffle);
    int moco = o->objective == OBJ_MOCO, nimg = moco ? 2 * rr : rr;
    for (int i = 0; i < rr; i++) {
        L->views_index[i] = (uint32_t)bt->index[r0 + i];
        if (moco) L->views_index[rr + i] = (uint32_t)bt->index[bt->shuffle[r0 + i]];
        if (bt->labels) bt->labels[i] = d->labels ? d->labels[bt->index[r0 + i]] : 0;
    }
    int rc = INV_OK;
    if (d->is_shard) {
        train_nc_lock();
        for (int i = 0; i < nimg && !rc; i++) rc = dataset_read(d, L->views_index[i], &L->imgs[i]);
        train_nc_unlock();
    } else {
        int bad = nimg;
        char msg[1024] = "";
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < nimg; i++) {
            int r = dataset_read(d, L->views_index[i], &L->imgs[i]);
            if (r) {
#pragma omp critical(loader_error)
                if (i < bad) bad = i, rc = r, snprintf(msg, sizeof msg, "%s", inv_errmsg());
            }
        }
        if (rc) inv_fail(rc, "%s", msg);
    }
    if (!rc)
        rc = augment_batch(&o->policy, L->imgs, rr, o->seed, (uint32_t)L->epoch, L->views_index, 0,
                           bt->q);
    if (!rc && moco)
        rc = augment_batch(&o->policy, L->imgs + rr, rr, o->seed, (uint32_t)L->epoch,
                           L->views_index + rr, 1, bt->k);
    bt->load_s = time_now() - t0;
    return rc;
}

// Moves the fill position past the batch just built (the caller holds the mutex, or sync).
static void advance(loader *L) {
    L->next_fill = (L->next_fill + 1) % NSLOTS;
    L->global++;
    if (++L->step == L->spe) L->step = 0, L->epoch++;
}

static void *run(void *arg) {
    loader *L = arg;
    omp_set_num_threads(L->o->workers); // this thread's teams only
    for (;;) {
        pthread_mutex_lock(&L->mu);
        while (!L->stop && L->state[L->next_fill] != 0) pthread_cond_wait(&L->cv, &L->mu);
        if (L->stop || L->global >= L->end_global) {
            L->done = 1;
            pthread_cond_broadcast(&L->cv);
            pthread_mutex_unlock(&L->mu);
            return NULL;
        }
        int s = L->next_fill;
        pthread_mutex_unlock(&L->mu);
        train_batch *bt = &L->slot[s];
        bt->rc = fill(L, bt);
        if (bt->rc) snprintf(bt->err, sizeof bt->err, "%s", inv_errmsg());
        pthread_mutex_lock(&L->mu);
        L->state[s] = 1;
        advance(L);
        if (bt->rc) L->stop = 1;
        pthread_cond_broadcast(&L->cv);
        pthread_mutex_unlock(&L->mu);
    }
}

int loader_create(loader **out, dataset *d, const train_opts *o, int64_t steps_per_epoch,
                  int start_epoch, int64_t start_step, int64_t end_global) {
    *out = NULL;
    loader *L = calloc(1, sizeof *L);
    INV_CHECK_ALLOC(L, sizeof *L, "loader");
    L->d = d, L->o = o, L->spe = steps_per_epoch, L->end_global = end_global;
    L->epoch = start_epoch, L->step = start_step;
    L->global = (int64_t)start_epoch * steps_per_epoch + start_step;
    L->perm_epoch = -1;
    int rr = o->rank_rows, S = o->policy.out_size;
    size_t view = sizeof(float) * 3 * (size_t)S * S * rr;
    L->perm = malloc(sizeof(uint32_t) * (size_t)d->n);
    L->imgs = calloc((size_t)2 * rr, sizeof *L->imgs);
    L->views_index = malloc(sizeof(uint32_t) * 2 * (size_t)rr);
    int ok = L->perm && L->imgs && L->views_index;
    for (int s = 0; s < NSLOTS && ok; s++) {
        train_batch *bt = &L->slot[s];
        bt->index = malloc(sizeof(int64_t) * o->batch);
        bt->shuffle = malloc(sizeof(int64_t) * o->batch);
        bt->q = inv_aligned_alloc(view);
        bt->k = o->objective == OBJ_MOCO ? inv_aligned_alloc(view) : NULL;
        bt->labels = o->objective == OBJ_SUPERVISED ? malloc(sizeof(int32_t) * rr) : NULL;
        ok = bt->index && bt->shuffle && bt->q && (o->objective != OBJ_MOCO || bt->k) &&
             (o->objective != OBJ_SUPERVISED || bt->labels);
    }
    if (!ok) {
        loader_free(L);
        return inv_fail(INV_ENOMEM, "loader: out of memory for two batches of %d views", rr);
    }
    if (o->workers == 0) {
        L->sync = 1;
        *out = L;
        return INV_OK;
    }
    pthread_mutex_init(&L->mu, NULL);
    pthread_cond_init(&L->cv, NULL);
    if (pthread_create(&L->thread, NULL, run, L) != 0) {
        pthread_mutex_destroy(&L->mu);
        pthread_cond_destroy(&L->cv);
        L->thread = 0;
        loader_free(L);
        return inv_fail(INV_EIO, "loader: cannot start its thread");
    }
    *out = L;
    return INV_OK;
}

train_batch *loader_next(loader *L, double *wait_s) {
    double t0 = time_now();
    if (L->sync) { // build the batch now: the step waits for all of it
        if (L->done || L->global >= L->end_global) {
            *wait_s = 0;
            return NULL;
        }
        train_batch *bt = &L->slot[L->next_fill];
        bt->rc = fill(L, bt);
        if (bt->rc) snprintf(bt->err, sizeof bt->err, "%s", inv_errmsg()), L->done = 1;
        advance(L);
        *wait_s = time_now() - t0;
        return bt;
    }
    pthread_mutex_lock(&L->mu);
    int s = L->next_take;
    while (L->state[s] != 1 && !L->done) pthread_cond_wait(&L->cv, &L->mu);
    train_batch *bt = NULL;
    if (L->state[s] == 1) {
        L->state[s] = 2;
        L->next_take = (s + 1) % NSLOTS;
        bt = &L->slot[s];
    }
    pthread_mutex_unlock(&L->mu);
    *wait_s = time_now() - t0;
    return bt;
}

void loader_release(loader *L, train_batch *bt) {
    if (L->sync) return;
    pthread_mutex_lock(&L->mu);
    L->state[bt - L->slot] = 0;
    pthread_cond_broadcast(&L->cv);
    pthread_mutex_unlock(&L->mu);
}

void loader_free(loader *L) {
    if (!L) return;
    if (L->thread) {
        pthread_mutex_lock(&L->mu);
        L->stop = 1;
        pthread_cond_broadcast(&L->cv);
        pthread_mutex_unlock(&L->mu);
        pthread_join(L->thread, NULL);
        pthread_mutex_destroy(&L->mu);
        pthread_cond_destroy(&L->cv);
    }
    for (int s = 0; s < NSLOTS; s++) {
        free(L->slot[s].index);
        free(L->slot[s].shuffle);
        inv_aligned_free(L->slot[s].q);
        inv_aligned_free(L->slot[s].k);
        free(L->slot[s].labels);
    }
    if (L->imgs)
        for (int i = 0; i < 2 * L->o->rank_rows; i++) image_free(&L->imgs[i]);
    free(L->imgs);
    free(L->views_index);
    free(L->perm);
    free(L);
}
