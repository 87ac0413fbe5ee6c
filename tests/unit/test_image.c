// test_image.c: JPEG/PNG decoding to RGB (gray, palette, alpha, 16-bit, interlaced, baseline and
// progressive JPEG), the PNG writer and encoder, and rejection of corrupt, truncated, oversized
// and unknown inputs. Fixtures are encoded here with libpng and libjpeg.
#include "test_util.h"

#include "core/error.h"
#include "io/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

// ---- fixture encoders ------------------------------------------------------------------------

typedef struct {
    uint8_t *d;
    size_t n, cap;
} membuf;

static void mem_write(png_structp png, png_bytep src, size_t n) {
    membuf *b = png_get_io_ptr(png);
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->d = realloc(b->d, b->cap);
    }
    memcpy(b->d + b->n, src, n);
    b->n += n;
}
static void mem_flush(png_structp png) {
    (void)png;
}

// A PNG of any colour type / depth; `rows` holds h rows of png rowbytes each (big-endian 16-bit).
// palette/trans optional. Returns malloc'd bytes.
static uint8_t *make_png(int w, int h, int color, int depth, int interlace, const uint8_t *pix,
                         const png_color *pal, int npal, const png_byte *trans, int ntrans,
                         size_t *size) {
    membuf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        CU_FAIL("fixture PNG encoding failed");
        png_destroy_write_struct(&png, &info);
        *size = 0;
        return b.d;
    }
    png_set_write_fn(png, &b, mem_write, mem_flush);
    png_set_IHDR(png, info, w, h, depth, color,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (pal) png_set_PLTE(png, info, pal, npal);
    if (trans) png_set_tRNS(png, info, trans, ntrans, NULL);
    png_write_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    png_bytep *rows = malloc(h * sizeof *rows);
    for (int y = 0; y < h; y++) rows[y] = (png_bytep)pix + y * rowbytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    *size = b.n;
    return b.d;
}

// A JPEG from RGB (components 3) or gray (1) or CMYK (4) pixels.
static uint8_t *make_jpeg(int w, int h, int components, const uint8_t *pix, int progressive,
                          size_t *size) {
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *out = NULL;
    unsigned long n = 0;
    jpeg_mem_dest(&c, &out, &n);
    c.image_width = w;
    c.image_height = h;
    c.input_components = components;
    c.in_color_space = components == 3 ? JCS_RGB : components == 1 ? JCS_GRAYSCALE : JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)pix + (size_t)c.next_scanline * w * components;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *size = n;
    return out;
}

// PNG chunk CRC (ISO 3309), for patching fixture headers.
static uint32_t png_crc(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static uint8_t pattern(int x, int y, int ch) {
    return (uint8_t)((x * 7 + y * 13 + ch * 50) & 255);
}

// A smooth image (JPEG keeps it close).
static uint8_t smooth(int x, int y, int ch) {
    return (uint8_t)(40 + x * 2 + y + ch * 30);
}

// ---- PNG -------------------------------------------------------------------------------------

static void test_png_roundtrip_channels(void) {
    for (int c = 1; c <= 4; c++) {
        if (c == 2) continue;
        image_u8 src, dec;
        CU_ASSERT_EQUAL_FATAL(image_alloc(&src, 13, 7, c), 0);
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 13; x++)
                for (int k = 0; k < c; k++) src.data[(y * 13 + x) * c + k] = pattern(x, y, k);
        uint8_t *bytes;
        size_t size;
        CU_ASSERT_EQUAL_FATAL(image_encode_png(&src, &bytes, &size), 0);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(bytes, size, "mem.png", &dec), 0);
        CU_ASSERT(dec.w == 13 && dec.h == 7 && dec.c == 3);
        int bad = 0;
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 13; x++)
                for (int k = 0; k < 3; k++) {
                    uint8_t want = src.data[(y * 13 + x) * c + (c == 1 ? 0 : k)];
                    bad += dec.data[(y * 13 + x) * 3 + k] != want;
                }
        CU_ASSERT_EQUAL(bad, 0);
        free(bytes);
        image_free(&src);
        image_free(&dec);
    }
}

