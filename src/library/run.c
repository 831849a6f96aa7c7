/* The one run path, for one process and for each rank of an MPI job, for
 * resident and streamed rows alike: the tiles are registered with StarPU
 * once (this rank's; under StarPU-MPI every tile, each with its owner),
 * then run opt->warmup untimed times and opt->repeat timed times, one
 * compute task each (under StarPU-MPI built on every rank, made on the
 * owner), every run moving the rows to the devices and the results home as
 * a fresh registration would; unregistered at the end.
 * Streamed tiles also get a read task before and a store task after
 * (stream.c).  What involves the other ranks goes through the communicator
 * (comm.h): the tiles' StarPU-MPI registration and tasks, starting each
 * run together, the slowest rank's time, the checksum's digits, the
 * verification's worst row. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "logprod.h"
#include "run_state.h"
#include "stats.h"
#include "tiles.h"

#define LP_TILES_PER_WORKER 4    /* slack for the scheduler to balance */

size_t lp_default_tiles(size_t rows)
{
    return lp_default_tiles_for(rows, starpu_worker_get_count());
}

size_t lp_default_tiles_for(size_t rows, unsigned nworkers)
{
    if (rows == 0)
        return 0;
    size_t tiles = (rows + LP_TILE_ROWS - 1) / LP_TILE_ROWS;
    size_t want = (size_t)LP_TILES_PER_WORKER * nworkers;
    size_t most = rows / LP_MIN_TILE_ROWS;
    if (tiles < want)
        tiles = want < most ? want : (most > tiles ? most : tiles);
    /* A multiple of the workers: 64 equal tiles on 15 workers end with 4
     * of them busy and 11 idle (measured: 17% longer than 60 tiles). */
    if (nworkers > 1 && tiles % nworkers && tiles + nworkers - tiles % nworkers <= rows)
        tiles += nworkers - tiles % nworkers;
    return tiles < rows ? tiles : rows;
}

size_t lp_tiles_balanced(unsigned rounds, const unsigned workers[LP_BACKEND_COUNT],
                         const double tile_seconds[LP_BACKEND_COUNT], unsigned short_by)
{
    const double most = 1e12;   /* a share beyond any row count (the caller clamps) */
    size_t cpu = (size_t)rounds * workers[LP_BACKEND_CPU], acc = 0;
    for (int b = LP_BACKEND_CPU + 1; b < LP_BACKEND_COUNT; b++)
        if (workers[b] && tile_seconds[b] > 0 && tile_seconds[LP_BACKEND_CPU] > 0) {
            double share = floor(rounds * tile_seconds[LP_BACKEND_CPU] / tile_seconds[b]);
            acc += (size_t)workers[b] * (size_t)(share < most ? share : most);
        }
    return cpu + (acc > short_by ? acc - short_by : 0);
}

lp_layout lp_accel_layout(size_t rows, const unsigned workers[LP_BACKEND_COUNT],
                          const double tile_seconds[LP_BACKEND_COUNT], double stretch)
{
    lp_layout l = {0, 0, 0};
    double acc = 0, cpu = 0;   /* tiles per second */
    size_t accelerators = 0;
    if (workers[LP_BACKEND_CPU] && tile_seconds[LP_BACKEND_CPU] > 0)
        cpu = workers[LP_BACKEND_CPU] / tile_seconds[LP_BACKEND_CPU];
    for (int b = LP_BACKEND_CPU + 1; b < LP_BACKEND_COUNT; b++)
        if (workers[b] && tile_seconds[b] > 0) {
            acc += workers[b] / tile_seconds[b];
            accelerators += workers[b];
        }
    if (!(cpu > 0) || !(acc > 0))
        return l;
    double share = stretch * acc / (acc + cpu);
    l.accel = 2 * accelerators;   /* two each: one in flight while the other's copies go */
    l.accel_rows = (size_t)(share * (double)rows / (double)l.accel);
    if (share >= 1 || !lp_layout_fits(l.accel, l.accel_rows, rows))
        return (lp_layout){0, 0, 0};
    size_t rest = rows - lp_layout_head(&l);
    l.tiles = l.accel + lp_tiles_clamp(lp_default_tiles_for(rest, workers[LP_BACKEND_CPU]), rest);
    return l;
}

