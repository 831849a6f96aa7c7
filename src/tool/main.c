/* lp-starpu: the command-line tool.  One path for one process and for
 * every rank of an MPI job (--mpi): parse the options, start StarPU, make
 * or read this rank's rows, run (or compare, or calibrate), and report at
 * rank 0.  What concerns the other ranks goes through the communicator
 * (comm.h); one process is a job of one rank. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "cli.h"
#include "comm_open.h"
#include "console.h"
#include "environment.h"
#include "file_out.h"
#include "job_agree.h"
#include "job_io.h"
#include "npy.h"
#include "lp_starpu_advanced.h"
#include "tool.h"
#include "trace_fxt.h"
#include "machine.h"
#ifdef LP_SIMULATED
#include <starpu_simgrid_wrap.h>   /* StarPU's main runs ours inside SimGrid */
#endif

typedef struct job {
    lp_cli c;
    const lp_comm *comm;
    lp_npy_input in;               /* --input */
    lp_npy_output out;             /* --output, open from the runs on */
    int out_open;
    lp_generator gen;              /* --data */
    lp_rank_io io;                 /* resident rows: reading and writing */
    size_t rows;
    lp_tiles ts;
    lp_report runs[LP_BACKEND_COUNT];
    lp_rank_io run_io[LP_BACKEND_COUNT];      /* each run's best, streamed (lp_tiles.best_io) */
    unsigned long run_mark[LP_BACKEND_COUNT]; /* its FxT user event (lp_tiles.best_mark) */
    int nruns;
    lp_rank_stats *ranks;          /* rank 0: each rank's summary */
    lp_report_context ctx;
    char data_desc[700];
    char fxt_dir[4096];            /* --trace: this process's FxT trace */
    lp_machine machine;            /* lp-starpu-sim: the machine replayed */
    char machine_desc[1100];
    lp_progress progress;
} job;

static int root(const job *j)
{
    return j->comm->rank == 0;
}

