// krr.c: the kernel ridge computation on block-cyclic matrices: squared distances by local
// DGEMM, per-gamma exp, the cross-validation grid (pdpotrf/pdpotrs per alpha, or pdsyevd once
// per gamma with every alpha from the eigenpairs), the per-target choice and the test refit.
#include "krr.h"

#include "metrics.h"

#include "core/error.h"
#include "core/fpmode.h"
#include "core/log.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

static const int ONE = 1;

// M[i, j] = ||a[amap[i]] - b[bmap[j]]||^2 on this rank's part; a and b hold rows of length d.
static int local_sqdist(dist_matrix *M, const blacs_grid *g, const double *a, const int *amap,
                        const double *b, const int *bmap, int64_t d, int zero_diagonal) {
    int ml = M->mloc, nl = M->nloc, lld = M->desc[8];
    if (ml == 0 || nl == 0) return INV_OK;
    double *ra = malloc((size_t)ml * (size_t)d * sizeof *ra);
    double *rb = malloc((size_t)nl * (size_t)d * sizeof *rb);
    double *na = malloc((size_t)ml * sizeof *na), *nb = malloc((size_t)nl * sizeof *nb);
    if (!ra || !rb || !na || !nb) {
        free(ra), free(rb), free(na), free(nb);
        return inv_fail(INV_ENOMEM, "kernel distances: out of memory");
    }
    for (int i = 0; i < ml; i++) {
        const double *src = a + (size_t)amap[dist_row(M, g, i)] * d;
        memcpy(ra + (size_t)i * d, src, (size_t)d * sizeof *src);
        double s = 0;
        for (int64_t c = 0; c < d; c++) s += src[c] * src[c];
        na[i] = s;
    }
    for (int j = 0; j < nl; j++) {
        const double *src = b + (size_t)bmap[dist_col(M, g, j)] * d;
        memcpy(rb + (size_t)j * d, src, (size_t)d * sizeof *src);
        double s = 0;
        for (int64_t c = 0; c < d; c++) s += src[c] * src[c];
        nb[j] = s;
    }
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, ml, nl, (int)d, -2.0, ra, (int)d, rb,
                (int)d, 0.0, M->a, lld);
#pragma omp parallel for schedule(static)
    for (int j = 0; j < nl; j++) {
        int gj = dist_col(M, g, j);
        for (int i = 0; i < ml; i++) {
            double v = M->a[(size_t)j * lld + i] + na[i] + nb[j];
            if (v < 0) v = 0;
            if (zero_diagonal && dist_row(M, g, i) == gj) v = 0;
            M->a[(size_t)j * lld + i] = v;
        }
    }
    free(ra), free(rb), free(na), free(nb);
    return INV_OK;
}

// dst = exp(-gamma * src) elementwise (same layout).
static void kernel_from(dist_matrix *dst, const dist_matrix *src, double gamma) {
    int lld = dst->desc[8];
#pragma omp parallel for schedule(static)
    for (int j = 0; j < dst->nloc; j++)
        for (int i = 0; i < dst->mloc; i++)
            dst->a[(size_t)j * lld + i] = exp(-gamma * src->a[(size_t)j * lld + i]);
}

