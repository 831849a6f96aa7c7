/* lp_request_stop: the flag a signal handler sets and the run reads
 * between tasks. */
#include <signal.h>

#include "lp_starpu.h"

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
