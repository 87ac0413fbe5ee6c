// ridge_band.c: one fold's ridge path from its Gram matrix. G = Q B Q' with B symmetric band
// (half-bandwidth BAND) by LAPACK's dsytrd_sy2sb (the BLAS-3 first stage of the two-stage
// tridiagonal reduction: about 4/3 d^3 flops, several times faster than a dense
// eigendecomposition on few cores); each penalty alpha then costs a band Cholesky factorisation
// and solve (dpbtrf/dpbtrs, O(d BAND^2)): (G + alpha I)^-1 b = Q (B + alpha I)^-1 Q' b. Q is kept
// as Householder reflectors and applied with dormqr, to the solutions of every alpha together
// or to the test rows, whichever has fewer columns. When a factorisation fails (alpha below the
// rounding level of a singular G), B is eigendecomposed (dsbevd) and every alpha is a rescaling.
#include "ridge_band.h"

#include "metrics.h"

#include "core/error.h"

#include <cblas.h>
#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

// LAPACK >= 3.7 (no LAPACKE wrapper): Q' A Q = AB, Q as reflectors in A below the band.
void dsytrd_sy2sb_(const char *uplo, const lapack_int *n, const lapack_int *kd, double *a,
                   const lapack_int *lda, double *ab, const lapack_int *ldab, double *tau,
                   double *work, const lapack_int *lwork, lapack_int *info, size_t uplo_len);

enum {
    BAND = 32,        // half-bandwidth of B: the reduction is BLAS-3 in panels of this width
    GROUP_COLS = 512, // prediction columns (alpha x target) per test-row product
};

typedef struct {
    const ridge_system *s;
    int kd, ldab;
    double *ab;  // (kd + 1, d) band storage of B, lower: ab[j * ldab + i - j] = B(i, j)
    double *tau; // (d) reflector scales; the reflectors are in s->gram below the band
    double *qb;  // (d, k) Q' b
} band_form;

static int band_reduce(band_form *f) {
    const ridge_system *s = f->s;
    lapack_int n = (lapack_int)s->d, kd = f->kd, ldab = f->ldab, lwork = -1, info = 0;
    double query = 0;
    dsytrd_sy2sb_("L", &n, &kd, s->gram, &n, f->ab, &ldab, f->tau, &query, &lwork, &info, 1);
    lwork = (lapack_int)query > 1 ? (lapack_int)query : 1;
    double *work = malloc((size_t)lwork * sizeof *work);
    INV_CHECK_ALLOC(work, (size_t)lwork * sizeof *work, "ridge: band reduction workspace");
    dsytrd_sy2sb_("L", &n, &kd, s->gram, &n, f->ab, &ldab, f->tau, work, &lwork, &info, 1);
    free(work);
    if (info != 0)
        return inv_fail(INV_ERANGE,
                        "ridge: band reduction of the %lld x %lld Gram failed (info %d)",
                        (long long)s->d, (long long)s->d, (int)info);
    return INV_OK;
}

// c (d, ncols) column-major := Q c (trans 'N') or Q' c (trans 'T').
static int apply_q(const band_form *f, char trans, double *c, int64_t ncols) {
    int64_t d = f->s->d;
    if (d <= f->kd + 1 || ncols < 1) return INV_OK; // B = G, Q = I
    lapack_int m = (lapack_int)(d - f->kd), nc = (lapack_int)ncols, ld = (lapack_int)d;
    const double *v = f->s->gram + f->kd; // reflector i: column i from row i + kd
    double query = 0;
    lapack_int info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', trans, m, nc, m, v, ld, f->tau,
                                          c + f->kd, ld, &query, -1);
    lapack_int lwork = info == 0 && query > 1 ? (lapack_int)query : 1;
    double *work = malloc((size_t)lwork * sizeof *work);
    INV_CHECK_ALLOC(work, (size_t)lwork * sizeof *work, "ridge: reflector workspace");
    info = LAPACKE_dormqr_work(LAPACK_COL_MAJOR, 'L', trans, m, nc, m, v, ld, f->tau, c + f->kd, ld,
                               work, lwork);
    free(work);
    if (info != 0) return inv_fail(INV_ERANGE, "ridge: applying Q failed (dormqr info %d)", info);
    return INV_OK;
}

