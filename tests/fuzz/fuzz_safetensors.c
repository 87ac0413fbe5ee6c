// fuzz_safetensors.c: libFuzzer target for the safetensors reader: st_parse on the input, then
// st_find and st_read_f32 on every tensor it accepted, then st_close.
#include "core/error.h"
#include "io/safetensors.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_file f;
    if (st_parse(&f, data, size, "fuzz.safetensors") != INV_OK) {
        // A rejected input leaves an empty file and a message naming it.
        if (f.ntensors != 0 || f.tensors || !strstr(inv_errmsg(), "fuzz.safetensors")) abort();
        return 0;
    }
    for (int i = 0; i < f.ntensors; i++) {
        const st_tensor *t = &f.tensors[i];
        if (st_find(&f, t->name) != t) abort();
        // numel <= size: the reader checked numel * dtype size == end - begin <= size.
        float *buf = malloc((size_t)t->numel * sizeof *buf + 1);
        if (!buf) continue;
        if (st_read_f32(&f, t->name, buf, t->numel) != INV_OK) abort();
        free(buf);
    }
    for (int i = 0; i < f.nmeta; i++)
        if (!st_meta(&f, f.meta_keys[i])) abort();
    st_close(&f);
    return 0;
}
