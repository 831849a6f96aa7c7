/* lp-starpu: out[i] = log(x[i]) * log(y[i]) * log(z[i]) as a StarPU task
 * graph.  This is the small C API the lp-starpu tool is built on; another
 * program can embed it (see examples/embed.c):
 *
 *   lp_options opt; lp_options_init(&opt);
 *   lp_start(&opt);                       StarPU up, with opt.sched
 *   lp_data d; lp_data_alloc(&d, rows, LP_FLOAT64); lp_data_fill(&d, LP_DATA_SEED, 0);
 *   lp_report r; lp_run(&opt, &d, &r);    tiles, tasks, timing, stats
 *   ... r.checksum, r.seconds, r.workers ...
 *   lp_report_free(&r); lp_data_free(&d); lp_stop();
 */
#ifndef LP_STARPU_H
#define LP_STARPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LP_VERSION "0.1.0"

/* What liblp-starpu.so exports: this API, nothing else. */
#if defined(LP_BUILDING_LIBRARY) && defined(__GNUC__)
#define LP_API __attribute__((visibility("default")))
#else
#define LP_API
#endif

/* Statuses of the library's calls (lp_strerror names them; lp_last_error()
 * holds the message of the last failure).  The tool exits with the same
 * numbers, except after a signal (128 + its number). */
enum lp_status {
    LP_OK = 0,
    LP_ERR_RUNTIME = 1,   /* StarPU, I/O or memory failure */
    LP_ERR_USAGE = 2,     /* bad options or arguments */
    LP_ERR_BACKEND = 3,   /* asked-for backend has no worker */
    LP_ERR_INPUT = 4,     /* non-positive/NaN inputs with --strict */
    LP_ERR_VERIFY = 5,    /* --verify found an error beyond tolerance */
    LP_ERR_INTERRUPTED = 6 /* lp_request_stop was called */
};
/* What a status means, in a few words ("bad options or arguments"); never
 * NULL ("unknown status" for another number). */
LP_API const char *lp_strerror(int status);

/* --verify's bound on the relative error of a row (see README), per
 * element type: float64, and float32 (24-bit significands, glibc's and
 * CUDA's logf within a few ulp of 6e-8 each, three of them multiplied). */
#define LP_VERIFY_TOLERANCE 1e-12
#define LP_VERIFY_TOLERANCE_F32 1e-5

/* The element type of the columns. */
typedef enum lp_dtype { LP_FLOAT64 = 0, LP_FLOAT32 = 1 } lp_dtype;

typedef enum lp_backend {
    LP_BACKEND_AUTO = 0,  /* the scheduler chooses among every worker */
    LP_BACKEND_CPU,
    LP_BACKEND_CUDA,
    LP_BACKEND_OPENCL,
    LP_BACKEND_COUNT
} lp_backend;

typedef enum lp_data_kind { LP_DATA_SEED, LP_DATA_RANDOM } lp_data_kind;

typedef struct lp_options {
    const char *sched;    /* StarPU policy name; NULL: STARPU_SCHED or dmda */
    lp_backend backend;   /* restricts the tasks' `where` */
    size_t tiles;         /* 0: the default count (README, "Tiles") */
    size_t tile_rows;     /* used when tiles == 0 and this is not 0 */
    int repeat;           /* timed runs; the report keeps min and median */
    int warmup;           /* untimed runs first (default 1): the first run
                             pays one-off costs (device buffers, page
                             faults, OpenCL kernel set-up) */
    int quiet;            /* no notices on stderr */
    int verify;           /* check every row of the last run against
                             lp_max_rel_error; LP_ERR_VERIFY beyond
                             LP_VERIFY_TOLERANCE (the report is kept) */
    unsigned intensity;   /* K >= 1: out = sum over k < K of
                             log(x+k) * log(y+k) * log(z+k) (default 1) */
    /* Called by lp_run after each run, warm-up runs included: `done` of
     * `total` runs finished.  NULL: not called. */
    void (*progress)(void *arg, int done, int total);
    void *progress_arg;
    /* Read by lp_start: the CPU implementation of the codelet to run
     * ("baseline", "avx2", "avx512", "avx512-lplog"); NULL or "auto":
     * model-based policies choose per worker from the history, others run
     * the one measured fastest on this machine (see README, Kernels). */
    const char *cpu_impl;
    /* Called as this process's tiles end within a run (any run, warm-up
     * included), from a StarPU worker thread, never two calls at once (a
     * call that would overlap another is skipped): `done` rows of `total`
     * done so far in the run in flight.  NULL: not called. */
    void (*progress_rows)(void *arg, uint64_t done, uint64_t total);
    /* 1: no checksum (the report's is NaN), and no pass over the results
     * for it after the runs (resident rows; verify still reads them). */
    int no_checksum;
    /* 1: lp_run keeps the tiles it registered with StarPU in its lp_data,
     * for the next lp_run on it with keep_tiles (see lp_run). */
    int keep_tiles;
    /* 1: while lp_run runs, SIGINT calls lp_request_stop(SIGINT) instead
     * of the process's handler, which is put back before lp_run returns
     * (LP_ERR_INTERRUPTED if it came): for a caller whose own handler
     * cannot run while lp_run holds its thread (Python's). */
    int stop_on_sigint;
    /* accel_tiles tiles of accel_tile_rows rows each at the start of the
     * rows, sized for the accelerators (a CPU worker's tile is best
     * small, a GPU's big: each pays its copies' latencies); tiles,
     * tile_rows or the default cut the rows left.  For the policies that
     * place tasks by the model (dmda, lp-eft: the big tiles go where they
     * end first); 0: every tile the same. */
    size_t accel_tiles, accel_tile_rows;
} lp_options;

