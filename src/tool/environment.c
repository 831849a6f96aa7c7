/* StarPU as the tool finds it: what it was built with (--version), why a
 * backend has no worker, and what an MPI launcher tells a process.  (The
 * STARPU_* defaults are lp_start's: src/library/starpu_env.c.) */
#define _GNU_SOURCE   /* sched_getaffinity */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "environment.h"
#include "lp_starpu_advanced.h"
#include "tool.h"

void lp_print_version(void)
{
    int major, minor, release;
    starpu_get_version(&major, &minor, &release);
    printf("lp-starpu %s\n", LP_VERSION);
    printf("StarPU %d.%d.%d\n", major, minor, release);
    printf("built with: CPU yes");
#ifdef STARPU_USE_CUDA
#ifdef LP_HAVE_CUDA
    printf(", CUDA yes");
#else
    printf(", CUDA in StarPU but no CUDA kernel (built without nvcc)");
#endif
#else
    printf(", CUDA no");
#endif
#ifdef STARPU_USE_OPENCL
    printf(", OpenCL yes");
#else
    printf(", OpenCL no");
#endif
#ifdef STARPU_USE_MPI
    printf(", MPI yes");
#else
    printf(", MPI no");
#endif
    printf(" (maximum %d CPU workers)\n", STARPU_MAXCPUS);
    /* In the codelet's order: the performance model's impl numbers. */
    printf("CPU code:");
    for (unsigned i = 0; i < lp_cpu_impl_count(); i++)
        printf("%s %s%s", i ? "," : "", lp_cpu_impl_name(i),
               i && !lp_cpu_impl_supported(i) ? " (not on this processor)" : "");
    printf(" (impl 0 to %u in the performance model)\n", lp_cpu_impl_count() - 1);
}

/* Why StarPU has no worker of kind b, as far as the tool can tell. */
const char *lp_backend_hint(lp_backend b)
{
    if (b == LP_BACKEND_CUDA) {
#ifndef LP_HAVE_CUDA
        return "lp-starpu was built without CUDA kernels";
#endif
        if (getenv("STARPU_NCUDA"))
            return "STARPU_NCUDA is set";
        return "no CUDA device was found";
    }
    if (b == LP_BACKEND_OPENCL) {
        if (getenv("STARPU_NOPENCL"))
            return "STARPU_NOPENCL is set";
        if (!getenv("STARPU_OPENCL_ON_CPUS"))
            return "no OpenCL GPU was found; set STARPU_OPENCL_ON_CPUS=1 to use a CPU "
                   "OpenCL device such as PoCL";
        return "no OpenCL device was found";
    }
    return getenv("STARPU_NCPU") ? "STARPU_NCPU is set" : "no CPU worker";
}

/* Open MPI, MPICH/Hydra (and Intel MPI), MVAPICH each export the job's size
 * and this process's rank to every process they start. */
long lp_launcher_size(long *rank, const char **name)
{
    static const char *const vars[][2] = {
        {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"},
        {"PMI_SIZE", "PMI_RANK"},
        {"MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_RANK"},
    };
    *rank = -1;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *size = getenv(vars[i][0]), *r = getenv(vars[i][1]);
        if (!size)
            continue;
        *name = vars[i][0];
        if (r)
            *rank = strtol(r, NULL, 10);
        return strtol(size, NULL, 10);
    }
    return 0;
}

/* A CPU worker spins on its CPU while it waits for work: more of them than
 * CPUs share them, and every run crawls (StarPU says so only when it is
 * not silent).  A simulated machine's workers are not threads on this one. */
void lp_cpu_workers_note(char *note, size_t len)
{
    note[0] = '\0';
    if (lp_simulated())
        return;
    unsigned ncpu = lp_backend_workers(LP_BACKEND_CPU);
    const char *asked = getenv("STARPU_NCPU");
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    if (cpus > 0 && ncpu > (unsigned)cpus)
        snprintf(note, len, "note: %u CPU workers on %d CPU%s: they share them, and the runs "
                 "crawl (STARPU_NCPU%s%s)", ncpu, cpus, cpus > 1 ? "s" : "",
                 asked ? "=" : " unset", asked ? asked : "");
    else if (asked && *asked && strtoul(asked, NULL, 10) > ncpu)
        snprintf(note, len, "note: STARPU_NCPU=%s: StarPU started %u CPU workers", asked, ncpu);
}
