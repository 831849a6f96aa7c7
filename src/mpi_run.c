/* lp-starpu across MPI ranks (--mpi), on StarPU-MPI.
 *
 * Owner computes: every rank registers every tile's four vectors with
 * starpu_mpi_data_register (tag, owner rank); a tile belongs to one rank
 * (--distribution block or cyclic), and starpu_mpi_task_build makes its task
 * on the rank that owns its output, where StarPU's local scheduler places it
 * on that node's CPUs or accelerators.
 *
 * Data: generated rows are made by their owner (no traffic, like a
 * distributed data set: the values are a pure function of the row).  With
 * --input, rank 0 reads the file and owns the input tiles, so StarPU-MPI
 * sends each tile to the rank that runs it: one reader, no shared file
 * system needed.  Results: each owner sums its tiles; the tile sums are
 * reduced to rank 0 and combined in tile order, so the checksum is the very
 * value of a single-process run with the same tiles.  --output and --verify
 * gather the results to rank 0 (after the timed runs) with
 * starpu_mpi_get_data_on_node.
 *
 * Errors: after each phase the ranks agree on the worst status
 * (MPI_Allreduce), so every rank exits with the same status and none waits
 * for a rank that gave up. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mpi.h>
#include <starpu.h>
#include <starpu_mpi.h>

#include "cli.h"
#include "internal.h"
#include "logprod.h"
#include "mpi_run.h"
#include "npy.h"

typedef struct mpi_job {
    const lp_cli *c;
    int rank, size;
    size_t rows, tiles;
    int *owner;              /* owner rank of each tile */
    double *(*cols)[4];      /* per tile: x, y, z, out where this rank holds them */
    lp_data full;            /* rank 0 only, for --input, --output, --verify */
    int has_full;
    lp_tile_arg *args;
    struct starpu_task **tasks;
    starpu_data_handle_t (*h)[4];
    starpu_mpi_tag_t next_tag;
    uint64_t sent_per_run;   /* bytes this rank sends over MPI in one run */
} mpi_job;

static int agree(int status)
{
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return worst;
}

/* Ranks enter each run together or not at all: a signal seen by any rank
 * stops them all before the next run (a half-entered run would hang). */
static int stop_agreed(void)
{
    return agree(lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_OK);
}

static void say(const mpi_job *j, const char *msg)
{
    if (j->size > 1)
        fprintf(stderr, "lp-starpu[rank %d]: %s\n", j->rank, msg);
    else
        fprintf(stderr, "lp-starpu: %s\n", msg);
}

static int tile_owner(const mpi_job *j, size_t t)
{
    if (j->c->cyclic)
        return (int)(t % (size_t)j->size);
    return (int)(t * (size_t)j->size / j->tiles);   /* contiguous blocks */
}

/* Rank 0 holds whole columns when it reads, writes or checks every row;
 * its own tiles are then slices of them.  Other owners allocate their
 * tiles alone: memory grows with the rows a rank owns, not with N. */
static int allocate(mpi_job *j)
{
    j->owner = calloc(j->tiles + 1, sizeof *j->owner);
    j->cols = calloc(j->tiles + 1, sizeof *j->cols);
    j->args = calloc(j->tiles + 1, sizeof *j->args);
    j->tasks = calloc(j->tiles + 1, sizeof *j->tasks);
    j->h = calloc(j->tiles + 1, sizeof *j->h);
    if (!j->owner || !j->cols || !j->args || !j->tasks || !j->h)
        return LP_ERR_RUNTIME;
    j->has_full = j->rank == 0 && (j->c->input || j->c->output || j->c->verify);
    if (j->has_full && lp_data_alloc(&j->full, j->rows) != LP_OK)
        return LP_ERR_RUNTIME;
    int generated = !j->c->input;
    int fill_all = generated && j->has_full && j->c->verify;
    for (size_t t = 0; t < j->tiles; t++) {
        size_t first, count;
        lp_tile_range(j->rows, j->tiles, t, &first, &count);
        j->owner[t] = tile_owner(j, t);
        j->args[t] = (lp_tile_arg){.tile = t, .intensity = j->c->opt.intensity};
        if (j->owner[t] != j->rank)
            continue;
        double *full[4] = {j->full.x, j->full.y, j->full.z, j->full.out};
        for (int c = 0; c < 4; c++) {
            if (c < 3 && !generated)
                continue;   /* input tiles come from rank 0 */
            if (j->has_full)
                j->cols[t][c] = full[c] + first;
            else if (lp_column_alloc(&j->cols[t][c], count) != 0)
                return LP_ERR_RUNTIME;
        }
        if (generated && !fill_all)
            lp_fill_values(j->cols[t][0], j->cols[t][1], j->cols[t][2], j->c->data, j->c->seed,
                           first, count);
    }
    if (fill_all)   /* rank 0 checks every row: it makes them all, its own too */
        lp_data_fill(&j->full, j->c->data, j->c->seed);
    return LP_OK;
}

