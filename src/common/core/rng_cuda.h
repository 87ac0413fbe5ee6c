// rng_cuda.h: cuRAND's Philox-4x32-10 run on the GPU with invar's key scheme (rng.h), so tests
// (tests/gpu) can check that CPU and GPU draw the same numbers. CUDA builds only.
#ifndef INVAR_CORE_RNG_CUDA_H
#define INVAR_CORE_RNG_CUDA_H

#include "core/rng.h"

#include <stdint.h>

#ifdef __CUDACC__
#include <curand_kernel.h>

// Device side: puts *st at the start of the stream rng_stream_init(seed, purpose, epoch, index,
// sub) gives on the CPU. The counter's y word (sub) is reached by skipping 4 * 2^32 * sub draws,
// which overflows 64 bits for sub >= 2^30, so the skip is made in 16 parts of sub * 2^30.
__device__ static inline void rng_cuda_init(unsigned long long seed, rng_purpose purpose,
                                            uint32_t epoch, uint32_t index, uint32_t sub,
                                            curandStatePhilox4_32_10_t *st) {
    unsigned long long w = ((unsigned long long)purpose << 24) | (epoch & 0xFFFFFFu);
    curand_init(seed, (w << 32) | index, 0, st);
    if (sub)
        for (int part = 0; part < 16; part++) skipahead((unsigned long long)sub << 30, st);
}
#endif

#ifdef __cplusplus
extern "C" {
#endif

// Fills out[0..n) with curand() words of the stream rng_stream_init(seed, purpose, epoch,
// index, sub) would produce on the CPU (one GPU thread, rng_cuda_init), and uniform[0..n) with
// curand_uniform of a second identical state.
int rng_cuda_stream_words(uint64_t seed, rng_purpose purpose, uint32_t epoch, uint32_t index,
                          uint32_t sub, uint32_t *out, float *uniform, int n);
// Number of CUDA devices visible (0 when none or no driver).
int rng_cuda_device_count(void);

#ifdef __cplusplus
}
#endif

#endif
