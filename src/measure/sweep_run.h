// sweep_run.h: one rank's part of a synthetic sweep: units taken from the shared counter, each
// prepared (its images read once and transformed at its grid points, on threads) and then put
// through the network with the metrics computed and journalled. Pipelined: while the network
// runs unit k on the forward's threads, a worker thread prepares unit k + 1 (--transform-threads
// OpenMP threads of its own), so the transforms overlap the forward.
#ifndef INVAR_MEASURE_SWEEP_RUN_H
#define INVAR_MEASURE_SWEEP_RUN_H

#include "backbone.h"
#include "synthetic_result.h"
#include "sweep_units.h"
#include "whiten.h"

#include "core/work_queue.h"
#include "data/shard.h"
#include "image/transforms.h"

#include <stdint.h>

typedef struct {
    backbone *b;
    const shard *s;
    const whitening *w;
    const transform_opts *o;
    const synth_result *plan; // t, P, k (values unused on workers)
    const sweep_items *items;
    const int64_t *rows;   // shard row of each image position
    const float *clean;    // (n, d) clean features
    const double *zc, *yc; // (n, d) clean features whitened with g_sim / g_dist
    int crop, official;
    int batch;             // items per unit at most
    int transform_threads; // threads of the preparing worker; 0: no worker (no overlap)
} sweep_ctx;

// Runs the units pending[q] (q handed out by the queue) and appends each one's values
// (similarity, distance, alignment per item) to the journal; the progress line counts this
// rank's items against `total`. Errors of the worker are returned with their message.
int sweep_run(const sweep_ctx *c, const sweep_unit *units, const int64_t *pending, work_queue *q,
              sweep_journal *j, int64_t total);

#endif
