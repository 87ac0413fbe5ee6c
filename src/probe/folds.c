// folds.c: cross-validation fold assignment: stratified by class or plain, both shuffled with a
// seeded Philox stream (purpose RNG_PURPOSE_FOLDS), so folds are the same on any rank count.
#include "folds.h"

#include "core/error.h"
#include "core/rng.h"

#include <stdlib.h>

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int folds_shuffled(int64_t n, int k, uint64_t seed, int32_t *fold_of, const char *what) {
    if (k < 2) return inv_fail(INV_EINVAL, "%s: need at least 2 folds (got %d)", what, k);
    if (n < k || n > UINT32_MAX)
        return inv_fail(INV_EINVAL, "%s: %lld examples cannot be split into %d folds", what,
                        (long long)n, k);
    uint32_t *perm = malloc((size_t)n * sizeof *perm);
    INV_CHECK_ALLOC(perm, (size_t)n * sizeof *perm, "folds");
    rng_stream s;
    rng_stream_init(&s, seed, RNG_PURPOSE_FOLDS, 0, 0, 0);
    rng_permutation(&s, perm, (uint32_t)n);
    for (int64_t p = 0; p < n; p++) fold_of[perm[p]] = (int32_t)(p * k / n);
    free(perm);
    return INV_OK;
}

int folds_stratified(const int32_t *labels, int64_t n, int k, uint64_t seed, int32_t *fold_of,
                     const char *what) {
    if (k < 2) return inv_fail(INV_EINVAL, "%s: need at least 2 folds (got %d)", what, k);
    if (n < 1 || n > UINT32_MAX)
        return inv_fail(INV_EINVAL, "%s: bad number of examples %lld", what, (long long)n);
    int32_t *sorted = malloc((size_t)n * sizeof *sorted);
    uint32_t *members = malloc((size_t)n * sizeof *members);
    uint32_t *perm = malloc((size_t)n * sizeof *perm);
    if (!sorted || !members || !perm) {
        free(sorted), free(members), free(perm);
        return inv_fail(INV_ENOMEM, "folds: out of memory");
    }
    for (int64_t i = 0; i < n; i++) sorted[i] = labels[i];
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_i32);
    int rc = INV_OK;
    int64_t dealt = 0;
    uint32_t class_index = 0;
    for (int64_t a = 0; a < n;) {
        int64_t b = a;
        while (b < n && sorted[b] == sorted[a]) b++;
        int32_t cls = sorted[a];
        uint32_t m = (uint32_t)(b - a);
        if (m < (uint32_t)k) {
            rc = inv_fail(INV_EINVAL,
                          "%s: class %d has %u member%s, fewer than the %d folds (stratified "
                          "cross-validation needs at least one per fold)",
                          what, cls, m, m == 1 ? "" : "s", k);
            break;
        }
        uint32_t c = 0;
        for (int64_t i = 0; i < n; i++)
            if (labels[i] == cls) members[c++] = (uint32_t)i;
        rng_stream s;
        rng_stream_init(&s, seed, RNG_PURPOSE_FOLDS, 0, class_index, 1);
        rng_permutation(&s, perm, m);
        for (uint32_t j = 0; j < m; j++) fold_of[members[perm[j]]] = (int32_t)((dealt++) % k);
        class_index++;
        a = b;
    }
    free(sorted), free(members), free(perm);
    return rc;
}
