// rng.c: Philox-4x32-10 (Salmon et al. 2011, as in Random123 and cuRAND) and the draws built on
// it. The float/double conversions follow cuRAND's so that CPU and GPU draw the same numbers.
#include "core/rng.h"

#include <math.h>

enum {
    PHILOX_M0 = 0xD2511F53u,
    PHILOX_M1 = 0xCD9E8D57u,
    PHILOX_W0 = 0x9E3779B9u,
    PHILOX_W1 = 0xBB67AE85u,
};

static inline void philox_round(uint32_t c[4], const uint32_t k[2]) {
    uint64_t p0 = (uint64_t)PHILOX_M0 * c[0];
    uint64_t p1 = (uint64_t)PHILOX_M1 * c[2];
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
    uint32_t k[2] = {key[0], key[1]};
    for (int r = 0; r < 10; r++) {
        if (r > 0) {
            k[0] += PHILOX_W0;
            k[1] += PHILOX_W1;
        }
        philox_round(c, k);
    }
    for (int i = 0; i < 4; i++) out[i] = c[i];
}

void rng_stream_init(rng_stream *s, uint64_t seed, rng_purpose purpose, uint32_t epoch,
                     uint32_t index, uint32_t sub) {
    s->key[0] = (uint32_t)seed;
    s->key[1] = (uint32_t)(seed >> 32);
    s->ctr[0] = 0;
    s->ctr[1] = sub;
    s->ctr[2] = index;
    s->ctr[3] = ((uint32_t)purpose << 24) | (epoch & 0xFFFFFFu);
    s->pos = 4;
}

uint32_t rng_u32(rng_stream *s) {
    if (s->pos == 4) {
        philox4x32_10(s->ctr, s->key, s->buf);
        // The block number is 64 bits wide across x and y, as in cuRAND's skipahead.
        if (++s->ctr[0] == 0) ++s->ctr[1];
        s->pos = 0;
    }
    return s->buf[s->pos++];
}

#define TWO_POW32_INV     (1.0f / 4294967296.0f)
#define TWO_POW32_INV_2PI (2.3283064e-10f * 6.2831855f)
#define TWO_POW53_INV     (1.0 / 9007199254740992.0)
#define TWO_POW53_INV_2PI (TWO_POW53_INV * 6.283185307179586)

float rng_uniform(rng_stream *s) {
    return (float)rng_u32(s) * TWO_POW32_INV + (TWO_POW32_INV / 2.0f);
}

static double uniform53(uint32_t x, uint32_t y, double scale) {
    uint64_t z = (uint64_t)x ^ ((uint64_t)y << (53 - 32));
    return (double)z * scale + scale / 2.0;
}

double rng_uniform_double(rng_stream *s) {
    uint32_t x = rng_u32(s), y = rng_u32(s);
    return uniform53(x, y, TWO_POW53_INV);
}

double rng_uniform_range(rng_stream *s, double lo, double hi) {
    return lo + (hi - lo) * rng_uniform_double(s);
}

void rng_normal2(rng_stream *s, float out[2]) {
    uint32_t x = rng_u32(s), y = rng_u32(s);
    float u = (float)x * TWO_POW32_INV + (TWO_POW32_INV / 2.0f);
    float v = (float)y * TWO_POW32_INV_2PI + (TWO_POW32_INV_2PI / 2.0f);
    float r = sqrtf(-2.0f * logf(u));
    out[0] = sinf(v) * r;
    out[1] = cosf(v) * r;
}

double rng_normal_double(rng_stream *s) {
    uint32_t x0 = rng_u32(s), y0 = rng_u32(s), x1 = rng_u32(s), y1 = rng_u32(s);
    double u = uniform53(x0, y0, TWO_POW53_INV);
    double v = uniform53(x1, y1, TWO_POW53_INV_2PI);
    return sin(v) * sqrt(-2.0 * log(u));
}

uint32_t rng_below(rng_stream *s, uint32_t n) {
    if (n <= 1) return 0;
    uint64_t m = (uint64_t)rng_u32(s) * n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (uint64_t)rng_u32(s) * n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

void rng_permutation(rng_stream *s, uint32_t *perm, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rng_below(s, i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}