size_t lp_tiles_clamp(size_t tiles, size_t rows)
{
    size_t fewest = (rows + lp_tile_rows_limit - 1) / lp_tile_rows_limit;
    if (tiles < fewest)   /* a tile is one StarPU handle of 32-bit length */
        tiles = fewest;
    return tiles < rows ? tiles : rows;   /* the caller says so to the user */
}

lp_layout lp_tiles_for(const lp_options *opt, size_t rows, lp_dtype dtype, unsigned nworkers,
                       const char *sched, int *calibrated)
{
    lp_layout l = {0, opt->accel_tiles, opt->accel_tile_rows};
    if (!lp_layout_fits(l.accel, l.accel_rows, rows))
        l.accel = l.accel_rows = 0;   /* the caller checked, and said why */
    if (opt->backend != LP_BACKEND_AUTO)
        sched = NULL;   /* one kind alone: no tiles sized for another kind */
    if (!opt->tiles && !opt->tile_rows && !l.accel) {   /* measured here by --calibrate */
        lp_layout chosen = lp_tiles_chosen(rows, dtype, opt->intensity, nworkers, sched);
        size_t equal = chosen.tiles - chosen.accel;
        /* no tile over the 32-bit limit */
        int fits = chosen.tiles && lp_tiles_clamp(equal, rows - lp_layout_head(&chosen)) == equal;
        if (calibrated)
            *calibrated = fits;
        if (fits)
            return chosen;
    } else if (calibrated) {
        *calibrated = 0;
    }
    size_t rest = rows - lp_layout_head(&l), tiles = opt->tiles;
    if (tiles == 0)
        tiles = opt->tile_rows ? (rest + opt->tile_rows - 1) / opt->tile_rows
                               : lp_default_tiles_for(rest, nworkers);
    l.tiles = l.accel + lp_tiles_clamp(tiles, rest);
    return l;
}

uint32_t lp_where_mask(lp_backend b)
{
    switch (b) {
    case LP_BACKEND_CPU: return STARPU_CPU;
    case LP_BACKEND_CUDA: return STARPU_CUDA;
    case LP_BACKEND_OPENCL: return STARPU_OPENCL;
    default: return STARPU_CPU | STARPU_CUDA | STARPU_OPENCL;
    }
}

/* As each compute task ends, on its worker: what the report needs of it,
 * and the memory StarPU holds on that worker's node. */
static void task_ended(void *arg)
{
    lp_task_seen *seen = arg;
    struct starpu_task *task = starpu_task_get_current();
    struct starpu_profiling_task_info *p = task ? task->profiling_info : NULL;
    if (p) {
        seen->worker = p->workerid;
        seen->start_us = starpu_timing_timespec_to_us(&p->start_time);
        seen->end_us = starpu_timing_timespec_to_us(&p->end_time);
        seen->predicted_us = isfinite(task->predicted) && task->predicted > 0 ? task->predicted
                                                                              : NAN;
        seen->nimpl = starpu_task_get_implementation(task);
    }
    lp_memory_sample();
    lp_run_state *rs = seen->rs;
    if (rs && rs->opt->progress_rows) {
        uint64_t done = atomic_fetch_add(&rs->rows_done, seen->rows) + seen->rows;
        if (!atomic_flag_test_and_set(&rs->reporting)) {
            rs->opt->progress_rows(rs->opt->progress_arg, done, rs->rows_total);
            atomic_flag_clear(&rs->reporting);
        }
    }
}

/* The compute task of tile t on handles h, filled in (its codelet and
 * handles may come from StarPU-MPI's build). */
static void compute_task_fill(struct starpu_task *task, const lp_options *opt, lp_tiles *ts,
                              size_t t, starpu_data_handle_t const h[4], lp_run_state *rs)
{
    task->cl = &lp_logprod_cl;
    for (int c = 0; c < 4; c++)
        task->handles[c] = h[c];
    if (opt->backend != LP_BACKEND_AUTO)   /* forced single backend */
        task->where = lp_where_mask(opt->backend);
    lp_task_bucket(task, lp_where_mask(opt->backend));
    task->cl_arg = &ts->args[t];
    task->cl_arg_size = sizeof ts->args[t];
    task->cl_arg_free = 0;   /* StarPU-MPI's build sets it: the tiles own theirs */
    task->callback_func = task_ended;
    task->callback_arg = &rs->seen[t];
    task->callback_arg_free = 0;
    /* Tiles have three sizes at most (the accelerators' first, then the
     * equal tiles' two): each new one noted. */
    uint32_t footprint = lp_logprod_footprint(task);
    int seen = 0;
    for (int k = 0; k < rs->have_footprints; k++)
        seen |= rs->footprints[k] == footprint;
    if (!seen && rs->have_footprints < LP_TILE_SIZES)
        rs->footprints[rs->have_footprints++] = footprint;
}

