/* The tool on the terminal: the stop signals (signals.c) and the progress
 * line (progress.c). */
#ifndef LP_CONSOLE_H
#define LP_CONSOLE_H

#include <stdint.h>

/* Before StarPU starts: its threads inherit the mask and keep SIGINT and
 * SIGTERM blocked, so only the main thread ever handles them and no
 * worker's blocking call is interrupted. */
void lp_block_stop_signals(void);
/* After lp_start: the handler (lp_request_stop), or SIG_IGN again for a
 * signal the process was started with ignored, and the signals unblocked
 * in the main thread. */
void lp_catch_stop_signals(void);

/* The system's monotonic clock, in ms (StarPU's runs only once started). */
double lp_now_ms(void);

typedef struct lp_progress {
    double start_ms, last_ms;
    double run_start_ms;   /* of the run in flight */
    int warmup, total;     /* runs: warm-up ones, all */
    int runs_done, width;
    int lines;   /* not a terminal: whole lines, every 5 s */
} lp_progress;

void lp_progress_begin(lp_progress *p);
/* An lp_options.progress callback; arg is the lp_progress. */
void lp_progress_show(void *arg, int done, int total);
/* An lp_options.progress_rows callback (a worker thread calls it while
 * the main thread waits for the run): rows done within the run. */
void lp_progress_rows(void *arg, uint64_t done, uint64_t total);
void lp_progress_end(lp_progress *p);

#endif
