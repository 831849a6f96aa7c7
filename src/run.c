/* One timed run: register the columns, cut them into tiles, one task per
 * tile, wait, bring the results home.  Repeated opt->repeat times; the
 * report keeps the best run's statistics. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "logprod.h"

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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double lp_median(const double *v, int n)
{
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return v[0];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

/* Reading a bus's counters resets them: done before each run. */
void lp_bus_counters_reset(void)
{
    struct starpu_profiling_bus_info info;
    for (int b = 0; b < starpu_bus_get_count(); b++)
        starpu_bus_get_profiling_info(b, &info);
}

void lp_bus_counters_read(lp_report *rep)
{
    for (unsigned b = 0; b < rep->nbuses; b++) {
        struct starpu_profiling_bus_info info;
        lp_bus_stats *s = &rep->buses[b];
        starpu_bus_get_profiling_info((int)b, &info);
        starpu_memory_node_get_name(starpu_bus_get_src((int)b), s->src, sizeof s->src);
        starpu_memory_node_get_name(starpu_bus_get_dst((int)b), s->dst, sizeof s->dst);
        s->bytes = (uint64_t)info.transferred_bytes;
        s->transfers = (unsigned)info.transfer_count;
    }
}

/* What StarPU has allocated on each memory node, sampled as each task ends
 * on a worker of that node, against the node's size as StarPU counts it
 * (the device's memory, or STARPU_LIMIT_*_MEM). */
static _Atomic long long mem_peak[STARPU_MAXNODES];

static long long node_total(unsigned node)
{
    return (long long)starpu_memory_get_total(node);
}

static void sample_memory(void *arg)
{
    (void)arg;
    int w = starpu_worker_get_id();
    if (w < 0)
        return;
    unsigned node = starpu_worker_get_memory_node((unsigned)w);
    long long total = node_total(node);
    if (total < 0)
        return;
    long long used = total - (long long)starpu_memory_get_available(node);
    long long seen = atomic_load(&mem_peak[node]);
    while (used > seen && !atomic_compare_exchange_weak(&mem_peak[node], &seen, used))
        ;
}

void lp_memory_watch_reset(void)
{
    for (unsigned node = 0; node < starpu_memory_nodes_get_count(); node++)
        atomic_store(&mem_peak[node], 0);
}

void lp_memory_watch_task(struct starpu_task *task)
{
    task->callback_func = sample_memory;
    task->callback_arg = NULL;
}

void lp_collect_task_stats(lp_report *rep, struct starpu_task **tasks, double t0)
{
    for (unsigned w = 0; w < rep->nworkers; w++) {
        lp_worker_stats *s = &rep->workers[w];
        starpu_worker_get_name((int)w, s->name, sizeof s->name);
        s->kind = lp_worker_backend((int)w);
        s->tasks = 0;
        s->rows = 0;
        s->busy_ms = 0;
        s->predicted_ms = 0;
        unsigned node = starpu_worker_get_memory_node(w);
        s->mem_total_bytes = node_total(node);
        s->mem_peak_bytes = atomic_load(&mem_peak[node]);
    }
    for (size_t t = 0; t < rep->tiles; t++) {
        /* Under MPI a rank holds only the tasks it ran: others are NULL. */
        struct starpu_profiling_task_info *p = tasks[t] ? tasks[t]->profiling_info : NULL;
        lp_task_record *r = &rep->tasks[t];
        lp_tile_range(rep->rows, rep->tiles, t, &r->first_row, &r->rows);
        r->tile = t;
        r->worker = p ? p->workerid : -1;
        r->start_us = p ? starpu_timing_timespec_to_us(&p->start_time) - t0 : 0;
        r->end_us = p ? starpu_timing_timespec_to_us(&p->end_time) - t0 : 0;
        if (r->worker >= 0 && (unsigned)r->worker < rep->nworkers) {
            lp_worker_stats *s = &rep->workers[r->worker];
            s->tasks++;
            s->rows += r->rows;
            s->busy_ms += (r->end_us - r->start_us) / 1000.0;
            /* Model-based policies (dmda, lp-eft, ...) set it when they
             * place the task; others leave it NaN or 0.  One task without
             * a prediction makes the worker's sum NaN. */
            double p_us = tasks[t]->predicted;
            s->predicted_ms += isfinite(p_us) && p_us > 0 ? p_us / 1000.0 : NAN;
        }
    }
    for (unsigned w = 0; w < rep->nworkers; w++)
        if (rep->workers[w].tasks == 0)
            rep->workers[w].predicted_ms = NAN;
}

