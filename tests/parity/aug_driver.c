// aug_driver.c: test driver for the image-operation parity tests and the augmentation
// benchmark. Reads commands from stdin, one per line ("OP ARGS... IN.ppm OUT.ppm"), applies
// libinvar's image operations to binary PPM/PGM files; also prints policy draws and times the
// augmentation pipeline. Compiled by tests/parity/aug_ops.sh against build/libinvar.a.
#include "core/error.h"
#include "core/rng.h"
#include "image/augment.h"
#include "image/blur.h"
#include "image/color.h"
#include "image/imgbuf.h"
#include "image/policy.h"
#include "image/resample.h"
#include "image/transforms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int read_pnm(const char *path, image_u8 *img) {
    FILE *f = fopen(path, "rb");
    if (!f) return inv_fail(INV_EIO, "%s: cannot open", path);
    char magic[3] = {0};
    int w, h, maxv;
    if (fscanf(f, "%2s %d %d %d", magic, &w, &h, &maxv) != 4 || maxv != 255 ||
        (strcmp(magic, "P6") && strcmp(magic, "P5"))) {
        fclose(f);
        return inv_fail(INV_EFORMAT, "%s: not a binary 8-bit PPM/PGM", path);
    }
    fgetc(f);
    int rc = imgbuf_alloc(img, w, h, magic[1] == '6' ? 3 : 1);
    if (!rc && fread(img->data, 1, (size_t)w * h * img->c, f) != (size_t)w * h * img->c)
        rc = inv_fail(INV_EFORMAT, "%s: truncated", path);
    fclose(f);
    return rc;
}

static int write_pnm(const char *path, const image_u8 *img) {
    FILE *f = fopen(path, "wb");
    if (!f) return inv_fail(INV_EIO, "%s: cannot create", path);
    fprintf(f, "P%c\n%d %d\n255\n", img->c == 3 ? '6' : '5', img->w, img->h);
    fwrite(img->data, 1, (size_t)img->w * img->h * img->c, f);
    fclose(f);
    return 0;
}

static resample_filter filt(const char *s) {
    return !strcmp(s, "nearest")   ? RESAMPLE_NEAREST
           : !strcmp(s, "bicubic") ? RESAMPLE_BICUBIC
                                   : RESAMPLE_BILINEAR;
}

// One op line: tokens t[0..n). Returns 0 or an inv_code.
static int run_op(char **t, int n) {
    const char *op = t[0], *inp = t[n - 2], *outp = t[n - 1];
    image_u8 in = {0}, out = {0};
    INV_TRY(read_pnm(inp, &in));
    int rc = 0, inplace = 1;
#define A(i) atof(t[i])
    if (!strcmp(op, "resize")) {
        rc = image_resize(&in, atoi(t[1]), atoi(t[2]), filt(t[3]), &out), inplace = 0;
    } else if (!strcmp(op, "resized_crop")) { // top left h w size
        rc = image_resize_region(&in, atoi(t[2]), atoi(t[1]), atoi(t[4]), atoi(t[3]), atoi(t[5]),
                                 atoi(t[5]), RESAMPLE_BILINEAR, &out),
        inplace = 0;
    } else if (!strcmp(op, "resize_shorter")) {
        rc = image_resize_shorter(&in, atoi(t[1]), &out), inplace = 0;
    } else if (!strcmp(op, "center_crop")) {
        rc = image_center_crop(&in, atoi(t[1]), atoi(t[1]), &out), inplace = 0;
    } else if (!strcmp(op, "affine")) {
        rc = image_tv_affine(&in, A(1), A(2), A(3), A(4), A(5), A(6), filt(t[7]), &out),
        inplace = 0;
    } else if (!strcmp(op, "rotate")) {
        rc = image_rotate(&in, A(1), filt(t[2]), &out), inplace = 0;
    } else if (!strcmp(op, "transform")) { // name k resize crop raw
        transform_opts o = {atoi(t[3]), atoi(t[4]), 0};
        rc = transform_apply_by_name(t[1], atoi(t[2]), &in, &o, atoi(t[5]), &out), inplace = 0;
    } else if (!strcmp(op, "hflip")) {
        image_hflip(&in);
    } else if (!strcmp(op, "vflip")) {
        image_vflip(&in);
    } else if (!strcmp(op, "brightness")) {
        rc = color_brightness(&in, A(1));
    } else if (!strcmp(op, "contrast")) {
        rc = color_contrast(&in, A(1));
    } else if (!strcmp(op, "saturation")) {
        rc = color_saturation(&in, A(1));
    } else if (!strcmp(op, "hue")) {
        rc = color_hue(&in, A(1));
    } else if (!strcmp(op, "sharpness")) {
        rc = color_sharpness(&in, A(1));
    } else if (!strcmp(op, "grayscale")) {
        rc = color_grayscale(&in);
    } else if (!strcmp(op, "equalize")) {
        rc = color_equalize(&in);
    } else if (!strcmp(op, "posterize")) {
        rc = color_posterize(&in, atoi(t[1]));
    } else if (!strcmp(op, "invert")) {
        rc = color_invert(&in);
    } else if (!strcmp(op, "pil_blur")) {
        rc = blur_pil_gaussian(&in, A(1));
    } else if (!strcmp(op, "tv_blur")) {
        rc = blur_tv_gaussian(&in, atoi(t[1]), A(2));
    } else {
        rc = inv_fail(INV_EINVAL, "unknown op %s", op);
    }
#undef A
    if (!rc) rc = write_pnm(outp, inplace ? &in : &out);
    imgbuf_free(&in);
    imgbuf_free(&out);
    return rc;
}