/* Whether path is one of the input's files (opened by then), by any path. */
static int is_input(const job *j, const char *path)
{
    struct stat out, in;
    if (!j->c.input || stat(path, &out) != 0)
        return 0;
    for (int c = 0; c < 3; c++) {
        int fd = j->in.shared_fd >= 0 ? j->in.shared_fd : j->in.col[c].fd;
        if (fd >= 0 && fstat(fd, &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
            return 1;
    }
    return 0;
}

/* Every file the command line names for writing can be written, none of
 * them is the input and no two are the same file: checked before spending
 * time on the run.  Temporary files a killed run left beside them go. */
static int outputs_ok(const job *j)
{
    const char *paths[3] = {j->c.output, j->c.json, j->c.trace};
    static const char *const names[3] = {"--output", "--json", "--trace"};
    for (int i = 0; i < 3; i++) {
        char err[600];
        if (!paths[i])
            continue;
        int bad = lp_out_check(paths[i], j->c.force, err, sizeof err);
        if (bad) {
            lp_say(j->comm, "%s", err);
            return bad == -2 ? LP_ERR_USAGE : LP_ERR_RUNTIME;
        }
        if (is_input(j, paths[i])) {   /* as two outputs that are one file */
            lp_say(j->comm, "%s: is the input file; refusing to overwrite it", paths[i]);
            return LP_ERR_USAGE;
        }
        for (int k = 0; k < i; k++)
            if (paths[k] && lp_out_same_file(paths[k], paths[i])) {
                lp_say(j->comm, "%s %s and %s %s are the same file: each output needs its own",
                       names[k], paths[k], names[i], paths[i]);
                return LP_ERR_USAGE;
            }
    }
    for (int i = 0; i < 3; i++) {
        int removed = paths[i] ? lp_out_remove_stale(paths[i]) : 0;
        if (removed && !j->c.quiet)
            lp_say(j->comm, "note: removed %d temporary file%s beside %s that a killed run left",
                   removed, removed > 1 ? "s" : "", paths[i]);
    }
    return LP_OK;
}

/* --input on every rank (each reads its own rows), or the rows to make. */
static int open_input(job *j)
{
    j->rows = (size_t)j->c.rows;
    if (!j->c.input)
        return LP_OK;
    int status = lp_job_input_open(j->comm, j->c.input, &j->in);
    j->rows = j->in.rows;
    return status;
}

/* Resident when this rank's rows fit in the memory available (with room
 * to spare), streamed through a window otherwise, or when --stream asks.
 * The window: --window, or a quarter of the memory available, at most
 * 1 GiB, the smallest over the ranks.  Every rank decides alike; LP_OK or
 * the agreed error. */
static int choose_residence(job *j, size_t *window)
{
    char need_s[32], avail_s[32], win_s[32];
    uint64_t rows = lp_tiles_rows_mine(&j->ts);
    unsigned long long need = lp_bytes_needed(rows, j->c.dtype), avail = lp_memory_available();
    int64_t stream = j->c.stream || (avail && need > avail / 10 * 8);
    j->comm->ops->reduce_i64(j->comm, &stream, 1, LP_REDUCE_MAX);
    int64_t win = j->c.window ? (int64_t)j->c.window
                              : (int64_t)(avail ? (avail / 4 < (1ull << 30) ? avail / 4 : 1ull << 30)
                                                : 1ull << 28);
    /* The smallest rank's window on every rank: the tiles are cut to fit
     * it, and every rank must cut them alike. */
    j->comm->ops->reduce_i64(j->comm, &win, 1, LP_REDUCE_MIN);
    *window = (size_t)win;
    int status = LP_OK;
    if (stream && avail && *window > avail) {
        lp_say(j->comm, "a window of %s does not fit in the %s of memory available",
            lp_format_bytes((double)*window, win_s, sizeof win_s),
            lp_format_bytes((double)avail, avail_s, sizeof avail_s));
        status = LP_ERR_RUNTIME;
    } else if (stream && !j->c.stream && root(j) && !j->c.quiet) {
        lp_say(j->comm, "note: %llu rows need %s of memory, %s is available: streaming them "
               "through a window of %s (--window)", (unsigned long long)rows,
            lp_format_bytes((double)need, need_s, sizeof need_s),
            lp_format_bytes((double)avail, avail_s, sizeof avail_s),
            lp_format_bytes((double)*window, win_s, sizeof win_s));
    }
    j->ctx.streamed = (int)stream;
    /* A file job is run for its results: once.  (Streamed, a warm-up would
     * also read and write the files a second time.) */
    if ((j->c.input || j->c.output) && !j->c.warmup_set && j->c.opt.warmup) {
        j->c.opt.warmup = 0;
        j->ctx.warmup_skipped = 1;
    }
    j->ctx.window_bytes = stream ? *window : 0;
    return lp_comm_agree(j->comm, status);
}

/* The tiles' table (owner, columns, arguments, results of each tile), or
 * LP_ERR_RUNTIME said: for rows by the thousand billion, the table of the
 * default tiles alone may not fit. */
static int init_tiles(job *j, const lp_layout *l)
{
    size_t tiles = l->tiles;
    if (lp_tiles_init(&j->ts, j->comm, j->rows, l, j->c.dtype) == LP_OK)
        return LP_OK;
    char need[32];
    lp_say(j->comm, "%zu rows in %zu tiles: no memory for the tiles' table (%s): fewer rows, "
           "or bigger tiles (--tiles, --tile-rows)", j->rows, tiles,
           lp_format_bytes((double)tiles * (sizeof *j->ts.owner + sizeof *j->ts.col +
                                            sizeof *j->ts.args + sizeof *j->ts.result),
                           need, sizeof need));
    return LP_ERR_RUNTIME;
}

/* StarPU's bookkeeping per resident tile: four vector handles, each with
 * a replicate per memory node and per worker (StarPU built for 256 CPU
 * workers).  Measured: RSS grows 17 KiB per tile (1M rows, 10,000 to
 * 50,000 tiles, eager). */
#define LP_TILE_BOOKKEEPING_BYTES (20u << 10)

/* Memory bounded by what the user set and the machine has: a streamed
 * tile cut so that two fit in the window (one computing while the next is
 * read), and resident tiles no more than the memory left beside the rows
 * holds StarPU's handles for.  LP_OK, or LP_ERR_USAGE said. */
static int fit_tiles(job *j, size_t window)
{
    size_t row_bytes = 4 * lp_dtype_size(j->c.dtype), tiles = j->ts.tiles;
    char a[32], b[32], c[32], d[32];
    if (j->ctx.streamed && tiles) {
        size_t most = window / (2 * row_bytes);
        lp_layout l = lp_tiles_layout(&j->ts);
        if (lp_layout_max_rows(&l, j->rows) <= most)
            return LP_OK;
        if (l.accel_rows > most) {   /* the user's size: not cut behind their back */
            lp_say(j->comm, "--accel-tiles %zux%zu: two tiles must fit in the window of %s "
                   "(--window), so a tile holds at most %zu rows", l.accel, l.accel_rows,
                   lp_format_bytes((double)window, a, sizeof a), most);
            return LP_ERR_USAGE;
        }
        size_t rest = j->rows - lp_layout_head(&l);
        l.tiles = l.accel + (rest + most - 1) / most;
        if (root(j) && !j->c.quiet)
            lp_say(j->comm, "note: %zu tiles: two tiles must fit in the window of %s (--window), "
                   "so a tile holds at most %zu rows", l.tiles,
                   lp_format_bytes((double)window, a, sizeof a), most);
        lp_tiles_free(&j->ts);
        return init_tiles(j, &l);
    }
    unsigned long long avail = lp_memory_available(),
                       need = lp_bytes_needed(lp_tiles_rows_mine(&j->ts), j->c.dtype),
                       book = (unsigned long long)j->ts.mine * LP_TILE_BOOKKEEPING_BYTES;
    if (!avail || need + book <= avail)
        return LP_OK;
    lp_say(j->comm, "%zu tiles: StarPU keeps about %s per tile, %s for these beside %s of "
           "rows, more than the %s of memory available: at most %llu tiles fit (--tiles)",
           j->ts.mine, lp_format_bytes(LP_TILE_BOOKKEEPING_BYTES, a, sizeof a),
           lp_format_bytes((double)book, b, sizeof b),
           lp_format_bytes((double)need, c, sizeof c), lp_format_bytes((double)avail, d, sizeof d),
           need < avail ? (avail - need) / LP_TILE_BOOKKEEPING_BYTES : 0ull);
    return LP_ERR_USAGE;
}

static int check_backend(const job *j)
{
    lp_backend b = j->c.opt.backend;
    if (b == LP_BACKEND_AUTO || lp_backend_workers(b) > 0)
        return LP_OK;
    lp_say(j->comm, "--backend %s: StarPU has no %s worker (%s)", lp_backend_name(b),
           lp_backend_name(b), lp_backend_hint(b));
    return LP_ERR_BACKEND;
}

/* Inputs the map cannot take, over every rank: said, and with --strict an
 * error (resident rows: before the runs; streamed: after them). */
static int bad_inputs(job *j)
{
    j->ctx.bad_inputs = lp_tiles_bad_inputs(&j->ts, &j->ctx.first_bad_row);
    if (j->ctx.bad_inputs && root(j))
        lp_say(j->comm, "%s: %zu row%s with a non-positive or NaN input (first: row %zu)%s",
               j->c.input, j->ctx.bad_inputs, j->ctx.bad_inputs == 1 ? "" : "s",
               j->ctx.first_bad_row, j->c.strict ? "" : "; their results are NaN or infinite");
    return j->ctx.bad_inputs && j->c.strict ? LP_ERR_INPUT : LP_OK;
}

/* Resident rows: this rank's, from --input or generated, before the runs
 * (untimed); bad inputs counted over every rank.  Streamed rows: the
 * window, filled by the runs' own read tasks. */
static int load_rows(job *j, size_t window)
{
    lp_tile_io io = lp_job_tile_io(j->c.input ? &j->in : NULL, &j->gen,
                                   j->out_open ? &j->out : NULL);
    int status = j->ctx.streamed ? lp_tiles_stream(&j->ts, window, &io) : lp_tiles_alloc(&j->ts);
    if (status == LP_ERR_RUNTIME)
        lp_say(j->comm, "cannot allocate the rows of %zu tiles",
               j->ts.streamed ? j->ts.slots : j->ts.mine);
    j->ts.io = io;
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK || j->ctx.streamed)
        return status;
    double t0 = lp_now_ms();
    char err[700];
    status = lp_tiles_load(&j->ts, err, sizeof err);
    if (status == LP_ERR_RUNTIME)
        lp_say(j->comm, "%s", err);
    if (j->c.input && !lp_simulated()) {
        j->io.read_seconds = (lp_now_ms() - t0) * 1e-3;
        j->io.read_bytes = 3 * lp_tiles_rows_mine(&j->ts) * lp_dtype_size(j->c.dtype);
    }
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK || !j->c.input || lp_simulated())
        return status;   /* generated rows are all > 0; simulated ones are never read */
    return bad_inputs(j);
}

