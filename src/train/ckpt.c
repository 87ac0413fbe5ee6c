// ckpt.c: saving and strictly re-loading invar-train's state (see ckpt.h).
#include "ckpt.h"

#include "core/cli.h"
#include "core/error.h"
#include "core/log.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int add_momentum(st_writer *w, const nn_params *p, const float *buf, const char *prefix) {
    char name[2 * NN_PARAM_NAME_MAX + 64];
    for (int i = 0; i < p->count; i++) {
        const nn_param_info *t = &p->info[i];
        if (t->kind != PARAM_TRAINABLE) continue;
        snprintf(name, sizeof name, "optimizer.momentum_buffer.%s%s", prefix, t->name);
        INV_TRY(st_writer_add(w, name, ST_F32, t->ndim, t->shape, buf + t->offset));
    }
    return INV_OK;
}

static int build(st_writer *w, const train_model *m, const train_pos *pos, char *config) {
    char num[3][32];
    const int64_t qshape[2] = {m->o->dim, m->o->queue}, pshape[1] = {1};
    if (m->k) {
        INV_TRY(st_writer_add(w, "queue", ST_F32, 2, qshape, m->queue));
        INV_TRY(st_writer_add(w, "queue_ptr", ST_I64, 1, pshape, &m->queue_ptr));
        INV_TRY(nn_checkpoint_add(w, resnet_params(m->q), "encoder_q."));
        INV_TRY(nn_checkpoint_add(w, &m->hq.params, "encoder_q."));
        INV_TRY(nn_checkpoint_add(w, resnet_params(m->k), "encoder_k."));
        INV_TRY(nn_checkpoint_add(w, &m->hk.params, "encoder_k."));
        if (m->sgd_bb.has_buf) {
            INV_TRY(add_momentum(w, resnet_params(m->q), m->sgd_bb.buf, "encoder_q."));
            INV_TRY(add_momentum(w, &m->hq.params, m->sgd_head.buf, "encoder_q."));
        }
    } else {
        INV_TRY(nn_checkpoint_add(w, resnet_params(m->q), ""));
        if (m->sgd_bb.has_buf) INV_TRY(add_momentum(w, resnet_params(m->q), m->sgd_bb.buf, ""));
    }
    snprintf(num[0], sizeof num[0], "%d", pos->epoch);
    snprintf(num[1], sizeof num[1], "%lld", (long long)pos->step);
    snprintf(num[2], sizeof num[2], "%lld", (long long)pos->global_step);
    INV_TRY(st_writer_meta(w, "epoch", num[0]));
    INV_TRY(st_writer_meta(w, "step_in_epoch", num[1]));
    INV_TRY(st_writer_meta(w, "global_step", num[2]));
    INV_TRY(st_writer_meta(w, "config", config));
    INV_TRY(st_writer_meta(w, "invar_version", INVAR_VERSION));
    INV_TRY(st_writer_meta(w, "objective", m->k ? "moco" : "supervised"));
    INV_TRY(st_writer_meta(w, "arch", m->o->arch));
    return st_writer_meta(w, "format", "invar-train checkpoint");
}

int ckpt_save(const train_model *m, const train_pos *pos, const char *path) {
    st_writer *w;
    INV_TRY(st_writer_new(&w));
    char *config = train_opts_config_json(m->o);
    int rc = config ? build(w, m, pos, config) : inv_fail(INV_ENOMEM, "checkpoint: config");
    if (!rc) rc = st_writer_write(w, path);
    st_writer_free(w);
    free(config);
    return rc;
}

int ckpt_save_backbone(const train_model *m, const char *path) {
    st_writer *w;
    INV_TRY(st_writer_new(&w));
    int rc = nn_checkpoint_add(w, resnet_params(m->q), "");
    if (!rc) rc = st_writer_meta(w, "arch", m->o->arch);
    if (!rc)
        rc = st_writer_meta(w, "format",
                            m->k ? "invar resnet backbone (torchvision names): MoCo encoder_q "
                                   "without its head"
                                 : "invar resnet (torchvision names), supervised");
    if (!rc) rc = st_writer_write(w, path);
    st_writer_free(w);
    return rc;
}

// One tensor by exact name, dtype and shape.
static int get(const st_file *f, const char *name, st_dtype dtype, int ndim, const int64_t *shape,
               void *dst) {
    const st_tensor *t = st_find(f, name);
    if (!t)
        return inv_fail(INV_EFORMAT, "%s: no tensor '%s' (not this run's checkpoint?)", f->path,
                        name);
    int ok = t->dtype == dtype && t->ndim == ndim;
    for (int d = 0; ok && d < ndim; d++) ok = t->shape[d] == shape[d];
    if (!ok)
        return inv_fail(INV_EFORMAT, "%s: tensor '%s' is %s with %d dims, not the model's %s",
                        f->path, name, st_dtype_name(t->dtype), t->ndim, st_dtype_name(dtype));
    memcpy(dst, t->data, t->end - t->begin);
    return INV_OK;
}

// The MLP head's tensors (its fc.0 / fc.2 under the prefix, beside the backbone's).
static int get_head(const st_file *f, nn_params *p, const char *prefix) {
    char name[2 * NN_PARAM_NAME_MAX];
    for (int i = 0; i < p->count; i++) {
        const nn_param_info *t = &p->info[i];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if (t->kind == PARAM_COUNT)
            INV_TRY(get(f, name, ST_I64, 0, NULL, params_count(p, i)));
        else
            INV_TRY(get(f, name, ST_F32, t->ndim, t->shape, params_data(p, i)));
    }
    return INV_OK;
}

