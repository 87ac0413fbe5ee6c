// conv_winograd_bench.c: the invar side of tests/bench/conv_winograd.sh. Times one 3x3 stride-1
// convolution (batch N, C -> C channels, SIDE x SIDE, the cpu backend's blocked activations) in
// its three training passes, each two ways in one process, alternating, best of ROUNDS: the cpu
// backend with oneDNN's direct kernels only (INVAR_CONV_WINOGRAD=0, the baseline) and as it runs
// by default (Winograd where conv_dnnl.c picks it); prints
//   "fwd DIRECT_MS DEFAULT_MS MAXDIFF bwd_data ... bwd_weights ..."
// with MAXDIFF the largest |difference| between the two over the largest |value|.
//   conv_winograd_bench CHANNELS SIDE N ROUNDS
#include "nn/backend.h"

#include "core/error.h"
#include "core/tensor.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double relmax(const float *a, const float *b, size_t n) {
    double d = 0, m = 1e-30;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)a[i] - b[i]));
        m = fmax(m, fabs((double)b[i]));
    }
    return d / m;
}

// Pass p (0 forward, 1 backward data, 2 backward weights) of g on backend be.
static int pass(nn_backend *be, int p, const nn_conv_geom *g, const float *x, const float *w,
                const float *gy, float *out) {
    if (p == 0) return be->conv_forward(be, g, x, w, NULL, 0, out);
    if (p == 1) return be->conv_backward_data(be, g, gy, w, out, 0);
    return be->conv_backward_weights(be, g, x, gy, out, NULL);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: conv_winograd_bench CHANNELS SIDE N ROUNDS\n");
        return 2;
    }
    int c = atoi(argv[1]), side = atoi(argv[2]), n = atoi(argv[3]), rounds = atoi(argv[4]);
    nn_backend *be[2]; // direct only; default
    nn_conv_geom g;
    setenv("INVAR_CONV_WINOGRAD", "0", 1);
    int rc = nn_backend_create(&be[0], NN_BACKEND_CPU);
    unsetenv("INVAR_CONV_WINOGRAD");
    if (rc || nn_backend_create(&be[1], NN_BACKEND_CPU) ||
        nn_conv_geom_init(&g, n, c, side, side, c, 3, 1, 1)) {
        fprintf(stderr, "conv_winograd_bench: %s\n", inv_errmsg());
        return 1;
    }
    size_t xs = (size_t)n * c * side * side, ws = (size_t)c * c * 9;
    float *x = inv_aligned_alloc(4 * xs), *gy = inv_aligned_alloc(4 * xs), *w = malloc(4 * ws);
    size_t os = xs > ws ? xs : ws; // an activation or a weight gradient
    float *out[2] = {inv_aligned_alloc(4 * os), inv_aligned_alloc(4 * os)};
    if (!x || !gy || !w || !out[0] || !out[1]) return 1;
    uint64_t r = 88172645463325252u; // xorshift64: values in [-1, 1) (weights / 40)
#define NEXT() (r ^= r << 13, r ^= r >> 7, r ^= r << 17, (float)((r >> 40) * 0x1p-23) - 1.0f)
    for (size_t i = 0; i < xs; i++) x[i] = NEXT();
    for (size_t i = 0; i < xs; i++) gy[i] = NEXT();
    for (size_t i = 0; i < ws; i++) w[i] = NEXT() / 40;
#undef NEXT
    static const char *names[3] = {"fwd", "bwd_data", "bwd_weights"};
    for (int p = 0; p < 3; p++) {
        double best[2] = {1e30, 1e30};
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < 2; k++) {
                double t = now();
                if (pass(be[k], p, &g, x, w, gy, out[k])) {
                    fprintf(stderr, "conv_winograd_bench: %s\n", inv_errmsg());
                    return 1;
                }
                t = now() - t;
                best[k] = t < best[k] ? t : best[k];
            }
        printf("%s %.3f %.3f %.2g%s", names[p], 1e3 * best[0], 1e3 * best[1],
               relmax(out[1], out[0], p == 2 ? ws : xs), p < 2 ? " " : "\n");
    }
    for (int k = 0; k < 2; k++) {
        nn_backend_destroy(be[k]);
        inv_aligned_free(out[k]);
    }
    inv_aligned_free(x), inv_aligned_free(gy), free(w);
    return 0;
}