// *sum = sum over all ranks of the off-diagonal entries of the (non-negative) kernel A.
static int offdiagonal_sum(const dist_matrix *A, const blacs_grid *g, double *sum) {
    int lld = A->desc[8];
    double s = 0;
    for (int j = 0; j < A->nloc; j++) {
        const double *col = A->a + (size_t)j * lld;
        int gj = dist_col(A, g, j), nb = g->nb, skip = -1; // local row of the diagonal
        if ((gj / nb) % g->nprow == g->myrow) skip = (gj / (nb * g->nprow)) * nb + gj % nb;
        for (int i = 0; i < A->mloc; i++)
            if (i != skip) s += col[i];
    }
    INV_CHECK_MPI(MPI_Allreduce(&s, sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
    return INV_OK;
}

static void add_diagonal(dist_matrix *A, const blacs_grid *g, double alpha) {
    int lld = A->desc[8], nb = g->nb;
    for (int j = 0; j < A->nloc; j++) {
        int gj = dist_col(A, g, j);
        if ((gj / nb) % g->nprow != g->myrow) continue; // row gj lives on another process row
        int i = (gj / (nb * g->nprow)) * nb + gj % nb;
        A->a[(size_t)j * lld + i] += alpha;
    }
}

// B (rows, k) = y[map[r]] for the local entries.
static void fill_targets(dist_matrix *B, const blacs_grid *g, const double *y, const int *map,
                         int k) {
    int lld = B->desc[8];
    for (int j = 0; j < B->nloc; j++) {
        int t = dist_col(B, g, j);
        for (int i = 0; i < B->mloc; i++)
            B->a[(size_t)j * lld + i] = y[(size_t)map[dist_row(B, g, i)] * k + t];
    }
}

// Copies rows [r0, r0+nr) x cols [c0, c0+nc) of S into B at (br, bc) (0-based).
static void copy_block(const dist_matrix *S, int r0, int c0, int nr, int nc, dist_matrix *B, int br,
                       int bc, const blacs_grid *g) {
    if (nr <= 0 || nc <= 0) return;
    if (g->nprow * g->npcol == 1) { // local arrays are the whole column-major matrices
        for (int j = 0; j < nc; j++)
            memcpy(B->a + (size_t)(bc + j) * B->desc[8] + br,
                   S->a + (size_t)(c0 + j) * S->desc[8] + r0, (size_t)nr * sizeof *B->a);
        return;
    }
    int ia = r0 + 1, ja = c0 + 1, ib = br + 1, jb = bc + 1;
    pdgemr2d_(&nr, &nc, S->a, &ia, &ja, S->desc, B->a, &ib, &jb, B->desc, &g->ctxt);
}

// The distances of fold [s, e) of the fold-sorted training set: T (training rows x training
// columns, i.e. D without rows and columns s..e-1) and V (rows s..e-1 x training columns).
// Copied again for each gamma (O(n^2) moves), so that no distance copy outlives its exp.
static void fold_distances(const dist_matrix *D, int s, int e, dist_matrix *T, dist_matrix *V,
                           const blacs_grid *g) {
    int n = D->m, nv = e - s;
    copy_block(D, 0, 0, s, s, T, 0, 0, g);
    copy_block(D, 0, e, s, n - e, T, 0, s, g);
    copy_block(D, e, 0, n - e, s, T, s, 0, g);
    copy_block(D, e, e, n - e, n - e, T, s, s, g);
    copy_block(D, s, 0, nv, s, V, 0, 0, g);
    copy_block(D, s, e, nv, n - e, V, 0, s, g);
}

// Solves (A) C = B in place for B using A's Cholesky factor (A overwritten). INV_ERANGE when
// A is not positive definite. On a 1 x 1 grid the local arrays are the whole column-major
// matrices and LAPACK's (OpenBLAS's recursive, threaded) dpotrf/dpotrs are used (the _work
// forms: the inputs are finite by construction, so no O(n^2) NaN scan per call); otherwise
// ScaLAPACK's pdpotrf/pdpotrs. Both agree to rounding (the rank tests check 1e-8 on R^2).
static int chol_solve(dist_matrix *A, dist_matrix *B, const blacs_grid *g, int n, int k,
                      double alpha, double gamma) {
    int info;
    int single = g->nprow * g->npcol == 1;
    if (single)
        info = (int)LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', n, A->a, A->desc[8]);
    else
        pdpotrf_("L", &n, A->a, &ONE, &ONE, A->desc, &info);
    if (info != 0)
        return inv_fail(INV_ERANGE,
                        "kernel ridge: K + alpha I is not positive definite (alpha %g, gamma %g, "
                        "potrf info %d); use a larger alpha",
                        alpha, gamma, info);
    if (single)
        info = (int)LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', n, k, A->a, A->desc[8], B->a,
                                        B->desc[8]);
    else
        pdpotrs_("L", &n, &k, A->a, &ONE, &ONE, A->desc, B->a, &ONE, &ONE, B->desc, &info);
    if (info != 0) return inv_fail(INV_ERANGE, "kernel ridge: potrs info %d", info);
    return INV_OK;
}

// R^2 per target of the predictions P (rows of y given by map) into r2 (k).
static int score_rows(const dist_matrix *P, const blacs_grid *g, const double *y, const int *map,
                      int k, double *pred, double *truth, double *r2) {
    INV_TRY(dist_gather_all(P, g, pred));
    for (int i = 0; i < P->m; i++)
        for (int t = 0; t < k; t++) truth[(size_t)i * k + t] = y[(size_t)map[i] * k + t];
    metrics_r2(truth, pred, P->m, k, r2);
    return INV_OK;
}

static int krr_run_flushed(const krr_problem *p, const blacs_grid *g, krr_result *r) {
    int n = p->n, k = p->k, nf = p->nfold, na = p->na, ng = p->ng, rc = INV_OK;
    memset(r, 0, sizeof *r);
    r->cv_r2 = calloc((size_t)nf * na * ng * k, sizeof *r->cv_r2);
    r->cv_mean = calloc((size_t)na * ng * k, sizeof *r->cv_mean);
    r->best_alpha = calloc((size_t)k, sizeof *r->best_alpha);
    r->best_gamma = calloc((size_t)k, sizeof *r->best_gamma);
    r->test_r2 = calloc((size_t)k, sizeof *r->test_r2);
    // Training rows sorted by fold: fold f is the contiguous range [start[f], start[f+1]).
    int *order = malloc((size_t)n * sizeof *order), *start = calloc((size_t)nf + 1, sizeof *start);
    int *identity = malloc((size_t)(n > p->ntest ? n : p->ntest) * sizeof *identity);
    size_t big = (size_t)(n > p->ntest ? n : p->ntest) * (size_t)k;
    double *pred = malloc(big * sizeof *pred), *truth = malloc(big * sizeof *truth);
    double *r2 = malloc((size_t)k * sizeof *r2);
    dist_matrix D = {0}, E = {0}, A = {0}, VK = {0}, B = {0}, P = {0}, Q = {0}, C = {0};
    if (!r->cv_r2 || !r->cv_mean || !r->best_alpha || !r->best_gamma || !r->test_r2 || !order ||
        !start || !identity || !pred || !truth || !r2) {
        rc = inv_fail(INV_ENOMEM, "kernel ridge: out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) start[p->fold_of[i] + 1]++;
    for (int f = 0; f < nf; f++) start[f + 1] += start[f];
    {
        int *fill = malloc((size_t)nf * sizeof *fill);
        if (!fill) {
            rc = inv_fail(INV_ENOMEM, "kernel ridge: out of memory");
            goto done;
        }
        memcpy(fill, start, (size_t)nf * sizeof *fill);
        for (int i = 0; i < n; i++) order[fill[p->fold_of[i]]++] = i;
        free(fill);
    }
    for (int i = 0; i < (n > p->ntest ? n : p->ntest); i++) identity[i] = i;

    double t0 = time_now();
    INV_TRY_GOTO(rc, dist_alloc(&D, g, n, n), done);
    INV_TRY_GOTO(rc, local_sqdist(&D, g, p->x, order, p->x, order, p->d, 1), done);
    r->seconds_distance = time_now() - t0;

    // Cross-validation.
    t0 = time_now();
    for (int f = 0; f < nf; f++) {
        int s = start[f], e = start[f + 1], nv = e - s, nt = n - nv;
        if (nv == 0 || nt == 0) continue;
        const int *vmap = order + s;
        int *tmap = malloc((size_t)nt * sizeof *tmap);
        if (!tmap) {
            rc = inv_fail(INV_ENOMEM, "kernel ridge: out of memory");
            goto done;
        }
        for (int i = 0; i < s; i++) tmap[i] = order[i];
        for (int i = e; i < n; i++) tmap[i - nv] = order[i];
        // Fold distances: training block (without rows/cols s..e) and validation x training.
        rc = dist_alloc(&E, g, nt, nt);
        if (!rc) rc = dist_alloc(&A, g, nt, nt);
        if (!rc) rc = dist_alloc(&VK, g, nv, nt);
        if (!rc) rc = dist_alloc(&B, g, nt, k);
        if (!rc) rc = dist_alloc(&P, g, nv, k);
        if (!rc && p->solver == KRR_EIGEN) rc = dist_alloc(&Q, g, nt, k);
        if (!rc && p->solver == KRR_EIGEN) rc = dist_alloc(&C, g, nt, k);
        if (rc) {
            free(tmap);
            goto done;
        }
        double *w = NULL, *work = NULL;
        int *iwork = NULL, lwork = 0, liwork = 0;
        for (int gi = 0; gi < ng && !rc; gi++) {
            double gamma = p->gamma[gi];
            fold_distances(&D, s, e, &E, &VK, g);
            kernel_from(&VK, &VK, gamma);
            if (p->solver == KRR_EIGEN) {
                // E = Z diag(w) Z' (Z in A) once per gamma; each alpha then costs two products:
                // c = Z (diag(1/(w + alpha)) (Z' y)).
                kernel_from(&E, &E, gamma);
                int info;
                if (!w) { // workspace query, once per fold
                    double wq;
                    int iq, query = -1;
                    w = malloc((size_t)nt * sizeof *w);
                    pdsyevd_("V", "L", &nt, E.a, &ONE, &ONE, E.desc, w, A.a, &ONE, &ONE, A.desc,
                             &wq, &query, &iq, &query, &info);
                    lwork = (int)wq + 1;
                    liwork = iq > 1 ? iq : 1;
                    work = malloc((size_t)lwork * sizeof *work);
                    iwork = malloc((size_t)liwork * sizeof *iwork);
                    if (!w || !work || !iwork) {
                        rc = inv_fail(INV_ENOMEM, "kernel ridge: out of memory (pdsyevd)");
                        break;
                    }
                }
                pdsyevd_("V", "L", &nt, E.a, &ONE, &ONE, E.desc, w, A.a, &ONE, &ONE, A.desc, work,
                         &lwork, iwork, &liwork, &info);
                if (info != 0) {
                    rc = inv_fail(INV_ERANGE, "kernel ridge: pdsyevd failed (info %d)", info);
                    break;
                }
                r->flops_cv += 4.0 * nt * (double)nt * nt;
                fill_targets(&B, g, p->y, tmap, k);
                double one = 1, zero = 0;
                pdgemm_("T", "N", &nt, &k, &nt, &one, A.a, &ONE, &ONE, A.desc, B.a, &ONE, &ONE,
                        B.desc, &zero, Q.a, &ONE, &ONE, Q.desc); // Q = Z' y
                for (int ai = 0; ai < na && !rc; ai++) {
                    int lq = Q.desc[8], lb = B.desc[8];
                    for (int j = 0; j < Q.nloc; j++)
                        for (int i = 0; i < Q.mloc; i++)
                            B.a[(size_t)j * lb + i] =
                                Q.a[(size_t)j * lq + i] / (w[dist_row(&Q, g, i)] + p->alpha[ai]);
                    pdgemm_("N", "N", &nt, &k, &nt, &one, A.a, &ONE, &ONE, A.desc, B.a, &ONE, &ONE,
                            B.desc, &zero, C.a, &ONE, &ONE, C.desc);
                    pdgemm_("N", "N", &nv, &k, &nt, &one, VK.a, &ONE, &ONE, VK.desc, C.a, &ONE,
                            &ONE, C.desc, &zero, P.a, &ONE, &ONE, P.desc);
                    r->flops_cv += 2.0 * nt * (double)k * (nt + nv);
                    rc = score_rows(&P, g, p->y, vmap, k, pred, truth, r2);
                    for (int t = 0; t < k && !rc; t++)
                        r->cv_r2[(((size_t)f * na + ai) * ng + gi) * k + t] = r2[t];
                }
                continue;
            }
            kernel_from(&E, &E, gamma);
            double off;
            rc = offdiagonal_sum(&E, g, &off);
            // A kernel that is the identity to rounding (large gamma: every pair of distinct
            // rows far apart) needs no factorisation: the solution is y / (1 + alpha) to
            // within off / (1 + alpha) relative, far below double rounding of the R^2.
            int diagonal = !rc && off <= 1e-18;
            if (diagonal) r->diagonal_kernels++;
            for (int ai = 0; ai < na && !rc; ai++) {
                fill_targets(&B, g, p->y, tmap, k);
                if (diagonal) {
                    double inv = 1.0 / (1.0 + p->alpha[ai]);
                    for (size_t q = 0; q < (size_t)B.desc[8] * (size_t)B.nloc; q++) B.a[q] *= inv;
                } else {
                    memcpy(A.a, E.a, (size_t)A.desc[8] * (A.nloc > 1 ? A.nloc : 1) * sizeof *A.a);
                    add_diagonal(&A, g, p->alpha[ai]);
                    rc = chol_solve(&A, &B, g, nt, k, p->alpha[ai], gamma);
                    if (rc) break;
                }
                double one = 1, zero = 0;
                pdgemm_("N", "N", &nv, &k, &nt, &one, VK.a, &ONE, &ONE, VK.desc, B.a, &ONE, &ONE,
                        B.desc, &zero, P.a, &ONE, &ONE, P.desc);
                if (!diagonal) r->flops_cv += nt * (double)nt * nt / 3 + 2.0 * nt * (double)nt * k;
                r->flops_cv += 2.0 * nv * (double)nt * k;
                rc = score_rows(&P, g, p->y, vmap, k, pred, truth, r2);
                for (int t = 0; t < k && !rc; t++)
                    r->cv_r2[(((size_t)f * na + ai) * ng + gi) * k + t] = r2[t];
            }
        }
        free(w), free(work), free(iwork), free(tmap);
        dist_free(&E), dist_free(&A), dist_free(&VK);
        dist_free(&B), dist_free(&P), dist_free(&Q), dist_free(&C);
        if (rc) goto done;
        log_info("kernel ridge: fold %d/%d done (%.1f s)", f + 1, nf, time_now() - t0);
    }
    r->seconds_cv = time_now() - t0;
    // Per target: the (alpha, gamma) of the largest mean R^2 (first in alpha-major order).
    for (int ai = 0; ai < na; ai++)
        for (int gi = 0; gi < ng; gi++)
            for (int t = 0; t < k; t++) {
                double m = 0;
                for (int f = 0; f < nf; f++)
                    m += r->cv_r2[(((size_t)f * na + ai) * ng + gi) * k + t];
                r->cv_mean[((size_t)ai * ng + gi) * k + t] = m / nf;
            }
    for (int t = 0; t < k; t++) {
        double best = -INFINITY;
        for (int ai = 0; ai < na; ai++)
            for (int gi = 0; gi < ng; gi++) {
                double m = r->cv_mean[((size_t)ai * ng + gi) * k + t];
                if (m > best) best = m, r->best_alpha[t] = ai, r->best_gamma[t] = gi;
            }
    }
    // Refit on all training rows for each distinct chosen (alpha, gamma); test R^2.
    t0 = time_now();
    dist_matrix DT = {0};
    INV_TRY_GOTO(rc, dist_alloc(&DT, g, p->ntest, n), done);
    rc = local_sqdist(&DT, g, p->xt, identity, p->x, order, p->d, 0);
    if (!rc) rc = dist_alloc(&A, g, n, n);
    if (!rc) rc = dist_alloc(&VK, g, p->ntest, n);
    if (!rc) rc = dist_alloc(&B, g, n, k);
    if (!rc) rc = dist_alloc(&P, g, p->ntest, k);
    r->flops_refit += 2.0 * p->ntest * (double)n * (double)p->d;
    unsigned char *done_t = calloc((size_t)k, 1);
    if (!done_t && !rc) rc = inv_fail(INV_ENOMEM, "kernel ridge: out of memory");
    for (int t = 0; t < k && !rc; t++) {
        if (done_t[t]) continue;
        int ai = r->best_alpha[t], gi = r->best_gamma[t];
        kernel_from(&A, &D, p->gamma[gi]);
        add_diagonal(&A, g, p->alpha[ai]);
        fill_targets(&B, g, p->y, order, k);
        rc = chol_solve(&A, &B, g, n, k, p->alpha[ai], p->gamma[gi]);
        if (rc) break;
        kernel_from(&VK, &DT, p->gamma[gi]);
        double one = 1, zero = 0;
        pdgemm_("N", "N", &p->ntest, &k, &n, &one, VK.a, &ONE, &ONE, VK.desc, B.a, &ONE, &ONE,
                B.desc, &zero, P.a, &ONE, &ONE, P.desc);
        r->flops_refit +=
            n * (double)n * n / 3 + 2.0 * n * (double)n * k + 2.0 * p->ntest * (double)n * k;
        rc = score_rows(&P, g, p->yt, identity, k, pred, truth, r2);
        for (int u = t; u < k && !rc; u++)
            if (r->best_alpha[u] == ai && r->best_gamma[u] == gi) {
                r->test_r2[u] = r2[u];
                done_t[u] = 1;
            }
    }
    free(done_t);
    dist_free(&DT);
    r->seconds_refit = time_now() - t0;
done:
    dist_free(&D), dist_free(&E), dist_free(&A), dist_free(&VK), dist_free(&B);
    dist_free(&P), dist_free(&Q), dist_free(&C);
    free(order), free(start), free(identity), free(pred), free(truth), free(r2);
    return rc;
}

int krr_run(const krr_problem *p, const blacs_grid *g, krr_result *r) {
    fpmode_saved mode = fpmode_flush_subnormals(); // see core/fpmode.h
    int rc = krr_run_flushed(p, g, r);
    fpmode_restore(mode);
    return rc;
}

void krr_result_free(krr_result *r) {
    free(r->cv_r2), free(r->cv_mean), free(r->best_alpha), free(r->best_gamma), free(r->test_r2);
    memset(r, 0, sizeof *r);
}
