/* StarPU's environment: lp-starpu's defaults (below), and StarPU's numeric
 * variables, checked before starpu_init:
 * StarPU 1.3 aborts the whole process (a backtrace, exit 134; in Python
 * the interpreter dies) on a value it cannot parse, such as STARPU_NCPU=abc.
 * The names are those StarPU 1.3.10 reads with starpu_get_env_number*
 * (a whole number >= 0) and starpu_get_env_float_default (a float), from
 * its source; its parsers take strtol/strtof's whole string, so an empty
 * value passes there and here. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static const char *const whole_numbers[] = {
    "STARPU_BACKOFF_MAX", "STARPU_BACKOFF_MIN", "STARPU_BUS_CALIBRATE", "STARPU_BUS_STATS",
    "STARPU_CALIBRATE", "STARPU_CALIBRATE_MINIMUM", "STARPU_CATCH_SIGNALS",
    "STARPU_CHECK_ENTIRE_PLATFORM", "STARPU_COMM_STATS", "STARPU_CUDA_PIPELINE",
    "STARPU_CUDA_THREAD_PER_DEV", "STARPU_CUDA_THREAD_PER_WORKER", "STARPU_DIDUSE_BARRIER",
    "STARPU_DISABLE_ASYNCHRONOUS_COPY", "STARPU_DISABLE_ASYNCHRONOUS_CUDA_COPY",
    "STARPU_DISABLE_ASYNCHRONOUS_OPENCL_COPY", "STARPU_DISABLE_KERNELS", "STARPU_DISABLE_PINNING",
    "STARPU_DISPLAY_BINDINGS", "STARPU_ENABLE_CUDA_GPU_GPU_DIRECT", "STARPU_FXT_TRACE",
    "STARPU_GENERATE_TRACE", "STARPU_GLOBAL_ARBITER", "STARPU_HISTORY_MAX_ERROR",
    "STARPU_LIMIT_BANDWIDTH", "STARPU_LIMIT_CPU_MEM", "STARPU_LIMIT_CPU_NUMA_MEM",
    "STARPU_LIMIT_CUDA_MEM", "STARPU_LIMIT_MAX_SUBMITTED_TASKS",
    "STARPU_LIMIT_MIN_SUBMITTED_TASKS", "STARPU_LIMIT_OPENCL_MEM", "STARPU_MAIN_THREAD_BIND",
    "STARPU_MAIN_THREAD_COREID", "STARPU_MAIN_THREAD_CPUID", "STARPU_MAX_MEMORY_USE",
    "STARPU_MAX_PRIO", "STARPU_MAX_WORKERSIZE", "STARPU_MEMORY_STATS",
    "STARPU_MINIMUM_AVAILABLE_MEM", "STARPU_MINIMUM_CLEAN_BUFFERS", "STARPU_MIN_PRIO",
    "STARPU_MIN_WORKERSIZE", "STARPU_MPI_CACHE", "STARPU_MPI_CACHE_STATS",
    "STARPU_MPI_COOP_SENDS", "STARPU_MPI_NDETACHED_SEND", "STARPU_MPI_NOBIND",
    "STARPU_MPI_NREADY_PROCESS", "STARPU_MPI_PRIORITIES", "STARPU_MPI_THREAD_COREID",
    "STARPU_MPI_THREAD_CPUID", "STARPU_NCPU", "STARPU_NCPUS", "STARPU_NCUDA",
    "STARPU_NOPENCL", "STARPU_NTASKS_THRESHOLD", "STARPU_NTHREADS_PER_CORE",
    "STARPU_NWORKER_PER_CUDA", "STARPU_OPENCL_ONLY_ON_CPUS", "STARPU_OPENCL_ON_CPUS",
    "STARPU_OPENCL_PIPELINE", "STARPU_PCI_FLAT", "STARPU_PERF_MODEL_HOMOGENEOUS_CPU",
    "STARPU_PERF_MODEL_HOMOGENEOUS_CUDA", "STARPU_PERF_MODEL_HOMOGENEOUS_OPENCL",
    "STARPU_PREFETCH", "STARPU_RAND_SEED", "STARPU_RESERVE_NCPU", "STARPU_SCHED_READY",
    "STARPU_SCHED_SORTED_ABOVE", "STARPU_SCHED_SORTED_BELOW", "STARPU_SILENT",
    "STARPU_SINGLE_COMBINED_WORKER", "STARPU_STATS", "STARPU_SYNTHESIZE_ARITY_COMBINED_WORKER",
    "STARPU_TARGET_AVAILABLE_MEM", "STARPU_TARGET_CLEAN_BUFFERS", "STARPU_TASK_PROGRESS",
    "STARPU_TRACE_BUFFER_SIZE", "STARPU_USE_NUMA", "STARPU_WATCHDOG_CRASH",
    "STARPU_WATCHDOG_DELAY", "STARPU_WORKERS_GETBIND", "STARPU_WORKERS_NOBIND",
    "STARPU_WORKER_TREE", NULL,
};

static const char *const floats[] = {
    "STARPU_EXP_LEN_THRESHOLD", "STARPU_IDLE_POWER", "STARPU_SCHED_ALPHA", "STARPU_SCHED_BETA",
    "STARPU_SCHED_GAMMA", "STARPU_WINDOW_TIME_SIZE", NULL,
};

/* As StarPU reads it (strtol over the whole string, >= 0), and within an
 * int, which StarPU casts it to. */
