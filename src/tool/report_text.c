/* The human-readable report. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

extern char **environ;

static double rows_per_s(const lp_report *r)
{
    return r->seconds > 0 ? (double)r->rows / r->seconds : 0;
}

/* Bytes the map must touch: three columns read, one written. */
static double effective_gbs(const lp_report *r)
{
    return r->seconds > 0 ? (double)lp_bytes_needed(r->rows, r->dtype) / r->seconds * 1e-9 : 0;
}

static void print_workers(FILE *f, const lp_report *r)
{
    fprintf(f, "\n  %-40s %-7s %7s %12s %10s %10s %7s  %s\n", "worker", "kind", "tasks", "rows",
            "busy ms", "model ms", "rows %", "impl");
    for (unsigned w = 0; w < r->nworkers; w++) {
        const lp_worker_stats *s = &r->workers[w];
        char model[16] = "-";   /* the policy predicted nothing (or not all) */
        if (isfinite(s->predicted_ms))
            snprintf(model, sizeof model, "%.2f", s->predicted_ms);
        fprintf(f, "  %-40.40s %-7s %7u %12zu %10.2f %10s %6.1f%%  %s\n", s->name,
                lp_backend_name(s->kind), s->tasks, s->rows, s->busy_ms, model,
                r->rows ? 100.0 * (double)s->rows / (double)r->rows : 0.0,
                s->impl[0] ? s->impl : "-");
    }
}

static void print_buses(FILE *f, const lp_report *r)
{
    int any = 0;
    for (unsigned b = 0; b < r->nbuses; b++) {
        const lp_bus_stats *s = &r->buses[b];
        char buf[32];
        if (!any++)
            fprintf(f, "\n  %-34s %12s %10s %10s %7s\n", "bus", "bytes", "transfers", "model ms",
                    "busy %");
        char name[80], busy[16] = "-";
        snprintf(name, sizeof name, "%s -> %s", s->src, s->dst);
        if (isfinite(s->model_seconds) && r->seconds > 0)
            snprintf(busy, sizeof busy, "%.0f", 100 * s->model_seconds / r->seconds);
        fprintf(f, "  %-34s %12s %10u %10.3f %7s\n", name,
                lp_format_bytes((double)s->bytes, buf, sizeof buf), s->transfers,
                s->model_seconds * 1e3, busy);
    }
    if (!any)
        fprintf(f, "\n  buses: none (one memory node: all workers share host RAM)\n");
}

/* Accelerators' memory (host RAM holds the rows, which StarPU does not
 * count): what was in use at most, of what StarPU may use there. */
static void print_device_memory(FILE *f, const lp_report *r)
{
    for (unsigned w = 0; w < r->nworkers; w++) {
        const lp_worker_stats *s = &r->workers[w];
        char peak[32], total[32];
        if (s->kind == LP_BACKEND_CPU || s->mem_total_bytes < 0)
            continue;
        fprintf(f, "  memory of %s: at most %s in use as tasks ended, of %s\n", s->name,
                lp_format_bytes((double)s->mem_peak_bytes, peak, sizeof peak),
                lp_format_bytes((double)s->mem_total_bytes, total, sizeof total));
    }
}

static void print_ranks(FILE *f, const lp_report_context *ctx)
{
    char rd[32], wr[32], rss[32];
    fprintf(f, "\n  MPI ranks (%s distribution; each rank reads or makes, runs and writes the "
               "tiles it owns: no row crosses MPI; the run's time is the slowest rank's)\n",
            ctx->distribution);
    fprintf(f, "  %4s %-20s %7s %6s %6s %11s %10s %10s %10s %10s %10s\n", "rank", "host",
            "workers", "tiles", "tasks", "rows", "busy ms", "own ms", "read", "written",
            "peak RSS");
    for (int r = 0; r < ctx->nranks; r++) {
        const lp_rank_stats *s = &ctx->ranks[r];
        fprintf(f, "  %4d %-20.20s %7u %6zu %6zu %11zu %10.2f %10.3f %10s %10s %10s%s\n",
                s->rank, s->host, s->nworkers, s->tiles, s->tasks, s->rows, s->busy_ms,
                s->seconds * 1e3, lp_format_bytes((double)s->io.read_bytes, rd, sizeof rd),
                lp_format_bytes((double)s->io.write_bytes, wr, sizeof wr),
                lp_format_bytes((double)s->peak_rss_bytes, rss, sizeof rss),
                s->tiles ? "" : "  (idle: no tile)");
    }
}

/* Files and memory: what was read and written, at what rate, and the most
 * memory a process held. */