static int get_momentum(const st_file *f, const nn_params *p, float *buf, const char *prefix) {
    char name[2 * NN_PARAM_NAME_MAX + 64];
    for (int i = 0; i < p->count; i++) {
        const nn_param_info *t = &p->info[i];
        if (t->kind != PARAM_TRAINABLE) continue;
        snprintf(name, sizeof name, "optimizer.momentum_buffer.%s%s", prefix, t->name);
        INV_TRY(get(f, name, ST_F32, t->ndim, t->shape, buf + t->offset));
    }
    return INV_OK;
}

static int meta_int(const st_file *f, const char *key, int64_t *v) {
    const char *s = st_meta(f, key);
    if (!s)
        return inv_fail(INV_EFORMAT, "%s: no '%s' in the metadata (not an invar-train checkpoint)",
                        f->path, key);
    return cli_parse_int64(s, key, v);
}

// The backbones load strictly (exact dtypes, every tensor present, none unexpected); the MoCo
// backbones have no fc of their own: encoder_q.fc.* is the MLP head, read by get_head.
enum { EXACT_NO_FC = NN_LOAD_EXACT | NN_LOAD_IGNORE_HEAD };

static int load(train_model *m, st_file *f, int force, train_pos *pos) {
    int64_t e, s, g;
    INV_TRY(meta_int(f, "epoch", &e));
    INV_TRY(meta_int(f, "step_in_epoch", &s));
    INV_TRY(meta_int(f, "global_step", &g));
    if (e < 0 || s < 0 || g < 0 || e > 1 << 24)
        return inv_fail(INV_EFORMAT, "%s: position epoch %lld step %lld global %lld is invalid",
                        f->path, (long long)e, (long long)s, (long long)g);
    if (train_opts_config_compare(m->o, st_meta(f, "config"), f->path)) {
        if (!force) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", inv_errmsg());
            return inv_fail(inv_errcode(), "%s (use --force to resume anyway)", msg);
        }
        log_warn("--force: %s", inv_errmsg());
        inv_error_clear();
    }
    const char *obj = st_meta(f, "objective");
    if (!obj || strcmp(obj, m->k ? "moco" : "supervised") != 0)
        return inv_fail(INV_EFORMAT, "%s: objective '%s', this run trains %s", f->path,
                        obj ? obj : "(none)", m->k ? "moco" : "supervised");
    if (m->k) {
        const int64_t qshape[2] = {m->o->dim, m->o->queue}, pshape[1] = {1};
        INV_TRY(get(f, "queue", ST_F32, 2, qshape, m->queue));
        INV_TRY(get(f, "queue_ptr", ST_I64, 1, pshape, &m->queue_ptr));
        if (m->queue_ptr < 0 || m->queue_ptr >= m->o->queue || m->queue_ptr % m->o->batch)
            return inv_fail(INV_EFORMAT, "%s: queue_ptr %lld is not a batch position in K %d",
                            f->path, (long long)m->queue_ptr, m->o->queue);
        INV_TRY(nn_checkpoint_load_file(resnet_params(m->q), f, "encoder_q.", EXACT_NO_FC, NULL));
        INV_TRY(get_head(f, &m->hq.params, "encoder_q."));
        INV_TRY(nn_checkpoint_load_file(resnet_params(m->k), f, "encoder_k.", EXACT_NO_FC, NULL));
        INV_TRY(get_head(f, &m->hk.params, "encoder_k."));
    } else {
        INV_TRY(nn_checkpoint_load_file(resnet_params(m->q), f, "", NN_LOAD_EXACT, NULL));
    }
    int has = st_find(f, m->k ? "optimizer.momentum_buffer.encoder_q.conv1.weight"
                              : "optimizer.momentum_buffer.conv1.weight") != NULL;
    if (g > 0 && !has && m->o->momentum != 0)
        return inv_fail(INV_EFORMAT, "%s: %lld steps done but no SGD momentum buffers", f->path,
                        (long long)g);
    if (has) {
        if (m->k) {
            INV_TRY(get_momentum(f, resnet_params(m->q), m->sgd_bb.buf, "encoder_q."));
            INV_TRY(get_momentum(f, &m->hq.params, m->sgd_head.buf, "encoder_q."));
            m->sgd_head.has_buf = 1;
        } else {
            INV_TRY(get_momentum(f, resnet_params(m->q), m->sgd_bb.buf, ""));
        }
        m->sgd_bb.has_buf = 1;
    }
    pos->epoch = (int)e, pos->step = s, pos->global_step = g;
    return INV_OK;
}

int ckpt_load(train_model *m, const char *path, int force, train_pos *pos) {
    st_file f;
    INV_TRY(st_open(&f, path));
    int rc = load(m, &f, force, pos);
    st_close(&f);
    return rc;
}

int ckpt_link_last(const char *rundir, const char *name) {
    char link[4200], tmp[4300];
    snprintf(link, sizeof link, "%s/checkpoint_last.safetensors", rundir);
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", link, (int)getpid());
    unlink(tmp);
    if (symlink(name, tmp) != 0) return inv_fail_errno(tmp, "symlink");
    if (rename(tmp, link) != 0) {
        int rc = inv_fail_errno(link, "rename");
        unlink(tmp);
        return rc;
    }
    return INV_OK;
}
