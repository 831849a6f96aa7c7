/* CPU implementation of lp_logprod.
 *
 * Built with -O3 -ffast-math (this file only, see CMakeLists.txt): glibc
 * declares its vector log (libmvec) only under __FAST_MATH__, and that is
 * what turns the loop into 4-wide AVX2 calls (_ZGVdN4v_log).  target_clones
 * builds an AVX2+FMA copy and a baseline SSE2 copy (_ZGVbN2v_log) and picks
 * one at load time, so one binary runs well on any x86-64.  The AVX-512 copy
 * (_ZGVeN8v_log) is left out on purpose: it measured slower than AVX2 on the
 * AMD machines this was tuned on. */
#include <math.h>
#include <starpu.h>

#include "logprod.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) \
    && !defined(__SANITIZE_ADDRESS__)
#define LP_CPU_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define LP_CPU_CLONES
#endif

LP_CPU_CLONES
void lp_logprod_kernel(size_t n, const double *restrict x,
                       const double *restrict y, const double *restrict z,
                       double *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log(x[i]) * log(y[i]) * log(z[i]);
}

void lp_logprod_cpu(void *buffers[], void *cl_arg)
{
    (void)cl_arg;
    size_t n = STARPU_VECTOR_GET_NX(buffers[0]);
    lp_logprod_kernel(n, (const double *)STARPU_VECTOR_GET_PTR(buffers[0]),
                      (const double *)STARPU_VECTOR_GET_PTR(buffers[1]),
                      (const double *)STARPU_VECTOR_GET_PTR(buffers[2]),
                      (double *)STARPU_VECTOR_GET_PTR(buffers[3]));
}