struct starpu_task *lp_compute_task(const lp_options *opt, lp_tiles *ts, size_t t,
                                    starpu_data_handle_t const h[4], lp_run_state *rs)
{
    struct starpu_task *task = starpu_task_create();
    compute_task_fill(task, opt, ts, t, h, rs);
    return task;
}

uint32_t lp_tile_footprint(size_t rows, lp_dtype dtype, unsigned intensity)
{
    starpu_data_handle_t h[4];
    lp_tile_arg arg = {.intensity = intensity ? intensity : 1, .rows = rows,
                       .dtype = (unsigned char)dtype};
    for (int c = 0; c < 4; c++)
        starpu_vector_data_register(&h[c], -1, 0, (uint32_t)rows, lp_dtype_size(dtype));
    struct starpu_task *task = starpu_task_create();
    task->cl = &lp_logprod_cl;
    task->cl_arg = &arg;
    for (int c = 0; c < 4; c++)
        task->handles[c] = h[c];
    uint32_t fp = lp_logprod_footprint(task);
    task->destroy = 0;
    starpu_task_destroy(task);
    for (int c = 0; c < 4; c++)
        starpu_data_unregister(h[c]);
    return fp;
}

/* A signal asked the run to stop (lp_request_stop): submit nothing more. */
int lp_stop_now(void)
{
    return lp_stop_requested() != 0;
}

static int refused(size_t t, int ret)
{
    lp_error("task of tile %zu refused: %s", t,
             ret == -ENODEV ? "no worker can run it" : strerror(-ret));
    return ret == -ENODEV ? LP_ERR_BACKEND : LP_ERR_RUNTIME;
}

/* Tiles' handles take StarPU-MPI tags from here up: 4 per tile. */
#define LP_TILE_TAG_BASE (INT64_C(1) << 40)

/* Resident rows: each owned tile's columns registered where they are,
 * once for all the runs of a job, or of every lp_run on one lp_data (a
 * registration and an unregistration cost more than the tile's task:
 * bench/starpu_costs).  The output tile
 * goes home as soon as its task ends (write-through), overlapping the
 * copies back with the work still running.  Under StarPU-MPI every rank
 * registers every tile, the others' with no home, each with its owner. */
static int register_tiles(lp_tiles *ts)
{
    const lp_comm *cm = ts->comm;
    starpu_data_handle_t (*h)[4] = ts->h = calloc(ts->tiles + 1, sizeof *ts->h);
    if (!h) {
        lp_error("out of memory for the handles of %zu tiles", ts->tiles);
        return LP_ERR_RUNTIME;
    }
    ts->handles = 0;
    for (size_t t = 0; t < ts->tiles; t++) {
        int mine = ts->owner[t] == cm->rank;
        if (!mine && !cm->ops->data_register)
            continue;
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        for (int c = 0; c < 4; c++) {
            ts->handles++;
            starpu_vector_data_register(&h[t][c], mine ? STARPU_MAIN_RAM : -1,
                                        mine ? (uintptr_t)ts->col[t][c] : 0, (uint32_t)count,
                                        lp_dtype_size(ts->dtype));
            if (cm->ops->data_register)
                cm->ops->data_register(cm, h[t][c], LP_TILE_TAG_BASE + 4 * (int64_t)t + c,
                                       ts->owner[t]);
        }
        if (mine)
            starpu_data_set_wt_mask(h[t][3], 1u << STARPU_MAIN_RAM);
    }
    return LP_OK;
}

