/* A streamed run's tasks (tiles.h): per tile, on one of the window's
 * slots, a read task fills x, y, z (and poisons out), the compute task runs,
 * and a store task sums the tile, checks it under --verify and writes it.
 * The three access the slot's handles in turn, so StarPU runs them in
 * order and starts the next tile's read on a slot once its store is done:
 * the window bounds the memory, the task graph overlaps I/O with the work.
 * Read and store tasks run on CPU workers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "logprod.h"
#include "run_state.h"

typedef struct io_arg {
    lp_tiles *ts;
    size_t tile;
} io_arg;

/* The window's handles and the tasks' arguments, for one run (its
 * lp_run_state's `stream`): nothing kept between runs or shared by two. */
struct lp_stream {
    starpu_data_handle_t (*slot_h)[4];
    starpu_data_handle_t sequence;   /* orders the writes: a FIFO's */
    io_arg *io_args;
};

/* The tile an I/O task is for, on its slot's buffers (count rows of them:
 * the slot may be a row longer). */
static lp_data slot_tile(void *buffers[], const io_arg *a, size_t *first)
{
    size_t count;
    lp_data tile = {.dtype = a->ts->dtype};
    lp_tiles_range(a->ts, a->tile, first, &count);
    tile.rows = count;
    for (int k = 0; k < 4; k++)
        tile.col[k] = (void *)STARPU_VECTOR_GET_PTR(buffers[k]);
    return tile;
}

static void read_cpu(void *buffers[], void *cl_arg)
{
    const io_arg *a = cl_arg;
    lp_tiles *ts = a->ts;
    size_t first;
    char err[600];
    lp_data tile = slot_tile(buffers, a, &first);
    uint64_t t0 = lp_now_ns();
    if (ts->io.read(ts->io.read_arg, first, tile.rows, tile.dtype, tile.col[0], tile.col[1],
                    tile.col[2], err, sizeof err))
        lp_codelet_fail(a->tile, "read", err);   /* the store tasks write nothing more */
    atomic_fetch_add(&ts->read_ns, lp_now_ns() - t0);
    atomic_fetch_add(&ts->read_bytes, 3 * tile.rows * lp_dtype_size(tile.dtype));
    lp_tile_result *r = &ts->result[a->tile];
    r->bad_inputs = lp_count_bad_inputs(&tile, &r->first_bad);
    /* unwritten results stay NaN */
    lp_poison(tile.col[3], tile.dtype, STARPU_VECTOR_GET_NX(buffers[3]));   /* written next */
}

static void store_cpu(void *buffers[], void *cl_arg)
{
    const io_arg *a = cl_arg;
    lp_tiles *ts = a->ts;
    size_t first;
    char err[600];
    lp_data tile = slot_tile(buffers, a, &first);
    lp_tile_result_of(ts, a->tile, &tile, first, 1, ts->verify_now, ts->args[a->tile].intensity);
    /* After a failed task (a read, a write), no row more: an output
     * written in place (a FIFO, a device) must not take a failed run's. */
    if (!ts->io.write || !ts->write_now || lp_codelet_failed())
        return;
    uint64_t t0 = lp_now_ns();
    if (ts->io.write(ts->io.write_arg, first, tile.rows, tile.dtype, tile.col[3], err,
                     sizeof err) != 0)
        lp_codelet_fail(a->tile, "write", err);
    atomic_fetch_add(&ts->write_ns, lp_now_ns() - t0);
    atomic_fetch_add(&ts->write_bytes, tile.rows * lp_dtype_size(tile.dtype));
}

static struct starpu_codelet read_cl = {
    .name = "lp_read",
    .where = STARPU_CPU,
    .cpu_funcs = {read_cpu},
    .nbuffers = 4,
    .modes = {STARPU_W, STARPU_W, STARPU_W, STARPU_W},
};

/* Reads the slot; results written in row order (io.in_order) also hold the
 * sequence handle, read-write: its fifth buffer. */
