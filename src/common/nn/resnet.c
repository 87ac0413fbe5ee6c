// resnet.c: the ResNet graph: stem (conv1, bn1, relu, max-pool), four stages of basic or
// bottleneck blocks with projection shortcuts, global average pool and the optional fc head;
// forward in four modes and backward, through the backend's layer operations. Per-layer
// activations are allocated once per batch geometry; gradients flow through a small pool of
// reused scratch buffers.
#include "nn/resnet.h"

#include "nn/batchnorm.h"

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NSCRATCH = 5 };
static const float BN_EPS = 1e-5f, BN_MOMENTUM = 0.1f;

// One convolution followed by batch norm and (optionally) ReLU.
typedef struct {
    int cin, cout, k, stride, pad, relu;
    int p_w, p_gamma, p_beta, p_mean, p_var, p_count; // parameter indices
    nn_conv_geom g;                                   // under the current plan
    float *z;                                         // (n, cout, ho, wo) conv output
    float *a;                   // (n, cout, ho, wo) BN(+ReLU) output (block output for the last)
    float *mean, *var, *invstd; // (cout) statistics used by the last forward
    float *wfold, *bfold;       // eval: BN folded into the conv
} rn_unit;

typedef struct {
    rn_unit u[3];
    int nu;
    rn_unit down;
    int has_down;
    const float *in; // block input of the last training forward
    int cin, hin, win;
} rn_block;

struct resnet {
    resnet_config cfg;
    nn_backend *be;
    nn_params params;
    int feat_dim;
    rn_unit stem;
    rn_block *blocks;
    int nblocks;
    int p_fc_w, p_fc_b;
    // plan
    int n, h, w, planned, stored; // stored: per-unit buffers allocated for this plan
    nn_pool_geom pool;
    float *pool_out;
    int32_t *argmax;
    int feat_c, feat_h, feat_w; // last stage output geometry
    size_t max_act;             // floats of the largest activation (n c h w)
    float *scratch[NSCRATCH];
    float *feat, *logits, *gfeat;
    float *fold;  // eval folded weights and biases, all units
    float *stats; // (3 max cout) mean, var, invstd of the unit a no-grad forward is at
    size_t act_bytes;
    const float *input;
    int last_mode, have_forward;
    resnet_grad_ready_fn grad_ready;
    void *grad_ready_ctx;
};

int resnet_config_parse(resnet_config *cfg, const char *arch, const char *stem, int num_classes) {
    memset(cfg, 0, sizeof *cfg);
    if (strcmp(arch, "resnet18") == 0)
        cfg->depth = 18, cfg->width = 1;
    else if (strcmp(arch, "resnet50") == 0)
        cfg->depth = 50, cfg->width = 1;
    else if (strcmp(arch, "resnet50x3") == 0)
        cfg->depth = 50, cfg->width = 3;
    else
        return inv_fail(INV_EINVAL, "unknown architecture '%s' (resnet18, resnet50, resnet50x3)",
                        arch);
    if (stem == NULL || strcmp(stem, "standard") == 0)
        cfg->small_stem = 0;
    else if (strcmp(stem, "small") == 0)
        cfg->small_stem = 1;
    else
        return inv_fail(INV_EINVAL, "unknown stem '%s' (standard or small)", stem);
    if (num_classes < 0) return inv_fail(INV_EINVAL, "number of classes %d < 0", num_classes);
    cfg->num_classes = num_classes;
    return INV_OK;
}

int resnet_base_channels(const resnet_config *cfg) {
    double c = 64.0 * cfg->width;
    return isfinite(c) && c >= 0.5 && c < 1e6 ? (int)lround(c) : 0;
}

int resnet_config_scale_width(resnet_config *cfg, double w) {
    if (!isfinite(w) || w <= 0)
        return inv_fail(INV_EINVAL, "width %g: must be a positive number", w);
    double old = cfg->width;
    cfg->width *= w;
    if (resnet_base_channels(cfg) < 1) {
        cfg->width = old;
        return inv_fail(INV_EINVAL, "width %g: round(64 x %g) channels is not at least 1", w,
                        old * w);
    }
    return INV_OK;
}

