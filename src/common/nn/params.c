// params.c: the named-parameter table and its two contiguous buffers. Trainable tensors are
// laid out first, so the optimizer and the gradient allreduce each see one flat array.
#include "nn/params.h"

#include "core/error.h"
#include "core/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void params_init(nn_params *p) {
    memset(p, 0, sizeof *p);
}

int params_add(nn_params *p, const char *name, nn_param_kind kind, int ndim, const int64_t *shape,
               int *index) {
    if (p->finalized) return inv_fail(INV_EINVAL, "params: '%s' declared after layout", name);
    if (ndim < 0 || ndim > 4 || strlen(name) >= NN_PARAM_NAME_MAX)
        return inv_fail(INV_EINVAL, "params: bad declaration of '%s'", name);
    if (p->count == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        nn_param_info *info = realloc(p->info, sizeof *info * cap);
        INV_CHECK_ALLOC(info, sizeof *info * cap, "parameter table");
        p->info = info;
        p->cap = cap;
    }
    nn_param_info *t = &p->info[p->count];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->kind = kind;
    t->ndim = ndim;
    t->numel = 1;
    for (int d = 0; d < ndim; d++) {
        t->shape[d] = shape[d];
        t->numel *= shape[d];
    }
    if (index) *index = p->count;
    p->count++;
    return INV_OK;
}

int params_finalize(nn_params *p) {
    size_t nt = 0, nb = 0, nc = 0;
    for (int i = 0; i < p->count; i++) {
        nn_param_info *t = &p->info[i];
        if (t->kind == PARAM_TRAINABLE)
            t->offset = nt, nt += (size_t)t->numel;
        else if (t->kind == PARAM_BUFFER)
            t->offset = nb, nb += (size_t)t->numel;
        else
            t->offset = nc, nc += 1;
    }
    for (int i = 0; i < p->count; i++)
        if (p->info[i].kind == PARAM_BUFFER) p->info[i].offset += nt;
    p->data = inv_aligned_alloc(sizeof(float) * (nt + nb));
    p->grad = inv_aligned_alloc(sizeof(float) * (nt ? nt : 1));
    p->counts = calloc(nc ? nc : 1, sizeof(int64_t));
    if (!p->data || !p->grad || !p->counts) {
        params_free(p);
        return inv_fail(INV_ENOMEM, "parameters: out of memory (%zu floats)", 2 * nt + nb);
    }
    p->n_trainable = nt;
    p->n_buffer = nb;
    p->n_counts = nc;
    p->finalized = 1;
    return INV_OK;
}

void params_free(nn_params *p) {
    free(p->info);
    inv_aligned_free(p->data);
    inv_aligned_free(p->grad);
    free(p->counts);
    memset(p, 0, sizeof *p);
}

float *params_data(const nn_params *p, int index) {
    const nn_param_info *t = &p->info[index];
    return t->kind == PARAM_COUNT ? NULL : p->data + t->offset;
}

float *params_grad(const nn_params *p, int index) {
    const nn_param_info *t = &p->info[index];
    return t->kind == PARAM_TRAINABLE ? p->grad + t->offset : NULL;
}

int64_t *params_count(const nn_params *p, int index) {
    const nn_param_info *t = &p->info[index];
    return t->kind == PARAM_COUNT ? p->counts + t->offset : NULL;
}

int params_find(const nn_params *p, const char *name) {
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->info[i].name, name) == 0) return i;
    return -1;
}
