/* --calibrate: run each kind of worker alone until the performance model
 * holds enough samples for this tile size on every rank, so that the
 * model-based schedulers (dmda and kin) decide by measured speed from the
 * first timed run on; and, where the tile count was left to lp-starpu,
 * measure which count runs fastest here (tile_choice.c keeps it). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "lp_starpu_advanced.h"
#include "tool.h"

#define LP_CALIBRATE_MAX_RUNS 50

/* The fewest samples any rank's model holds for kind b (-1: no rank has
 * such a worker, or no tile). */
static int fewest_samples(const lp_comm *c, const lp_report *r, lp_backend b)
{
    int64_t n = r->model_samples[b] < 0 ? INT64_MAX : r->model_samples[b];
    c->ops->reduce_i64(c, &n, 1, LP_REDUCE_MIN);
    return n == INT64_MAX ? -1 : (int)n;
}

/* base's options for a run of --calibrate's own: on backend b, repeat
 * timed runs after warmup, unverified (only the scheduled run that ends
 * --calibrate is) and without the progress line. */
static lp_options own_run(const lp_options *base, lp_backend b, int repeat, int warmup)
{
    lp_options opt = *base;
    opt.backend = b;
    opt.repeat = repeat;
    opt.warmup = warmup;
    opt.verify = 0;
    opt.progress = NULL;
    opt.progress_rows = NULL;
    return opt;
}

static int calibrate_backend(const lp_options *base, lp_tiles *ts, lp_backend b, FILE *out)
{
    lp_options opt = own_run(base, b, 1, 0);
    double best = 0;
    int samples = 0;
    for (int run = 0; run < LP_CALIBRATE_MAX_RUNS; run++) {
        lp_report r;
        int status = lp_run_tiles(&opt, ts, &r);
        if (status != LP_OK)
            return status;
        if (run == 0 || r.seconds < best)
            best = r.seconds;
        samples = fewest_samples(ts->comm, &r, b);
        lp_report_free(&r);
        if (samples >= LP_MODEL_MIN_SAMPLES)
            break;
    }
    if (out)
        fprintf(out, "  %-8s %4d samples per tile size   whole job alone: %.3f ms%s\n",
                lp_backend_name(b), samples, best * 1e3,
                samples >= LP_MODEL_MIN_SAMPLES ? "" : "   (not enough: the runs are too noisy)");
    return LP_OK;
}

/* The CPU code: measured again for the policies that run "auto", and the
 * implementations the model-based ones calibrate and choose from. */
static void cpu_code(FILE *out)
{
    if (lp_backend_workers(LP_BACKEND_CPU) == 0)
        return;
    double ns[LP_CPU_IMPL_MAX];
    for (unsigned i = 0; i < LP_CPU_IMPL_MAX; i++)
        ns[i] = -1;
    unsigned best = lp_cpu_impl_choose(1, ns);
    if (!out)
        return;
    fprintf(out, "  cpu code: ");
    if (lp_cpu_impl_forced()) {
        fprintf(out, "%s (--cpu-impl)\n", lp_cpu_impl_name(best));
        return;
    }
    for (unsigned i = 1, any = 0; i < lp_cpu_impl_count(); i++)
        if (ns[i] >= 0)
            fprintf(out, "%s%s %.2f", any++ ? ", " : "", lp_cpu_impl_name(i), ns[i]);
    fprintf(out, " ns per row (one thread, rows in cache); ");
    if (lp_cpu_impl_model_mode())
        fprintf(out, "%s chooses per worker from the models calibrated below\n", lp_sched_name());
    else
        fprintf(out, "%s runs %s, the fastest%s\n", lp_sched_name(), lp_cpu_impl_name(best),
                lp_cpu_impl_any() ? ""
                                  : " of those that give lp-starpu's bits (--cpu-impl any: of all)");
}

/* One per element type: float32's floor measured apart (seen: twice
 * float64's GB/s on one machine). */
static const char *floor_file(lp_dtype dtype)
{
    return dtype == LP_FLOAT32 ? "lp-starpu-memory-floor-f32" : "lp-starpu-memory-floor";
}

int lp_memory_floor_read(lp_dtype dtype, double *gbs, unsigned *ncpu, size_t *rows)
{
    char path[4300], line[256];
    if (lp_model_side_path(floor_file(dtype), path, sizeof path) != 0)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    *rows = 0;
    int ok = fgets(line, sizeof line, f) && sscanf(line, "%lf %u %zu", gbs, ncpu, rows) >= 2 &&
             *gbs > 0;
    fclose(f);
    return ok ? 0 : -1;
}

