// lbfgs.h: limited-memory BFGS minimisation of a smooth function with a line search that
// satisfies the strong Wolfe conditions.
#ifndef INVAR_PROBE_LBFGS_H
#define INVAR_PROBE_LBFGS_H

#include <stdint.h>

// Returns f(x) and writes its gradient to g (both of length n).
typedef double (*lbfgs_func)(const double *x, double *g, void *ctx);

typedef struct {
    int memory;         // correction pairs kept (scipy's L-BFGS-B default 10)
    int max_iter;       // iterations (scikit-learn's max_iter, default 100)
    double gtol;        // stop when max |g_i| <= gtol (scikit-learn's tol, 1e-4)
    double ftol;        // stop when (f_prev - f) / max(|f_prev|, |f|, 1) <= ftol (scipy 2.22e-9)
    int max_linesearch; // function evaluations per line search (20)
} lbfgs_options;

typedef enum {
    LBFGS_CONVERGED_GTOL = 0,
    LBFGS_CONVERGED_FTOL = 1,
    LBFGS_MAX_ITER = 2,
    LBFGS_LINESEARCH_FAILED = 3, // no further decrease along any direction tried
} lbfgs_status;

typedef struct {
    int iterations;
    int evaluations;
    double f;
    double gmax; // max |g_i| at the end
    lbfgs_status status;
} lbfgs_result;

void lbfgs_default_options(lbfgs_options *o);
// Minimises from x (updated in place to the best point found). INV_ENOMEM on allocation
// failure, INV_ERANGE when f or g is not finite at the start; otherwise INV_OK with the
// status in *r (non-convergence within max_iter is not an error, as in scikit-learn).
int lbfgs_minimize(int64_t n, double *x, lbfgs_func fn, void *ctx, const lbfgs_options *o,
                   lbfgs_result *r);

#endif
