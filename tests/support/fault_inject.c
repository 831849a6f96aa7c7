/* Linked into lp-starpu-faulty, a test-only build of the tool (src/tool/main.c)
 * whose codelet can lose one tile's result, so that the tests can show a
 * lost result is caught (--verify, the NaN poisoning of out) instead of
 * trusting that it would be.  The lp-starpu binary has no such hook.
 *
 *   LP_FAULT_DROP_TILE=T[:S]   the task of tile T returns without writing
 *                              its output, from its (S+1)-th execution on
 *                              (S = 0 by default: every time)
 *   LP_TEST_MAX_TILE_ROWS=R    a tile (a StarPU handle) holds at most R rows
 *                              instead of 2^32 - 1, so that the cutting of
 *                              more rows than a handle holds is tested with
 *                              a few thousand rows
 *
 * It swaps the codelet's implementations before main() runs, that is
 * before StarPU starts; every other part of the run is the real one. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <starpu.h>

#include "logprod.h"
#include "tiles.h"

static long long drop_tile = -1, drop_from;
static atomic_llong executions;

static int drops(const void *cl_arg)
{
    const lp_tile_arg *arg = cl_arg;
    if (!arg || (long long)arg->tile != drop_tile)
        return 0;
    return atomic_fetch_add(&executions, 1) >= drop_from;
}

/* Every CPU implementation the codelet has, each wrapped. */
static starpu_cpu_func_t cpu_impl[STARPU_MAXIMPLEMENTATIONS];
#define CPU_WRAPPER(i)                                       \
    static void cpu##i(void *buffers[], void *cl_arg)        \
    {                                                        \
        if (!drops(cl_arg))                                  \
            cpu_impl[i](buffers, cl_arg);                    \
    }
CPU_WRAPPER(0)
CPU_WRAPPER(1)
CPU_WRAPPER(2)
CPU_WRAPPER(3)
CPU_WRAPPER(4)
CPU_WRAPPER(5)
CPU_WRAPPER(6)
CPU_WRAPPER(7)
static const starpu_cpu_func_t cpu_wrapper[] = {cpu0, cpu1, cpu2, cpu3, cpu4, cpu5, cpu6, cpu7};
_Static_assert(sizeof cpu_wrapper / sizeof cpu_wrapper[0] >= LP_CPU_IMPL_MAX, "wrappers");

#ifdef STARPU_USE_OPENCL
static void opencl(void *buffers[], void *cl_arg)
{
    if (!drops(cl_arg))
        lp_logprod_opencl(buffers, cl_arg);
}
#endif

#ifdef LP_HAVE_CUDA
static void cuda(void *buffers[], void *cl_arg)
{
    if (!drops(cl_arg))
        lp_logprod_cuda(buffers, cl_arg);
}
#endif

__attribute__((constructor)) static void install(void)
{
    const char *limit = getenv("LP_TEST_MAX_TILE_ROWS");
    if (limit && atoll(limit) > 0)
        lp_tile_rows_limit = (size_t)atoll(limit);
    const char *v = getenv("LP_FAULT_DROP_TILE");
    if (!v || sscanf(v, "%lld:%lld", &drop_tile, &drop_from) < 1)
        return;
    for (unsigned i = 0; i < LP_CPU_IMPL_MAX && lp_logprod_cl.cpu_funcs[i]; i++) {
        cpu_impl[i] = lp_logprod_cl.cpu_funcs[i];
        lp_logprod_cl.cpu_funcs[i] = cpu_wrapper[i];
    }
#ifdef STARPU_USE_OPENCL
    lp_logprod_cl.opencl_funcs[0] = opencl;
#endif
#ifdef LP_HAVE_CUDA
    lp_logprod_cl.cuda_funcs[0] = cuda;
#endif
}
