// test_resample.c: resize, crops, flips, affine and rotate on tiny and odd-sized images, RGBA and
// grey inputs, and rejected arguments; Gaussian blurs on constant and 1x1 images.
#include "test_util.h"

#include "core/error.h"
#include "image/blur.h"
#include "image/imgbuf.h"
#include "image/resample.h"

#include <math.h>
#include <string.h>

static void fill_pattern(image_u8 *img) {
    for (size_t i = 0; i < (size_t)img->w * img->h * img->c; i++)
        img->data[i] = (uint8_t)(i * 37 + 11);
}

static void test_resize(void) {
    image_u8 one, out;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&one, 1, 1, 3), INV_OK);
    one.data[0] = 9, one.data[1] = 200, one.data[2] = 255;
    CU_ASSERT_EQUAL_FATAL(image_resize(&one, 7, 5, RESAMPLE_BILINEAR, &out), INV_OK);
    CU_ASSERT(out.w == 7 && out.h == 5 && out.c == 3);
    for (int i = 0; i < 35; i++)
        CU_ASSERT(out.data[3 * i] == 9 && out.data[3 * i + 1] == 200 && out.data[3 * i + 2] == 255);
    imgbuf_free(&out);
    image_u8 big;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&big, 13, 9, 4), INV_OK);
    fill_pattern(&big);
    CU_ASSERT_EQUAL(image_resize(&big, 13, 9, RESAMPLE_BICUBIC, &out), INV_OK); // same size: copy
    CU_ASSERT_EQUAL(memcmp(out.data, big.data, 13 * 9 * 4), 0);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL(image_resize(&big, 1, 1, RESAMPLE_BILINEAR, &out), INV_OK);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL(image_resize_region(&big, 10, 0, 4, 9, 5, 5, RESAMPLE_BILINEAR, &out),
                    INV_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "outside the 13x9 image"));
    CU_ASSERT_EQUAL(image_resize(&big, 0, 5, RESAMPLE_BILINEAR, &out), INV_ERANGE);
    CU_ASSERT_EQUAL(image_resize(&big, 5, 5, RESAMPLE_NEAREST, &out), INV_EINVAL);
    int w, h;
    resize_shorter_dims(500, 375, 256, &w, &h);
    CU_ASSERT(w == 341 && h == 256);
    resize_shorter_dims(1, 1, 256, &w, &h);
    CU_ASSERT(w == 256 && h == 256);
    CU_ASSERT_EQUAL(image_resize_shorter(&one, 0, &out), INV_ERANGE);
    CU_ASSERT_EQUAL(image_resize_shorter(&one, 3, &out), INV_OK);
    CU_ASSERT(out.w == 3 && out.h == 3);
    imgbuf_free(&out);
    imgbuf_free(&one);
    imgbuf_free(&big);
}

static void test_crops_and_flips(void) {
    image_u8 img, out;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 3, 2, 1), INV_OK);
    for (int i = 0; i < 6; i++) img.data[i] = (uint8_t)(i + 1);
    CU_ASSERT_EQUAL_FATAL(image_crop(&img, -1, 1, 3, 2, &out), INV_OK); // outside: zeros
    const uint8_t want[6] = {0, 4, 5, 0, 0, 0};
    CU_ASSERT_EQUAL(memcmp(out.data, want, 6), 0);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL_FATAL(image_center_crop(&img, 5, 1, &out), INV_OK); // padded as torchvision
    const uint8_t want2[5] = {0, 1, 2, 3, 0};                           // top = round(0.5) = 0
    CU_ASSERT(out.w == 5 && out.h == 1);
    CU_ASSERT_EQUAL(memcmp(out.data, want2, 5), 0);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL(image_crop(&img, 0, 0, 0, 1, &out), INV_ERANGE);
    image_hflip(&img);
    CU_ASSERT(img.data[0] == 3 && img.data[2] == 1);
    image_vflip(&img);
    CU_ASSERT(img.data[0] == 6 && img.data[5] == 1);
    imgbuf_free(&img);
}

