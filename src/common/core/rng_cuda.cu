// rng_cuda.cu: cuRAND Philox draws with invar's key scheme (see rng.h for the mapping), used
// to check that CPU and GPU random numbers are bit-identical.
#include "core/cuda_check.h"
#include "core/rng_cuda.h"

#include <curand_kernel.h>

__global__ static void philox_words(unsigned long long seed, rng_purpose purpose, uint32_t epoch,
                                    uint32_t index, uint32_t sub, uint32_t *out, float *uniform,
                                    int n) {
    curandStatePhilox4_32_10_t a, b;
    rng_cuda_init(seed, purpose, epoch, index, sub, &a);
    rng_cuda_init(seed, purpose, epoch, index, sub, &b);
    for (int i = 0; i < n; i++) {
        out[i] = curand(&a);
        uniform[i] = curand_uniform(&b);
    }
}

extern "C" int rng_cuda_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) return 0;
    return n;
}

extern "C" int rng_cuda_stream_words(uint64_t seed, rng_purpose purpose, uint32_t epoch,
                                     uint32_t index, uint32_t sub, uint32_t *out, float *uniform,
                                     int n) {
    if (n <= 0) return INV_OK;
    uint32_t *d_out = NULL;
    float *d_uni = NULL;
    INV_CHECK_CUDA(cudaMalloc(&d_out, sizeof(uint32_t) * (size_t)n));
    cudaError_t e = cudaMalloc(&d_uni, sizeof(float) * (size_t)n);
    if (e == cudaSuccess) {
        philox_words<<<1, 1>>>(seed, purpose, epoch, index, sub, d_out, d_uni, n);
        e = cudaGetLastError();
    }
    if (e == cudaSuccess)
        e = cudaMemcpy(out, d_out, sizeof(uint32_t) * (size_t)n, cudaMemcpyDeviceToHost);
    if (e == cudaSuccess)
        e = cudaMemcpy(uniform, d_uni, sizeof(float) * (size_t)n, cudaMemcpyDeviceToHost);
    cudaFree(d_out);
    cudaFree(d_uni);
    if (e != cudaSuccess)
        return inv_fail(INV_ECUDA, "rng_cuda_stream_words: %s", cudaGetErrorString(e));
    return INV_OK;
}
