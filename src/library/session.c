/* Starting and stopping StarPU, and the workers it runs per backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "logprod.h"

#define LP_DEFAULT_SCHED "dmda"

void lp_options_init(lp_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->backend = LP_BACKEND_AUTO;
    opt->repeat = 1;
    opt->warmup = 1;
    opt->intensity = 1;
}

/* StarPU lets STARPU_SCHED override any policy the application names, so a
 * --sched flag is passed to StarPU through that variable for the duration of
 * starpu_init, and the user's value is put back afterwards.  lp-starpu's own
 * policy goes in conf instead, with the variable hidden meanwhile (StarPU
 * would warn that it does not know the name). */
static int init_with_policy(struct starpu_conf *conf, const char *name)
{
    const char *env = getenv("STARPU_SCHED");
    char *saved = env ? strdup(env) : NULL;
    if (lp_policy_find(name ? name : env) == &lp_eft_policy) {
        conf->sched_policy = &lp_eft_policy;
        conf->sched_policy_name = NULL;   /* starpu_conf_init read the variable */
        unsetenv("STARPU_SCHED");
    } else if (name) {
        setenv("STARPU_SCHED", name, 1);
    }
    int ret = starpu_init(conf);
    if (saved)
        setenv("STARPU_SCHED", saved, 1);
    else
        unsetenv("STARPU_SCHED");
    free(saved);
    return ret;
}

int lp_start(const lp_options *opt)
{
    char msg[256];
    lp_error_clear();
    if (lp_check_environment(msg, sizeof msg) != LP_OK) {
        lp_error("%s", msg);
        return LP_ERR_USAGE;
    }
    lp_set_defaults();
    /* Precedence: --sched, then STARPU_SCHED, then dmda. */
    const char *name = opt->sched;
    const char *env = getenv("STARPU_SCHED");
    if (!name && !env)
        name = LP_DEFAULT_SCHED;
    if (!lp_sched_known(name ? name : env)) {
        lp_error("unknown scheduler %s%s (--sched help lists them)", name ? "" : "STARPU_SCHED=",
                 name ? name : env);
        return LP_ERR_USAGE;
    }
    unsigned force = 0;
    int any = opt->cpu_impl && strcmp(opt->cpu_impl, "any") == 0;
    if (opt->cpu_impl && strcmp(opt->cpu_impl, "auto") != 0 && !any) {
        int i = lp_cpu_impl_find(opt->cpu_impl);
        if (i <= 0) {
            char built[256];
            lp_cpu_impl_names(built, sizeof built, " ");
            lp_error("unknown CPU implementation %s (built: %s)", opt->cpu_impl, built);
            return LP_ERR_USAGE;
        }
        if (!lp_cpu_impl_supported((unsigned)i)) {
            lp_error("this processor cannot run the %s CPU implementation", opt->cpu_impl);
            return LP_ERR_BACKEND;
        }
        force = (unsigned)i;
    }
    struct starpu_conf conf;
    starpu_conf_init(&conf);
    lp_heteroprio_reset();
    conf.sched_policy_init = lp_heteroprio_init;   /* only heteroprio calls it */
    /* FxT traces (StarPU built with FxT) only when asked for. */
    setenv("STARPU_FXT_TRACE", "0", 0);
    lp_signals_save();
    int ret = init_with_policy(&conf, name);
    lp_signals_restore();
    if (ret == -ENODEV) {
        lp_error("StarPU found no worker to start (STARPU_NCPU, STARPU_NCUDA, STARPU_NOPENCL "
                 "leave none?)");
        return LP_ERR_BACKEND;
    }
    if (ret != 0) {
        lp_error("StarPU failed to start (%s)", strerror(-ret));
        return LP_ERR_RUNTIME;
    }
    starpu_profiling_status_set(STARPU_PROFILING_ENABLE);
    /* Which CPU implementation runs: the reproducible one measured fastest
     * here (kept beside the models), the one named, or with "any" the
     * fastest of all (model-based policies: per worker). */
    lp_cpu_impl_configure(lp_sched_chooses_implementation(lp_sched_name()), force, any);
    lp_cpu_impl_choose(0, NULL);
    int built = lp_logprod_opencl_load();
    lp_signals_restore();   /* the OpenCL compiler's too */
    if (built != 0) {
        lp_error("could not build the OpenCL kernel");
        starpu_shutdown();
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}

int lp_simulated(void)
{
#ifdef STARPU_SIMGRID
    return 1;
#else
    return 0;
#endif
}

void lp_stop(void)
{
    lp_kept_let_go_all();
    lp_logprod_opencl_unload();
    starpu_shutdown();
}

static const enum starpu_worker_archtype archtype[LP_BACKEND_COUNT] = {
    [LP_BACKEND_AUTO] = STARPU_ANY_WORKER,
    [LP_BACKEND_CPU] = STARPU_CPU_WORKER,
    [LP_BACKEND_CUDA] = STARPU_CUDA_WORKER,
    [LP_BACKEND_OPENCL] = STARPU_OPENCL_WORKER,
};

static const char *const backend_names[LP_BACKEND_COUNT] = {
    "auto", "cpu", "cuda", "opencl",
};

unsigned lp_backend_workers(lp_backend b)
{
    if (b == LP_BACKEND_AUTO)
        return starpu_worker_get_count();
    return (unsigned)starpu_worker_get_count_by_type(archtype[b]);
}

const char *lp_backend_name(lp_backend b)
{
    return (unsigned)b < LP_BACKEND_COUNT ? backend_names[b] : "?";
}

int lp_backend_parse(const char *s, lp_backend *b)
{
    for (int i = 0; i < LP_BACKEND_COUNT; i++)
        if (strcmp(s, backend_names[i]) == 0) {
            *b = (lp_backend)i;
            return 0;
        }
    return -1;
}

lp_backend lp_worker_backend(int workerid)
{
    switch (starpu_worker_get_type(workerid)) {
    case STARPU_CUDA_WORKER: return LP_BACKEND_CUDA;
    case STARPU_OPENCL_WORKER: return LP_BACKEND_OPENCL;
    default: return LP_BACKEND_CPU;
    }
}

size_t lp_struct_size(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } sizes[] = {
        {"lp_options", sizeof(lp_options)},           {"lp_data", sizeof(lp_data)},
        {"lp_report", sizeof(lp_report)},             {"lp_worker_stats", sizeof(lp_worker_stats)},
        {"lp_bus_stats", sizeof(lp_bus_stats)},       {"lp_task_record", sizeof(lp_task_record)},
    };
    for (size_t i = 0; name && i < sizeof sizes / sizeof sizes[0]; i++)
        if (strcmp(name, sizes[i].name) == 0)
            return sizes[i].size;
    return 0;
}
