// rng_check.c: GPU check that cuRAND's Philox with invar's key scheme gives the same 32-bit
// words and uniforms as the CPU stream (rng.h), for several keys. Prints one line, exit 0 = ok.
#include "core/rng.h"
#include "core/rng_cuda.h"
#include "core/error.h"

#include <stdio.h>

int main(void) {
    if (rng_cuda_device_count() < 1) {
        printf("rng_check: no CUDA device\n");
        return 1;
    }
    const struct {
        uint64_t seed;
        rng_purpose p;
        uint32_t epoch, index, sub;
    } keys[] = {
        {0, RNG_PURPOSE_GENERIC, 0, 0, 0},
        {42, RNG_PURPOSE_AUGMENT, 199, 1281166, 1},
        {0xdeadbeefcafef00dull, RNG_PURPOSE_WORLD, 3, 7, 0xffffffffu},
        // the sub-index on both sides of 2^30, where cuRAND's draw offset would pass 64 bits
        {7, RNG_PURPOSE_TRANSFORM, 0xFFFFFF, 0xffffffffu, (1u << 30) - 1},
        {7, RNG_PURPOSE_RENDER, 1, 2, 1u << 30},
    };
    enum { N = 1031 };
    static uint32_t gpu[N];
    static float gpu_u[N];
    int bad = 0;
    for (unsigned k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        if (rng_cuda_stream_words(keys[k].seed, keys[k].p, keys[k].epoch, keys[k].index,
                                  keys[k].sub, gpu, gpu_u, N)) {
            printf("rng_check: %s\n", inv_errmsg());
            return 1;
        }
        rng_stream a, b;
        rng_stream_init(&a, keys[k].seed, keys[k].p, keys[k].epoch, keys[k].index, keys[k].sub);
        rng_stream_init(&b, keys[k].seed, keys[k].p, keys[k].epoch, keys[k].index, keys[k].sub);
        for (int i = 0; i < N; i++) {
            uint32_t w = rng_u32(&a);
            float u = rng_uniform(&b);
            if (w != gpu[i] || u != gpu_u[i]) {
                if (bad < 5)
                    printf("rng_check: key %u draw %d: cpu %08x %.9g gpu %08x %.9g\n", k, i, w, u,
                           gpu[i], gpu_u[i]);
                bad++;
            }
        }
    }
    printf("rng_check: %s (%d mismatches in %d draws)\n", bad ? "FAILED" : "ok", bad,
           (int)(sizeof keys / sizeof keys[0]) * N);
    return bad != 0;
}