// z (d, k) := (B + alpha I)^-1 Q'b by a band Cholesky factorisation in `fac` (ldab, d).
// Returns 0, or > 0 when B + alpha I is not numerically positive definite.
static int band_solve(const band_form *f, double alpha, double *fac, double *z) {
    const ridge_system *s = f->s;
    lapack_int n = (lapack_int)s->d;
    memcpy(fac, f->ab, (size_t)f->ldab * (size_t)n * sizeof *fac);
    for (lapack_int j = 0; j < n; j++) fac[(size_t)j * f->ldab] += alpha;
    lapack_int info = LAPACKE_dpbtrf_work(LAPACK_COL_MAJOR, 'L', n, f->kd, fac, f->ldab);
    if (info != 0) return info > 0 ? 1 : -1;
    memcpy(z, f->qb, (size_t)n * (size_t)s->k * sizeof *z);
    info =
        LAPACKE_dpbtrs_work(LAPACK_COL_MAJOR, 'L', n, f->kd, (lapack_int)s->k, fac, f->ldab, z, n);
    return info == 0 ? 0 : -1;
}

// The fallback: B = U diag(lambda) U' (dsbevd; B copied first), then every alpha.
// z: (d, nalpha * k) column-major, z_a = U diag(1 / (lambda + alpha)) U' Q'b.
static int eigen_solve_all(const band_form *f, const double *alpha, int nalpha, double *z) {
    const ridge_system *s = f->s;
    int64_t d = s->d, k = s->k;
    size_t nab = (size_t)f->ldab * (size_t)d;
    double *ab = malloc(nab * sizeof *ab), *lambda = malloc((size_t)d * sizeof *lambda);
    double *u = malloc((size_t)d * (size_t)d * sizeof *u), *t = malloc((size_t)d * k * sizeof *t);
    int rc = INV_OK;
    if (!ab || !lambda || !u || !t) {
        rc =
            inv_fail(INV_ENOMEM, "ridge: out of memory (eigendecomposition, d %lld)", (long long)d);
        goto done;
    }
    memcpy(ab, f->ab, nab * sizeof *ab);
    lapack_int info = LAPACKE_dsbevd(LAPACK_COL_MAJOR, 'V', 'L', (lapack_int)d, f->kd, ab, f->ldab,
                                     lambda, u, (lapack_int)d);
    if (info != 0) {
        rc = inv_fail(INV_ERANGE,
                      "ridge: eigendecomposition of the %lld x %lld band matrix failed "
                      "(dsbevd info %d)",
                      (long long)d, (long long)d, (int)info);
        goto done;
    }
    for (int64_t j = 0; j < d; j++)
        if (lambda[j] < 0) lambda[j] = 0; // rounding of a positive semi-definite matrix
    // t (d, k) = U' Q'b
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, (int)d, (int)k, (int)d, 1.0, u, (int)d,
                f->qb, (int)d, 0.0, t, (int)d);
    for (int a = 0; a < nalpha; a++) {
        double *za = z + (size_t)a * d * k;
        for (int64_t c = 0; c < k; c++)
            for (int64_t j = 0; j < d; j++) za[c * d + j] = t[c * d + j] / (lambda[j] + alpha[a]);
    }
    // z_a := U z_a for all alphas at once.
    double *w = malloc((size_t)d * (size_t)nalpha * k * sizeof *w);
    if (!w) {
        rc = inv_fail(INV_ENOMEM, "ridge: out of memory (eigen solutions)");
        goto done;
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, (int)d, (int)(nalpha * k), (int)d, 1.0,
                u, (int)d, z, (int)d, 0.0, w, (int)d);
    memcpy(z, w, (size_t)d * (size_t)nalpha * k * sizeof *z);
    free(w);
done:
    free(ab), free(lambda), free(u), free(t);
    return rc;
}

