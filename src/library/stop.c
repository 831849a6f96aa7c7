/* lp_request_stop: the flag a signal handler sets and the run reads
 * between tasks; and SIGINT routed to it for the span of an lp_run. */
#include <signal.h>
#include <string.h>

#include "internal.h"

/* Written by a signal handler, read between tasks: sig_atomic_t is the one
 * type both may touch without a lock. */
static volatile sig_atomic_t stop_signo;

void lp_request_stop(int signo)
{
    stop_signo = signo;
}

int lp_stop_requested(void)
{
    return stop_signo;
}

int lp_sigint_stops(struct sigaction *before)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = lp_request_stop;   /* async-signal-safe: one store */
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;   /* StarPU's waits go on; the run sees the flag */
    return sigaction(SIGINT, &sa, before);
}

void lp_sigint_back(const struct sigaction *before)
{
    sigaction(SIGINT, before, NULL);
}
