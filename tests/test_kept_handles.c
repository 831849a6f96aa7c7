/* The tiles stay registered with StarPU across the runs of a job (run.c),
 * and across lp_run calls on one lp_data with keep_tiles (kept.c): no run
 * may read what an earlier run left on a device.  Between runs (in the
 * progress callback), and between calls, the caller rewrites every input;
 * each kept run's every row must be that of the new input, on an
 * accelerator worker as on the CPU ones, and each timed run must move
 * every input row to the accelerator again, as a fresh registration
 * would.  A later call registers nothing, unless the tile count changed,
 * keep_tiles was not asked, or StarPU was stopped and started again in
 * between (lp_stop lets the kept tiles go; lp_data_free still works
 * after it). */
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

/* Rows of d->out not those of the inputs of seed `seed` (random data). */
static size_t rows_not_of(const lp_data *d, uint64_t seed, const char *name)
{
    lp_data expect = *d;
    static double want[3][ROWS];
    expect.x = want[0], expect.y = want[1], expect.z = want[2];
    expect.out = NULL;
    lp_data_fill(&expect, LP_DATA_RANDOM, seed);
    size_t bad = 0;
    for (size_t i = 0; i < ROWS; i++) {
        CHECK(d->x[i] == want[0][i], "%s: the test's own inputs differ at row %zu", name, i);
        long double ref = logl(want[0][i]) * logl(want[1][i]) * logl(want[2][i]);
        long double rel = fabsl((long double)d->out[i] - ref) / (ref != 0 ? fabsl(ref) : 1);
        if (!(rel <= 1e-12L) && bad++ < 3)
            CHECK(0, "%s: row %zu is %.17g, the new input's %.17Lg (a stale copy?)", name, i,
                  d->out[i], ref);
    }
    return bad;
}

/* Bytes the best run moved to an accelerator. */
static uint64_t to_accelerator(const lp_report *r)
{
    uint64_t bytes = 0;
    for (unsigned b = 0; b < r->nbuses; b++)
        if (strstr(r->buses[b].dst, "OpenCL") || strstr(r->buses[b].dst, "CUDA"))
            bytes += r->buses[b].bytes;
    return bytes;
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
    size_t bad = rows_not_of(d, 100 + 3, name);
    CHECK(bad == 0, "%s: %zu rows not from the last inputs", name, bad);
    /* Each timed run moved every input row to the accelerator (the best
     * run's counters), not only the first one. */
    if (backend != LP_BACKEND_CPU)
        CHECK(to_accelerator(&r) == 3ull * ROWS * sizeof(double),
              "%s: %llu bytes went to the accelerator in the best run, not %llu", name,
              (unsigned long long)to_accelerator(&r), 3ull * ROWS * sizeof(double));
    lp_report_free(&r);
}

/* One lp_run on d, the inputs of `seed` first; the handles it registered
 * (SIZE_MAX: it failed). */
static size_t call(lp_data *d, lp_backend backend, size_t tiles, int keep, uint64_t seed)
{
    const char *name = lp_backend_name(backend);
    lp_options opt;
    lp_options_init(&opt);
    opt.quiet = 1;
    opt.backend = backend;
    opt.tiles = tiles;
    opt.warmup = 0;
    opt.keep_tiles = keep;
    lp_data_fill(d, LP_DATA_RANDOM, seed);
    lp_report r;
    int ret = lp_run(&opt, d, &r);
    CHECK(ret == LP_OK, "%s, call on seed %llu: lp_run returned %d", name,
          (unsigned long long)seed, ret);
    if (ret != LP_OK)
        return SIZE_MAX;
    size_t bad = rows_not_of(d, seed, name);
    CHECK(bad == 0, "%s, call on seed %llu: %zu rows not from its inputs", name,
          (unsigned long long)seed, bad);
    if (backend != LP_BACKEND_CPU)
        CHECK(to_accelerator(&r) == 3ull * ROWS * sizeof(double),
              "%s, call on seed %llu: %llu bytes went to the accelerator, not %llu", name,
              (unsigned long long)seed, (unsigned long long)to_accelerator(&r),
              3ull * ROWS * sizeof(double));
    size_t registered = r.handles_registered;
    lp_report_free(&r);
    return registered;
}

static void check_calls(lp_data *d, lp_backend backend)
{
    const char *name = lp_backend_name(backend);
    static const struct {
        size_t tiles;
        int keep;
        size_t registered;   /* handles the call must register */
        const char *why;
    } calls[] = {
        {5, 1, 20, "the first call registers its tiles"},
        {5, 1, 0, "the next call on d reuses them"},
        {5, 1, 0, "and the one after"},
        {4, 1, 16, "another tile count registers anew"},
        {4, 1, 0, "and is kept in turn"},
        {4, 0, 16, "a call without keep_tiles registers (and lets go)"},
        {4, 1, 16, "so the next registers again"},
    };
    for (size_t c = 0; c < sizeof calls / sizeof *calls; c++) {
        size_t got = call(d, backend, calls[c].tiles, calls[c].keep, 300 + c);
        CHECK(got == calls[c].registered, "%s, call %zu: %zu handles registered, expected %zu (%s)",
              name, c, got, calls[c].registered, calls[c].why);
    }
    CHECK(d->kept != NULL, "%s: the kept tiles are gone", name);
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
    check_calls(&d, accel);
    check_calls(&d, LP_BACKEND_CPU);
    /* StarPU stopped with d's tiles kept: lp_stop lets them go, and after a
     * new start d's next call registers its own again. */
    lp_stop();
    if (lp_start(&opt) != LP_OK)
        return 1;
    size_t got = call(&d, accel, 5, 1, 400);
    CHECK(got == 20, "after a restart: %zu handles registered, expected 20", got);
    lp_stop();
    lp_data_free(&d);   /* after lp_stop, with tiles it kept before */
    printf("kept handles: %s\n", failures ? "FAILED" : "every run read the inputs of its time");
    return failures ? 1 : 0;
}
