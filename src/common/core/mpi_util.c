// mpi_util.c: MPI start-up, rank queries and range splitting of mpi_util.h.
#include "core/mpi_util.h"

#include "core/error.h"

#include <mpi.h>
#include <stdio.h>

static int g_rank = 0, g_size = 1, g_node_size = 1, g_started_here = 0;

int mpi_start(int *argc, char ***argv) {
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited) {
        int provided = 0;
        INV_CHECK_MPI(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
        g_started_here = 1;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    INV_CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank));
    INV_CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &g_size));
    MPI_Comm node;
    INV_CHECK_MPI(
        MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &node));
    int rc = MPI_Comm_size(node, &g_node_size);
    MPI_Comm_free(&node);
    INV_CHECK_MPI(rc);
    return INV_OK;
}

void mpi_stop(void) {
    int fin = 0;
    MPI_Finalized(&fin);
    if (g_started_here && !fin) MPI_Finalize();
    g_started_here = 0;
}

int mpi_rank(void) {
    return g_rank;
}
int mpi_size(void) {
    return g_size;
}
int mpi_node_size(void) {
    return g_node_size;
}

void mpi_split_range(int64_t n, int rank, int size, int64_t *lo, int64_t *hi) {
    if (size < 1) size = 1;
    int64_t base = n / size, extra = n % size;
    *lo = rank * base + (rank < extra ? rank : extra);
    *hi = *lo + base + (rank < extra ? 1 : 0);
}

int mpi_all_ok(int ok) {
    int in = ok ? 1 : 0, out = 0;
    if (MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD) != MPI_SUCCESS) return 0;
    return out;
}

// An MPI status as an invar error (declared in core/error.h).
int inv_fail_mpi(int mpi_status, const char *call) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(mpi_status, text, &len) != MPI_SUCCESS) snprintf(text, sizeof text, "?");
    return inv_fail(INV_EMPI, "%s: %s", call, text);
}
