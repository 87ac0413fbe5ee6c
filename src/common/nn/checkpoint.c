// checkpoint.c: the bridge between the named parameter table and safetensors files. Names
// follow torchvision's state_dict, so weights move both ways between invar and PyTorch; every
// tensor is checked (presence, shape, dtype) before anything is copied.
#include "nn/checkpoint.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nn_checkpoint_add(st_writer *w, const nn_params *p, const char *prefix) {
    char name[2 * NN_PARAM_NAME_MAX];
    for (int i = 0; i < p->count; i++) {
        const nn_param_info *t = &p->info[i];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        if (t->kind == PARAM_COUNT)
            INV_TRY(st_writer_add(w, name, ST_I64, 0, NULL, params_count(p, i)));
        else
            INV_TRY(st_writer_add(w, name, ST_F32, t->ndim, t->shape, params_data(p, i)));
    }
    return INV_OK;
}

int nn_checkpoint_save(const nn_params *p, const char *path, const char *arch) {
    st_writer *w;
    INV_TRY(st_writer_new(&w));
    int rc = nn_checkpoint_add(w, p, "");
    if (!rc && arch) rc = st_writer_meta(w, "arch", arch);
    if (!rc) rc = st_writer_meta(w, "format", "invar resnet backbone (torchvision names)");
    if (!rc) rc = st_writer_write(w, path);
    st_writer_free(w);
    return rc;
}

// Collects up to 8 names per problem into a message.
typedef struct {
    char text[1024];
    int count;
} name_list;

static void note(name_list *l, const char *name) {
    if (l->count < 8) {
        size_t len = strlen(l->text);
        snprintf(l->text + len, sizeof l->text - len, "%s%s", l->count ? ", " : "", name);
    }
    l->count++;
}

static void shape_str(const int64_t *shape, int ndim, char *buf, size_t size) {
    size_t len = (size_t)snprintf(buf, size, "(");
    for (int d = 0; d < ndim && len < size; d++)
        len += (size_t)snprintf(buf + len, size - len, d ? ", %lld" : "%lld", (long long)shape[d]);
    if (len < size) snprintf(buf + len, size - len, ")");
}

static int shape_matches(const nn_param_info *t, const st_tensor *s) {
    if (t->kind == PARAM_COUNT) return s->numel == 1 && s->ndim <= 1;
    if (s->ndim != t->ndim) return 0;
    for (int d = 0; d < t->ndim; d++)
        if (s->shape[d] != t->shape[d]) return 0;
    return 1;
}