static void test_png_write_file(void) {
    image_u8 src, dec;
    CU_ASSERT_EQUAL_FATAL(image_alloc(&src, 5, 4, 3), 0);
    for (int i = 0; i < 60; i++) src.data[i] = (uint8_t)(i * 3);
    const char *p = test_path("w.png");
    CU_ASSERT_EQUAL_FATAL(image_write_png(p, &src), 0);
    CU_ASSERT_EQUAL_FATAL(image_decode_file(p, &dec), 0);
    CU_ASSERT(dec.w == 5 && dec.h == 4 && memcmp(dec.data, src.data, 60) == 0);
    image_free(&dec);
    // Unwritable destination: an error naming the path, nothing left behind.
    CU_ASSERT_NOT_EQUAL(image_write_png(test_path("no-such-dir/w.png"), &src), 0);
    CU_ASSERT(strstr(inv_errmsg(), "no-such-dir") != NULL);
    // Bad channel count.
    image_u8 two = src;
    two.c = 2;
    uint8_t *bytes;
    size_t size;
    CU_ASSERT_EQUAL(image_encode_png(&two, &bytes, &size), INV_EINVAL);
    image_free(&src);
}

static void check_rgb(const image_u8 *img, int w, int h, uint8_t (*want)(int x, int y, int k)) {
    CU_ASSERT_FATAL(img->w == w && img->h == h && img->c == 3);
    int bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 3; k++) bad += img->data[(y * w + x) * 3 + k] != want(x, y, k);
    CU_ASSERT_EQUAL(bad, 0);
}

static uint8_t want_gray(int x, int y, int k) {
    (void)k;
    return pattern(x, y, 0);
}
static uint8_t want_rgb(int x, int y, int k) {
    return pattern(x, y, k);
}
static uint8_t want_pal(int x, int y, int k) {
    return (uint8_t)(((x + y) % 5) * 40 + k);
}
static uint8_t want_gray4(int x, int y, int k) {
    (void)k;
    return (uint8_t)(((x + y) & 15) * 17);
}
// 16-bit gray as PIL: mode "I", convert("RGB") clips at 255.
static uint8_t want_gray16(int x, int y, int k) {
    (void)k;
    unsigned v = (unsigned)(x * 40 + y);
    return v > 255 ? 255 : (uint8_t)v;
}
static uint8_t want_rgb16(int x, int y, int k) {
    return pattern(x, y, k);
} // high byte