// Prints one CSV line per draw of a policy on a w x h image.
static int print_draws(const char *policy_name, int w, int h, int n, uint64_t seed) {
    aug_policy pol;
    INV_TRY(policy_load(policy_name, &pol));
    for (int i = 0; i < n; i++) {
        aug_draw d;
        INV_TRY(augment_draw(&pol, w, h, seed, 0, (uint32_t)i, 0, &d));
        for (int k = 0; k < pol.nops; k++) {
            const aug_op *op = &pol.ops[k];
            const aug_op_draw *o = &d.op[k];
            printf("%s%s:%d", k ? "," : "", aug_op_name(op->kind), o->fired);
            if (op->kind == AUG_RESIZED_CROP)
                printf(":%d:%d:%d:%d", o->crop[0], o->crop[1], o->crop[2], o->crop[3]);
            if (op->kind == AUG_COLOR_JITTER)
                printf(":%d%d%d%d:%.7g:%.7g:%.7g:%.7g", o->order[0], o->order[1], o->order[2],
                       o->order[3], o->factor[0], o->factor[1], o->factor[2], o->factor[3]);
            if (op->kind == AUG_GAUSSIAN_BLUR) printf(":%.7g", o->sigma);
        }
        printf("\n");
    }
    return 0;
}

// CPU seconds of this process (robust on a shared machine; one thread is used).
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Times two views per image (TwoCropsTransform) over `count` images of about 256 x 256.
static int bench(const char *policy_name, int count, double min_seconds) {
    aug_policy pol;
    INV_TRY(policy_load(policy_name, &pol));
    enum { NIMG = 8 };
    image_u8 imgs[NIMG];
    for (int i = 0; i < NIMG; i++) {
        int w = 256 + 16 * (i % 3), h = 256 - 8 * (i % 4);
        INV_TRY(imgbuf_alloc(&imgs[i], w, h, 3));
        rng_stream s;
        rng_stream_init(&s, 1, RNG_PURPOSE_GENERIC, 0, (uint32_t)i, 0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int b = 0; b < 3; b++)
                    imgs[i].data[((size_t)y * w + x) * 3 + b] =
                        (uint8_t)((x * (b + 1) + y * (3 - b) + (rng_u32(&s) & 31)) & 255);
    }
    size_t per = (size_t)3 * pol.out_size * pol.out_size;
    float *q = malloc(per * sizeof(float)), *k = malloc(per * sizeof(float));
    double t0 = now(), t;
    int done = 0;
    do {
        for (int i = 0; i < count; i++, done++)
            INV_TRY(augment_two_crops(&pol, &imgs[done % NIMG], 0, 0, (uint32_t)done, q, k));
        t = now() - t0;
    } while (t < min_seconds);
    printf("%.3f\n", done / t);
    free(q);
    free(k);
    for (int i = 0; i < NIMG; i++) imgbuf_free(&imgs[i]);
    return 0;
}

int main(int argc, char **argv) {
    int rc = 0;
    if (argc >= 2 && !strcmp(argv[1], "draws") && argc == 7) {
        rc = print_draws(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]),
                         strtoull(argv[6], NULL, 10));
    } else if (argc == 4 && !strcmp(argv[1], "params")) { // every grid point of every transform
        transform_opts o = {atoi(argv[2]), atoi(argv[3]), 0};
        for (int t = 0; t < TRANSFORM_COUNT && !rc; t++)
            for (int k = 0; k < transform_info_at(t)->grid && !rc; k++) {
                char buf[256];
                rc = transform_param_text(t, k, &o, buf, sizeof buf);
                printf("%s %d %s\n", transform_info_at(t)->name, k, buf);
            }
    } else if (argc >= 2 && !strcmp(argv[1], "bench") && argc == 5) {
        rc = bench(argv[2], atoi(argv[3]), atof(argv[4]));
    } else if (argc == 2 && !strcmp(argv[1], "ops")) {
        char line[4096];
        int lineno = 0;
        while (fgets(line, sizeof line, stdin)) {
            lineno++;
            char *t[32];
            int n = 0;
            for (char *p = strtok(line, " \t\r\n"); p && n < 32; p = strtok(NULL, " \t\r\n"))
                t[n++] = p;
            if (n < 3) continue;
            if (run_op(t, n)) {
                fprintf(stderr, "line %d (%s): %s\n", lineno, t[0], inv_errmsg());
                rc = 1;
            }
        }
    } else {
        fprintf(
            stderr,
            "usage: aug_driver ops < SCRIPT | draws POLICY W H N SEED | params R C | bench POLICY "
            "N SECONDS\n");
        return 2;
    }
    if (rc && inv_errmsg()[0]) fprintf(stderr, "aug_driver: %s\n", inv_errmsg());
    return rc ? 1 : 0;
}
