/* The rows a process holds, tile by tile.  A tile belongs to one rank (the
 * communicator says which); that rank reads or makes its x, y, z, runs its
 * task and writes its out, so no tile crosses MPI during a run.  One
 * process owns every tile; so does rank 0 of 1.
 *
 * Resident: every owned tile's columns are in memory for the whole job.
 * Streamed: the tiles flow through a fixed pool of slots (the window): for
 * each tile a read task fills a slot's x, y, z, the compute task runs on
 * it, and a store task sums, checks and writes its out; StarPU orders the
 * reuse of a slot by its data dependencies, so I/O overlaps the work and
 * memory is bounded by the window, not by the rows. */
#ifndef LP_TILES_H
#define LP_TILES_H

#include <pthread.h>
#include <stdatomic.h>
#include <starpu.h>
#include "comm.h"
#include "exact_sum.h"
#include "internal.h"
#include "lp_starpu.h"
#include "logprod.h"

/* Where rows come from and results go.  read and write are called from
 * StarPU's CPU workers, several at once, each with its own rows. */
typedef struct lp_tile_io {
    /* x, y, z of rows first..first+count-1, elements of dtype; 0, or -1
     * with a message. */
    int (*read)(void *arg, size_t first, size_t count, lp_dtype dtype, void *x, void *y,
                void *z, char *err, size_t errlen);
    /* out of those rows; NULL: results are only summed and checked. */
    int (*write)(void *arg, size_t first, size_t count, lp_dtype dtype, const void *out,
                 char *err, size_t errlen);
    void *read_arg, *write_arg;
    int in_order;             /* write in row order (a FIFO, a device) */
} lp_tile_io;

/* A rank's file I/O: streamed, its best run's read and store tasks (time
 * summed over its workers); resident (the tool's), the reading before the
 * runs and the writing after them. */
typedef struct lp_rank_io {
    uint64_t read_bytes, write_bytes;
    double read_seconds, write_seconds;
} lp_rank_io;

/* What a tile's run left: with --verify its worst row (its sum went into
 * the rank's exact sum, lp_tiles.sum). */
typedef struct lp_tile_result {
    double max_rel_error;
    size_t worst_row;         /* in the whole rows */
    double worst_values[4];   /* x, y, z, out of that row */
    size_t bad_inputs, first_bad;   /* streamed: rows not > 0, the first */
} lp_tile_result;

typedef struct lp_tiles {
    const lp_comm *comm;
    size_t rows, tiles;
    size_t accel, accel_rows; /* the layout's first tiles (lp_layout) */
    lp_dtype dtype;           /* of every column */
    size_t mine;              /* tiles this rank owns */
    int *owner;               /* per tile */
    void *(*col)[4];          /* resident: per tile x, y, z, out (NULL where
                                 not owned) */
    lp_tile_arg *args;        /* the compute codelet's argument, per tile */
    lp_tile_result *result;   /* per tile, of the last run */
    lp_xsum sum;              /* every owned tile's out, of the last run, exactly */
    pthread_mutex_t sum_lock; /* tiles add into it from several workers */
    lp_data whole;            /* every row, where one process holds them */
    int own_whole;            /* whole was allocated here (not a view) */
    /* streamed */
    int streamed;
    size_t slots, slot_rows;
    void *(*slot)[4];
    lp_tile_io io;
    int verify_now;           /* the store tasks check every row */
    int write_now;            /* the store tasks write (a FIFO: the last run only) */
    /* this rank's I/O in the last run (streamed) or write (resident) */
    _Atomic uint64_t read_bytes, read_ns, write_bytes, write_ns;
    /* The best run of the last lp_run_tiles, for the tool's report and
     * trace (the public lp_report neither streams nor traces): this rank's
     * I/O in it (streamed), and its start in a StarPU FxT trace (the code
     * of its user event). */
    lp_rank_io best_io;
    unsigned long best_mark;
    /* Resident tiles' handles (x, y, z, out of each tile; NULL where
     * none), registered by lp_run_tiles and let go at its end, or kept for
     * the next lp_run_tiles if keep_handles (lp_run's tiles, kept in their
     * lp_data) until lp_tiles_let_go_handles; and how many the last
     * registration made: 4 per owned tile in one process, 4 per tile of
     * the job on every rank under StarPU-MPI (comm.h's data_register). */
    starpu_data_handle_t (*h)[4];
    int keep_handles;
    size_t handles;
} lp_tiles;

