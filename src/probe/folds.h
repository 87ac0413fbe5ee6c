// folds.h: cross-validation fold assignment (stratified or plain, shuffled with a seed).
#ifndef INVAR_PROBE_FOLDS_H
#define INVAR_PROBE_FOLDS_H

#include <stdint.h>

// Stratified k-fold: the members of each class (classes in ascending label order) are shuffled
// with the seed and dealt round-robin over the folds, continuing where the previous class
// stopped, so every fold holds each class in proportion and fold sizes differ by at most one.
// fold_of: (n) fold index 0..k-1. A class with fewer members than k is an INV_EINVAL error
// naming the class (`what` names the data in the message).
int folds_stratified(const int32_t *labels, int64_t n, int k, uint64_t seed, int32_t *fold_of,
                     const char *what);
// Plain shuffled k-fold: a seeded permutation cut into k contiguous chunks (sizes differ by at
// most one). n >= k is required.
int folds_shuffled(int64_t n, int k, uint64_t seed, int32_t *fold_of, const char *what);

#endif