static void print_io(FILE *f, const lp_report_context *ctx)
{
    char b[32], w[32];
    const lp_rank_io *io = &ctx->io;
    if (ctx->streamed)
        fprintf(f, "streamed    through a window of %s per process: read, compute and write "
                "tasks per tile, I/O timed with the work\n",
                lp_format_bytes((double)ctx->window_bytes, w, sizeof w));
    if (ctx->input_layout)
        fprintf(f, "input       %s\n", ctx->input_layout);
    if (io->read_bytes)
        fprintf(f, "%s        %s in %.3f s of %s (%.2f GB/s)\n", ctx->input_layout ? "read" : "made",
                lp_format_bytes((double)io->read_bytes, b, sizeof b), io->read_seconds,
                ctx->streamed ? "read tasks, summed over workers" : "reading, before the runs",
                io->read_seconds > 0 ? (double)io->read_bytes / io->read_seconds * 1e-9 : 0.0);
    if (io->write_bytes)
        fprintf(f, "written     %s in %.3f s of %s (%.2f GB/s)\n",
                lp_format_bytes((double)io->write_bytes, b, sizeof b), io->write_seconds,
                ctx->streamed ? "store tasks, summed over workers" : "writing, after the runs",
                io->write_seconds > 0 ? (double)io->write_bytes / io->write_seconds * 1e-9
                                      : 0.0);
    if (ctx->peak_rss_bytes)
        fprintf(f, "memory      peak RSS %s%s\n",
                lp_format_bytes((double)ctx->peak_rss_bytes, b, sizeof b),
                ctx->nranks > 1 ? " (the largest rank's)" : "");
}

