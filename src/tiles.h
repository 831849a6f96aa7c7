/* The rows a process holds, tile by tile.  A tile belongs to one rank (the
 * communicator says which); that rank holds its x, y, z and out and runs
 * its task, so no tile crosses MPI during a run.  One process owns every
 * tile; so does rank 0 of 1. */
#ifndef LP_TILES_H
#define LP_TILES_H

#include "comm.h"
#include "lp_starpu.h"
#include "logprod.h"

typedef struct lp_tiles {
    const lp_comm *comm;
    size_t rows, tiles;
    size_t mine;              /* tiles this rank owns */
    int *owner;               /* per tile */
    double *(*col)[4];        /* per tile: x, y, z, out here; NULL where not
                                 owned */
    lp_tile_arg *args;        /* the codelet's argument, per tile */
    lp_data whole;            /* every row, where this process holds them
                                 all (one process; rank 0 for --output) */
    int own_whole;            /* whole was allocated here (not a view) */
} lp_tiles;

/* The layout of rows in tiles, ownership included, with nothing allocated
 * for the rows: the caller provides whole (lp_tiles_view) or lets
 * lp_tiles_alloc do it. */
int lp_tiles_init(lp_tiles *ts, const lp_comm *c, size_t rows, size_t tiles);

/* The tiles of d, all owned by this one process (c of size 1): slices of
 * d's columns. */
int lp_tiles_view(lp_tiles *ts, lp_data *d, size_t tiles);

/* This rank's rows in StarPU memory, every page touched: every row in
 * ts->whole when the communicator has one rank or `whole` is set (the
 * owned tiles are then slices of it), else each owned tile on its own.
 * LP_OK, LP_ERR_RUNTIME, or LP_ERR_INTERRUPTED (lp_request_stop). */
int lp_tiles_alloc(lp_tiles *ts, int whole);

/* Generated values in the tiles this rank owns, in slices of a million
 * rows, stopping early when lp_request_stop is called. */
void lp_tiles_fill(lp_tiles *ts, lp_data_kind kind, uint64_t seed);

/* Rows of owned tiles whose input is not > 0 (NaN included), over every
 * rank, and the first such row (0 when none). */
size_t lp_tiles_bad_inputs(const lp_tiles *ts, size_t *first_row);

void lp_tiles_free(lp_tiles *ts);

/* Tile t's rows: first and count. */
void lp_tiles_range(const lp_tiles *ts, size_t t, size_t *first, size_t *count);

#endif