/* A library call's status, its failure said on this rank: the library
 * never prints, it leaves the reason in lp_last_error(). */
static int said(const job *j, int status)
{
    const char *why = lp_last_error();
    if (status != LP_OK && why[0])
        lp_say(j->comm, "%s", why);
    return status;
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
        j->progress.warmup = opt.warmup;
        j->progress.total = opt.warmup + opt.repeat;
        if (opt.progress)
            lp_progress_begin(&j->progress);
        int status = said(j, lp_run_tiles(&opt, &j->ts, r));
        j->run_io[slot] = j->ts.best_io;
        j->run_mark[slot] = j->ts.best_mark;
        if (opt.progress)
            lp_progress_end(&j->progress);
        if (status == LP_ERR_VERIFY && root(j))
            lp_say(j->comm, "--verify failed (backend %s): row %zu has relative error %.3g > %g "
                "(x=%.17g y=%.17g z=%.17g out=%.17g)", lp_backend_name(opt.backend), r->worst_row,
                r->max_rel_error, lp_verify_tolerance(r->dtype), r->worst_values[0], r->worst_values[1],
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
    int status = lp_job_agree(j->comm, &j->c);
    if (status != LP_OK || (status = open_input(j)) != LP_OK)
        return status;
    if ((status = lp_comm_agree(j->comm, root(j) ? outputs_ok(j) : LP_OK)) != LP_OK)
        return status;
    j->gen = (lp_generator){j->c.data, j->c.seed};
    describe_data(j);
    const char *env = getenv("STARPU_SCHED");
    if (j->c.opt.sched && env && strcmp(j->c.opt.sched, env) && !j->c.quiet && root(j))
        lp_say(j->comm, "note: --sched %s overrides STARPU_SCHED=%s", j->c.opt.sched, env);

    lp_block_stop_signals();
    if (j->c.trace && lp_fxt_prepare(j->fxt_dir, sizeof j->fxt_dir) != 0)
        j->fxt_dir[0] = '\0';   /* the chart then has no transfers */
    double t = lp_now_ms();
    /* Rank 0 first: a StarPU that finds no bus calibration in STARPU_HOME
     * measures the bus and writes its files, and ranks sharing that
     * directory (one host, or a shared home) would read them half-written
     * (seen: an assertion in StarPU's check_bus_affinity_file).  The other
     * ranks then start together and only read them. */
    int started = root(j) ? said(j, lp_start(&j->c.opt)) : LP_OK;
    status = lp_comm_agree(j->comm, started);
    if (!root(j))
        started = status == LP_OK ? said(j, lp_start(&j->c.opt)) : status;   /* not started */
    if ((status = lp_comm_agree(j->comm, started)) != LP_OK) {
        if (started == LP_OK)   /* another rank failed: stop ours too */
            lp_stop();
        return status;
    }
    j->comm->ops->after_start(j->comm);
    j->ctx.startup_ms = lp_now_ms() - t;
    j->ctx.env_defaults = lp_start_defaults();
    lp_catch_stop_signals();
    char note[160];
    lp_cpu_workers_note(note, sizeof note);
    if (note[0] && !j->c.quiet)
        lp_say(j->comm, "%s", note);
    j->progress.lines = !isatty(STDERR_FILENO);
    if (!j->c.quiet && root(j) && (j->c.progress || isatty(STDERR_FILENO))) {
        j->c.opt.progress = lp_progress_show;
        j->c.opt.progress_rows = lp_progress_rows;
        j->c.opt.progress_arg = &j->progress;
    }
    return LP_OK;
}

/* Whether the capture's model has an entry of this footprint. */
static int has_footprint(const lp_model_entry *e, size_t n, uint32_t fp)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].footprint == fp)
            return 1;
    return 0;
}

