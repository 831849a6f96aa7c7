/* The library's last failure, in words: the one home of its messages.  A
 * call that fails says why here, never on stdout or stderr; the caller (the
 * tool, the Python module) reads lp_last_error() and prints it, or puts it
 * in an exception, as zstd's callers read ZSTD_getErrorName. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char last[1024];   /* workers' callbacks may fail too: under lock */

void lp_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&lock);
    vsnprintf(last, sizeof last, fmt, ap);
    pthread_mutex_unlock(&lock);
    va_end(ap);
}

void lp_error_clear(void)
{
    pthread_mutex_lock(&lock);
    last[0] = '\0';
    pthread_mutex_unlock(&lock);
}

const char *lp_last_error(void)
{
    return last;
}

const char *lp_strerror(int status)
{
    switch (status) {
    case LP_OK: return "no error";
    case LP_ERR_RUNTIME: return "StarPU, I/O or memory failure";
    case LP_ERR_USAGE: return "bad options or arguments";
    case LP_ERR_BACKEND: return "the backend asked for has no worker";
    case LP_ERR_INPUT: return "inputs not > 0 under strict checking";
    case LP_ERR_VERIFY: return "a result beyond the verification's tolerance";
    case LP_ERR_INTERRUPTED: return "stopped by lp_request_stop";
    }
    return "unknown status";
}
