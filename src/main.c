/* lp-starpu: the command-line tool.  Parses the options, starts StarPU,
 * makes or reads the rows, runs (or compares) and reports. */
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <starpu.h>

#include "cli.h"
#include "file_out.h"
#include "internal.h"
#ifdef LP_HAVE_MPI
#include "mpi_run.h"
#endif
#include "npy.h"

/* StarPU's clock only runs once StarPU has started: start-up and data
 * generation are timed with the system's monotonic clock. */
static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static void print_version(void)
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
}

/* Every file the command line names for writing can be written, and none
 * of them is the input: checked before spending time on the run. */
static int outputs_ok(const lp_cli *c)
{
    const char *paths[3] = {c->output, c->json, c->trace};
    for (int i = 0; i < 3; i++) {
        char err[600];
        struct stat in, out;
        if (!paths[i])
            continue;
        if (lp_out_check(paths[i], err, sizeof err) != 0) {
            fprintf(stderr, "lp-starpu: %s\n", err);
            return 0;
        }
        if (c->input && stat(c->input, &in) == 0 && stat(paths[i], &out) == 0 &&
            in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
            fprintf(stderr, "lp-starpu: %s: is the input file; refusing to overwrite it\n",
                    paths[i]);
            return 0;
        }
    }
    return 1;
}

/* Tool defaults for StarPU's environment, each only when the user has not
 * set it: performance models under the user's cache directory, a history
 * tolerance that suits a memory-bound task, and StarPU's own chatter off
 * (lp-starpu prints its own notices instead).
 * Returns the names it set, for the report. */
