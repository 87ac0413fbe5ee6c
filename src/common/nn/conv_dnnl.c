// conv_dnnl.c: oneDNN convolutions behind the backend interface. Tensors stay NCHW for the
// callers (or channel-blocked, see below); like PyTorch's mkldnn path, each primitive is created
// with "any" layouts so that oneDNN picks its blocked formats, and inputs/outputs are reordered to
// and from them in shared workspaces. Primitives and reorders are cached per (operation, geometry,
// bias, ReLU). Activations use the backend's channel-blocked layout where the channel count allows,
// which is the layout the kernels want, so in practice only weights and the network input reorder.
// Two 3x3 stride-1 forwards take other routes that are faster here: images up to 4x4 the direct
// kernel of conv_direct.c, larger training forwards oneDNN's backward-data primitive. On AVX-512,
// wider 3x3 stride-1 training passes use oneDNN's Winograd kernels instead (wants_winograd).
#include "nn/conv_dnnl.h"

#ifdef INVAR_HAVE_DNNL

#include "nn/conv_direct.h"

#include "core/error.h"
#include "core/tensor.h"

#include <oneapi/dnnl/dnnl.h>
#include <stdlib.h>
#include <string.h>

enum { OP_FWD = 0, OP_BWD_DATA = 1, OP_BWD_WEIGHTS = 2 };
enum { NSLOT = 3 };

// One argument of a primitive: the user's plain layout, the primitive's, and a reorder between
// them (NULL when equal); `out` arguments are reordered back after execution.
typedef struct {
    int arg, out;
    dnnl_memory_desc_t user, prim;
    dnnl_primitive_t reorder;
    size_t bytes;
} conv_slot;

typedef struct {
    int op;
    nn_conv_geom g;
    int bias, relu;
    dnnl_alg_kind_t alg; // dnnl_convolution_direct or dnnl_convolution_winograd
    dnnl_primitive_t prim;
    conv_slot slot[NSLOT];
    int bias_arg; // DNNL_ARG_BIAS / DNNL_ARG_DIFF_BIAS or 0
    dnnl_memory_desc_t bias_md;
    dnnl_memory_desc_t scratch_md; // the primitive's scratchpad, in the shared buffer
    size_t scratch_bytes;
} conv_entry;

typedef struct {
    void (*plain_destroy)(nn_backend *);
    int block; // activation channel block (be->act_block)
    dnnl_engine_t engine;
    dnnl_stream_t stream;
    conv_entry *entries;
    int n, cap;
    void *ws[NSLOT];
    size_t ws_size[NSLOT];
    float *acc; // for accumulate in backward data
    size_t acc_size;
    // One scratchpad for every primitive (user mode): oneDNN's own (library mode) is freed
    // after each execution and allocated, page-faulted and zeroed again at the next one.
    void *scratch;
    size_t scratch_size;
    conv_direct_ws direct; // small-image 3x3 stride-1 forward (conv_direct.h)
    int fwd_as_bwd;        // training forwards of 3x3 stride-1 convs through backward data
    int winograd;          // oneDNN's Winograd kernels where they are faster (AVX-512 only)
    void *wflip;           // their flipped, transposed weights (float)
    size_t wflip_size;
} dnnl_state;