void lp_tiles_let_go_handles(lp_tiles *ts)
{
    for (size_t t = 0; ts->h && t < ts->tiles; t++)
        for (int c = 0; c < 4; c++)
            if (ts->h[t][c])
                starpu_data_unregister(ts->h[t][c]);
    free(ts->h);
    ts->h = NULL;
}

/* Whether a copy of h other than main memory's is valid or on its way. */
static int copied_elsewhere(starpu_data_handle_t h)
{
    unsigned nodes = starpu_memory_nodes_get_count();
    for (unsigned n = 0; n < nodes; n++) {
        int valid = 0, requested = 0;
        if (n != STARPU_MAIN_RAM)
            starpu_data_query_status(h, (int)n, NULL, &valid, &requested);
        if (valid || requested)
            return 1;
    }
    return 0;
}

/* A kept input tile, before a run: its device copies dropped, so that the
 * run moves its rows again as a fresh handle would, and reads what main
 * memory holds now (the caller may have changed it since the last run,
 * or since the last lp_run on the same lp_data).
 * A write acquire on main memory invalidates every other copy; tiles that
 * never left main memory (CPU workers) skip it. */
static void drop_device_copies(starpu_data_handle_t h)
{
    if (copied_elsewhere(h)) {
        starpu_data_acquire_on_node(h, STARPU_MAIN_RAM, STARPU_W);
        starpu_data_release_on_node(h, STARPU_MAIN_RAM);
    }
}

/* An output tile, after a run: home in main memory before the run's time
 * is taken (its write-through copy may still be under way). */
static void bring_home(starpu_data_handle_t h)
{
    int valid = 0, requested = 0;
    starpu_data_query_status(h, STARPU_MAIN_RAM, NULL, &valid, &requested);
    if (!valid || requested) {
        starpu_data_acquire_on_node(h, STARPU_MAIN_RAM, STARPU_R);
        starpu_data_release_on_node(h, STARPU_MAIN_RAM);
    }
}

/* Resident rows: each owned tile's task, on its kept handles.  Under
 * StarPU-MPI every rank builds every tile's task, which is made only on
 * the tile's owner (owner computes). */
static int submit_resident(const lp_options *opt, lp_tiles *ts, lp_run_state *rs)
{
    const lp_comm *cm = ts->comm;
    starpu_data_handle_t (*h)[4] = ts->h;
    for (size_t t = 0; t < ts->tiles; t++) {
        int mine = ts->owner[t] == cm->rank;
        if (!mine && !cm->ops->task_build)
            continue;
        if (lp_stop_now())
            return LP_ERR_INTERRUPTED;
        for (int c = 0; mine && c < 3; c++)
            drop_device_copies(h[t][c]);
        struct starpu_task *task = cm->ops->task_build
                                       ? cm->ops->task_build(cm, &lp_logprod_cl, h[t])
                                       : starpu_task_create();
        int ret = 0;
        if (task) {
            compute_task_fill(task, opt, ts, t, h[t], rs);
            if ((ret = starpu_task_submit(task)) != 0)
                starpu_task_destroy(task);   /* StarPU 1.3 frees no task it refused */
        }
        if (cm->ops->task_post_build)
            cm->ops->task_post_build(cm, &lp_logprod_cl, h[t]);
        if (ret != 0)
            return refused(t, ret);
    }
    return LP_OK;
}

/* One run of this rank's tiles, timed from t0 to t1 (us).  Returns LP_OK,
 * or an error with a message printed. */
static int run_once(const lp_options *opt, lp_tiles *ts, lp_run_state *rs, double *t0,
                    double *t1)
{
    static unsigned long runs;   /* the marks of the runs in an FxT trace */
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        rs->seen[t] = (lp_task_seen){.worker = -1, .rows = count, .rs = rs};
    }
    atomic_store(&rs->rows_done, 0);
    lp_xsum_clear(&ts->sum);   /* the last run's is the one kept */
    atomic_store(&ts->read_bytes, 0);
    atomic_store(&ts->read_ns, 0);
    atomic_store(&ts->write_bytes, 0);
    atomic_store(&ts->write_ns, 0);
    ts->comm->ops->barrier(ts->comm);   /* every rank starts together */
    *t0 = starpu_timing_now();
    rs->mark = ++runs;
    starpu_fxt_trace_user_event(rs->mark);
    lp_memory_watch_reset();
    int status = ts->streamed ? lp_stream_submit(opt, ts, rs) : submit_resident(opt, ts, rs);
    starpu_task_wait_for_all();
    if (ts->streamed)
        lp_stream_release(ts, rs);
    for (size_t t = 0; !ts->streamed && t < ts->tiles; t++)
        if (ts->h[t][3] && ts->owner[t] == ts->comm->rank)
            bring_home(ts->h[t][3]);
    *t1 = starpu_timing_now();

    char msg[700];
    if (lp_codelet_take_error(msg, sizeof msg)) {
        lp_error("%s", msg);
        status = LP_ERR_RUNTIME;
    }
    return status;
}