static int set_by_us(const char *var, const char *defaults)
{
    size_t n = strcspn(var, "=");
    for (const char *p = defaults; p && *p; p += strcspn(p, " ") + (p[strcspn(p, " ")] != 0))
        if (strncmp(p, var, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

static void print_env(FILE *f, const char *defaults)
{
    int any = 0;
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, "STARPU_", 7) == 0) {
            fprintf(f, "%s %s%s\n", any++ ? "            " : "\nenvironment", *e,
                    set_by_us(*e, defaults) ? "  (lp-starpu's default)" : "");
        }
    if (!any)
        fprintf(f, "\nenvironment no STARPU_* variable set (StarPU's defaults)\n");
}

static void print_compare(FILE *f, const lp_report *runs, int nruns)
{
    fprintf(f, "\ncomparison (same data, same tiles; speed-up = this run's time / "
               "the scheduled run's)\n");
    fprintf(f, "  %-10s %10s %10s %12s %9s   %s\n", "run", "best ms", "median ms",
            "Mrows/s", "sched x", "tasks per kind");
    for (int i = 0; i < nruns; i++) {
        const lp_report *r = &runs[i];
        unsigned per_kind[LP_BACKEND_COUNT] = {0};
        for (unsigned w = 0; w < r->nworkers; w++)
            per_kind[r->workers[w].kind] += r->workers[w].tasks;
        char kinds[96] = "";
        for (int k = LP_BACKEND_CPU; k < LP_BACKEND_COUNT; k++)
            if (per_kind[k]) {
                size_t n = strlen(kinds);
                snprintf(kinds + n, sizeof kinds - n, "%s%s %u", n ? ", " : "",
                         lp_backend_name((lp_backend)k), per_kind[k]);
            }
        fprintf(f, "  %-10s %10.3f %10.3f %12.1f %8.2fx   %s\n",
                r->backend == LP_BACKEND_AUTO ? "scheduled" : lp_backend_name(r->backend),
                r->seconds * 1e3, r->median_seconds * 1e3, rows_per_s(r) * 1e-6,
                runs[0].seconds > 0 ? r->seconds / runs[0].seconds : 0.0, kinds);
    }
}

/* A default tile count in a run scheduled on an accelerator too: there
 * one count for all workers is rarely the one that ends every kind
 * together, and --calibrate measures that one (a single process on a
 * real machine: a simulated run or ranks cannot calibrate it). */
static int formula_with_accelerator(const lp_report *r, const lp_report_context *ctx)
{
    if (!ctx->tiles_formula || ctx->machine || ctx->nranks > 1 || r->backend != LP_BACKEND_AUTO)
        return 0;
    for (unsigned w = 0; w < r->nworkers; w++)
        if (r->workers[w].kind != LP_BACKEND_CPU)
            return 1;
    return 0;
}

void lp_report_text(FILE *f, const lp_report_context *ctx,
                    const lp_report *runs, int nruns)
{
    const lp_report *r = &runs[0];
    fprintf(f, "lp-starpu %s: out[i] = log(x[i]) * log(y[i]) * log(z[i])\n", LP_VERSION);
    if (ctx->machine)
        fprintf(f, "SIMULATED   on machine %s\n            StarPU + SimGrid: each task takes "
                "its history model's time, each copy the bus model's; nothing is computed\n",
                ctx->machine);
    fprintf(f, "rows        %zu (%s)\n", r->rows, ctx->data_desc);
    if (r->tiles) {
        /* the accelerators' tiles first, then equal tiles of the rows left */
        size_t equal = r->tiles - r->accel_tiles;
        size_t rest = r->rows - r->accel_tiles * r->accel_tile_rows;
        fprintf(f, "tiles       %zu", r->tiles);
        if (r->accel_tiles)
            fprintf(f, ": %zu of %zu rows for the accelerators, %zu", r->accel_tiles,
                    r->accel_tile_rows, equal);
        fprintf(f, " of %zu-%zu rows%s", rest / equal, (rest + equal - 1) / equal,
                ctx->tiles_asked > equal ? " (clamped: more tiles than rows were asked)"
                : ctx->tiles_calibrated ? " (--calibrate's choice for this job here)" : "");
        if (isfinite(r->tile_cost_seconds))
            fprintf(f, "; runtime %.1f us per tile (workers' time outside tasks / tiles)",
                    r->tile_cost_seconds * 1e6);
        fputc('\n', f);
        if (formula_with_accelerator(r, ctx))
            fprintf(f, "            the formula's count: --calibrate measures the one that ends "
                    "the CPU workers and the accelerators together (docs/scheduling.md)\n");
    } else {
        fprintf(f, "tiles       0 (no rows)\n");
    }
    fprintf(f, "scheduler   %s (from %s)\n", r->sched, ctx->sched_source);
    fprintf(f, "backend     %s\n", r->backend == LP_BACKEND_AUTO ? "auto (every worker)"
                                                                 : lp_backend_name(r->backend));
    fprintf(f, "start-up    %.1f ms StarPU, %.1f ms data, %.1f ms registering the tiles once "
               "(not timed below)\n", ctx->startup_ms, ctx->data_ms, r->register_seconds * 1e3);
    fprintf(f, "timed       %s\n",
            ctx->streamed ? "the whole stream: reading (or making) the rows, registration, tasks, "
                            "writing the results"
                          : "tasks + rows to the devices + results back in host RAM");
    fprintf(f, "time        %.3f ms best of %d, median %.3f ms (after %d untimed warm-up run%s%s)\n",
            r->seconds * 1e3, r->repeat, r->median_seconds * 1e3, r->warmup,
            r->warmup == 1 ? "" : "s",
            ctx->warmup_skipped ? ": a file job runs once, reading and writing its files "
                                  "once; --warmup 1 times it warm" : "");
    if (r->intensity > 1)
        fprintf(f, "intensity   %u: out = sum over k < %u of log(x+k) log(y+k) log(z+k)\n",
                r->intensity, r->intensity);
    fprintf(f, "throughput  %.1f Mrows/s, %.2f GB/s effective (%zu bytes per row, %s), "
            "%.2f Glog/s\n", rows_per_s(r) * 1e-6, effective_gbs(r), (size_t)lp_bytes_needed(1, r->dtype),
            lp_dtype_name(r->dtype), rows_per_s(r) * 3.0 * r->intensity * 1e-9);
    double floor_gbs;
    size_t floor_rows;
    int floor = lp_memory_floor_for(r, &floor_gbs, &floor_rows);
    if (floor > 0)
        fprintf(f, "            %.0f%% of the memory floor, %.1f GB/s (x*y*z on %u CPU "
                "workers, measured by --calibrate)\n", 100.0 * effective_gbs(r) / floor_gbs,
                floor_gbs, lp_backend_workers(LP_BACKEND_CPU));
    else if (floor < 0 && floor_rows == 0)
        fprintf(f, "            memory floor not shown: an older --calibrate did not keep over "
                "how many rows it measured it; --calibrate measures it again\n");
    else if (floor < 0)
        fprintf(f, "            memory floor not shown: --calibrate measured it over %zu rows, "
                "too few to leave the caches; --calibrate --rows %zu measures it here\n",
                floor_rows, r->rows);
    char sum[32];
    if (ctx->machine)
        fprintf(f, "checksum    none: a simulated run computes nothing\n");
    else
        fprintf(f, "checksum    %s\n", lp_format_number(r->checksum, sum, sizeof sum));
    if (!ctx->machine)
        fprintf(f, "bits        %s\n",
            r->reproducible ? "reproducible: every row is lp-starpu's log, whatever the device, "
                              "schedule or tiles"
                            : "not reproducible: one of glibc's logs ran (--cpu-impl), whose last "
                              "bits differ from lp-starpu's");
    if (ctx->verified)
        fprintf(f, "verify      max relative error %.3g (row %zu), tolerance %g\n",
                ctx->max_rel_error, ctx->worst_row, lp_verify_tolerance(r->dtype));
    print_io(f, ctx);
    if (ctx->bad_inputs)
        fprintf(f, "inputs      %zu rows with a non-positive or NaN input (first: row %zu)\n",
                ctx->bad_inputs, ctx->first_bad_row);
    char samples[128] = "";
    for (int k = LP_BACKEND_CPU; k < LP_BACKEND_COUNT; k++)
        if (r->model_samples[k] >= 0) {
            size_t n = strlen(samples);
            snprintf(samples + n, sizeof samples - n, "%s%s %d", n ? ", " : "",
                     lp_backend_name((lp_backend)k), r->model_samples[k]);
        }
    if (samples[0])
        fprintf(f, "model       lp_logprod samples for these tiles: %s\n", samples);
    print_workers(f, r);
    print_device_memory(f, r);
    print_buses(f, r);
    if (ctx->nranks > 0 && ctx->ranks)
        print_ranks(f, ctx);
    if (nruns > 1)
        print_compare(f, runs, nruns);
    print_env(f, ctx->env_defaults);
}
