// work_queue.h: dynamic scheduling of numbered work items over MPI ranks: a shared counter on
// rank 0 (MPI one-sided fetch-and-add) hands out the next item to whichever rank asks.
#ifndef INVAR_CORE_WORK_QUEUE_H
#define INVAR_CORE_WORK_QUEUE_H

#include <mpi.h>
#include <stdint.h>

typedef struct {
    MPI_Win win;
    int64_t *counter; // on rank 0
    int64_t total;
} work_queue;

// Collective over MPI_COMM_WORLD: a queue of items 0..total-1.
int work_queue_open(work_queue *q, int64_t total);
// The next item for this rank, or -1 when all are handed out.
int64_t work_queue_next(work_queue *q);
// Collective: frees the window.
void work_queue_close(work_queue *q);

#endif