/* The timed part.  Returns LP_OK, or an error with a message printed. */
static int run_once(const lp_options *opt, lp_data *d, size_t tiles,
                    lp_tile_arg *args, struct starpu_task **tasks,
                    double *t0, double *t1, uint32_t footprints[2])
{
    starpu_data_handle_t h[4];
    double *cols[4] = {d->x, d->y, d->z, d->out};
    struct starpu_data_filter f = {
        .filter_func = starpu_vector_filter_block,
        .nchildren = (unsigned)tiles,
    };
    int status = LP_OK;

    *t0 = starpu_timing_now();
    for (int c = 0; c < 4; c++) {
        starpu_vector_data_register(&h[c], STARPU_MAIN_RAM, (uintptr_t)cols[c],
                                    (uint32_t)d->rows, sizeof(double));
        starpu_data_partition(h[c], &f);
    }
    size_t submitted = 0;
    lp_memory_watch_reset();
    for (size_t t = 0; t < tiles; t++) {
        if (lp_stop_requested()) {   /* a signal: submit nothing more */
            status = LP_ERR_INTERRUPTED;
            break;
        }
        struct starpu_task *task = starpu_task_create();
        task->cl = &lp_logprod_cl;
        for (int c = 0; c < 4; c++)
            task->handles[c] = starpu_data_get_sub_data(h[c], 1, (unsigned)t);
        /* The output tile goes home as soon as its task ends (write-through),
         * overlapping the copies back with the work still running, instead
         * of one after the other at unpartition. */
        starpu_data_set_wt_mask(task->handles[3], 1u << STARPU_MAIN_RAM);
        if (opt->backend != LP_BACKEND_AUTO)   /* forced single backend */
            task->where = lp_where_mask(opt->backend);
        task->cl_arg = &args[t];
        task->cl_arg_size = sizeof args[t];
        task->destroy = 0;   /* kept for its profiling information */
        lp_memory_watch_task(task);
        tasks[t] = task;
        if (t == 0)   /* tiles have at most two sizes: the first's and the last's */
            footprints[0] = footprints[1] = lp_logprod_footprint(task);
        else if (t + 1 == tiles)
            footprints[1] = lp_logprod_footprint(task);
        int ret = starpu_task_submit(task);
        if (ret != 0) {
            fprintf(stderr, "lp-starpu: task of tile %zu refused: %s\n", t,
                    ret == -ENODEV ? "no worker can run it" : strerror(-ret));
            starpu_task_destroy(task);
            tasks[t] = NULL;
            status = ret == -ENODEV ? LP_ERR_BACKEND : LP_ERR_RUNTIME;
            break;
        }
        submitted++;
    }
    starpu_task_wait_for_all();
    for (int c = 0; c < 4; c++) {
        starpu_data_unpartition(h[c], STARPU_MAIN_RAM);
        starpu_data_unregister(h[c]);
    }
    *t1 = starpu_timing_now();

    char msg[300];
    if (lp_codelet_take_error(msg, sizeof msg)) {
        fprintf(stderr, "lp-starpu: %s\n", msg);
        status = LP_ERR_RUNTIME;
    }
    if (status != LP_OK)
        for (size_t t = 0; t < submitted; t++) {
            starpu_task_destroy(tasks[t]);
            tasks[t] = NULL;
        }
    return status;
}

void lp_model_samples(lp_report *rep, const uint32_t footprints[2])
{
    for (int k = 0; k < LP_BACKEND_COUNT; k++)
        rep->model_samples[k] = -1;
    if (rep->tiles == 0)
        return;
    for (unsigned w = 0; w < starpu_worker_get_count(); w++) {
        unsigned a = lp_logprod_samples((int)w, footprints[0]);
        unsigned b = lp_logprod_samples((int)w, footprints[1]);
        int n = (int)(a < b ? a : b);
        int *slot = &rep->model_samples[lp_worker_backend((int)w)];
        if (*slot < 0 || n < *slot)
            *slot = n;
    }
}

