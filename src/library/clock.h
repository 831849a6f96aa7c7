/* The one clock of lp-starpu's own timings (tile I/O, progress, the CPU
 * code measurement): monotonic, in nanoseconds.  Runs are timed with
 * StarPU's clock instead (starpu_timing_now), which a simulation makes
 * simulated time. */
#ifndef LP_CLOCK_H
#define LP_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t lp_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
