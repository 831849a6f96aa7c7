/* CPU implementation of lp_logprod on any processor: log_lp.h's
 * specification row by row, so reproducible (the bits of every other
 * reproducible implementation: avx512-lplog, OpenCL, CUDA).  Built without
 * -ffast-math and without contraction (CMakeLists.txt); fma is the C
 * library's, correctly rounded with or without the instruction. */
#include "log_lp.h"
#include "logprod_cpu_starpu.h"

void lp_logprod_kernel_lplog(size_t n, unsigned intensity, const double *x, const double *y,
                             const double *z, double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = lp_logprod_ref(x[i], y[i], z[i], intensity);
}

void lp_logprod_kernel_lplog_f32(size_t n, unsigned intensity, const float *x, const float *y,
                                 const float *z, float *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = lp_logprodf_ref(x[i], y[i], z[i], intensity);
}

LP_CPU_STARPU(lplog)
