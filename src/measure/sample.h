// sample.h: which images of a shard a sweep uses: the first N, or the official code's draw
// np.random.seed(0); np.random.choice(np.arange(n), N) (with replacement: numpy's legacy
// MT19937 and masked rejection sampling, reproduced exactly).
#ifndef INVAR_MEASURE_SAMPLE_H
#define INVAR_MEASURE_SAMPLE_H

#include <stdint.h>

// idx (count) = numpy RandomState(seed).choice(n, count), n in 1..2^32.
void sample_numpy_choice(uint32_t seed, int64_t n, int64_t count, int64_t *idx);

#endif
