// numpy_rng.c: MT19937 (Matsumoto & Nishimura's genrand_int32) and numpy's legacy bounded
// draws, choice and shuffle (numpy_rng.h); checked against numpy at test time.
#include "data/numpy_rng.h"

enum { MT_N = 624, MT_M = 397 };

void np_seed(np_mt19937 *s, uint32_t seed) {
    s->mt[0] = seed;
    for (int i = 1; i < MT_N; i++)
        s->mt[i] = 1812433253u * (s->mt[i - 1] ^ (s->mt[i - 1] >> 30)) + (uint32_t)i;
    s->mti = MT_N;
}

uint32_t np_genrand_u32(np_mt19937 *s) {
    if (s->mti >= MT_N) {
        for (int k = 0; k < MT_N; k++) {
            uint32_t y = (s->mt[k] & 0x80000000u) | (s->mt[(k + 1) % MT_N] & 0x7fffffffu);
            s->mt[k] = s->mt[(k + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        s->mti = 0;
    }
    uint32_t y = s->mt[s->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint64_t np_bounded(np_mt19937 *s, uint64_t max) {
    if (max == 0) return 0;
    uint64_t mask = max;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    uint64_t v;
    if (max <= 0xffffffffu) {
        do v = np_genrand_u32(s) & mask;
        while (v > max);
    } else {
        do {
            uint64_t hi = np_genrand_u32(s);
            v = ((hi << 32) | np_genrand_u32(s)) & mask;
        } while (v > max);
    }
    return v;
}

void np_choice(np_mt19937 *s, int64_t n, int64_t k, int64_t *out) {
    for (int64_t i = 0; i < k; i++) out[i] = (int64_t)np_bounded(s, (uint64_t)(n - 1));
}

void np_shuffle(np_mt19937 *s, int64_t *a, int64_t n) {
    for (int64_t i = n - 1; i >= 1; i--) {
        int64_t j = (int64_t)np_bounded(s, (uint64_t)i);
        int64_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
