/* CPU implementation of lp_logprod.
 *
 * Built with -O3 -ffast-math (this file only, see CMakeLists.txt): glibc
 * declares its vector log (libmvec) only under __FAST_MATH__, and that is
 * what turns the loop into 4-wide AVX2 calls (_ZGVdN4v_log).  target_clones
 * builds an AVX2+FMA copy and a baseline SSE2 copy (_ZGVbN2v_log) and picks
 * one at load time, so one binary runs well on any x86-64.  The AVX-512 copy
 * (_ZGVeN8v_log) is left out: it measured slower than AVX2 on the AMD VM
 * this was first tuned on, but faster on the same VM later (bench/perf.py's
 * -march=native loop, 2026-11-26): the choice has to be measured per
 * machine, not fixed here. */
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
static void logprod(size_t n, const double *restrict x, const double *restrict y,
                    const double *restrict z, double *restrict out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = log(x[i]) * log(y[i]) * log(z[i]);
}

/* --intensity K > 1: K terms per row.  Rows go in blocks that stay in L1,
 * and the inner loop runs over rows so that it vectorises like the K = 1
 * loop; memory is still read once. */
LP_CPU_CLONES
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

void lp_logprod_kernel(size_t n, unsigned intensity, const double *x, const double *y,
                       const double *z, double *out)
{
    if (intensity <= 1)
        logprod(n, x, y, z, out);
    else
        logprod_k(n, intensity, x, y, z, out);
}

void lp_logprod_cpu(void *buffers[], void *cl_arg)
{
    const lp_tile_arg *arg = cl_arg;
    size_t n = lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));
    lp_logprod_kernel(n, arg ? arg->intensity : 1,
                      (const double *)STARPU_VECTOR_GET_PTR(buffers[0]),
                      (const double *)STARPU_VECTOR_GET_PTR(buffers[1]),
                      (const double *)STARPU_VECTOR_GET_PTR(buffers[2]),
                      (double *)STARPU_VECTOR_GET_PTR(buffers[3]));
}