/* Rows enough for the floor to leave the caches on any machine measured. */
#define LP_FLOOR_ROWS 10000000

int lp_memory_floor_for(const lp_report *r, double *gbs, size_t *rows)
{
    unsigned ncpu;
    if (lp_memory_floor_read(r->dtype, gbs, &ncpu, rows) != 0 ||
        ncpu != lp_backend_workers(LP_BACKEND_CPU))
        return 0;
    return *rows >= (r->rows < LP_FLOOR_ROWS ? r->rows : LP_FLOOR_ROWS) ? 1 : -1;
}

/* out = x * y * z over the rows on every CPU worker: the bytes of the map
 * with no log.  One process only (ranks would share a machine's memory). */
static void memory_floor(lp_tiles *ts, FILE *out)
{
    unsigned ncpu = lp_backend_workers(LP_BACKEND_CPU);
    char path[4300], text[256];
    if (ts->comm->size > 1 || ts->streamed || ts->rows == 0 || ncpu == 0 ||
        lp_model_side_path(floor_file(ts->dtype), path, sizeof path) != 0)
        return;
    /* A floor over more rows is the truer one (fewer may sit in the caches):
     * a calibration of a smaller job keeps it. */
    double kept_gbs;
    unsigned kept_ncpu;
    size_t kept_rows;
    if (ts->rows < LP_FLOOR_ROWS &&
        lp_memory_floor_read(ts->dtype, &kept_gbs, &kept_ncpu, &kept_rows) == 0 &&
        kept_ncpu == ncpu && kept_rows > ts->rows) {
        if (out)
            fprintf(out, "  memory floor: kept the one measured over %zu rows, %.1f GB/s (these "
                    "%zu may sit in the caches)\n", kept_rows, kept_gbs, ts->rows);
        return;
    }
    double s = lp_memory_floor_seconds(ts, 7);
    if (!(s > 0))
        return;
    double gbs = (double)lp_bytes_needed(ts->rows, ts->dtype) / s * 1e-9;
    snprintf(text, sizeof text, "%.3f %u %zu\n# GB/s of out = x*y*z over %zu %s rows on %u CPU "
             "workers, best of 7 (GB/s, workers, rows)\n", gbs, ncpu, ts->rows, ts->rows,
             lp_dtype_name(ts->dtype), ncpu);
    lp_file_replace(path, text);
    if (out)
        fprintf(out, "  memory floor: x*y*z on the same %s rows, every CPU worker: %.3f ms, "
                "%.1f GB/s\n", lp_dtype_name(ts->dtype), s * 1e3, gbs);
}

/* Equal tiles by count, then the accelerators' layouts by their rows. */
static int layout_after(const lp_layout *a, const lp_layout *b)
{
    if (!a->accel != !b->accel)
        return a->accel != 0;
    if (!a->accel)
        return a->tiles > b->tiles;
    size_t ha = lp_layout_head(a), hb = lp_layout_head(b);
    return ha > hb || (ha == hb && a->tiles > b->tiles);
}

/* A layout as --calibrate prints it: 40, or 2x1600000+45. */
static void print_layout(FILE *out, const lp_layout *l)
{
    if (l->accel)
        fprintf(out, "%zux%zu+%zu", l->accel, l->accel_rows, l->tiles - l->accel);
    else
        fprintf(out, "%zu", l->tiles);
}

/* The tile counts the sweep tries: multiples of the workers (a round each,
 * two, four...), tiles of LP_TILE_ROWS rows, the formula's count and the
 * run's, and where accelerators were timed (tile_s) the counts that end
 * both kinds together after 2, 3 or 4 rounds of the CPU workers, each
 * also with one tile fewer for the accelerators (lp_tiles_balanced): on a
 * CPU+GPU node the best counts are none of the others (simulated H200:
 * 40 tiles, 2 rounds of the 15 CPU workers and 10 GPU tiles, 2.16 ms; the
 * formula's 64, 2.72 ms; docs/scheduling.md); and there, for policies
 * that place tiles by the model, big tiles first for the accelerators
 * (lp_accel_layout, at 1, 1.1, 1.2 and 1.3 times the share their times
 * give them; simulated H200: 2 tiles of 1556831 rows and 60 of the rest,
 * 1.99 ms).  Within what the rows allow; sorted, each once.  Their number
 * (at most LP_TILE_CANDIDATES). */