// score[a], r2_target[a]: R^2 of ymean + p on the test targets; p (nte, k) with row stride ld.
static void score_alpha(const ridge_system *s, const double *p, int64_t ld, double *pred, int a,
                        double *score, double *r2_target) {
    for (int64_t i = 0; i < s->nte; i++)
        for (int64_t t = 0; t < s->k; t++) pred[i * s->k + t] = s->ymean[t] + p[i * ld + t];
    score[a] =
        metrics_r2(s->yte, pred, s->nte, s->k, r2_target ? r2_target + (size_t)a * s->k : NULL);
}

int ridge_band_path(ridge_system *s, const double *alpha, int nalpha, double *score,
                    double *r2_target) {
    int64_t d = s->d, k = s->k, nte = s->nte, nz = (int64_t)nalpha * k;
    band_form f = {s, (int)(d - 1 < BAND ? d - 1 : BAND), 0, NULL, NULL, NULL};
    f.ldab = f.kd + 1;
    // Route: transform the solutions (Q z for all alphas) or the test rows (xte Q).
    int solutions_first = nz <= nte;
    int64_t group = solutions_first ? (GROUP_COLS / k > 0 ? GROUP_COLS / k : 1) : 1;
    if (group > nalpha) group = nalpha;
    f.ab = malloc((size_t)f.ldab * (size_t)d * sizeof *f.ab);
    f.tau = calloc((size_t)d, sizeof *f.tau);
    f.qb = malloc((size_t)d * (size_t)k * sizeof *f.qb);
    double *fac = malloc((size_t)f.ldab * (size_t)d * sizeof *fac);
    double *z = malloc((size_t)d * (size_t)nz * sizeof *z); // (d, nalpha * k) solutions
    double *p = malloc((size_t)nte * (size_t)(group * k) * sizeof *p);
    double *pred = malloc((size_t)nte * (size_t)k * sizeof *pred);
    int rc = INV_OK;
    if (!f.ab || !f.tau || !f.qb || !fac || !z || !p || !pred) {
        rc = inv_fail(INV_ENOMEM, "ridge: out of memory (d %lld, %d penalties)", (long long)d,
                      nalpha);
        goto done;
    }
    INV_TRY_GOTO(rc, band_reduce(&f), done);
    memcpy(f.qb, s->b, (size_t)d * (size_t)k * sizeof *f.qb);
    INV_TRY_GOTO(rc, apply_q(&f, 'T', f.qb, k), done);
    int failed = 0;
    for (int a = 0; a < nalpha && !failed; a++) {
        int r = band_solve(&f, alpha[a], fac, z + (size_t)a * d * k);
        if (r < 0) {
            rc = inv_fail(INV_ERANGE, "ridge: band solve failed (l2 %g)", 1.0 / alpha[a]);
            goto done;
        }
        failed = r > 0;
    }
    if (failed) INV_TRY_GOTO(rc, eigen_solve_all(&f, alpha, nalpha, z), done);
    if (solutions_first) {
        // w = Q z (d, nalpha * k); predictions xte w, a group of alphas per product.
        INV_TRY_GOTO(rc, apply_q(&f, 'N', z, nz), done);
        for (int a0 = 0; a0 < nalpha; a0 += (int)group) {
            int na = nalpha - a0 < group ? nalpha - a0 : (int)group;
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nte, (int)(na * k), (int)d,
                        1.0, s->xte, (int)d, z + (size_t)a0 * d * k, (int)d, 0.0, p, (int)(na * k));
            for (int a = a0; a < a0 + na; a++)
                score_alpha(s, p + (a - a0) * k, na * k, pred, a, score, r2_target);
        }
    } else {
        // xte Q (nte, d) = (Q' xte')', then predictions (xte Q) z_a per alpha.
        INV_TRY_GOTO(rc, apply_q(&f, 'T', s->xte, nte), done);
        for (int a = 0; a < nalpha; a++) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nte, (int)k, (int)d, 1.0,
                        s->xte, (int)d, z + (size_t)a * d * k, (int)d, 0.0, p, (int)k);
            score_alpha(s, p, k, pred, a, score, r2_target);
        }
    }
done:
    free(f.ab), free(f.tau), free(f.qb), free(fac), free(z), free(p), free(pred);
    return rc;
}