#define DNNL_TRY(call)                                                                             \
    do {                                                                                           \
        dnnl_status_t st_ = (call);                                                                \
        if (st_ != dnnl_success)                                                                   \
            return inv_fail(INV_EUNSUPPORTED, "oneDNN: %s failed (status %d)", #call, (int)st_);   \
    } while (0)

static int same_geom(const nn_conv_geom *a, const nn_conv_geom *b) {
    return a->n == b->n && a->cin == b->cin && a->h == b->h && a->w == b->w && a->cout == b->cout &&
           a->k == b->k && a->stride == b->stride && a->pad == b->pad;
}

static int grow(void **buf, size_t *size, size_t need) {
    return inv_aligned_grow(buf, size, need, "oneDNN workspace");
}

static int init_slot(dnnl_state *s, conv_slot *sl, int arg, int out, const dnnl_memory_desc_t *user,
                     const_dnnl_primitive_desc_t pd, dnnl_query_t q) {
    sl->arg = arg;
    sl->out = out;
    sl->user = *user;
    sl->prim = *dnnl_primitive_desc_query_md(pd, q, 0);
    sl->reorder = NULL;
    sl->bytes = dnnl_memory_desc_get_size(&sl->prim);
    if (!dnnl_memory_desc_equal(&sl->user, &sl->prim)) {
        dnnl_primitive_desc_t rpd;
        const dnnl_memory_desc_t *from = out ? &sl->prim : &sl->user,
                                 *to = out ? &sl->user : &sl->prim;
        DNNL_TRY(dnnl_reorder_primitive_desc_create(&rpd, from, s->engine, to, s->engine, NULL));
        dnnl_status_t st = dnnl_primitive_create(&sl->reorder, rpd);
        dnnl_primitive_desc_destroy(rpd);
        DNNL_TRY(st);
    }
    return INV_OK;
}

// The layout activations with c channels have in this backend (nn_act_block).
static dnnl_format_tag_t act_tag(const dnnl_state *s, int c) {
    if (s->block == 16 && c % 16 == 0) return dnnl_aBcd16b;
    if (s->block == 8 && c % 8 == 0) return dnnl_aBcd8b;
    return dnnl_nchw;
}

static int create_entry(dnnl_state *s, conv_entry *e) {
    const nn_conv_geom *g = &e->g;
    dnnl_dims_t xd = {g->n, g->cin, g->h, g->w}, wd = {g->cout, g->cin, g->k, g->k};
    dnnl_dims_t yd = {g->n, g->cout, g->ho, g->wo}, bd = {g->cout};
    dnnl_dims_t strides = {g->stride, g->stride}, pl = {g->pad, g->pad};
    // right padding so that the output size matches floor division
    dnnl_dims_t pr = {(g->ho - 1) * g->stride + g->k - g->h - g->pad,
                      (g->wo - 1) * g->stride + g->k - g->w - g->pad};
    dnnl_memory_desc_t x_user, w_user, y_user, x_any, w_any, y_any, b_md;
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&x_user, 4, xd, dnnl_f32, act_tag(s, g->cin)));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&w_user, 4, wd, dnnl_f32, dnnl_oihw));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&y_user, 4, yd, dnnl_f32, act_tag(s, g->cout)));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&x_any, 4, xd, dnnl_f32, dnnl_format_tag_any));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&w_any, 4, wd, dnnl_f32, dnnl_format_tag_any));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&y_any, 4, yd, dnnl_f32, dnnl_format_tag_any));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_a));
    e->bias_md = b_md;
    // forward descriptor (also the hint for the backward ones)
    dnnl_convolution_desc_t fd;
    // the eval path (folded bias, fused ReLU) is inference; everything else trains
    dnnl_prop_kind_t prop =
        e->op == OP_FWD && (e->bias || e->relu) ? dnnl_forward_inference : dnnl_forward_training;
    DNNL_TRY(dnnl_convolution_forward_desc_init(&fd, prop, e->alg, &x_any, &w_any,
                                                e->bias ? &b_md : NULL, &y_any, strides, pl, pr));
    dnnl_primitive_attr_t attr = NULL;
    DNNL_TRY(dnnl_primitive_attr_create(&attr));
    DNNL_TRY(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user));
    if (e->op == OP_FWD && e->relu) {
        dnnl_post_ops_t po;
        DNNL_TRY(dnnl_post_ops_create(&po));
        DNNL_TRY(dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f));
        DNNL_TRY(dnnl_primitive_attr_set_post_ops(attr, po));
        dnnl_post_ops_destroy(po);
    }
    dnnl_primitive_desc_t fpd = NULL, pd = NULL;
    dnnl_status_t st = dnnl_primitive_desc_create(&fpd, &fd, attr, s->engine, NULL);
    if (st != dnnl_success) {
        dnnl_primitive_attr_destroy(attr);
        DNNL_TRY(st);
    }
    int rc = INV_OK;
    if (e->op == OP_FWD) {
        pd = fpd;
        fpd = NULL;
        if ((rc = init_slot(s, &e->slot[0], DNNL_ARG_SRC, 0, &x_user, pd, dnnl_query_src_md)) ||
            (rc = init_slot(s, &e->slot[1], DNNL_ARG_WEIGHTS, 0, &w_user, pd,
                            dnnl_query_weights_md)) ||
            (rc = init_slot(s, &e->slot[2], DNNL_ARG_DST, 1, &y_user, pd, dnnl_query_dst_md)))
            goto done;
        e->bias_arg = e->bias ? DNNL_ARG_BIAS : 0;
    } else if (e->op == OP_BWD_DATA) {
        dnnl_convolution_desc_t bd_;
        DNNL_TRY(dnnl_convolution_backward_data_desc_init(&bd_, e->alg, &x_any, &w_any, &y_any,
                                                          strides, pl, pr));
        st = dnnl_primitive_desc_create(&pd, &bd_, attr, s->engine, fpd);
        if (st != dnnl_success) {
            rc =
                inv_fail(INV_EUNSUPPORTED, "oneDNN: backward-data descriptor (status %d)", (int)st);
            goto done;
        }
        if ((rc = init_slot(s, &e->slot[0], DNNL_ARG_DIFF_DST, 0, &y_user, pd,
                            dnnl_query_diff_dst_md)) ||
            (rc = init_slot(s, &e->slot[1], DNNL_ARG_WEIGHTS, 0, &w_user, pd,
                            dnnl_query_weights_md)) ||
            (rc = init_slot(s, &e->slot[2], DNNL_ARG_DIFF_SRC, 1, &x_user, pd,
                            dnnl_query_diff_src_md)))
            goto done;
    } else {
        dnnl_convolution_desc_t bw;
        DNNL_TRY(dnnl_convolution_backward_weights_desc_init(
            &bw, e->alg, &x_any, &w_any, e->bias ? &b_md : NULL, &y_any, strides, pl, pr));
        st = dnnl_primitive_desc_create(&pd, &bw, attr, s->engine, fpd);
        if (st != dnnl_success) {
            rc = inv_fail(INV_EUNSUPPORTED, "oneDNN: backward-weights descriptor (status %d)",
                          (int)st);
            goto done;
        }
        if ((rc = init_slot(s, &e->slot[0], DNNL_ARG_SRC, 0, &x_user, pd, dnnl_query_src_md)) ||
            (rc = init_slot(s, &e->slot[1], DNNL_ARG_DIFF_DST, 0, &y_user, pd,
                            dnnl_query_diff_dst_md)) ||
            (rc = init_slot(s, &e->slot[2], DNNL_ARG_DIFF_WEIGHTS, 1, &w_user, pd,
                            dnnl_query_diff_weights_md)))
            goto done;
        e->bias_arg = e->bias ? DNNL_ARG_DIFF_BIAS : 0;
    }
    e->scratch_md = *dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    e->scratch_bytes = dnnl_memory_desc_get_size(&e->scratch_md);
    st = dnnl_primitive_create(&e->prim, pd);
    if (st != dnnl_success)
        rc = inv_fail(INV_EUNSUPPORTED, "oneDNN: primitive (status %d)", (int)st);