#define LP_TILE_CANDIDATES 20
#define LP_ACCEL_STRETCHES 4
static size_t tile_candidates(size_t rows, unsigned workers, const lp_layout *current,
                              const unsigned kinds[LP_BACKEND_COUNT],
                              const double tile_s[LP_BACKEND_COUNT], lp_layout *c)
{
    size_t n = 0, most = rows / LP_MIN_TILE_ROWS ? rows / LP_MIN_TILE_ROWS : 1;
    const size_t fixed[] = {
        workers, 2 * (size_t)workers, 4 * (size_t)workers, 8 * (size_t)workers,
        16 * (size_t)workers, (rows + LP_TILE_ROWS - 1) / LP_TILE_ROWS,
        lp_default_tiles_for(rows, workers)};
    _Static_assert(sizeof fixed / sizeof *fixed + 1 + 3 * 2 + LP_ACCEL_STRETCHES <=
                       LP_TILE_CANDIDATES, "room for the run's layout, balanced and accelerators'");
    lp_layout want[LP_TILE_CANDIDATES];
    size_t wants = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        want[wants++] = (lp_layout){fixed[i], 0, 0};
    want[wants++] = *current;
    for (unsigned rounds = 2; rounds <= 4; rounds++)
        for (unsigned short_by = 0; short_by <= 1; short_by++)
            want[wants++] = (lp_layout){lp_tiles_balanced(rounds, kinds, tile_s, short_by), 0, 0};
    for (int s = 0; s < LP_ACCEL_STRETCHES && lp_sched_uses_model(lp_sched_name()); s++)
        want[wants++] = lp_accel_layout(rows, kinds, tile_s, 1.0 + 0.1 * s);
    for (size_t i = 0; i < wants; i++) {
        lp_layout t = want[i];
        if (!t.tiles)
            continue;   /* no accelerators' layout */
        if (!t.accel)
            t.tiles = lp_tiles_clamp(t.tiles > most ? most : t.tiles, rows);
        size_t k = n;
        while (k > 0 && layout_after(&c[k - 1], &t))
            k--;
        if (k > 0 && lp_layout_same(&c[k - 1], &t))
            continue;
        memmove(c + k + 1, c + k, (n - k) * sizeof *c);
        c[k] = t;
        n++;
    }
    return n;
}

/* A tile's time on one worker of each kind, each kind alone on ts's tiles
 * (median of 3 runs after one): a CPU worker's is a round's, an
 * accelerator's the tiles' throughput (its copies overlap its kernels).
 * 0 for a kind with no worker; only where an accelerator exists (a
 * CPU-only machine needs none).  LP_OK or the first failure. */
static int tile_seconds_alone(const lp_options *base, lp_tiles *ts,
                              const unsigned kinds[LP_BACKEND_COUNT],
                              double tile_s[LP_BACKEND_COUNT])
{
    int accelerators = 0;
    for (int b = LP_BACKEND_CPU + 1; b < LP_BACKEND_COUNT; b++)
        accelerators |= kinds[b] > 0;
    for (int b = LP_BACKEND_CPU; b < LP_BACKEND_COUNT; b++) {
        tile_s[b] = 0;
        if (!accelerators || !kinds[b] || !kinds[LP_BACKEND_CPU])
            continue;
        lp_options opt = own_run(base, (lp_backend)b, 3, 1);
        lp_report r;
        int status = lp_run_tiles(&opt, ts, &r);
        if (status != LP_OK)
            return status;
        size_t per_worker = (ts->tiles + kinds[b] - 1) / kinds[b];
        tile_s[b] = b == LP_BACKEND_CPU ? r.median_seconds / (double)per_worker
                                        : r.median_seconds * kinds[b] / (double)ts->tiles;
        lp_report_free(&r);
    }
    return LP_OK;
}

/* The tiles' median time, scheduled on every worker, after calibrating the
 * model for them (so that dmda and kin decide by speed): < 0 on failure. */
static double time_tiles(const lp_options *base, lp_tiles *ts, const lp_layout *l)
{
    lp_tiles v;
    if (lp_tiles_view(&v, &ts->whole, l) != LP_OK)
        return -1;
    double median = -1;
    int status = LP_OK;
    for (int b = LP_BACKEND_CPU; b < LP_BACKEND_COUNT && status == LP_OK; b++)
        if (lp_backend_workers((lp_backend)b) > 0)
            status = calibrate_backend(base, &v, (lp_backend)b, NULL);
    lp_options opt = own_run(base, LP_BACKEND_AUTO, 5, 1);
    lp_report r;
    if (status == LP_OK && lp_run_tiles(&opt, &v, &r) == LP_OK) {
        median = r.median_seconds;
        lp_report_free(&r);
    }
    lp_tiles_free(&v);
    return median;
}

