// test_rng.c: Philox-4x32-10 against the Random123 known-answer vectors, the stream's key
// scheme, and the statistics of the uniform, normal, bounded and permutation draws.
#include "test_util.h"

#include "core/rng.h"

#include <math.h>
#include <stdlib.h>

static void test_philox_kat(void) {
    // Random123 kat_vectors: "philox4x32 10 CTR[4] KEY[2] -> OUT[4]".
    static const uint32_t v[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1},
    };
    for (int i = 0; i < 3; i++) {
        uint32_t out[4];
        philox4x32_10(v[i], v[i] + 4, out);
        for (int j = 0; j < 4; j++) CU_ASSERT_EQUAL(out[j], v[i][6 + j]);
    }
}

static void test_stream_layout(void) {
    // The stream's first block is Philox of counter (0, sub, index, purpose<<24 | epoch).
    rng_stream s;
    uint64_t seed = 0x299f31d0a4093822ull;
    rng_stream_init(&s, seed, RNG_PURPOSE_AUGMENT, 7, 12345, 1);
    uint32_t ctr[4] = {0, 1, 12345, (3u << 24) | 7u}, key[2] = {0xa4093822, 0x299f31d0}, out[4];
    philox4x32_10(ctr, key, out);
    for (int j = 0; j < 4; j++) CU_ASSERT_EQUAL(rng_u32(&s), out[j]);
    ctr[0] = 1;
    philox4x32_10(ctr, key, out);
    CU_ASSERT_EQUAL(rng_u32(&s), out[0]);
    // Recomputable: a second stream with the same key gives the same words.
    rng_stream a, b;
    rng_stream_init(&a, 5, RNG_PURPOSE_WORLD, 0, 99, 0);
    rng_stream_init(&b, 5, RNG_PURPOSE_WORLD, 0, 99, 0);
    for (int i = 0; i < 100; i++) CU_ASSERT_EQUAL(rng_u32(&a), rng_u32(&b));
    // Different purposes or indices differ.
    rng_stream_init(&a, 5, RNG_PURPOSE_WORLD, 0, 99, 0);
    rng_stream_init(&b, 5, RNG_PURPOSE_SHUFFLE, 0, 99, 0);
    CU_ASSERT_NOT_EQUAL(rng_u32(&a), rng_u32(&b));
}

static void test_uniform_stats(void) {
    rng_stream s;
    rng_stream_init(&s, 1, RNG_PURPOSE_GENERIC, 0, 0, 0);
    const int n = 200000;
    double sum = 0, sum2 = 0, mn = 1, mx = 0;
    for (int i = 0; i < n; i++) {
        float u = rng_uniform(&s);
        CU_ASSERT(u > 0.0f && u <= 1.0f);
        double d = rng_uniform_double(&s);
        CU_ASSERT(d > 0.0 && d < 1.0);
        sum += d;
        sum2 += d * d;
        if (d < mn) mn = d;
        if (d > mx) mx = d;
    }
    double mean = sum / n, var = sum2 / n - mean * mean;
    CU_ASSERT_DOUBLE_EQUAL(mean, 0.5, 0.005);
    CU_ASSERT_DOUBLE_EQUAL(var, 1.0 / 12.0, 0.002);
    CU_ASSERT(mn < 1e-4 && mx > 1 - 1e-4);
    double r = rng_uniform_range(&s, -3, 5);
    CU_ASSERT(r >= -3 && r < 5);
}

static void test_normal_stats(void) {
    rng_stream s;
    rng_stream_init(&s, 2, RNG_PURPOSE_GENERIC, 0, 0, 0);
    const int n = 100000;
    double sum = 0, sum2 = 0, sumd = 0, sumd2 = 0;
    for (int i = 0; i < n; i++) {
        float z[2];
        rng_normal2(&s, z);
        CU_ASSERT(isfinite(z[0]) && isfinite(z[1]));
        sum += z[0] + z[1];
        sum2 += (double)z[0] * z[0] + (double)z[1] * z[1];
        double d = rng_normal_double(&s);
        sumd += d;
        sumd2 += d * d;
    }
    CU_ASSERT_DOUBLE_EQUAL(sum / (2 * n), 0.0, 0.01);
    CU_ASSERT_DOUBLE_EQUAL(sum2 / (2 * n), 1.0, 0.02);
    CU_ASSERT_DOUBLE_EQUAL(sumd / n, 0.0, 0.015);
    CU_ASSERT_DOUBLE_EQUAL(sumd2 / n, 1.0, 0.02);
}

static void test_below_and_permutation(void) {
    rng_stream s;
    rng_stream_init(&s, 3, RNG_PURPOSE_GENERIC, 0, 0, 0);
    int hist[7] = {0};
    for (int i = 0; i < 70000; i++) {
        uint32_t k = rng_below(&s, 7);
        CU_ASSERT_FATAL(k < 7);
        hist[k]++;
    }
    for (int k = 0; k < 7; k++) CU_ASSERT(abs(hist[k] - 10000) < 500);
    CU_ASSERT_EQUAL(rng_below(&s, 1), 0);
    CU_ASSERT_EQUAL(rng_below(&s, 0), 0);
    uint32_t perm[1000];
    int seen[1000] = {0};
    rng_permutation(&s, perm, 1000);
    int fixed = 0;
    for (int i = 0; i < 1000; i++) {
        CU_ASSERT_FATAL(perm[i] < 1000);
        seen[perm[i]]++;
        fixed += perm[i] == (uint32_t)i;
    }
    for (int i = 0; i < 1000; i++) CU_ASSERT_EQUAL(seen[i], 1);
    CU_ASSERT(fixed < 10);
    rng_permutation(&s, perm, 0);
}

int test_rng_register(void) {
    CU_pSuite s = CU_add_suite("rng", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_philox_kat);
    TEST_ADD(s, test_stream_layout);
    TEST_ADD(s, test_uniform_stats);
    TEST_ADD(s, test_normal_stats);
    TEST_ADD(s, test_below_and_permutation);
    return 0;
}
