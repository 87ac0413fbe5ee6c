// conv_direct.c: the direct 3x3 / stride 1 / pad 1 forward convolution on nChw8c activations with
// AVX2 + FMA intrinsics (see conv_direct.h). Each image is first copied into a zero-padded
// per-thread buffer (C/8, h+2, w+2, 8), so the inner loops have no bounds checks; an output tile is
// T (up to 4) consecutive pixels of one row for one or two blocks of 8 output channels, kept in 8
// vector registers while the 8 x 9 x cin/8 input taps are accumulated into them (input block,
// kernel row, kernel column, input lane: oneDNN's order, so the results equal its forward's).
// Kernel rows that fall in the padding (first and last output row) are skipped: on 4x4 images
// that is a quarter of the work, which is where oneDNN 2.6's forward is slow.
// Weights are repacked per call to (cout/8, cin/8, 3, 3, 8 in, 8 out).
#include "nn/conv_direct.h"

#include "core/error.h"
#include "core/tensor.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define DIRECT_X86 1
#else
#define DIRECT_X86 0
#endif

int conv_direct_fits(const nn_conv_geom *g, int block) {
#if DIRECT_X86
    static int enabled = -1;
    if (enabled < 0) {
        const char *env = getenv("INVAR_CONV_DIRECT");
        enabled = !(env && strcmp(env, "0") == 0) && __builtin_cpu_supports("avx2") &&
                  __builtin_cpu_supports("fma");
    }
    return enabled && block == 8 && g->k == 3 && g->stride == 1 && g->pad == 1 && g->cin % 8 == 0 &&
           g->cout % 8 == 0 && g->ho == g->h && g->wo == g->w && g->h <= CONV_DIRECT_MAX_SIDE &&
           g->w <= CONV_DIRECT_MAX_SIDE;
#else
    (void)g, (void)block;
    return 0;
#endif
}

void conv_direct_ws_free(conv_direct_ws *ws) {
    inv_aligned_free(ws->wpack);
    inv_aligned_free(ws->pad);
    memset(ws, 0, sizeof *ws);
}

#if DIRECT_X86

// One direct convolution: cib / cob blocks of 8 input / output channels, images h x w.
typedef struct {
    int n, cib, cob, h, w;
    const float *wp; // (cob, cib, 3, 3, 8, 8) packed weights
    const float *b;  // (cob * 8) or NULL
    int relu;
} direct_job;

#define DIRECT_TARGET __attribute__((target("avx2,fma")))

// T output pixels (oh, ow .. ow+T) x NO output blocks (ob, ob+1) of one image; xp: the padded
// image, y: the image's output.
static inline __attribute__((always_inline)) DIRECT_TARGET void tile(const direct_job *j,
                                                                     const float *xp, float *y,
                                                                     int ob, int oh, int ow,
                                                                     const int NO, const int T) {
    // every loop over o and t is unrolled (at -O2 too), so acc lives in registers
    // the bias starts the sums, as in oneDNN (so the results are its, to the bit)
    __m256 acc[2][4];
#pragma GCC unroll 2
    for (int o = 0; o < NO; o++) {
        __m256 start = j->b ? _mm256_loadu_ps(j->b + (ob + o) * 8) : _mm256_setzero_ps();
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) acc[o][t] = start;
    }
    const int wpad = j->w + 2, hpad = j->h + 2;
    const int kh0 = oh == 0, kh1 = oh == j->h - 1 ? 2 : 3; // rows in the padding add zeros
    const size_t wblock = (size_t)j->cib * 9 * 64;         // one output block's weights
    for (int ib = 0; ib < j->cib; ib++)
        for (int kh = kh0; kh < kh1; kh++) {
            const float *xr = xp + (((size_t)ib * hpad + oh + kh) * wpad + ow) * 8;
            const float *w0 = j->wp + (size_t)ob * wblock + ((size_t)ib * 9 + kh * 3) * 64;
            for (int kw = 0; kw < 3; kw++) {
                const float *xk = xr + kw * 8, *wk = w0 + kw * 64;
#pragma GCC unroll 8
                for (int ic = 0; ic < 8; ic++) {
                    __m256 wa = _mm256_load_ps(wk + ic * 8), wb = wa;
                    if (NO == 2) wb = _mm256_load_ps(wk + wblock + ic * 8);
#pragma GCC unroll 4
                    for (int t = 0; t < T; t++) {
                        __m256 xb = _mm256_broadcast_ss(xk + t * 8 + ic);
                        acc[0][t] = _mm256_fmadd_ps(wa, xb, acc[0][t]);
                        if (NO == 2) acc[1][t] = _mm256_fmadd_ps(wb, xb, acc[1][t]);
                    }
                }
            }
        }
    __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 2
    for (int o = 0; o < NO; o++) {
#pragma GCC unroll 4
        for (int t = 0; t < T; t++) {
            float *q = y + (((size_t)(ob + o) * j->h + oh) * j->w + ow + t) * 8;
            __m256 v = acc[o][t];
            if (j->relu) v = _mm256_max_ps(v, zero);
            _mm256_storeu_ps(q, v); // callers' buffers need not be 32-byte aligned
        }
    }
}