static void release(mpi_job *j)
{
    for (size_t t = 0; j->cols && t < j->tiles; t++)
        for (int c = 0; c < 4 && !j->has_full; c++)
            if (j->cols[t][c])
                starpu_free(j->cols[t][c]);
    lp_data_free(&j->full);
    free(j->owner);
    free(j->cols);
    free(j->args);
    free(j->tasks);
    free(j->h);
}

/* Registers tile t's column c on every rank: with its buffer where this
 * rank holds it, without data (home -1) elsewhere, and with its MPI owner. */
static void register_vector(mpi_job *j, size_t t, int c, double *home, int owner)
{
    size_t first, count;
    lp_tile_range(j->rows, j->tiles, t, &first, &count);
    if (home)
        starpu_vector_data_register(&j->h[t][c], STARPU_MAIN_RAM, (uintptr_t)home,
                                    (uint32_t)count, sizeof(double));
    else
        starpu_vector_data_register(&j->h[t][c], -1, 0, (uint32_t)count, sizeof(double));
    if (home && c == 3)   /* results home as each task ends, as in run.c */
        starpu_data_set_wt_mask(j->h[t][c], 1u << STARPU_MAIN_RAM);
    starpu_mpi_data_register(j->h[t][c], j->next_tag++, owner);
}

static void register_tiles(mpi_job *j)
{
    j->sent_per_run = 0;
    for (size_t t = 0; t < j->tiles; t++) {
        size_t first, count;
        lp_tile_range(j->rows, j->tiles, t, &first, &count);
        for (int c = 0; c < 3; c++) {
            if (j->c->input) {
                double *full[3] = {j->full.x, j->full.y, j->full.z};
                register_vector(j, t, c, j->rank == 0 ? full[c] + first : NULL, 0);
                if (j->rank == 0 && j->owner[t] != 0)
                    j->sent_per_run += count * sizeof(double);
            } else {
                register_vector(j, t, c, j->cols[t][c], j->owner[t]);
            }
        }
        register_vector(j, t, 3, j->cols[t][3], j->owner[t]);
    }
}

static void unregister_tiles(mpi_job *j, int columns)
{
    for (size_t t = 0; t < j->tiles; t++)
        for (int c = 4 - columns; c < 4; c++)
            starpu_data_unregister(j->h[t][c]);
}

/* One timed run on every rank; returns this rank's seconds. */
static int run_once(mpi_job *j, lp_backend backend, double *t0, double *seconds)
{
    int status = LP_OK;
    starpu_mpi_barrier(MPI_COMM_WORLD);   /* start together */
    *t0 = starpu_timing_now();
    register_tiles(j);
    lp_memory_watch_reset();
    for (size_t t = 0; t < j->tiles; t++) {
        starpu_data_handle_t *h = j->h[t];
        struct starpu_task *task = starpu_mpi_task_build(
            MPI_COMM_WORLD, &lp_logprod_cl, STARPU_R, h[0], STARPU_R, h[1], STARPU_R, h[2],
            STARPU_W, h[3], 0);
        j->tasks[t] = task;
        if (task) {   /* this rank owns the tile's output: it runs the task */
            /* task_build gave no arguments: ours are not StarPU's to free. */
            task->cl_arg = &j->args[t];
            task->cl_arg_size = sizeof j->args[t];
            task->cl_arg_free = 0;
            task->destroy = 0;
            lp_memory_watch_task(task);
            if (backend != LP_BACKEND_AUTO)
                task->where = lp_where_mask(backend);
            if (starpu_task_submit(task) != 0) {
                status = LP_ERR_RUNTIME;
                j->tasks[t] = NULL;
                starpu_task_destroy(task);
            }
        }
        starpu_mpi_task_post_build(MPI_COMM_WORLD, &lp_logprod_cl, STARPU_R, h[0], STARPU_R,
                                   h[1], STARPU_R, h[2], STARPU_W, h[3], 0);
    }
    starpu_task_wait_for_all();
    unregister_tiles(j, 4);
    *seconds = (starpu_timing_now() - *t0) * 1e-6;
    char msg[300];
    if (lp_codelet_take_error(msg, sizeof msg)) {
        say(j, msg);
        status = LP_ERR_RUNTIME;
    }
    return status;
}

