// mlp_head.c: the Linear-ReLU-Linear projection head (forward, backward, default init) over
// the backend's linear and ReLU operations.
#include "nn/mlp_head.h"

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

#include <math.h>
#include <string.h>

int mlp_head_init(mlp_head *h, int in, int hidden, int out, nn_backend *be) {
    memset(h, 0, sizeof *h);
    if (in < 1 || hidden < 1 || out < 1)
        return inv_fail(INV_EINVAL, "MLP head: sizes %d -> %d -> %d must be positive", in, hidden,
                        out);
    h->in = in, h->hidden = hidden, h->out = out, h->be = be;
    params_init(&h->params);
    int64_t w0[2] = {hidden, in}, b0[1] = {hidden}, w2[2] = {out, hidden}, b2[1] = {out};
    INV_TRY(params_add(&h->params, "fc.0.weight", PARAM_TRAINABLE, 2, w0, &h->p_w0));
    INV_TRY(params_add(&h->params, "fc.0.bias", PARAM_TRAINABLE, 1, b0, &h->p_b0));
    INV_TRY(params_add(&h->params, "fc.2.weight", PARAM_TRAINABLE, 2, w2, &h->p_w2));
    INV_TRY(params_add(&h->params, "fc.2.bias", PARAM_TRAINABLE, 1, b2, &h->p_b2));
    INV_TRY(params_finalize(&h->params));
    mlp_head_init_random(h, 0);
    return INV_OK;
}

void mlp_head_free(mlp_head *h) {
    params_free(&h->params);
    inv_aligned_free(h->a);
    inv_aligned_free(h->y);
    inv_aligned_free(h->ga);
    memset(h, 0, sizeof *h);
}

void mlp_head_init_random(mlp_head *h, uint64_t seed) {
    for (int i = 0; i < h->params.count; i++) {
        const nn_param_info *t = &h->params.info[i];
        int fan_in = (i < 2) ? h->in : h->hidden;
        double bound = 1.0 / sqrt((double)fan_in);
        rng_stream rs;
        rng_stream_init(&rs, seed, RNG_PURPOSE_INIT, 1, (uint32_t)i, 0);
        float *d = params_data(&h->params, i);
        for (int64_t j = 0; j < t->numel; j++) d[j] = (float)rng_uniform_range(&rs, -bound, bound);
    }
}

static int ensure(mlp_head *h, int n) {
    if (n <= h->cap) return INV_OK;
    inv_aligned_free(h->a);
    inv_aligned_free(h->y);
    inv_aligned_free(h->ga);
    size_t hb = sizeof(float) * (size_t)n * h->hidden, ob = sizeof(float) * (size_t)n * h->out;
    h->a = inv_aligned_alloc(hb);
    h->ga = inv_aligned_alloc(hb);
    h->y = inv_aligned_alloc(ob);
    h->cap = 0;
    if (!h->a || !h->ga || !h->y)
        return inv_fail(INV_ENOMEM, "MLP head: out of memory for %d rows", n);
    h->cap = n;
    return INV_OK;
}

int mlp_head_forward(mlp_head *h, const float *x, int n, const float **y) {
    INV_TRY(ensure(h, n));
    nn_backend *be = h->be;
    nn_params *p = &h->params;
    be->linear_forward(be, n, h->in, h->hidden, x, params_data(p, h->p_w0), params_data(p, h->p_b0),
                       h->a);
    be->relu_forward(be, (int64_t)n * h->hidden, h->a, h->a);
    be->linear_forward(be, n, h->hidden, h->out, h->a, params_data(p, h->p_w2),
                       params_data(p, h->p_b2), h->y);
    h->x = x, h->n = n;
    *y = h->y;
    return INV_OK;
}

int mlp_head_backward(mlp_head *h, const float *gy, float *gx) {
    if (!h->x) return inv_fail(INV_EINVAL, "MLP head: backward before forward");
    nn_backend *be = h->be;
    nn_params *p = &h->params;
    int n = h->n;
    be->linear_backward(be, n, h->hidden, h->out, h->a, params_data(p, h->p_w2), gy, h->ga,
                        params_grad(p, h->p_w2), params_grad(p, h->p_b2));
    be->relu_backward(be, (int64_t)n * h->hidden, h->a, h->ga, h->ga);
    be->linear_backward(be, n, h->in, h->hidden, h->x, params_data(p, h->p_w0), h->ga, gx,
                        params_grad(p, h->p_w0), params_grad(p, h->p_b0));
    return INV_OK;
}
