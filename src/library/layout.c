/* How a job's rows are cut into tiles (internal.h: lp_layout): equal
 * tiles, or first a few big ones sized for the accelerators and equal
 * tiles of the rows left. */
#include "internal.h"
#include "tiles.h"

void lp_tile_range(size_t rows, size_t tiles, size_t tile, size_t *first, size_t *count)
{
    /* Same split as starpu_vector_filter_block: the first rows % tiles
     * tiles hold one row more. */
    size_t base = rows / tiles, rem = rows % tiles;
    *count = base + (tile < rem);
    *first = tile * base + (tile < rem ? tile : rem);
}

void lp_layout_range(const lp_layout *l, size_t rows, size_t tile, size_t *first, size_t *count)
{
    if (tile < l->accel) {
        *first = tile * l->accel_rows;
        *count = l->accel_rows;
        return;
    }
    size_t head = lp_layout_head(l);
    lp_tile_range(rows - head, l->tiles - l->accel, tile - l->accel, first, count);
    *first += head;
}

size_t lp_layout_head(const lp_layout *l)
{
    return l->accel * l->accel_rows;
}

int lp_layout_same(const lp_layout *a, const lp_layout *b)
{
    return a->tiles == b->tiles && a->accel == b->accel && a->accel_rows == b->accel_rows;
}

size_t lp_layout_max_rows(const lp_layout *l, size_t rows)
{
    if (l->tiles <= l->accel)
        return l->tiles ? l->accel_rows : 0;
    size_t rest = rows - lp_layout_head(l), n = l->tiles - l->accel;
    size_t equal = (rest + n - 1) / n;
    return l->accel && l->accel_rows > equal ? l->accel_rows : equal;
}

int lp_layout_fits(size_t accel, size_t accel_rows, size_t rows)
{
    if (!accel && !accel_rows)
        return 1;
    return accel && accel_rows && accel_rows <= lp_tile_rows_limit && accel_rows <= rows &&
           accel <= (rows - 1) / accel_rows;   /* a row at least for the other tiles */
}

int lp_layout_check(size_t accel, size_t accel_rows, size_t rows)
{
    if (lp_layout_fits(accel, accel_rows, rows))
        return LP_OK;
    if (!accel || !accel_rows) {
        lp_error("--accel-tiles %zux%zu: at least one tile of at least one row", accel,
                 accel_rows);
        return LP_ERR_USAGE;
    }
    if (accel_rows > lp_tile_rows_limit) {
        lp_error("--accel-tiles %zux%zu: a tile holds at most %zu rows (StarPU's vectors count "
                 "in 32 bits)", accel, accel_rows, lp_tile_rows_limit);
        return LP_ERR_USAGE;
    }
    lp_error("--accel-tiles %zux%zu: that many rows leave none of the %zu for the other tiles",
             accel, accel_rows, rows);
    return LP_ERR_USAGE;
}