static void destroy_tasks(mpi_job *j)
{
    for (size_t t = 0; t < j->tiles; t++) {
        if (j->tasks[t])
            starpu_task_destroy(j->tasks[t]);
        j->tasks[t] = NULL;
    }
}

/* Results not yet written are NaN (see lp_run): this rank's tiles, and at
 * rank 0 the whole column that --output and --verify gather into. */
static void poison_out(mpi_job *j)
{
    if (j->has_full)
        lp_poison(j->full.out, j->rows);
    for (size_t t = 0; t < j->tiles; t++)
        if (j->owner[t] == j->rank && !j->has_full) {
            size_t first, count;
            lp_tile_range(j->rows, j->tiles, t, &first, &count);
            lp_poison(j->cols[t][3], count);
        }
}

/* Runs warm-up and timed runs; rep gets this rank's statistics of its best
 * run and, in run_seconds, the slowest rank's time of each run. */
static int run_backend(mpi_job *j, lp_backend backend, lp_report *rep, double *own_best)
{
    const lp_options *opt = &j->c->opt;
    memset(rep, 0, sizeof *rep);
    rep->rows = j->rows;
    rep->tiles = j->tiles;
    rep->backend = backend;
    rep->warmup = opt->warmup;
    rep->intensity = opt->intensity;
    for (int k = 0; k < LP_BACKEND_COUNT; k++)
        rep->model_samples[k] = -1;   /* not tracked across ranks */
    snprintf(rep->sched, sizeof rep->sched, "%s", lp_sched_name());
    if (lp_report_alloc(rep, opt->repeat, j->tiles) != 0)
        return LP_ERR_RUNTIME;
    int status = LP_OK;
    double t0, secs, slowest;
    for (int w = 0; w < opt->warmup && j->tiles && status == LP_OK; w++) {
        if ((status = stop_agreed()) != LP_OK)
            break;
        status = agree(run_once(j, backend, &t0, &secs));
        destroy_tasks(j);
    }
    for (int r = 0; r < opt->repeat && status == LP_OK; r++) {
        secs = t0 = 0;
        if ((status = stop_agreed()) != LP_OK)
            break;
        if (r + 1 == opt->repeat)   /* the run whose results are kept */
            poison_out(j);
        if (j->tiles) {
            lp_bus_counters_reset();
            status = agree(run_once(j, backend, &t0, &secs));
        }
        MPI_Allreduce(&secs, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        rep->run_seconds[r] = slowest;
        if (status == LP_OK && (r == 0 || slowest < rep->seconds)) {
            rep->seconds = slowest;
            *own_best = secs;
            lp_bus_counters_read(rep);
            lp_collect_task_stats(rep, j->tasks, t0);
        }
        destroy_tasks(j);
    }
    if (status == LP_OK)
        rep->median_seconds = lp_median(rep->run_seconds, opt->repeat);
    return status;
}

/* Tile sums made by the owners, combined in tile order at rank 0: each
 * tile has one non-zero contribution, so the reduction adds exact zeros. */
static double reduce_checksum(const mpi_job *j)
{
    double *mine = calloc(j->tiles + 1, sizeof *mine), *all = calloc(j->tiles + 1, sizeof *all);
    double sum = 0;
    if (mine && all) {
        for (size_t t = 0; t < j->tiles; t++)
            if (j->owner[t] == j->rank) {
                size_t first, count;
                lp_tile_range(j->rows, j->tiles, t, &first, &count);
                mine[t] = lp_tile_sum(j->cols[t][3], count);
            }
        MPI_Reduce(mine, all, (int)j->tiles, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        sum = lp_combine_tile_sums(all, j->tiles);
    }
    free(mine);
    free(all);
    return sum;
}

/* Brings every tile of out to rank 0 through StarPU-MPI (untimed). */
static uint64_t gather_out(mpi_job *j)
{
    uint64_t sent = 0;
    for (size_t t = 0; t < j->tiles; t++) {
        size_t first, count;
        lp_tile_range(j->rows, j->tiles, t, &first, &count);
        double *home = j->owner[t] == j->rank ? j->cols[t][3]
                       : j->rank == 0           ? j->full.out + first
                                                : NULL;
        register_vector(j, t, 3, home, j->owner[t]);
        if (j->owner[t] == j->rank && j->rank != 0)
            sent += count * sizeof(double);
    }
    for (size_t t = 0; t < j->tiles; t++)
        starpu_mpi_get_data_on_node(MPI_COMM_WORLD, j->h[t][3], 0);
    unregister_tiles(j, 1);
    return sent;
}

/* --- per-rank statistics, gathered at rank 0 ------------------------- */

/* Concatenates each rank's bytes at rank 0; returns a malloc'd buffer there. */
static void *gather_bytes(const void *mine, int nbytes, int size, int rank, int **counts_out)
{
    int *counts = calloc((size_t)size, sizeof *counts), *displs = calloc((size_t)size, sizeof *displs);
    MPI_Gather(&nbytes, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
    char *all = NULL;
    if (rank == 0) {
        int total = 0;
        for (int r = 0; r < size; r++) {
            displs[r] = total;
            total += counts[r];
        }
        all = malloc((size_t)total + 1);
    }
    MPI_Gatherv(mine, nbytes, MPI_BYTE, all, counts, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(displs);
    *counts_out = counts;
    return all;
}

static lp_rank_stats rank_summary(const mpi_job *j, const lp_report *rep, double own_best,
                                  uint64_t gather_sent)
{
    lp_rank_stats s;
    memset(&s, 0, sizeof s);
    s.rank = j->rank;
    gethostname(s.host, sizeof s.host - 1);
    s.nworkers = rep->nworkers;
    for (unsigned w = 0; w < rep->nworkers; w++) {
        s.tasks += rep->workers[w].tasks;
        s.rows += rep->workers[w].rows;
        s.busy_ms += rep->workers[w].busy_ms;
    }
    for (size_t t = 0; t < j->tiles; t++)
        s.tiles += j->owner[t] == j->rank;
    s.seconds = own_best;
    s.mpi_bytes_per_run = j->sent_per_run;
    s.mpi_bytes_gather = gather_sent;
    return s;
}

/* Gathers every rank's records (n of size bytes each) at rank 0 and
 * prefixes the name field (at offset off, len bytes) with the rank.
 * Returns the merged array at rank 0 (count in *total), NULL elsewhere. */
static void *gather_named(const mpi_job *j, const void *mine, unsigned n, size_t size,
                          size_t off, size_t len, unsigned *total)
{
    int *counts;
    char *all = gather_bytes(mine, (int)(n * size), j->size, j->rank, &counts);
    *total = 0;
    if (j->rank == 0 && all) {
        for (int r = 0; r < j->size; r++)
            for (unsigned k = 0; k < (unsigned)counts[r] / size; k++, (*total)++) {
                char *name = all + *total * size + off, prefix[24];
                size_t p = (size_t)snprintf(prefix, sizeof prefix, "rank %d: ", r);
                if (p >= len)
                    continue;
                memmove(name + p, name, len - 1 - p);   /* cut the tail if need be */
                memcpy(name, prefix, p);
                name[len - 1] = '\0';
            }
    } else {
        free(all);
        all = NULL;
    }
    free(counts);
    return all;
}

/* Rank 0 gets every rank's workers and buses, named after their rank. */
static void merge_workers(const mpi_job *j, lp_report *rep)
{
    unsigned n;
    lp_worker_stats *workers =
        gather_named(j, rep->workers, rep->nworkers, sizeof *rep->workers,
                     offsetof(lp_worker_stats, name), sizeof rep->workers->name, &n);
    if (workers) {
        free(rep->workers);
        rep->workers = workers;
        rep->nworkers = n;
    }
    lp_bus_stats *buses = gather_named(j, rep->buses, rep->nbuses, sizeof *rep->buses,
                                       offsetof(lp_bus_stats, src), sizeof rep->buses->src, &n);
    if (buses) {
        free(rep->buses);
        rep->buses = buses;
        rep->nbuses = n;
    }
}

/* --- the driver ------------------------------------------------------- */

static int read_input_header(mpi_job *j, lp_npy_header *h)
{
    int status = LP_OK;
    unsigned long long rows = j->c->rows;
    if (j->c->input && j->rank == 0) {
        char err[512];
        if (lp_npy_read_header3(j->c->input, h, err, sizeof err) != 0) {
            say(j, err);
            status = LP_ERR_RUNTIME;
        } else if (h->rows > LP_MAX_ROWS) {
            say(j, "the input has more rows than StarPU 1.3 vectors can hold");
            status = LP_ERR_RUNTIME;
        }
        rows = h->rows;
    }
    status = agree(status);
    MPI_Bcast(&rows, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    j->rows = (size_t)rows;
    return status;
}

static int load_input(mpi_job *j, const lp_npy_header *h, lp_report_context *ctx)
{
    if (!j->c->input || j->rank != 0)
        return LP_OK;   /* generated rows were made in allocate() */
    char err[512];
    if (lp_npy_read_columns3(j->c->input, h, j->full.x, j->full.y, j->full.z, err, sizeof err)) {
        say(j, err);
        return LP_ERR_RUNTIME;
    }
    ctx->bad_inputs = lp_count_bad_inputs(&j->full, &ctx->first_bad_row);
    if (ctx->bad_inputs) {
        char msg[600];
        snprintf(msg, sizeof msg, "%s: %zu rows with a non-positive or NaN input (first: row %zu)",
                 j->c->input, ctx->bad_inputs, ctx->first_bad_row);
        say(j, msg);
        if (j->c->strict)
            return LP_ERR_INPUT;
    }
    return LP_OK;
}

/* Backends every rank has (for --compare), or the asked one checked. */
static int choose_backends(mpi_job *j, lp_backend *order, int *n)
{
    *n = 0;
    if (!j->c->compare) {
        lp_backend b = j->c->opt.backend;
        int status = LP_OK;
        if (b != LP_BACKEND_AUTO && lp_backend_workers(b) == 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "--backend %s: this rank has no %s worker",
                     lp_backend_name(b), lp_backend_name(b));
            say(j, msg);
            status = LP_ERR_BACKEND;
        }
        order[(*n)++] = b;
        return agree(status);
    }
    for (int b = LP_BACKEND_CPU; b < LP_BACKEND_COUNT; b++) {
        int mine = lp_backend_workers((lp_backend)b) > 0, all = 0;
        MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (all)
            order[(*n)++] = (lp_backend)b;
    }
    order[(*n)++] = LP_BACKEND_AUTO;   /* scheduled run last, shown first */
    return LP_OK;
}

static int verify_at_root(mpi_job *j, lp_report_context *ctx)
{
    if (j->rank == 0) {
        ctx->max_rel_error = lp_max_rel_error(&j->full, j->c->opt.intensity, &ctx->worst_row);
        ctx->verified = 1;
    }
    int status = j->rank == 0 && !(ctx->max_rel_error <= LP_VERIFY_TOLERANCE) ? LP_ERR_VERIFY : LP_OK;
    if (status != LP_OK)
        fprintf(stderr, "lp-starpu: --verify failed: row %zu has relative error %.3g > %g\n",
                ctx->worst_row, ctx->max_rel_error, LP_VERIFY_TOLERANCE);
    return status;
}

static int run_everything(mpi_job *j, lp_report_context *ctx, lp_report *runs, int *nruns,
                          lp_rank_stats **ranks)
{
    lp_backend order[LP_BACKEND_COUNT];
    int n, status = choose_backends(j, order, &n);
    double own_best = 0;
    for (int i = 0; i < n && status == LP_OK; i++) {
        int slot = j->c->compare ? (i + 1) % n : 0;
        double best = 0;
        status = run_backend(j, order[i], &runs[slot], &best);
        if (slot == 0)
            own_best = best;
        (*nruns)++;
        if (status == LP_OK)
            runs[slot].checksum = reduce_checksum(j);
    }
    if (status != LP_OK)
        return status;
    uint64_t gathered = 0;
    if (j->c->output || j->c->verify)
        gathered = gather_out(j);
    lp_rank_stats mine = rank_summary(j, &runs[0], own_best, gathered);
    int *counts;
    *ranks = gather_bytes(&mine, (int)sizeof mine, j->size, j->rank, &counts);
    free(counts);
    for (int i = 0; i < *nruns; i++)
        merge_workers(j, &runs[i]);
    if (j->c->verify)
        status = agree(verify_at_root(j, ctx));
    return status;
}

static int write_results(const mpi_job *j, const lp_report_context *ctx, const lp_report *runs,
                         int nruns)
{
    int status = LP_OK;
    if (j->rank != 0)
        return agree(status);
    const lp_cli *c = j->c;
    status = lp_write_reports(c, ctx, runs, nruns);
    char err[512];
    if (status == LP_OK && c->output &&
        lp_npy_write_vector(c->output, j->full.out, j->rows, err, sizeof err) != 0) {
        fprintf(stderr, "lp-starpu: %s\n", err);
        status = LP_ERR_RUNTIME;
    }
    fflush(stdout);
    return agree(status);
}

int lp_mpi_main(const lp_cli *c, const char *env_defaults, void (*after_start)(void))
{
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
    mpi_job j = {.c = c};
    MPI_Comm_rank(MPI_COMM_WORLD, &j.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &j.size);
    /* StarPU-MPI's thread and this one both call MPI. */
    int status = agree(provided >= MPI_THREAD_MULTIPLE ? LP_OK : LP_ERR_RUNTIME);
    if (status != LP_OK) {
        if (j.rank == 0)
            fprintf(stderr, "lp-starpu: this MPI library lacks MPI_THREAD_MULTIPLE\n");
        MPI_Finalize();
        return status;
    }

    lp_npy_header h = {0};
    status = read_input_header(&j, &h);
    if (status != LP_OK) {
        MPI_Finalize();
        return status;
    }
    double t = MPI_Wtime();
    int started = lp_start(&c->opt);
    status = agree(started);
    if (status != LP_OK) {
        if (started == LP_OK)   /* another rank failed: stop ours too */
            lp_stop();
        MPI_Finalize();
        return status;
    }
    starpu_mpi_init_comm(NULL, NULL, 0, MPI_COMM_WORLD);
    if (after_start)
        after_start();
    lp_report_context ctx = {.env_defaults = env_defaults};
    ctx.startup_ms = (MPI_Wtime() - t) * 1e3;

    unsigned workers = starpu_worker_get_count(), all_workers = 0;
    MPI_Allreduce(&workers, &all_workers, 1, MPI_UNSIGNED, MPI_SUM, MPI_COMM_WORLD);
    j.tiles = lp_tiles_for(&c->opt, j.rows, all_workers);
    j.next_tag = 1;

    char data_desc[700];
    if (c->input)
        snprintf(data_desc, sizeof data_desc, "from %s, read by rank 0", c->input);
    else
        snprintf(data_desc, sizeof data_desc, "%s data made by each tile's owner",
                 c->data == LP_DATA_SEED ? "seed" : "random");
    ctx.data_desc = data_desc;
    ctx.sched_source = c->opt.sched ? "--sched" : getenv("STARPU_SCHED") ? "STARPU_SCHED"
                                                                         : "default";
    ctx.tiles_asked = c->opt.tiles;
    ctx.distribution = c->cyclic ? "cyclic" : "block";
    ctx.nranks = j.size;
    if (j.rank == 0 && j.size > (int)j.tiles && !c->quiet)
        fprintf(stderr, "lp-starpu: note: %d ranks for %zu tiles: ranks %zu to %d have no tile "
                "and stay idle\n", j.size, j.tiles, j.tiles, j.size - 1);

    lp_report runs[LP_BACKEND_COUNT];
    memset(runs, 0, sizeof runs);
    int nruns = 0;
    lp_rank_stats *ranks = NULL;
    t = MPI_Wtime();
    status = agree(allocate(&j));
    if (status == LP_OK)
        status = agree(load_input(&j, &h, &ctx));
    ctx.data_ms = (MPI_Wtime() - t) * 1e3;
    if (status == LP_OK)
        status = run_everything(&j, &ctx, runs, &nruns, &ranks);
    ctx.ranks = ranks;
    if (status == LP_OK)
        status = write_results(&j, &ctx, runs, nruns);

    free(ranks);
    for (int i = 0; i < LP_BACKEND_COUNT; i++)
        lp_report_free(&runs[i]);
    release(&j);
    int signo = lp_stop_requested(), any_signo = 0;
    MPI_Allreduce(&signo, &any_signo, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    /* Every rank says so, and before shutting down: Open MPI's mpirun,
     * signalled itself, signals the ranks and kills them 1 s later, while
     * MPI_Finalize waits for it. */
    if (any_signo) {
        char msg[96];
        snprintf(msg, sizeof msg, "stopped by signal %d (%s)", any_signo, strsignal(any_signo));
        say(&j, msg);
        status = 128 + any_signo;
    }
    starpu_mpi_shutdown();
    lp_stop();
    MPI_Finalize();
    return status;
}
