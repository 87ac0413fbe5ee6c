// blacs_grid.h: the BLACS process grid over all MPI ranks and distributed matrices in ScaLAPACK's
// 2-D block-cyclic layout, with the ScaLAPACK/PBLAS routines the kernel ridge uses.
#ifndef INVAR_PROBE_BLACS_GRID_H
#define INVAR_PROBE_BLACS_GRID_H

#include <stdint.h>

typedef struct {
    int ctxt, nprow, npcol, myrow, mycol;
    int nb; // square block size of every matrix on this grid
} blacs_grid;

// A distributed m x n matrix: this rank's local part, column-major with leading dimension
// desc[8] (= mloc, at least 1).
typedef struct {
    int desc[9];
    int m, n, mloc, nloc;
    double *a;
} dist_matrix;

// Collective: the most square nprow x npcol grid with nprow * npcol = the MPI world size
// (nprow <= npcol), row-major ranks.
int blacs_grid_open(blacs_grid *g, int nb);
void blacs_grid_close(blacs_grid *g);

// Collective over the grid: allocates (zeroed) this rank's part of an m x n matrix.
int dist_alloc(dist_matrix *A, const blacs_grid *g, int m, int n);
void dist_free(dist_matrix *A);
// Global row / column (0-based) of local row i / column j.
int dist_row(const dist_matrix *A, const blacs_grid *g, int i);
int dist_col(const dist_matrix *A, const blacs_grid *g, int j);
// Every rank gets the whole matrix as row-major dst (m, n) (exact: each entry is summed with
// zeros from the ranks that do not hold it).
int dist_gather_all(const dist_matrix *A, const blacs_grid *g, double *dst);

// ScaLAPACK / PBLAS (Fortran interfaces; 1-based global indices).
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, int *info);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia,
              const int *ja, const int *desca, double *b, const int *ib, const int *jb,
              const int *descb, int *info);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta,
             double *c, const int *ic, const int *jc, const int *descc);
void pdgemr2d_(const int *m, const int *n, const double *a, const int *ia, const int *ja,
               const int *desca, double *b, const int *ib, const int *jb, const int *descb,
               const int *ictxt);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *w, double *z, const int *iz, const int *jz,
              const int *descz, double *work, const int *lwork, int *iwork, const int *liwork,
              int *info);

#endif
