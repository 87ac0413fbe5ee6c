// fpmode.h: the calling thread's treatment of subnormal numbers (below 2.2e-308). Kernel
// matrices with entries exp(-gamma d^2) hold many values in that range, and their products in a
// Cholesky factorisation land there too; on x86 every operation that reads or yields one takes
// a microcode assist ~100x slower, which halves a whole factorisation's rate. Flushing them to
// zero changes results by less than 2.2e-308 absolute. OpenBLAS hands the caller's mode to its
// worker threads; OpenMP threads started afterwards inherit it. Other architectures keep their
// default (correct, possibly slower).
#ifndef INVAR_CORE_FPMODE_H
#define INVAR_CORE_FPMODE_H

#if defined(__SSE2__)
#include <xmmintrin.h>
typedef unsigned int fpmode_saved;
// Sets flush-to-zero and denormals-are-zero (MXCSR bits 15 and 6); returns the previous mode.
static inline fpmode_saved fpmode_flush_subnormals(void) {
    unsigned int old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u);
    return old;
}
static inline void fpmode_restore(fpmode_saved old) {
    _mm_setcsr(old);
}
#else
typedef int fpmode_saved;
static inline fpmode_saved fpmode_flush_subnormals(void) {
    return 0;
}
static inline void fpmode_restore(fpmode_saved old) {
    (void)old;
}
#endif

#endif
