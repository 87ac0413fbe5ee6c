// fuzz_manifest.c: libFuzzer target for the CSV manifest parser (manifest_parse_csv on a
// NUL-terminated copy of the input; the result is checked for consistency and freed).
#include "data/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    manifest m;
    if (manifest_parse_csv(text, size, "fuzz.csv", "base", &m) == 0) {
        if (m.n <= 0 || !m.paths) abort();
        for (int64_t i = 0; i < m.n; i++) {
            if (!m.paths[i] || !m.paths[i][0]) abort();
            if (m.labels && (m.labels[i] < 0 || m.labels[i] >= m.nclasses)) abort();
        }
        if (!m.labels && (m.k <= 0 || !m.targets)) abort();
    }
    manifest_free(&m);
    free(text);
    return 0;
}
