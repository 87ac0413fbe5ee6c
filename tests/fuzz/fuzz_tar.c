// fuzz_tar.c: libFuzzer target for the tar lister (tar_list_memory on the input; every listed
// member must lie inside the input).
#include "data/tar.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    tar_member *m;
    size_t n;
    if (tar_list_memory(data, size, "fuzz.tar", &m, &n) == 0) {
        for (size_t i = 0; i < n; i++)
            if (!m[i].name || m[i].offset < 512 || m[i].size < 0 ||
                m[i].offset + m[i].size > (int64_t)size)
                abort();
        tar_free(m, n);
    }
    return 0;
}
