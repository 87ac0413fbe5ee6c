// work_queue.c: the item counter behind dynamic scheduling: an MPI window holding one int64 on
// rank 0, advanced with MPI_Fetch_and_op under a shared passive-target lock.
#include "core/work_queue.h"

#include "core/error.h"

int work_queue_open(work_queue *q, int64_t total) {
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    q->total = total;
    q->counter = NULL;
    MPI_Aint size = rank == 0 ? (MPI_Aint)sizeof(int64_t) : 0;
    INV_CHECK_MPI(MPI_Win_allocate(size, sizeof(int64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                                   &q->counter, &q->win));
    if (rank == 0) {
        INV_CHECK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, q->win));
        *q->counter = 0;
        INV_CHECK_MPI(MPI_Win_unlock(0, q->win));
    }
    INV_CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
    return INV_OK;
}

int64_t work_queue_next(work_queue *q) {
    int64_t one = 1, got = -1;
    if (MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, q->win) != MPI_SUCCESS) return -1;
    MPI_Fetch_and_op(&one, &got, MPI_INT64_T, 0, 0, MPI_SUM, q->win);
    MPI_Win_unlock(0, q->win);
    return got >= 0 && got < q->total ? got : -1;
}

void work_queue_close(work_queue *q) {
    MPI_Win_free(&q->win);
}
