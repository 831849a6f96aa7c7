/* The rows: allocation in StarPU memory, the two generated data sets and
 * the tile layout. */
#include <math.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"

/* Pinned when StarPU has an accelerator: transfers can then be asynchronous
 * and overlap with computation.  Every page is touched here: otherwise the
 * first run's tasks take the page faults of the output column, and StarPU's
 * history model, which learns from the first runs' tasks until it has ten
 * samples and then stops, would keep those slow times (measured: 1.5 ms
 * per CPU tile instead of 0.66). */
int lp_column_alloc(double **col, size_t count)
{
    if (starpu_malloc((void **)col, count * sizeof(double)) != 0)
        return -1;
    /* In slices: touching gigabytes takes seconds, and a signal stops it. */
    const size_t slice = (size_t)1 << 20;
    for (size_t first = 0; first < count; first += slice) {
        if (lp_stop_requested()) {
            starpu_free(*col);
            *col = NULL;
            return -1;
        }
        memset(*col + first, 0, (count - first < slice ? count - first : slice) * sizeof(double));
    }
    return 0;
}

void lp_poison(double *col, size_t count)
{
    for (size_t i = 0; i < count; i++)
        col[i] = NAN;
}

int lp_data_alloc(lp_data *d, size_t rows)
{
    memset(d, 0, sizeof *d);
    d->rows = rows;
    if (rows == 0)
        return LP_OK;
    double **cols[4] = {&d->x, &d->y, &d->z, &d->out};
    for (int c = 0; c < 4; c++) {
        if (lp_column_alloc(cols[c], rows) != 0) {
            lp_data_free(d);
            return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_ERR_RUNTIME;
        }
    }
    return LP_OK;
}

/* Pinning matters only for an accelerator's DMA (StarPU 1.3 pins nothing
 * without CUDA).  A column given twice is pinned, and unpinned, once. */
static void pin_columns(const lp_data *d, int pin)
{
    if (d->rows == 0 || starpu_cuda_worker_get_count() == 0)
        return;
    double *cols[4] = {d->x, d->y, d->z, d->out};
    for (int c = 0; c < 4; c++) {
        int seen = 0;
        for (int e = 0; e < c; e++)
            seen |= cols[e] == cols[c];
        if (seen)
            continue;
        if (pin)
            starpu_memory_pin(cols[c], d->rows * sizeof(double));
        else
            starpu_memory_unpin(cols[c], d->rows * sizeof(double));
    }
}

int lp_data_wrap(lp_data *d, size_t rows, double *x, double *y, double *z, double *out)
{
    memset(d, 0, sizeof *d);
    if (rows > 0 && (!x || !y || !z || !out))
        return LP_ERR_USAGE;
    *d = (lp_data){.rows = rows, .x = x, .y = y, .z = z, .out = out, .wrapped = 1};
    pin_columns(d, 1);
    return LP_OK;
}

void lp_data_free(lp_data *d)
{
    if (d->wrapped) {
        pin_columns(d, 0);
    } else {
        double *cols[4] = {d->x, d->y, d->z, d->out};
        for (int c = 0; c < 4; c++)
            if (cols[c])
                starpu_free(cols[c]);
    }
    memset(d, 0, sizeof *d);
}

/* splitmix64's finaliser: a good 64-bit mix, so random values are a pure
 * function of (seed, row, column) and any rank can make any row. */
static uint64_t mix64(uint64_t v)
{
    v += 0x9e3779b97f4a7c15ull;
    v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
    v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
    return v ^ (v >> 31);
}

static double uniform(uint64_t seed, size_t row, int col)
{
    uint64_t h = mix64(mix64(seed) ^ ((uint64_t)row * 3u + (uint64_t)col));
    return 0.5 + (double)(h >> 11) * 0x1.0p-53;
}

void lp_fill_values(double *x, double *y, double *z, lp_data_kind kind,
                    uint64_t seed, size_t first, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t i = first + k;
        if (kind == LP_DATA_SEED) {
            x[k] = y[k] = z[k] = (double)(i + 1);
        } else {
            x[k] = uniform(seed, i, 0);
            y[k] = uniform(seed, i, 1);
            z[k] = uniform(seed, i, 2);
        }
    }
}

void lp_data_fill_range(lp_data *d, lp_data_kind kind, uint64_t seed,
                        size_t first, size_t count)
{
    lp_fill_values(d->x + first, d->y + first, d->z + first, kind, seed, first, count);
}

void lp_data_fill(lp_data *d, lp_data_kind kind, uint64_t seed)
{
    lp_data_fill_range(d, kind, seed, 0, d->rows);
}

void lp_tile_range(size_t rows, size_t tiles, size_t tile,
                   size_t *first, size_t *count)
{
    /* Same split as starpu_vector_filter_block: the first rows % tiles
     * tiles hold one row more. */
    size_t base = rows / tiles, rem = rows % tiles;
    *count = base + (tile < rem);
    *first = tile * base + (tile < rem ? tile : rem);
}
