/* Rows tile by tile: ownership, where each tile's columns are (resident,
 * or a window of slots when streamed), and the rows a rank makes itself. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <starpu.h>

#include "internal.h"
#include "tiles.h"

size_t lp_tile_rows_limit = LP_MAX_TILE_ROWS;

lp_layout lp_tiles_layout(const lp_tiles *ts)
{
    return (lp_layout){ts->tiles, ts->accel, ts->accel_rows};
}

void lp_tiles_range(const lp_tiles *ts, size_t t, size_t *first, size_t *count)
{
    lp_layout l = lp_tiles_layout(ts);
    lp_layout_range(&l, ts->rows, t, first, count);
}

size_t lp_tiles_rows_mine(const lp_tiles *ts)
{
    size_t rows = 0;
    for (size_t t = 0; t < ts->tiles; t++)
        if (ts->owner[t] == ts->comm->rank) {
            size_t first, count;
            lp_tiles_range(ts, t, &first, &count);
            rows += count;
        }
    return rows;
}

int lp_tiles_init(lp_tiles *ts, const lp_comm *c, size_t rows, const lp_layout *l,
                  lp_dtype dtype)
{
    memset(ts, 0, sizeof *ts);
    size_t tiles = l->tiles;
    ts->comm = c;
    ts->rows = rows;
    ts->dtype = dtype;
    ts->tiles = tiles;
    ts->accel = l->accel;
    ts->accel_rows = l->accel_rows;
    ts->owner = calloc(tiles + 1, sizeof *ts->owner);
    ts->col = calloc(tiles + 1, sizeof *ts->col);
    ts->args = calloc(tiles + 1, sizeof *ts->args);
    ts->result = calloc(tiles + 1, sizeof *ts->result);
    pthread_mutex_init(&ts->sum_lock, NULL);
    if (!ts->owner || !ts->col || !ts->args || !ts->result) {
        lp_tiles_free(ts);
        return LP_ERR_RUNTIME;
    }
    for (size_t t = 0; t < tiles; t++) {
        /* The accelerators' tiles dealt to the ranks in turn, each rank's
         * share of the others as the distribution says. */
        ts->owner[t] = t < l->accel ? (int)(t % (size_t)c->size)
                                    : lp_comm_owner(c, t - l->accel, tiles - l->accel);
        ts->mine += ts->owner[t] == c->rank;
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        ts->args[t] = (lp_tile_arg){.tile = t, .intensity = 1, .rows = count,
                                    .dtype = (unsigned char)dtype};
    }
    return LP_OK;
}

/* Owned tiles as slices of ts->whole. */
static void slice_whole(lp_tiles *ts)
{
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        for (int k = 0; k < 4 && ts->owner[t] == ts->comm->rank; k++)
            ts->col[t][k] = lp_at(ts->whole.col[k], ts->dtype, first);
    }
}

int lp_tiles_view(lp_tiles *ts, lp_data *d, const lp_layout *l)
{
    int status = lp_tiles_init(ts, lp_comm_self(), d->rows, l, d->dtype);
    if (status == LP_OK) {
        ts->whole = *d;
        slice_whole(ts);
    }
    return status;
}

int lp_tiles_alloc(lp_tiles *ts)
{
    if (lp_simulated())   /* no row is held: NULL pointers, which StarPU never reads there */
        return LP_OK;
    if (ts->comm->size == 1) {
        int status = lp_data_reserve(&ts->whole, ts->rows, ts->dtype, 0);
        if (status != LP_OK)
            return status;
        ts->own_whole = 1;
        slice_whole(ts);
        return LP_OK;
    }
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        for (int k = 0; k < 4 && ts->owner[t] == ts->comm->rank; k++)
            if (lp_column_alloc(&ts->col[t][k], ts->dtype, count, 0) != 0)
                return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_ERR_RUNTIME;
    }
    return LP_OK;
}

int lp_tiles_stream(lp_tiles *ts, size_t window_bytes, const lp_tile_io *io)
{
    ts->io = *io;
    ts->streamed = 1;
    lp_layout l = lp_tiles_layout(ts);
    ts->slot_rows = lp_layout_max_rows(&l, ts->rows);
    size_t slot_bytes = 4 * lp_dtype_size(ts->dtype) * (ts->slot_rows ? ts->slot_rows : 1);
    size_t slots = window_bytes / slot_bytes;
    if (slots < 2)
        slots = 2;   /* one being filled or stored while one computes */
    if (slots > ts->mine)
        slots = ts->mine;
    ts->slot = calloc(slots + 1, sizeof *ts->slot);
    if (!ts->slot)
        return LP_ERR_RUNTIME;
    ts->slots = slots;
    for (size_t s = 0; s < slots; s++)
        for (int k = 0; k < 4; k++)
            if (lp_column_alloc(&ts->slot[s][k], ts->dtype, ts->slot_rows, 1) != 0)
                return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_ERR_RUNTIME;
    return LP_OK;
}