/* Resident rows the kept run leaves unwritten are NaN, never an earlier
 * run's values: each owned tile is marked before that run (its two ends,
 * data.c) and, after it, made NaN if still marked.  (A failed call's out
 * is made NaN whole by lp_run; streamed slots are poisoned by each tile's
 * read task.) */
typedef enum { MARK_TILES, POISON_UNWRITTEN } unwritten_step;

static void unwritten_tiles(lp_tiles *ts, unwritten_step step)
{
    if (ts->streamed || lp_simulated())   /* simulated: no rows behind the tiles */
        return;
    for (size_t t = 0; t < ts->tiles; t++) {
        if (ts->owner[t] != ts->comm->rank)
            continue;
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        if (step == MARK_TILES)
            lp_mark_unwritten(ts->col[t][3], ts->dtype, count);
        else
            lp_poison_if_unwritten(ts->col[t][3], ts->dtype, count);
    }
}

static void floor_tile(lp_tiles *ts, size_t t, const void *ctx)
{
    (void)ctx;
    lp_data d = lp_tiles_data(ts, t);
    lp_memory_floor_kernel(d.rows, d.dtype == LP_FLOAT32, d.col[0], d.col[1], d.col[2], d.col[3]);
}

double lp_memory_floor_seconds(lp_tiles *ts, int reps)
{
    double best = 0;
    for (int r = 0; r < reps && !ts->streamed && !lp_stop_now(); r++) {
        double t0 = starpu_timing_now();
        lp_tiles_each(ts, floor_tile, NULL);
        double s = (starpu_timing_now() - t0) * 1e-6;
        if (r == 0 || s < best)
            best = s;
    }
    return best;
}

typedef struct result_ctx {
    int sum, verify;
    unsigned intensity;
} result_ctx;

/* Resident rows: a tile's sum and, with --verify, its worst row, after the
 * run.  (Streamed: the store tasks did it.) */
static void result_of_tile(lp_tiles *ts, size_t t, const void *ctx)
{
    const result_ctx *rc = ctx;
    size_t first, count;
    lp_tiles_range(ts, t, &first, &count);
    lp_data tile = lp_tiles_data(ts, t);
    lp_tile_result_of(ts, t, &tile, first, rc->sum, rc->verify, rc->intensity);
}

/* The checksum over every rank: the exact sum of every rank's tiles,
 * rounded once (exact_sum.h); and with --verify the worst error over every
 * rank, the first row that has it, and that row's values, everywhere. */
static void combine(const lp_tiles *ts, int verify, lp_report *rep)
{
    const lp_comm *cm = ts->comm;
    lp_xsum all = ts->sum;
    cm->ops->reduce_i64(cm, all.digit, LP_XSUM_DIGITS + 3, LP_REDUCE_SUM);   /* and the counts */
    rep->checksum = lp_xsum_round(&all);
    double worst = 0, values[4] = {0, 0, 0, 0};
    int64_t row = INT64_MAX;
    for (size_t t = 0; t < ts->tiles; t++) {
        const lp_tile_result *r = &ts->result[t];
        if (ts->owner[t] != cm->rank)
            continue;
        if (r->max_rel_error > worst) {   /* tiles in row order: the first such row */
            worst = r->max_rel_error;
            row = (int64_t)r->worst_row;
            memcpy(values, r->worst_values, sizeof values);
        }
    }
    if (!verify)
        return;
    double all_worst = lp_comm_max(cm, worst);
    int64_t mine = worst == all_worst && all_worst > 0 ? row : INT64_MAX;
    int64_t first_row = mine;
    cm->ops->reduce_i64(cm, &first_row, 1, LP_REDUCE_MIN);
    if (mine != first_row)
        memset(values, 0, sizeof values);   /* one rank sends the row's values */
    cm->ops->reduce_f64(cm, values, 4, LP_REDUCE_SUM);
    rep->verified = 1;
    rep->max_rel_error = all_worst;
    rep->worst_row = all_worst > 0 ? (size_t)first_row : 0;
    memcpy(rep->worst_values, values, sizeof values);
}