static void test_png_color_types(void) {
    enum { W = 17, H = 9 };
    uint8_t *pix = calloc(W * H * 8, 1);
    image_u8 img;
    size_t size;
    uint8_t *png;
    for (int interlace = 0; interlace < 2; interlace++) {
        // Gray 8 (with a tRNS entry, ignored as PIL's convert("RGB") does).
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) pix[y * W + x] = pattern(x, y, 0);
        png = make_png(W, H, PNG_COLOR_TYPE_GRAY, 8, interlace, pix, NULL, 0, NULL, 0, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "g.png", &img), 0);
        check_rgb(&img, W, H, want_gray);
        image_free(&img);
        free(png);
        // Gray + alpha.
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                pix[(y * W + x) * 2] = pattern(x, y, 0);
                pix[(y * W + x) * 2 + 1] = (uint8_t)(x * 10);
            }
        png = make_png(W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, interlace, pix, NULL, 0, NULL, 0, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "la.png", &img), 0);
        check_rgb(&img, W, H, want_gray);
        image_free(&img);
        free(png);
        // Gray 4-bit.
        int rb4 = (W * 4 + 7) / 8;
        memset(pix, 0, W * H * 8);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                pix[y * rb4 + x / 2] |= (uint8_t)(((x + y) & 15) << (x % 2 ? 0 : 4));
        png = make_png(W, H, PNG_COLOR_TYPE_GRAY, 4, interlace, pix, NULL, 0, NULL, 0, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "g4.png", &img), 0);
        check_rgb(&img, W, H, want_gray4);
        image_free(&img);
        free(png);
        // Palette (with transparency, dropped).
        png_color pal[5];
        png_byte trans[5] = {0, 50, 100, 150, 200};
        for (int i = 0; i < 5; i++) pal[i] = (png_color){i * 40, i * 40 + 1, i * 40 + 2};
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) pix[y * W + x] = (uint8_t)((x + y) % 5);
        png = make_png(W, H, PNG_COLOR_TYPE_PALETTE, 8, interlace, pix, pal, 5, trans, 5, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "p.png", &img), 0);
        check_rgb(&img, W, H, want_pal);
        image_free(&img);
        free(png);
        // RGBA: alpha dropped.
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int k = 0; k < 4; k++)
                    pix[(y * W + x) * 4 + k] = k < 3 ? pattern(x, y, k) : (uint8_t)(y * 20);
        png = make_png(W, H, PNG_COLOR_TYPE_RGBA, 8, interlace, pix, NULL, 0, NULL, 0, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "rgba.png", &img), 0);
        check_rgb(&img, W, H, want_rgb);
        image_free(&img);
        free(png);
        // 16-bit gray: clipped like PIL.
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                unsigned v = (unsigned)(x * 40 + y);
                pix[(y * W + x) * 2] = (uint8_t)(v >> 8);
                pix[(y * W + x) * 2 + 1] = (uint8_t)v;
            }
        png = make_png(W, H, PNG_COLOR_TYPE_GRAY, 16, interlace, pix, NULL, 0, NULL, 0, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "g16.png", &img), 0);
        check_rgb(&img, W, H, want_gray16);
        image_free(&img);
        free(png);
        // 16-bit RGBA: high byte, alpha dropped.
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int k = 0; k < 4; k++) {
                    pix[((y * W + x) * 4 + k) * 2] = k < 3 ? pattern(x, y, k) : 0x80;
                    pix[((y * W + x) * 4 + k) * 2 + 1] = (uint8_t)(x * 31 + k);
                }
        png = make_png(W, H, PNG_COLOR_TYPE_RGBA, 16, interlace, pix, NULL, 0, NULL, 0, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(png, size, "rgba16.png", &img), 0);
        check_rgb(&img, W, H, want_rgb16);
        image_free(&img);
        free(png);
    }
    free(pix);
}

// ---- JPEG ------------------------------------------------------------------------------------

static void test_jpeg_decode(void) {
    enum { W = 40, H = 24 };
    uint8_t rgb[W * H * 3], gray[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            for (int k = 0; k < 3; k++) rgb[(y * W + x) * 3 + k] = smooth(x, y, k);
            gray[y * W + x] = smooth(x, y, 0);
        }
    for (int prog = 0; prog < 2; prog++) {
        size_t size;
        uint8_t *jpg = make_jpeg(W, H, 3, rgb, prog, &size);
        image_u8 img;
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(jpg, size, "a.jpg", &img), 0);
        CU_ASSERT(img.w == W && img.h == H && img.c == 3);
        int maxd = 0;
        for (int i = 0; i < W * H * 3; i++) {
            int d = abs((int)img.data[i] - (int)rgb[i]);
            if (d > maxd) maxd = d;
        }
        CU_ASSERT(maxd <= 12);
        image_free(&img);
        free(jpg);
        // Gray JPEG: channels replicated.
        jpg = make_jpeg(W, H, 1, gray, prog, &size);
        CU_ASSERT_EQUAL_FATAL(image_decode_memory(jpg, size, "g.jpg", &img), 0);
        int same = 1;
        maxd = 0;
        for (int i = 0; i < W * H; i++) {
            same &=
                img.data[3 * i] == img.data[3 * i + 1] && img.data[3 * i] == img.data[3 * i + 2];
            int d = abs((int)img.data[3 * i] - (int)gray[i]);
            if (d > maxd) maxd = d;
        }
        CU_ASSERT(same);
        CU_ASSERT(maxd <= 8);
        image_free(&img);
        free(jpg);
    }
    // CMYK (Adobe polarity, as PIL): stored 60 everywhere -> PIL's cmyk2rgb gives 14.
    uint8_t cmyk[W * H * 4];
    memset(cmyk, 60, sizeof cmyk);
    size_t size;
    uint8_t *jpg = make_jpeg(W, H, 4, cmyk, 0, &size);
    image_u8 img;
    CU_ASSERT_EQUAL_FATAL(image_decode_memory(jpg, size, "cmyk.jpg", &img), 0);
    int far = 0;
    for (int i = 0; i < W * H * 3; i++) far += abs((int)img.data[i] - 14) > 2;
    CU_ASSERT_EQUAL(far, 0);
    image_free(&img);
    free(jpg);
}

