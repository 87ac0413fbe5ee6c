// backend.c: builds the backend tables. "reference" routes every operation to the plain
// readable code (im2col + BLAS convolutions); "cpu" is the fast path: oneDNN convolutions
// (conv_dnnl.c) when the build has oneDNN, the same OpenMP code for everything else.
#include "nn/backend.h"

#include "nn/batchnorm.h"
#include "nn/conv.h"
#include "nn/conv_dnnl.h"
#include "nn/linear.h"
#include "nn/pool.h"
#include "nn/relu.h"

#include "core/error.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

int nn_backend_parse(const char *name, nn_backend_kind *kind) {
    if (strcmp(name, "reference") == 0)
        *kind = NN_BACKEND_REFERENCE;
    else if (strcmp(name, "cpu") == 0)
        *kind = NN_BACKEND_CPU;
    else
        return inv_fail(INV_EINVAL, "unknown backend '%s' (reference or cpu)", name);
    return INV_OK;
}

int nn_act_block(const nn_backend *be, int c) {
    return (be && be->act_block > 1 && c % be->act_block == 0) ? be->act_block : 1;
}

void nn_layout_to_plain(const nn_backend *be, int n, int c, int hw, const float *src, float *dst) {
    int b = nn_act_block(be, c);
    int64_t chw = (int64_t)c * hw;
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++)
            for (int j = 0; j < hw; j++)
                dst[i * chw + (int64_t)ch * hw + j] =
                    src[i * chw + ((int64_t)(ch / b) * hw + j) * b + ch % b];
}

void nn_layout_from_plain(const nn_backend *be, int n, int c, int hw, const float *src,
                          float *dst) {
    int b = nn_act_block(be, c);
    int64_t chw = (int64_t)c * hw;
#pragma omp parallel for collapse(2) schedule(static)
    for (int i = 0; i < n; i++)
        for (int ch = 0; ch < c; ch++)
            for (int j = 0; j < hw; j++)
                dst[i * chw + ((int64_t)(ch / b) * hw + j) * b + ch % b] =
                    src[i * chw + (int64_t)ch * hw + j];
}

static void destroy_plain(nn_backend *be) {
    free(be);
}

int nn_backend_create(nn_backend **out, nn_backend_kind kind) {
    *out = NULL;
    nn_backend *be = calloc(1, sizeof *be);
    INV_CHECK_ALLOC(be, sizeof *be, "backend");
    be->name = "reference";
    be->act_block = 1;
    be->conv_forward = conv_forward_ref;
    be->conv_backward_data = conv_backward_data_ref;
    be->conv_backward_weights = conv_backward_weights_ref;
    be->bn_forward_train = bn_forward_train_cpu;
    be->bn_forward_eval = bn_forward_eval_cpu;
    be->bn_backward = bn_backward_cpu;
    be->relu_forward = relu_forward_cpu;
    be->relu_backward = relu_backward_cpu;
    be->add = add_cpu;
    be->maxpool_forward = maxpool_forward_cpu;
    be->maxpool_backward = maxpool_backward_cpu;
    be->avgpool_forward = avgpool_forward_cpu;
    be->avgpool_backward = avgpool_backward_cpu;
    be->linear_forward = linear_forward_cpu;
    be->linear_backward = linear_backward_cpu;
    be->destroy = destroy_plain;
    // BLAS runs inside the model's sequence of layers, never inside an OpenMP region of ours.
    // The reference backend's convolutions are BLAS calls: give it the OpenMP thread count. The
    // fast backend uses BLAS only for small products (fc): one thread, because OpenBLAS's
    // pthreads spin after each call and would take the cores from the OpenMP/oneDNN threads.
    openblas_set_num_threads(kind == NN_BACKEND_CPU ? 1 : omp_get_max_threads());
    if (kind == NN_BACKEND_CPU) {
        be->name = "cpu";
#ifdef INVAR_HAVE_DNNL
        int rc = conv_dnnl_attach(be);
        if (rc) {
            free(be);
            return rc;
        }
#endif
    }
    *out = be;
    return INV_OK;
}

void nn_backend_destroy(nn_backend *be) {
    if (be && be->destroy) be->destroy(be);
}