/* This rank's I/O in the run (streamed: read and store tasks). */
static lp_rank_io io_stats(const lp_tiles *ts)
{
    return (lp_rank_io){atomic_load(&ts->read_bytes), atomic_load(&ts->write_bytes),
                        (double)atomic_load(&ts->read_ns) * 1e-9,
                        (double)atomic_load(&ts->write_ns) * 1e-9};
}

int lp_run_tiles(const lp_options *opt, lp_tiles *ts, lp_report *rep)
{
    const lp_comm *comm = ts->comm;
    memset(rep, 0, sizeof *rep);
    lp_error_clear();
    rep->rows = ts->rows;
    rep->tiles = ts->tiles;
    rep->accel_tiles = ts->accel;
    rep->accel_tile_rows = ts->accel ? ts->accel_rows : 0;
    rep->dtype = ts->dtype;
    rep->backend = opt->backend;
    rep->warmup = opt->warmup;
    rep->intensity = opt->intensity ? opt->intensity : 1;
    snprintf(rep->sched, sizeof rep->sched, "%s", lp_sched_name());
    /* Every rank runs the same tiles: the tool checks the ranks' commands
     * (job_agree.c) and inputs, and gives them rank 0's layout. */
    if (opt->repeat < 1 || opt->warmup < 0) {
        lp_error("%d timed runs, %d warm-up runs: at least one timed run, no negative warm-up",
                 opt->repeat, opt->warmup);
        return LP_ERR_USAGE;
    }
    int status = lp_backend_workers(opt->backend) == 0 ? LP_ERR_BACKEND : LP_OK;
    if (status != LP_OK)
        lp_error("--backend %s: StarPU found no %s worker", lp_backend_name(opt->backend),
                 lp_backend_name(opt->backend));
    if ((status = lp_comm_agree(comm, status)) != LP_OK)
        return status;

    lp_run_state rs = {.opt = opt, .reporting = ATOMIC_FLAG_INIT};
    rs.seen = calloc(ts->tiles + 1, sizeof *rs.seen);
    rs.rows_total = lp_tiles_rows_mine(ts);
    status = lp_report_alloc(rep, opt->repeat, ts->tiles) == 0 && rs.seen ? LP_OK
                                                                           : LP_ERR_RUNTIME;
    if (status != LP_OK)
        lp_error("out of memory for the report of %zu tiles", ts->tiles);
    for (size_t t = 0; t < ts->tiles; t++)
        ts->args[t].intensity = rep->intensity;
    double r0 = starpu_timing_now();
    if (status == LP_OK && !ts->streamed && ts->rows > 0 && !ts->h) {
        status = register_tiles(ts);
        rep->handles_registered = ts->handles;
    }
    rep->register_seconds = (starpu_timing_now() - r0) * 1e-6;

    double t0, t1;
    int total = opt->warmup + opt->repeat, started = 0;
    for (int r = 0; r < total && (status = lp_comm_agree(comm, status)) == LP_OK; r++) {
        /* Every rank goes into each run or none does: a signal seen by one
         * stops them all before the next run. */
        if ((status = lp_comm_agree(comm, lp_stop_now() ? LP_ERR_INTERRUPTED : LP_OK)))
            break;
        int timed = r >= opt->warmup, k = r - opt->warmup, last = r + 1 == total;
        if (last)   /* the run whose results are kept */
            unwritten_tiles(ts, MARK_TILES);
        started = 1;
        ts->verify_now = last && opt->verify;   /* streamed: the store tasks check */
        ts->write_now = last || !ts->io.in_order;   /* a FIFO takes one copy */
        t0 = t1 = 0;
        if (timed)
            lp_bus_counters_reset();
        if (ts->rows > 0)
            status = run_once(opt, ts, &rs, &t0, &t1);
        /* A stop asked during the run may have cut tiles short (the CPU
         * kernels stop between pieces): its results are not to be used. */
        if (status == LP_OK && lp_stop_now())
            status = LP_ERR_INTERRUPTED;
        status = lp_comm_agree(comm, status);
        double own = (t1 - t0) * 1e-6, slowest = lp_comm_max(comm, own);
        if (status == LP_OK && timed) {
            rep->run_seconds[k] = slowest;
            if (k == 0 || slowest < rep->seconds) {
                rep->seconds = slowest;
                rep->own_seconds = own;
                ts->best_mark = rs.mark;
                lp_bus_counters_read(rep);
                lp_collect_task_stats(rep, rs.seen, t0);
                ts->best_io = io_stats(ts);
            }
        }
        if (status == LP_OK && opt->progress)
            opt->progress(opt->progress_arg, r + 1, total);
    }
    /* Every task has ended and every result is home (run_once).  (After a
     * failed run lp_run makes all of out NaN; the tool keeps no output.) */
    if (started && ts->rows > 0 && status == LP_OK)   /* two reads a tile */
        unwritten_tiles(ts, POISON_UNWRITTEN);
    r0 = starpu_timing_now();
    if (!ts->keep_handles)
        lp_tiles_let_go_handles(ts);
    rep->register_seconds += (starpu_timing_now() - r0) * 1e-6;
    free(rs.seen);
    if (status != LP_OK) {
        lp_report_free(rep);
        return status;
    }
    lp_model_samples(rep, rs.footprints, rs.have_footprints);
    rep->median_seconds = lp_median(rep->run_seconds, opt->repeat);
    if (!ts->streamed && (opt->verify || !opt->no_checksum))
        lp_tiles_each(ts, result_of_tile,
                      &(result_ctx){!opt->no_checksum, opt->verify, rep->intensity});
    combine(ts, opt->verify, rep);
    int64_t reproducible = rep->reproducible;   /* on every rank */
    comm->ops->reduce_i64(comm, &reproducible, 1, LP_REDUCE_MIN);
    rep->reproducible = (int)reproducible;
    if (lp_simulated() || (opt->no_checksum && !ts->streamed))
        rep->checksum = NAN;   /* nothing was computed, or not asked for */
    if (opt->verify && !(rep->max_rel_error <= lp_verify_tolerance(ts->dtype)))
        return LP_ERR_VERIFY;
    return LP_OK;
}