static struct starpu_codelet store_cl = {
    .name = "lp_store",
    .where = STARPU_CPU,
    .cpu_funcs = {store_cpu},
    .nbuffers = STARPU_VARIABLE_NBUFFERS,
};

static int submit_io(struct starpu_codelet *cl, starpu_data_handle_t *h, int n, io_arg *arg)
{
    struct starpu_task *task = starpu_task_create();
    task->cl = cl;
    for (int k = 0; k < n; k++)
        task->handles[k] = h[k];
    if (cl->nbuffers == STARPU_VARIABLE_NBUFFERS) {
        task->nbuffers = n;
        for (int k = 0; k < n; k++)
            task->modes[k] = k < 4 ? STARPU_R : STARPU_RW;
    }
    task->cl_arg = arg;
    task->cl_arg_size = sizeof *arg;
    lp_task_bucket(task, STARPU_CPU);
    int ret = starpu_task_submit(task);
    if (ret != 0)   /* StarPU 1.3 frees no task it refused */
        starpu_task_destroy(task);
    return ret;
}

int lp_stream_submit(const lp_options *opt, lp_tiles *ts, lp_run_state *rs)
{
    struct lp_stream *st = rs->stream = calloc(1, sizeof *st);
    if (st) {
        st->slot_h = calloc(ts->slots + 1, sizeof *st->slot_h);
        st->io_args = calloc(ts->tiles + 1, sizeof *st->io_args);
    }
    if (!st || !st->slot_h || !st->io_args) {
        lp_error("out of memory for the stream of %zu tiles", ts->tiles);
        return LP_ERR_RUNTIME;
    }
    for (size_t s = 0; s < ts->slots; s++)
        for (int k = 0; k < 4; k++)
            starpu_vector_data_register(&st->slot_h[s][k], STARPU_MAIN_RAM, (uintptr_t)ts->slot[s][k],
                                        (uint32_t)ts->slot_rows, lp_dtype_size(ts->dtype));
    starpu_void_data_register(&st->sequence);
    /* Tasks in flight at most: every slot's three, twice (the next round
     * waits on its slots anyway). */
    const unsigned in_flight = (unsigned)(6 * ts->slots);
    size_t k = 0;
    for (size_t t = 0; t < ts->tiles; t++) {
        if (ts->owner[t] != ts->comm->rank)
            continue;
        if (lp_stop_now())
            return LP_ERR_INTERRUPTED;
        starpu_data_handle_t *h = st->slot_h[k++ % ts->slots], store_h[5];
        io_arg *arg = &st->io_args[t];
        *arg = (io_arg){ts, t};
        memcpy(store_h, h, 4 * sizeof *h);
        store_h[4] = st->sequence;
        int ret = submit_io(&read_cl, h, 4, arg);
        if (ret == 0) {
            struct starpu_task *compute = lp_compute_task(opt, ts, t, h, rs);
            if ((ret = starpu_task_submit(compute)) != 0)
                starpu_task_destroy(compute);
        }
        if (ret == 0)
            ret = submit_io(&store_cl, store_h, ts->io.in_order ? 5 : 4, arg);
        if (ret != 0) {
            lp_error("tasks of tile %zu refused: %s", t,
                     ret == -ENODEV ? "no worker can run them" : strerror(-ret));
            return ret == -ENODEV ? LP_ERR_BACKEND : LP_ERR_RUNTIME;
        }
        starpu_task_wait_for_n_submitted(in_flight);
    }
    return LP_OK;
}

void lp_stream_release(lp_tiles *ts, lp_run_state *rs)
{
    struct lp_stream *st = rs->stream;
    if (!st)
        return;
    for (size_t s = 0; st->slot_h && s < ts->slots; s++)
        for (int k = 0; k < 4; k++)
            if (st->slot_h[s][k])
                starpu_data_unregister(st->slot_h[s][k]);
    if (st->sequence)
        starpu_data_unregister(st->sequence);
    free(st->slot_h);
    free(st->io_args);
    free(st);
    rs->stream = NULL;
}
