// test_augment.c: augmentation draws keyed by (seed, epoch, index, view), the pipeline on any
// input size (1x1 up), grey and RGBA inputs, ToTensor + Normalize values, and batches that do
// not depend on the number of threads.
#include "test_util.h"

#include "core/error.h"
#include "image/augment.h"
#include "image/imgbuf.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

static image_u8 pattern(int w, int h, int c) {
    image_u8 img;
    imgbuf_alloc(&img, w, h, c);
    for (size_t i = 0; i < (size_t)w * h * c; i++) img.data[i] = (uint8_t)((i * 7919) >> 3);
    return img;
}

static void test_draws_keyed(void) {
    aug_policy p;
    CU_ASSERT_EQUAL_FATAL(policy_builtin("default", &p), INV_OK);
    aug_draw a, b, c;
    CU_ASSERT_EQUAL(augment_draw(&p, 300, 200, 5, 2, 17, 0, &a), INV_OK);
    CU_ASSERT_EQUAL(augment_draw(&p, 300, 200, 5, 2, 17, 0, &b), INV_OK);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
    CU_ASSERT_EQUAL(augment_draw(&p, 300, 200, 5, 2, 17, 1, &c), INV_OK);
    CU_ASSERT(memcmp(a.op[0].crop, c.op[0].crop, sizeof a.op[0].crop) != 0);
    CU_ASSERT_EQUAL(augment_draw(&p, 300, 200, 5, 3, 17, 0, &c), INV_OK);
    CU_ASSERT(memcmp(a.op[0].crop, c.op[0].crop, sizeof a.op[0].crop) != 0);
    CU_ASSERT_EQUAL(augment_draw(&p, 300, 200, 6, 2, 17, 0, &c), INV_OK);
    CU_ASSERT(memcmp(a.op[0].crop, c.op[0].crop, sizeof a.op[0].crop) != 0);
    // Crops inside the image, factors inside their ranges.
    for (uint32_t i = 0; i < 500; i++) {
        CU_ASSERT_EQUAL_FATAL(augment_draw(&p, 37, 211, 1, 0, i, 0, &a), INV_OK);
        const int *cr = a.op[0].crop;
        CU_ASSERT(cr[0] >= 0 && cr[1] >= 0 && cr[2] >= 1 && cr[3] >= 1 && cr[0] + cr[2] <= 211 &&
                  cr[1] + cr[3] <= 37);
        CU_ASSERT(a.op[0].tries >= 1 && a.op[0].tries <= 11);
        if (a.op[1].fired) {
            CU_ASSERT(a.op[1].factor[0] >= 0.6f && a.op[1].factor[0] <= 1.4f);
            CU_ASSERT(fabsf(a.op[1].factor[3]) <= 0.1f);
            int seen = 0;
            for (int j = 0; j < 4; j++) seen |= 1 << a.op[1].order[j];
            CU_ASSERT_EQUAL(seen, 15);
        }
        if (a.op[3].fired) CU_ASSERT(a.op[3].sigma >= 0.1f && a.op[3].sigma <= 2.0f);
    }
    CU_ASSERT_EQUAL(augment_draw(&p, 0, 10, 1, 0, 0, 0, &a), INV_ERANGE);
}

static int all_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

static void test_any_input(void) {
    const char *names[] = {"default", "spatial", "appearance"};
    const int sizes[][3] = {{1, 1, 3}, {1, 1, 1}, {2, 7, 4}, {5, 3, 1}, {300, 20, 3}, {64, 64, 4}};
    float *out = malloc(sizeof(float) * 3 * 224 * 224);
    for (int n = 0; n < 3; n++) {
        aug_policy p;
        CU_ASSERT_EQUAL_FATAL(policy_builtin(names[n], &p), INV_OK);
        for (int s = 0; s < 6; s++) {
            image_u8 img = pattern(sizes[s][0], sizes[s][1], sizes[s][2]);
            for (uint32_t v = 0; v < 4; v++) {
                int rc = augment_view(&p, &img, 3, 0, (uint32_t)s, v, out);
                CU_ASSERT_EQUAL(rc, INV_OK);
                if (rc)
                    fprintf(stderr, "\n%s %dx%dx%d: %s\n", names[n], sizes[s][0], sizes[s][1],
                            sizes[s][2], inv_errmsg());
                CU_ASSERT(all_finite(out, 3 * 224 * 224));
            }
            imgbuf_free(&img);
        }
    }
    free(out);
}

