// fuzz_image.c: libFuzzer target for the JPEG/PNG decoders (image_decode_memory on the input; a
// decoded image is checked for a consistent shape and freed).
#include "io/image.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    image_u8 img;
    if (image_decode_memory(data, size, "fuzz", &img) == 0) {
        if (img.c != 3 || img.w <= 0 || img.h <= 0 || !img.data) abort();
        volatile uint8_t sink = img.data[(size_t)img.w * img.h * 3 - 1];
        (void)sink;
        image_free(&img);
    }
    return 0;
}
