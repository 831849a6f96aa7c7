/* The tool's one home for a failure's one-line message, written into the
 * caller's buffer for the caller to print (or to put in an exception). */
#include <stdarg.h>
#include <stdio.h>

#include "tool.h"

int lp_fail(char *err, size_t len, const char *fmt, ...)
{
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}
