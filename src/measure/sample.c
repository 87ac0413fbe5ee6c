// sample.c: numpy's legacy RandomState draw (MT19937 seeded by init_genrand, randint by a
// bit mask and rejection), so `--sample official` picks the images the official code picks.
#include "sample.h"

enum { MT_N = 624, MT_M = 397 };

typedef struct {
    uint32_t key[MT_N];
    int pos;
} mt19937;

static void mt_seed(mt19937 *s, uint32_t seed) {
    for (int i = 0; i < MT_N; i++) {
        s->key[i] = seed;
        seed = 1812433253u * (seed ^ (seed >> 30)) + (uint32_t)i + 1;
    }
    s->pos = MT_N;
}

static uint32_t mt_next(mt19937 *s) {
    if (s->pos == MT_N) {
        for (int i = 0; i < MT_N; i++) {
            uint32_t y = (s->key[i] & 0x80000000u) | (s->key[(i + 1) % MT_N] & 0x7fffffffu);
            s->key[i] = s->key[(i + MT_M) % MT_N] ^ (y >> 1) ^ (y & 1 ? 0x9908b0dfu : 0);
        }
        s->pos = 0;
    }
    uint32_t y = s->key[s->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

void sample_numpy_choice(uint32_t seed, int64_t n, int64_t count, int64_t *idx) {
    mt19937 s;
    mt_seed(&s, seed);
    uint64_t rng = (uint64_t)(n - 1), mask = rng;
    for (int sh = 1; sh < 64; sh <<= 1) mask |= mask >> sh;
    for (int64_t i = 0; i < count; i++) {
        if (rng == 0) {
            idx[i] = 0;
            continue;
        }
        uint32_t v;
        while ((v = mt_next(&s) & (uint32_t)mask) > rng) {
        }
        idx[i] = v;
    }
}
