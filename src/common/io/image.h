// image.h: decoding JPEG (libjpeg-turbo) and PNG (libpng) into uint8 HWC RGB, grayscale,
// palette and alpha converted (alpha dropped, as PIL's convert("RGB")), and PNG encoding for
// previews and contact sheets. Every decoder rejects corrupt or truncated input with a message
// naming the file. Conversions follow PIL exactly: 16-bit PNGs keep the high byte, except 16-bit
// grayscale, which PIL opens as mode "I" and clips to 255; CMYK/YCCK JPEGs use Adobe polarity and
// PIL's cmyk2rgb; tRNS transparency is ignored.
#ifndef INVAR_IO_IMAGE_H
#define INVAR_IO_IMAGE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int w, h, c;   // c = 3 (RGB) after decoding; 1, 3 or 4 accepted by the PNG writer
    uint8_t *data; // h * w * c bytes, row-major HWC
} image_u8;

enum { IMAGE_MAX_SIDE = 65535 };
// Decoders refuse images of more pixels than this (a 3-channel buffer of 768 MiB).
#define IMAGE_MAX_PIXELS ((uint64_t)1 << 28)

int image_alloc(image_u8 *img, int w, int h, int c); // zeroed
void image_free(image_u8 *img);
// Detects the format from the first bytes (JPEG or PNG) and decodes to RGB.
int image_decode_file(const char *path, image_u8 *img);
int image_decode_memory(const void *bytes, size_t size, const char *name, image_u8 *img);
// Writes a PNG (atomically: temporary name + rename).
int image_write_png(const char *path, const image_u8 *img);
// Encodes to a malloc'd PNG in memory.
int image_encode_png(const image_u8 *img, uint8_t **bytes, size_t *size);

#endif
