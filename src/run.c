/* The one run path, for one process and for each rank of an MPI job: the
 * tiles this rank owns are registered with StarPU, one task each, run,
 * and unregistered (the results are then home), opt->warmup untimed times
 * and opt->repeat timed times.  What involves the other ranks goes through
 * the communicator (comm.h): starting each run together, the slowest
 * rank's time, the checksum's tile sums, the verification's worst row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "logprod.h"
#include "stats.h"
#include "tiles.h"

#define LP_TILE_ROWS 262144      /* 2 MiB per column: hides task overhead */
#define LP_MIN_TILE_ROWS 16384
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
    return tiles < rows ? tiles : rows;
}

size_t lp_tiles_for(const lp_options *opt, size_t rows, unsigned nworkers)
{
    size_t tiles = opt->tiles;
    if (tiles == 0)
        tiles = opt->tile_rows ? (rows + opt->tile_rows - 1) / opt->tile_rows
                               : lp_default_tiles_for(rows, nworkers);
    return tiles < rows ? tiles : rows;   /* the caller says so to the user */
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

/* What one run needs besides the tiles, kept across runs. */
typedef struct run_state {
    struct starpu_task **tasks;      /* per tile, NULL where not owned */
    starpu_data_handle_t (*h)[4];    /* per tile */
    uint32_t footprints[2];          /* of the first and last owned tiles */
    int have_footprints;
    unsigned long mark;              /* the last run's FxT user event */
} run_state;

static void destroy_tasks(const lp_tiles *ts, run_state *rs)
{
    for (size_t t = 0; t < ts->tiles; t++) {
        if (rs->tasks[t])
            starpu_task_destroy(rs->tasks[t]);
        rs->tasks[t] = NULL;
    }
}

/* One run of this rank's tiles, timed from t0 to t1 (us).  Returns LP_OK,
 * or an error with a message printed. */
static int run_once(const lp_options *opt, lp_tiles *ts, run_state *rs, double *t0,
                    double *t1)
{
    static unsigned long runs;   /* the marks of the runs in an FxT trace */
    int status = LP_OK;
    ts->comm->ops->barrier(ts->comm);   /* every rank starts together */
    *t0 = starpu_timing_now();
    rs->mark = ++runs;
    starpu_fxt_trace_user_event(rs->mark);
    lp_memory_watch_reset();
    size_t registered = 0;
    for (size_t t = 0; t < ts->tiles; t++) {
        if (ts->owner[t] != ts->comm->rank)
            continue;
        if (lp_stop_requested()) {   /* a signal: submit nothing more */
            status = LP_ERR_INTERRUPTED;
            break;
        }
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        for (int c = 0; c < 4; c++)
            starpu_vector_data_register(&rs->h[t][c], STARPU_MAIN_RAM, (uintptr_t)ts->col[t][c],
                                        (uint32_t)count, sizeof(double));
        registered = t + 1;
        /* The output tile goes home as soon as its task ends (write-through),
         * overlapping the copies back with the work still running. */
        starpu_data_set_wt_mask(rs->h[t][3], 1u << STARPU_MAIN_RAM);
        struct starpu_task *task = starpu_task_create();
        task->cl = &lp_logprod_cl;
        for (int c = 0; c < 4; c++)
            task->handles[c] = rs->h[t][c];
        if (opt->backend != LP_BACKEND_AUTO)   /* forced single backend */
            task->where = lp_where_mask(opt->backend);
        task->cl_arg = &ts->args[t];
        task->cl_arg_size = sizeof ts->args[t];
        task->destroy = 0;   /* kept for its profiling information */
        lp_memory_watch_task(task);
        /* Tiles have two sizes at most, the larger first: the first and the
         * last owned tiles cover them. */
        uint32_t footprint = lp_logprod_footprint(task);
        if (!rs->have_footprints)
            rs->footprints[0] = footprint;
        rs->footprints[1] = footprint;
        rs->have_footprints = 1;
        int ret = starpu_task_submit(task);
        if (ret != 0) {
            fprintf(stderr, "lp-starpu: task of tile %zu refused: %s\n", t,
                    ret == -ENODEV ? "no worker can run it" : strerror(-ret));
            starpu_task_destroy(task);
            status = ret == -ENODEV ? LP_ERR_BACKEND : LP_ERR_RUNTIME;
            break;
        }
        rs->tasks[t] = task;
    }
    starpu_task_wait_for_all();
    for (size_t t = 0; t < registered; t++)
        if (ts->owner[t] == ts->comm->rank)
            for (int c = 0; c < 4; c++)
                starpu_data_unregister(rs->h[t][c]);
    *t1 = starpu_timing_now();

    char msg[300];
    if (lp_codelet_take_error(msg, sizeof msg)) {
        fprintf(stderr, "lp-starpu: %s\n", msg);
        status = LP_ERR_RUNTIME;
    }
    if (status != LP_OK)
        destroy_tasks(ts, rs);
    return status;
}

/* Results not yet written are NaN: what the run leaves unwritten can never
 * pass for an earlier run's. */
static void poison_out(lp_tiles *ts)
{
    for (size_t t = 0; t < ts->tiles; t++)
        if (ts->owner[t] == ts->comm->rank) {
            size_t first, count;
            lp_tiles_range(ts, t, &first, &count);
            lp_poison(ts->col[t][3], count);
        }
}

/* Every owned tile's sum, combined over the ranks in tile order. */
static double checksum(const lp_tiles *ts)
{
    double *sums = calloc(ts->tiles + 1, sizeof *sums);
    if (!sums)
        return NAN;
    for (size_t t = 0; t < ts->tiles; t++)
        if (ts->owner[t] == ts->comm->rank) {
            size_t first, count;
            lp_tiles_range(ts, t, &first, &count);
            sums[t] = lp_tile_sum(ts->col[t][3], count);
        }
    lp_comm_tile_sums(ts->comm, sums, ts->tiles);
    double total = lp_combine_tile_sums(sums, ts->tiles);
    free(sums);
    return total;
}

/* Each rank checks its own rows; the worst error over every rank, the
 * first row that has it, and that row's values, everywhere. */
static void verify(const lp_tiles *ts, unsigned intensity, lp_report *rep)
{
    double worst = 0;
    int64_t row = INT64_MAX;
    double values[4] = {0, 0, 0, 0};
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count, at = 0;
        lp_tiles_range(ts, t, &first, &count);
        double *const *c = ts->col[t];
        if (ts->owner[t] != ts->comm->rank)
            continue;
        lp_data tile = {.rows = count, .x = c[0], .y = c[1], .z = c[2], .out = c[3]};
        double err = lp_max_rel_error(&tile, intensity, &at);
        if (err > worst) {   /* tiles in row order: the first such row */
            worst = err;
            row = (int64_t)(first + at);
            for (int k = 0; k < 4; k++)
                values[k] = c[k][at];
        }
    }
    const lp_comm *cm = ts->comm;
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

int lp_run_tiles(const lp_options *opt, lp_tiles *ts, lp_report *rep)
{
    const lp_comm *comm = ts->comm;
    memset(rep, 0, sizeof *rep);
    rep->rows = ts->rows;
    rep->tiles = ts->tiles;
    rep->backend = opt->backend;
    rep->warmup = opt->warmup;
    rep->intensity = opt->intensity ? opt->intensity : 1;
    snprintf(rep->sched, sizeof rep->sched, "%s", lp_sched_name());
    if (opt->repeat < 1 || opt->warmup < 0 || ts->rows > LP_MAX_ROWS)
        return LP_ERR_USAGE;
    int status = lp_backend_workers(opt->backend) == 0 ? LP_ERR_BACKEND : LP_OK;
    if (status != LP_OK)
        fprintf(stderr, "lp-starpu: --backend %s: StarPU found no %s worker\n",
                lp_backend_name(opt->backend), lp_backend_name(opt->backend));
    if ((status = lp_comm_agree(comm, status)) != LP_OK)
        return status;

    run_state rs = {0};
    rs.tasks = calloc(ts->tiles + 1, sizeof *rs.tasks);
    rs.h = calloc(ts->tiles + 1, sizeof *rs.h);
    status = lp_report_alloc(rep, opt->repeat, ts->tiles) == 0 && rs.tasks && rs.h
                 ? LP_OK : LP_ERR_RUNTIME;
    for (size_t t = 0; t < ts->tiles; t++)
        ts->args[t].intensity = rep->intensity;

    double t0, t1, own_best = 0;
    int total = opt->warmup + opt->repeat;
    for (int r = 0; r < total && (status = lp_comm_agree(comm, status)) == LP_OK; r++) {
        /* Every rank goes into each run or none does: a signal seen by one
         * stops them all before the next run. */
        if ((status = lp_comm_agree(comm, lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_OK)))
            break;
        int timed = r >= opt->warmup, k = r - opt->warmup;
        if (r + 1 == total)   /* the run whose results are kept */
            poison_out(ts);
        t0 = t1 = 0;
        if (timed)
            lp_bus_counters_reset();
        if (ts->rows > 0)
            status = lp_comm_agree(comm, run_once(opt, ts, &rs, &t0, &t1));
        double own = (t1 - t0) * 1e-6, slowest = lp_comm_max(comm, own);
        if (status == LP_OK && timed) {
            rep->run_seconds[k] = slowest;
            if (k == 0 || slowest < rep->seconds) {
                rep->seconds = slowest;
                rep->trace_mark = rs.mark;
                own_best = own;
                lp_bus_counters_read(rep);
                lp_collect_task_stats(rep, rs.tasks, t0);
            }
        }
        destroy_tasks(ts, &rs);
        if (status == LP_OK && opt->progress)
            opt->progress(opt->progress_arg, r + 1, total);
    }
    free(rs.tasks);
    free(rs.h);
    if (status != LP_OK) {
        lp_report_free(rep);
        return status;
    }
    rep->own_seconds = own_best;
    lp_model_samples(rep, rs.have_footprints ? rs.footprints : NULL);
    rep->median_seconds = lp_median(rep->run_seconds, opt->repeat);
    rep->checksum = checksum(ts);
    if (opt->verify) {
        verify(ts, rep->intensity, rep);
        if (!(rep->max_rel_error <= LP_VERIFY_TOLERANCE))
            return LP_ERR_VERIFY;
    }
    return LP_OK;
}

int lp_run(const lp_options *opt, lp_data *d, lp_report *rep)
{
    lp_tiles ts;
    memset(rep, 0, sizeof *rep);
    if (d->rows > LP_MAX_ROWS)
        return LP_ERR_USAGE;
    if (lp_tiles_view(&ts, d, lp_tiles_for(opt, d->rows, starpu_worker_get_count())) != LP_OK)
        return LP_ERR_RUNTIME;
    int status = lp_run_tiles(opt, &ts, rep);
    lp_tiles_free(&ts);
    return status;
}
