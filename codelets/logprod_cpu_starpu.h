/* LP_CPU_STARPU(isa): lp_logprod_cpu_<isa>, the StarPU function of one CPU
 * implementation, around its loops lp_logprod_kernel_<isa> and
 * lp_logprod_kernel_<isa>_f32 (either element type, as the tile says). */
#ifndef LP_LOGPROD_CPU_STARPU_H
#define LP_LOGPROD_CPU_STARPU_H

#include <starpu.h>

#include "logprod.h"
#include "lp_starpu.h"

typedef void lp_cpu_kernel_f64(size_t n, unsigned intensity, const double *x, const double *y,
                               const double *z, double *out);
typedef void lp_cpu_kernel_f32(size_t n, unsigned intensity, const float *x, const float *y,
                               const float *z, float *out);

/* One tile through a kernel.  A tile of many terms per row (--intensity)
 * can take seconds: it goes in pieces of about 64K logarithms, and stops
 * between pieces once a stop is asked (lp_request_stop), so that Ctrl-C
 * does not wait for it.  Rows are independent: the pieces give the same
 * bits as one call.  A stopped tile's rest keeps what was there (the run
 * then fails as interrupted; its results are never used). */
static inline void lp_cpu_run_tile(void *buffers[], const lp_tile_arg *arg,
                                   lp_cpu_kernel_f64 *kernel, lp_cpu_kernel_f32 *kernel_f32)
{
    size_t n = lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));
    unsigned k = arg ? arg->intensity : 1;
    size_t piece = k > 1 ? (65536 / k / 256 + 1) * 256 : n, size = lp_tile_f32(arg) ? 4 : 8;
    char *c[4];
    for (int b = 0; b < 4; b++)
        c[b] = (char *)STARPU_VECTOR_GET_PTR(buffers[b]);
    for (size_t i = 0; i < n && (i == 0 || !lp_stop_requested()); i += piece) {
        size_t m = n - i < piece ? n - i : piece, at = i * size;
        if (size == 4)
            kernel_f32(m, k, (float *)(c[0] + at), (float *)(c[1] + at), (float *)(c[2] + at),
                       (float *)(c[3] + at));
        else
            kernel(m, k, (double *)(c[0] + at), (double *)(c[1] + at), (double *)(c[2] + at),
                   (double *)(c[3] + at));
    }
}

#define LP_CPU_STARPU(isa)                                                                 \
    void lp_logprod_cpu_##isa(void *buffers[], void *cl_arg)                               \
    {                                                                                      \
        lp_cpu_run_tile(buffers, cl_arg, lp_logprod_kernel_##isa,                          \
                        lp_logprod_kernel_##isa##_f32);                                    \
    }

#endif