static int whole_ok(const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return *end == '\0' && errno == 0 && n >= 0 && n <= INT_MAX;
}

static int float_ok(const char *v)
{
    char *end;
    (void)strtof(v, &end);
    return *end == '\0';
}

int lp_check_environment(char *msg, size_t len)
{
    for (int i = 0; whole_numbers[i]; i++) {
        const char *v = getenv(whole_numbers[i]);
        if (v && !whole_ok(v)) {
            snprintf(msg, len, "%s='%s': expected a whole number from 0 to %d", whole_numbers[i],
                     v, INT_MAX);
            return LP_ERR_USAGE;
        }
    }
    for (int i = 0; floats[i]; i++) {
        const char *v = getenv(floats[i]);
        if (v && !float_ok(v)) {
            snprintf(msg, len, "%s='%s': expected a number", floats[i], v);
            return LP_ERR_USAGE;
        }
    }
    if (len)
        msg[0] = '\0';
    return LP_OK;
}

/* lp-starpu's defaults, set by lp_start (the tool and the Python module
 * alike), each only when the user has not set it: performance models under
 * the user's cache directory, a history tolerance that suits a memory-bound
 * task, and StarPU's own chatter off (lp-starpu prints its own notices
 * instead).  The names set, for the report: lp_start_defaults(). */
static char defaults_set[160];

const char *lp_start_defaults(void)
{
    return defaults_set;
}

static int mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

void lp_set_defaults(void)
{
    char *set = defaults_set;
    set[0] = '\0';
    if (!getenv("STARPU_HOME") && !getenv("STARPU_PERF_MODEL_DIR")) {
        const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        char dir[4096];
        if (cache && *cache)
            snprintf(dir, sizeof dir, "%s/lp-starpu", cache);
        else
            snprintf(dir, sizeof dir, "%s/.cache/lp-starpu", home && *home ? home : "/tmp");
        if (mkdirs(dir) == 0) {
            setenv("STARPU_PERF_MODEL_DIR", dir, 1);
            strcat(set, "STARPU_PERF_MODEL_DIR ");
        }
    }
    /* A tile takes twice as long when the other workers run beside it (they
     * share the memory bus): StarPU's default 50% tolerance then flushes the
     * history again and again, and the model never becomes trusted. */
    if (!getenv("STARPU_HISTORY_MAX_ERROR")) {
        setenv("STARPU_HISTORY_MAX_ERROR", "300", 1);
        strcat(set, "STARPU_HISTORY_MAX_ERROR ");
    }
    if (!getenv("STARPU_SILENT")) {
        setenv("STARPU_SILENT", "1", 1);
        strcat(set, "STARPU_SILENT ");
    }
    /* StarPU built with FxT records a trace unless told not to: only for
     * --trace (trace_fxt.c turns it on). */
    if (!getenv("STARPU_FXT_TRACE")) {
        setenv("STARPU_FXT_TRACE", "0", 1);
        strcat(set, "STARPU_FXT_TRACE ");
    }
}
