// fuzz_npy.c: libFuzzer target for the strict .npy reader (npy_parse on the input; a parsed
// array is checked for a consistent shape, count and data, then freed).
#include "data/npy.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    npy_array a;
    if (npy_parse(data, size, "fuzz.npy", &a) == 0) {
        int64_t count = 1;
        for (int d = 0; d < a.ndim; d++) count *= a.shape[d];
        if (a.ndim < 0 || a.ndim > NPY_MAX_DIMS || count != a.count || !a.data) abort();
        if ((uint64_t)a.count * (uint64_t)a.itemsize > size) abort();
        volatile double sink = a.count ? a.data[a.count - 1] : 0;
        (void)sink;
    } else if (a.data)
        abort();
    npy_free(&a);
    return 0;
}
