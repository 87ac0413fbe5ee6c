// fuzz_pts.c: libFuzzer target for the .pts landmark reader (pts_parse on the raw bytes, not
// NUL-terminated, asking for 68 points; parsed coordinates must be finite).
#include "data/pts.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size ? size : 1); // exactly size bytes: reads past them are caught
    if (!text) return 0;
    memcpy(text, data, size);
    float xy[136];
    if (pts_parse(text, size, "fuzz.pts", 68, xy) == 0)
        for (int i = 0; i < 136; i++)
            if (!isfinite(xy[i])) abort();
    free(text);
    return 0;
}