static int add_bn(nn_params *p, const char *prefix, int c, rn_unit *u) {
    char name[NN_PARAM_NAME_MAX];
    int64_t shape[1] = {c};
    snprintf(name, sizeof name, "%s.weight", prefix);
    INV_TRY(params_add(p, name, PARAM_TRAINABLE, 1, shape, &u->p_gamma));
    snprintf(name, sizeof name, "%s.bias", prefix);
    INV_TRY(params_add(p, name, PARAM_TRAINABLE, 1, shape, &u->p_beta));
    snprintf(name, sizeof name, "%s.running_mean", prefix);
    INV_TRY(params_add(p, name, PARAM_BUFFER, 1, shape, &u->p_mean));
    snprintf(name, sizeof name, "%s.running_var", prefix);
    INV_TRY(params_add(p, name, PARAM_BUFFER, 1, shape, &u->p_var));
    snprintf(name, sizeof name, "%s.num_batches_tracked", prefix);
    return params_add(p, name, PARAM_COUNT, 0, NULL, &u->p_count);
}

// Declares conv `cname`.weight and BN `bname`.* for one unit.
static int add_unit(nn_params *p, rn_unit *u, const char *cname, const char *bname, int cin,
                    int cout, int k, int stride, int relu) {
    char name[NN_PARAM_NAME_MAX];
    memset(u, 0, sizeof *u);
    *u = (rn_unit){.cin = cin, .cout = cout, .k = k, .stride = stride, .pad = k / 2, .relu = relu};
    int64_t shape[4] = {cout, cin, k, k};
    snprintf(name, sizeof name, "%s.weight", cname);
    INV_TRY(params_add(p, name, PARAM_TRAINABLE, 4, shape, &u->p_w));
    return add_bn(p, bname, cout, u);
}

static int build(resnet *m) {
    nn_params *p = &m->params;
    int base = resnet_base_channels(&m->cfg), bottleneck = m->cfg.depth == 50;
    static const int counts18[4] = {2, 2, 2, 2}, counts50[4] = {3, 4, 6, 3};
    const int *counts = bottleneck ? counts50 : counts18;
    int expansion = bottleneck ? 4 : 1;
    int stem_c = base;
    if (m->cfg.small_stem)
        INV_TRY(add_unit(p, &m->stem, "conv1", "bn1", 3, stem_c, 3, 1, 1));
    else
        INV_TRY(add_unit(p, &m->stem, "conv1", "bn1", 3, stem_c, 7, 2, 1));
    m->nblocks = counts[0] + counts[1] + counts[2] + counts[3];
    m->blocks = calloc(m->nblocks, sizeof *m->blocks);
    INV_CHECK_ALLOC(m->blocks, sizeof *m->blocks * m->nblocks, "resnet blocks");
    int inplanes = stem_c, bi = 0;
    for (int s = 0; s < 4; s++) {
        int planes = base << s;
        for (int j = 0; j < counts[s]; j++, bi++) {
            rn_block *b = &m->blocks[bi];
            int stride = (s > 0 && j == 0) ? 2 : 1;
            char c[48], bn[48];
            for (int k = 0; k < (bottleneck ? 3 : 2); k++) {
                snprintf(c, sizeof c, "layer%d.%d.conv%d", s + 1, j, k + 1);
                snprintf(bn, sizeof bn, "layer%d.%d.bn%d", s + 1, j, k + 1);
                int cin, cout, ks, st, last = k == (bottleneck ? 2 : 1);
                if (bottleneck) {
                    cin = k == 0 ? inplanes : planes;
                    cout = k == 2 ? planes * expansion : planes;
                    ks = k == 1 ? 3 : 1;
                    st = k == 1 ? stride : 1;
                } else {
                    cin = k == 0 ? inplanes : planes;
                    cout = planes;
                    ks = 3;
                    st = k == 0 ? stride : 1;
                }
                INV_TRY(add_unit(p, &b->u[k], c, bn, cin, cout, ks, st, !last));
            }
            b->nu = bottleneck ? 3 : 2;
            if (stride != 1 || inplanes != planes * expansion) {
                snprintf(c, sizeof c, "layer%d.%d.downsample.0", s + 1, j);
                snprintf(bn, sizeof bn, "layer%d.%d.downsample.1", s + 1, j);
                INV_TRY(add_unit(p, &b->down, c, bn, inplanes, planes * expansion, 1, stride, 0));
                b->down.pad = 0;
                b->has_down = 1;
            }
            inplanes = planes * expansion;
        }
    }
    m->feat_dim = inplanes;
    m->p_fc_w = m->p_fc_b = -1;
    if (m->cfg.num_classes > 0) {
        int64_t ws[2] = {m->cfg.num_classes, inplanes}, bs[1] = {m->cfg.num_classes};
        INV_TRY(params_add(p, "fc.weight", PARAM_TRAINABLE, 2, ws, &m->p_fc_w));
        INV_TRY(params_add(p, "fc.bias", PARAM_TRAINABLE, 1, bs, &m->p_fc_b));
    }
    return params_finalize(p);
}

