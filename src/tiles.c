/* Rows tile by tile: ownership, where each tile's columns are, and the
 * rows a rank makes itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "tiles.h"

void lp_tiles_range(const lp_tiles *ts, size_t t, size_t *first, size_t *count)
{
    lp_tile_range(ts->rows, ts->tiles, t, first, count);
}

int lp_tiles_init(lp_tiles *ts, const lp_comm *c, size_t rows, size_t tiles)
{
    memset(ts, 0, sizeof *ts);
    ts->comm = c;
    ts->rows = rows;
    ts->tiles = tiles;
    ts->owner = calloc(tiles + 1, sizeof *ts->owner);
    ts->col = calloc(tiles + 1, sizeof *ts->col);
    ts->args = calloc(tiles + 1, sizeof *ts->args);
    if (!ts->owner || !ts->col || !ts->args) {
        lp_tiles_free(ts);
        return LP_ERR_RUNTIME;
    }
    for (size_t t = 0; t < tiles; t++) {
        ts->owner[t] = lp_comm_owner(c, t, tiles);
        ts->mine += ts->owner[t] == c->rank;
        ts->args[t] = (lp_tile_arg){.tile = t, .intensity = 1};
    }
    return LP_OK;
}

/* Owned tiles as slices of ts->whole. */
static void slice_whole(lp_tiles *ts)
{
    double *cols[4] = {ts->whole.x, ts->whole.y, ts->whole.z, ts->whole.out};
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        for (int k = 0; k < 4 && ts->owner[t] == ts->comm->rank; k++)
            ts->col[t][k] = cols[k] + first;
    }
}

int lp_tiles_view(lp_tiles *ts, lp_data *d, size_t tiles)
{
    int status = lp_tiles_init(ts, lp_comm_self(), d->rows, tiles);
    if (status == LP_OK) {
        ts->whole = *d;
        slice_whole(ts);
    }
    return status;
}

int lp_tiles_alloc(lp_tiles *ts, int whole)
{
    if (ts->comm->size == 1 || whole) {
        int status = lp_data_alloc(&ts->whole, ts->rows);
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
            if (lp_column_alloc(&ts->col[t][k], count) != 0)
                return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_ERR_RUNTIME;
    }
    return LP_OK;
}

void lp_tiles_fill(lp_tiles *ts, lp_data_kind kind, uint64_t seed)
{
    const size_t slice = (size_t)1 << 20;
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count;
        lp_tiles_range(ts, t, &first, &count);
        double **c = ts->col[t];
        if (ts->owner[t] != ts->comm->rank)
            continue;
        for (size_t k = 0; k < count && !lp_stop_requested(); k += slice) {
            size_t n = count - k < slice ? count - k : slice;
            lp_fill_values(c[0] + k, c[1] + k, c[2] + k, kind, seed, first + k, n);
        }
    }
}

size_t lp_tiles_bad_inputs(const lp_tiles *ts, size_t *first_row)
{
    int64_t v[2] = {0, INT64_MAX};   /* count, first row */
    for (size_t t = 0; t < ts->tiles; t++) {
        size_t first, count, row = 0;
        lp_tiles_range(ts, t, &first, &count);
        if (ts->owner[t] != ts->comm->rank)
            continue;
        double **c = ts->col[t];
        lp_data tile = {.rows = count, .x = c[0], .y = c[1], .z = c[2], .out = c[3]};
        size_t bad = lp_count_bad_inputs(&tile, &row);
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
    if (ts->own_whole) {
        lp_data_free(&ts->whole);
    } else if (!ts->whole.x && ts->col) {   /* tiles allocated one by one */
        for (size_t t = 0; t < ts->tiles; t++)
            for (int k = 0; k < 4; k++)
                if (ts->col[t][k])
                    starpu_free(ts->col[t][k]);
    }
    free(ts->owner);
    free(ts->col);
    free(ts->args);
    memset(ts, 0, sizeof *ts);
}
