// test_transforms.c: the eighteen test transforms: names and grid sizes, every transform at its
// first, middle and last index on tiny, odd and grey/RGBA images, identities at index 0,
// deterministic deformation fields, and rejected names and indices.
#include "test_util.h"

#include "core/error.h"
#include "image/imgbuf.h"
#include "image/transforms.h"

#include <string.h>

static image_u8 pattern(int w, int h, int c) {
    image_u8 img;
    imgbuf_alloc(&img, w, h, c);
    for (size_t i = 0; i < (size_t)w * h * c; i++) img.data[i] = (uint8_t)((i * 2654435761u) >> 24);
    return img;
}

static void test_table(void) {
    const char *names[TRANSFORM_COUNT] = {
        "resized_crop", "hflip",  "vflip",     "scale",      "shear",     "rotation",
        "translation",  "deform", "grayscale", "brightness", "contrast",  "saturation",
        "hue",          "blur",   "sharpness", "equalize",   "posterize", "invert"};
    const int grids[TRANSFORM_COUNT] = {256, 2,   2,   256, 256, 256, 256, 256, 2,
                                        256, 256, 256, 256, 256, 256, 2,   7,   2};
    for (int t = 0; t < TRANSFORM_COUNT; t++) {
        CU_ASSERT_STRING_EQUAL(transform_info_at(t)->name, names[t]);
        CU_ASSERT_EQUAL(transform_info_at(t)->grid, grids[t]);
        CU_ASSERT_EQUAL(transform_find(names[t]), t);
    }
    CU_ASSERT_PTR_NULL(transform_info_at(TRANSFORM_COUNT));
    CU_ASSERT_EQUAL(transform_find("h_flip"), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "unknown transform 'h_flip'"));
    char buf[128];
    CU_ASSERT_EQUAL(transform_param_text(5, 64, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "angle=90");
    CU_ASSERT_EQUAL(transform_param_text(6, 0, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "translate=-16,-16 shear=1,0");
    CU_ASSERT_EQUAL(transform_param_text(6, 255, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "translate=14,14 shear=1,0");
    CU_ASSERT_EQUAL(transform_param_text(0, 255, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "top=64 left=64 height=64 width=64 size=224");
    CU_ASSERT_EQUAL(transform_param_text(16, 0, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "bits=1");
    CU_ASSERT_EQUAL(transform_param_text(7, 9, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "sigma=15 field=1 alpha=1");
    CU_ASSERT_EQUAL(transform_param_text(13, 255, NULL, buf, sizeof buf), INV_OK);
    CU_ASSERT_STRING_EQUAL(buf, "sigma=20 kernel=23");
    CU_ASSERT_EQUAL(transform_param_text(3, 256, NULL, buf, sizeof buf), INV_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "scale: index 256 outside 0..255"));
    CU_ASSERT_EQUAL(transform_param_text(16, -1, NULL, buf, sizeof buf), INV_ERANGE);
}

static void test_all_sizes(void) {
    const int sizes[][3] = {{1, 1, 3}, {3, 2, 1}, {17, 9, 4}, {40, 30, 3}};
    const transform_opts small = {32, 28, 1}, dflt = {0, 0, 0};
    for (int s = 0; s < 4; s++) {
        image_u8 img = pattern(sizes[s][0], sizes[s][1], sizes[s][2]);
        for (int t = 0; t < TRANSFORM_COUNT; t++) {
            int g = transform_info_at(t)->grid, ks[3] = {0, g / 2, g - 1};
            for (int i = 0; i < 3; i++)
                for (int raw = 0; raw < 2; raw++) {
                    const transform_opts *o = s % 2 ? &small : &dflt;
                    int C = s % 2 ? 28 : 224;
                    image_u8 out;
                    int rc = transform_apply(t, ks[i], &img, o, raw, &out);
                    CU_ASSERT_EQUAL(rc, INV_OK);
                    if (rc) {
                        fprintf(stderr, "\n%s k=%d %dx%d: %s\n", transform_info_at(t)->name, ks[i],
                                img.w, img.h, inv_errmsg());
                        continue;
                    }
                    CU_ASSERT_EQUAL(out.c, 3);
                    if (!raw || t == 0) CU_ASSERT(out.w == C && out.h == C);
                    if (raw && t != 0) CU_ASSERT(out.w == img.w && out.h == img.h);
                    imgbuf_free(&out);
                }
        }
        imgbuf_free(&img);
    }
}

static void test_identities(void) {
    image_u8 img = pattern(50, 37, 3), clean, out;
    CU_ASSERT_EQUAL_FATAL(transform_clean(&img, NULL, &clean), INV_OK);
    CU_ASSERT(clean.w == 224 && clean.h == 224);
    const char *ident[] = {"hflip",  "vflip",    "grayscale", "equalize",
                           "invert", "rotation", "shear"};
    int k0[] = {0, 0, 0, 0, 0, 0, 136}; // shear (0, 0) is index 8 * 16 + 8
    for (int i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL_FATAL(transform_apply_by_name(ident[i], k0[i], &img, NULL, 0, &out),
                              INV_OK);
        CU_ASSERT_EQUAL(memcmp(out.data, clean.data, 224 * 224 * 3), 0);
        imgbuf_free(&out);
    }
    CU_ASSERT_EQUAL_FATAL(transform_apply_by_name("hflip", 1, &img, NULL, 1, &out), INV_OK);
    CU_ASSERT_EQUAL(memcmp(out.data, img.data + 49 * 3, 3), 0);
    imgbuf_free(&out);
    imgbuf_free(&clean);
    CU_ASSERT_EQUAL(transform_apply_by_name("zoom", 0, &img, NULL, 0, &out), INV_EINVAL);
    CU_ASSERT_EQUAL(transform_apply_by_name("posterize", 7, &img, NULL, 0, &out), INV_ERANGE);
    const transform_opts bad = {-3, 10, 0};
    CU_ASSERT_EQUAL(transform_apply_by_name("hflip", 0, &img, &bad, 0, &out), INV_ERANGE);
    imgbuf_free(&img);
}

static void test_deform(void) {
    image_u8 img = pattern(64, 48, 3), a, b, c;
    const transform_opts o1 = {0, 0, 1}, o2 = {0, 0, 2};
    CU_ASSERT_EQUAL_FATAL(transform_apply_by_name("deform", 9, &img, &o1, 1, &a), INV_OK);
    CU_ASSERT_EQUAL_FATAL(transform_apply_by_name("deform", 9, &img, &o1, 1, &b), INV_OK);
    CU_ASSERT_EQUAL(memcmp(a.data, b.data, 64 * 48 * 3), 0);
    imgbuf_free(&b);
    CU_ASSERT_EQUAL_FATAL(transform_apply_by_name("deform", 17, &img, &o1, 1, &b), INV_OK);
    CU_ASSERT(memcmp(a.data, b.data, 64 * 48 * 3) != 0);
    CU_ASSERT_EQUAL_FATAL(transform_apply_by_name("deform", 9, &img, &o2, 1, &c), INV_OK);
    CU_ASSERT(memcmp(a.data, c.data, 64 * 48 * 3) != 0);
    CU_ASSERT(memcmp(a.data, img.data, 64 * 48 * 3) != 0);
    imgbuf_free(&a);
    imgbuf_free(&b);
    imgbuf_free(&c);
    imgbuf_free(&img);
}

int test_transforms_register(void) {
    CU_pSuite s = CU_add_suite("transforms", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_table);
    TEST_ADD(s, test_all_sizes);
    TEST_ADD(s, test_identities);
    TEST_ADD(s, test_deform);
    return 0;
}
