// probe_input.h: what the probes read: feature files (several joined by '+' are fused by
// concatenating columns, rows checked to be the same images) and per-example targets or labels
// of a shard, validated against each other.
#ifndef INVAR_PROBE_PROBE_INPUT_H
#define INVAR_PROBE_PROBE_INPUT_H

#include <stddef.h>
#include <stdint.h>

// spec: "A.nc" or "A.nc+B.nc+...". *x: (n, d) row-major float, malloc'd; d is the sum of the
// files' widths. Files must have the same n and the same `source` attribute; every value must be
// finite. source (may be NULL): the common source attribute.
int probe_load_features(const char *spec, float **x, int64_t *n, int64_t *d, char *source,
                        size_t source_size);
// Reads variable `var` of shard `path` as (n, *k) doubles (malloc'd), checking that the shard
// has exactly n_expected examples (`features` names the feature file in that message) and that
// every value is finite.
int probe_load_targets(const char *path, const char *var, int64_t n_expected, const char *features,
                       double **y, int64_t *k);
// As probe_load_targets for a 1-column integer variable (class labels). *cls: (n) class indices
// 0..*nclass-1 in ascending label order; *classes: the label of each class (malloc'd). When
// `known`/nknown are given (a held-out set scored with a training set's classes), the classes
// are those and a label outside them is an error.
int probe_load_classes(const char *path, const char *var, int64_t n_expected, const char *features,
                       const int32_t *known, int nknown, int32_t **cls, int32_t **classes,
                       int *nclass);

// Warns (log) when a feature file's source attribute names another shard than `data` (compared
// by file name, since paths move between machines). Empty sources are not checked.
void probe_check_source(const char *features, const char *source, const char *data);

#endif
