/* The lp_logprod codelet and its performance model.
 *
 * The model is history-based: this map's cost is linear in the tile's rows
 * but its constant differs per worker and per bus, and with fixed-size
 * tiles every task hits an exact history entry, which dmda trusts once it
 * has about ten samples per worker type (see perfmodels/README.md). */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <starpu.h>

#include "logprod.h"

/* A task's cost depends on its tile's size and on --intensity: both go
 * into the footprint that indexes the history. */
uint32_t lp_logprod_footprint(struct starpu_task *task)
{
    const lp_tile_arg *arg = task->cl_arg;
    uint32_t intensity = arg ? arg->intensity : 1;
    uint32_t fp = starpu_hash_crc32c_be(intensity, starpu_task_data_footprint(task));
    /* float64's footprints as they always were: calibrated models stay. */
    return lp_tile_f32(arg) ? starpu_hash_crc32c_be(LP_TILE_F32, fp) : fp;
}

static struct starpu_perfmodel lp_logprod_model = {
    .type = STARPU_HISTORY_BASED,
    .symbol = "lp_logprod",
    .footprint = lp_logprod_footprint,
};

/* A worker runs an implementation its processor has, and on CPUs the one
 * set the policy chooses from (logprod_cpu_impls.c); an OpenCL device
 * without doubles, float tiles only. */
static int can_execute(unsigned workerid, struct starpu_task *task, unsigned nimpl)
{
    switch (starpu_worker_get_type((int)workerid)) {
    case STARPU_CPU_WORKER:
        return lp_cpu_impl_allowed(nimpl);
    case STARPU_OPENCL_WORKER:
        return lp_tile_f32(task ? task->cl_arg : NULL) ||
               lp_logprod_opencl_fp64(starpu_worker_get_devid((int)workerid));
    default:
        return 1;
    }
}

/* The order of logprod_cpu_impls.c's table. */
struct starpu_codelet lp_logprod_cl = {
    .name = "lp_logprod",
    .can_execute = can_execute,
    .cpu_funcs = {lp_logprod_cpu_auto, lp_logprod_cpu_baseline,
#ifdef LP_HAVE_CPU_AVX2
                  lp_logprod_cpu_avx2,
#endif
#ifdef LP_HAVE_CPU_AVX512
                  lp_logprod_cpu_avx512, lp_logprod_cpu_avx512_lplog,
#endif
                  lp_logprod_cpu_lplog,
#ifdef LP_HAVE_CPU_AVX2
                  lp_logprod_cpu_avx2_lplog,
#endif
    },
#if defined(LP_HAVE_CUDA) || defined(LP_SIMULATED)   /* simulated: logprod_sim.c */
    .cuda_funcs = {lp_logprod_cuda},
    .cuda_flags = {STARPU_CUDA_ASYNC},
#endif
#ifdef STARPU_USE_OPENCL
    .opencl_funcs = {lp_logprod_opencl},
    .opencl_flags = {STARPU_OPENCL_ASYNC},
#endif
    .nbuffers = 4,
    .modes = {STARPU_R, STARPU_R, STARPU_R, STARPU_W},
    .model = &lp_logprod_model,
};

static unsigned samples_of(struct starpu_perfmodel_arch *arch, unsigned nimpl,
                           uint32_t footprint)
{
    struct starpu_perfmodel_per_arch *per_arch =
        starpu_perfmodel_get_model_per_arch(&lp_logprod_model, arch, nimpl);
    if (!per_arch)
        return 0;
    for (struct starpu_perfmodel_history_list *l = per_arch->list; l; l = l->next)
        if (l->entry && l->entry->footprint == footprint)
            return l->entry->nsample;
    return 0;
}

/* The fewest samples of the implementations the worker may run: a model
 * is calibrated when every one the policy chooses from is. */
unsigned lp_logprod_samples(int workerid, uint32_t footprint)
{
    struct starpu_perfmodel_arch *arch = starpu_worker_get_perf_archtype(workerid, 0);
    if (!arch)
        return 0;
    if (starpu_worker_get_type(workerid) != STARPU_CPU_WORKER)
        return samples_of(arch, 0, footprint);
    unsigned fewest = 0;
    int any = 0;
    for (unsigned i = 0; i < lp_cpu_impl_count(); i++)
        if (lp_cpu_impl_allowed(i)) {
            unsigned n = samples_of(arch, i, footprint);
            if (!any++ || n < fewest)
                fewest = n;
        }
    return fewest;
}

const char *lp_logprod_impl_name(int workerid, unsigned nimpl)
{
    switch (starpu_worker_get_type(workerid)) {
    case STARPU_CPU_WORKER:
        return lp_cpu_impl_name(nimpl ? nimpl : lp_cpu_impl_chosen());
    case STARPU_CUDA_WORKER:
        return "cuda";
    case STARPU_OPENCL_WORKER:
        return "opencl";
    default:
        return "?";
    }
}

static atomic_int failed;
static char fail_msg[256];

void lp_codelet_fail(size_t tile, const char *backend, const char *what)
{
    int expected = 0;
    /* First failure wins; later ones are usually the same cause. */
    if (atomic_compare_exchange_strong(&failed, &expected, 1))
        snprintf(fail_msg, sizeof fail_msg, "%s error in tile %zu: %s", backend, tile, what);
    else
        return;
    atomic_store(&failed, 2);
}

int lp_codelet_failed(void)
{
    return atomic_load(&failed) != 0;
}

int lp_codelet_take_error(char *msg, size_t len)
{
    if (atomic_load(&failed) != 2)
        return 0;
    snprintf(msg, len, "%s", fail_msg);
    atomic_store(&failed, 0);
    return 1;
}
