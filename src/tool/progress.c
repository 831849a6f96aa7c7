/* The progress line: only once the runs have taken 2 s (short jobs stay
 * silent).  On a terminal one line, redrawn at most 4 times a second and
 * erased when the runs end; elsewhere (--progress into a log, or through
 * mpirun, which passes no terminal on) a line every 5 s.  Between runs it
 * counts runs; within one (lp_progress_rows, as tiles end) rows, their
 * rate and the time left. */
#include <stdio.h>
#include <time.h>

#include "lp_starpu_advanced.h"
#include "console.h"

double lp_now_ms(void)
{
    return (double)lp_now_ns() * 1e-6;
}

void lp_progress_begin(lp_progress *p)
{
    p->start_ms = p->last_ms = p->run_start_ms = lp_now_ms();
    p->runs_done = 0;
    if (p->lines)   /* the first line after 2 s, as on a terminal */
        p->last_ms -= 3000.0;
}

/* Whether a line is due now (t): 2 s into the runs, and not too often. */
static int due(lp_progress *p, double t)
{
    if ((t - p->start_ms) < 2000.0 || t - p->last_ms < (p->lines ? 5000.0 : 250.0))
        return 0;
    p->last_ms = t;
    return 1;
}

static void show(lp_progress *p, const char *line, int n)
{
    if (p->lines) {
        fprintf(stderr, "lp-starpu: %s\n", line);
        return;
    }
    if (n > p->width)
        p->width = n;
    fprintf(stderr, "\r%-*s", p->width, line);   /* spaces over a longer last line */
}

/* "[warm-up 1/1]" or "[run 2/5]" for the run after `done` runs. */
static int run_label(const lp_progress *p, int done, char *buf, size_t len)
{
    return done < p->warmup ? snprintf(buf, len, "[warm-up %d/%d]", done + 1, p->warmup)
                            : snprintf(buf, len, "[run %d/%d]", done - p->warmup + 1,
                                       p->total - p->warmup);
}

void lp_progress_show(void *arg, int done, int total)
{
    lp_progress *p = arg;
    double t = lp_now_ms(), elapsed = (t - p->start_ms) / 1e3;
    p->runs_done = done;
    p->total = total;
    p->run_start_ms = t;
    if (done >= total || !due(p, t))
        return;
    char line[200], label[48];
    run_label(p, done, label, sizeof label);
    int n = snprintf(line, sizeof line, "%s %.0f s, about %.0f s left", label, elapsed,
                     elapsed / done * (total - done));
    show(p, line, n < (int)sizeof line ? n : (int)sizeof line - 1);
}

void lp_progress_rows(void *arg, uint64_t done, uint64_t total)
{
    lp_progress *p = arg;
    double t = lp_now_ms(), in_run = (t - p->run_start_ms) / 1e3;
    if (done >= total || in_run <= 0 || !due(p, t))
        return;
    char line[200], label[48];
    run_label(p, p->runs_done, label, sizeof label);
    double rate = (double)done / in_run;
    int n = snprintf(line, sizeof line, "%s %llu of %llu rows (%.0f%%), %.3g Mrows/s, about "
                     "%.0f s left in this run", label, (unsigned long long)done,
                     (unsigned long long)total, 100.0 * (double)done / (double)total,
                     rate / 1e6, (double)(total - done) / rate);
    show(p, line, n < (int)sizeof line ? n : (int)sizeof line - 1);
}

void lp_progress_end(lp_progress *p)
{
    if (p->width > 0)
        fprintf(stderr, "\r%*s\r", p->width, "");
    p->width = 0;
}
