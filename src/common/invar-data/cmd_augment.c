// cmd_augment.c: `invar-data augment`: a contact sheet (PNG) of N augmented views of one image
// under a policy (built in or a policy file), with each view's drawn parameters on stdout, so a
// user can see what a policy does before training with it.
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"
#include "image/augment.h"
#include "image/imgbuf.h"
#include "io/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// One line describing what a view drew.
static void describe(const aug_policy *p, const aug_draw *d, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < p->nops && used < size; i++) {
        const aug_op *o = &p->ops[i];
        const aug_op_draw *od = &d->op[i];
        if (!od->fired || o->kind == AUG_RESIZE || o->kind == AUG_CENTER_CROP) continue;
        int k = 0;
        switch (o->kind) {
        case AUG_RESIZED_CROP:
            k = snprintf(buf + used, size - used, " crop(top %d, left %d, %dx%d%s)", od->crop[0],
                         od->crop[1], od->crop[3], od->crop[2], od->tries > 10 ? ", fallback" : "");
            break;
        case AUG_COLOR_JITTER: {
            static const char *nm[4] = {"brightness", "contrast", "saturation", "hue"};
            k = snprintf(buf + used, size - used, " jitter(");
            for (int j = 0; j < 4 && used + k < size; j++) {
                int f = od->order[j];
                if (!o->active[f]) continue;
                k += snprintf(buf + used + k, size - used - k, "%s%s %.3f", j ? ", " : "", nm[f],
                              od->factor[f]);
            }
            if (used + k < size) k += snprintf(buf + used + k, size - used - k, ")");
            break;
        }
        case AUG_GRAYSCALE:
            k = snprintf(buf + used, size - used, " grayscale");
            break;
        case AUG_GAUSSIAN_BLUR:
            k = snprintf(buf + used, size - used, " blur(sigma %.3f)", od->sigma);
            break;
        case AUG_HFLIP:
            k = snprintf(buf + used, size - used, " hflip");
            break;
        case AUG_VFLIP:
            k = snprintf(buf + used, size - used, " vflip");
            break;
        default:
            break;
        }
        if (k > 0) used += (size_t)k;
    }
    if (!buf[0]) snprintf(buf, size, " (nothing random fired)");
}

int cmd_augment(int argc, char **argv) {
    const char *policy_name = "default", *in = NULL, *out = NULL;
    int views = 8, columns = 0, epoch = 0, index = 0, show = 0;
    cli_option opts[] = {
        {"policy", 'p', OPT_STRING, &policy_name, "NAME|FILE",
         "default (MoCo-v2), spatial, appearance, or a policy file", 0, 0, 0},
        {"in", 'i', OPT_STRING, &in, "IMAGE", "input image (JPEG or PNG)", 0, 0, 1},
        {"views", 'n', OPT_INT, &views, "N", "number of augmented views", 1, 1024, 0},
        {"out", 'o', OPT_STRING, &out, "SHEET.png", "contact sheet to write", 0, 0, 1},
        {"columns", 0, OPT_INT, &columns, "C", "views per row (0: about square)", 0, 1024, 0},
        {"epoch", 0, OPT_INT, &epoch, "E", "epoch part of the draw key", 0, 16777215, 0},
        {"index", 0, OPT_INT, &index, "I", "image index part of the draw key", 0, 2147483647, 0},
        {"show-policy", 0, OPT_FLAG, &show, NULL, "print the policy in the policy-file format", 0,
         0, 1},
    };
    cli_spec spec = {
        "invar-data augment",
        "",
        "Writes a contact sheet of N augmented views of one image under an augmentation policy "
        "(views 0..N-1 of the key (seed, epoch, index), exactly what invar-train draws for that "
        "image), and prints each view's drawn parameters. A policy file lists one operation per "
        "line: random_resized_crop size=224 scale=0.2,1 ratio=0.75,1.3333 | resize size=256 | "
        "center_crop size=224 | color_jitter brightness=0.4 contrast=0.4 saturation=0.4 hue=0.1 "
        "p=0.8 | grayscale p=0.2 | gaussian_blur sigma=0.1,2 p=0.5 | hflip p=0.5 | vflip p=0.5 | "
        "normalize mean=... std=...; '#' starts a comment.",
        "  invar-data augment --policy default --in cat.jpg --views 16 --out sheet.png\n"
        "  invar-data augment --policy my.policy --in cat.jpg --views 8 --out mine.png",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    program_apply_common(&common);
    aug_policy pol;
    if ((rc = policy_load(policy_name, &pol))) program_fail_last(rc);
    if (show) {
        size_t n = policy_format(&pol, NULL, 0);
        char *text = malloc(n + 1);
        if (!text) program_fail(INV_ENOMEM, "out of memory");
        policy_format(&pol, text, n + 1);
        fputs(text, stdout);
        free(text);
        if (!in && !out) return 0;
    }
    if (!in) program_fail(INV_EINVAL, "--in IMAGE is required");
    if (!out) program_fail(INV_EINVAL, "--out SHEET.png is required");
    image_u8 img;
    if ((rc = image_decode_file(in, &img))) program_fail_last(rc);
    const int S = pol.out_size, gap = 4;
    int cols = columns ? columns : 1;
    if (!columns)
        while (cols * cols < views) cols++;
    if (cols > views) cols = views;
    int rows = (views + cols - 1) / cols;
    long long sw = (long long)cols * S + (cols + 1) * gap,
              sh = (long long)rows * S + (rows + 1) * gap;
    if (sw > IMAGE_MAX_SIDE || sh > IMAGE_MAX_SIDE)
        program_fail(INV_EINVAL,
                     "a %lldx%lld sheet is too large (max side %d): fewer --views or "
                     "a different --columns",
                     sw, sh, IMAGE_MAX_SIDE);
    image_u8 sheet;
    if ((rc = image_alloc(&sheet, (int)sw, (int)sh, 3))) program_fail_last(rc);
    memset(sheet.data, 40, (size_t)sheet.w * sheet.h * 3);
    printf("augment: %s, policy %s (%d ops, output %dx%d), %dx%d input, seed %llu epoch %d "
           "index %d\n",
           in, pol.name, pol.nops, S, S, img.w, img.h, (unsigned long long)common.seed, epoch,
           index);
    for (int v = 0; v < views; v++) {
        aug_draw d;
        image_u8 view;
        if ((rc = augment_draw(&pol, img.w, img.h, common.seed, (uint32_t)epoch, (uint32_t)index,
                               (uint32_t)v, &d)) ||
            (rc = augment_apply_u8(&pol, &d, &img, &view)))
            program_fail_last(rc);
        char line[1024];
        describe(&pol, &d, line, sizeof line);
        printf("view %d:%s\n", v, line);
        int x0 = gap + (v % cols) * (S + gap), y0 = gap + (v / cols) * (S + gap);
        for (int y = 0; y < S; y++)
            memcpy(sheet.data + ((size_t)(y0 + y) * sheet.w + x0) * 3,
                   view.data + (size_t)y * S * 3, (size_t)S * 3);
        image_free(&view);
    }
    if ((rc = image_write_png(out, &sheet))) program_fail_last(rc);
    printf("augment: wrote %s (%dx%d, %d views)\n", out, sheet.w, sheet.h, views);
    image_free(&sheet);
    image_free(&img);
    return 0;
}