int nn_checkpoint_load_file(nn_params *p, const st_file *f, const char *prefix, unsigned flags,
                            const char **used_prefix) {
    static const char *candidates[] = {"", "module.encoder_q.", "encoder_q.", "module."};
    char name[2 * NN_PARAM_NAME_MAX];
    if (!prefix) {
        for (size_t c = 0; c < sizeof candidates / sizeof *candidates && !prefix; c++) {
            snprintf(name, sizeof name, "%sconv1.weight", candidates[c]);
            if (st_find(f, name)) prefix = candidates[c];
        }
        if (!prefix)
            return inv_fail(INV_EFORMAT,
                            "%s: no ResNet backbone found (no conv1.weight, "
                            "module.encoder_q.conv1.weight, encoder_q.conv1.weight "
                            "or module.conv1.weight)",
                            f->path);
    }
    if (used_prefix) {
        *used_prefix = prefix;
        for (size_t c = 0; c < sizeof candidates / sizeof *candidates; c++)
            if (strcmp(prefix, candidates[c]) == 0) *used_prefix = candidates[c];
    }
    name_list missing = {{0}, 0}, unexpected = {{0}, 0}, shaped = {{0}, 0};
    int has_head = params_find(p, "fc.weight") >= 0;
    for (int i = 0; i < p->count; i++) {
        const nn_param_info *t = &p->info[i];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        const st_tensor *s = st_find(f, name);
        if (!s) {
            note(&missing, name);
            continue;
        }
        int dtype_ok;
        if (flags & NN_LOAD_EXACT)
            dtype_ok = s->dtype == (t->kind == PARAM_COUNT ? ST_I64 : ST_F32);
        else if (t->kind == PARAM_COUNT)
            dtype_ok = s->dtype == ST_I64 || s->dtype == ST_I32 || s->dtype == ST_F32;
        else
            dtype_ok = s->dtype == ST_F32 || s->dtype == ST_F16 || s->dtype == ST_BF16 ||
                       s->dtype == ST_F64;
        if (!shape_matches(t, s) || !dtype_ok) {
            char buf[4 * NN_PARAM_NAME_MAX], have[64], want[64];
            shape_str(s->shape, s->ndim, have, sizeof have);
            shape_str(t->shape, t->ndim, want, sizeof want);
            snprintf(buf, sizeof buf, "%s (%s %s; want %s %s)", name, st_dtype_name(s->dtype), have,
                     t->kind == PARAM_COUNT ? "I64" : "F32", want);
            note(&shaped, buf);
        }
    }
    size_t plen = strlen(prefix);
    for (int i = 0; i < f->ntensors; i++) {
        const char *full = f->tensors[i].name;
        if (strncmp(full, prefix, plen) != 0) continue;
        // with an empty prefix, other models' tensors (encoder_k., queue ...) are not ours
        if (plen == 0 && strchr(full, '.') == NULL) continue;
        const char *local = full + plen;
        if (params_find(p, local) >= 0) continue;
        if ((flags & NN_LOAD_IGNORE_HEAD) && !has_head && strncmp(local, "fc.", 3) == 0) continue;
        if (plen == 0 && (strncmp(local, "conv1", 5) != 0 && strncmp(local, "bn1", 3) != 0 &&
                          strncmp(local, "layer", 5) != 0 && strncmp(local, "fc.", 3) != 0))
            continue;
        note(&unexpected, full);
    }
    if (missing.count || unexpected.count || shaped.count) {
        char msg[3400];
        const char *sep1 = missing.count ? "; " : "",
                   *sep2 = missing.count || unexpected.count ? "; " : "";
        snprintf(msg, sizeof msg, "%s: does not match the model (prefix '%s'): %s%s%s%s%s%s%s%s",
                 f->path, prefix, missing.count ? "missing: " : "", missing.text,
                 unexpected.count ? sep1 : "", unexpected.count ? "unexpected: " : "",
                 unexpected.text, shaped.count ? sep2 : "",
                 shaped.count ? "wrong shape or type: " : "", shaped.text);
        return inv_fail(INV_EFORMAT, "%s (%d missing, %d unexpected, %d mis-shaped)", msg,
                        missing.count, unexpected.count, shaped.count);
    }
    for (int i = 0; i < p->count; i++) {
        const nn_param_info *t = &p->info[i];
        snprintf(name, sizeof name, "%s%s", prefix, t->name);
        const st_tensor *s = st_find(f, name);
        if (t->kind == PARAM_COUNT) {
            int64_t v;
            if (s->dtype == ST_I64)
                memcpy(&v, s->data, 8);
            else if (s->dtype == ST_I32) {
                int32_t v32;
                memcpy(&v32, s->data, 4);
                v = v32;
            } else {
                float vf;
                memcpy(&vf, s->data, 4);
                v = (int64_t)vf;
            }
            *params_count(p, i) = v;
        } else {
            INV_TRY(st_read_f32(f, name, params_data(p, i), t->numel));
        }
    }
    return INV_OK;
}

int nn_checkpoint_load(nn_params *p, const char *path, const char *prefix, unsigned flags,
                       const char **used_prefix) {
    st_file f;
    INV_TRY(st_open(&f, path));
    int rc = nn_checkpoint_load_file(p, &f, prefix, flags, used_prefix);
    st_close(&f);
    return rc;
}
