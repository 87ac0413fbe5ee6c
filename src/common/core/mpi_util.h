// mpi_util.h: MPI start-up that also works without mpirun, the world rank and size, and the
// even split of an index range over ranks that every program uses.
#ifndef INVAR_CORE_MPI_UTIL_H
#define INVAR_CORE_MPI_UTIL_H

#include <stdint.h>

// MPI_Init_thread(FUNNELED) unless MPI is already initialised. Returns an inv_code.
int mpi_start(int *argc, char ***argv);
void mpi_stop(void);
int mpi_rank(void);
int mpi_size(void);
// Ranks of the job on this rank's node (shared-memory domain), 1 without MPI.
int mpi_node_size(void);
// [lo, hi) of n items for `rank` of `size`: contiguous blocks, sizes differing by at most one.
void mpi_split_range(int64_t n, int rank, int size, int64_t *lo, int64_t *hi);
// 1 on every rank if `ok` is non-zero on all ranks (collective).
int mpi_all_ok(int ok);

#endif