/* A default run's tile count, measured: the fastest of the candidates
 * (median of 5 scheduled runs each) is kept beside the models for this
 * job's shape, if it beats the count the run had by 3% (less is noise).
 * One process holding every row only: a rank's tiles depend on the others. */
static int tile_count(const lp_options *opt, lp_tiles *ts, FILE *out)
{
    unsigned workers = lp_backend_workers(LP_BACKEND_AUTO);
    if (ts->comm->size > 1 || ts->streamed || workers == 0 || !ts->whole.rows)
        return LP_OK;
    unsigned kinds[LP_BACKEND_COUNT];
    double tile_s[LP_BACKEND_COUNT];
    for (int b = 0; b < LP_BACKEND_COUNT; b++)
        kinds[b] = b == LP_BACKEND_AUTO ? 0 : lp_backend_workers((lp_backend)b);
    /* Timed alone on equal tiles: the run's may be an accelerators' layout
     * an earlier --calibrate chose, whose tiles are not one size. */
    lp_tiles equal_view, *alone = ts;
    const lp_layout equal_tiles = {ts->tiles, 0, 0};
    if (ts->accel) {
        if (lp_tiles_view(&equal_view, &ts->whole, &equal_tiles) != LP_OK)
            return LP_ERR_RUNTIME;
        alone = &equal_view;
    }
    int status = tile_seconds_alone(opt, alone, kinds, tile_s);
    if (alone != ts)
        lp_tiles_free(&equal_view);
    if (status != LP_OK)
        return status;
    lp_layout cand[LP_TILE_CANDIDATES], fastest = {0, 0, 0}, run = lp_tiles_layout(ts);
    lp_layout equal = {0, 0, 0};   /* the fastest equal tiles, for the other policies */
    double equal_ms = 0;
    size_t n = tile_candidates(ts->rows, workers, &run, kinds, tile_s, cand);
    if (out && tile_s[LP_BACKEND_CPU] > 0) {
        fprintf(out, "  one tile (of %zu) on one worker of each kind, the kind alone "
                "(median of 3):", ts->tiles);
        for (int b = LP_BACKEND_CPU; b < LP_BACKEND_COUNT; b++)
            if (tile_s[b] > 0)
                fprintf(out, "%s %s %.3f ms", b == LP_BACKEND_CPU ? "" : ",",
                        lp_backend_name((lp_backend)b), tile_s[b] * 1e3);
        fprintf(out, "\n");
    }
    double fastest_ms = 0, current_ms = 0;   /* the run's count is one of cand */
    if (out)
        fprintf(out, "  tiles: median of 5 scheduled runs:");
    for (size_t i = 0; i < n; i++) {
        double ms = time_tiles(opt, ts, &cand[i]) * 1e3;
        if (lp_stop_requested())
            return LP_ERR_INTERRUPTED;
        if (ms < 0)
            return LP_ERR_RUNTIME;
        if (lp_layout_same(&cand[i], &run))
            current_ms = ms;
        if (i == 0 || ms < fastest_ms) {
            fastest = cand[i];
            fastest_ms = ms;
        }
        if (!cand[i].accel && (!equal.tiles || ms < equal_ms)) {
            equal = cand[i];
            equal_ms = ms;
        }
        if (out) {
            fprintf(out, "%s ", i ? "," : "");
            print_layout(out, &cand[i]);
            fprintf(out, " %.3f ms", ms);
        }
    }
    lp_layout best = fastest_ms < 0.97 * current_ms ? fastest : run;
    if (lp_tiles_choose(ts->rows, ts->dtype, opt->intensity, workers, lp_sched_name(), &best,
                        &equal) != 0) {
        if (out)
            fprintf(out, "\n");
        fprintf(stderr, "lp-starpu: --calibrate: cannot keep the tile count beside the models\n");
        return LP_ERR_RUNTIME;
    }
    if (out) {
        fprintf(out, "; ");
        print_layout(out, &best);
        fprintf(out, " from now on for %zu %s rows on %u workers", ts->rows,
                lp_dtype_name(ts->dtype), workers);
        if (best.accel)
            fprintf(out, " under %s, %zu under other policies", lp_sched_name(), equal.tiles);
        fprintf(out, "\n");
        if (lp_layout_same(&best, &run))
            fprintf(out, "  (none beat it by 3%%)\n");
    }
    return LP_OK;
}

