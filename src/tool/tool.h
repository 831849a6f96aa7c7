/* Declarations shared by the tool's modules (CLI, reports, trace, MPI):
 * not part of the library. */
#ifndef LP_TOOL_H
#define LP_TOOL_H

#include <stdint.h>
#include <stdio.h>
#include "lp_starpu_advanced.h"

struct lp_tiles;
struct lp_comm;
struct lp_cli;

/* A failure's one-line message, printf-style, into err[len] (nothing when
 * err is NULL or len 0); returns -1.  (messages.c) */
int lp_fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A new private directory $TMPDIR/NAME.XXXXXX (/tmp without TMPDIR) in
 * dir; 0, or -1 with dir empty. */
int lp_temp_dir(const char *name, char *dir, size_t len);
/* Host bytes needed for rows (4 float64 columns); 0 on overflow. */
unsigned long long lp_bytes_needed(unsigned long long rows, lp_dtype dtype);
/* Memory the system can give us now (MemAvailable), 0 if unknown. */
unsigned long long lp_memory_available(void);
/* "1.2 GiB" into buf. */
const char *lp_format_bytes(double bytes, char *buf, size_t len);

/* One rank of the job, as rank 0 reports it. */
typedef struct lp_rank_stats {
    int rank;
    char host[64];
    unsigned nworkers;
    size_t tiles, tasks, rows;   /* tiles owned; tasks and rows run */
    size_t handles;              /* tile handles registered with StarPU (lp_tiles.handles) */
    double busy_ms, seconds;     /* this rank's time in the best run */
    lp_rank_io io;
    uint64_t peak_rss_bytes;     /* the most memory the process has held */
} lp_rank_stats;

/* One data transfer of the best run, from StarPU's FxT trace (trace_fxt.c):
 * a box on its link's lane in the --trace chart. */
typedef struct lp_transfer {
    char link[80];               /* "NUMA 0 -> OpenCL 0" (ranks: "rank 1: ...") */
    double start_us, end_us;     /* relative to the run's start */
    uint64_t bytes;
} lp_transfer;

/* --calibrate: every kind of worker alone until the model is trusted on
 * every rank, then one scheduled run; a summary on out (rank 0). */
int lp_calibrate(const lp_options *opt, struct lp_tiles *ts, FILE *out);

/* The memory floor --calibrate measured for rows of dtype (GB/s with ncpu
 * CPU workers, over `rows` rows; 0 from a file that did not say), kept
 * beside the models: 0, or -1 when none was measured. */
int lp_memory_floor_read(lp_dtype dtype, double *gbs, unsigned *ncpu, size_t *rows);
/* The floor that applies to the report r: measured on its CPU workers
 * over at least its rows, or over 10M rows at least (320 MB of float64,
 * beyond the caches of the processors measured here).  Fewer may have sat
 * in cache and made the floor a cache's speed.  1 (gbs, rows set), 0
 * none, -1 measured over too few rows (rows set). */
int lp_memory_floor_for(const lp_report *r, double *gbs, size_t *rows);

/* Prints one line on stderr when the model-based policy ran on a model
 * without enough samples for this tile size (StarPU's own warnings are
 * silenced by default). */
void lp_model_notice(const lp_report *r);

/* --trace: the best run's tasks (one lane per worker) and transfers (one
 * lane per link) as an SVG Gantt chart, written by file_out.h's rules.
 * Returns 0, or -1 with "PATH: why" in err. */
int lp_trace_svg(const char *path, const lp_report *r, const lp_transfer *xfers, size_t nxfers,
                 char *err, size_t errlen);

/* Rank 0 gets every rank's workers, buses and task records in rep, named
 * "rank r: ..." when there are several ranks (worker indices of the tasks
 * follow), and the fewest model samples per kind.  Returns every rank's
 * summary at rank 0 (malloc'd; io: this rank's), NULL elsewhere. */
lp_rank_stats *lp_gather_report(const struct lp_comm *c, const struct lp_tiles *ts,
                                lp_report *rep, const lp_rank_io *io);

/* Every rank's transfers at rank 0 (malloc'd, *total of them), their
 * links named after their rank when there are several; NULL elsewhere. */
lp_transfer *lp_gather_transfers(const struct lp_comm *c, const lp_transfer *mine, size_t n,
                                 unsigned *total);

/* Reports, text and JSON; runs[1..] are the runs of --compare. */
typedef struct lp_report_context {
    const char *data_desc;   /* "seed data: x = y = z = i" */
    const char *sched_source;/* "--sched", "STARPU_SCHED" or "default" */
    double startup_ms, data_ms;
    size_t bad_inputs, first_bad_row;
    int verified;            /* --verify ran */
    double max_rel_error;
    size_t worst_row;
    size_t tiles_asked;      /* before clamping to rows, 0 if default */
    int tiles_calibrated;    /* the default tile count was --calibrate's choice */
    int tiles_formula;       /* neither the user's nor --calibrate's: the formula's */
    int nranks;              /* --mpi: ranks[nranks], else 0 */
    const lp_rank_stats *ranks;
    const char *distribution;
    const char *env_defaults;  /* STARPU_* names lp-starpu set, or NULL */
    int streamed;              /* through a window of window_bytes per rank */
    int warmup_skipped;        /* a file job: no warm-up by default */
    size_t window_bytes;
    lp_rank_io io;             /* every rank's, added up */
    uint64_t peak_rss_bytes;   /* the largest rank's */
    const char *input_layout;  /* --input's, or NULL */
    const char *machine;       /* lp-starpu-sim: the machine replayed, else NULL */
} lp_report_context;

void lp_report_text(FILE *f, const lp_report_context *ctx,
                    const lp_report *runs, int nruns);
int lp_report_json(FILE *f, const lp_report_context *ctx,
                   const lp_report *runs, int nruns);

/* A number as the reports write it: %.17g, or inf, -inf and nan (never
 * "-nan", whose sign means nothing).  Returns buf. */
const char *lp_format_number(double v, char *buf, size_t len);

/* The reports to where the command line asks (stdout, --json FILE). */
int lp_write_reports(const struct lp_cli *c, const lp_report_context *ctx,
                     const lp_report *runs, int nruns);

#endif
