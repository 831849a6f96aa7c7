/* What a run reports: per worker (tasks, rows, busy and predicted time,
 * device memory in use), per bus (bytes, transfers), the model's samples,
 * and the statistics of repeated runs. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"
#include "logprod.h"
#include "run_state.h"
#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double lp_median(const double *v, int n)
{
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return v[0];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

/* Reading a bus's counters resets them: done before each run. */
void lp_bus_counters_reset(void)
{
    struct starpu_profiling_bus_info info;
    for (int b = 0; b < starpu_bus_get_count(); b++)
        starpu_bus_get_profiling_info(b, &info);
}

void lp_bus_counters_read(lp_report *rep)
{
    for (unsigned b = 0; b < rep->nbuses; b++) {
        struct starpu_profiling_bus_info info;
        lp_bus_stats *s = &rep->buses[b];
        unsigned src = (unsigned)starpu_bus_get_src((int)b), dst = (unsigned)starpu_bus_get_dst((int)b);
        starpu_bus_get_profiling_info((int)b, &info);
        starpu_memory_node_get_name(src, s->src, sizeof s->src);
        starpu_memory_node_get_name(dst, s->dst, sizeof s->dst);
        s->bytes = (uint64_t)info.transferred_bytes;
        s->transfers = (unsigned)info.transfer_count;
        /* starpu_transfer_predict would charge every copy as if all the
         * accelerators' copies shared one bus: the link's own figures. */
        double mbps = starpu_transfer_bandwidth(src, dst), lat_us = starpu_transfer_latency(src, dst);
        s->model_seconds = s->transfers == 0 ? 0.0
                           : mbps > 0 && isfinite(mbps) && isfinite(lat_us)
                               ? (s->transfers * lat_us + (double)s->bytes / mbps) * 1e-6
                               : NAN;
    }
}

/* What StarPU has allocated on each memory node, sampled as each task ends
 * on a worker of that node, against the node's size as StarPU counts it
 * (the device's memory, or STARPU_LIMIT_*_MEM). */
static _Atomic long long mem_peak[STARPU_MAXNODES];

static long long node_total(unsigned node)
{
    return (long long)starpu_memory_get_total(node);
}

void lp_memory_sample(void)
{
    int w = starpu_worker_get_id();
    if (w < 0)
        return;
    unsigned node = starpu_worker_get_memory_node((unsigned)w);
    long long total = node_total(node);
    if (total < 0)
        return;
    long long used = total - (long long)starpu_memory_get_available(node);
    long long seen = atomic_load(&mem_peak[node]);
    while (used > seen && !atomic_compare_exchange_weak(&mem_peak[node], &seen, used))
        ;
}

void lp_memory_watch_reset(void)
{
    for (unsigned node = 0; node < starpu_memory_nodes_get_count(); node++)
        atomic_store(&mem_peak[node], 0);
}

/* "avx512", or "avx512 30, avx2 2" when the worker ran several (auto
 * counts as the one it called). */
static void name_impls(lp_worker_stats *s, int worker, const unsigned *count)
{
    const char *names[STARPU_MAXIMPLEMENTATIONS];
    unsigned tasks[STARPU_MAXIMPLEMENTATIONS], n = 0;
    for (unsigned i = 0; i < STARPU_MAXIMPLEMENTATIONS; i++) {
        if (!count[i])
            continue;
        const char *name = lp_logprod_impl_name(worker, i);
        unsigned k = 0;
        while (k < n && strcmp(names[k], name) != 0)
            k++;
        if (k == n) {
            names[n] = name;
            tasks[n++] = 0;
        }
        tasks[k] += count[i];
    }
    s->impl[0] = '\0';
    for (unsigned k = 0; k < n; k++) {
        size_t used = strlen(s->impl);
        if (n == 1)
            snprintf(s->impl, sizeof s->impl, "%s", names[k]);
        else
            snprintf(s->impl + used, sizeof s->impl - used, "%s%s %u", used ? ", " : "",
                     names[k], tasks[k]);
    }
}

