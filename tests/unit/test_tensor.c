// test_tensor.c: aligned allocation, tensor shapes/strides/offsets, and overflow rejection.
#include "test_util.h"

#include "core/error.h"
#include "core/tensor.h"

#include <stdint.h>
#include <string.h>

static void test_alloc_and_shape(void) {
    tensor t;
    int64_t shape[4] = {2, 3, 4, 5};
    CU_ASSERT_EQUAL_FATAL(tensor_alloc(&t, 4, shape), INV_OK);
    CU_ASSERT_EQUAL((uintptr_t)t.data % INV_ALIGN, 0);
    CU_ASSERT_EQUAL(tensor_numel(&t), 120);
    CU_ASSERT_EQUAL(t.stride[0], 60);
    CU_ASSERT_EQUAL(t.stride[3], 1);
    CU_ASSERT(tensor_is_contiguous(&t));
    for (int64_t i = 0; i < 120; i++) CU_ASSERT_EQUAL(t.data[i], 0.0f);
    int64_t idx[4] = {1, 2, 3, 4};
    CU_ASSERT_EQUAL(tensor_offset(&t, idx), 119);
    char buf[64];
    tensor_shape_str(&t, buf, sizeof buf);
    CU_ASSERT_STRING_EQUAL(buf, "(2, 3, 4, 5)");
    t.stride[0] = 61; // a padded view is not contiguous
    CU_ASSERT(!tensor_is_contiguous(&t));
    tensor_free(&t);
    CU_ASSERT_PTR_NULL(t.data);
}

static void test_wrap_and_scalar(void) {
    float data[6] = {0, 1, 2, 3, 4, 5};
    int64_t shape[2] = {2, 3};
    tensor t;
    tensor_wrap(&t, data, 2, shape);
    CU_ASSERT_EQUAL(t.owns, 0);
    int64_t idx[2] = {1, 1};
    CU_ASSERT_EQUAL(t.data[tensor_offset(&t, idx)], 4.0f);
    tensor_free(&t); // must not free the caller's memory
    tensor s;
    CU_ASSERT_EQUAL(tensor_alloc(&s, 0, NULL), INV_OK);
    CU_ASSERT_EQUAL(tensor_numel(&s), 1);
    tensor_free(&s);
}

static void test_bad_shapes(void) {
    tensor t;
    int64_t neg[2] = {2, -1};
    CU_ASSERT_EQUAL(tensor_alloc(&t, 2, neg), INV_EINVAL);
    int64_t huge[3] = {INT64_C(1) << 40, INT64_C(1) << 30, 16};
    CU_ASSERT_EQUAL(tensor_alloc(&t, 3, huge), INV_ERANGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(inv_errmsg(), "overflow"));
    int64_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CU_ASSERT_EQUAL(tensor_alloc(&t, 9, shape), INV_EINVAL);
    size_t out;
    CU_ASSERT_EQUAL(inv_mul_size(SIZE_MAX / 2, 3, &out), INV_ERANGE);
    CU_ASSERT_EQUAL(inv_mul_size(6, 7, &out), INV_OK);
    CU_ASSERT_EQUAL(out, 42);
    void *p = inv_aligned_alloc(0);
    CU_ASSERT_PTR_NOT_NULL(p);
    inv_aligned_free(p);
}

int test_tensor_register(void) {
    CU_pSuite s = CU_add_suite("tensor", NULL, NULL);
    if (!s) return -1;
    TEST_ADD(s, test_alloc_and_shape);
    TEST_ADD(s, test_wrap_and_scalar);
    TEST_ADD(s, test_bad_shapes);
    return 0;
}