done:
    dnnl_primitive_attr_destroy(attr);
    if (fpd) dnnl_primitive_desc_destroy(fpd);
    if (pd) dnnl_primitive_desc_destroy(pd);
    return rc;
}

// oneDNN 2.6 has Winograd F(4x4, 3x3) kernels for 3x3 stride-1 convolutions on AVX-512 only
// (jit_wino_4x3). On this project's ResNet shapes they are 1.1-2.9x faster than its direct
// kernels in forward and backward data from 32 channels up (1.6-2.9x from 64), and in backward
// weights from 64 up; they are slower on 16 channels, in backward weights at 32 and on 2x2
// images (tests/bench/conv_winograd.sh prints both ways).
// Training only: the eval path (folded bias, fused ReLU) stays direct, so features do not
// change. Outputs differ from the direct kernels' by rounding (relative ~1e-6).
static int wants_winograd(const dnnl_state *s, int op, const nn_conv_geom *g, int bias, int relu) {
    int cmin = g->cin < g->cout ? g->cin : g->cout;
    return s->winograd && s->block == 16 && !bias && !relu && g->k == 3 && g->stride == 1 &&
           g->pad == 1 && g->ho == g->h && g->wo == g->w && g->h >= 4 && g->w >= 4 &&
           g->cin % 16 == 0 && g->cout % 16 == 0 && cmin >= (op == OP_BWD_WEIGHTS ? 64 : 32);
}