static int rows_before(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The tile sizes, in rows, the capture has models for with this run's
 * element type and intensity ("156250, 166666": ascending, each once), in
 * have; "" if none. */
static void captured_sizes(const job *j, const lp_model_entry *e, size_t n, char *have,
                           size_t len)
{
    size_t row_bytes = 4 * lp_dtype_size(j->c.dtype), found = 0;
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    have[0] = '\0';
    for (size_t i = 0; rows && i < n; i++) {
        size_t r = (size_t)(e[i].bytes / row_bytes);
        if (e[i].bytes % row_bytes ||
            lp_tile_footprint(r, j->c.dtype, j->c.opt.intensity) != e[i].footprint)
            continue;   /* another element type or intensity */
        rows[found++] = r;
    }
    if (found)
        qsort(rows, found, sizeof *rows, rows_before);
    for (size_t i = 0; i < found; i++) {
        size_t used = strlen(have);
        if (i == 0 || rows[i] != rows[i - 1])
            snprintf(have + used, len - used, "%s%zu", used ? ", " : "", rows[i]);
    }
    free(rows);
}

/* lp-starpu-sim: every tile size of the run has a model in the capture,
 * or StarPU's simulation would stop on an assertion.  LP_OK or
 * LP_ERR_USAGE, said. */
static int models_captured(job *j)
{
    if (!j->c.machine || j->ts.tiles == 0)
        return LP_OK;
    /* the layout's sizes: the first tile's, the first equal tile's, the last's */
    size_t n, sizes[LP_TILE_SIZES], first;
    lp_model_entry *entries = lp_machine_models(&j->machine, &n);
    lp_tiles_range(&j->ts, 0, &first, &sizes[0]);
    lp_tiles_range(&j->ts, j->ts.accel, &first, &sizes[1]);
    lp_tiles_range(&j->ts, j->ts.tiles - 1, &first, &sizes[2]);
    int status = LP_OK;
    for (int k = 0; k < LP_TILE_SIZES && status == LP_OK; k++) {
        if (has_footprint(entries, n, lp_tile_footprint(sizes[k], j->c.dtype,
                                                         j->c.opt.intensity)))
            continue;
        char have[400];
        captured_sizes(j, entries, n, have, sizeof have);
        char holds[440];
        if (have[0])
            snprintf(holds, sizeof holds, "it has tiles of %s rows", have);
        else
            snprintf(holds, sizeof holds, "it has no %s tiles at that intensity",
                     lp_dtype_name(j->c.dtype));
        if (root(j))   /* every rank checks the same capture: one says it */
            lp_say(j->comm, "machine %s has no model for tiles of %zu %s rows at intensity %u "
                   "(%s): --calibrate with these tiles on the real machine, then capture it "
                   "again", j->machine.name, sizes[k], lp_dtype_name(j->c.dtype),
                   j->c.opt.intensity ? j->c.opt.intensity : 1, holds);
        status = LP_ERR_USAGE;
    }
    free(entries);
    return status;
}

/* The tiles over every rank's workers, --output open, and this rank's
 * rows (or its window). */
/* --accel-tiles sizes tiles for the accelerators: said when none will take
 * them, as no accelerator works on this job or the policy does not place
 * tiles by their speed.  Every rank calls it. */
static void accel_tiles_note(const job *j)
{
    if (!j->c.opt.accel_tiles)   /* alike on every rank (job_agree.c) */
        return;
    int64_t accelerators = 0;
    for (int b = LP_BACKEND_CPU + 1; b < LP_BACKEND_COUNT; b++)
        if (j->c.opt.backend == LP_BACKEND_AUTO || j->c.opt.backend == (lp_backend)b)
            accelerators += lp_backend_workers((lp_backend)b);
    j->comm->ops->reduce_i64(j->comm, &accelerators, 1, LP_REDUCE_SUM);
    if (!root(j) || j->c.quiet)
        return;
    if (!accelerators)
        lp_say(j->comm, "note: --accel-tiles: no accelerator works on this job; its big tiles "
               "go to the CPU workers");
    else if (!lp_sched_uses_model(lp_sched_name()))
        lp_say(j->comm, "note: --accel-tiles: %s does not place tiles by speed; its big tiles go "
               "to whichever worker is free (dmda, dmdas and lp-eft give them to the "
               "accelerators)", lp_sched_name());
}

static int prepare(job *j)
{
    int status = lp_comm_agree(j->comm, check_backend(j));
    if (status != LP_OK)
        return status;
    /* The workers that run the tasks: a forced backend's only. */
    int64_t workers = lp_backend_workers(j->c.opt.backend);
    j->comm->ops->reduce_i64(j->comm, &workers, 1, LP_REDUCE_SUM);
    if ((status = lp_layout_check(j->c.opt.accel_tiles, j->c.opt.accel_tile_rows, j->rows))) {
        if (root(j))   /* every rank checks the same options: one says it */
            lp_say(j->comm, "%s", lp_last_error());
        return status;
    }
    /* Accelerators' tiles --calibrate kept: one process's, and not for
     * --compare, whose single-backend runs share the tiles. */
    lp_layout layout = lp_tiles_for(&j->c.opt, j->rows, j->c.dtype, (unsigned)workers,
                                    j->comm->size == 1 && !j->c.compare ? lp_sched_name() : NULL,
                                    &j->ctx.tiles_calibrated);
    /* Rank 0's count on every rank: a count --calibrate kept is read from
     * each rank's own models, which need not be the same files. */
    int64_t agreed[4] = {(int64_t)layout.tiles, (int64_t)layout.accel,
                         (int64_t)layout.accel_rows, j->ctx.tiles_calibrated};
    j->comm->ops->bcast(j->comm, agreed, sizeof agreed);
    layout = (lp_layout){(size_t)agreed[0], (size_t)agreed[1], (size_t)agreed[2]};
    size_t tiles = layout.tiles;
    j->ctx.tiles_calibrated = (int)agreed[3];
    /* --tiles and --tile-rows cut the rows the accelerators' tiles leave */
    size_t rest = j->rows - lp_layout_head(&layout);
    size_t asked = j->c.opt.tiles ? j->c.opt.tiles
                   : j->c.opt.tile_rows && rest
                       ? (rest + j->c.opt.tile_rows - 1) / j->c.opt.tile_rows : 0;
    j->ctx.tiles_asked = j->c.opt.tiles;
    j->ctx.tiles_formula = !asked && !j->ctx.tiles_calibrated && !layout.accel;
    if (root(j) && !j->c.quiet && j->c.opt.tiles > rest)
        lp_say(j->comm, "note: %zu tiles asked for %zu rows: using %zu tiles", j->c.opt.tiles,
               rest, rest);
    else if (root(j) && !j->c.quiet && asked && tiles - layout.accel > asked)
        lp_say(j->comm, "note: %zu tiles: a tile holds at most %zu rows (StarPU's vectors count "
               "in 32 bits)", tiles, lp_tile_rows_limit);
    if (root(j) && !j->c.quiet && j->comm->size > 1 && (size_t)j->comm->size > tiles) {
        if (tiles + 1 == (size_t)j->comm->size)
            lp_say(j->comm, "note: %d ranks for %zu tile%s: rank %zu has no tile and stays idle",
                   j->comm->size, tiles, tiles == 1 ? "" : "s", tiles);
        else
            lp_say(j->comm, "note: %d ranks for %zu tile%s: ranks %zu to %d have no tile and "
                   "stay idle", j->comm->size, tiles, tiles == 1 ? "" : "s", tiles,
                   j->comm->size - 1);
    }
    status = init_tiles(j, &layout);
    if ((status = lp_comm_agree(j->comm, status)) != LP_OK || (status = models_captured(j)))
        return status;
    accel_tiles_note(j);   /* after the refusals: one line for those */
    size_t window = 0;
    if ((status = choose_residence(j, &window)) != LP_OK)
        return status;
    if ((status = lp_comm_agree(j->comm, fit_tiles(j, window))) != LP_OK)
        return status;
    if (j->c.output) {
        if ((status = lp_job_output_open(j->comm, j->c.output, j->rows, j->c.dtype, &j->out)) !=
            LP_OK)
            return status;
        j->out_open = 1;
    }
    double t = lp_now_ms();
    status = load_rows(j, window);
    j->ctx.data_ms = lp_now_ms() - t;
    return lp_comm_agree(j->comm, lp_stop_requested() ? LP_ERR_INTERRUPTED : status);
}

/* Resident rows: each rank writes its results into --output's temporary
 * file (streamed: the runs did). */
static int write_rows(job *j, int status)
{
    if (j->out_open && status == LP_OK && !j->ts.streamed) {
        status = said(j, lp_tiles_write(&j->ts));
        j->io.write_bytes = atomic_load(&j->ts.write_bytes);
        j->io.write_seconds = (double)atomic_load(&j->ts.write_ns) * 1e-9;
    }
    return lp_comm_agree(j->comm, status);
}

/* --output closed on every rank and, if all went well (the reports
 * written too), renamed over the old file at rank 0; else removed.
 * status is already agreed (write_rows, report). */
static int close_output(job *j, int status)
{
    if (!j->out_open)
        return status;
    j->out_open = 0;
    return lp_job_output_close(j->comm, j->c.output, &j->out, status);
}

/* A worker of the run ran more than one CPU implementation ("avx512 3,
 * baseline 1"): said even under --quiet, since it can move the last bits. */
static int mixed_cpu_code(const lp_report *r)
{
    for (unsigned w = 0; w < r->nworkers; w++)
        if (r->workers[w].kind == LP_BACKEND_CPU && strchr(r->workers[w].impl, ','))
            return 1;
    return 0;
}

/* Every rank's statistics at rank 0, then the reports there. */
static int report(job *j)
{
    lp_rank_io io = j->ts.streamed ? j->run_io[0] : j->io;
    for (int i = 0; i < j->nruns; i++) {
        lp_rank_stats *ranks = lp_gather_report(j->comm, &j->ts, &j->runs[i], &io);
        if (i == 0)
            j->ranks = ranks;
        else
            free(ranks);
    }
    for (int r = 0; j->ranks && r < j->comm->size; r++) {   /* rank 0: every rank's */
        const lp_rank_stats *s = &j->ranks[r];
        j->ctx.io.read_bytes += s->io.read_bytes;
        j->ctx.io.write_bytes += s->io.write_bytes;
        j->ctx.io.read_seconds += s->io.read_seconds;
        j->ctx.io.write_seconds += s->io.write_seconds;
        if (s->peak_rss_bytes > j->ctx.peak_rss_bytes)
            j->ctx.peak_rss_bytes = s->peak_rss_bytes;
    }
    j->ctx.input_layout = j->c.input ? j->in.layout : NULL;
    for (int i = 0; i < j->nruns && root(j) && !j->c.quiet; i++)
        lp_model_notice(&j->runs[i]);
    if (root(j) && j->c.quiet && mixed_cpu_code(&j->runs[0]))
        lp_say(j->comm, "note: a CPU worker ran several implementations (the model is still "
               "measuring them), which may round a row's last bit differently: --cpu-impl "
               "runs one, --calibrate first settles the choice");
    j->ctx.nranks = j->c.mpi ? j->comm->size : 0;
    j->ctx.ranks = j->ranks;
    int status = root(j) ? lp_write_reports(&j->c, &j->ctx, j->runs, j->nruns) : LP_OK;
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
                            ? lp_fxt_transfers(j->fxt_dir, j->run_mark[0], r->own_seconds * 1e6, &n)
                            : NULL;
    unsigned total = 0;
    lp_transfer *all = lp_gather_transfers(j->comm, mine, n, &total);
    free(mine);
    int status = LP_OK;
    char err[600];
    if (root(j) && lp_trace_svg(j->c.trace, r, all, total, err, sizeof err) != 0) {
        lp_say(j->comm, "%s (the trace)", err);
        status = LP_ERR_RUNTIME;
    }
    free(all);
    return lp_comm_agree(j->comm, status);
}


/* lp-starpu-sim's runner replays the machine its launcher prepared
 * (sim_launcher.c); the real tool refuses --machine.  LP_OK, or
 * LP_ERR_USAGE with one line in err. */
static int simulation_options(job *j, char *err, size_t len)
{
#ifdef LP_SIMULATED
    if (lp_machine_options_check(&j->c, err, len) != 0 ||
        lp_machine_attach(&j->machine, j->c.machine, LP_MACHINES_DIR, err, len) != 0)
        return LP_ERR_USAGE;
    if (j->c.nodes > 1)
        snprintf(j->machine_desc, sizeof j->machine_desc, "%u nodes of %s (captured %s: %s), "
                 "each on a %d Gb/s, %d us link", j->c.nodes, j->machine.name,
                 j->machine.captured, j->machine.description, LP_SIM_LINK_GBPS,
                 LP_SIM_LINK_LATENCY_US);
    else
        snprintf(j->machine_desc, sizeof j->machine_desc, "%s (captured %s: %s)",
                 j->machine.name, j->machine.captured, j->machine.description);
    j->ctx.machine = j->machine_desc;
    if (j->machine.cpu_impl[0] && !j->c.opt.cpu_impl)   /* the one its CPU model has */
        j->c.opt.cpu_impl = j->machine.cpu_impl;
#else
    if (j->c.nodes) {
        snprintf(err, len, "--nodes: only lp-starpu-sim simulates nodes; on a cluster, start "
                 "lp-starpu --mpi under mpirun");
        return LP_ERR_USAGE;
    }
    if (j->c.machine) {
        snprintf(err, len, "--machine: only lp-starpu-sim replays a captured machine (built "
                 "beside lp-starpu where SimGrid is installed; docs/simulation.md)");
        return LP_ERR_USAGE;
    }
#endif
    return LP_OK;
}

static int run_tool(int argc, char **argv)
{
    static job j;
    char err[600];
    const char *launcher = NULL;
    int status;
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
        const char *name;
        for (int i = 0; (name = lp_sched_nth(i)); i++)
            printf("  %-32s %s\n", name, lp_sched_description(name));
        return LP_OK;
    }
    if ((status = simulation_options(&j, err, sizeof err)) != LP_OK) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return status;
    }
    if (lp_check_environment(err, sizeof err) != LP_OK) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        return LP_ERR_USAGE;
    }
    long rank, launched = lp_launcher_size(&rank, &launcher);
    if (!j.c.mpi && launched > 1) {   /* each would run the whole job alone */
        if (rank <= 0)
            fprintf(stderr, "lp-starpu: started by an MPI launcher as %ld processes (%s) but "
                    "without --mpi: add --mpi to share the tiles among them, or start one "
                    "process\n", launched, launcher);
        return LP_ERR_USAGE;
    }
    status = lp_comm_open(j.c.mpi, j.c.cyclic, &j.comm);
    if (status != LP_OK)
        return status;
    if ((status = start(&j)) != LP_OK) {
        j.comm->ops->finish(j.comm);
        return status;
    }

    status = prepare(&j);
    if (status == LP_OK && j.c.calibrate) {
        j.c.opt.verify = j.c.verify;
        status = said(&j, lp_calibrate(&j.c.opt, &j.ts, root(&j) && !j.c.quiet ? stdout : NULL));
    } else if (status == LP_OK) {
        status = run_all(&j);
        if (status == LP_OK && j.ts.streamed && j.c.input)
            status = lp_comm_agree(j.comm, bad_inputs(&j));   /* the read tasks counted them */
        status = write_rows(&j, status);
        if (status == LP_OK)   /* before the rename: a report that fails keeps the old output */
            status = report(&j);
        status = close_output(&j, status);
    }
    if (j.out_open)   /* never reached the runs' end: nothing is renamed */
        lp_job_output_close(j.comm, j.c.output, &j.out, LP_ERR_RUNTIME);
    lp_npy_input_close(&j.in);

    /* Every rank stops for a signal any rank received, and says so before
     * shutting down: Open MPI's mpirun, signalled itself, signals the ranks
     * and kills them 1 s later, while MPI_Finalize waits for it. */
    int64_t signo = lp_stop_requested();
    j.comm->ops->reduce_i64(j.comm, &signo, 1, LP_REDUCE_MAX);
    if (signo) {
        lp_say(j.comm, "stopped by signal %d (%s)", (int)signo, strsignal((int)signo));
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
    lp_machine_close(&j.machine);
    return status;
}

int main(int argc, char **argv)
{
    int status = run_tool(argc, argv);
#ifdef LP_SIM_NODES
    /* A rank of a simulated cluster: SimGrid's MPI ignores what this main
     * returns (StarPU-MPI's actor is the rank), so lp-starpu-sim reads it
     * from the machine's copy. */
    if (status != LP_OK)
        lp_machine_rank_failed(status);
#endif
    return status;
}
