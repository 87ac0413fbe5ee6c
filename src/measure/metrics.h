// metrics.h: the invariance measures on feature vectors: the paper's cosine similarity of
// whitened centred features and Mahalanobis distance (Appendix C.1), the alignment of Wang &
// Isola (||f/|f| - g/|g| ||^2), their uniformity (Table C.1 reports -log E exp(-2 ||x - y||^2))
// and the average confusion ratio (ACR) of Wang et al. 2022.
#ifndef INVAR_MEASURE_METRICS_H
#define INVAR_MEASURE_METRICS_H

#include <stdint.h>

// a . b / sqrt(max(|a|^2 |b|^2, eps^2)) as torch's cosine_similarity (eps 1e-8); d entries.
double metric_cosine(const double *a, const double *b, int d, double eps);
// ||a - b||_2.
double metric_distance(const double *a, const double *b, int d);
// ||a/|a| - b/|b| ||^2 of two float32 feature rows (computed in float64).
double metric_alignment(const float *a, const float *b, int d);

// Uniformity of views (n_images, views, d) float32: -log of the mean of exp(-2 ||x - y||^2) over
// all unordered pairs of L2-normalised views of two different images (needs n_images >= 2).
double metric_uniformity(const float *f, int64_t n_images, int views, int d);
// ACR: for each view (the anchor) its k nearest other views among all n_images x views by the
// Euclidean distance of L2-normalised features (ties: lower index first); the share of them
// that are views of another image, averaged over all anchors. k in 1..n_images*views-1.
// Returns an inv_code (INV_ENOMEM); *acr receives the value.
int metric_acr(const float *f, int64_t n_images, int views, int d, int k, double *acr);

#endif