int resnet_create(resnet **out, const resnet_config *cfg, nn_backend *be) {
    *out = NULL;
    if ((cfg->depth != 18 && cfg->depth != 50) || resnet_base_channels(cfg) < 1 ||
        cfg->num_classes < 0)
        return inv_fail(INV_EINVAL, "resnet: unsupported configuration (depth %d, width %g)",
                        cfg->depth, cfg->width);
    resnet *m = calloc(1, sizeof *m);
    INV_CHECK_ALLOC(m, sizeof *m, "resnet");
    m->cfg = *cfg;
    m->be = be;
    params_init(&m->params);
    int rc = build(m);
    if (rc) {
        resnet_free(m);
        return rc;
    }
    resnet_init_random(m, 0);
    *out = m;
    return INV_OK;
}

static void unit_free_storage(rn_unit *u) {
    inv_aligned_free(u->z);
    inv_aligned_free(u->a);
    free(u->mean);
    u->z = u->a = u->mean = u->var = u->invstd = NULL;
}

static void free_plan(resnet *m) {
    unit_free_storage(&m->stem);
    for (int b = 0; b < m->nblocks; b++) {
        for (int k = 0; k < m->blocks[b].nu; k++) unit_free_storage(&m->blocks[b].u[k]);
        if (m->blocks[b].has_down) unit_free_storage(&m->blocks[b].down);
    }
    inv_aligned_free(m->pool_out);
    free(m->argmax);
    for (int i = 0; i < NSCRATCH; i++) inv_aligned_free(m->scratch[i]), m->scratch[i] = NULL;
    inv_aligned_free(m->feat);
    inv_aligned_free(m->logits);
    inv_aligned_free(m->gfeat);
    free(m->stats);
    m->pool_out = m->feat = m->logits = m->gfeat = m->stats = NULL;
    m->argmax = NULL;
    m->planned = m->stored = 0;
    m->act_bytes = 0;
    m->have_forward = 0;
}

void resnet_free(resnet *m) {
    if (!m) return;
    free_plan(m);
    free(m->blocks);
    inv_aligned_free(m->fold);
    params_free(&m->params);
    free(m);
}

nn_params *resnet_params(resnet *m) {
    return &m->params;
}
const resnet_config *resnet_get_config(const resnet *m) {
    return &m->cfg;
}
int resnet_feature_dim(const resnet *m) {
    return m->feat_dim;
}
int resnet_output_dim(const resnet *m) {
    return m->cfg.num_classes > 0 ? m->cfg.num_classes : m->feat_dim;
}
const float *resnet_features(const resnet *m) {
    return m->feat;
}
size_t resnet_activation_bytes(const resnet *m) {
    return m->act_bytes;
}

void resnet_init_random(resnet *m, uint64_t seed) {
    nn_params *p = &m->params;
    // Each tensor has its own keyed stream, so the tensors can be drawn on threads.
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < p->count; i++) {
        nn_param_info *t = &p->info[i];
        float *d = params_data(p, i);
        rng_stream rs;
        rng_stream_init(&rs, seed, RNG_PURPOSE_INIT, 0, (uint32_t)i, 0);
        const char *leaf = strrchr(t->name, '.');
        leaf = leaf ? leaf + 1 : t->name;
        if (t->kind == PARAM_COUNT) {
            *params_count(p, i) = 0;
        } else if (t->ndim == 4) { // conv: kaiming_normal_(mode="fan_out", nonlinearity="relu")
            double std = sqrt(2.0 / (double)(t->shape[0] * t->shape[2] * t->shape[3]));
            for (int64_t j = 0; j < t->numel; j += 2) {
                float z[2];
                rng_normal2(&rs, z);
                d[j] = (float)(z[0] * std);
                if (j + 1 < t->numel) d[j + 1] = (float)(z[1] * std);
            }
        } else if (strncmp(t->name, "fc.", 3) == 0) { // nn.Linear: U(-1/sqrt(in), 1/sqrt(in))
            double bound = 1.0 / sqrt((double)m->feat_dim);
            for (int64_t j = 0; j < t->numel; j++)
                d[j] = (float)rng_uniform_range(&rs, -bound, bound);
        } else {
            float v =
                (strcmp(leaf, "weight") == 0 || strcmp(leaf, "running_var") == 0) ? 1.0f : 0.0f;
            for (int64_t j = 0; j < t->numel; j++) d[j] = v;
        }
    }
}

