/* The CPU loops of lp_logprod, compiled once per instruction set: each
 * logprod_cpu_*.c includes this header under its own -march (see
 * CMakeLists.txt) and -O3 -ffast-math, which is what lets GCC call glibc's
 * vector log (libmvec: _ZGVbN2v_log for SSE2, _ZGVdN4v_log for AVX2,
 * _ZGVeN8v_log for AVX-512, and the logf ones, twice as wide).
 * LP_CPU_IMPL(isa) then defines lp_logprod_kernel_<isa>, its float32 twin
 * lp_logprod_kernel_<isa>_f32, and lp_logprod_cpu_<isa> (the StarPU
 * function, logprod_cpu_starpu.h). */
#ifndef LP_LOGPROD_CPU_BODY_H
#define LP_LOGPROD_CPU_BODY_H

#include <math.h>

#include "logprod.h"
#include "logprod_cpu_starpu.h"

/* out = log(x) log(y) log(z) for T = double (log) or float (logf). */
#define LP_LOOPS(T, LOG, SUFFIX)                                                           \
    static void logprod##SUFFIX(size_t n, const T *restrict x, const T *restrict y,       \
                                const T *restrict z, T *restrict out)                     \
    {                                                                                      \
        for (size_t i = 0; i < n; i++)                                                     \
            out[i] = LOG(x[i]) * LOG(y[i]) * LOG(z[i]);                                    \
    }                                                                                      \
    /* --intensity K > 1: K terms per row.  Rows go in blocks that stay in L1,    */   \
    /* and the inner loop runs over rows so that it vectorises like the K = 1     */   \
    /* loop; memory is still read once.                                           */   \
    static void logprod_k##SUFFIX(size_t n, unsigned intensity, const T *restrict x,      \
                                  const T *restrict y, const T *restrict z,               \
                                  T *restrict out)                                        \
    {                                                                                      \
        enum { BLOCK = 256 };                                                              \
        T acc[BLOCK];                                                                      \
        for (size_t b = 0; b < n; b += BLOCK) {                                            \
            size_t m = n - b < BLOCK ? n - b : BLOCK;                                      \
            const T *xb = x + b, *yb = y + b, *zb = z + b;                                 \
            for (size_t i = 0; i < m; i++)                                                 \
                acc[i] = LOG(xb[i]) * LOG(yb[i]) * LOG(zb[i]);                             \
            for (unsigned k = 1; k < intensity; k++) {                                     \
                const T dk = (T)k;                                                         \
                for (size_t i = 0; i < m; i++)                                             \
                    acc[i] += LOG(xb[i] + dk) * LOG(yb[i] + dk) * LOG(zb[i] + dk);         \
            }                                                                              \
            for (size_t i = 0; i < m; i++)                                                 \
                out[b + i] = acc[i];                                                       \
        }                                                                                  \
    }

LP_LOOPS(double, log, )
LP_LOOPS(float, logf, _f32)

#define LP_CPU_IMPL(isa)                                                                   \
    void lp_logprod_kernel_##isa(size_t n, unsigned intensity, const double *x,            \
                                 const double *y, const double *z, double *out)            \
    {                                                                                      \
        if (intensity <= 1)                                                                \
            logprod(n, x, y, z, out);                                                      \
        else                                                                               \
            logprod_k(n, intensity, x, y, z, out);                                         \
    }                                                                                      \
    void lp_logprod_kernel_##isa##_f32(size_t n, unsigned intensity, const float *x,       \
                                       const float *y, const float *z, float *out)         \
    {                                                                                      \
        if (intensity <= 1)                                                                \
            logprod_f32(n, x, y, z, out);                                                  \
        else                                                                               \
            logprod_k_f32(n, intensity, x, y, z, out);                                     \
    }                                                                                      \
    LP_CPU_STARPU(isa)

#endif
