/* lp-starpu: the command-line tool.  One path for one process and for
 * every rank of an MPI job (--mpi): parse the options, start StarPU, make
 * or read this rank's rows, run (or compare, or calibrate), and report at
 * rank 0.  What concerns the other ranks goes through the communicator
 * (comm.h); one process is a job of one rank. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "comm_open.h"
#include "console.h"
#include "environment.h"
#include "file_out.h"
#include "npy.h"
#include "tiles.h"
#include "tool.h"
#include "trace_fxt.h"

typedef struct job {
    lp_cli c;
    const lp_comm *comm;
    lp_npy_header h;               /* --input's header */
    size_t rows;
    lp_tiles ts;
    lp_report runs[LP_BACKEND_COUNT];
    int nruns;
    lp_rank_stats *ranks;          /* rank 0: each rank's summary */
    lp_report_context ctx;
    char data_desc[700];
    char fxt_dir[4096];            /* --trace: this process's FxT trace */
    lp_progress progress;
} job;

/* One line on stderr, naming the rank when there are several. */
static void say(const job *j, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (j->comm->size > 1)
        fprintf(stderr, "lp-starpu[rank %d]: %s\n", j->comm->rank, msg);
    else
        fprintf(stderr, "lp-starpu: %s\n", msg);
}

static int root(const job *j)
{
    return j->comm->rank == 0;
}

/* Every file the command line names for writing can be written, and none
 * of them is the input: checked before spending time on the run. */
static int outputs_ok(const job *j)
{
    const char *paths[3] = {j->c.output, j->c.json, j->c.trace};
    for (int i = 0; i < 3; i++) {
        char err[600];
        struct stat in, out;
        if (!paths[i])
            continue;
        if (lp_out_check(paths[i], err, sizeof err) != 0) {
            say(j, "%s", err);
            return LP_ERR_RUNTIME;
        }
        if (j->c.input && stat(j->c.input, &in) == 0 && stat(paths[i], &out) == 0 &&
            in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
            say(j, "%s: is the input file; refusing to overwrite it", paths[i]);
            return LP_ERR_RUNTIME;
        }
    }
    return LP_OK;
}

/* The input's header: rank 0 reads it first, then every other rank, which
 * reads its own rows from the same file. */
static int read_header(job *j)
{
    char err[600];
    int status = LP_OK;
    j->rows = (size_t)j->c.rows;
    if (j->c.input && root(j)) {
        if (lp_npy_read_header3(j->c.input, &j->h, err, sizeof err) != 0) {
            say(j, "%s", err);
            status = LP_ERR_RUNTIME;
        } else if (j->h.rows > LP_MAX_ROWS) {
            say(j, "%s: %zu rows, more than the %llu StarPU 1.3 can hold", j->c.input, j->h.rows,
                LP_MAX_ROWS);
            status = LP_ERR_RUNTIME;
        }
        j->rows = j->h.rows;
    }
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK || !j->c.input)
        return status;
    uint64_t rows = j->rows;
    j->comm->ops->bcast(j->comm, &rows, sizeof rows);
    if (!root(j)) {
        lp_npy_header mine = {0};
        int unreadable = lp_npy_read_header3(j->c.input, &mine, err, sizeof err) != 0;
        if (unreadable || mine.rows != rows) {
            say(j, "%s (each rank reads its own rows: every rank must see rank 0's file)",
                unreadable ? err : "not the file rank 0 reads");
            status = LP_ERR_RUNTIME;
        }
        j->h = mine;
        j->rows = (size_t)rows;
    }
    return lp_comm_agree(j->comm, status);
}

/* Host memory for the rows this rank will hold (every row at rank 0 for
 * --output), refused before allocating. */
