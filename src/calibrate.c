/* --calibrate: run each kind of worker alone until the performance model
 * holds enough samples for this tile size on every rank, so that the
 * model-based schedulers (dmda and kin) decide by measured speed from the
 * first timed run on. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "logprod.h"
#include "tiles.h"
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

static int calibrate_backend(const lp_options *base, lp_tiles *ts, lp_backend b, FILE *out)
{
    lp_options opt = *base;
    opt.backend = b;
    opt.repeat = 1;
    opt.warmup = 0;
    opt.verify = 0;   /* only the scheduled run that ends --calibrate */
    opt.progress = NULL;
    opt.progress_rows = NULL;
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

int lp_memory_floor_for(const lp_report *r, double *gbs, size_t *rows)
{
    unsigned ncpu;
    if (lp_memory_floor_read(r->dtype, gbs, &ncpu, rows) != 0 ||
        ncpu != lp_backend_workers(LP_BACKEND_CPU))
        return 0;
    enum { ENOUGH = 10000000 };
    return *rows >= (r->rows < ENOUGH ? r->rows : ENOUGH) ? 1 : -1;
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
    double s = lp_memory_floor_seconds(ts, 7);
    if (!(s > 0))
        return;
    double gbs = (double)lp_bytes_needed(ts->rows, ts->dtype) / s * 1e-9;
    snprintf(text, sizeof text, "%.3f %u %zu\n# GB/s of out = x*y*z over %zu %s rows on %u CPU "
             "workers, best of 7 (GB/s, workers, rows)\n", gbs, ncpu, ts->rows, ts->rows,
             lp_dtype_name(ts->dtype), ncpu);
    lp_model_side_write(path, text);
    if (out)
        fprintf(out, "  memory floor: x*y*z on the same %s rows, every CPU worker: %.3f ms, "
                "%.1f GB/s\n", lp_dtype_name(ts->dtype), s * 1e3, gbs);
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
    return LP_OK;
}

static int model_based(const char *sched)
{
    return strncmp(sched, "dm", 2) == 0 || strstr(sched, "heft") || strstr(sched, "heteroprio") ||
           strcmp(sched, LP_EFT_POLICY_NAME) == 0;
}

void lp_model_notice(const lp_report *r)
{
    if (!model_based(r->sched) || r->tiles == 0)
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
    if (kinds[0])
        fprintf(stderr, "lp-starpu: note: the performance model is not calibrated for these "
                "tiles (samples: %s; %d needed), so %s placed tasks to measure them, not by "
                "speed: run with --calibrate first, or repeat the run\n",
                kinds, LP_MODEL_MIN_SAMPLES, r->sched);
}
