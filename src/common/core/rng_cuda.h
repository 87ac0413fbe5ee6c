// rng_cuda.h: cuRAND's Philox-4x32-10 run on the GPU with invar's key scheme (rng.h), so tests
// (tests/gpu) can check that CPU and GPU draw the same numbers. CUDA builds only.
#ifndef INVAR_CORE_RNG_CUDA_H
#define INVAR_CORE_RNG_CUDA_H

#include "core/rng.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// Fills out[0..n) with curand() words of the stream rng_stream_init(seed, purpose, epoch,
// index, sub) would produce on the CPU (one GPU thread, curand_init with the mapped
// subsequence and offset), and uniform[0..n) with curand_uniform of a second identical state.
int rng_cuda_stream_words(uint64_t seed, rng_purpose purpose, uint32_t epoch, uint32_t index,
                          uint32_t sub, uint32_t *out, float *uniform, int n);
// Number of CUDA devices visible (0 when none or no driver).
int rng_cuda_device_count(void);

#ifdef __cplusplus
}
#endif

#endif
