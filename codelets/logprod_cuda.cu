/* CUDA implementation of lp_logprod: one thread per row, launched on the
 * worker's stream and left asynchronous (STARPU_CUDA_ASYNC), so StarPU can
 * overlap this tile's kernel with the next tiles' transfers.  Each row is
 * log_lp.h's lp_logprod_ref (lp_logprodf_ref for float32 tiles), so the
 * bits of every other reproducible implementation; this file is built with
 * -fmad=false (CMakeLists.txt), which keeps nvcc from fusing a product and
 * a sum the specification keeps apart. */
#include <starpu.h>

#include "log_lp.h"
#include "logprod.h"

static __device__ __forceinline__ double lp_row(double x, double y, double z, unsigned k)
{
    return lp_logprod_ref(x, y, z, k);
}
static __device__ __forceinline__ float lp_row(float x, float y, float z, unsigned k)
{
    return lp_logprodf_ref(x, y, z, k);
}

template <typename T>
static __global__ void logprod_kernel(unsigned n, unsigned intensity, const T *__restrict__ x,
                                      const T *__restrict__ y, const T *__restrict__ z,
                                      T *__restrict__ out)
{
    unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = lp_row(x[i], y[i], z[i], intensity);
}

template <typename T>
static void launch(void *buffers[], unsigned n, unsigned intensity)
{
    const unsigned threads = 256;
    unsigned blocks = n / threads + (n % threads != 0);   /* n + 255 would wrap past 2^32 - 256 */
    logprod_kernel<T><<<blocks, threads, 0, starpu_cuda_get_local_stream()>>>(
        n, intensity, (const T *)STARPU_VECTOR_GET_PTR(buffers[0]),
        (const T *)STARPU_VECTOR_GET_PTR(buffers[1]), (const T *)STARPU_VECTOR_GET_PTR(buffers[2]),
        (T *)STARPU_VECTOR_GET_PTR(buffers[3]));
}

extern "C" void lp_logprod_cuda(void *buffers[], void *cl_arg)
{
    const lp_tile_arg *arg = (const lp_tile_arg *)cl_arg;
    unsigned n = (unsigned)lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));
    unsigned intensity = arg ? arg->intensity : 1u;
    if (n == 0)
        return;
    if (lp_tile_f32(arg))
        launch<float>(buffers, n, intensity);
    else
        launch<double>(buffers, n, intensity);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        lp_codelet_fail(arg ? arg->tile : 0, "CUDA", cudaGetErrorString(err));
}
