// numpy_rng_tool.c: prints draws of invar's numpy legacy RNG (data/numpy_rng.h) for
// numpy_rng.sh to compare with numpy at test time:
//   numpy_rng_tool choice SEED N K   -> K values of np.random.choice(np.arange(N), K)
//   numpy_rng_tool shuffle SEED N    -> np.random.shuffle(np.arange(N))
#include "data/numpy_rng.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 4) return 2;
    np_mt19937 mt;
    np_seed(&mt, (uint32_t)strtoul(argv[2], NULL, 10));
    int64_t n = strtoll(argv[3], NULL, 10);
    int shuffle = strcmp(argv[1], "shuffle") == 0;
    int64_t k = shuffle ? n : (argc > 4 ? strtoll(argv[4], NULL, 10) : 0);
    int64_t *v = malloc(sizeof *v * (size_t)(k ? k : 1));
    if (!v) return 1;
    if (shuffle) {
        for (int64_t i = 0; i < n; i++) v[i] = i;
        np_shuffle(&mt, v, n);
    } else
        np_choice(&mt, n, k, v);
    for (int64_t i = 0; i < k; i++) printf("%" PRId64 "\n", v[i]);
    free(v);
    return 0;
}