/* The layout of rows in tiles, ownership included, with nothing allocated
 * for the rows yet. */
int lp_tiles_init(lp_tiles *ts, const lp_comm *c, size_t rows, const lp_layout *l,
                  lp_dtype dtype);

/* The tiles of d, all owned by this one process (c of size 1): slices of
 * d's columns. */
int lp_tiles_view(lp_tiles *ts, lp_data *d, const lp_layout *l);

/* ts's layout. */
lp_layout lp_tiles_layout(const lp_tiles *ts);

/* Resident: this rank's rows in StarPU memory (pages touched by
 * lp_tiles_load): every row in ts->whole for one process, else each owned
 * tile on its own.
 * LP_OK, LP_ERR_RUNTIME, or LP_ERR_INTERRUPTED (lp_request_stop). */
int lp_tiles_alloc(lp_tiles *ts);

/* Streamed: a window of window_bytes (at least two slots of the largest
 * tile, at most one per owned tile), pages touched; io says where rows
 * come from and go.  Same statuses. */
int lp_tiles_stream(lp_tiles *ts, size_t window_bytes, const lp_tile_io *io);

/* Host work on each tile this rank owns, fn(ts, tile, ctx): one CPU task
 * per tile, so that every CPU worker takes part (outside the timed span);
 * in this thread when StarPU has no CPU worker or refuses a task.  Returns
 * once every call has. */
typedef void lp_tile_fn(lp_tiles *ts, size_t tile, const void *ctx);
void lp_tiles_each(lp_tiles *ts, lp_tile_fn *fn, const void *ctx);

/* Resident: x, y and z of the tiles this rank owns from ts->io.read (a
 * file, or generated rows), every worker reading its own tiles, and out's
 * pages touched; stops early when lp_request_stop is called.  LP_OK,
 * LP_ERR_INTERRUPTED, or LP_ERR_RUNTIME with the first failure in err. */
int lp_tiles_load(lp_tiles *ts, char *err, size_t errlen);

/* Resident: each owned tile's out through ts->io.write, in row order.
 * Returns LP_OK or LP_ERR_RUNTIME with a message printed. */
int lp_tiles_write(lp_tiles *ts);

/* Rows of owned tiles whose input is not > 0 (NaN included), over every
 * rank, and the first such row (0 when none): resident rows counted here,
 * streamed ones by the last run's read tasks. */
size_t lp_tiles_bad_inputs(const lp_tiles *ts, size_t *first_row);

/* Resident tiles' handles unregistered (results home first), if any;
 * lp_tiles_free does it too. */
void lp_tiles_let_go_handles(lp_tiles *ts);
void lp_tiles_free(lp_tiles *ts);

/* Tile t's out added into ts->sum if sum_it and, with verify, its worst
 * row in ts->result[t] (first: the tile's first row in the whole rows). */
void lp_tile_result_of(lp_tiles *ts, size_t t, const lp_data *tile, size_t first, int sum_it,
                       int verify, unsigned intensity);

#include "clock.h"   /* lp_now_ns, for the I/O times */

/* The rows of the tiles this rank owns. */
size_t lp_tiles_rows_mine(const lp_tiles *ts);

/* Tile t's rows: first and count. */
void lp_tiles_range(const lp_tiles *ts, size_t t, size_t *first, size_t *count);

/* The rows a tile may hold at most: StarPU 1.3 vectors count in 32 bits.
 * Lowered by the test build (tests/support/fault_inject.c) to show that
 * more rows than a handle holds are cut into enough tiles. */
extern size_t lp_tile_rows_limit;

/* Generated rows as a read function (read_arg: an lp_generator). */
typedef struct lp_generator {
    lp_data_kind kind;
    uint64_t seed;
} lp_generator;
int lp_generate_rows(void *arg, size_t first, size_t count, lp_dtype dtype, void *x, void *y,
                     void *z, char *err, size_t errlen);

/* Tile t's columns (resident) as an lp_data of count rows. */
lp_data lp_tiles_data(const lp_tiles *ts, size_t t);

#endif
