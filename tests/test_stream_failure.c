/* A streamed run whose read of one tile fails (stream.c): the run fails,
 * and no row of that tile, nor of any tile after the failure, reaches an
 * output written in place (a FIFO, a device), which cannot be taken back;
 * the slot's previous tile's results are never written as this tile's.
 * Rows written before the failure are right.  CPU workers, 2 slots. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "support/check.h"
#include "tiles.h"

#define ROWS 8000
#define TILES 8
#define FAILING 3   /* its rows: 3000 to 3999 */
#define NOT_WRITTEN (-12345.0)

static double written[ROWS];

static int read_rows(void *arg, size_t first, size_t count, lp_dtype dtype, void *x, void *y,
                     void *z, char *err, size_t len)
{
    (void)arg;
    if (first == FAILING * (ROWS / TILES)) {
        snprintf(err, len, "I/O error (injected)");
        return -1;
    }
    lp_fill_values(x, y, z, dtype, LP_DATA_RANDOM, 1, first, count);
    return 0;
}

static int write_rows(void *arg, size_t first, size_t count, lp_dtype dtype, const void *out,
                      char *err, size_t len)
{
    (void)arg, (void)dtype, (void)err, (void)len;
    memcpy(written + first, out, count * sizeof *written);
    return 0;
}

int main(void)
{
    lp_options opt;
    lp_options_init(&opt);
    opt.backend = LP_BACKEND_CPU;
    opt.warmup = 0;
    if (lp_start(&opt) != LP_OK)
        return 1;
    /* The right results, resident. */
    lp_data d;
    lp_report r;
    if (lp_data_alloc(&d, ROWS, LP_FLOAT64) != LP_OK)
        return 1;
    lp_data_fill(&d, LP_DATA_RANDOM, 1);
    CHECK(lp_run(&opt, &d, &r) == LP_OK, "the resident run failed");
    lp_report_free(&r);

    for (size_t i = 0; i < ROWS; i++)
        written[i] = NOT_WRITTEN;
    lp_tiles ts;
    lp_tile_io io = {.read = read_rows, .write = write_rows, .in_order = 1};
    const lp_layout layout = {TILES, 0, 0};
    CHECK(lp_tiles_init(&ts, lp_comm_self(), ROWS, &layout, LP_FLOAT64) == LP_OK, "tiles");
    CHECK(lp_tiles_stream(&ts, 2 * 4 * sizeof(double) * (ROWS / TILES), &io) == LP_OK, "stream");
    int status = lp_run_tiles(&opt, &ts, &r);
    CHECK(status == LP_ERR_RUNTIME && strstr(lp_last_error(), "read error in tile 3"),
          "status %d, '%s': the failed read not reported", status, lp_last_error());
    size_t right = 0, wrong = 0, after = 0;
    for (size_t i = 0; i < ROWS; i++) {
        if (written[i] == NOT_WRITTEN)
            continue;
        if (i >= FAILING * (ROWS / TILES))
            after++;
        else if (written[i] == d.out[i])
            right++;
        else
            wrong++;
    }
    CHECK(after == 0, "%zu rows of the failed tile or after it written out", after);
    CHECK(wrong == 0, "%zu rows before the failure written wrong", wrong);
    printf("stream failure: %zu rows written before the failed read, right; none after\n", right);
    lp_tiles_free(&ts);
    lp_data_free(&d);
    lp_stop();
    return failures ? 1 : 0;
}