static void test_affine_rotate(void) {
    image_u8 img, out;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 5, 5, 3), INV_OK);
    fill_pattern(&img);
    const double id[6] = {1, 0, 0, 0, 1, 0};
    CU_ASSERT_EQUAL_FATAL(image_affine_pil(&img, id, RESAMPLE_NEAREST, &out), INV_OK);
    CU_ASSERT_EQUAL(memcmp(out.data, img.data, 75), 0);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL_FATAL(image_affine_pil(&img, id, RESAMPLE_BILINEAR, &out), INV_OK);
    CU_ASSERT_EQUAL(memcmp(out.data, img.data, 75), 0);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL_FATAL(image_rotate(&img, 360, RESAMPLE_NEAREST, &out), INV_OK);
    CU_ASSERT_EQUAL(memcmp(out.data, img.data, 75), 0);
    imgbuf_free(&out);
    // Four quarter turns give the image back.
    image_u8 a, b;
    CU_ASSERT_EQUAL_FATAL(image_rotate(&img, 90, RESAMPLE_NEAREST, &a), INV_OK);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(image_rotate(&a, 90, RESAMPLE_NEAREST, &b), INV_OK);
        imgbuf_free(&a);
        a = b;
    }
    CU_ASSERT_EQUAL(memcmp(a.data, img.data, 75), 0);
    imgbuf_free(&a);
    // Translation by whole pixels shifts the image and fills with black.
    CU_ASSERT_EQUAL_FATAL(image_tv_affine(&img, 0, 2, 0, 1, 0, 0, RESAMPLE_NEAREST, &out), INV_OK);
    CU_ASSERT_EQUAL(out.data[0], 0);
    CU_ASSERT_EQUAL(memcmp(out.data + 6, img.data, 9), 0);
    imgbuf_free(&out);
    CU_ASSERT_EQUAL(image_tv_affine(&img, 0, 0, 0, 0, 0, 0, RESAMPLE_NEAREST, &out), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "scale 0 must be positive"));
    CU_ASSERT_EQUAL(image_rotate(&img, NAN, RESAMPLE_NEAREST, &out), INV_EINVAL);
    const double bad[6] = {1, 0, INFINITY, 0, 1, 0};
    CU_ASSERT_EQUAL(image_affine_pil(&img, bad, RESAMPLE_NEAREST, &out), INV_EINVAL);
    CU_ASSERT_EQUAL(image_affine_pil(&img, id, RESAMPLE_BICUBIC, &out), INV_EINVAL);
    imgbuf_free(&img);
    // 1x1 and non-square rotations.
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 1, 1, 4), INV_OK);
    CU_ASSERT_EQUAL(image_rotate(&img, 33, RESAMPLE_BILINEAR, &out), INV_OK);
    imgbuf_free(&out);
    imgbuf_free(&img);
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 4, 2, 3), INV_OK);
    CU_ASSERT_EQUAL(image_rotate(&img, 90, RESAMPLE_NEAREST, &out), INV_OK);
    CU_ASSERT(out.w == 4 && out.h == 2); // PIL keeps the size without expand
    imgbuf_free(&out);
    imgbuf_free(&img);
}

static void test_blurs(void) {
    image_u8 img;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 9, 4, 3), INV_OK);
    memset(img.data, 123, 108);
    CU_ASSERT_EQUAL(blur_pil_gaussian(&img, 1.7), INV_OK);
    CU_ASSERT_EQUAL(blur_tv_gaussian(&img, 23, 5.0), INV_OK); // image smaller than the kernel
    for (int i = 0; i < 108; i++) CU_ASSERT_EQUAL(img.data[i], 123);
    img.data[0] = 0;
    CU_ASSERT_EQUAL(blur_pil_gaussian(&img, 0), INV_OK);
    CU_ASSERT_EQUAL(img.data[0], 0);
    CU_ASSERT_EQUAL(blur_pil_gaussian(&img, 50.0), INV_OK); // radius far beyond the image
    CU_ASSERT(img.data[0] > 0 && img.data[0] < 123);
    CU_ASSERT_EQUAL(blur_pil_gaussian(&img, -1), INV_EINVAL);
    CU_ASSERT_EQUAL(blur_tv_gaussian(&img, 4, 1.0), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "must be odd"));
    CU_ASSERT_EQUAL(blur_tv_gaussian(&img, 3, 0.0), INV_EINVAL);
    imgbuf_free(&img);
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 1, 1, 1), INV_OK);
    img.data[0] = 77;
    CU_ASSERT_EQUAL(blur_pil_gaussian(&img, 2.0), INV_OK);
    CU_ASSERT_EQUAL(blur_tv_gaussian(&img, 23, 20.0), INV_OK);
    CU_ASSERT_EQUAL(img.data[0], 77);
    imgbuf_free(&img);
}

static void test_buffers(void) {
    image_u8 img, out;
    CU_ASSERT_EQUAL(imgbuf_alloc(&img, 0, 5, 3), INV_ERANGE);
    CU_ASSERT_EQUAL(imgbuf_alloc(&img, 5, 5, 5), INV_EINVAL);
    CU_ASSERT_EQUAL(imgbuf_alloc(&img, IMAGE_MAX_SIDE + 1, 1, 3), INV_ERANGE);
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 2, 1, 4), INV_OK);
    img.data[0] = 1, img.data[1] = 2, img.data[2] = 3, img.data[3] = 4;
    CU_ASSERT_EQUAL_FATAL(imgbuf_to_rgb(&img, &out), INV_OK);
    CU_ASSERT(out.c == 3 && out.data[0] == 1 && out.data[2] == 3);
    imgbuf_free(&out);
    img.c = 2;
    CU_ASSERT_EQUAL(imgbuf_to_rgb(&img, &out), INV_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "2 channels"));
    img.c = 4;
    imgbuf_free(&img);
}

int test_resample_register(void) {
    CU_pSuite s = CU_add_suite("resample", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_resize);
    TEST_ADD(s, test_crops_and_flips);
    TEST_ADD(s, test_affine_rotate);
    TEST_ADD(s, test_blurs);
    TEST_ADD(s, test_buffers);
    return 0;
}