static void entry_destroy(conv_entry *e) {
    if (e->prim) dnnl_primitive_destroy(e->prim);
    for (int i = 0; i < NSLOT; i++)
        if (e->slot[i].reorder) dnnl_primitive_destroy(e->slot[i].reorder);
    memset(e, 0, sizeof *e);
}

static int lookup(dnnl_state *s, int op, const nn_conv_geom *g, int bias, int relu,
                  conv_entry **out) {
    for (int i = 0; i < s->n; i++) {
        conv_entry *e = &s->entries[i];
        if (e->op == op && e->bias == bias && e->relu == relu && same_geom(&e->g, g)) {
            *out = e;
            return INV_OK;
        }
    }
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 64;
        conv_entry *ne = realloc(s->entries, sizeof *ne * cap);
        INV_CHECK_ALLOC(ne, sizeof *ne * cap, "oneDNN primitive cache");
        s->entries = ne;
        s->cap = cap;
    }
    conv_entry *e = &s->entries[s->n];
    memset(e, 0, sizeof *e);
    e->op = op, e->g = *g, e->bias = bias, e->relu = relu;
    e->alg =
        wants_winograd(s, op, g, bias, relu) ? dnnl_convolution_winograd : dnnl_convolution_direct;
    int rc = create_entry(s, e);
    if (rc && e->alg == dnnl_convolution_winograd) { // not offered for this shape: direct
        entry_destroy(e);
        e->op = op, e->g = *g, e->bias = bias, e->relu = relu;
        e->alg = dnnl_convolution_direct;
        rc = create_entry(s, e);
    }
    if (rc) {
        entry_destroy(e);
        return rc;
    }
    s->n++;
    *out = e;
    return INV_OK;
}

static int mem(dnnl_state *s, const dnnl_memory_desc_t *md, void *ptr, dnnl_memory_t *m) {
    DNNL_TRY(dnnl_memory_create(m, md, s->engine, ptr));
    return INV_OK;
}

// Runs a reorder from `src` (desc a) to `dst` (desc b).
static int run_reorder(dnnl_state *s, dnnl_primitive_t r, const dnnl_memory_desc_t *a, void *src,
                       const dnnl_memory_desc_t *b, void *dst) {
    dnnl_memory_t ma = NULL, mb = NULL;
    int rc = mem(s, a, src, &ma);
    if (!rc) rc = mem(s, b, dst, &mb);
    if (!rc) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, ma}, {DNNL_ARG_TO, mb}};
        dnnl_status_t st = dnnl_primitive_execute(r, s->stream, 2, args);
        if (st == dnnl_success) st = dnnl_stream_wait(s->stream);
        if (st != dnnl_success)
            rc = inv_fail(INV_EUNSUPPORTED, "oneDNN: reorder (status %d)", (int)st);
    }
    if (ma) dnnl_memory_destroy(ma);
    if (mb) dnnl_memory_destroy(mb);
    return rc;
}

