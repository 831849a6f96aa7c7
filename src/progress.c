/* The progress line: only once the runs have taken 2 s (short jobs stay
 * silent).  On a terminal one line, redrawn at most 4 times a second and
 * erased when the runs end; elsewhere (--progress into a log, or through
 * mpirun, which passes no terminal on) a line every 5 s. */
#include <stdio.h>
#include <time.h>

#include "console.h"

double lp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

void lp_progress_begin(lp_progress *p)
{
    p->start_ms = p->last_ms = lp_now_ms();
    if (p->lines)   /* the first line after 2 s, as on a terminal */
        p->last_ms -= 3000.0;
}

void lp_progress_show(void *arg, int done, int total)
{
    lp_progress *p = arg;
    double t = lp_now_ms(), elapsed = (t - p->start_ms) / 1e3;
    if (elapsed < 2.0 || t - p->last_ms < (p->lines ? 5000.0 : 250.0) || done >= total)
        return;
    p->last_ms = t;
    char line[96];
    int n = done <= p->warmup
                ? snprintf(line, sizeof line, "[warm-up %d/%d] %.0f s", done, p->warmup, elapsed)
                : snprintf(line, sizeof line, "[run %d/%d] %.0f s, about %.0f s left",
                           done - p->warmup, total - p->warmup, elapsed,
                           elapsed / done * (total - done));
    if (p->lines) {
        fprintf(stderr, "lp-starpu: %s\n", line);
        return;
    }
    if (n > p->width)
        p->width = n < (int)sizeof line ? n : (int)sizeof line - 1;
    fprintf(stderr, "\r%-*s", p->width, line);   /* spaces over a longer last line */
}

void lp_progress_end(lp_progress *p)
{
    if (p->width > 0)
        fprintf(stderr, "\r%*s\r", p->width, "");
    p->width = 0;
}
