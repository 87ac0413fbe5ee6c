// lbfgs.c: L-BFGS (two-loop recursion, scaled initial Hessian) with a bracketing line search
// for the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization, algorithms 3.5 and
// 3.6, cubic interpolation in the zoom phase). Written from the published algorithm.
#include "lbfgs.h"

#include "core/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void lbfgs_default_options(lbfgs_options *o) {
    o->memory = 10;
    o->max_iter = 100;
    o->gtol = 1e-4;
    o->ftol = 2.220446049250313e-09;
    o->max_linesearch = 20;
}

static double dot(int64_t n, const double *a, const double *b) {
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

static double max_abs(int64_t n, const double *a) {
    double m = 0;
    for (int64_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

// Minimiser of the cubic through (a, fa, da) and (b, fb, db), safeguarded into the interval
// between a and b (bisection when the cubic has no usable minimum).
static double cubic_min(double a, double fa, double da, double b, double fb, double db) {
    double d1 = da + db - 3 * (fa - fb) / (a - b);
    double disc = d1 * d1 - da * db;
    double lo = fmin(a, b), hi = fmax(a, b), t;
    if (disc >= 0 && a != b) {
        double d2 = copysign(sqrt(disc), b - a);
        t = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
        if (!isfinite(t)) t = 0.5 * (a + b);
    } else {
        t = 0.5 * (a + b);
    }
    double margin = 0.1 * (hi - lo);
    if (t < lo + margin || t > hi - margin) t = 0.5 * (a + b);
    return t;
}

typedef struct {
    int64_t n;
    const double *x0, *dir;
    double *x, *g;
    lbfgs_func fn;
    void *ctx;
    int evals;
} line_ctx;

static double phi(line_ctx *l, double t, double *dphi) {
    for (int64_t i = 0; i < l->n; i++) l->x[i] = l->x0[i] + t * l->dir[i];
    double f = l->fn(l->x, l->g, l->ctx);
    l->evals++;
    *dphi = dot(l->n, l->g, l->dir);
    return f;
}

// Strong Wolfe line search along dir from x0 (f0, slope d0 < 0). On success returns 1 with x, g
// and *f at the accepted point; returns 0 when no acceptable step was found (x, g then hold the
// best point with f < f0 if any was seen, signalled by *f < f0).
static int wolfe_search(line_ctx *l, double f0, double d0, double t1, int max_evals, double *f,
                        double *xbest, double *gbest) {
    const double c1 = 1e-4, c2 = 0.9;
    double t_prev = 0, f_prev = f0, d_prev = d0, t = t1;
    double fbest = f0;
    int have_best = 0;
#define KEEP_BEST(fv)                                                                              \
    if ((fv) < fbest) {                                                                            \
        fbest = (fv);                                                                              \
        memcpy(xbest, l->x, (size_t)l->n * sizeof *xbest);                                         \
        memcpy(gbest, l->g, (size_t)l->n * sizeof *gbest);                                         \
        have_best = 1;                                                                             \
    }
    double lo = 0, flo = f0, dlo = d0, hi = 0, fhi = 0, dhi = 0;
    int bracketed = 0;
    for (int it = 0; it < max_evals; it++) {
        double dt, ft = phi(l, t, &dt);
        if (!isfinite(ft)) { // step too long: shrink
            t = 0.5 * (t_prev + t);
            continue;
        }
        KEEP_BEST(ft);
        if (ft > f0 + c1 * t * d0 || (it > 0 && ft >= f_prev)) {
            lo = t_prev, flo = f_prev, dlo = d_prev, hi = t, fhi = ft, dhi = dt;
            bracketed = 1;
            break;
        }
        if (fabs(dt) <= -c2 * d0) {
            *f = ft;
            return 1;
        }
        if (dt >= 0) {
            lo = t, flo = ft, dlo = dt, hi = t_prev, fhi = f_prev, dhi = d_prev;
            bracketed = 1;
            break;
        }
        t_prev = t, f_prev = ft, d_prev = dt;
        t *= 4;
    }
    if (bracketed) {
        // Zoom: lo satisfies sufficient decrease and has the lowest f so far in the bracket.
        for (int it = 0; it < max_evals; it++) {
            if (fabs(hi - lo) < 1e-16 * fmax(1.0, fabs(lo))) break;
            double tj = cubic_min(lo, flo, dlo, hi, fhi, dhi);
            double dj, fj = phi(l, tj, &dj);
            if (!isfinite(fj)) {
                hi = tj, fhi = INFINITY, dhi = 0;
                continue;
            }
            KEEP_BEST(fj);
            if (fj > f0 + c1 * tj * d0 || fj >= flo) {
                hi = tj, fhi = fj, dhi = dj;
            } else {
                if (fabs(dj) <= -c2 * d0) {
                    *f = fj;
                    return 1;
                }
                if (dj * (hi - lo) >= 0) hi = lo, fhi = flo, dhi = dlo;
                lo = tj, flo = fj, dlo = dj;
            }
        }
    }
#undef KEEP_BEST
    if (have_best) {
        memcpy(l->x, xbest, (size_t)l->n * sizeof *xbest);
        memcpy(l->g, gbest, (size_t)l->n * sizeof *gbest);
    }
    *f = fbest;
    return 0;
}

int lbfgs_minimize(int64_t n, double *x, lbfgs_func fn, void *ctx, const lbfgs_options *o,
                   lbfgs_result *r) {
    int m = o->memory > 0 ? o->memory : 10;
    size_t nb = (size_t)n * sizeof(double);
    double *mem = malloc(nb * (size_t)(6 + 2 * m));
    double *rho = malloc((size_t)m * sizeof *rho), *alpha = malloc((size_t)m * sizeof *alpha);
    if (!mem || !rho || !alpha) {
        free(mem), free(rho), free(alpha);
        return inv_fail(INV_ENOMEM, "lbfgs: out of memory (%lld parameters)", (long long)n);
    }
    double *g = mem, *d = g + n, *x0 = d + n, *g0 = x0 + n, *xb = g0 + n, *gb = xb + n;
    double *S = gb + n, *Y = S + (size_t)m * n; // correction pairs, ring buffer
    memset(r, 0, sizeof *r);
    double f = fn(x, g, ctx);
    r->evaluations = 1;
    if (!isfinite(f)) {
        free(mem), free(rho), free(alpha);
        return inv_fail(INV_ERANGE, "lbfgs: the objective is not finite at the start");
    }
    int stored = 0, head = 0; // pairs stored, index of the oldest
    lbfgs_status status = LBFGS_MAX_ITER;
    int iter = 0, restarted = 0;
    while (1) {
        if (max_abs(n, g) <= o->gtol) {
            status = LBFGS_CONVERGED_GTOL;
            break;
        }
        if (iter >= o->max_iter) {
            status = LBFGS_MAX_ITER;
            break;
        }
        // Direction d = -H g by the two-loop recursion.
        for (int64_t i = 0; i < n; i++) d[i] = -g[i];
        for (int j = stored - 1; j >= 0; j--) {
            int s = (head + j) % m;
            alpha[s] = rho[s] * dot(n, S + (size_t)s * n, d);
            for (int64_t i = 0; i < n; i++) d[i] -= alpha[s] * Y[(size_t)s * n + i];
        }
        double t_init = 1.0;
        if (stored > 0) {
            int s = (head + stored - 1) % m;
            double yy = dot(n, Y + (size_t)s * n, Y + (size_t)s * n);
            double gamma = 1.0 / (rho[s] * yy);
            for (int64_t i = 0; i < n; i++) d[i] *= gamma;
        } else {
            double gn = sqrt(dot(n, g, g));
            t_init = gn > 0 ? fmin(1.0, 1.0 / gn) : 1.0;
        }
        for (int j = 0; j < stored; j++) {
            int s = (head + j) % m;
            double beta = rho[s] * dot(n, Y + (size_t)s * n, d);
            for (int64_t i = 0; i < n; i++) d[i] += (alpha[s] - beta) * S[(size_t)s * n + i];
        }
        double d0 = dot(n, g, d);
        if (!(d0 < 0)) { // not a descent direction: restart from steepest descent
            stored = 0;
            for (int64_t i = 0; i < n; i++) d[i] = -g[i];
            d0 = dot(n, g, d);
            double gn = sqrt(-d0);
            t_init = gn > 0 ? fmin(1.0, 1.0 / gn) : 1.0;
        }
        memcpy(x0, x, nb);
        memcpy(g0, g, nb);
        line_ctx l = {n, x0, d, x, g, fn, ctx, 0};
        double fnew;
        int okls = wolfe_search(&l, f, d0, t_init, o->max_linesearch, &fnew, xb, gb);
        r->evaluations += l.evals;
        if (!okls && !(fnew < f)) {
            memcpy(x, x0, nb);
            memcpy(g, g0, nb);
            if (stored > 0 && !restarted) { // retry once along steepest descent
                stored = 0;
                restarted = 1;
                continue;
            }
            status = LBFGS_LINESEARCH_FAILED;
            break;
        }
        restarted = 0;
        iter++;
        double fprev = f;
        f = fnew;
        // New correction pair s = x - x0, y = g - g0 (kept only when s'y > 0).
        double *sv = xb, *yv = gb; // line-search scratch, free now
        for (int64_t i = 0; i < n; i++) sv[i] = x[i] - x0[i], yv[i] = g[i] - g0[i];
        double sy = dot(n, sv, yv);
        if (sy > 1e-10 * sqrt(dot(n, sv, sv) * dot(n, yv, yv)) && sy > 0) {
            int slot = stored < m ? (head + stored) % m : head;
            memcpy(S + (size_t)slot * n, sv, nb);
            memcpy(Y + (size_t)slot * n, yv, nb);
            rho[slot] = 1.0 / sy;
            if (stored < m)
                stored++;
            else
                head = (head + 1) % m;
        }
        if ((fprev - f) / fmax(fmax(fabs(fprev), fabs(f)), 1.0) <= o->ftol) {
            status = LBFGS_CONVERGED_FTOL;
            break;
        }
    }
    r->iterations = iter;
    r->f = f;
    r->gmax = max_abs(n, g);
    r->status = status;
    free(mem), free(rho), free(alpha);
    return INV_OK;
}
