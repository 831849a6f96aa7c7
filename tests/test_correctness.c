/* Correctness of every row against a scalar reference, for each size and
 * tile count the issue names, under one StarPU scheduling policy:
 *   test_correctness POLICY     run the checks under POLICY
 *   test_correctness --list     print every policy lp-starpu can run: StarPU's
 *                               and its own (CTest makes one test per line) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "lp_starpu.h"

#include "support/accelerator.h"
#include "support/check.h"

static void check_one(lp_data *d, size_t rows, size_t tiles, lp_data_kind kind)
{
    lp_options opt;
    lp_options_init(&opt);
    opt.tiles = tiles;
    opt.quiet = 1;
    lp_data sub = *d;   /* the first `rows` rows of the big buffers */
    sub.rows = rows;
    lp_data_fill(&sub, kind, 7);
    for (size_t i = 0; i < rows; i++)
        sub.out[i] = NAN;   /* a row that no task writes stays NaN */

    lp_report r;
    int ret = lp_run(&opt, &sub, &r);
    CHECK(ret == LP_OK, "lp_run(rows=%zu, tiles=%zu) returned %d", rows, tiles, ret);
    if (ret != LP_OK)
        return;

    size_t expect_tiles = tiles < rows ? tiles : rows;
    CHECK(r.tiles == expect_tiles, "rows=%zu tiles=%zu: report has %zu tiles", rows, tiles,
          r.tiles);
    /* Each row against its own long-double reference (not the library's
     * checker): a row no task wrote is NaN and fails too. */
    size_t bad = 0;
    for (size_t i = 0; i < rows; i++) {
        long double ref = logl(sub.x[i]) * logl(sub.y[i]) * logl(sub.z[i]);
        long double rel = fabsl((long double)sub.out[i] - ref) / (ref != 0 ? fabsl(ref) : 1);
        if (!(rel <= 1e-12L) && bad++ < 3)
            CHECK(0, "rows=%zu tiles=%zu: row %zu: %.17g, reference %.17Lg", rows, tiles, i,
                  sub.out[i], ref);
    }
    CHECK(bad == 0, "rows=%zu tiles=%zu: %zu rows beyond 1e-12", rows, tiles, bad);

    /* Every tile ran exactly once, and the rows add up. */
    size_t tasks = 0, done_rows = 0;
    for (unsigned w = 0; w < r.nworkers; w++) {
        tasks += r.workers[w].tasks;
        done_rows += r.workers[w].rows;
    }
    CHECK(tasks == r.tiles, "rows=%zu tiles=%zu: workers ran %zu tasks", rows, tiles, tasks);
    CHECK(done_rows == rows, "rows=%zu tiles=%zu: workers did %zu rows", rows, tiles, done_rows);

    /* The checksum is that of the scalar reference, to rounding. */
    double ref = 0, mag = 0;
    for (size_t i = 0; i < rows; i++) {
        double v = log(sub.x[i]) * log(sub.y[i]) * log(sub.z[i]);
        ref += v;
        mag += fabs(v);
    }
    CHECK(fabs(r.checksum - ref) <= 1e-12 * mag + 1e-300,
          "rows=%zu tiles=%zu: checksum %.17g, reference %.17g", rows, tiles, r.checksum, ref);
    lp_report_free(&r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s POLICY | --list\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "--list") == 0) {
        const char *name;
        for (int i = 0; (name = lp_sched_nth(i)); i++)
            printf("%s\n", name);
        return 0;
    }

    lp_options opt;
    lp_options_init(&opt);
    opt.sched = argv[1];
    if (lp_start(&opt) != LP_OK)
        return 1;
    /* The point is a CPU and an accelerator worker together. */
    int without = lp_test_without_accelerator();
    if (without)
        return without;
    CHECK(strcmp(lp_sched_name(), argv[1]) == 0, "StarPU runs %s, not %s", lp_sched_name(),
          argv[1]);

    static const size_t sizes[] = {0, 1, 2, 7, 1000003};
    static const size_t tile_counts[] = {1, 3, 64};
    lp_data d;
    if (lp_data_alloc(&d, 1000003, LP_FLOAT64) != LP_OK)
        return 1;
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
        for (size_t t = 0; t < sizeof tile_counts / sizeof *tile_counts; t++) {
            check_one(&d, sizes[s], tile_counts[t], LP_DATA_RANDOM);
            check_one(&d, sizes[s], tile_counts[t], LP_DATA_SEED);
        }
    lp_data_free(&d);
    lp_stop();
    printf("%s: %s\n", argv[1], failures ? "FAILED" : "all rows within 1e-12 of the reference");
    return failures ? 1 : 0;
}