int lp_run(const lp_options *opt, lp_data *d, lp_report *rep)
{
    memset(rep, 0, sizeof *rep);
    lp_error_clear();
    if (d->rows > LP_MAX_ROWS) {
        lp_error("%zu rows: at most %llu", d->rows, (unsigned long long)LP_MAX_ROWS);
        return LP_ERR_USAGE;
    }
    int status = lp_layout_check(opt->accel_tiles, opt->accel_tile_rows, d->rows);
    if (status != LP_OK)
        return status;
    lp_layout l = lp_tiles_for(opt, d->rows, d->dtype, lp_backend_workers(opt->backend),
                               lp_sched_name(), NULL);
    lp_tiles view, *ts = &view;
    if (opt->keep_tiles) {
        ts = lp_kept_tiles(d, &l);
    } else {
        lp_kept_let_go(d);   /* a run without keep_tiles leaves none kept */
        if (lp_tiles_view(&view, d, &l) != LP_OK)
            ts = NULL;
    }
    if (!ts) {
        lp_error("out of memory for the tiles of %zu rows", d->rows);
        return LP_ERR_RUNTIME;
    }
    lp_data_pin_for(d, opt->backend);
    struct sigaction before;
    int routed = opt->stop_on_sigint && lp_sigint_stops(&before) == 0;
    status = lp_run_tiles(opt, ts, rep);
    if (routed)
        lp_sigint_back(&before);
    if (ts == &view)
        lp_tiles_free(&view);
    /* After a failed call all of out is NaN: tiles a stop cut short, and
     * a call that failed before its runs began (a stop asked already, no
     * worker for the backend) would leave an earlier call's results. */
    if (status != LP_OK && status != LP_ERR_VERIFY && d->rows && d->col[3] && !lp_simulated())
        lp_poison(d->col[3], d->dtype, d->rows);
    return status;
}
