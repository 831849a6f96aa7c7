/* CHECK(cond, printf-style message): counts and reports a failed check in
 * `failures` and goes on, so one run shows every failure.  For the C tests
 * that need nothing more. */
#ifndef LP_TEST_CHECK_H
#define LP_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(cond, ...)                                          \
    do {                                                          \
        if (!(cond)) {                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);  \
            fprintf(stderr, __VA_ARGS__);                         \
            fputc('\n', stderr);                                  \
            failures++;                                           \
        }                                                         \
    } while (0)

#endif
