// image.c: JPEG (libjpeg-turbo) and PNG (libpng) decoding into uint8 HWC RGB with PIL's
// conversions (Image.open(f).convert("RGB")), and PNG encoding to memory or to a file written
// atomically. libjpeg/libpng errors are caught with setjmp/longjmp and become inv_fail messages.
#include "io/image.h"

#include "core/error.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// jpeglib.h needs stdio.h first.
#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

// libjpeg's working memory cap (progressive images keep all coefficients: 2 bytes per sample).
enum { JPEG_MAX_MEMORY = 1 << 30 };

int image_alloc(image_u8 *img, int w, int h, int c) {
    memset(img, 0, sizeof *img);
    if (w <= 0 || h <= 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return inv_fail(INV_ERANGE, "image: size %dx%d outside 1..%d", w, h, IMAGE_MAX_SIDE);
    if (c != 1 && c != 3 && c != 4)
        return inv_fail(INV_EINVAL, "image: %d channels (1, 3 or 4 allowed)", c);
    if ((uint64_t)w * (uint64_t)h > IMAGE_MAX_PIXELS)
        return inv_fail(INV_ERANGE, "image: %dx%d = %llu pixels exceeds the limit of %llu", w, h,
                        (unsigned long long)w * (unsigned long long)h,
                        (unsigned long long)IMAGE_MAX_PIXELS);
    size_t n = (size_t)w * (size_t)h * (size_t)c;
    img->data = calloc(n, 1);
    INV_CHECK_ALLOC(img->data, n, "image");
    img->w = w;
    img->h = h;
    img->c = c;
    return INV_OK;
}

void image_free(image_u8 *img) {
    if (!img) return;
    free(img->data);
    memset(img, 0, sizeof *img);
}

// Checks a decoder's header dimensions before allocating; `name` for the message.
static int check_dims(const char *name, unsigned long w, unsigned long h) {
    if (w == 0 || h == 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
        return inv_fail(INV_EFORMAT, "%s: image size %lux%lu outside 1..%d", name, w, h,
                        IMAGE_MAX_SIDE);
    if ((uint64_t)w * (uint64_t)h > IMAGE_MAX_PIXELS)
        return inv_fail(INV_EFORMAT, "%s: image of %lux%lu pixels exceeds the limit of %llu pixels",
                        name, w, h, (unsigned long long)IMAGE_MAX_PIXELS);
    return INV_OK;
}

// ---- JPEG ------------------------------------------------------------------------------------

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_catch;

static void jpeg_on_error(j_common_ptr cinfo) {
    jpeg_catch *c = (jpeg_catch *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, c->msg);
    longjmp(c->jump, 1);
}

// Warnings (level -1): a premature end of data is an error (libjpeg would pad with gray);
// other corrupt-data warnings are tolerated as PIL tolerates them. Trace messages are dropped.
static void jpeg_on_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    cinfo->err->num_warnings++;
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_catch *c = (jpeg_catch *)cinfo->err;
        snprintf(c->msg, sizeof c->msg, "truncated JPEG data (premature end of file)");
        longjmp(c->jump, 1);
    }
}

static void jpeg_no_output(j_common_ptr cinfo) {
    (void)cinfo;
}

// Progressive JPEGs of absurdly many scans take unbounded time: refuse them (libjpeg-turbo's
// own tools use the same guard).
enum { JPEG_MAX_SCANS = 1000 };
static void jpeg_on_progress(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->is_decompressor && d->input_scan_number > JPEG_MAX_SCANS) {
        jpeg_catch *c = (jpeg_catch *)cinfo->err;
        snprintf(c->msg, sizeof c->msg, "more than %d scans", JPEG_MAX_SCANS);
        longjmp(c->jump, 1);
    }
}

typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_catch err;
    struct jpeg_progress_mgr progress;
    image_u8 out;
    uint8_t *cmyk_row; // (w, 4) when decoding CMYK/YCCK
} jpeg_job;

