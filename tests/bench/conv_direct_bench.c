// conv_direct_bench.c: the invar side of tests/bench/conv_direct.sh. Times a 3x3 stride-1 forward
// on nChw8c activations (batch N) three ways in one process, alternating, best of ROUNDS:
// oneDNN's forward primitive (the baseline), oneDNN's backward-data primitive on the flipped,
// transposed weights (conv_dnnl.c, sides above CONV_DIRECT_MAX_SIDE) and conv_direct.c (up to
// it); prints "onednn_ms X asbwd_ms Y direct_ms Z maxdiff_asbwd A maxdiff_direct B" (largest
// |difference| from the forward primitive's output). Run with INVAR_CONV_DIRECT=0.
//   conv_direct_bench CHANNELS SIDE N ROUNDS
#include "nn/backend.h"
#include "nn/conv_direct.h"

#include "core/error.h"
#include "core/tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: conv_direct_bench CHANNELS SIDE N ROUNDS\n");
        return 2;
    }
    int c = atoi(argv[1]), side = atoi(argv[2]), n = atoi(argv[3]), rounds = atoi(argv[4]);
    nn_backend *be, *be_t; // oneDNN's forward; forward as backward data
    nn_conv_geom g;
    setenv("INVAR_CONV_FWD_AS_BWD", "0", 1);
    int rc = nn_backend_create(&be, NN_BACKEND_CPU);
    setenv("INVAR_CONV_FWD_AS_BWD", "1", 1);
    if (rc || nn_backend_create(&be_t, NN_BACKEND_CPU) ||
        nn_conv_geom_init(&g, n, c, side, side, c, 3, 1, 1)) {
        fprintf(stderr, "conv_direct_bench: %s\n", inv_errmsg());
        return 1;
    }
    if (nn_act_block(be, c) != 8) {
        fprintf(stderr, "conv_direct_bench: the cpu backend does not use nChw8c here\n");
        return 1;
    }
    size_t xs = (size_t)n * c * side * side, ws = (size_t)c * c * 9;
    float *x = inv_aligned_alloc(4 * xs), *y1 = inv_aligned_alloc(4 * xs);
    float *y2 = inv_aligned_alloc(4 * xs), *y3 = inv_aligned_alloc(4 * xs), *w = malloc(4 * ws);
    if (!x || !y1 || !y2 || !y3 || !w) return 1;
    for (size_t i = 0; i < xs; i++) x[i] = (float)((i * 7919) % 1000) / 500.0f - 1.0f;
    for (size_t i = 0; i < ws; i++) w[i] = (float)((i * 104729) % 1000) / 20000.0f - 0.025f;
    conv_direct_ws dws = {0};
    double best_dnnl = 1e30, best_t = 1e30, best_direct = 1e30;
    for (int r = 0; r < rounds; r++) {
        double t = now();
        if (be->conv_forward(be, &g, x, w, NULL, 0, y1)) return 1;
        t = now() - t;
        best_dnnl = t < best_dnnl ? t : best_dnnl;
        t = now();
        if (be_t->conv_forward(be_t, &g, x, w, NULL, 0, y3)) return 1;
        t = now() - t;
        best_t = t < best_t ? t : best_t;
        t = now();
        if (conv_direct_forward(&dws, &g, x, w, NULL, 0, y2)) return 1;
        t = now() - t;
        best_direct = t < best_direct ? t : best_direct;
    }
    double md = 0, mt = 0;
    for (size_t i = 0; i < xs; i++) {
        md = fmax(md, fabs((double)y1[i] - y2[i]));
        mt = fmax(mt, fabs((double)y1[i] - y3[i]));
    }
    printf("onednn_ms %.3f asbwd_ms %.3f direct_ms %.3f maxdiff_asbwd %g maxdiff_direct %g\n",
           1e3 * best_dnnl, 1e3 * best_t, 1e3 * best_direct, mt, md);
    conv_direct_ws_free(&dws);
    be->destroy(be);
    be_t->destroy(be_t);
    return 0;
}