int lp_calibrate(const lp_options *opt, lp_tiles *ts, FILE *out)
{
    const lp_comm *c = ts->comm;
    const char *dir = getenv("STARPU_PERF_MODEL_DIR");
    if (out)
        fprintf(out, "calibrating lp_logprod: %zu rows in %zu tiles, intensity %u; models in %s%s\n",
                ts->rows, ts->tiles, opt->intensity, dir ? dir : "$STARPU_HOME/.starpu/sampling",
                c->size > 1 ? " (each rank's own)" : "");
    cpu_code(out);
    for (int b = LP_BACKEND_CPU; b < LP_BACKEND_COUNT; b++) {
        /* A kind every rank has: the runs are collective. */
        int64_t have = lp_backend_workers((lp_backend)b) > 0;
        c->ops->reduce_i64(c, &have, 1, LP_REDUCE_MIN);
        if (!have)
            continue;
        int status = calibrate_backend(opt, ts, (lp_backend)b, out);
        if (status != LP_OK)
            return status;
    }
    memory_floor(ts, out);
    lp_options sched = *opt;
    sched.backend = LP_BACKEND_AUTO;
    sched.progress = NULL;
    sched.progress_rows = NULL;
    lp_report r;
    int status = lp_run_tiles(&sched, ts, &r);
    if (status == LP_ERR_VERIFY) {
        if (out)
            fprintf(stderr, "lp-starpu: --verify failed (scheduled run): row %zu has relative "
                    "error %.3g > %g\n", r.worst_row, r.max_rel_error, lp_verify_tolerance(r.dtype));
        lp_report_free(&r);
    }
    if (status != LP_OK)
        return status;
    unsigned per_kind[LP_BACKEND_COUNT] = {0};
    for (unsigned w = 0; w < r.nworkers; w++)
        per_kind[r.workers[w].kind] += r.workers[w].tasks;
    int64_t tasks[LP_BACKEND_COUNT];
    for (int k = 0; k < LP_BACKEND_COUNT; k++)
        tasks[k] = per_kind[k];
    c->ops->reduce_i64(c, tasks, LP_BACKEND_COUNT, LP_REDUCE_SUM);
    if (out) {
        fprintf(out, "  then %s on every worker: %.3f ms;", r.sched, r.seconds * 1e3);
        for (int k = LP_BACKEND_CPU; k < LP_BACKEND_COUNT; k++)
            if (lp_backend_workers((lp_backend)k))
                fprintf(out, " %s %lld tasks", lp_backend_name((lp_backend)k), (long long)tasks[k]);
        fprintf(out, "\n");
        if (r.verified)
            fprintf(out, "  verify: max relative error %.3g (row %zu), tolerance %g\n",
                    r.max_rel_error, r.worst_row, lp_verify_tolerance(r.dtype));
    }
    lp_report_free(&r);
    if (!opt->tiles && !opt->tile_rows && !opt->accel_tiles)   /* the user's, else measured */
        return tile_count(opt, ts, out);
    return LP_OK;
}

void lp_model_notice(const lp_report *r)
{
    if (!lp_sched_uses_model(r->sched) || r->tiles == 0)
        return;
    char kinds[128] = "";
    for (int k = LP_BACKEND_CPU; k < LP_BACKEND_COUNT; k++) {
        int n = r->model_samples[k];
        if (n < 0 || n >= LP_MODEL_MIN_SAMPLES ||
            (r->backend != LP_BACKEND_AUTO && r->backend != (lp_backend)k))
            continue;
        size_t used = strlen(kinds);
        snprintf(kinds + used, sizeof kinds - used, "%s%s %d", used ? ", " : "",
                 lp_backend_name((lp_backend)k), n);
    }
    if (kinds[0] && lp_simulated())   /* a capture's model: nothing here calibrates it */
        fprintf(stderr, "lp-starpu: note: the capture's model holds too few samples for these "
                "tiles (samples: %s; %d needed), so %s placed tasks to measure them, not by "
                "speed: --calibrate with these tiles on the real machine, then capture it "
                "again\n", kinds, LP_MODEL_MIN_SAMPLES, r->sched);
    else if (kinds[0])
        fprintf(stderr, "lp-starpu: note: the performance model is not calibrated for these "
                "tiles (samples: %s; %d needed), so %s placed tasks to measure them, not by "
                "speed: run with --calibrate first, or repeat the run\n",
                kinds, LP_MODEL_MIN_SAMPLES, r->sched);
}
