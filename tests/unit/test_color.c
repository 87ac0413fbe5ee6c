// test_color.c: colour operations on tiny images (1x1 up), known PIL values, grey inputs,
// RGBA and out-of-range parameters rejected with clear messages.
#include "test_util.h"

#include "core/error.h"
#include "image/color.h"
#include "image/imgbuf.h"

#include <math.h>
#include <string.h>

static image_u8 rgb1(uint8_t r, uint8_t g, uint8_t b) {
    image_u8 img;
    imgbuf_alloc(&img, 1, 1, 3);
    img.data[0] = r, img.data[1] = g, img.data[2] = b;
    return img;
}

static void test_known_values(void) {
    image_u8 img = rgb1(255, 0, 0);
    CU_ASSERT_EQUAL(color_luma(img.data), 76); // (255 * 19595 + 0x8000) >> 16
    CU_ASSERT_EQUAL(color_grayscale(&img), INV_OK);
    CU_ASSERT(img.data[0] == 76 && img.data[1] == 76 && img.data[2] == 76);
    imgbuf_free(&img);
    img = rgb1(200, 101, 3);
    CU_ASSERT_EQUAL(color_brightness(&img, 0.5), INV_OK);
    CU_ASSERT(img.data[0] == 100 && img.data[1] == 50 && img.data[2] == 1);
    CU_ASSERT_EQUAL(color_brightness(&img, 4.0), INV_OK); // clipped
    CU_ASSERT(img.data[0] == 255 && img.data[1] == 200 && img.data[2] == 4);
    CU_ASSERT_EQUAL(color_invert(&img), INV_OK);
    CU_ASSERT(img.data[0] == 0 && img.data[1] == 55 && img.data[2] == 251);
    CU_ASSERT_EQUAL(color_posterize(&img, 1), INV_OK);
    CU_ASSERT(img.data[0] == 0 && img.data[1] == 0 && img.data[2] == 128);
    imgbuf_free(&img);
    // Contrast of a one-pixel image: the degenerate is the pixel's own luma.
    img = rgb1(10, 10, 10);
    CU_ASSERT_EQUAL(color_contrast(&img, 3.0), INV_OK);
    CU_ASSERT_EQUAL(img.data[0], 10);
    // Saturation 0 is grayscale; hue of a grey pixel is unchanged.
    CU_ASSERT_EQUAL(color_hue(&img, 0.3), INV_OK);
    CU_ASSERT_EQUAL(img.data[1], 10);
    imgbuf_free(&img);
    img = rgb1(255, 0, 0);
    CU_ASSERT_EQUAL(color_saturation(&img, 0.0), INV_OK);
    CU_ASSERT(img.data[0] == 76 && img.data[2] == 76);
    imgbuf_free(&img);
    // Hue +0.5 turns pure red into cyan.
    img = rgb1(255, 0, 0);
    CU_ASSERT_EQUAL(color_hue(&img, 0.5), INV_OK);
    CU_ASSERT(img.data[0] <= 2 && img.data[1] >= 250 && img.data[2] >= 250);
    imgbuf_free(&img);
}

static void test_equalize_and_sharpness(void) {
    image_u8 img;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 4, 4, 3), INV_OK);
    memset(img.data, 77, 48);
    CU_ASSERT_EQUAL(color_equalize(&img), INV_OK); // one level: unchanged
    CU_ASSERT_EQUAL(img.data[5], 77);
    for (int i = 0; i < 48; i++) img.data[i] = (uint8_t)(i * 5);
    CU_ASSERT_EQUAL(color_equalize(&img), INV_OK);
    CU_ASSERT_EQUAL(img.data[0], 0);
    CU_ASSERT(img.data[47] > 200);
    // Sharpness of a constant image is the image; border pixels are never filtered.
    memset(img.data, 90, 48);
    CU_ASSERT_EQUAL(color_sharpness(&img, 30.0), INV_OK);
    for (int i = 0; i < 48; i++) CU_ASSERT_EQUAL(img.data[i], 90);
    imgbuf_free(&img);
    img = rgb1(1, 2, 3);
    CU_ASSERT_EQUAL(color_sharpness(&img, 5.0), INV_OK);
    CU_ASSERT_EQUAL(img.data[2], 3);
    imgbuf_free(&img);
}

static void test_grey_input(void) {
    image_u8 img;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 3, 2, 1), INV_OK);
    for (int i = 0; i < 6; i++) img.data[i] = (uint8_t)(40 * i);
    CU_ASSERT_EQUAL(color_grayscale(&img), INV_OK);
    CU_ASSERT_EQUAL(color_saturation(&img, 2.0), INV_OK);
    CU_ASSERT_EQUAL(color_hue(&img, 0.2), INV_OK);
    CU_ASSERT_EQUAL(img.data[5], 200);
    CU_ASSERT_EQUAL(color_brightness(&img, 0.5), INV_OK);
    CU_ASSERT_EQUAL(img.data[5], 100);
    CU_ASSERT_EQUAL(color_equalize(&img), INV_OK);
    CU_ASSERT_EQUAL(color_contrast(&img, 0.0), INV_OK);
    CU_ASSERT_EQUAL(img.data[0], img.data[5]);
    imgbuf_free(&img);
}

static void test_errors(void) {
    image_u8 img = rgb1(1, 2, 3);
    CU_ASSERT_EQUAL(color_brightness(&img, -0.1), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "brightness: factor -0.1"));
    CU_ASSERT_EQUAL(color_contrast(&img, NAN), INV_EINVAL);
    CU_ASSERT_EQUAL(color_saturation(&img, INFINITY), INV_EINVAL);
    CU_ASSERT_EQUAL(color_sharpness(&img, -1), INV_EINVAL);
    CU_ASSERT_EQUAL(color_hue(&img, 0.51), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "outside [-0.5, 0.5]"));
    CU_ASSERT_EQUAL(color_posterize(&img, 9), INV_EINVAL);
    CU_ASSERT_EQUAL(img.data[0], 1); // untouched by the failures
    imgbuf_free(&img);
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 2, 2, 4), INV_OK);
    CU_ASSERT_EQUAL(color_invert(&img), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "4 channels"));
    imgbuf_free(&img);
    image_u8 none = {0, 0, 0, NULL};
    CU_ASSERT_EQUAL(color_grayscale(&none), INV_EINVAL);
}

int test_color_register(void) {
    CU_pSuite s = CU_add_suite("color", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_known_values);
    TEST_ADD(s, test_equalize_and_sharpness);
    TEST_ADD(s, test_grey_input);
    TEST_ADD(s, test_errors);
    return 0;
}
