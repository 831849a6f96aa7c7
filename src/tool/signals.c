/* The first SIGINT or SIGTERM sets a flag (lp_request_stop) and says so at
 * once: the run submits no more tasks, long tiles stop between pieces,
 * every rank stops before its next run, StarPU shuts down and the tool
 * exits with 128 + the signal.  SA_RESTART, and a handler that does
 * nothing else, mean a file being written is always finished (and renamed)
 * or not started: never a half-written --output or a stray temporary file.
 * A second one is the user who will not wait: the temporary files are
 * removed (the outputs themselves were never touched) and the process ends
 * there, with the same status.  A signal the process was started with
 * ignored stays ignored. */
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lp_starpu_advanced.h"
#include "console.h"
#include "file_out.h"

static void say(const char *msg)
{
    ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
    (void)ignored;
}

static void on_stop_signal(int signo)
{
    if (lp_stop_requested()) {
        say("lp-starpu: stopped at once (second signal); outputs left as they were\n");
        lp_out_unlink_temporaries();
        _exit(128 + signo);
    }
    lp_request_stop(signo);
    say(signo == SIGINT ? "lp-starpu: stopping after the tiles in flight (Ctrl-C again stops at "
                          "once)\n"
                        : "lp-starpu: stopping after the tiles in flight (a second signal stops "
                          "at once)\n");
}

static const int stop_signos[2] = {SIGINT, SIGTERM};

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    for (int i = 0; i < 2; i++)
        sigaddset(set, stop_signos[i]);
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
    for (int i = 0; i < 2; i++)
        /* One ignored by whoever started us (SIGINT in a script's
         * background job) stays ignored (lp_start keeps it so), as a
         * shell's commands keep it. */
        if (!lp_signal_ignored(stop_signos[i]))
            sigaction(stop_signos[i], &sa, NULL);
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}
