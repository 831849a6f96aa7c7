/* CUDA implementation of lp_logprod: one thread per row, launched on the
 * worker's stream and left asynchronous (STARPU_CUDA_ASYNC), so StarPU can
 * overlap this tile's kernel with the next tiles' transfers.  CUDA's double
 * log is accurate to 1 ulp, so rows differ from the CPU's by a few ulp. */
#include <starpu.h>

#include "logprod.h"

static __global__ void logprod_kernel(unsigned n, unsigned intensity,
                                      const double *__restrict__ x,
                                      const double *__restrict__ y,
                                      const double *__restrict__ z,
                                      double *__restrict__ out)
{
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n)
        return;
    const double xi = x[i], yi = y[i], zi = z[i];
    double acc = log(xi) * log(yi) * log(zi);
    for (unsigned k = 1; k < intensity; k++)
        acc += log(xi + k) * log(yi + k) * log(zi + k);
    out[i] = acc;
}

extern "C" void lp_logprod_cuda(void *buffers[], void *cl_arg)
{
    const lp_tile_arg *arg = (const lp_tile_arg *)cl_arg;
    unsigned n = (unsigned)lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));
    const unsigned threads = 256;
    unsigned blocks = (n + threads - 1) / threads;

    logprod_kernel<<<blocks, threads, 0, starpu_cuda_get_local_stream()>>>(
        n, arg ? arg->intensity : 1u, (const double *)STARPU_VECTOR_GET_PTR(buffers[0]),
        (const double *)STARPU_VECTOR_GET_PTR(buffers[1]),
        (const double *)STARPU_VECTOR_GET_PTR(buffers[2]),
        (double *)STARPU_VECTOR_GET_PTR(buffers[3]));
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        lp_codelet_fail(arg ? arg->tile : 0, "CUDA", cudaGetErrorString(err));
}