static int check_memory(const job *j)
{
    char need_s[32], avail_s[32];
    int whole = j->comm->size == 1 || (root(j) && j->c.output);
    unsigned long long rows = whole ? j->rows : (j->rows + j->comm->size - 1) / j->comm->size;
    unsigned long long need = lp_bytes_needed(rows), avail = lp_memory_available();
    if (need == 0 && rows > 0) {
        say(j, "%llu rows: the memory needed does not fit in 64 bits", rows);
        return LP_ERR_RUNTIME;
    }
    if (avail && need > avail) {
        say(j, "%llu rows need %s of host memory (4 float64 columns), only %s is available", rows,
            lp_format_bytes((double)need, need_s, sizeof need_s),
            lp_format_bytes((double)avail, avail_s, sizeof avail_s));
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}

static int check_backend(const job *j)
{
    lp_backend b = j->c.opt.backend;
    if (b == LP_BACKEND_AUTO || lp_backend_workers(b) > 0)
        return LP_OK;
    say(j, "--backend %s: StarPU has no %s worker (%s)", lp_backend_name(b), lp_backend_name(b),
        lp_backend_hint(b));
    return LP_ERR_BACKEND;
}

/* This rank's rows, from --input or generated; bad inputs counted over
 * every rank. */
static int load_rows(job *j)
{
    int status = lp_tiles_alloc(&j->ts, root(j) && j->c.output);
    if (status == LP_ERR_RUNTIME)
        say(j, "cannot allocate the rows of %zu tiles", j->ts.mine);
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK)
        return status;
    if (!j->c.input) {
        lp_tiles_fill(&j->ts, j->c.data, j->c.seed);
        return LP_OK;
    }
    for (size_t t = 0; t < j->ts.tiles && status == LP_OK; t++) {
        size_t first, count;
        double **col = j->ts.col[t];
        char err[600];
        lp_tiles_range(&j->ts, t, &first, &count);
        if (j->ts.owner[t] == j->comm->rank &&
            lp_npy_read_rows3(j->c.input, &j->h, first, count, col[0], col[1], col[2], err,
                              sizeof err) != 0) {
            say(j, "%s", err);
            status = LP_ERR_RUNTIME;
        }
    }
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK)
        return status;
    j->ctx.bad_inputs = lp_tiles_bad_inputs(&j->ts, &j->ctx.first_bad_row);
    if (j->ctx.bad_inputs && root(j))
        say(j, "%s: %zu rows with a non-positive or NaN input (first: row %zu)%s", j->c.input,
            j->ctx.bad_inputs, j->ctx.first_bad_row,
            j->c.strict ? "" : "; their results are NaN or infinite");
    return j->ctx.bad_inputs && j->c.strict ? LP_ERR_INPUT : LP_OK;
}

/* The runs: --compare runs each kind of worker every rank has alone first,
 * and the scheduled run last, so --output and the first line of the table
 * are the scheduled run's. */
static int run_all(job *j)
{
    lp_backend order[LP_BACKEND_COUNT];
    int n = 0;
    for (int b = LP_BACKEND_CPU; j->c.compare && b < LP_BACKEND_COUNT; b++) {
        int64_t have = lp_backend_workers((lp_backend)b) > 0;
        j->comm->ops->reduce_i64(j->comm, &have, 1, LP_REDUCE_MIN);
        if (have)
            order[n++] = (lp_backend)b;
    }
    order[n++] = j->c.compare ? LP_BACKEND_AUTO : j->c.opt.backend;

    for (int i = 0; i < n; i++) {
        lp_options opt = j->c.opt;
        opt.backend = order[i];
        opt.verify = j->c.verify;
        int slot = j->c.compare ? (i + 1) % n : 0;   /* the scheduled run in slot 0 */
        lp_report *r = &j->runs[slot];
        if (opt.progress)
            lp_progress_begin(&j->progress);
        int status = lp_run_tiles(&opt, &j->ts, r);
        if (opt.progress)
            lp_progress_end(&j->progress);
        if (status == LP_ERR_VERIFY && root(j))
            say(j, "--verify failed (backend %s): row %zu has relative error %.3g > %g "
                "(x=%.17g y=%.17g z=%.17g out=%.17g)", lp_backend_name(opt.backend), r->worst_row,
                r->max_rel_error, LP_VERIFY_TOLERANCE, r->worst_values[0], r->worst_values[1],
                r->worst_values[2], r->worst_values[3]);
        if (status != LP_OK)
            return status;
        j->nruns++;
        if (r->verified && (!j->ctx.verified || r->max_rel_error > j->ctx.max_rel_error)) {
            j->ctx.max_rel_error = r->max_rel_error;
            j->ctx.worst_row = r->worst_row;
            j->ctx.verified = 1;
        }
    }
    return LP_OK;
}