// ---- corrupt inputs --------------------------------------------------------------------------

// Every proper prefix must fail (naming the file); byte flips must fail or decode, never crash.
static void truncate_and_flip(const uint8_t *bytes, size_t size, const char *name) {
    image_u8 img;
    int accepted = 0;
    for (size_t cut = 0; cut < size; cut += (cut < 64 ? 1 : 7)) {
        int rc = image_decode_memory(bytes, cut, name, &img);
        if (rc == 0) {
            accepted++;
            image_free(&img);
        } else if (strstr(inv_errmsg(), name) == NULL) {
            CU_FAIL("error message does not name the file");
        }
    }
    for (size_t cut = size - 8; cut < size; cut++) {
        int rc = image_decode_memory(bytes, cut, name, &img);
        if (rc == 0) {
            accepted++;
            image_free(&img);
        }
    }
    CU_ASSERT_EQUAL(accepted, 0);
    uint8_t *copy = malloc(size);
    for (size_t i = 0; i < size; i += 3) {
        memcpy(copy, bytes, size);
        copy[i] ^= (uint8_t)(0x5a + i);
        if (image_decode_memory(copy, size, name, &img) == 0) {
            CU_ASSERT(img.c == 3 && img.w > 0 && img.h > 0);
            image_free(&img);
        }
    }
    free(copy);
}

static void test_corrupt_and_truncated(void) {
    enum { W = 33, H = 20 };
    uint8_t rgb[W * H * 3];
    for (int i = 0; i < W * H * 3; i++) rgb[i] = (uint8_t)(i * 37 ^ (i >> 3));
    size_t size;
    for (int prog = 0; prog < 2; prog++) {
        uint8_t *jpg = make_jpeg(W, H, 3, rgb, prog, &size);
        truncate_and_flip(jpg, size, prog ? "prog.jpg" : "base.jpg");
        free(jpg);
    }
    image_u8 src;
    CU_ASSERT_EQUAL_FATAL(image_alloc(&src, W, H, 3), 0);
    memcpy(src.data, rgb, sizeof rgb);
    uint8_t *png;
    CU_ASSERT_EQUAL_FATAL(image_encode_png(&src, &png, &size), 0);
    truncate_and_flip(png, size, "t.png");
    image_free(&src);
    free(png);
    // Truncated file on disk: the message names the path and says truncated.
    uint8_t *jpg = make_jpeg(W, H, 3, rgb, 0, &size);
    const char *p = test_path("cut.jpg");
    CU_ASSERT_EQUAL(test_write_file(p, jpg, size / 2), 0);
    image_u8 img;
    CU_ASSERT_EQUAL(image_decode_file(p, &img), INV_EFORMAT);
    CU_ASSERT(strstr(inv_errmsg(), "cut.jpg") && strstr(inv_errmsg(), "truncated"));
    free(jpg);
}

