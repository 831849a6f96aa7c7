/* The tile counts lp-starpu picks or tries without a measurement of its
 * own: the default formula (src/library/run.c) and the counts that end
 * CPU workers and accelerators together (lp_tiles_balanced, which
 * --calibrate adds to the counts it times), on the simulated H200 node's
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
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