static void describe_data(job *j)
{
    if (j->c.input)
        snprintf(j->data_desc, sizeof j->data_desc, "from %s", j->c.input);
    else if (j->c.data == LP_DATA_SEED)
        snprintf(j->data_desc, sizeof j->data_desc, "seed data: x = y = z = i for i = 1..N");
    else
        snprintf(j->data_desc, sizeof j->data_desc, "random data: uniform in [0.5, 1.5), seed %llu",
                 (unsigned long long)j->c.seed);
    j->ctx.data_desc = j->data_desc;
    j->ctx.sched_source = j->c.opt.sched     ? "--sched"
                          : getenv("STARPU_SCHED") ? "STARPU_SCHED"
                                                   : "default";
    j->ctx.distribution = j->c.cyclic ? "cyclic" : "block";
}

/* Up to StarPU's start, every rank together; LP_OK or the agreed error. */
static int start(job *j)
{
    int status = read_header(j);
    if (status != LP_OK)
        return status;
    if ((status = lp_comm_agree(j->comm, root(j) ? outputs_ok(j) : LP_OK)) != LP_OK)
        return status;
    if ((status = lp_comm_agree(j->comm, check_memory(j))) != LP_OK)
        return status;
    describe_data(j);
    const char *env = getenv("STARPU_SCHED");
    if (j->c.opt.sched && env && strcmp(j->c.opt.sched, env) && !j->c.quiet && root(j))
        say(j, "note: --sched %s overrides STARPU_SCHED=%s", j->c.opt.sched, env);

    lp_block_stop_signals();
    if (j->c.trace && lp_fxt_prepare(j->fxt_dir, sizeof j->fxt_dir) != 0)
        j->fxt_dir[0] = '\0';   /* the chart then has no transfers */
    j->ctx.env_defaults = lp_environment_defaults();
    double t = lp_now_ms();
    int started = lp_start(&j->c.opt);
    if ((status = lp_comm_agree(j->comm, started)) != LP_OK) {
        if (started == LP_OK)   /* another rank failed: stop ours too */
            lp_stop();
        return status;
    }
    j->comm->ops->after_start(j->comm);
    j->ctx.startup_ms = lp_now_ms() - t;
    lp_catch_stop_signals();
    j->progress.warmup = j->c.opt.warmup;
    j->progress.lines = !isatty(STDERR_FILENO);
    if (!j->c.quiet && root(j) && (j->c.progress || isatty(STDERR_FILENO))) {
        j->c.opt.progress = lp_progress_show;
        j->c.opt.progress_arg = &j->progress;
    }
    return LP_OK;
}

/* The tiles over every rank's workers, and this rank's rows. */
static int prepare(job *j)
{
    int status = lp_comm_agree(j->comm, check_backend(j));
    if (status != LP_OK)
        return status;
    int64_t workers = lp_backend_workers(LP_BACKEND_AUTO);
    j->comm->ops->reduce_i64(j->comm, &workers, 1, LP_REDUCE_SUM);
    size_t tiles = lp_tiles_for(&j->c.opt, j->rows, (unsigned)workers);
    j->ctx.tiles_asked = j->c.opt.tiles;
    if (root(j) && !j->c.quiet && j->c.opt.tiles > j->rows)
        say(j, "note: %zu tiles asked for %zu rows: using %zu tiles", j->c.opt.tiles, j->rows,
            j->rows);
    if (root(j) && !j->c.quiet && (size_t)j->comm->size > tiles)
        say(j, "note: %d ranks for %zu tiles: ranks %zu to %d have no tile and stay idle",
            j->comm->size, tiles, tiles, j->comm->size - 1);
    if (lp_tiles_init(&j->ts, j->comm, j->rows, tiles) != LP_OK)
        status = LP_ERR_RUNTIME;
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK)
        return status;
    double t = lp_now_ms();
    status = load_rows(j);
    j->ctx.data_ms = lp_now_ms() - t;
    return lp_comm_agree(j->comm, lp_stop_requested() ? LP_ERR_INTERRUPTED : status);
}

/* Every rank's statistics and --output's rows at rank 0, then the reports
 * and --output there. */
