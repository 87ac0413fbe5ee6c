// loader.h: the training data order and the background loader. The order is a keyed function of
// (seed, epoch): a permutation of the n images (RNG_PURPOSE_SHUFFLE); global batch t of an epoch
// is rows [t b, (t + 1) b) of it (drop_last: n / b steps), rank r takes rows [r b/R, (r+1) b/R)
// of each global batch, so the global batch does not depend on the number of ranks. MoCo's key
// permutation idx_shuffle (shuffle-BN) is keyed by (seed, epoch, step) (RNG_PURPOSE_BN_SHUFFLE).
// Each rank builds the views it needs itself: query views (view 0) of its rows and key views
// (view 1) of its rows of the shuffled key batch, so no image travels between ranks. A thread
// decodes + augments the next batch (with --workers OpenMP threads) while a step computes;
// with --workers 0 there is no thread: loader_next builds the batch, with the caller's team.
#ifndef INVAR_TRAIN_LOADER_H
#define INVAR_TRAIN_LOADER_H

#include "dataset.h"
#include "options.h"

#include <stdint.h>

typedef struct {
    int64_t global_step, step; // position: global step, step within the epoch
    int epoch;
    int64_t *index;   // (b) shard rows of the global batch, in order
    int64_t *shuffle; // (b) idx_shuffle: row j of the shuffled key batch = key view shuffle[j]
    float *q;         // (rank_rows, 3, S, S) query views (supervised: the one view) of my rows
    float *k;         // (rank_rows, 3, S, S) key views of my rows of the shuffled key batch
    int32_t *labels;  // (rank_rows) labels of my rows (supervised)
    double load_s;    // seconds spent building this batch
    int rc;
    char err[1024];
} train_batch;

typedef struct loader loader;

// Starts the loader thread at (start_epoch, start_step) of steps_per_epoch steps per epoch;
// it stops after global step end_global (exclusive).
int loader_create(loader **L, dataset *d, const train_opts *o, int64_t steps_per_epoch,
                  int start_epoch, int64_t start_step, int64_t end_global);
// The next batch (blocks); *wait_s receives the seconds spent waiting.
train_batch *loader_next(loader *L, double *wait_s);
void loader_release(loader *L, train_batch *b);
void loader_free(loader *L);

// The key permutation of a step (identity without shuffle-BN), perm (b).
void loader_key_shuffle(const train_opts *o, int epoch, int64_t step, int64_t *perm);

// NetCDF is not thread-safe: every NetCDF call of the program (loader reads, log/views
// writes) holds this lock.
void train_nc_lock(void);
void train_nc_unlock(void);

#endif
