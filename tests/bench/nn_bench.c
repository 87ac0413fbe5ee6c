// nn_bench.c: the invar side of tests/bench/nn.sh. Times (a) ResNet-18 small stem, 32x32,
// forward + backward + SGD step in training mode, or (b) ResNet-50 224x224 forward in eval mode,
// and prints "images/s X maxrss_mb Y".
//   nn_bench a|b BATCH ITERS [reference|cpu]
#include "nn/backend.h"
#include "nn/loss.h"
#include "nn/optim.h"
#include "nn/resnet.h"

#include "core/error.h"
#include "core/rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "nn_bench: %s: %s\n", what, inv_errmsg());
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: nn_bench a|b BATCH ITERS [reference|cpu]\n");
        return 2;
    }
    int train = strcmp(argv[1], "a") == 0, n = atoi(argv[2]), iters = atoi(argv[3]);
    nn_backend_kind kind = NN_BACKEND_CPU;
    if (argc > 4 && nn_backend_parse(argv[4], &kind)) die("backend");
    int hw = train ? 32 : 224, classes = train ? 10 : 0;
    resnet_config cfg;
    if (resnet_config_parse(&cfg, train ? "resnet18" : "resnet50", train ? "small" : NULL, classes))
        die("config");
    nn_backend *be;
    resnet *m;
    if (nn_backend_create(&be, kind) || resnet_create(&m, &cfg, be)) die("create");
    resnet_init_random(m, 1);
    size_t xs = (size_t)n * 3 * hw * hw;
    float *x = malloc(sizeof(float) * xs);
    rng_stream rs;
    rng_stream_init(&rs, 1, RNG_PURPOSE_GENERIC, 0, 0, 0);
    for (size_t i = 0; i < xs; i++) x[i] = (float)rng_uniform_range(&rs, -2, 2);
    int32_t *t = malloc(sizeof(int32_t) * n);
    for (int i = 0; i < n; i++) t[i] = i % 10;
    float *g = malloc(sizeof(float) * (size_t)n * 10);
    nn_params *p = resnet_params(m);
    sgd_state opt;
    if (sgd_init(&opt, p->n_trainable, 0.9, 0, 1e-4, 0)) die("sgd");
    double t0 = 0;
    for (int it = -1; it < iters; it++) { // one warm-up iteration
        if (it == 0) t0 = now();
        const float *out;
        if (resnet_forward(m, x, n, hw, hw, train ? RESNET_TRAIN : RESNET_EVAL, &out)) die("forward");
        if (train) {
            double loss;
            if (softmax_xent(n, 10, out, t, &loss, g)) die("loss");
            if (resnet_backward(m, g)) die("backward");
            sgd_step(&opt, p->data, p->grad, 0.01);
        }
    }
    double dt = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("images/s %.2f maxrss_mb %.0f\n", n * iters / dt, ru.ru_maxrss / 1024.0);
    sgd_free(&opt);
    free(x), free(t), free(g);
    resnet_free(m);
    nn_backend_destroy(be);
    return 0;
}
