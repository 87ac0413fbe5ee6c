// metrics.c: pair measures, uniformity (blocked Gram of normalised views) and ACR (per-anchor
// k-nearest selection over the same Gram blocks).
#include "metrics.h"

#include "core/error.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

double metric_cosine(const double *a, const double *b, int d, double eps) {
    double ab = 0, aa = 0, bb = 0;
    for (int j = 0; j < d; j++) ab += a[j] * b[j], aa += a[j] * a[j], bb += b[j] * b[j];
    double den = aa * bb;
    if (den < eps * eps) den = eps * eps;
    return ab / sqrt(den);
}

double metric_distance(const double *a, const double *b, int d) {
    double s = 0;
    for (int j = 0; j < d; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
    return sqrt(s);
}

double metric_alignment(const float *a, const float *b, int d) {
    double na = 0, nb = 0;
    for (int j = 0; j < d; j++) na += (double)a[j] * a[j], nb += (double)b[j] * b[j];
    na = sqrt(na) > 1e-12 ? sqrt(na) : 1e-12; // F.normalize's eps
    nb = sqrt(nb) > 1e-12 ? sqrt(nb) : 1e-12;
    double s = 0;
    for (int j = 0; j < d; j++) {
        double v = a[j] / na - b[j] / nb;
        s += v * v;
    }
    return s;
}

// Rows of f normalised to unit length, float64 (m, d).
static double *normalised(const float *f, int64_t m, int d) {
    double *x = malloc(sizeof(double) * (size_t)m * d);
    if (!x) return NULL;
    for (int64_t i = 0; i < m; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += (double)f[i * d + j] * f[i * d + j];
        s = sqrt(s) > 1e-12 ? sqrt(s) : 1e-12;
        for (int j = 0; j < d; j++) x[i * d + j] = f[i * d + j] / s;
    }
    return x;
}

enum { GRAM_BLOCK = 256 };

// Squared distances of rows [lo, lo + rows) to all m rows: out (rows, m).
static void sq_dist_block(const double *x, const double *sq, int64_t m, int d, int64_t lo, int rows,
                          double *out) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, (int)m, d, -2.0, x + lo * d, d, x, d,
                0.0, out, (int)m);
    for (int r = 0; r < rows; r++)
        for (int64_t j = 0; j < m; j++) {
            double v = out[r * m + j] + sq[lo + r] + sq[j];
            out[r * m + j] = v > 0 ? v : 0;
        }
}

double metric_uniformity(const float *f, int64_t n_images, int views, int d) {
    int64_t m = n_images * views;
    double *x = normalised(f, m, d), *sq = malloc(sizeof(double) * (size_t)m),
           *blk = malloc(sizeof(double) * GRAM_BLOCK * (size_t)m);
    double sum = 0, count = 0;
    if (x && sq && blk && n_images >= 2) {
        for (int64_t i = 0; i < m; i++) {
            double s = 0;
            for (int j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
            sq[i] = s;
        }
        for (int64_t lo = 0; lo < m; lo += GRAM_BLOCK) {
            int rows = (int)(m - lo < GRAM_BLOCK ? m - lo : GRAM_BLOCK);
            sq_dist_block(x, sq, m, d, lo, rows, blk);
            for (int r = 0; r < rows; r++) {
                int64_t i = lo + r, img = i / views;
                for (int64_t j = (img + 1) * views; j < m; j++) sum += exp(-2.0 * blk[r * m + j]);
            }
        }
        count = (double)n_images * (n_images - 1) / 2 * views * views;
    }
    free(x);
    free(sq);
    free(blk);
    return count > 0 ? -log(sum / count) : NAN;
}

int metric_acr(const float *f, int64_t n_images, int views, int d, int k, double *acr) {
    int64_t m = n_images * views;
    if (k < 1 || k > m - 1)
        return inv_fail(INV_EINVAL, "ACR: k = %d neighbours of %lld views (needs 1..%lld)", k,
                        (long long)m, (long long)(m - 1));
    double *x = normalised(f, m, d), *sq = malloc(sizeof(double) * (size_t)m),
           *blk = malloc(sizeof(double) * GRAM_BLOCK * (size_t)m);
    double *best = malloc(sizeof(double) * (size_t)k);
    int64_t *best_j = malloc(sizeof(int64_t) * (size_t)k);
    if (!x || !sq || !blk || !best || !best_j) {
        free(x), free(sq), free(blk), free(best), free(best_j);
        return inv_fail(INV_ENOMEM, "ACR: out of memory for %lld views", (long long)m);
    }
    for (int64_t i = 0; i < m; i++) {
        double s = 0;
        for (int j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
        sq[i] = s;
    }
    double total = 0;
    for (int64_t lo = 0; lo < m; lo += GRAM_BLOCK) {
        int rows = (int)(m - lo < GRAM_BLOCK ? m - lo : GRAM_BLOCK);
        sq_dist_block(x, sq, m, d, lo, rows, blk);
        for (int r = 0; r < rows; r++) {
            int64_t i = lo + r;
            int have = 0;
            // Insertion into a sorted list of the k smallest (distance, index).
            for (int64_t j = 0; j < m; j++) {
                if (j == i) continue;
                double v = blk[r * m + j];
                if (have == k && v >= best[k - 1]) continue;
                int p = have < k ? have++ : k - 1;
                while (p > 0 && best[p - 1] > v) {
                    best[p] = best[p - 1], best_j[p] = best_j[p - 1];
                    p--;
                }
                best[p] = v, best_j[p] = j;
            }
            int other = 0;
            for (int q = 0; q < k; q++) other += best_j[q] / views != i / views;
            total += (double)other / k;
        }
    }
    free(x), free(sq), free(blk), free(best), free(best_j);
    *acr = total / (double)m;
    return INV_OK;
}
