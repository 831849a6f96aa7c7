/* The tiles stay registered with StarPU across the runs of a job (run.c):
 * no run may read what an earlier run left on a device.  Between runs (in
 * the progress callback) the caller rewrites every input; the last run's
 * every row must be that of the new input, on an accelerator worker as on
 * the CPU ones, and each timed run must move every input row to the
 * accelerator again, as a fresh registration would. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lp_starpu.h"

#include "support/accelerator.h"
#include "support/check.h"

#define ROWS 100003

/* After run `done`, the inputs become those of seed 100 + done. */
static void rewrite_inputs(void *arg, int done, int total)
{
    lp_data *d = arg;
    if (done < total)
        lp_data_fill(d, LP_DATA_RANDOM, 100 + (uint64_t)done);
}

static void check_backend(lp_data *d, lp_backend backend)
{
    const char *name = lp_backend_name(backend);
    lp_options opt;
    lp_options_init(&opt);
    opt.quiet = 1;
    opt.backend = backend;
    opt.tiles = 5;
    opt.warmup = 1;
    opt.repeat = 3;
    opt.progress = rewrite_inputs;
    opt.progress_arg = d;
    lp_data_fill(d, LP_DATA_SEED, 0);
    lp_report r;
    int ret = lp_run(&opt, d, &r);
    CHECK(ret == LP_OK, "%s: lp_run returned %d", name, ret);
    if (ret != LP_OK)
        return;
    /* The last run read the inputs written after the one before it. */
    lp_data expect = *d;
    static double want[3][ROWS];
    expect.x = want[0], expect.y = want[1], expect.z = want[2];
    expect.out = NULL;
    lp_data_fill(&expect, LP_DATA_RANDOM, 100 + 3);
    size_t bad = 0;
    for (size_t i = 0; i < ROWS; i++) {
        CHECK(d->x[i] == want[0][i], "%s: the test's own inputs differ at row %zu", name, i);
        long double ref = logl(want[0][i]) * logl(want[1][i]) * logl(want[2][i]);
        long double rel = fabsl((long double)d->out[i] - ref) / (ref != 0 ? fabsl(ref) : 1);
        if (!(rel <= 1e-12L) && bad++ < 3)
            CHECK(0, "%s: row %zu is %.17g, the new input's %.17Lg (a stale copy?)", name, i,
                  d->out[i], ref);
    }
    CHECK(bad == 0, "%s: %zu rows not from the last inputs", name, bad);
    /* Each timed run moved every input row to the accelerator (the best
     * run's counters), not only the first one. */
    if (backend != LP_BACKEND_CPU) {
        uint64_t to_device = 0;
        for (unsigned b = 0; b < r.nbuses; b++)
            if (strstr(r.buses[b].dst, "OpenCL") || strstr(r.buses[b].dst, "CUDA"))
                to_device += r.buses[b].bytes;
        CHECK(to_device == 3ull * ROWS * sizeof(double),
              "%s: %llu bytes went to the accelerator in the best run, not %llu", name,
              (unsigned long long)to_device, 3ull * ROWS * sizeof(double));
    }
    lp_report_free(&r);
}

int main(void)
{
    lp_options opt;
    lp_options_init(&opt);
    opt.sched = "dmda";
    if (lp_start(&opt) != LP_OK)
        return 1;
    int without = lp_test_without_accelerator();
    if (without)
        return without;
    lp_backend accel = lp_backend_workers(LP_BACKEND_CUDA) ? LP_BACKEND_CUDA : LP_BACKEND_OPENCL;
    lp_data d;
    if (lp_data_alloc(&d, ROWS, LP_FLOAT64) != LP_OK)
        return 1;
    check_backend(&d, accel);
    check_backend(&d, LP_BACKEND_CPU);
    lp_data_free(&d);
    lp_stop();
    printf("kept handles: %s\n", failures ? "FAILED" : "every run read the inputs of its time");
    return failures ? 1 : 0;
}
