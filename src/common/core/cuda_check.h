// cuda_check.h: check macros for CUDA runtime, cuBLAS, cuDNN and NCCL calls (CUDA builds
// only), in the style of error.h: on failure they record "call: reason" and return INV_ECUDA.
#ifndef INVAR_CORE_CUDA_CHECK_H
#define INVAR_CORE_CUDA_CHECK_H

#include "core/error.h"

#include <cuda_runtime.h>

#define INV_CHECK_CUDA(call)                                                                       \
    do {                                                                                           \
        cudaError_t inv_cu_ = (call);                                                              \
        if (inv_cu_ != cudaSuccess)                                                                \
            return inv_fail(INV_ECUDA, "%s: %s", #call, cudaGetErrorString(inv_cu_));              \
    } while (0)

#ifdef CUDNN_MAJOR
#define INV_CHECK_CUDNN(call)                                                                      \
    do {                                                                                           \
        cudnnStatus_t inv_dnn_ = (call);                                                           \
        if (inv_dnn_ != CUDNN_STATUS_SUCCESS)                                                      \
            return inv_fail(INV_ECUDA, "%s: %s", #call, cudnnGetErrorString(inv_dnn_));            \
    } while (0)
#endif

#ifdef CUBLAS_API_H_
#define INV_CHECK_CUBLAS(call)                                                                     \
    do {                                                                                           \
        cublasStatus_t inv_blas_ = (call);                                                         \
        if (inv_blas_ != CUBLAS_STATUS_SUCCESS)                                                    \
            return inv_fail(INV_ECUDA, "%s: cuBLAS status %d", #call, (int)inv_blas_);             \
    } while (0)
#endif

#ifdef NCCL_H_
#define INV_CHECK_NCCL(call)                                                                       \
    do {                                                                                           \
        ncclResult_t inv_nccl_ = (call);                                                           \
        if (inv_nccl_ != ncclSuccess)                                                              \
            return inv_fail(INV_ECUDA, "%s: %s", #call, ncclGetErrorString(inv_nccl_));            \
    } while (0)
#endif

#endif
