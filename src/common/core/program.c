// program.c: start-up and fatal-error handling shared by the invar programs.
#include "core/program.h"

#include "core/error.h"
#include "core/log.h"
#include "core/mpi_util.h"

#include <cblas.h> // OpenBLAS's: also openblas_set_num_threads
#include <malloc.h>
#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static const char *g_name = "invar";

const char *program_name(void) {
    return g_name;
}

void program_start(const char *name, int *argc, char ***argv) {
    g_name = name;
    // Keep freed memory in the heap instead of returning it to the kernel at once: HDF5 sets up
    // zlib (~256 KB) for every chunk it compresses, and trimming after each one made shard
    // writes ~1.6x slower (measured with tests/bench/shard_io.sh).
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    if (mpi_start(argc, argv) != INV_OK) {
        fprintf(stderr, "%s: error: cannot start MPI: %s\n", name, inv_errmsg());
        exit(1);
    }
    log_init(mpi_rank(), mpi_size(), LOG_INFO, 0);
}

int program_parse(const cli_spec *spec, cli_common *common, int argc, char **argv) {
    int first = 0;
    int rc = cli_parse(spec, common, argc, argv, &first);
    if (rc == CLI_EXIT_OK) program_exit(0);
    if (rc) program_fail_last(rc);
    return first;
}

int program_apply_common(const cli_common *common) {
    log_level level = LOG_INFO;
    if (common->verbosity < 0) level = LOG_WARN;
    if (common->verbosity >= 2) level = LOG_DEBUG;
    log_init(mpi_rank(), mpi_size(), level, common->verbosity >= 1);
    int threads = cli_thread_count(common->threads, mpi_node_size());
#ifdef _OPENMP
    omp_set_num_threads(threads);
#endif
    // OpenBLAS (the pthread build) runs its own thread pool, by default one thread per core
    // whatever --threads says: with several ranks per node, or beside the OpenMP threads, its
    // threads oversubscribe the cores and spin after each call.
    openblas_set_num_threads(threads);
    return threads;
}

_Noreturn void program_exit(int status) {
    if (mpi_size() > 1 && status != 0) MPI_Abort(MPI_COMM_WORLD, status);
    mpi_stop();
    exit(status);
}

_Noreturn void program_fail(int code, const char *fmt, ...) {
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (mpi_size() > 1)
        fprintf(stderr, "%s: error (rank %d): %s\n", g_name, mpi_rank(), msg);
    else
        fprintf(stderr, "%s: error: %s\n", g_name, msg);
    fflush(stderr);
    program_exit(code == INV_EINVAL ? 2 : 1);
}

_Noreturn void program_fail_last(int code) {
    program_fail(code, "%s", inv_errmsg());
}