/* Rows as three input columns and one output column, in StarPU memory
 * (pinned when an accelerator exists), or the caller's (lp_data_wrap). */
typedef struct lp_data {
    size_t rows;
    union {   /* the same four columns, seen as dtype says */
        struct { double *x, *y, *z, *out; };     /* LP_FLOAT64 */
        struct { float *xf, *yf, *zf, *outf; };  /* LP_FLOAT32 */
        void *col[4];
    };
    int wrapped;          /* the caller's memory: lp_data_free only unpins */
    lp_dtype dtype;       /* of the four columns */
    int pinned;           /* bits: the wrapped columns its runs pinned (pins.c) */
    /* The tiles an lp_run with keep_tiles registered with StarPU, kept for
     * the next (lp_run).  NULL: none. */
    struct lp_kept *kept;
} lp_data;

typedef struct lp_worker_stats {
    char name[96];
    lp_backend kind;      /* CPU, CUDA or OPENCL */
    unsigned tasks;       /* in the best run */
    size_t rows;
    double busy_ms;       /* codelet execution time, from StarPU profiling */
    double predicted_ms;  /* what the scheduler's model predicted for those
                           * tasks; NaN unless it predicted every one */
    /* The worker's memory node: its size as StarPU counts it (the device's
     * memory, or STARPU_LIMIT_CUDA_MEM etc.; -1 unknown), and the most
     * StarPU had allocated there when one of the run's tasks on that node
     * ended.  Workers sharing a node show the same values; host RAM holds
     * the rows themselves, which StarPU does not count. */
    long long mem_total_bytes, mem_peak_bytes;
    /* The implementation(s) its tasks ran: "avx512", "avx2", "baseline",
     * "cuda", "opencl"; several as "avx512 30, avx2 2"; "" with no task. */
    char impl[64];
} lp_worker_stats;

typedef struct lp_bus_stats {
    char src[32], dst[32];
    uint64_t bytes;       /* in the best run */
    unsigned transfers;
    /* Those transfers as StarPU's bus model prices them, one after the
     * other: transfers x the link's latency + bytes / its bandwidth (from
     * its bus calibration, or the captured machine's); over the run's
     * seconds, the share of the run the link was busy.  NaN: no model. */
    double model_seconds;
} lp_bus_stats;

typedef struct lp_task_record {  /* one tile's task in the best run */
    size_t tile, first_row, rows;
    int worker;
    double start_us, end_us;     /* relative to the run's start */
} lp_task_record;

