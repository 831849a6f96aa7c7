/* Declarations shared by the tool's modules, not part of the public API. */
#ifndef LP_INTERNAL_H
#define LP_INTERNAL_H

#include <stdio.h>
#include "lp_starpu.h"

/* StarPU 1.3 vectors count their elements in 32 bits. */
#define LP_MAX_ROWS 4294967295ull

lp_backend lp_worker_backend(int workerid);

/* lp-starpu's own scheduling policy (src/sched_eft.c). */
#define LP_EFT_POLICY_NAME "lp-eft"
struct starpu_sched_policy;
extern struct starpu_sched_policy lp_eft_policy;

/* Pieces of a run, shared by the single-process and the MPI drivers. */
struct starpu_task;
size_t lp_default_tiles_for(size_t rows, unsigned nworkers);
/* Tiles from --tiles / --tile-rows / the default, clamped to rows. */
size_t lp_tiles_for(const lp_options *opt, size_t rows, unsigned nworkers);
uint32_t lp_where_mask(lp_backend b);
double lp_median(const double *v, int n);
void lp_bus_counters_reset(void);
void lp_bus_counters_read(lp_report *rep);
void lp_collect_task_stats(lp_report *rep, struct starpu_task **tasks, double t0);
/* Memory in use per node (lp_worker_stats): reset the peaks before a run,
 * then watch each task of the run. */
void lp_memory_watch_reset(void);
void lp_memory_watch_task(struct starpu_task *task);
int lp_report_alloc(lp_report *rep, int repeat, size_t tiles);
/* Fills rep->model_samples for the tiles whose footprints are given. */
void lp_model_samples(lp_report *rep, const uint32_t footprints[2]);

/* Checksum in two steps, so tile sums made on different ranks combine to
 * the very value lp_checksum gives in one process. */
double lp_tile_sum(const double *out, size_t count);
double lp_combine_tile_sums(const double *sums, size_t tiles);

/* Generated values of rows first..first+count-1 into x, y, z[0..count). */
void lp_fill_values(double *x, double *y, double *z, lp_data_kind kind,
                    uint64_t seed, size_t first, size_t count);

/* count NaNs from col: results not yet written (see lp_run). */
void lp_poison(double *col, size_t count);

/* count doubles in StarPU memory, every page touched; 0 on success, -1 on
 * failure or when lp_request_stop was called meanwhile. */
int lp_column_alloc(double **col, size_t count);

/* mkdir -p; 0 on success. */
int lp_mkdirs(const char *path);

/* Host bytes needed for rows (4 float64 columns); 0 on overflow. */
unsigned long long lp_bytes_needed(unsigned long long rows);
/* Memory the system can give us now (MemAvailable), 0 if unknown. */
unsigned long long lp_memory_available(void);
/* "1.2 GiB" into buf. */
const char *lp_format_bytes(double bytes, char *buf, size_t len);

/* One rank of an MPI run, as rank 0 reports it. */
typedef struct lp_rank_stats {
    int rank;
    char host[64];
    unsigned nworkers;
    size_t tiles, tasks, rows;   /* tiles owned; tasks and rows run */
    double busy_ms, seconds;     /* this rank's time in the best run */
    uint64_t mpi_bytes_per_run;  /* sent by this rank in one timed run */
    uint64_t mpi_bytes_gather;   /* sent to rank 0 for --output/--verify */
} lp_rank_stats;

/* --calibrate: every kind of worker alone until the model is trusted,
 * then one scheduled run; a summary on out. */
int lp_calibrate(const lp_options *opt, lp_data *d, FILE *out);

/* Prints one line on stderr when the model-based policy ran on a model
 * without enough samples for this tile size (StarPU's own warnings are
 * silenced by default). */
void lp_model_notice(const lp_report *r);

/* --trace: the best run's tasks as an SVG Gantt chart, written by
 * file_out.h's rules.  Returns 0, or -1 with "PATH: why" in err. */
int lp_trace_svg(const char *path, const lp_report *r, char *err, size_t errlen);

/* Reports, text and JSON; `extra` are the runs of --compare (may be 0). */
typedef struct lp_report_context {
    const char *data_desc;   /* "seed data: x = y = z = i" */
    const char *sched_source;/* "--sched", "STARPU_SCHED" or "default" */
    double startup_ms, data_ms;
    size_t bad_inputs, first_bad_row;
    int verified;            /* --verify ran */
    double max_rel_error;
    size_t worst_row;
    size_t tiles_asked;      /* before clamping to rows, 0 if default */
    int nranks;              /* MPI runs only: ranks[nranks] */
    const lp_rank_stats *ranks;
    const char *distribution;
    const char *env_defaults;  /* STARPU_* names lp-starpu set, or NULL */
} lp_report_context;


void lp_report_text(FILE *f, const lp_report_context *ctx,
                    const lp_report *runs, int nruns);
int lp_report_json(FILE *f, const lp_report_context *ctx,
                   const lp_report *runs, int nruns);

/* The reports to where the command line asks (stdout, --json FILE). */
struct lp_cli;
int lp_write_reports(const struct lp_cli *c, const lp_report_context *ctx,
                     const lp_report *runs, int nruns);

#endif
