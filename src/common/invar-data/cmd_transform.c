// cmd_transform.c: `invar-data transform`: lists the paper's eighteen test transforms with their
// grid sizes, or applies parameter K of one transform to an image and writes the result as PNG
// (after the final Resize + CenterCrop, or before it with --raw).
#include "commands.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/program.h"
#include "image/imgbuf.h"
#include "image/transforms.h"
#include "io/image.h"

#include <stdio.h>
#include <string.h>

int cmd_transform(int argc, char **argv) {
    const char *name = NULL, *in = NULL, *out = NULL;
    int list = 0, index = -1, raw = 0, resize = 256, crop = 224;
    cli_option opts[] = {
        {"list", 'l', OPT_FLAG, &list, NULL, "list the transforms and their grid sizes", 0, 0, 1},
        {"name", 0, OPT_STRING, &name, "NAME", "transform (a column of table2_synthetic.csv)", 0, 0,
         1},
        {"index", 'k', OPT_INT, &index, "K", "parameter index in the transform's grid, from 0", 0,
         1 << 20, 1},
        {"in", 'i', OPT_STRING, &in, "IMAGE", "input image (JPEG or PNG)", 0, 0, 1},
        {"out", 'o', OPT_STRING, &out, "OUT.png", "output PNG", 0, 0, 1},
        {"raw", 0, OPT_FLAG, &raw, NULL, "write the image before the final Resize + CenterCrop", 0,
         0, 1},
        {"resize", 0, OPT_INT, &resize, "R",
         "shorter side of the final Resize; pixel-valued grids scale with it", 1, 65535, 0},
        {"crop", 0, OPT_INT, &crop, "C", "size of the final CenterCrop (resized_crop's output)", 1,
         65535, 0},
    };
    cli_spec spec = {
        "invar-data transform",
        "",
        "The test-time transforms of the paper (Appendix B) with the official code's parameter "
        "grids: each acts on the image at its original resolution, then Resize(R) + "
        "CenterCrop(C), except resized_crop, which outputs CxC directly. One-image transforms "
        "(hflip, vflip, grayscale, equalize, invert): index 0 is the untouched image, 1 the "
        "transformed one; posterize: index K keeps K+1 bits. deform's random fields are keyed "
        "by (--seed, K).",
        "  invar-data transform --list\n"
        "  invar-data transform --name rotation --index 64 --in cat.jpg --out rot90.png",
        opts,
        (int)(sizeof opts / sizeof opts[0]),
        0,
        0};
    cli_common common = {0};
    program_parse(&spec, &common, argc, argv);
    int rc = INV_OK;
    program_apply_common(&common);
    if (list) {
        printf("%-13s %5s  %-10s %s\n", "name", "grid", "family", "parameters");
        for (int t = 0; t < TRANSFORM_COUNT; t++) {
            const transform_info *ti = transform_info_at(t);
            printf("%-13s %5d  %-10s %s\n", ti->name, ti->grid, ti->family, ti->what);
        }
        return 0;
    }
    if (!name)
        program_fail(INV_EINVAL, "give --list, or --name NAME --index K --in IMAGE --out OUT.png");
    int t = transform_find(name);
    if (t < 0) program_fail_last(INV_EINVAL);
    if (index < 0)
        program_fail(INV_EINVAL, "--index K is required (0..%d for %s)",
                     transform_info_at(t)->grid - 1, name);
    if (!in) program_fail(INV_EINVAL, "--in IMAGE is required");
    if (!out) program_fail(INV_EINVAL, "--out OUT.png is required");
    transform_opts o = {resize, crop, common.seed};
    char desc[256];
    if ((rc = transform_param_text(t, index, &o, desc, sizeof desc))) program_fail_last(rc);
    image_u8 img, res;
    if ((rc = image_decode_file(in, &img))) program_fail_last(rc);
    if ((rc = transform_apply(t, index, &img, &o, raw, &res))) program_fail_last(rc);
    if ((rc = image_write_png(out, &res))) program_fail_last(rc);
    printf("transform: %s index %d (%s) on %s (%dx%d) -> %s (%dx%d%s)\n", name, index, desc, in,
           img.w, img.h, out, res.w, res.h, raw ? ", raw" : "");
    image_free(&res);
    image_free(&img);
    return 0;
}