// ---- planning ---------------------------------------------------------------------------------

static int plan_unit(resnet *m, rn_unit *u, int h, int w) {
    INV_TRY(nn_conv_geom_init(&u->g, m->n, u->cin, h, w, u->cout, u->k, u->stride, u->pad));
    size_t sz = (size_t)m->n * u->cout * u->g.ho * u->g.wo;
    if (sz > m->max_act) m->max_act = sz;
    return INV_OK;
}

// Shapes for batch geometry (n, h, w), and the scratch pool; per-unit storage comes later.
static int plan(resnet *m, int n, int h, int w) {
    if (m->planned && m->n == n && m->h == h && m->w == w) return INV_OK;
    free_plan(m);
    m->n = n, m->h = h, m->w = w;
    m->max_act = (size_t)n * 3 * h * w;
    INV_TRY(plan_unit(m, &m->stem, h, w));
    int ch = m->stem.g.ho, cw = m->stem.g.wo;
    if (!m->cfg.small_stem) {
        INV_TRY(nn_pool_geom_init(&m->pool, n, m->stem.cout, ch, cw, 3, 2, 1));
        ch = m->pool.ho, cw = m->pool.wo;
    }
    for (int b = 0; b < m->nblocks; b++) {
        rn_block *bl = &m->blocks[b];
        bl->cin = bl->u[0].cin, bl->hin = ch, bl->win = cw;
        int uh = ch, uw = cw;
        for (int k = 0; k < bl->nu; k++) {
            INV_TRY(plan_unit(m, &bl->u[k], uh, uw));
            uh = bl->u[k].g.ho, uw = bl->u[k].g.wo;
        }
        if (bl->has_down) INV_TRY(plan_unit(m, &bl->down, ch, cw));
        ch = uh, cw = uw;
    }
    m->feat_c = m->feat_dim, m->feat_h = ch, m->feat_w = cw;
    size_t bytes = sizeof(float) * m->max_act;
    for (int i = 0; i < NSCRATCH; i++) {
        m->scratch[i] = inv_aligned_alloc(bytes);
        INV_CHECK_ALLOC(m->scratch[i], bytes, "resnet scratch buffers");
    }
    size_t fb = sizeof(float) * (size_t)n * m->feat_dim;
    int od = resnet_output_dim(m);
    m->feat = inv_aligned_alloc(fb);
    m->gfeat = inv_aligned_alloc(fb);
    m->logits = inv_aligned_alloc(sizeof(float) * (size_t)n * od);
    m->stats = malloc(sizeof(float) * 3 * (size_t)m->feat_dim); // the widest unit is the last
    if (!m->feat || !m->gfeat || !m->logits || !m->stats)
        return inv_fail(INV_ENOMEM, "resnet: out of memory for a batch of %d", n);
    m->act_bytes = NSCRATCH * bytes + 2 * fb + sizeof(float) * (size_t)n * od;
    m->planned = 1;
    return INV_OK;
}

static int unit_storage(resnet *m, rn_unit *u, int with_a) {
    size_t sz = sizeof(float) * (size_t)u->g.n * u->cout * u->g.ho * u->g.wo;
    u->z = inv_aligned_alloc(sz);
    u->a = with_a ? inv_aligned_alloc(sz) : NULL;
    u->mean = malloc(sizeof(float) * 3 * u->cout);
    if (!u->z || (with_a && !u->a) || !u->mean)
        return inv_fail(INV_ENOMEM, "resnet: out of memory for activations (%zu bytes)", sz);
    u->var = u->mean + u->cout;
    u->invstd = u->var + u->cout;
    m->act_bytes += sz * (with_a ? 2 : 1) + sizeof(float) * 3 * u->cout;
    return INV_OK;
}