static int finish_runs(job *j)
{
    uint64_t sent = j->c.output ? j->comm->ops->gather_out(j->comm, &j->ts) : 0;
    for (int i = 0; i < j->nruns; i++) {
        lp_rank_stats *ranks = lp_gather_report(j->comm, &j->ts, &j->runs[i],
                                                j->runs[i].own_seconds, i == 0 ? sent : 0);
        if (i == 0)
            j->ranks = ranks;
        else
            free(ranks);
    }
    for (int i = 0; i < j->nruns && root(j) && !j->c.quiet; i++)
        lp_model_notice(&j->runs[i]);
    j->ctx.nranks = j->c.mpi ? j->comm->size : 0;
    j->ctx.ranks = j->ranks;
    int status = LP_OK;
    char err[600];
    if (root(j))
        status = lp_write_reports(&j->c, &j->ctx, j->runs, j->nruns);
    if (status == LP_OK && root(j) && j->c.output &&
        lp_npy_write_vector(j->c.output, j->ts.whole.out, j->rows, err, sizeof err) != 0) {
        say(j, "%s", err);
        status = LP_ERR_RUNTIME;
    }
    fflush(stdout);
    return lp_comm_agree(j->comm, status);
}

/* --trace, once StarPU has stopped and written its FxT trace: the best
 * run's tasks and, from each rank's trace, its transfers. */
static int write_trace(job *j)
{
    const lp_report *r = &j->runs[0];
    size_t n = 0;
    lp_transfer *mine = j->fxt_dir[0]
                            ? lp_fxt_transfers(j->fxt_dir, r->trace_mark, r->own_seconds * 1e6, &n)
                            : NULL;
    unsigned total = 0;
    lp_transfer *all = lp_gather_transfers(j->comm, mine, n, &total);
    free(mine);
    int status = LP_OK;
    char err[600];
    if (root(j) && lp_trace_svg(j->c.trace, r, all, total, err, sizeof err) != 0) {
        say(j, "%s (the trace)", err);
        status = LP_ERR_RUNTIME;
    }
    free(all);
    return lp_comm_agree(j->comm, status);
}

int main(int argc, char **argv)
{
    static job j;
    char err[512];
    if (lp_cli_parse(argc, argv, &j.c, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_USAGE;
    }
    if (j.c.help) {
        lp_cli_usage(stdout);
        return LP_OK;
    }
    if (j.c.version) {
        lp_print_version();
        return LP_OK;
    }
    if (j.c.sched_help) {
        printf("StarPU scheduling policies (--sched NAME):\n");
        lp_sched_list(stdout);
        return LP_OK;
    }
    int status = lp_comm_open(j.c.mpi, j.c.cyclic, &j.comm);
    if (status != LP_OK)
        return status;
    if ((status = start(&j)) != LP_OK) {
        j.comm->ops->finish(j.comm);
        return status;
    }

    status = prepare(&j);
    if (status == LP_OK && j.c.calibrate) {
        j.c.opt.verify = j.c.verify;
        status = lp_calibrate(&j.c.opt, &j.ts, root(&j) ? stdout : NULL);
    } else if (status == LP_OK) {
        status = run_all(&j);
        if (status == LP_OK)
            status = finish_runs(&j);
    }

    /* Every rank stops for a signal any rank received, and says so before
     * shutting down: Open MPI's mpirun, signalled itself, signals the ranks
     * and kills them 1 s later, while MPI_Finalize waits for it. */
    int64_t signo = lp_stop_requested();
    j.comm->ops->reduce_i64(j.comm, &signo, 1, LP_REDUCE_MAX);
    if (signo) {
        say(&j, "stopped by signal %d (%s)", (int)signo, strsignal((int)signo));
        status = 128 + (int)signo;
    }
    int traced = status == LP_OK && j.c.trace && !j.c.calibrate;
    if (traced)
        lp_fxt_remember_nodes();
    lp_tiles_free(&j.ts);
    j.comm->ops->before_stop(j.comm);
    lp_stop();
    if (traced)
        status = write_trace(&j);
    else if (j.fxt_dir[0])
        lp_fxt_discard(j.fxt_dir);
    for (int i = 0; i < LP_BACKEND_COUNT; i++)
        lp_report_free(&j.runs[i]);
    free(j.ranks);
    j.comm->ops->finish(j.comm);
    return status;
}