typedef struct lp_report {
    size_t rows, tiles;
    char sched[64];
    lp_backend backend;
    double checksum;             /* the exact sum of out, rounded once */
    int verified;                /* opt->verify: every row was checked */
    double max_rel_error;        /* then: the worst row's error (inf: NaN) */
    size_t worst_row;            /* the first row with that error */
    double worst_values[4];      /* its x, y, z and out */
    int repeat, warmup;
    unsigned intensity;
    double seconds;              /* best of repeat (MPI: the slowest rank's) */
    double own_seconds;          /* this process's own time in that run */
    double median_seconds;
    double *run_seconds;         /* each run, in order */
    unsigned nworkers;
    lp_worker_stats *workers;
    unsigned nbuses;
    lp_bus_stats *buses;
    lp_task_record *tasks;       /* tiles entries */
    /* Samples the performance model holds for this run's tile size, the
     * fewest over the workers of each kind (-1: no such worker). */
    int model_samples[LP_BACKEND_COUNT];
    lp_dtype dtype;              /* of the rows */
    /* Registering and unregistering this process's resident tiles with
     * StarPU, once for all the runs (not in seconds). */
    double register_seconds;
    /* StarPU handles this call registered: 4 per resident tile, or 0 when
     * lp_run ran on the tiles kept from its last run on the same lp_data. */
    size_t handles_registered;
    /* What the runtime cost per tile in the best run: the time the workers
     * that may run the backend were not running a task (this process's
     * time each, less its busy time), over the tasks; NaN without one. */
    double tile_cost_seconds;
    /* Every tile of the best run ran a reproducible code (lp-starpu's own
     * log on the CPU, the CUDA and OpenCL kernels): the rows' bits do not
     * depend on the device, the schedule or the tiles.  0 when one of
     * glibc's logs ran (--cpu-impl baseline, avx2, avx512 or any). */
    int reproducible;
    /* The first accel_tiles of the tiles hold accel_tile_rows rows each
     * (lp_options.accel_tiles, or --calibrate's choice); 0: none. */
    size_t accel_tiles, accel_tile_rows;
} lp_report;

LP_API void lp_options_init(lp_options *opt);

/* Every STARPU_* variable StarPU reads as a number holds one it can parse
 * (StarPU itself aborts the process on, say, STARPU_NCPU=abc): LP_OK, or
 * LP_ERR_USAGE with a one-line message in msg.  lp_start checks it too. */
LP_API int lp_check_environment(char *msg, size_t len);

/* Why the last call that failed did (one line, no prefix; "" when it left
 * nothing to say): lp_start, lp_run and the tool's runs set it; the library
 * itself never writes to stdout or stderr. */
LP_API const char *lp_last_error(void);

/* Starts StarPU with opt->sched (which overrides STARPU_SCHED when set).
 * Returns LP_OK, LP_ERR_USAGE for an unknown policy, LP_ERR_RUNTIME; the
 * reason in lp_last_error(). */
LP_API int lp_start(const lp_options *opt);
/* The STARPU_* variables the last lp_start set to lp-starpu's defaults
 * because they were unset (models under ~/.cache/lp-starpu, StarPU's
 * messages off...), space-separated: the tool's report lists them. */
LP_API const char *lp_start_defaults(void);
/* Stops StarPU, letting go first the tiles every lp_data kept (lp_run's
 * keep_tiles; their lp_data_free is still owed). */
LP_API void lp_stop(void);

/* Asks lp_run to stop early: it submits no further task, waits for the
 * tasks already submitted, and returns LP_ERR_INTERRUPTED.  Only sets a
 * flag, so a signal handler may call it; signo (non-zero) is remembered for
 * the exit status.  lp_stop_requested returns it, 0 if no stop was asked;
 * lp_request_stop(0) withdraws the request (before the next lp_run). */
LP_API void lp_request_stop(int signo);
LP_API int lp_stop_requested(void);

/* Name of the policy StarPU runs, and whether a name is one lp_start knows:
 * StarPU's predefined policies and lp-starpu's own, "lp-eft". */
LP_API const char *lp_sched_name(void);
LP_API int lp_sched_known(const char *name);
/* The i-th policy lp_start knows (StarPU's first), NULL past the last. */
LP_API const char *lp_sched_nth(int i);
/* StarPU's one-line description of a policy lp_start knows, NULL for
 * another name. */
LP_API const char *lp_sched_description(const char *name);

/* Number of StarPU workers of a backend (AUTO: all). */
LP_API unsigned lp_backend_workers(lp_backend b);
LP_API const char *lp_backend_name(lp_backend b);
LP_API int lp_backend_parse(const char *s, lp_backend *b);

/* Four columns of rows elements of dtype, every page touched (see data.c).
 * LP_OK, LP_ERR_USAGE for an unknown dtype or more rows than lp_run takes
 * (2^58), LP_ERR_RUNTIME, or
 * LP_ERR_INTERRUPTED when lp_request_stop was called meanwhile. */
LP_API int lp_data_alloc(lp_data *d, size_t rows, lp_dtype dtype);
/* The caller's columns, used in place (no copy): x, y, z and out each
 * point at rows elements of dtype (double for LP_FLOAT64, float for
 * LP_FLOAT32).
 * The first lp_run that may use a CUDA worker (backend auto or cuda,
 * StarPU having one) pins them for the accelerators' DMA (except those
 * inside an lp_pin range; one the system will not pin is used unpinned);
 * a CPU or OpenCL
 * run never does.  x, y and z are only read.  The memory must stay valid
 * until lp_data_free, which unpins it and frees nothing; it may change
 * between two lp_run on d (each run reads what the columns hold when it
 * starts, never a device's copy of before).  LP_OK, or
 * LP_ERR_USAGE for a NULL column with rows > 0. */