// CMYK JPEG -> RGB as PIL: Adobe polarity (stored inverted, "CMYK;I"), then PIL's cmyk2rgb:
// nk = 255 - k, channel = nk - c * nk / 255 (rounded as PIL's MULDIV255).
static void cmyk_to_rgb(const uint8_t *in, uint8_t *out, int w) {
    for (int x = 0; x < w; x++, in += 4, out += 3) {
        int nk = 255 - (255 - in[3]);
        for (int k = 0; k < 3; k++) {
            int c = 255 - in[k];
            int t = c * nk + 128;
            int v = nk - (((t >> 8) + t) >> 8);
            out[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

static int decode_jpeg(const uint8_t *bytes, size_t size, const char *name, image_u8 *img) {
    jpeg_job *job = calloc(1, sizeof *job);
    INV_CHECK_ALLOC(job, sizeof *job, name);
    int rc = INV_OK;
    job->cinfo.err = jpeg_std_error(&job->err.pub);
    job->err.pub.error_exit = jpeg_on_error;
    job->err.pub.emit_message = jpeg_on_message;
    job->err.pub.output_message = jpeg_no_output;
    if (setjmp(job->err.jump)) {
        rc = inv_fail(INV_EFORMAT, "%s: corrupt JPEG: %s", name, job->err.msg);
        goto done;
    }
    jpeg_create_decompress(&job->cinfo);
    job->progress.progress_monitor = jpeg_on_progress;
    job->cinfo.progress = &job->progress;
    job->cinfo.mem->max_memory_to_use = JPEG_MAX_MEMORY;
    jpeg_mem_src(&job->cinfo, bytes, (unsigned long)size);
    jpeg_read_header(&job->cinfo, TRUE);
    J_COLOR_SPACE cs = job->cinfo.jpeg_color_space;
    int cmyk = cs == JCS_CMYK || cs == JCS_YCCK;
    if (!cmyk && cs != JCS_GRAYSCALE && cs != JCS_YCbCr && cs != JCS_RGB) {
        rc = inv_fail(INV_EUNSUPPORTED,
                      "%s: JPEG colour space %d with %d components is not supported", name, (int)cs,
                      job->cinfo.num_components);
        goto done;
    }
    if (check_dims(name, job->cinfo.image_width, job->cinfo.image_height) != INV_OK) {
        rc = INV_EFORMAT;
        goto done;
    }
    job->cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&job->cinfo);
    if (job->cinfo.output_components != (cmyk ? 4 : 3)) {
        rc = inv_fail(INV_EFORMAT, "%s: JPEG decoder gave %d components", name,
                      job->cinfo.output_components);
        goto done;
    }
    INV_TRY_GOTO(
        rc, image_alloc(&job->out, (int)job->cinfo.output_width, (int)job->cinfo.output_height, 3),
        done);
    size_t stride = (size_t)job->out.w * 3;
    if (cmyk) {
        job->cmyk_row = malloc((size_t)job->out.w * 4);
        if (!job->cmyk_row) {
            rc = inv_fail(INV_ENOMEM, "%s: out of memory", name);
            goto done;
        }
    }
    while (job->cinfo.output_scanline < job->cinfo.output_height) {
        uint8_t *out = job->out.data + (size_t)job->cinfo.output_scanline * stride;
        JSAMPROW row = cmyk ? job->cmyk_row : out;
        if (jpeg_read_scanlines(&job->cinfo, &row, 1) != 1) {
            rc = inv_fail(INV_EFORMAT, "%s: JPEG decoder returned no scanline", name);
            goto done;
        }
        if (cmyk) cmyk_to_rgb(job->cmyk_row, out, job->out.w);
    }
    jpeg_finish_decompress(&job->cinfo);
    *img = job->out;
    memset(&job->out, 0, sizeof job->out);
done:
    jpeg_destroy_decompress(&job->cinfo);
    image_free(&job->out);
    free(job->cmyk_row);
    free(job);
    return rc;
}

// ---- PNG -------------------------------------------------------------------------------------

typedef struct {
    const uint8_t *bytes;
    size_t size, pos;
    const char *name;
    char msg[256];
    image_u8 out;
    png_bytep *rows;
    png_structp png;
    png_infop info;
} png_job;

static void png_on_error(png_structp png, png_const_charp msg) {
    png_job *job = png_get_error_ptr(png);
    snprintf(job->msg, sizeof job->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void png_read_mem(png_structp png, png_bytep dst, size_t n) {
    png_job *job = png_get_io_ptr(png);
    if (n > job->size - job->pos) png_error(png, "truncated PNG data (premature end of file)");
    memcpy(dst, job->bytes + job->pos, n);
    job->pos += n;
}

static int decode_png(const uint8_t *bytes, size_t size, const char *name, image_u8 *img) {
    png_job *job = calloc(1, sizeof *job);
    INV_CHECK_ALLOC(job, sizeof *job, name);
    job->bytes = bytes;
    job->size = size;
    job->name = name;
    int rc = INV_OK;
    job->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, job, png_on_error, png_on_warning);
    if (!job->png || !(job->info = png_create_info_struct(job->png))) {
        rc = inv_fail(INV_ENOMEM, "%s: cannot create a PNG decoder", name);
        goto done;
    }
    if (setjmp(png_jmpbuf(job->png))) {
        rc = inv_fail(INV_EFORMAT, "%s: corrupt PNG: %s", name, job->msg);
        goto done;
    }
    png_set_read_fn(job->png, job, png_read_mem);
    png_set_user_limits(job->png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
    png_read_info(job->png, job->info);
    png_uint_32 w = png_get_image_width(job->png, job->info);
    png_uint_32 h = png_get_image_height(job->png, job->info);
    if (check_dims(name, w, h) != INV_OK) {
        rc = INV_EFORMAT;
        goto done;
    }
    int color = png_get_color_type(job->png, job->info);
    int depth = png_get_bit_depth(job->png, job->info);
    // PIL opens 16-bit grayscale as mode "I" and convert("RGB") clips values to 255; every other
    // 16-bit PNG is read with its high byte ("RGB;16B", "LA;16B", ...).
    int gray16 = color == PNG_COLOR_TYPE_GRAY && depth == 16;
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(job->png);
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(job->png);
    if (depth == 16 && !gray16) png_set_strip_16(job->png);
    if (gray16) png_set_swap(job->png); // samples as little-endian byte pairs
    // Alpha (and a palette's tRNS, which palette expansion turns into alpha) is dropped.
    if ((color & PNG_COLOR_MASK_ALPHA) || png_get_valid(job->png, job->info, PNG_INFO_tRNS))
        png_set_strip_alpha(job->png);
    png_set_interlace_handling(job->png);
    png_read_update_info(job->png, job->info);
    int ch = png_get_channels(job->png, job->info);
    size_t rowbytes = png_get_rowbytes(job->png, job->info);
    size_t want = (size_t)w * (size_t)ch * (gray16 ? 2 : 1);
    if ((ch != 1 && ch != 3) || rowbytes != want) {
        rc = inv_fail(INV_EFORMAT, "%s: unexpected PNG layout after conversion (%d channels)", name,
                      ch);
        goto done;
    }
    INV_TRY_GOTO(rc, image_alloc(&job->out, (int)w, (int)h, 3), done);
    job->rows = malloc((size_t)h * sizeof *job->rows);
    if (!job->rows) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory", name);
        goto done;
    }
    // Rows are decoded in place into the output buffer (1 or 2 bytes per gray sample fit in 3).
    for (png_uint_32 y = 0; y < h; y++) job->rows[y] = job->out.data + (size_t)y * w * 3;
    png_read_image(job->png, job->rows);
    png_read_end(job->png, NULL);
    if (ch == 1) {
        // Expand in place from the end of each row: gray (or 16-bit gray) -> RGB.
        for (png_uint_32 y = 0; y < h; y++) {
            uint8_t *row = job->rows[y];
            for (png_uint_32 x = w; x-- > 0;) {
                uint8_t v;
                if (gray16) {
                    unsigned hi = row[2 * x + 1], lo = row[2 * x]; // swapped: little-endian
                    unsigned s = (hi << 8) | lo;
                    v = s > 255 ? 255 : (uint8_t)s;
                } else {
                    v = row[x];
                }
                row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = v;
            }
        }
    }
    *img = job->out;
    memset(&job->out, 0, sizeof job->out);
done:
    if (job->png) png_destroy_read_struct(&job->png, job->info ? &job->info : NULL, NULL);
    free(job->rows);
    image_free(&job->out);
    free(job);
    return rc;
}

// ---- dispatch --------------------------------------------------------------------------------

int image_decode_memory(const void *bytes, size_t size, const char *name, image_u8 *img) {
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const uint8_t *b = bytes;
    memset(img, 0, sizeof *img);
    if (!name) name = "image";
    if (size >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return decode_jpeg(b, size, name, img);
    if (size >= 8 && memcmp(b, png_sig, 8) == 0) return decode_png(b, size, name, img);
    return inv_fail(INV_EFORMAT, "%s: not a JPEG or PNG file", name);
}

int image_decode_file(const char *path, image_u8 *img) {
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    INV_CHECK_IO(f, path, "cannot open");
    int rc = INV_OK;
    uint8_t *buf = NULL;
    if (fseeko(f, 0, SEEK_END) != 0) {
        rc = inv_fail_errno(path, "cannot seek");
        goto done;
    }
    off_t len = ftello(f);
    if (len < 0 || fseeko(f, 0, SEEK_SET) != 0) {
        rc = inv_fail_errno(path, "cannot seek");
        goto done;
    }
    if ((uint64_t)len > ((uint64_t)1 << 32)) {
        rc = inv_fail(INV_EFORMAT, "%s: file of %lld bytes is too large for an image", path,
                      (long long)len);
        goto done;
    }
    buf = malloc(len ? (size_t)len : 1);
    if (!buf) {
        rc = inv_fail(INV_ENOMEM, "%s: out of memory (%lld bytes)", path, (long long)len);
        goto done;
    }
    if (len && fread(buf, 1, (size_t)len, f) != (size_t)len) {
        rc = inv_fail_errno(path, "cannot read");
        goto done;
    }
    rc = image_decode_memory(buf, (size_t)len, path, img);
done:
    free(buf);
    fclose(f);
    return rc;
}

// ---- PNG encoding ----------------------------------------------------------------------------

typedef struct {
    uint8_t *data;
    size_t size, cap;
    int oom;
    char msg[256];
} png_sink;

static void png_write_mem(png_structp png, png_bytep src, size_t n) {
    png_sink *s = png_get_io_ptr(png);
    if (s->size + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->size + n) cap *= 2;
        uint8_t *d = realloc(s->data, cap);
        if (!d) {
            s->oom = 1;
            png_error(png, "out of memory");
        }
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->size, src, n);
    s->size += n;
}

static void png_flush_mem(png_structp png) {
    (void)png;
}

static void png_on_write_error(png_structp png, png_const_charp msg) {
    png_sink *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(png, 1);
}

typedef struct {
    png_structp png;
    png_infop info;
    png_bytep *rows;
    png_sink sink;
} png_wjob;

int image_encode_png(const image_u8 *img, uint8_t **bytes, size_t *size) {
    *bytes = NULL;
    *size = 0;
    if (!img || !img->data || img->w <= 0 || img->h <= 0 || img->w > IMAGE_MAX_SIDE ||
        img->h > IMAGE_MAX_SIDE)
        return inv_fail(INV_EINVAL, "PNG encoder: empty or oversized image");
    int type;
    switch (img->c) {
    case 1:
        type = PNG_COLOR_TYPE_GRAY;
        break;
    case 3:
        type = PNG_COLOR_TYPE_RGB;
        break;
    case 4:
        type = PNG_COLOR_TYPE_RGB_ALPHA;
        break;
    default:
        return inv_fail(INV_EINVAL, "PNG encoder: %d channels (1, 3 or 4 allowed)", img->c);
    }
    png_wjob *job = calloc(1, sizeof *job);
    INV_CHECK_ALLOC(job, sizeof *job, "PNG encoder");
    int rc = INV_OK;
    job->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job->sink, png_on_write_error,
                                       png_on_warning);
    if (!job->png || !(job->info = png_create_info_struct(job->png))) {
        rc = inv_fail(INV_ENOMEM, "PNG encoder: cannot create a PNG writer");
        goto done;
    }
    job->rows = malloc((size_t)img->h * sizeof *job->rows);
    if (!job->rows) {
        rc = inv_fail(INV_ENOMEM, "PNG encoder: out of memory");
        goto done;
    }
    if (setjmp(png_jmpbuf(job->png))) {
        rc = inv_fail(job->sink.oom ? INV_ENOMEM : INV_EFORMAT, "PNG encoder: %s", job->sink.msg);
        goto done;
    }
    size_t stride = (size_t)img->w * (size_t)img->c;
    for (int y = 0; y < img->h; y++) job->rows[y] = img->data + (size_t)y * stride;
    png_set_write_fn(job->png, &job->sink, png_write_mem, png_flush_mem);
    png_set_IHDR(job->png, job->info, (png_uint_32)img->w, (png_uint_32)img->h, 8, type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(job->png, job->info);
    png_write_image(job->png, job->rows);
    png_write_end(job->png, NULL);
    *bytes = job->sink.data;
    *size = job->sink.size;
    job->sink.data = NULL;
done:
    if (job->png) png_destroy_write_struct(&job->png, job->info ? &job->info : NULL);
    free(job->rows);
    free(job->sink.data);
    free(job);
    return rc;
}

int image_write_png(const char *path, const image_u8 *img) {
    uint8_t *bytes;
    size_t size;
    INV_TRY(image_encode_png(img, &bytes, &size));
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        free(bytes);
        return inv_fail(INV_ENOMEM, "%s: out of memory", path);
    }
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    int rc = INV_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        rc = inv_fail_errno(tmp, "cannot create");
        goto done;
    }
    size_t wrote = fwrite(bytes, 1, size, f);
    int closed = fclose(f);
    if (wrote != size || closed != 0) {
        rc = inv_fail_errno(tmp, "cannot write");
        unlink(tmp);
        goto done;
    }
    if (rename(tmp, path) != 0) {
        rc = inv_fail_errno(path, "cannot rename the temporary file into place");
        unlink(tmp);
    }
done:
    free(tmp);
    free(bytes);
    return rc;
}