int lp_report_alloc(lp_report *rep, int repeat, size_t tiles)
{
    rep->repeat = repeat;
    rep->nworkers = starpu_worker_get_count();
    rep->nbuses = (unsigned)starpu_bus_get_count();
    rep->run_seconds = calloc((size_t)repeat, sizeof *rep->run_seconds);
    rep->workers = calloc(rep->nworkers ? rep->nworkers : 1, sizeof *rep->workers);
    rep->buses = calloc(rep->nbuses ? rep->nbuses : 1, sizeof *rep->buses);
    rep->tasks = calloc(tiles ? tiles : 1, sizeof *rep->tasks);
    return rep->run_seconds && rep->workers && rep->buses && rep->tasks ? 0 : -1;
}

int lp_run(const lp_options *opt, lp_data *d, lp_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->rows = d->rows;
    rep->backend = opt->backend;
    snprintf(rep->sched, sizeof rep->sched, "%s", lp_sched_name());
    if (opt->repeat < 1 || opt->warmup < 0 || d->rows > LP_MAX_ROWS)
        return LP_ERR_USAGE;
    if (lp_backend_workers(opt->backend) == 0) {
        fprintf(stderr, "lp-starpu: --backend %s: StarPU found no %s worker\n",
                lp_backend_name(opt->backend), lp_backend_name(opt->backend));
        return LP_ERR_BACKEND;
    }

    size_t tiles = lp_tiles_for(opt, d->rows, starpu_worker_get_count());
    rep->tiles = tiles;
    if (lp_report_alloc(rep, opt->repeat, tiles) != 0) {
        lp_report_free(rep);
        return LP_ERR_RUNTIME;
    }

    lp_tile_arg *args = calloc(tiles ? tiles : 1, sizeof *args);
    struct starpu_task **tasks = calloc(tiles ? tiles : 1, sizeof *tasks);
    if (!args || !tasks) {
        free(args);
        free(tasks);
        lp_report_free(rep);
        return LP_ERR_RUNTIME;
    }
    unsigned intensity = opt->intensity ? opt->intensity : 1;
    for (size_t t = 0; t < tiles; t++)
        args[t] = (lp_tile_arg){.tile = t, .intensity = intensity};

    int status = LP_OK;
    double best = 0, t0, t1;
    uint32_t footprints[2] = {0, 0};
    rep->warmup = opt->warmup;
    rep->intensity = intensity;
    for (int w = 0; w < opt->warmup && d->rows > 0 && status == LP_OK; w++) {
        status = run_once(opt, d, tiles, args, tasks, &t0, &t1, footprints);
        for (size_t t = 0; t < tiles && status == LP_OK; t++)
            starpu_task_destroy(tasks[t]);
        if (status == LP_OK && opt->progress)
            opt->progress(opt->progress_arg, w + 1, opt->warmup + opt->repeat);
    }
    for (int r = 0; r < opt->repeat && status == LP_OK; r++) {
        t0 = t1 = 0;
        if (r + 1 == opt->repeat)   /* the run whose results are kept */
            lp_poison(d->out, d->rows);
        if (d->rows > 0) {
            lp_bus_counters_reset();
            status = run_once(opt, d, tiles, args, tasks, &t0, &t1, footprints);
            if (status != LP_OK)
                break;
        }
        rep->run_seconds[r] = (t1 - t0) * 1e-6;
        if (r == 0 || rep->run_seconds[r] < best) {
            best = rep->run_seconds[r];
            lp_bus_counters_read(rep);
            lp_collect_task_stats(rep, tasks, t0);
        }
        for (size_t t = 0; t < tiles; t++)
            starpu_task_destroy(tasks[t]);
        if (opt->progress)
            opt->progress(opt->progress_arg, opt->warmup + r + 1, opt->warmup + opt->repeat);
    }
    free(args);
    free(tasks);
    if (status != LP_OK) {
        lp_report_free(rep);
        return status;
    }
    lp_model_samples(rep, footprints);
    rep->seconds = best;
    rep->median_seconds = lp_median(rep->run_seconds, opt->repeat);
    rep->checksum = lp_checksum(d->out, d->rows, tiles);
    if (opt->verify) {
        rep->verified = 1;
        rep->max_rel_error = lp_max_rel_error(d, intensity, &rep->worst_row);
        if (!(rep->max_rel_error <= LP_VERIFY_TOLERANCE))
            return LP_ERR_VERIFY;
    }
    return LP_OK;
}

void lp_report_free(lp_report *rep)
{
    free(rep->run_seconds);
    free(rep->workers);
    free(rep->buses);
    free(rep->tasks);
    rep->run_seconds = NULL;
    rep->workers = NULL;
    rep->buses = NULL;
    rep->tasks = NULL;
}
