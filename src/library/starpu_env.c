/* StarPU's environment: lp-starpu's defaults (below), and StarPU's numeric
 * variables, checked before starpu_init:
 * StarPU 1.3 aborts the whole process (a backtrace, exit 134; in Python
 * the interpreter dies) on a value it cannot parse, such as STARPU_NCPU=abc.
 * The names are those StarPU 1.3.10 reads with starpu_get_env_number*
 * (a whole number >= 0) and starpu_get_env_float_default (a float), from
 * its source; its parsers take strtol/strtof's whole string, so an empty
 * value passes there and here; and its lists of workers' CPUs and devices. */
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
    "STARPU_WORKER_TREE",
    /* Read by every starpu_init, by StarPU-MPI, by the simulated builds, or
     * for devices lp-starpu does not use: StarPU aborts on them as well. */
    "STARPU_DISABLE_ASYNCHRONOUS_MIC_COPY", "STARPU_DISABLE_ASYNCHRONOUS_MPI_MS_COPY",
    "STARPU_DISK_SWAP_SIZE", "STARPU_MALLOC_SIMULATION_FOLD", "STARPU_MPI_DEBUG_LEVEL_MAX",
    "STARPU_MPI_DEBUG_LEVEL_MIN", "STARPU_MPI_DRIVER_CALL_FREQUENCY",
    "STARPU_MPI_DRIVER_TASK_FREQUENCY", "STARPU_MPI_FAKE_RANK", "STARPU_MPI_FAKE_SIZE",
    "STARPU_MPI_MASTER_NODE", "STARPU_NMIC", "STARPU_NMICTHREADS", "STARPU_NMPIMSTHREADS",
    "STARPU_NMPI_MS", "STARPU_PERF_MODEL_HOMOGENEOUS_MIC", "STARPU_PERF_MODEL_HOMOGENEOUS_MPI_MS",
    "STARPU_SCHED_GRAPH_TEST_DESCENDANTS", "STARPU_SIMGRID", "STARPU_SIMGRID_CUDA_MALLOC_COST",
    "STARPU_SIMGRID_CUDA_QUEUE_COST", "STARPU_SIMGRID_FETCHING_INPUT_COST",
    "STARPU_SIMGRID_SCHED_COST", "STARPU_SIMGRID_TASK_SUBMIT_COST",
    "STARPU_SIMGRID_TRANSFER_COST", "STARPU_TASK_BREAK_ON_EXEC", "STARPU_TASK_BREAK_ON_POP",
    "STARPU_TASK_BREAK_ON_PUSH", "STARPU_TASK_BREAK_ON_SCHED", NULL,
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

/* StarPU's worker lists (topology.c): whole numbers apart by blanks, the
 * CPU lists also by a comma, with ranges a-b or a-.  StarPU aborts on a
 * list it cannot start to read (STARPU_WORKERS_CPUID=abc, or empty) and
 * drops silently what follows the first thing it does not know ("0,1" for
 * CUDA devices is device 0 alone): both refused here. */
static const char *const cpu_lists[] = {"STARPU_WORKERS_CPUID", "STARPU_WORKERS_COREID", NULL};
static const char *const device_lists[] = {"STARPU_WORKERS_CUDAID", "STARPU_WORKERS_OPENCLID",
                                           NULL};

/* Past the whole number (at most INT_MAX) at v, or NULL. */
static const char *whole_at(const char *v)
{
    long long n = 0;
    const char *s = v;
    while (*s >= '0' && *s <= '9' && n <= INT_MAX)
        n = n * 10 + (*s++ - '0');
    return s > v && n <= INT_MAX ? s : NULL;
}

static const char *blanks(const char *v)
{
    while (*v == ' ' || *v == '\t')
        v++;
    return v;
}

static int list_ok(const char *v, int cpus)
{
    int entries = 0;
    for (v = blanks(v); *v; v = blanks(v)) {
        if (!(v = whole_at(v)))
            return 0;
        if (cpus && *v == '-' && (*++v >= '0' && *v <= '9') && !(v = whole_at(v)))
            return 0;
        entries++;
        if (cpus && *v == ',')
            v++;
        else if (*v && *v != ' ' && *v != '\t')
            return 0;
    }
    return entries > 0;
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
    for (int cpus = 0; cpus <= 1; cpus++)
        for (const char *const *name = cpus ? cpu_lists : device_lists; *name; name++) {
            const char *v = getenv(*name);
            if (v && !list_ok(v, cpus)) {
                snprintf(msg, len, "%s='%s': expected %s", *name, v,
                         cpus ? "CPU numbers apart by spaces or commas, or ranges such as 0-3"
                              : "device numbers apart by spaces");
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

/* What the last lp_start set, to undo before the next one decides again: a
 * default left in the environment would pass for the user's own (and a
 * STARPU_HOME set in between would lose to the old model directory). */
#define LP_DEFAULTS 4
static struct {
    const char *name;
    char value[4096];
} ours[LP_DEFAULTS];

const char *lp_start_defaults(void)
{
    return defaults_set;
}

static void set_default(const char *name, const char *value)
{
    setenv(name, value, 1);
    strcat(defaults_set, name);
    strcat(defaults_set, " ");
    for (int i = 0; i < LP_DEFAULTS; i++)
        if (!ours[i].name) {
            ours[i].name = name;
            snprintf(ours[i].value, sizeof ours[i].value, "%s", value);
            return;
        }
}

/* The earlier defaults withdrawn, those the user (or the tool's --trace)
 * has not changed since. */
static void unset_defaults(void)
{
    for (int i = 0; i < LP_DEFAULTS; i++) {
        const char *now = ours[i].name ? getenv(ours[i].name) : NULL;
        if (now && strcmp(now, ours[i].value) == 0)
            unsetenv(ours[i].name);
        ours[i].name = NULL;
    }
    defaults_set[0] = '\0';
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
    unset_defaults();
    if (!getenv("STARPU_HOME") && !getenv("STARPU_PERF_MODEL_DIR")) {
        const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        char dir[4096];
        if (cache && *cache)
            snprintf(dir, sizeof dir, "%s/lp-starpu", cache);
        else
            snprintf(dir, sizeof dir, "%s/.cache/lp-starpu", home && *home ? home : "/tmp");
        if (mkdirs(dir) == 0)
            set_default("STARPU_PERF_MODEL_DIR", dir);
    }
    /* A tile takes twice as long when the other workers run beside it (they
     * share the memory bus): StarPU's default 50% tolerance then flushes the
     * history again and again, and the model never becomes trusted. */
    if (!getenv("STARPU_HISTORY_MAX_ERROR"))
        set_default("STARPU_HISTORY_MAX_ERROR", "300");
    if (!getenv("STARPU_SILENT"))
        set_default("STARPU_SILENT", "1");
    /* StarPU built with FxT records a trace unless told not to: only for
     * --trace (trace_fxt.c turns it on). */
    if (!getenv("STARPU_FXT_TRACE"))
        set_default("STARPU_FXT_TRACE", "0");
}
