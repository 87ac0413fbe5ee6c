// numpy_rng.h: numpy's legacy global RNG (np.random.seed / RandomState, MT19937) in C, for the
// official code's samples and splits: seed = init_genrand(s); a bounded draw in [0, max] masks
// genrand words to the smallest 2^k - 1 >= max and rejects values > max (64-bit words, hi << 32
// | lo, when max >= 2^32); choice(arange(n), k) = k bounded draws with max = n - 1 (with
// replacement); shuffle(a) swaps a[i] with a[bounded(i)] for i = n-1 .. 1.
#ifndef INVAR_DATA_NUMPY_RNG_H
#define INVAR_DATA_NUMPY_RNG_H

#include <stdint.h>

typedef struct {
    uint32_t mt[624];
    int mti;
} np_mt19937;

void np_seed(np_mt19937 *s, uint32_t seed);       // np.random.seed(seed)
uint32_t np_genrand_u32(np_mt19937 *s);           // one 32-bit MT19937 word
uint64_t np_bounded(np_mt19937 *s, uint64_t max); // uniform in [0, max] (random_interval)
void np_choice(np_mt19937 *s, int64_t n, int64_t k, int64_t *out); // np.random.choice(n, k)
void np_shuffle(np_mt19937 *s, int64_t *a, int64_t n);             // np.random.shuffle(a)

#endif
