/* The tile counts lp-starpu picks or tries without a measurement of its
 * own: the default formula (src/library/run.c), the counts that end
 * CPU workers and accelerators together (lp_tiles_balanced, which
 * --calibrate adds to the counts it times), the layouts with big tiles
 * for the accelerators first (lp_accel_layout, tried too) and how a
 * layout cuts the rows (layout.c), on the simulated H200 node's
 * figures: 15 CPU workers at 0.678 ms a tile, one GPU at 0.129 ms a tile
 * (64 tiles of 10M rows, each kind alone; docs/scheduling.md). */
#include <stdio.h>

#include "internal.h"
#include "support/check.h"

int main(void)
{
    /* The formula: 256K-row tiles, at least 4 per worker, a multiple of them. */
    CHECK(lp_default_tiles_for(10000000, 2) == 40, "%zu", lp_default_tiles_for(10000000, 2));
    CHECK(lp_default_tiles_for(10000000, 16) == 64, "%zu", lp_default_tiles_for(10000000, 16));
    CHECK(lp_default_tiles_for(10000000, 15) == 60, "%zu", lp_default_tiles_for(10000000, 15));
    CHECK(lp_default_tiles_for(5, 16) == 1, "%zu: tiles under 16K rows only where the rows "
          "allow no fewer", lp_default_tiles_for(5, 16));

    unsigned h200[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 15, [LP_BACKEND_CUDA] = 1};
    double h200_s[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 0.678e-3, [LP_BACKEND_CUDA] = 0.129e-3};
    /* Two rounds of the CPU workers (30 tiles) take as long as 10 GPU tiles
     * (2 * 0.678 / 0.129 = 10.5, rounded down): 40 tiles, the simulated
     * best; with one GPU tile fewer, 39. */
    size_t want[][3] = {{2, 40, 39}, {3, 60, 59}, {4, 81, 80}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        unsigned rounds = (unsigned)want[i][0];
        size_t t = lp_tiles_balanced(rounds, h200, h200_s, 0),
               fewer = lp_tiles_balanced(rounds, h200, h200_s, 1);
        CHECK(t == want[i][1], "%u rounds: %zu tiles, not %zu", rounds, t, want[i][1]);
        CHECK(fewer == want[i][2], "%u rounds, one fewer: %zu, not %zu", rounds, fewer,
              want[i][2]);
    }
    /* Each accelerator gets its own share; kinds add up. */
    unsigned two[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 15, [LP_BACKEND_CUDA] = 2,
                                      [LP_BACKEND_OPENCL] = 1};
    double two_s[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 0.678e-3, [LP_BACKEND_CUDA] = 0.129e-3,
                                      [LP_BACKEND_OPENCL] = 0.5e-3};
    CHECK(lp_tiles_balanced(2, two, two_s, 0) == 30 + 2 * 10 + 2,
          "%zu", lp_tiles_balanced(2, two, two_s, 0));
    /* No accelerator time (a CPU-only machine, or a kind not timed): whole
     * rounds of the CPU workers; a slow device gets nothing, and short_by
     * never takes a CPU tile. */
    double cpu_only_s[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 0.678e-3};
    CHECK(lp_tiles_balanced(3, h200, cpu_only_s, 1) == 45, "%zu",
          lp_tiles_balanced(3, h200, cpu_only_s, 1));
    double slow_s[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 0.7e-3, [LP_BACKEND_CUDA] = 8e-3};
    CHECK(lp_tiles_balanced(4, h200, slow_s, 1) == 60, "%zu",
          lp_tiles_balanced(4, h200, slow_s, 1));
    /* An accelerator timed at nothing (a clock's tick) gets a bounded share, not
     * an overflow. */
    double tiny_s[LP_BACKEND_COUNT] = {[LP_BACKEND_CPU] = 1.0, [LP_BACKEND_CUDA] = 1e-300};
    size_t huge = lp_tiles_balanced(4, h200, tiny_s, 0);
    CHECK(huge > 60 && huge <= 60 + (size_t)1e12, "%zu", huge);

    /* The GPU gets 7.75 tiles a ms against the CPU workers' 22.1: a share
     * of 0.259 of the rows, stretched 1.2x (a big tile runs faster per row
     * than the measured ones) 0.311, in two tiles (1557xxx rows each); the
     * rows left in the formula's 60 tiles for the 15 CPU workers. */
    lp_layout l = lp_accel_layout(10000000, h200, h200_s, 1.2);
    CHECK(l.accel == 2 && l.accel_rows >= 1550000 && l.accel_rows <= 1560000 && l.tiles == 62,
          "%zux%zu+%zu", l.accel, l.accel_rows, l.tiles - l.accel);
    lp_layout two_l = lp_accel_layout(10000000, two, two_s, 1.0);
    CHECK(two_l.accel == 6, "two kinds, three accelerators: %zu tiles, not 6", two_l.accel);
    CHECK(lp_accel_layout(10000000, h200, cpu_only_s, 1.0).tiles == 0, "no accelerator time");
    CHECK(lp_accel_layout(10000000, h200, h200_s, 10.0).tiles == 0, "a share beyond the rows");

    /* The layout: the big tiles, then the rows left in equal tiles as
     * starpu_vector_filter_block cuts them; every row once, in order. */
    const lp_layout cut = {5, 2, 7};   /* 2 of 7 rows, then 3 tiles of the 16 left */
    size_t next = 0, want_rows[] = {7, 7, 6, 5, 5};
    for (size_t t = 0; t < cut.tiles; t++) {
        size_t first, count;
        lp_layout_range(&cut, 30, t, &first, &count);
        CHECK(first == next && count == want_rows[t], "tile %zu: rows %zu+%zu", t, first, count);
        next = first + count;
    }
    CHECK(next == 30, "the tiles end at row %zu of 30", next);
    CHECK(lp_layout_max_rows(&cut, 30) == 7, "%zu", lp_layout_max_rows(&cut, 30));
    const lp_layout small = {4, 1, 2};   /* the equal tiles are the longest */
    CHECK(lp_layout_max_rows(&small, 30) == 10, "%zu", lp_layout_max_rows(&small, 30));
    CHECK(lp_layout_fits(0, 0, 0) && lp_layout_fits(2, 14, 29), "layouts that fit refused");
    CHECK(!lp_layout_fits(2, 15, 30) && !lp_layout_fits(1, 5, 0) && !lp_layout_fits(0, 5, 30) &&
              !lp_layout_fits(2, 0, 30),
          "a layout that leaves no row, or has no tile or no row in its tiles, accepted");
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