void lp_collect_task_stats(lp_report *rep, const lp_task_seen *seen, double t0)
{
    unsigned *impls = calloc((size_t)rep->nworkers * STARPU_MAXIMPLEMENTATIONS + 1, sizeof *impls);
    int reproducible = 1;   /* the accelerators' kernels are log_lp.h's */
    const lp_layout l = {rep->tiles, rep->accel_tiles, rep->accel_tile_rows};
    for (unsigned w = 0; w < rep->nworkers; w++) {
        lp_worker_stats *s = &rep->workers[w];
        starpu_worker_get_name((int)w, s->name, sizeof s->name);
        s->kind = lp_worker_backend((int)w);
        s->tasks = 0;
        s->rows = 0;
        s->busy_ms = 0;
        s->predicted_ms = 0;
        unsigned node = starpu_worker_get_memory_node(w);
        s->mem_total_bytes = node_total(node);
        s->mem_peak_bytes = atomic_load(&mem_peak[node]);
    }
    for (size_t t = 0; t < rep->tiles; t++) {
        /* Under MPI a rank sees only the tasks it ran: others have no worker. */
        const lp_task_seen *p = &seen[t];
        lp_task_record *r = &rep->tasks[t];
        lp_layout_range(&l, rep->rows, t, &r->first_row, &r->rows);
        r->tile = t;
        r->worker = p->worker;
        r->start_us = p->worker >= 0 ? p->start_us - t0 : 0;
        r->end_us = p->worker >= 0 ? p->end_us - t0 : 0;
        if (r->worker >= 0 && (unsigned)r->worker < rep->nworkers) {
            lp_worker_stats *s = &rep->workers[r->worker];
            s->tasks++;
            s->rows += r->rows;
            s->busy_ms += (r->end_us - r->start_us) / 1000.0;
            /* Model-based policies (dmda, lp-eft, ...) set it when they
             * place the task; others leave it NaN or 0.  One task without
             * a prediction makes the worker's sum NaN. */
            s->predicted_ms += p->predicted_us / 1000.0;
            if (impls && p->nimpl < STARPU_MAXIMPLEMENTATIONS)
                impls[(size_t)r->worker * STARPU_MAXIMPLEMENTATIONS + p->nimpl]++;
            if (s->kind == LP_BACKEND_CPU && !lp_cpu_impl_reproducible(p->nimpl))
                reproducible = 0;
        }
    }
    for (unsigned w = 0; w < rep->nworkers; w++) {
        if (rep->workers[w].tasks == 0)
            rep->workers[w].predicted_ms = NAN;
        if (impls)
            name_impls(&rep->workers[w], (int)w, impls + (size_t)w * STARPU_MAXIMPLEMENTATIONS);
        else
            rep->workers[w].impl[0] = '\0';
    }
    free(impls);
    /* The runtime's cost per tile: the eligible workers' time outside tasks. */
    double idle_ms = 0;
    unsigned tasks = 0;
    for (unsigned w = 0; w < rep->nworkers; w++) {
        const lp_worker_stats *s = &rep->workers[w];
        tasks += s->tasks;
        if (rep->backend == LP_BACKEND_AUTO || s->kind == rep->backend)
            idle_ms += rep->own_seconds * 1e3 - s->busy_ms;
    }
    rep->tile_cost_seconds = tasks ? idle_ms * 1e-3 / tasks : NAN;
    rep->reproducible = reproducible;
}

void lp_model_samples(lp_report *rep, const uint32_t *footprints, int n)
{
    for (int k = 0; k < LP_BACKEND_COUNT; k++)
        rep->model_samples[k] = -1;
    if (rep->tiles == 0 || n == 0)
        return;
    for (unsigned w = 0; w < starpu_worker_get_count(); w++) {
        unsigned fewest = lp_logprod_samples((int)w, footprints[0]);
        for (int k = 1; k < n; k++) {
            unsigned s = lp_logprod_samples((int)w, footprints[k]);
            fewest = s < fewest ? s : fewest;
        }
        int *slot = &rep->model_samples[lp_worker_backend((int)w)];
        if (*slot < 0 || (int)fewest < *slot)
            *slot = (int)fewest;
    }
}

int lp_report_alloc(lp_report *rep, int repeat, size_t tiles)
{
    rep->repeat = repeat;
    rep->nworkers = starpu_worker_get_count();
    rep->nbuses = (unsigned)starpu_bus_get_count();
    rep->run_seconds = calloc((size_t)repeat, sizeof *rep->run_seconds);
    rep->workers = calloc(rep->nworkers ? rep->nworkers : 1, sizeof *rep->workers);
    rep->buses = calloc(rep->nbuses ? rep->nbuses : 1, sizeof *rep->buses);
    rep->tasks = calloc(tiles ? tiles : 1, sizeof *rep->tasks);
    return rep->run_seconds && rep->workers && rep->buses && rep->tasks ? 0 : -1;
}

void lp_report_free(lp_report *rep)
{
    free(rep->run_seconds);
    free(rep->workers);
    free(rep->buses);
    free(rep->tasks);
    rep->run_seconds = NULL;
    rep->workers = NULL;
    rep->buses = NULL;
    rep->tasks = NULL;
}
