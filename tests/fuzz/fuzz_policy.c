// fuzz_policy.c: libFuzzer target for the augmentation policy-file parser (policy_parse on the
// input as text); a parsed policy is formatted, parsed again, and must draw a view of a small
// image without error.
#include "image/augment.h"
#include "image/policy.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    aug_policy p, q;
    if (policy_parse(text, "fuzz", &p) == 0) {
        size_t n = policy_format(&p, NULL, 0);
        char *again = malloc(n + 1);
        if (!again) abort();
        policy_format(&p, again, n + 1);
        if (policy_parse(again, "fuzz-again", &q) != 0 || q.nops != p.nops ||
            q.out_size != p.out_size)
            abort();
        free(again);
        aug_draw d;
        if (augment_draw(&p, 7, 5, 1, 0, 0, 0, &d) != 0) abort();
    }
    free(text);
    return 0;
}
