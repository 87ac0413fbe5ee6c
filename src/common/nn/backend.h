// backend.h: the layer operations the model code calls, as a table of function pointers, so
// that the plain reference (im2col + BLAS), the fast CPU path (oneDNN) and a later CUDA path
// are interchangeable without changing callers. All tensors are NCHW float32, contiguous.
#ifndef INVAR_NN_BACKEND_H
#define INVAR_NN_BACKEND_H

#include <stdint.h>

// Geometry of one convolution: input (n, cin, h, w), weight (cout, cin, k, k), output
// (n, cout, ho, wo) with ho = (h + 2 pad - k) / stride + 1.
typedef struct {
    int n, cin, h, w;
    int cout, k, stride, pad;
    int ho, wo;
} nn_conv_geom;

// Fills ho/wo; INV_EINVAL (with a message) when the geometry is empty or invalid.
int nn_conv_geom_init(nn_conv_geom *g, int n, int cin, int h, int w, int cout, int k, int stride,
                      int pad);

// Geometry of a max pool (window k, stride, pad); output (n, c, ho, wo).
typedef struct {
    int n, c, h, w;
    int k, stride, pad;
    int ho, wo;
} nn_pool_geom;

int nn_pool_geom_init(nn_pool_geom *g, int n, int c, int h, int w, int k, int stride, int pad);

typedef struct nn_backend nn_backend;

struct nn_backend {
    const char *name; // "reference" or "cpu"
    void *state;      // backend-private (primitive caches ...)
    // Activation layout: 1 = NCHW; B > 1 = channel-blocked (oneDNN's nChw16c for B = 16): an
    // activation of c channels with c % B == 0 is stored as (n, c / B, h, w, B). Tensors the
    // callers see (network input, pooled features, weights) are always plain; see nn_act_block.
    int act_block;

    // y (n, cout, ho, wo) = conv(x (n, cin, h, w), w (cout, cin, k, k)) + b (cout) (b may be
    // NULL); relu != 0 applies max(0, .) to the result.
    int (*conv_forward)(nn_backend *be, const nn_conv_geom *g, const float *x, const float *w,
                        const float *b, int relu, float *y);
    // gx (n, cin, h, w) = d loss / d x from gy (n, cout, ho, wo); accumulate != 0 adds to gx.
    int (*conv_backward_data)(nn_backend *be, const nn_conv_geom *g, const float *gy,
                              const float *w, float *gx, int accumulate);
    // gw (cout, cin, k, k) and gb (cout, may be NULL) from x and gy; both are overwritten.
    int (*conv_backward_weights)(nn_backend *be, const nn_conv_geom *g, const float *x,
                                 const float *gy, float *gw, float *gb);

    // Batch norm over (n, c, hw). Training: normalises with the batch mean and biased variance,
    // writes them (mean, var: (c)) and invstd = 1 / sqrt(var + eps). Eval: uses the given mean
    // and var (running statistics) and writes invstd. relu != 0 fuses max(0, .) into y.
    // Training only: res (n, c, hw), or NULL, is added before the ReLU (a residual block's last
    // BN fused with the shortcut's add and the block's ReLU: y = relu(bn(x) + res), the ReLU
    // then as add's). y may alias x.
    void (*bn_forward_train)(nn_backend *be, int n, int c, int hw, const float *x,
                             const float *gamma, const float *beta, const float *res, float eps,
                             int relu, float *y, float *mean, float *var, float *invstd);
    void (*bn_forward_eval)(nn_backend *be, int n, int c, int hw, const float *x,
                            const float *gamma, const float *beta, const float *mean,
                            const float *var, float eps, int relu, float *y, float *invstd);
    // Backward of batch norm (+ReLU when y != NULL: gy is masked where y <= 0). train != 0:
    // through the batch statistics; else the statistics are constants. gx may alias gy.
    // ggamma, gbeta: (c), overwritten.
    void (*bn_backward)(nn_backend *be, int n, int c, int hw, const float *x, const float *y,
                        const float *gy, const float *gamma, const float *mean, const float *invstd,
                        int train, float *gx, float *ggamma, float *gbeta);

    // Elementwise: y = max(0, x) (y may alias x); gx = gy where y > 0 else 0 (gx may alias gy).
    void (*relu_forward)(nn_backend *be, int64_t count, const float *x, float *y);
    void (*relu_backward)(nn_backend *be, int64_t count, const float *y, const float *gy,
                          float *gx);
    // y = x + r, then max(0, .) when relu != 0 (y may alias x).
    void (*add)(nn_backend *be, int64_t count, const float *x, const float *r, int relu, float *y);

    // Max pool (padding counts as -inf); argmax: (n, c, ho, wo) flat indices into the h*w plane.
    void (*maxpool_forward)(nn_backend *be, const nn_pool_geom *g, const float *x, float *y,
                            int32_t *argmax);
    void (*maxpool_backward)(nn_backend *be, const nn_pool_geom *g, const float *gy,
                             const int32_t *argmax, float *gx);
    // Global average pool: x (n, c, hw) -> y (n, c); backward spreads gy / hw.
    void (*avgpool_forward)(nn_backend *be, int n, int c, int hw, const float *x, float *y);
    void (*avgpool_backward)(nn_backend *be, int n, int c, int hw, const float *gy, float *gx);

    // Linear: y (n, out) = x (n, in) w^T (w: (out, in)) + b (out, may be NULL).
    void (*linear_forward)(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                           const float *b, float *y);
    // gx (n, in) (may be NULL), gw (out, in), gb (out, may be NULL): overwritten.
    void (*linear_backward)(nn_backend *be, int n, int in, int out, const float *x, const float *w,
                            const float *gy, float *gx, float *gw, float *gb);

    void (*destroy)(nn_backend *be);
};

// The block of an activation with c channels under be's layout (1: plain NCHW). be may be NULL.
int nn_act_block(const nn_backend *be, int c);
// Between the backend's layout and plain NCHW for an activation (n, c, hw); src != dst.
void nn_layout_to_plain(const nn_backend *be, int n, int c, int hw, const float *src, float *dst);
void nn_layout_from_plain(const nn_backend *be, int n, int c, int hw, const float *src, float *dst);

typedef enum { NN_BACKEND_REFERENCE = 0, NN_BACKEND_CPU = 1 } nn_backend_kind;

// Creates a backend. NN_BACKEND_CPU uses oneDNN for convolutions when the build has it
// (INVAR_HAVE_DNNL) and the reference code otherwise. Sets BLAS threads to the OpenMP count.
int nn_backend_create(nn_backend **be, nn_backend_kind kind);
// "reference" | "cpu"; INV_EINVAL for anything else.
int nn_backend_parse(const char *name, nn_backend_kind *kind);
void nn_backend_destroy(nn_backend *be);

#endif
