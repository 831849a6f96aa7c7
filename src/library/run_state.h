/* What one run of the run path (run.c) keeps while its tasks run, shared
 * with the streamed submission (stream.c). */
#ifndef LP_RUN_STATE_H
#define LP_RUN_STATE_H

#include <stdatomic.h>
#include <stdint.h>
#include <starpu.h>
#include "tiles.h"

struct lp_run_state;
struct lp_stream;   /* a streamed run's handles and task arguments (stream.c) */

/* A compute task as its end saw it (filled by its callback). */
typedef struct lp_task_seen {
    int worker;                  /* -1: no task for this tile here */
    double start_us, end_us;     /* StarPU's clock */
    double predicted_us;         /* the scheduler's prediction, NaN if none */
    unsigned nimpl;              /* the implementation it ran (codelet index) */
    size_t rows;                 /* the tile's */
    struct lp_run_state *rs;     /* the run it belongs to */
} lp_task_seen;

typedef struct lp_run_state {
    lp_task_seen *seen;          /* per tile */
    uint32_t footprints[LP_TILE_SIZES];   /* each tile size's, as first submitted */
    int have_footprints;         /* how many */
    unsigned long mark;          /* the run's FxT user event */
    const lp_options *opt;       /* its progress_rows, if any */
    _Atomic uint64_t rows_done;  /* in the run in flight */
    uint64_t rows_total;         /* this process's, per run */
    atomic_flag reporting;       /* a progress_rows call is under way */
    struct lp_stream *stream;    /* streamed: the window's handles, this run's */
} lp_run_state;

/* The compute task of tile t on handles h (x, y, z, out): codelet, where,
 * argument, the callback that records it; footprints noted.  The caller
 * submits it. */
struct starpu_task *lp_compute_task(const lp_options *opt, lp_tiles *ts, size_t t,
                                    starpu_data_handle_t const h[4], lp_run_state *rs);

/* A signal asked the run to stop: submit nothing more (run.c). */
int lp_stop_now(void);

/* A streamed run's tasks, submitted (stream.c); LP_OK or an error, with
 * its message in lp_last_error().  The caller waits for them. */
int lp_stream_submit(const lp_options *opt, lp_tiles *ts, lp_run_state *rs);
/* After the wait: the streamed run's handles released, rs->stream freed. */
void lp_stream_release(lp_tiles *ts, lp_run_state *rs);

#endif
