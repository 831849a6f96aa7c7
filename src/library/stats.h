/* The statistics of a run (stats.c), for run.c. */
#ifndef LP_STATS_H
#define LP_STATS_H

#include "lp_starpu.h"

struct starpu_task;

/* Reading a bus's counters resets them: reset before a run, read after. */
void lp_bus_counters_reset(void);
void lp_bus_counters_read(lp_report *rep);

/* Memory in use per node (lp_worker_stats): reset the peaks before a run,
 * then sample as each task ends, on its worker. */
void lp_memory_watch_reset(void);
void lp_memory_sample(void);

/* Per worker and per tile from what each compute task's end saw (no
 * worker where this rank ran no task); times relative to t0 (us). */
struct lp_task_seen;
void lp_collect_task_stats(lp_report *rep, const struct lp_task_seen *seen, double t0);

/* rep's arrays for repeat runs and tiles tiles; 0 or -1. */
int lp_report_alloc(lp_report *rep, int repeat, size_t tiles);

#endif
