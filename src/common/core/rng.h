// rng.h: Philox-4x32-10 counter-based random numbers, bit-identical to Random123 and cuRAND
// (curand_init(seed, subsequence, 0) with subsequence = index | purpose_epoch << 32, then the
// counter advanced to (block, sub): see rng_stream below and rng_cuda.h). Every draw is keyed by
// (seed, purpose, epoch, index, sub-index), so any draw can be recomputed on any rank, thread or
// GPU.
#ifndef INVAR_CORE_RNG_H
#define INVAR_CORE_RNG_H

#include <stdint.h>

// One Philox-4x32-10 block: 4 counter words and 2 key words in, 4 random words out.
void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

// What a stream of draws is for; part of the key, so streams for different purposes never
// overlap. Values are stable (they are stored in checkpoints): only append.
typedef enum {
    RNG_PURPOSE_GENERIC = 0,
    RNG_PURPOSE_INIT = 1,       // weight initialisation
    RNG_PURPOSE_SHUFFLE = 2,    // epoch order of the training set
    RNG_PURPOSE_AUGMENT = 3,    // augmentation parameters of one view
    RNG_PURPOSE_WORLD = 4,      // scene latents of the embedded world
    RNG_PURPOSE_FOLDS = 5,      // cross-validation folds
    RNG_PURPOSE_TRANSFORM = 6,  // random test transforms (elastic deformation fields)
    RNG_PURPOSE_SAMPLE = 7,     // drawing subsets of a data set
    RNG_PURPOSE_RENDER = 8,     // sampling inside the renderer (jitter, blur samples)
    RNG_PURPOSE_BN_SHUFFLE = 9, // the key batch permutation of shuffle-BN (MoCo)
    RNG_PURPOSE_QUEUE = 10,     // the initial MoCo queue
} rng_purpose;

// A sequential stream of 32-bit words. Counter layout (words x, y, z, w):
//   x = block number (advanced by draws), y = sub-index (e.g. view),
//   z = example index, w = purpose (bits 24-31) | epoch (bits 0-23).
// Key = the 64-bit seed (low word first). In cuRAND terms:
//   curand_init(seed, ((uint64_t)w << 32) | z, 0, &state), then skipahead by
//   4 * ((y << 32) | x) draws; that count needs 66 bits when y >= 2^30, so it is done in
//   parts (rng_cuda.h's rng_cuda_init does it).
typedef struct {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    int pos; // next unread word of buf (4 = empty)
} rng_stream;

void rng_stream_init(rng_stream *s, uint64_t seed, rng_purpose purpose, uint32_t epoch,
                     uint32_t index, uint32_t sub);

uint32_t rng_u32(rng_stream *s);
// Uniform float in (0, 1], exactly as curand_uniform.
float rng_uniform(rng_stream *s);
// Uniform double in (0, 1), 53 random bits, exactly as curand_uniform_double.
double rng_uniform_double(rng_stream *s);
// Uniform double in [lo, hi).
double rng_uniform_range(rng_stream *s, double lo, double hi);
// Standard normal float pair (Box-Muller), exactly as curand_normal2.
void rng_normal2(rng_stream *s, float out[2]);
// One standard normal double (Box-Muller on 53-bit uniforms).
double rng_normal_double(rng_stream *s);
// Unbiased integer in [0, n), n >= 1 (Lemire's method with rejection).
uint32_t rng_below(rng_stream *s, uint32_t n);
// perm[0..n) = a uniformly random permutation of 0..n-1 (Fisher-Yates).
void rng_permutation(rng_stream *s, uint32_t *perm, uint32_t n);

#endif
