/* What each rank measured, brought to rank 0 for the reports: its workers,
 * buses and tasks, named after their rank when there are several, and a
 * summary per rank.  Through the communicator only: for one process it
 * changes nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "lp_starpu_advanced.h"
#include "tool.h"

/* Concatenates every rank's n records of size bytes at rank 0 and, with
 * several ranks, prefixes the name field (len bytes at offset off) with
 * "rank r: ".  Returns the records at rank 0 (count in *total; ranks in
 * *ranks_of when not NULL, one per record), NULL elsewhere. */
static void *gather_named(const lp_comm *c, const void *mine, unsigned n, size_t size,
                          size_t off, size_t len, unsigned *total, int **ranks_of)
{
    size_t *counts = calloc((size_t)c->size, sizeof *counts);
    char *all = counts ? c->ops->gather(c, mine, n * size, counts) : NULL;
    *total = 0;
    if (c->rank != 0 || !all) {
        free(all);
        free(counts);
        return NULL;
    }
    size_t records = 0;
    for (int r = 0; r < c->size; r++)
        records += counts[r] / size;
    int *owner = ranks_of ? calloc(records + 1, sizeof *owner) : NULL;
    for (int r = 0; r < c->size; r++)
        for (size_t k = 0; k < counts[r] / size; k++, (*total)++) {
            if (owner)
                owner[*total] = r;
            char *name = all + *total * size + off, prefix[24];
            size_t p = (size_t)snprintf(prefix, sizeof prefix, "rank %d: ", r);
            if (c->size == 1 || p >= len)
                continue;
            memmove(name + p, name, len - 1 - p);   /* cut the tail if need be */
            memcpy(name, prefix, p);
            name[len - 1] = '\0';
        }
    if (ranks_of)
        *ranks_of = owner;
    free(counts);
    return all;
}

/* The task records of the tiles each rank ran, with worker indices into
 * the gathered workers (base[r]: how many workers the ranks before r have). */
static void gather_tasks(const lp_comm *c, const lp_tiles *ts, lp_report *rep,
                         const unsigned *base)
{
    lp_task_record *mine = calloc(ts->mine + 1, sizeof *mine);
    unsigned n = 0;
    for (size_t t = 0; mine && t < ts->tiles; t++)
        if (ts->owner[t] == c->rank)
            mine[n++] = rep->tasks[t];
    unsigned total;
    int *rank_of = NULL;
    lp_task_record *all = gather_named(c, mine, n, sizeof *mine, 0, 0, &total, &rank_of);
    for (unsigned k = 0; all && k < total; k++) {
        lp_task_record *r = &all[k];
        if (r->worker >= 0)
            r->worker += (int)base[rank_of[k]];
        if (r->tile < rep->tiles)
            rep->tasks[r->tile] = *r;
    }
    free(all);
    free(rank_of);
    free(mine);
}

static uint64_t peak_rss(void)
{
    struct rusage u;
    return getrusage(RUSAGE_SELF, &u) == 0 ? (uint64_t)u.ru_maxrss * 1024u : 0;
}

static void summarize(const lp_comm *c, const lp_tiles *ts, const lp_report *rep,
                      const lp_rank_io *io, lp_rank_stats *s)
{
    memset(s, 0, sizeof *s);
    s->rank = c->rank;
#ifdef LP_SIMULATED   /* the simulated cluster's hosts (lp_machine_cluster) */
    snprintf(s->host, sizeof s->host, "node%d", c->rank);
#else
    gethostname(s->host, sizeof s->host - 1);
#endif
    s->nworkers = rep->nworkers;
    for (unsigned w = 0; w < rep->nworkers; w++) {
        s->tasks += rep->workers[w].tasks;
        s->rows += rep->workers[w].rows;
        s->busy_ms += rep->workers[w].busy_ms;
    }
    s->tiles = ts->mine;
    s->handles = ts->handles;
    s->seconds = rep->own_seconds;
    s->io = *io;
    s->peak_rss_bytes = peak_rss();
}

lp_rank_stats *lp_gather_report(const lp_comm *c, const lp_tiles *ts, lp_report *rep,
                                const lp_rank_io *io)
{
    /* The model's samples: the fewest any rank has, per kind of worker. */
    int64_t samples[LP_BACKEND_COUNT];
    for (int k = 0; k < LP_BACKEND_COUNT; k++)
        samples[k] = rep->model_samples[k] < 0 ? INT64_MAX : rep->model_samples[k];
    c->ops->reduce_i64(c, samples, LP_BACKEND_COUNT, LP_REDUCE_MIN);
    for (int k = 0; k < LP_BACKEND_COUNT; k++)
        rep->model_samples[k] = samples[k] == INT64_MAX ? -1 : (int)samples[k];

    lp_rank_stats mine;
    summarize(c, ts, rep, io, &mine);
    unsigned n;
    lp_rank_stats *ranks = gather_named(c, &mine, 1, sizeof mine, 0, 0, &n, NULL);
    unsigned *base = calloc((size_t)c->size + 1, sizeof *base);
    for (int r = 1; ranks && base && r < c->size; r++)
        base[r] = base[r - 1] + ranks[r - 1].nworkers;
    if (base)
        gather_tasks(c, ts, rep, base);
    free(base);

    lp_worker_stats *workers =
        gather_named(c, rep->workers, rep->nworkers, sizeof *rep->workers,
                     offsetof(lp_worker_stats, name), sizeof rep->workers->name, &n, NULL);
    if (workers) {
        free(rep->workers);
        rep->workers = workers;
        rep->nworkers = n;
    }
    lp_bus_stats *buses = gather_named(c, rep->buses, rep->nbuses, sizeof *rep->buses,
                                       offsetof(lp_bus_stats, src), sizeof rep->buses->src, &n, NULL);
    if (buses) {
        free(rep->buses);
        rep->buses = buses;
        rep->nbuses = n;
    }
    return ranks;
}

lp_transfer *lp_gather_transfers(const lp_comm *c, const lp_transfer *mine, size_t n,
                                 unsigned *total)
{
    return gather_named(c, mine, (unsigned)n, sizeof *mine, offsetof(lp_transfer, link),
                        sizeof mine->link, total, NULL);
}
