// image_tool.c: a small helper for tests/parity/image_pil.sh, built by that script against
// libinvar: `decode IN OUT.raw` writes the decoded RGB bytes and prints "W H";
// `pattern C OUT.png` writes a W=23 x H=11 test pattern with C channels through the PNG writer;
// `bench IN N` decodes IN from memory N times and prints milliseconds per decode.
#include "core/error.h"
#include "io/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "decode") == 0) {
        image_u8 img;
        if (image_decode_file(argv[2], &img) != 0) {
            fprintf(stderr, "error: %s\n", inv_errmsg());
            return 1;
        }
        FILE *f = fopen(argv[3], "wb");
        size_t n = (size_t)img.w * img.h * img.c;
        if (!f || fwrite(img.data, 1, n, f) != n || fclose(f) != 0) {
            fprintf(stderr, "error: %s: cannot write\n", argv[3]);
            return 1;
        }
        printf("%d %d\n", img.w, img.h);
        image_free(&img);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "pattern") == 0) {
        int c = atoi(argv[2]);
        image_u8 img;
        if (image_alloc(&img, 23, 11, c) != 0) {
            fprintf(stderr, "error: %s\n", inv_errmsg());
            return 1;
        }
        for (int y = 0; y < 11; y++)
            for (int x = 0; x < 23; x++)
                for (int k = 0; k < c; k++)
                    img.data[(y * 23 + x) * c + k] =
                        (unsigned char)((x * 7 + y * 13 + k * 50) & 255);
        if (image_write_png(argv[3], &img) != 0) {
            fprintf(stderr, "error: %s\n", inv_errmsg());
            return 1;
        }
        image_free(&img);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "bench") == 0) {
        // Reads the file once, then decodes it N times from memory; prints ms per decode.
        FILE *f = fopen(argv[2], "rb");
        if (!f) return 1;
        static unsigned char buf[1 << 24];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        int reps = atoi(argv[3]);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int r = 0; r < reps; r++) {
            image_u8 img;
            if (image_decode_memory(buf, n, argv[2], &img) != 0) {
                fprintf(stderr, "error: %s\n", inv_errmsg());
                return 1;
            }
            image_free(&img);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%.4f\n", ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / reps);
        return 0;
    }
    fprintf(stderr, "usage: image_tool decode IN OUT.raw | pattern C OUT.png | bench IN N\n");
    return 2;
}