static const char *environment_defaults(void)
{
    static char set[128];
    set[0] = '\0';
    if (!getenv("STARPU_HOME") && !getenv("STARPU_PERF_MODEL_DIR")) {
        const char *cache = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
        char dir[4096];
        if (cache && *cache)
            snprintf(dir, sizeof dir, "%s/lp-starpu", cache);
        else
            snprintf(dir, sizeof dir, "%s/.cache/lp-starpu", home && *home ? home : "/tmp");
        if (lp_mkdirs(dir) == 0) {
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
    return set;
}

static int check_memory(unsigned long long rows)
{
    char need_s[32], avail_s[32];
    unsigned long long need = lp_bytes_needed(rows), avail = lp_memory_available();
    if (need == 0 && rows > 0) {
        fprintf(stderr, "lp-starpu: %llu rows: the memory needed does not fit in 64 bits\n", rows);
        return LP_ERR_RUNTIME;
    }
    if (avail && need > avail) {
        fprintf(stderr, "lp-starpu: %llu rows need %s of host memory (4 float64 columns), "
                "only %s is available\n", rows, lp_format_bytes((double)need, need_s, sizeof need_s),
                lp_format_bytes((double)avail, avail_s, sizeof avail_s));
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}

static const char *backend_hint(lp_backend b)
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

/* Rows into d, from --input or generated; bad inputs counted. */
static int load_data(const lp_cli *c, const lp_npy_header *h, lp_data *d,
                     lp_report_context *ctx)
{
    size_t rows = c->input ? h->rows : (size_t)c->rows;
    int status = lp_data_alloc(d, rows);
    if (status == LP_ERR_RUNTIME)
        fprintf(stderr, "lp-starpu: cannot allocate %zu rows\n", rows);
    if (status != LP_OK)
        return status;
    if (c->input) {
        char err[512];
        if (lp_npy_read_columns3(c->input, h, d->x, d->y, d->z, err, sizeof err) != 0) {
            fprintf(stderr, "lp-starpu: %s\n", err);
            return LP_ERR_RUNTIME;
        }
        ctx->bad_inputs = lp_count_bad_inputs(d, &ctx->first_bad_row);
    } else {
        /* In slices, so that a signal stops a long generation early. */
        const size_t slice = (size_t)1 << 20;
        for (size_t first = 0; first < rows && !lp_stop_requested(); first += slice)
            lp_data_fill_range(d, c->data, c->seed, first,
                               rows - first < slice ? rows - first : slice);
    }
    return LP_OK;
}

/* SIGINT and SIGTERM only set a flag (lp_request_stop): the run submits no
 * more tasks, waits for those in flight, StarPU shuts down and the tool
 * exits with 128 + the signal.  SA_RESTART, and a handler that does nothing
 * else, mean a file being written is always finished (and renamed) or not
 * started: never a half-written --output or a stray temporary file. */
static void on_stop_signal(int signo)
{
    lp_request_stop(signo);
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

/* Called after lp_start: StarPU's own SIGINT handler only dumps FxT traces
 * (this StarPU has none), and StarPU's threads, created while the signals
 * were blocked, keep them blocked: only the main thread ever handles them,
 * so no worker's blocking call is interrupted. */
static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* Before StarPU starts: its threads inherit the mask and keep the signals
 * blocked, so only the main thread handles them. */
static void block_stop_signals(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* --mpi: the whole run is the MPI driver's; input checks happen at rank 0. */
static int run_mpi(const lp_cli *c)
{
#ifdef LP_HAVE_MPI
    block_stop_signals();
    const char *defaults = environment_defaults();
    return lp_mpi_main(c, defaults, catch_stop_signals);
#else
    (void)c;
    fprintf(stderr, "lp-starpu: --mpi: built without StarPU-MPI\n");
    return LP_ERR_USAGE;
#endif
}

/* The progress line on a terminal: only once the runs have taken 2 s (short
 * jobs stay silent), at most 4 times a second, erased when they end. */
typedef struct progress {
    double start_ms, last_ms;
    int warmup, width;
} progress;

static void progress_begin(void *arg)
{
    progress *p = arg;
    p->start_ms = p->last_ms = now_ms();
}

static void progress_show(void *arg, int done, int total)
{
    progress *p = arg;
    double t = now_ms(), elapsed = (t - p->start_ms) / 1e3;
    if (elapsed < 2.0 || t - p->last_ms < 250.0 || done >= total)
        return;
    p->last_ms = t;
    char line[96];
    int n = done <= p->warmup
                ? snprintf(line, sizeof line, "[warm-up %d/%d] %.0f s", done, p->warmup, elapsed)
                : snprintf(line, sizeof line, "[run %d/%d] %.0f s, about %.0f s left",
                           done - p->warmup, total - p->warmup, elapsed,
                           elapsed / done * (total - done));
    if (n > p->width)
        p->width = n < (int)sizeof line ? n : (int)sizeof line - 1;
    fprintf(stderr, "\r%-*s", p->width, line);   /* spaces over a longer last line */
}

static void progress_end(void *arg)
{
    progress *p = arg;
    if (p->width > 0)
        fprintf(stderr, "\r%*s\r", p->width, "");
    p->width = 0;
}

static int run_all(const lp_cli *c, lp_data *d, lp_report *runs, int *nruns,
                   lp_report_context *ctx)
{
    /* --compare: each single backend first, the scheduled run last, so
     * --output and the first line of the table are the scheduled run. */
    lp_backend order[LP_BACKEND_COUNT];
    int n = 0;
    if (c->compare) {
        for (int b = LP_BACKEND_CPU; b < LP_BACKEND_COUNT; b++)
            if (lp_backend_workers((lp_backend)b) > 0)
                order[n++] = (lp_backend)b;
    }
    order[n++] = c->compare ? LP_BACKEND_AUTO : c->opt.backend;

    for (int i = 0; i < n; i++) {
        lp_options opt = c->opt;
        opt.backend = order[i];
        opt.verify = c->verify;
        int slot = c->compare ? (i + 1) % n : 0;   /* scheduled run in slot 0 */
        if (opt.progress)
            progress_begin(opt.progress_arg);
        int ret = lp_run(&opt, d, &runs[slot]);
        if (opt.progress)
            progress_end(opt.progress_arg);
        if (ret == LP_ERR_VERIFY) {
            const lp_report *r = &runs[slot];
            size_t w = r->worst_row;
            fprintf(stderr, "lp-starpu: --verify failed (backend %s): row %zu has relative "
                    "error %.3g > %g (x=%.17g y=%.17g z=%.17g out=%.17g)\n",
                    lp_backend_name(opt.backend), w, r->max_rel_error, LP_VERIFY_TOLERANCE,
                    d->x[w], d->y[w], d->z[w], d->out[w]);
        }
        if (ret != LP_OK)
            return ret;
        (*nruns)++;
        const lp_report *r = &runs[slot];
        if (r->verified && (!ctx->verified || r->max_rel_error > ctx->max_rel_error)) {
            ctx->max_rel_error = r->max_rel_error;
            ctx->worst_row = r->worst_row;
            ctx->verified = 1;
        }
    }
    return LP_OK;
}

static void describe_data(const lp_cli *c, char *buf, size_t len)
{
    if (c->input)
        snprintf(buf, len, "from %s", c->input);
    else if (c->data == LP_DATA_SEED)
        snprintf(buf, len, "seed data: x = y = z = i for i = 1..N");
    else
        snprintf(buf, len, "random data: uniform in [0.5, 1.5), seed %llu",
                 (unsigned long long)c->seed);
}

int main(int argc, char **argv)
{
    lp_cli c;
    char err[512];
    if (lp_cli_parse(argc, argv, &c, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_USAGE;
    }
    if (c.help) {
        lp_cli_usage(stdout);
        return LP_OK;
    }
    if (c.version) {
        print_version();
        return LP_OK;
    }
    if (c.sched_help) {
        printf("StarPU scheduling policies (--sched NAME):\n");
        lp_sched_list(stdout);
        return LP_OK;
    }
    if (c.mpi)
        return run_mpi(&c);

    lp_npy_header h = {0};
    if (c.input && lp_npy_read_header3(c.input, &h, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_RUNTIME;
    }
    if (c.input && h.rows > LP_MAX_ROWS) {
        fprintf(stderr, "lp-starpu: %s: %zu rows, more than the %llu StarPU 1.3 can hold\n",
                c.input, h.rows, LP_MAX_ROWS);
        return LP_ERR_RUNTIME;
    }
    int status = check_memory(c.input ? h.rows : c.rows);
    if (status != LP_OK)
        return status;
    if (!outputs_ok(&c))
        return LP_ERR_RUNTIME;

    lp_report_context ctx = {0};
    char data_desc[600];
    describe_data(&c, data_desc, sizeof data_desc);
    ctx.data_desc = data_desc;
    ctx.sched_source = c.opt.sched ? "--sched" : getenv("STARPU_SCHED") ? "STARPU_SCHED"
                                                                         : "default";
    if (c.opt.sched && getenv("STARPU_SCHED") && strcmp(c.opt.sched, getenv("STARPU_SCHED")) &&
        !c.quiet)
        fprintf(stderr, "lp-starpu: note: --sched %s overrides STARPU_SCHED=%s\n", c.opt.sched,
                getenv("STARPU_SCHED"));

    block_stop_signals();
    ctx.env_defaults = environment_defaults();
    double t = now_ms();
    if ((status = lp_start(&c.opt)) != LP_OK)
        return status;
    ctx.startup_ms = now_ms() - t;
    catch_stop_signals();
    progress prog = {.warmup = c.opt.warmup};
    if (!c.quiet && isatty(STDERR_FILENO)) {
        c.opt.progress = progress_show;
        c.opt.progress_arg = &prog;
    }

    lp_data d = {0};
    lp_report runs[LP_BACKEND_COUNT];
    int nruns = 0;
    memset(runs, 0, sizeof runs);
    if (c.opt.backend != LP_BACKEND_AUTO && lp_backend_workers(c.opt.backend) == 0) {
        fprintf(stderr, "lp-starpu: --backend %s: StarPU has no %s worker (%s)\n",
                lp_backend_name(c.opt.backend), lp_backend_name(c.opt.backend),
                backend_hint(c.opt.backend));
        status = LP_ERR_BACKEND;
        goto out;
    }

    t = now_ms();
    if ((status = load_data(&c, &h, &d, &ctx)) != LP_OK || lp_stop_requested())
        goto out;
    ctx.data_ms = now_ms() - t;
    if (ctx.bad_inputs) {
        fprintf(stderr, "lp-starpu: %s: %zu rows with a non-positive or NaN input (first: row "
                "%zu)%s\n", c.input, ctx.bad_inputs, ctx.first_bad_row,
                c.strict ? "" : "; their results are NaN or infinite");
        if (c.strict) {
            status = LP_ERR_INPUT;
            goto out;
        }
    }
    ctx.tiles_asked = c.opt.tiles;
    if (c.opt.tiles > d.rows && !c.quiet)
        fprintf(stderr, "lp-starpu: note: %zu tiles asked for %zu rows: using %zu tiles\n",
                c.opt.tiles, d.rows, d.rows);

    if (c.calibrate) {
        c.opt.verify = c.verify;
        status = lp_calibrate(&c.opt, &d, stdout);
        goto out;
    }
    status = run_all(&c, &d, runs, &nruns, &ctx);
    for (int i = 0; i < nruns && status == LP_OK && !c.quiet; i++)
        lp_model_notice(&runs[i]);
    if (status == LP_OK)
        status = lp_write_reports(&c, &ctx, runs, nruns);
    if (status == LP_OK && c.trace && lp_trace_svg(c.trace, &runs[0], err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s (the trace)\n", err);
        status = LP_ERR_RUNTIME;
    }
    if (status == LP_OK && c.output && !lp_stop_requested() &&
        lp_npy_write_vector(c.output, d.out, d.rows, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        status = LP_ERR_RUNTIME;
    }
out:
    for (int i = 0; i < LP_BACKEND_COUNT; i++)
        lp_report_free(&runs[i]);
    lp_data_free(&d);
    lp_stop();
    int signo = lp_stop_requested();
    if (signo) {
        fprintf(stderr, "lp-starpu: stopped by signal %d (%s)\n", signo, strsignal(signo));
        return 128 + signo;
    }
    return status;
}
