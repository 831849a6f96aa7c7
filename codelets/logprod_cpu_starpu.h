/* LP_CPU_STARPU(isa): lp_logprod_cpu_<isa>, the StarPU function of one CPU
 * implementation, around its loops lp_logprod_kernel_<isa> and
 * lp_logprod_kernel_<isa>_f32 (either element type, as the tile says). */
#ifndef LP_LOGPROD_CPU_STARPU_H
#define LP_LOGPROD_CPU_STARPU_H

#include <starpu.h>

#include "logprod.h"

#define LP_CPU_STARPU(isa)                                                                 \
    void lp_logprod_cpu_##isa(void *buffers[], void *cl_arg)                               \
    {                                                                                      \
        const lp_tile_arg *arg = cl_arg;                                                   \
        size_t n = lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));                    \
        unsigned k = arg ? arg->intensity : 1;                                             \
        void *c[4];                                                                        \
        for (int b = 0; b < 4; b++)                                                        \
            c[b] = (void *)STARPU_VECTOR_GET_PTR(buffers[b]);                              \
        if (lp_tile_f32(arg))                                                              \
            lp_logprod_kernel_##isa##_f32(n, k, c[0], c[1], c[2], c[3]);                   \
        else                                                                               \
            lp_logprod_kernel_##isa(n, k, c[0], c[1], c[2], c[3]);                         \
    }

#endif