// Per-unit buffers for forward passes that keep what backward needs.
static int store(resnet *m) {
    if (m->stored) return INV_OK;
    INV_TRY(unit_storage(m, &m->stem, 1));
    if (!m->cfg.small_stem) {
        size_t sz = (size_t)m->n * m->pool.c * m->pool.ho * m->pool.wo;
        m->pool_out = inv_aligned_alloc(sizeof(float) * sz);
        m->argmax = malloc(sizeof(int32_t) * sz);
        if (!m->pool_out || !m->argmax) return inv_fail(INV_ENOMEM, "resnet: out of memory (pool)");
        m->act_bytes += sz * 8;
    }
    for (int b = 0; b < m->nblocks; b++) {
        rn_block *bl = &m->blocks[b];
        // the last unit's BN writes straight into the block output (its `a`)
        for (int k = 0; k < bl->nu; k++) INV_TRY(unit_storage(m, &bl->u[k], 1));
        if (bl->has_down) INV_TRY(unit_storage(m, &bl->down, 1));
    }
    m->stored = 1;
    return INV_OK;
}

// ---- forward ----------------------------------------------------------------------------------

// conv -> BN (+ReLU): the conv output into z, the BN output into y (y may be z: BN runs in
// place), the statistics used into stats (3 cout: mean, var, invstd). Training: batch
// statistics, running statistics and num_batches_tracked updated. res != NULL: the unit is a
// block's last, y = relu(BN(z) + res) (the shortcut's add and the block's ReLU, fused).
static int unit_forward(resnet *m, rn_unit *u, const float *x, int train, const float *res,
                        float *z, float *y, float *stats) {
    nn_backend *be = m->be;
    nn_params *p = &m->params;
    float *mean = stats, *var = stats + u->cout, *invstd = stats + 2 * u->cout;
    INV_TRY(be->conv_forward(be, &u->g, x, params_data(p, u->p_w), NULL, 0, z));
    int hw = u->g.ho * u->g.wo;
    const float *gamma = params_data(p, u->p_gamma), *beta = params_data(p, u->p_beta);
    float *rm = params_data(p, u->p_mean), *rv = params_data(p, u->p_var);
    if (train) {
        if ((int64_t)u->g.n * hw < 2)
            return inv_fail(INV_EINVAL,
                            "batch norm in training needs more than one value per "
                            "channel (batch %d, %dx%d)",
                            u->g.n, u->g.ho, u->g.wo);
        be->bn_forward_train(be, u->g.n, u->cout, hw, z, gamma, beta, res, BN_EPS, u->relu || res,
                             y, mean, var, invstd);
        bn_update_running(u->cout, (int64_t)u->g.n * hw, BN_MOMENTUM, mean, var, rm, rv);
        *params_count(p, u->p_count) += 1;
    } else {
        memcpy(mean, rm, sizeof(float) * u->cout);
        memcpy(var, rv, sizeof(float) * u->cout);
        be->bn_forward_eval(be, u->g.n, u->cout, hw, z, gamma, beta, rm, rv, BN_EPS, u->relu, y,
                            invstd);
        if (res) be->add(be, (int64_t)u->g.n * u->cout * hw, y, res, 1, y);
    }
    return INV_OK;
}

// Eval: BN folded into the conv (weights scaled per output channel, bias added).
static int fold_unit(resnet *m, rn_unit *u, float **cursor) {
    nn_params *p = &m->params;
    const float *w = params_data(p, u->p_w), *gamma = params_data(p, u->p_gamma);
    const float *beta = params_data(p, u->p_beta), *rm = params_data(p, u->p_mean);
    const float *rv = params_data(p, u->p_var);
    int64_t per = (int64_t)u->cin * u->k * u->k;
    u->wfold = *cursor;
    u->bfold = u->wfold + per * u->cout;
    *cursor = u->bfold + u->cout;
#pragma omp parallel for schedule(static) if (per * u->cout > 65536)
    for (int o = 0; o < u->cout; o++) {
        float s = gamma[o] * (float)(1.0 / sqrt((double)rv[o] + BN_EPS));
        for (int64_t j = 0; j < per; j++) u->wfold[o * per + j] = w[o * per + j] * s;
        u->bfold[o] = beta[o] - rm[o] * s;
    }
    return INV_OK;
}