LP_API int lp_data_wrap(lp_data *d, size_t rows, lp_dtype dtype, void *x, void *y, void *z,
                        void *out);
/* Host memory kept pinned (page-locked) for the CUDA workers' DMA from
 * lp_pin until lp_unpin(addr): a run on columns inside it (lp_data_wrap)
 * pins and unpins nothing.  Pinned only while StarPU runs with a CUDA
 * worker: before lp_start, or on a machine without one, the range is
 * recorded and pinned by the first run that may use a CUDA worker.
 * *pinned (if not NULL): 1 if pinned on return.  LP_OK; LP_ERR_RUNTIME
 * if the system refused (the locked-memory limit, say: runs use it
 * unpinned, with slower copies; lp_last_error says so); LP_ERR_USAGE for
 * NULL, no bytes, or a range overlapping another (the same range again
 * is not: it is pinned now if it can be).  Valid before and after
 * lp_stop; thread-safe. */
LP_API int lp_pin(void *addr, size_t bytes, int *pinned);
/* Ends lp_pin(addr, ...): unpinned if it was.  LP_OK, or LP_ERR_USAGE if
 * addr began no range lp_pin recorded. */
LP_API int lp_unpin(void *addr);
/* 1 if [addr, addr + bytes) lies in a range lp_pin pinned, else 0. */
LP_API int lp_pinned(const void *addr, size_t bytes);
/* Bytes per element, "float64" or "float32", and --verify's bound. */
LP_API size_t lp_dtype_size(lp_dtype dtype);
LP_API const char *lp_dtype_name(lp_dtype dtype);
LP_API double lp_verify_tolerance(lp_dtype dtype);
/* Lets d's kept tiles go (unregistered; see lp_run), unpins its columns,
 * frees those lp_data_alloc made; before lp_stop or after it.  d is then
 * empty. */
LP_API void lp_data_free(lp_data *d);
/* seed: x = y = z = i+1 (the reference program's data); random: each value
 * uniform in [0.5, 1.5), a pure function of (seed, row, column). */
LP_API void lp_data_fill(lp_data *d, lp_data_kind kind, uint64_t seed);

/* Runs opt->warmup untimed and opt->repeat timed runs on d; fills rep.
 * Timed: task submission and execution, and the results back in host
 * memory; the tiles' registration with StarPU is not
 * (rep->register_seconds).  With opt->keep_tiles the tiles stay
 * registered in d after the call, and the next lp_run on d with
 * keep_tiles, for the same tile count and columns, registers nothing
 * (rep->handles_registered 0); it still reads x, y and z as they are
 * when it starts, never a device's copy of before.  They are let go by
 * lp_data_free(d) (which the caller owes d, even after lp_stop), a run
 * without keep_tiles, or lp_stop.  A tile of d->out the last run
 * left unwritten on a CPU worker (its task lost, or cut short at either
 * end), and every row after a failed call, is NaN: a row no task wrote
 * cannot pass for a result of an earlier run.  (An accelerator's tile
 * comes back whole from its device buffer; a kernel that fails to launch
 * fails the run, one that wrote only part of its tile would be caught by
 * opt->verify only.)  Returns LP_OK or an error; on an error the report
 * is freed, except LP_ERR_VERIFY, where it is complete. */
LP_API int lp_run(const lp_options *opt, lp_data *d, lp_report *rep);
LP_API void lp_report_free(lp_report *rep);


/* Scalar long-double reference check of every row at the given intensity:
 * the largest relative error (infinity for a NaN result), and in
 * *worst_row the first row that has it.  Rows with a bad input (see
 * lp_count_bad_inputs: not > 0, NaN included) are skipped. */
LP_API double lp_max_rel_error(const lp_data *d, unsigned intensity, size_t *worst_row);


/* sizeof each public struct by its C name ("lp_options", "lp_data",
 * "lp_report", "lp_worker_stats", "lp_bus_stats", "lp_task_record"), 0 for
 * another name: a binding from another language (python/) checks its own
 * layout against these before any call. */
LP_API size_t lp_struct_size(const char *name);

#ifdef __cplusplus
}
#endif
#endif