// Executes entry e on user buffers ptr[slot] (and bias); reorders around the call.
static int execute(dnnl_state *s, conv_entry *e, void *ptr[NSLOT], void *bias) {
    void *pp[NSLOT];
    for (int i = 0; i < NSLOT; i++) {
        conv_slot *sl = &e->slot[i];
        pp[i] = ptr[i];
        if (sl->reorder) {
            INV_TRY(grow(&s->ws[i], &s->ws_size[i], sl->bytes));
            pp[i] = s->ws[i];
            if (!sl->out) INV_TRY(run_reorder(s, sl->reorder, &sl->user, ptr[i], &sl->prim, pp[i]));
        }
    }
    if (e->scratch_bytes) INV_TRY(grow(&s->scratch, &s->scratch_size, e->scratch_bytes));
    dnnl_memory_t m[NSLOT + 2] = {0};
    dnnl_exec_arg_t args[NSLOT + 2];
    int nargs = 0, rc = INV_OK;
    for (int i = 0; i < NSLOT && !rc; i++) {
        rc = mem(s, &e->slot[i].prim, pp[i], &m[i]);
        args[nargs++] = (dnnl_exec_arg_t){e->slot[i].arg, m[i]};
    }
    if (!rc && e->bias_arg) {
        rc = mem(s, &e->bias_md, bias, &m[NSLOT]);
        args[nargs++] = (dnnl_exec_arg_t){e->bias_arg, m[NSLOT]};
    }
    if (!rc && e->scratch_bytes) {
        rc = mem(s, &e->scratch_md, s->scratch, &m[NSLOT + 1]);
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, m[NSLOT + 1]};
    }
    if (!rc) {
        dnnl_status_t st = dnnl_primitive_execute(e->prim, s->stream, nargs, args);
        if (st == dnnl_success) st = dnnl_stream_wait(s->stream);
        if (st != dnnl_success)
            rc = inv_fail(INV_EUNSUPPORTED, "oneDNN: convolution (status %d)", (int)st);
    }
    for (int i = 0; i < NSLOT + 2; i++)
        if (m[i]) dnnl_memory_destroy(m[i]);
    for (int i = 0; i < NSLOT && !rc; i++) {
        conv_slot *sl = &e->slot[i];
        if (sl->reorder && sl->out)
            rc = run_reorder(s, sl->reorder, &sl->prim, pp[i], &sl->user, ptr[i]);
    }
    return rc;
}

// A 3x3 stride-1 pad-1 convolution y = conv(x, w) is the backward data of the convolution from
// cout to cin channels with weights w'[i][o][a][b] = w[o][i][2-a][2-b], fed x as its output
// gradient; oneDNN 2.6's AVX2 backward-data kernel is 1.0-1.3x faster than its forward on
// ResNet's 3x3 layers (tests/bench/conv_direct.sh prints both), so training forwards (no bias, no
// fused ReLU) of such convolutions on blocked activations run that way, except where the Winograd
// forward is used.
static int fits_fwd_as_bwd(const dnnl_state *s, const nn_conv_geom *g, const float *b, int relu) {
    return s->fwd_as_bwd && !b && !relu && !wants_winograd(s, OP_FWD, g, 0, 0) && g->k == 3 &&
           g->stride == 1 && g->pad == 1 && g->ho == g->h && g->wo == g->w &&
           act_tag(s, g->cin) != dnnl_nchw && act_tag(s, g->cout) != dnnl_nchw;
}

static int forward_as_backward_data(dnnl_state *s, const nn_conv_geom *g, const float *x,
                                    const float *w, float *y) {
    nn_conv_geom gt = *g; // the transposed convolution: cout -> cin channels
    gt.cin = g->cout, gt.cout = g->cin;
    size_t nw = (size_t)g->cout * g->cin * 9;
    INV_TRY(grow(&s->wflip, &s->wflip_size, sizeof(float) * nw));
    float *wt = s->wflip;
    const int ci = g->cin, co = g->cout;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < ci; i++)
        for (int o = 0; o < co; o++)
            for (int k = 0; k < 9; k++)
                wt[((size_t)i * co + o) * 9 + k] = w[((size_t)o * ci + i) * 9 + 8 - k];
    conv_entry *e;
    INV_TRY(lookup(s, OP_BWD_DATA, &gt, 0, 0, &e));
    void *ptr[NSLOT] = {(void *)x, wt, y}; // diff_dst = x, weights, diff_src = y
    return execute(s, e, ptr, NULL);
}

static int dnnl_conv_forward(nn_backend *be, const nn_conv_geom *g, const float *x, const float *w,
                             const float *b, int relu, float *y) {
    dnnl_state *s = be->state;
    if (conv_direct_fits(g, s->block)) return conv_direct_forward(&s->direct, g, x, w, b, relu, y);
    if (fits_fwd_as_bwd(s, g, b, relu)) return forward_as_backward_data(s, g, x, w, y);
    conv_entry *e;
    INV_TRY(lookup(s, OP_FWD, g, b != NULL, relu, &e));
    void *ptr[NSLOT] = {(void *)x, (void *)w, y};
    return execute(s, e, ptr, (void *)b);
}