/* One CPU task per tile (tiles.h: lp_tiles_each). */
typedef struct host_arg {
    lp_tiles *ts;
    size_t tile;
    lp_tile_fn *fn;
    const void *ctx;
} host_arg;

static void host_cpu(void *buffers[], void *cl_arg)
{
    (void)buffers;
    const host_arg *a = cl_arg;
    a->fn(a->ts, a->tile, a->ctx);
}

static struct starpu_codelet host_cl = {
    .name = "lp_host",
    .where = STARPU_CPU,
    .cpu_funcs = {host_cpu},
    .nbuffers = 0,
};

void lp_tiles_each(lp_tiles *ts, lp_tile_fn *fn, const void *ctx)
{
    if (lp_simulated())   /* no rows to work on (and a task without a model cannot run) */
        return;
    host_arg *args = lp_backend_workers(LP_BACKEND_CPU) ? calloc(ts->tiles + 1, sizeof *args)
                                                        : NULL;
    for (size_t t = 0; t < ts->tiles; t++) {
        if (ts->owner[t] != ts->comm->rank)
            continue;
        if (args) {
            args[t] = (host_arg){ts, t, fn, ctx};
            struct starpu_task *task = starpu_task_create();
            task->cl = &host_cl;
            task->cl_arg = &args[t];
            task->cl_arg_size = sizeof args[t];
            lp_task_bucket(task, STARPU_CPU);
            if (starpu_task_submit(task) == 0)
                continue;
            starpu_task_destroy(task);
        }
        fn(ts, t, ctx);
    }
    starpu_task_wait_for_all();
    free(args);
}

/* The first failure of work spread over the tiles (lp_tiles_each). */
typedef struct tile_failure {
    pthread_mutex_t lock;
    char *err;
    size_t errlen;
    atomic_int failed;   /* read by the other tiles' workers without the lock */
} tile_failure;

static void fail_once(tile_failure *f, const char *msg)
{
    pthread_mutex_lock(&f->lock);
    if (atomic_fetch_add(&f->failed, 1) == 0)
        snprintf(f->err, f->errlen, "%s", msg);
    pthread_mutex_unlock(&f->lock);
}

/* A tile's x, y and z from ts->io (a file or generated), in slices so that
 * a signal stops a large tile early; its out touched (zeroed), so that no
 * run takes its page faults. */
static void load_tile(lp_tiles *ts, size_t t, const void *ctx)
{
    tile_failure *f = (tile_failure *)ctx;
    const size_t slice = (size_t)1 << 20;
    size_t first, count;
    char msg[700];
    lp_tiles_range(ts, t, &first, &count);
    void **c = ts->col[t];
    for (size_t k = 0; k < count && !lp_stop_requested() && !f->failed; k += slice) {
        size_t n = count - k < slice ? count - k : slice;
        if (ts->io.read(ts->io.read_arg, first + k, n, ts->dtype, lp_at(c[0], ts->dtype, k),
                        lp_at(c[1], ts->dtype, k), lp_at(c[2], ts->dtype, k), msg,
                        sizeof msg) != 0) {
            fail_once(f, msg);
            return;
        }
    }
    if (!lp_stop_requested())
        memset(c[3], 0, count * lp_dtype_size(ts->dtype));
}

int lp_tiles_load(lp_tiles *ts, char *err, size_t errlen)
{
    tile_failure f = {.lock = PTHREAD_MUTEX_INITIALIZER, .err = err, .errlen = errlen};
    lp_tiles_each(ts, load_tile, &f);
    if (f.failed)
        return LP_ERR_RUNTIME;
    return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_OK;
}

int lp_generate_rows(void *arg, size_t first, size_t count, lp_dtype dtype, void *x, void *y,
                     void *z, char *err, size_t errlen)
{
    const lp_generator *g = arg;
    (void)err, (void)errlen;
    lp_fill_values(x, y, z, dtype, g->kind, g->seed, first, count);
    return 0;
}

