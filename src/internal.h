/* Declarations shared by the tool's modules, not part of the public API. */
#ifndef LP_INTERNAL_H
#define LP_INTERNAL_H

#include <stdio.h>
#include "lp_starpu.h"

/* StarPU 1.3 vectors count their elements in 32 bits. */
#define LP_MAX_ROWS 4294967295ull
/* --verify's bound on the relative error of a row (see README). */
#define LP_VERIFY_TOLERANCE 1e-12

lp_backend lp_worker_backend(int workerid);

/* Host bytes needed for rows (4 float64 columns); 0 on overflow. */
unsigned long long lp_bytes_needed(unsigned long long rows);
/* Memory the system can give us now (MemAvailable), 0 if unknown. */
unsigned long long lp_memory_available(void);
/* "1.2 GiB" into buf. */
const char *lp_format_bytes(double bytes, char *buf, size_t len);

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
} lp_report_context;

void lp_report_text(FILE *f, const lp_report_context *ctx,
                    const lp_report *runs, int nruns);
int lp_report_json(FILE *f, const lp_report_context *ctx,
                   const lp_report *runs, int nruns);

#endif
