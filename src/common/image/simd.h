// simd.h: INV_HOT marks a pixel loop function GCC should also compile for AVX2 and pick at run
// time (target_clones); elsewhere it expands to nothing. Integer results and IEEE float results
// are identical in both versions (no fast-math; -std=c11 keeps multiply-adds unfused).
#ifndef INVAR_IMAGE_SIMD_H
#define INVAR_IMAGE_SIMD_H

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define INV_HOT __attribute__((target_clones("avx2", "default")))
#else
#define INV_HOT
#endif

#endif