static int fold_all(resnet *m) {
    if (!m->fold) {
        size_t total = m->params.n_trainable; // weights + 2 per channel: fits all folds
        m->fold = inv_aligned_alloc(sizeof(float) * total);
        INV_CHECK_ALLOC(m->fold, sizeof(float) * total, "resnet folded weights");
    }
    float *cur = m->fold;
    fold_unit(m, &m->stem, &cur);
    for (int b = 0; b < m->nblocks; b++) {
        for (int k = 0; k < m->blocks[b].nu; k++) fold_unit(m, &m->blocks[b].u[k], &cur);
        if (m->blocks[b].has_down) fold_unit(m, &m->blocks[b].down, &cur);
    }
    return INV_OK;
}

static int pick_free(int used0, int used1, int used2, int used3) {
    for (int i = 0; i < NSCRATCH; i++)
        if (i != used0 && i != used1 && i != used2 && i != used3) return i;
    return -1;
}

// Eval forward through the scratch pool; returns the final activation.
static int forward_eval(resnet *m, const float *x, const float **last) {
    nn_backend *be = m->be;
    float **S = m->scratch;
    INV_TRY(fold_all(m));
    INV_TRY(be->conv_forward(be, &m->stem.g, x, m->stem.wfold, m->stem.bfold, 1, S[0]));
    int cur = 0;
    if (!m->cfg.small_stem) {
        nn_pool_geom *pg = &m->pool;
        // argmax is not needed in eval; scratch 1 holds it (int32 fits in a float slot)
        be->maxpool_forward(be, pg, S[0], S[1], (int32_t *)S[2]);
        cur = 1;
    }
    for (int b = 0; b < m->nblocks; b++) {
        rn_block *bl = &m->blocks[b];
        int in = cur, a = pick_free(in, -1, -1, -1), c = pick_free(in, a, -1, -1);
        int id = in;
        const float *src = S[in];
        int dst = a;
        for (int k = 0; k < bl->nu; k++) {
            rn_unit *u = &bl->u[k];
            INV_TRY(be->conv_forward(be, &u->g, src, u->wfold, u->bfold, u->relu, S[dst]));
            src = S[dst];
            dst = dst == a ? c : a;
        }
        int out = dst == a ? c : a; // where the last unit wrote
        if (bl->has_down) {
            id = pick_free(in, a, c, -1);
            INV_TRY(
                be->conv_forward(be, &bl->down.g, S[in], bl->down.wfold, bl->down.bfold, 0, S[id]));
        }
        int64_t cnt = (int64_t)m->n * bl->u[bl->nu - 1].cout * bl->u[bl->nu - 1].g.ho *
                      bl->u[bl->nu - 1].g.wo;
        be->add(be, cnt, S[out], S[id], 1, S[out]);
        cur = out;
    }
    *last = S[cur];
    return INV_OK;
}

// Training forward that keeps nothing for backward (no-grad): the same operations as
// forward_stored's (so bit-identical outputs and running statistics), but
// each unit's conv writes a scratch buffer and its BN(+ReLU) runs in place there; the scratch
// use is forward_eval's. Returns the final activation.
static int forward_train_nograd(resnet *m, const float *x, const float **last) {
    nn_backend *be = m->be;
    float **S = m->scratch;
    INV_TRY(unit_forward(m, &m->stem, x, 1, NULL, S[0], S[0], m->stats));
    int cur = 0;
    if (!m->cfg.small_stem) {
        be->maxpool_forward(be, &m->pool, S[0], S[1], (int32_t *)S[2]); // argmax unused
        cur = 1;
    }
    for (int b = 0; b < m->nblocks; b++) {
        rn_block *bl = &m->blocks[b];
        int in = cur, a = pick_free(in, -1, -1, -1), c = pick_free(in, a, -1, -1);
        int id = in, dst = a;
        if (bl->has_down) { // the shortcut first: the last unit's BN adds it
            id = pick_free(in, a, c, -1);
            INV_TRY(unit_forward(m, &bl->down, S[in], 1, NULL, S[id], S[id], m->stats));
        }
        const float *src = S[in];
        for (int k = 0; k < bl->nu; k++) { // input S[in]; units ping-pong between S[a], S[c]
            const float *res = k == bl->nu - 1 ? S[id] : NULL;
            INV_TRY(unit_forward(m, &bl->u[k], src, 1, res, S[dst], S[dst], m->stats));
            src = S[dst];
            dst = dst == a ? c : a;
        }
        cur = dst == a ? c : a; // where the last unit wrote
    }
    *last = S[cur];
    return INV_OK;
}