static void test_normalize_values(void) {
    // A constant image under the spatial policy stays constant: (v / 255 - mean) / std.
    aug_policy p;
    CU_ASSERT_EQUAL_FATAL(policy_builtin("spatial", &p), INV_OK);
    image_u8 img;
    CU_ASSERT_EQUAL_FATAL(imgbuf_alloc(&img, 40, 30, 3), INV_OK);
    for (int i = 0; i < 40 * 30; i++)
        img.data[3 * i] = 10, img.data[3 * i + 1] = 128, img.data[3 * i + 2] = 255;
    float *out = malloc(sizeof(float) * 3 * 224 * 224);
    CU_ASSERT_EQUAL_FATAL(augment_view(&p, &img, 0, 0, 0, 0, out), INV_OK);
    const float want[3] = {(10 / 255.0f - 0.485f) / 0.229f, (128 / 255.0f - 0.456f) / 0.224f,
                           (255 / 255.0f - 0.406f) / 0.225f};
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 224 * 224; i += 997) CU_ASSERT_EQUAL(out[c * 224 * 224 + i], want[c]);
    free(out);
    // The uint8 view of a grey input is grey replicated.
    image_u8 grey = pattern(50, 60, 1), view;
    aug_draw d;
    CU_ASSERT_EQUAL_FATAL(augment_draw(&p, 50, 60, 0, 0, 0, 0, &d), INV_OK);
    CU_ASSERT_EQUAL_FATAL(augment_apply_u8(&p, &d, &grey, &view), INV_OK);
    CU_ASSERT(view.w == 224 && view.h == 224 && view.c == 3);
    CU_ASSERT(view.data[300] == view.data[301] && view.data[301] == view.data[302]);
    imgbuf_free(&view);
    imgbuf_free(&grey);
    imgbuf_free(&img);
}

static void test_batch_threads(void) {
    aug_policy p;
    CU_ASSERT_EQUAL_FATAL(policy_builtin("default", &p), INV_OK);
    enum { N = 6 };
    image_u8 imgs[N];
    uint32_t idx[N];
    for (int i = 0; i < N; i++) {
        imgs[i] = pattern(40 + 9 * i, 70 - 5 * i, i % 2 ? 3 : 4);
        idx[i] = (uint32_t)(1000 + 3 * i);
    }
    size_t per = 3 * 224 * 224;
    float *a = malloc(sizeof(float) * per * N), *b = malloc(sizeof(float) * per * N),
          *one = malloc(sizeof(float) * per);
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL(augment_batch(&p, imgs, N, 9, 4, idx, 1, a), INV_OK);
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL(augment_batch(&p, imgs, N, 9, 4, idx, 1, b), INV_OK);
    omp_set_num_threads(saved);
    CU_ASSERT_EQUAL(memcmp(a, b, sizeof(float) * per * N), 0);
    CU_ASSERT_EQUAL(augment_view(&p, &imgs[4], 9, 4, idx[4], 1, one), INV_OK);
    CU_ASSERT_EQUAL(memcmp(one, a + 4 * per, sizeof(float) * per), 0);
    float *k = malloc(sizeof(float) * per);
    CU_ASSERT_EQUAL(augment_two_crops(&p, &imgs[2], 9, 4, 7, one, k), INV_OK);
    CU_ASSERT(memcmp(one, k, sizeof(float) * per) != 0);
    // A bad image in a batch is reported with its position.
    imgs[3].c = 2;
    CU_ASSERT(augment_batch(&p, imgs, N, 9, 4, idx, 1, a) != INV_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "image 3"));
    imgs[3].c = 3;
    for (int i = 0; i < N; i++) imgbuf_free(&imgs[i]);
    free(a);
    free(b);
    free(one);
    free(k);
}

int test_augment_register(void) {
    CU_pSuite s = CU_add_suite("augment", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_draws_keyed);
    TEST_ADD(s, test_any_input);
    TEST_ADD(s, test_normalize_values);
    TEST_ADD(s, test_batch_threads);
    return 0;
}
