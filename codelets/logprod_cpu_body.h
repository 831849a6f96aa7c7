/* The CPU loops of lp_logprod, compiled once per instruction set: each
 * logprod_cpu_*.c includes this header under its own -march (see
 * CMakeLists.txt) and -O3 -ffast-math, which is what lets GCC call glibc's
 * vector log (libmvec: _ZGVbN2v_log for SSE2, _ZGVdN4v_log for AVX2,
 * _ZGVeN8v_log for AVX-512).  LP_CPU_IMPL(isa) then defines
 * lp_logprod_kernel_<isa> and lp_logprod_cpu_<isa> (the StarPU function). */
#ifndef LP_LOGPROD_CPU_BODY_H
#define LP_LOGPROD_CPU_BODY_H

#include <math.h>
#include <starpu.h>

#include "logprod.h"

static void logprod(size_t n, const double *restrict x, const double *restrict y,
                    const double *restrict z, double *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log(x[i]) * log(y[i]) * log(z[i]);
}

/* --intensity K > 1: K terms per row.  Rows go in blocks that stay in L1,
 * and the inner loop runs over rows so that it vectorises like the K = 1
 * loop; memory is still read once. */
static void logprod_k(size_t n, unsigned intensity, const double *restrict x,
                      const double *restrict y, const double *restrict z,
                      double *restrict out)
{
    enum { BLOCK = 256 };
    double acc[BLOCK];
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t m = n - b < BLOCK ? n - b : BLOCK;
        const double *xb = x + b, *yb = y + b, *zb = z + b;
        for (size_t i = 0; i < m; i++)
            acc[i] = log(xb[i]) * log(yb[i]) * log(zb[i]);
        for (unsigned k = 1; k < intensity; k++) {
            const double dk = k;
            for (size_t i = 0; i < m; i++)
                acc[i] += log(xb[i] + dk) * log(yb[i] + dk) * log(zb[i] + dk);
        }
        for (size_t i = 0; i < m; i++)
            out[b + i] = acc[i];
    }
}

#define LP_CPU_IMPL(isa)                                                                   \
    void lp_logprod_kernel_##isa(size_t n, unsigned intensity, const double *x,            \
                                 const double *y, const double *z, double *out)            \
    {                                                                                      \
        if (intensity <= 1)                                                                \
            logprod(n, x, y, z, out);                                                      \
        else                                                                               \
            logprod_k(n, intensity, x, y, z, out);                                         \
    }                                                                                      \
    void lp_logprod_cpu_##isa(void *buffers[], void *cl_arg)                               \
    {                                                                                      \
        const lp_tile_arg *arg = cl_arg;                                                   \
        size_t n = lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));                    \
        lp_logprod_kernel_##isa(n, arg ? arg->intensity : 1,                               \
                                (const double *)STARPU_VECTOR_GET_PTR(buffers[0]),         \
                                (const double *)STARPU_VECTOR_GET_PTR(buffers[1]),         \
                                (const double *)STARPU_VECTOR_GET_PTR(buffers[2]),         \
                                (double *)STARPU_VECTOR_GET_PTR(buffers[3]));              \
    }

#endif