static int forward_stored(resnet *m, const float *x, int train, const float **last) {
    nn_backend *be = m->be;
    INV_TRY(store(m));
    INV_TRY(unit_forward(m, &m->stem, x, train, NULL, m->stem.z, m->stem.a, m->stem.mean));
    const float *cur = m->stem.a;
    if (!m->cfg.small_stem) {
        be->maxpool_forward(be, &m->pool, m->stem.a, m->pool_out, m->argmax);
        cur = m->pool_out;
    }
    for (int b = 0; b < m->nblocks; b++) {
        rn_block *bl = &m->blocks[b];
        bl->in = cur;
        const float *id = cur;
        if (bl->has_down) { // the shortcut first: the last unit's BN adds it
            rn_unit *d = &bl->down;
            INV_TRY(unit_forward(m, d, cur, train, NULL, d->z, d->a, d->mean));
            id = d->a;
        }
        const float *src = cur;
        for (int k = 0; k < bl->nu; k++) { // the last unit's a: the block output, after the ReLU
            rn_unit *u = &bl->u[k];
            INV_TRY(
                unit_forward(m, u, src, train, k == bl->nu - 1 ? id : NULL, u->z, u->a, u->mean));
            src = u->a;
        }
        cur = src;
    }
    *last = cur;
    return INV_OK;
}

int resnet_forward(resnet *m, const float *x, int n, int h, int w, resnet_mode mode,
                   const float **out) {
    if (mode != RESNET_TRAIN && mode != RESNET_EVAL && mode != RESNET_EVAL_GRAD &&
        mode != RESNET_TRAIN_NOGRAD)
        return inv_fail(INV_EINVAL, "resnet: unknown mode %d", (int)mode);
    INV_TRY(plan(m, n, h, w));
    const float *last = NULL;
    m->have_forward = 0; // a failed forward leaves nothing to backward through
    if (mode == RESNET_EVAL)
        INV_TRY(forward_eval(m, x, &last));
    else if (mode == RESNET_TRAIN_NOGRAD)
        INV_TRY(forward_train_nograd(m, x, &last));
    else
        INV_TRY(forward_stored(m, x, mode == RESNET_TRAIN, &last));
    nn_backend *be = m->be;
    be->avgpool_forward(be, n, m->feat_c, m->feat_h * m->feat_w, last, m->feat);
    const float *o = m->feat;
    if (m->cfg.num_classes > 0) {
        be->linear_forward(be, n, m->feat_dim, m->cfg.num_classes, m->feat,
                           params_data(&m->params, m->p_fc_w), params_data(&m->params, m->p_fc_b),
                           m->logits);
        o = m->logits;
    }
    m->input = x;
    m->last_mode = mode;
    m->have_forward = 1;
    *out = o;
    return INV_OK;
}

// Whether the last forward kept what backward needs.
static int kept_for_backward(const resnet *m) {
    return m->have_forward && (m->last_mode == RESNET_TRAIN || m->last_mode == RESNET_EVAL_GRAD);
}

int resnet_relu_count(const resnet *m) {
    int count = 1; // the stem's; then one per unit of each block (the last after the add)
    for (int b = 0; b < m->nblocks; b++) count += m->blocks[b].nu;
    return count;
}

int resnet_relu_output(const resnet *m, int i, const float **y, int *c, int *hw) {
    if (!kept_for_backward(m))
        return inv_fail(INV_EINVAL, "resnet: ReLU outputs need a training or eval-grad forward");
    if (i < 0 || i >= resnet_relu_count(m))
        return inv_fail(INV_ERANGE, "resnet: ReLU %d of %d", i, resnet_relu_count(m));
    const rn_unit *u = &m->stem;
    for (int b = 0; i > 0 && b < m->nblocks; b++) {
        if (i <= m->blocks[b].nu) u = &m->blocks[b].u[i - 1];
        i -= m->blocks[b].nu;
    }
    *y = u->a, *c = u->cout, *hw = u->g.ho * u->g.wo;
    return INV_OK;
}

const int32_t *resnet_maxpool_argmax(const resnet *m, nn_pool_geom *g) {
    if (m->cfg.small_stem || !kept_for_backward(m)) return NULL;
    *g = m->pool;
    return m->argmax;
}

// ---- backward ---------------------------------------------------------------------------------

