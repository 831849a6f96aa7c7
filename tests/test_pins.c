/* lp_pin's ranges (pins.c): recorded before StarPU starts, pinned exactly
 * when StarPU has a CUDA worker, refused when they overlap another, ended
 * by lp_unpin (once), valid across lp_stop.  A run on columns inside a
 * range pins none of them itself (nothing to unpin at lp_data_free); a run
 * on other columns pins them when a CUDA worker may take tiles, never
 * for a CPU run.  Without a CUDA worker (this test's machine in CI)
 * nothing is pinned and the test says so; on a GPU machine the same test
 * checks the pinning itself. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lp_starpu.h"

#include "support/check.h"

#define ROWS 50000
#define COLUMN (ROWS * sizeof(double))

static void check_status(int got, int want, const char *what)
{
    CHECK(got == want, "%s: status %d (%s), expected %d; lp_last_error: %s", what, got,
          lp_strerror(got), want, lp_last_error());
}

/* Four columns of seed rows in one block, run with `backend`; returns
 * the columns that run pinned itself (lp_data.pinned's low bits). */
static int run_on(double *block, lp_backend backend, const char *what)
{
    lp_data d;
    check_status(lp_data_wrap(&d, ROWS, LP_FLOAT64, block, block + ROWS, block + 2 * ROWS,
                              block + 3 * ROWS),
                 LP_OK, what);
    lp_data_fill(&d, LP_DATA_SEED, 0);
    lp_options opt;
    lp_options_init(&opt);
    opt.backend = backend;
    opt.tiles = 4;
    /* Kept as the Python module keeps them; every row verified against the
     * long-double reference. */
    opt.quiet = opt.keep_tiles = opt.verify = 1;
    lp_report r;
    int status = lp_run(&opt, &d, &r);
    check_status(status, LP_OK, what);
    /* The seed's rows, log(i)^3 for i = 1..ROWS: Python's math.fsum gives
     * 48718707.458151504. */
    if (status == LP_OK || status == LP_ERR_VERIFY) {
        CHECK(fabs(r.checksum - 48718707.458151504) < 1e-6, "%s: checksum %.17g", what,
              r.checksum);
        lp_report_free(&r);
    }
    int pinned = d.pinned & 0xf;
    lp_data_free(&d);
    CHECK(d.pinned == 0, "%s: lp_data_free left pinned bits %#x", what, (unsigned)d.pinned);
    return pinned;
}

int main(void)
{
    /* Four columns and a page after them (aligned_alloc: whole pages). */
    size_t bytes = (4 * COLUMN / 4096 + 2) * 4096;
    double *block = aligned_alloc(4096, bytes);
    double *other = aligned_alloc(4096, bytes);
    if (!block || !other)
        return 1;
    int pinned = -1;

    /* Bad ranges. */
    check_status(lp_pin(NULL, COLUMN, &pinned), LP_ERR_USAGE, "lp_pin(NULL)");
    check_status(lp_pin(block, 0, &pinned), LP_ERR_USAGE, "lp_pin of no bytes");
    CHECK(pinned == 0, "a refused lp_pin said pinned=%d", pinned);
    check_status(lp_pin(block, SIZE_MAX, NULL), LP_ERR_USAGE, "lp_pin past the address space");
    CHECK(strstr(lp_last_error(), "address space") != NULL, "lp_last_error: %s",
          lp_last_error());
    check_status(lp_unpin(block), LP_ERR_USAGE, "lp_unpin of a range never pinned");

    /* Before lp_start: recorded, nothing pinned. */
    pinned = -1;
    check_status(lp_pin(block, 4 * COLUMN, &pinned), LP_OK, "lp_pin before lp_start");
    CHECK(pinned == 0, "pinned=%d before StarPU started", pinned);
    CHECK(!lp_pinned(block, COLUMN), "lp_pinned before StarPU started");
    check_status(lp_pin(block + 1, COLUMN, NULL), LP_ERR_USAGE, "a range inside another");
    CHECK(strstr(lp_last_error(), "overlaps") != NULL, "lp_last_error: %s", lp_last_error());
    check_status(lp_pin(block + 4 * ROWS - 1, COLUMN, NULL), LP_ERR_USAGE,
                 "a range across another's end");
    check_status(lp_pin((char *)block + 4 * COLUMN, 4096, NULL), LP_OK,
                 "the range just after another");
    check_status(lp_unpin((char *)block + 4 * COLUMN), LP_OK, "its lp_unpin");

    lp_options opt;
    lp_options_init(&opt);
    opt.sched = "dmda";
    if (lp_start(&opt) != LP_OK)
        return 1;
    int cuda = lp_backend_workers(LP_BACKEND_CUDA) > 0;
    if (!cuda)
        printf("pins: no CUDA worker here: ranges recorded, none pinned\n");

    /* The same range again: pinned now if a CUDA worker exists. */
    pinned = -1;
    check_status(lp_pin(block, 4 * COLUMN, &pinned), LP_OK, "lp_pin after lp_start");
    CHECK(pinned == cuda, "pinned=%d with %d CUDA workers", pinned,
          lp_backend_workers(LP_BACKEND_CUDA));
    CHECK(lp_pinned(block + ROWS, COLUMN) == cuda, "lp_pinned of a column inside: %d",
          lp_pinned(block + ROWS, COLUMN));
    CHECK(!lp_pinned(block + ROWS, 4 * COLUMN), "lp_pinned of bytes past the range");

    /* Columns inside the range: no run pins them itself. */
    CHECK(run_on(block, LP_BACKEND_AUTO, "auto, inside lp_pin") == 0,
          "a run pinned columns lp_pin holds");
    /* Other columns: pinned by a run that may use a CUDA worker only. */
    int by_run = run_on(other, LP_BACKEND_AUTO, "auto, own columns");
    CHECK(by_run == (cuda ? 0xf : 0), "an auto run pinned columns %#x", (unsigned)by_run);
    by_run = run_on(other, LP_BACKEND_CPU, "cpu, own columns");
    CHECK(by_run == 0, "a CPU run pinned columns %#x", (unsigned)by_run);

    /* Across lp_stop: still pinned, and ended once. */
    lp_stop();
    CHECK(lp_pinned(block, COLUMN) == cuda, "after lp_stop: lp_pinned %d",
          lp_pinned(block, COLUMN));
    check_status(lp_unpin(block), LP_OK, "lp_unpin after lp_stop");
    CHECK(!lp_pinned(block, COLUMN), "lp_pinned after lp_unpin");
    check_status(lp_unpin(block), LP_ERR_USAGE, "a second lp_unpin");
    free(block);
    free(other);
    printf("pins: %s\n", failures ? "FAILED" : "ranges recorded, pinned and ended as asked");
    return failures ? 1 : 0;
}
