/* lp_request_stop: the flag a signal handler sets and the run reads
 * between tasks; SIGINT routed to it for the span of an lp_run; and the
 * caller's signal handlers kept through lp_start. */
#include <signal.h>
#include <string.h>
#include <starpu.h>

#include "internal.h"

/* The standard signals (glibc keeps the first real-time ones for itself). */
#define LP_SIGNALS 32
static struct sigaction before_start[LP_SIGNALS];

void lp_signals_save(void)
{
    for (int s = 1; s < LP_SIGNALS; s++)
        if (sigaction(s, NULL, &before_start[s]) != 0)
            before_start[s].sa_handler = SIG_ERR;   /* SIGKILL, SIGSTOP: not ours to set */
}

static int is_ignore(const struct sigaction *a)
{
    return !(a->sa_flags & SA_SIGINFO) && a->sa_handler == SIG_IGN;
}

int lp_signal_ignored(int signo)
{
    struct sigaction now;
    return sigaction(signo, NULL, &now) == 0 && is_ignore(&now);
}

/* Libraries that StarPU loads take signals over: PoCL's LLVM puts its own
 * handler (which removes its temporary files) on SIGINT, SIGTERM, SIGQUIT
 * and a dozen more, over a SIGINT the caller ignored or handles (Python's
 * KeyboardInterrupt).  The caller's are put back.  StarPU's own (where
 * STARPU_CATCH_SIGNALS asks for them) and SimGrid's stay, but never over
 * a signal the caller ignored (a script's background job). */
void lp_signals_restore(void)
{
    int starpu_catches = starpu_get_env_number_default("STARPU_CATCH_SIGNALS", 1) == 1;
    for (int s = 1; s < LP_SIGNALS; s++) {
        struct sigaction now;
        if (before_start[s].sa_handler == SIG_ERR || sigaction(s, NULL, &now) != 0 ||
            now.sa_handler == before_start[s].sa_handler)
            continue;
        int runtimes_own = lp_simulated() ||
                           (starpu_catches && (s == SIGINT || s == SIGSEGV || s == SIGTRAP));
        if (runtimes_own && !is_ignore(&before_start[s]))
            continue;
        sigaction(s, &before_start[s], NULL);
    }
}

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
    if (sigaction(SIGINT, NULL, before) != 0)
        return -1;
    /* Ignored by whoever started the process (a script's background job,
     * a daemon): left ignored, as a shell's own commands leave it. */
    if (is_ignore(before))
        return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = lp_request_stop;   /* async-signal-safe: one store */
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;   /* StarPU's waits go on; the run sees the flag */
    return sigaction(SIGINT, &sa, NULL);
}

void lp_sigint_back(const struct sigaction *before)
{
    sigaction(SIGINT, before, NULL);
}
