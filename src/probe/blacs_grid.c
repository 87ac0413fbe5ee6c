// blacs_grid.c: BLACS grid set-up over MPI_COMM_WORLD, allocation of block-cyclic matrices
// (numroc/descinit), local-to-global index maps, and the exact all-gather of small results.
#include "blacs_grid.h"

#include "core/error.h"

#include <mpi.h>
#include <stdlib.h>
#include <string.h>

void Cblacs_pinfo(int *mypnum, int *nprocs);
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);

int blacs_grid_open(blacs_grid *g, int nb) {
    int me, np;
    Cblacs_pinfo(&me, &np);
    if (np < 1) return inv_fail(INV_EMPI, "BLACS: no processes");
    int rows = 1;
    for (int r = 1; r * r <= np; r++)
        if (np % r == 0) rows = r;
    g->nb = nb;
    Cblacs_get(-1, 0, &g->ctxt);
    Cblacs_gridinit(&g->ctxt, "Row", rows, np / rows);
    Cblacs_gridinfo(g->ctxt, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
    if (g->myrow < 0 || g->nprow * g->npcol != np)
        return inv_fail(INV_EMPI, "BLACS: could not build a %d x %d process grid", rows, np / rows);
    return INV_OK;
}

void blacs_grid_close(blacs_grid *g) {
    Cblacs_gridexit(g->ctxt);
}

int dist_alloc(dist_matrix *A, const blacs_grid *g, int m, int n) {
    int zero = 0, info;
    memset(A, 0, sizeof *A);
    A->m = m, A->n = n;
    A->mloc = numroc_(&m, &g->nb, &g->myrow, &zero, &g->nprow);
    A->nloc = numroc_(&n, &g->nb, &g->mycol, &zero, &g->npcol);
    int lld = A->mloc > 1 ? A->mloc : 1;
    descinit_(A->desc, &m, &n, &g->nb, &g->nb, &zero, &zero, &g->ctxt, &lld, &info);
    if (info != 0)
        return inv_fail(INV_EINVAL, "descinit: bad %d x %d matrix descriptor (info %d)", m, n,
                        info);
    size_t count = (size_t)lld * (size_t)(A->nloc > 1 ? A->nloc : 1);
    A->a = calloc(count, sizeof *A->a);
    if (!A->a)
        return inv_fail(INV_ENOMEM, "distributed %d x %d matrix: out of memory (%zu bytes)", m, n,
                        count * sizeof *A->a);
    return INV_OK;
}

void dist_free(dist_matrix *A) {
    free(A->a);
    A->a = NULL;
}

int dist_row(const dist_matrix *A, const blacs_grid *g, int i) {
    (void)A;
    return (i / g->nb) * g->nb * g->nprow + g->myrow * g->nb + i % g->nb;
}

int dist_col(const dist_matrix *A, const blacs_grid *g, int j) {
    (void)A;
    return (j / g->nb) * g->nb * g->npcol + g->mycol * g->nb + j % g->nb;
}

int dist_gather_all(const dist_matrix *A, const blacs_grid *g, double *dst) {
    size_t count = (size_t)A->m * (size_t)A->n;
    memset(dst, 0, count * sizeof *dst);
    int lld = A->desc[8];
    for (int j = 0; j < A->nloc; j++) {
        int gj = dist_col(A, g, j);
        for (int i = 0; i < A->mloc; i++)
            dst[(size_t)dist_row(A, g, i) * A->n + gj] = A->a[(size_t)j * lld + i];
    }
    INV_CHECK_MPI(
        MPI_Allreduce(MPI_IN_PLACE, dst, (int)count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    return INV_OK;
}
