/* SIGINT and SIGTERM only set a flag (lp_request_stop): the run submits no
 * more tasks, waits for those in flight, every rank stops before its next
 * run, StarPU shuts down and the tool exits with 128 + the signal.
 * SA_RESTART, and a handler that does nothing else, mean a file being
 * written is always finished (and renamed) or not started: never a
 * half-written --output or a stray temporary file. */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "lp_starpu.h"
#include "console.h"

static void on_stop_signal(int signo)
{
    lp_request_stop(signo);
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void lp_block_stop_signals(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

void lp_catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}