// One output row of NO blocks in tiles of 4 pixels, then 2, 1 (rows are at most
// CONV_DIRECT_MAX_SIDE = 4 wide); NO is a constant at each call, so each tile size compiles to
// its own register-resident code.
static inline __attribute__((always_inline)) DIRECT_TARGET void
row_tiles(const direct_job *j, const float *xp, float *y, int ob, int oh, const int NO) {
    int ow = 0;
    for (; ow + 4 <= j->w; ow += 4) tile(j, xp, y, ob, oh, ow, NO, 4);
    for (; ow + 2 <= j->w; ow += 2) tile(j, xp, y, ob, oh, ow, NO, 2);
    for (; ow < j->w; ow++) tile(j, xp, y, ob, oh, ow, NO, 1);
}

// Output blocks ob, ob+1 of row oh, or ob alone when it is the last.
static DIRECT_TARGET void row(const direct_job *j, const float *xp, float *y, int ob, int oh) {
    if (ob + 1 < j->cob)
        row_tiles(j, xp, y, ob, oh, 2);
    else
        row_tiles(j, xp, y, ob, oh, 1);
}

// x (cib, h, w, 8) into xp (cib, h+2, w+2, 8) with a zero border.
static void pad_image(const direct_job *j, const float *x, float *xp) {
    const int wpad = j->w + 2, hpad = j->h + 2;
    for (int ib = 0; ib < j->cib; ib++) {
        float *p = xp + (size_t)ib * hpad * wpad * 8;
        memset(p, 0, sizeof(float) * wpad * 8);
        for (int h = 0; h < j->h; h++) {
            float *r = p + (size_t)(h + 1) * wpad * 8;
            memset(r, 0, sizeof(float) * 8);
            memcpy(r + 8, x + ((size_t)ib * j->h + h) * j->w * 8, sizeof(float) * j->w * 8);
            memset(r + (size_t)(j->w + 1) * 8, 0, sizeof(float) * 8);
        }
        memset(p + (size_t)(hpad - 1) * wpad * 8, 0, sizeof(float) * wpad * 8);
    }
}

// Work items: (image, group of output blocks: pairs, and a single last block when cob is odd),
// image-major, so a thread's consecutive items mostly share the padded image it holds.
static void run_job(const direct_job *j, const float *x, float *y, float *pad, size_t pad_floats) {
    const int groups = (j->cob + 1) / 2;
    const int64_t items = (int64_t)j->n * groups;
    const size_t xstride = (size_t)j->cib * j->h * j->w * 8,
                 ystride = (size_t)j->cob * j->h * j->w * 8;
#pragma omp parallel
    {
        float *xp = pad + (size_t)omp_get_thread_num() * pad_floats;
        int64_t have = -1; // image now in xp
#pragma omp for schedule(static)
        for (int64_t it = 0; it < items; it++) {
            int64_t img = it / groups;
            int ob = (int)(it % groups) * 2;
            if (img != have) pad_image(j, x + img * xstride, xp), have = img;
            float *yi = y + img * ystride;
            for (int oh = 0; oh < j->h; oh++) row(j, xp, yi, ob, oh);
        }
    }
}

// wp (cout/8, cin/8, 3, 3, 8 in, 8 out) from w (cout, cin, 3, 3).
static void pack_weights(const float *w, int co, int ci, float *wp) {
    const int cob = co / 8, cib = ci / 8;
#pragma omp parallel for collapse(2) schedule(static)
    for (int ob = 0; ob < cob; ob++)
        for (int ib = 0; ib < cib; ib++)
            for (int k = 0; k < 9; k++)
                for (int il = 0; il < 8; il++)
                    for (int ol = 0; ol < 8; ol++)
                        wp[((((size_t)ob * cib + ib) * 9 + k) * 8 + il) * 8 + ol] =
                            w[((size_t)(ob * 8 + ol) * ci + ib * 8 + il) * 9 + k];
}

int conv_direct_forward(conv_direct_ws *ws, const nn_conv_geom *g, const float *x, const float *w,
                        const float *b, int relu, float *y) {
    direct_job j = {.n = g->n,
                    .cib = g->cin / 8,
                    .cob = g->cout / 8,
                    .h = g->h,
                    .w = g->w,
                    .b = b,
                    .relu = relu};
    size_t pad_floats = (size_t)j.cib * (g->h + 2) * (g->w + 2) * 8;
    pad_floats = (pad_floats + 15) & ~(size_t)15; // each thread's image on its own 64 bytes
    const char *what = "direct convolution workspace";
    INV_TRY(inv_aligned_grow(&ws->wpack, &ws->wpack_size,
                             sizeof(float) * (size_t)g->cout * g->cin * 9, what));
    INV_TRY(inv_aligned_grow(&ws->pad, &ws->pad_size,
                             sizeof(float) * pad_floats * omp_get_max_threads(), what));
    pack_weights(w, g->cout, g->cin, ws->wpack);
    j.wp = ws->wpack;
    run_job(&j, x, y, ws->pad, pad_floats);
    return INV_OK;
}

#else

int conv_direct_forward(conv_direct_ws *ws, const nn_conv_geom *g, const float *x, const float *w,
                        const float *b, int relu, float *y) {
    (void)ws, (void)g, (void)x, (void)w, (void)b, (void)relu, (void)y;
    return inv_fail(INV_EUNSUPPORTED, "direct convolution: x86 (AVX2) only");
}

#endif