lp_data lp_tiles_data(const lp_tiles *ts, size_t t)
{
    size_t first, count;
    lp_tiles_range(ts, t, &first, &count);
    void *const *c = ts->col[t];
    return (lp_data){.rows = count, .col = {c[0], c[1], c[2], c[3]}, .dtype = ts->dtype};
}

void lp_tile_result_of(lp_tiles *ts, size_t t, const lp_data *tile, size_t first, int sum_it,
                       int verify, unsigned intensity)
{
    lp_tile_result *r = &ts->result[t];
    size_t at = 0;
    if (sum_it) {
        lp_xsum sum;
        lp_xsum_clear(&sum);
        lp_xsum_add(&sum, tile->col[3], tile->dtype, tile->rows);
        pthread_mutex_lock(&ts->sum_lock);
        lp_xsum_merge(&ts->sum, &sum);
        pthread_mutex_unlock(&ts->sum_lock);
    }
    r->max_rel_error = verify ? lp_max_rel_error(tile, intensity, &at) : 0;
    r->worst_row = first + at;
    if (r->max_rel_error > 0)
        for (int k = 0; k < 4; k++)
            r->worst_values[k] = lp_get(tile->col[k], tile->dtype, at);
}

/* A tile's out through ts->io.write. */
static void write_tile(lp_tiles *ts, size_t t, const void *ctx)
{
    tile_failure *f = (tile_failure *)ctx;
    size_t first, count;
    char msg[600];
    lp_tiles_range(ts, t, &first, &count);
    if (f->failed)
        return;
    if (ts->io.write(ts->io.write_arg, first, count, ts->dtype, ts->col[t][3], msg,
                     sizeof msg) != 0) {
        fail_once(f, msg);
        return;
    }
    atomic_fetch_add(&ts->write_bytes, count * lp_dtype_size(ts->dtype));
}

int lp_tiles_write(lp_tiles *ts)
{
    char err[600];
    lp_error_clear();
    tile_failure f = {.lock = PTHREAD_MUTEX_INITIALIZER, .err = err, .errlen = sizeof err};
    uint64_t t0 = lp_now_ns();
    if (!ts->io.write)
        return LP_OK;
    if (ts->io.in_order) {   /* a FIFO or a device: tile after tile */
        for (size_t t = 0; t < ts->tiles && !f.failed; t++)
            if (ts->owner[t] == ts->comm->rank)
                write_tile(ts, t, &f);
    } else {                 /* a file: every CPU worker writes its tiles at their offsets */
        lp_tiles_each(ts, write_tile, &f);
    }
    atomic_fetch_add(&ts->write_ns, lp_now_ns() - t0);
    if (f.failed) {
        lp_error("%s", err);
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}

size_t lp_tiles_bad_inputs(const lp_tiles *ts, size_t *first_row)
{
    int64_t v[2] = {0, INT64_MAX};   /* count, first row */
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count, row = 0, bad;
        lp_tiles_range(ts, t, &first, &count);
        if (ts->owner[t] != ts->comm->rank)
            continue;
        if (ts->streamed) {
            bad = ts->result[t].bad_inputs;
            row = ts->result[t].first_bad;
        } else {
            lp_data tile = lp_tiles_data(ts, t);
            bad = lp_count_bad_inputs(&tile, &row);
        }
        if (bad && v[0] == 0)
            v[1] = (int64_t)(first + row);   /* tiles in row order */
        v[0] += (int64_t)bad;
    }
    const lp_comm *c = ts->comm;
    c->ops->reduce_i64(c, &v[0], 1, LP_REDUCE_SUM);
    c->ops->reduce_i64(c, &v[1], 1, LP_REDUCE_MIN);
    *first_row = v[0] ? (size_t)v[1] : 0;
    return (size_t)v[0];
}

void lp_tiles_free(lp_tiles *ts)
{
    lp_tiles_let_go_handles(ts);
    if (ts->own_whole) {
        lp_data_free(&ts->whole);
    } else if (!ts->whole.col[0] && ts->col) {   /* tiles allocated one by one */
        for (size_t t = 0; t < ts->tiles; t++)
            for (int k = 0; k < 4; k++)
                if (ts->col[t][k])
                    starpu_free(ts->col[t][k]);
    }
    for (size_t s = 0; ts->slot && s < ts->slots; s++)
        for (int k = 0; k < 4; k++)
            if (ts->slot[s][k])
                starpu_free(ts->slot[s][k]);
    free(ts->slot);
    free(ts->owner);
    free(ts->col);
    free(ts->args);
    free(ts->result);
    pthread_mutex_destroy(&ts->sum_lock);
    memset(ts, 0, sizeof *ts);
}