static void test_unknown_and_missing(void) {
    image_u8 img;
    const char *gif = "GIF89a......";
    CU_ASSERT_EQUAL(image_decode_memory(gif, strlen(gif), "x.gif", &img), INV_EFORMAT);
    CU_ASSERT_STRING_EQUAL(inv_errmsg(), "x.gif: not a JPEG or PNG file");
    CU_ASSERT_EQUAL(image_decode_memory("", 0, "empty", &img), INV_EFORMAT);
    CU_ASSERT_NOT_EQUAL(image_decode_file(test_path("missing.png"), &img), 0);
    CU_ASSERT(strstr(inv_errmsg(), "missing.png") != NULL);
    const char *p = test_path("empty.jpg");
    CU_ASSERT_EQUAL(test_write_file(p, "", 0), 0);
    CU_ASSERT_EQUAL(image_decode_file(p, &img), INV_EFORMAT);
}

static void test_oversized(void) {
    image_u8 img;
    CU_ASSERT_NOT_EQUAL(image_alloc(&img, 0, 5, 3), 0);
    CU_ASSERT_NOT_EQUAL(image_alloc(&img, IMAGE_MAX_SIDE + 1, 5, 3), 0);
    CU_ASSERT_NOT_EQUAL(image_alloc(&img, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE, 3), 0);
    CU_ASSERT_NOT_EQUAL(image_alloc(&img, 4, 4, 2), 0);
    // PNG header claiming 70000 x 1 and 60000 x 60000: refused before allocating.
    uint8_t row[8] = {0};
    size_t size;
    uint8_t *png = make_png(1, 1, PNG_COLOR_TYPE_GRAY, 8, 0, row, NULL, 0, NULL, 0, &size);
    // IHDR width at bytes 16..19, height 20..23, CRC at 29..32: patch and fix the CRC.
    const uint32_t dims[2][2] = {{70000, 1}, {60000, 60000}};
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < 4; i++) {
            png[16 + i] = (uint8_t)(dims[t][0] >> (24 - 8 * i));
            png[20 + i] = (uint8_t)(dims[t][1] >> (24 - 8 * i));
        }
        uint32_t crc = png_crc(png + 12, 17);
        for (int i = 0; i < 4; i++) png[29 + i] = (uint8_t)(crc >> (24 - 8 * i));
        CU_ASSERT_NOT_EQUAL(image_decode_memory(png, size, "big.png", &img), 0);
        CU_ASSERT(strstr(inv_errmsg(), "big.png") != NULL);
        CU_ASSERT(img.data == NULL);
    }
    free(png);
    // JPEG SOF claiming 65500 x 65500 (over the pixel limit).
    uint8_t rgb[8 * 8 * 3] = {0};
    uint8_t *jpg = make_jpeg(8, 8, 3, rgb, 0, &size);
    for (size_t i = 0; i + 8 < size; i++)
        if (jpg[i] == 0xff && jpg[i + 1] == 0xc0) {
            jpg[i + 5] = jpg[i + 7] = 0xff;
            jpg[i + 6] = jpg[i + 8] = 0xdc;
            break;
        }
    CU_ASSERT_NOT_EQUAL(image_decode_memory(jpg, size, "big.jpg", &img), 0);
    CU_ASSERT(strstr(inv_errmsg(), "big.jpg") != NULL);
    free(jpg);
}

int test_image_register(void) {
    CU_pSuite s = CU_add_suite("image", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_png_roundtrip_channels);
    TEST_ADD(s, test_png_write_file);
    TEST_ADD(s, test_png_color_types);
    TEST_ADD(s, test_jpeg_decode);
    TEST_ADD(s, test_corrupt_and_truncated);
    TEST_ADD(s, test_unknown_and_missing);
    TEST_ADD(s, test_oversized);
    return 0;
}