// Through BN (+ReLU mask via y) and the conv of one unit. gy: d/d unit output (buffer gbuf,
// overwritten); x: unit input. gx (may be NULL: no input gradient) receives or accumulates
// d/d x. tmp: a free buffer of the unit output size.
static int unit_backward(resnet *m, rn_unit *u, const float *x, float *gy, float *tmp, float *gx,
                         int accumulate) {
    nn_backend *be = m->be;
    nn_params *p = &m->params;
    int hw = u->g.ho * u->g.wo, train = m->last_mode == RESNET_TRAIN;
    be->bn_backward(be, u->g.n, u->cout, hw, u->z, u->relu ? u->a : NULL, gy,
                    params_data(p, u->p_gamma), u->mean, u->invstd, train, tmp,
                    params_grad(p, u->p_gamma), params_grad(p, u->p_beta));
    INV_TRY(be->conv_backward_weights(be, &u->g, x, tmp, params_grad(p, u->p_w), NULL));
    if (gx) INV_TRY(be->conv_backward_data(be, &u->g, tmp, params_data(p, u->p_w), gx, accumulate));
    return INV_OK;
}

void resnet_set_grad_ready(resnet *m, resnet_grad_ready_fn fn, void *ctx) {
    m->grad_ready = fn;
    m->grad_ready_ctx = ctx;
}

static void grad_ready(resnet *m, int param_index) {
    if (m->grad_ready) m->grad_ready(m->grad_ready_ctx, m->params.info[param_index].offset);
}

int resnet_backward(resnet *m, const float *gout) {
    if (!kept_for_backward(m))
        return inv_fail(INV_EINVAL, "resnet: backward needs a training or eval-grad forward first");
    nn_backend *be = m->be;
    nn_params *p = &m->params;
    float **S = m->scratch;
    int n = m->n;
    const float *gfeat = gout;
    if (m->cfg.num_classes > 0) {
        be->linear_backward(be, n, m->feat_dim, m->cfg.num_classes, m->feat,
                            params_data(p, m->p_fc_w), gout, m->gfeat, params_grad(p, m->p_fc_w),
                            params_grad(p, m->p_fc_b));
        gfeat = m->gfeat;
        grad_ready(m, m->p_fc_w);
    }
    be->avgpool_backward(be, n, m->feat_c, m->feat_h * m->feat_w, gfeat, S[0]);
    int g = 0; // scratch index holding d/d (current block output)
    for (int b = m->nblocks - 1; b >= 0; b--) {
        rn_block *bl = &m->blocks[b];
        rn_unit *lu = &bl->u[bl->nu - 1];
        int64_t cnt = (int64_t)n * lu->cout * lu->g.ho * lu->g.wo;
        be->relu_backward(be, cnt, lu->a, S[g], S[g]); // through the block's final ReLU
        int res = pick_free(g, -1, -1, -1), t1 = pick_free(g, res, -1, -1);
        int t2 = pick_free(g, res, t1, -1);
        // the last unit reads S[g] (kept for the shortcut); others ping-pong between t1 and t2
        float *gin = S[g];
        for (int k = bl->nu - 1; k >= 0; k--) {
            rn_unit *u = &bl->u[k];
            const float *x = k > 0 ? bl->u[k - 1].a : bl->in;
            float *tmp = S[t1];
            float *gx = k > 0 ? S[t2] : S[res];
            INV_TRY(unit_backward(m, u, x, gin, tmp, gx, 0));
            gin = gx;
            int t = t1;
            t1 = t2, t2 = t;
        }
        if (bl->has_down) {
            INV_TRY(unit_backward(m, &bl->down, bl->in, S[g], S[t1], S[res], 1));
        } else {
            int64_t icnt = (int64_t)n * bl->cin * bl->hin * bl->win;
            be->add(be, icnt, S[res], S[g], 0, S[res]);
        }
        grad_ready(m, bl->u[0].p_w); // the block's tensors: u[0..nu), then downsample
        g = res;
    }
    // stem: gradient of the max-pool output (or of the stem output with the small stem)
    rn_unit *st = &m->stem;
    int gs = g;
    if (!m->cfg.small_stem) {
        gs = pick_free(g, -1, -1, -1);
        be->maxpool_backward(be, &m->pool, S[g], m->argmax, S[gs]);
    }
    int tmp = pick_free(gs, -1, -1, -1);
    INV_TRY(unit_backward(m, st, m->input, S[gs], S[tmp], NULL, 0));
    grad_ready(m, st->p_w);
    return INV_OK;
}