static int dnnl_conv_backward_data(nn_backend *be, const nn_conv_geom *g, const float *gy,
                                   const float *w, float *gx, int accumulate) {
    dnnl_state *s = be->state;
    conv_entry *e;
    INV_TRY(lookup(s, OP_BWD_DATA, g, 0, 0, &e));
    size_t count = (size_t)g->n * g->cin * g->h * g->w;
    float *dst = gx;
    if (accumulate) {
        INV_TRY(grow((void **)&s->acc, &s->acc_size, sizeof(float) * count));
        dst = s->acc;
    }
    void *ptr[NSLOT] = {(void *)gy, (void *)w, dst};
    INV_TRY(execute(s, e, ptr, NULL));
    if (accumulate) be->add(be, (int64_t)count, gx, dst, 0, gx);
    return INV_OK;
}

static int dnnl_conv_backward_weights(nn_backend *be, const nn_conv_geom *g, const float *x,
                                      const float *gy, float *gw, float *gb) {
    dnnl_state *s = be->state;
    conv_entry *e;
    INV_TRY(lookup(s, OP_BWD_WEIGHTS, g, gb != NULL, 0, &e));
    void *ptr[NSLOT] = {(void *)x, (void *)gy, gw};
    return execute(s, e, ptr, gb);
}

static void dnnl_destroy(nn_backend *be) {
    dnnl_state *s = be->state;
    if (s) {
        for (int i = 0; i < s->n; i++) entry_destroy(&s->entries[i]);
        free(s->entries);
        for (int i = 0; i < NSLOT; i++) inv_aligned_free(s->ws[i]);
        inv_aligned_free(s->acc);
        inv_aligned_free(s->scratch);
        conv_direct_ws_free(&s->direct);
        inv_aligned_free(s->wflip);
        if (s->stream) dnnl_stream_destroy(s->stream);
        if (s->engine) dnnl_engine_destroy(s->engine);
        void (*plain)(nn_backend *) = s->plain_destroy;
        free(s);
        be->state = NULL;
        if (plain) plain(be);
    }
}

int conv_dnnl_attach(nn_backend *be) {
    dnnl_state *s = calloc(1, sizeof *s);
    INV_CHECK_ALLOC(s, sizeof *s, "oneDNN state");
    if (dnnl_engine_create(&s->engine, dnnl_cpu, 0) != dnnl_success ||
        dnnl_stream_create(&s->stream, s->engine, dnnl_stream_default_flags) != dnnl_success) {
        if (s->engine) dnnl_engine_destroy(s->engine);
        free(s);
        return inv_fail(INV_EUNSUPPORTED, "oneDNN: cannot create a CPU engine");
    }
    // Activations between layers stay in the blocked layout oneDNN's kernels use on this CPU
    // (nChw16c with AVX-512, nChw8c with AVX2), so no reorders are needed around convolutions.
    dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
    s->block = ((int)isa & (int)dnnl_cpu_isa_avx512_core) == (int)dnnl_cpu_isa_avx512_core ? 16
               : ((int)isa & (int)dnnl_cpu_isa_avx2) == (int)dnnl_cpu_isa_avx2             ? 8
                                                                                           : 1;
    const char *env = getenv("INVAR_DNNL_BLOCK"); // 1: plain NCHW activations (comparisons)
    if (env && (atoi(env) == 1 || atoi(env) == 8 || atoi(env) == 16)) s->block = atoi(env);
    // INVAR_CONV_FWD_AS_BWD=0: every forward through oneDNN's forward primitive (comparisons)
    env = getenv("INVAR_CONV_FWD_AS_BWD");
    s->fwd_as_bwd = !(env && strcmp(env, "0") == 0);
    // INVAR_CONV_WINOGRAD=0: direct kernels only (comparisons, or sums in the direct order)
    env = getenv("INVAR_CONV_WINOGRAD");
    s->winograd = !(env && strcmp(env, "0") == 0);
    be->act_block = s->block;
    s->plain_destroy = be->destroy;
    be->state = s;
    be->destroy = dnnl_destroy;
    be->conv_forward = dnnl_conv_forward;
    be->conv_backward_data = dnnl_conv_backward_data;
    be->conv_backward_weights = dnnl_conv_backward_weights;
    return INV_OK;
}

#endif
