/* The CPU limit for lp-starpu: the same map as a plain C + OpenMP loop
 * over all cores, with the same vectorised log (same kernel file, same
 * flags), on the same seed data, timed the same way (best and median of K
 * after a warm-up), with no runtime system at all.
 *
 *   baseline_openmp [ROWS] [REPEAT]      prints one JSON object
 *
 * The data is first-touched by the same OpenMP threads that later compute
 * on it, as any tuned OpenMP code would.  The same file builds the other
 * baselines of bench/CMakeLists.txt: LP_BASELINE_LOOP, the plain loop
 * compiled with that target's own flags (-march=native -ffast-math, ...),
 * and LP_BASELINE_FLOOR, the memory floor: the same bytes read and written
 * with no log at all. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logprod.h"

#ifndef LP_BASELINE_NAME
#define LP_BASELINE_NAME "openmp"
#endif

static void kernel(size_t n, const double *restrict x, const double *restrict y,
                   const double *restrict z, double *restrict out)
{
#if defined(LP_BASELINE_FLOOR)
    for (size_t i = 0; i < n; i++)
        out[i] = x[i] * y[i] * z[i];
#elif defined(LP_BASELINE_LOOP)
    for (size_t i = 0; i < n; i++)
        out[i] = log(x[i]) * log(y[i]) * log(z[i]);
#else
    lp_logprod_kernel(n, 1, x, y, z, out);
#endif
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    int repeat = argc > 2 ? atoi(argv[2]) : 5;
    if (rows == 0 || repeat < 1) {
        fprintf(stderr, "usage: baseline_openmp [ROWS] [REPEAT]\n");
        return 2;
    }
    double *x = malloc(rows * sizeof *x), *y = malloc(rows * sizeof *y);
    double *z = malloc(rows * sizeof *z), *out = malloc(rows * sizeof *out);
    double *times = calloc((size_t)repeat, sizeof *times);
    if (!x || !y || !z || !out || !times)
        return 1;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < rows; i++) {
        x[i] = y[i] = z[i] = (double)(i + 1);
        out[i] = 0;
    }
    /* Static chunks of the same kernel lp-starpu's CPU workers call. */
    for (int r = -1; r < repeat; r++) {   /* r = -1: warm-up */
        double t0 = omp_get_wtime();
#pragma omp parallel
        {
            int nt = omp_get_num_threads(), id = omp_get_thread_num();
            size_t first = rows * (size_t)id / (size_t)nt;
            size_t last = rows * (size_t)(id + 1) / (size_t)nt;
            kernel(last - first, x + first, y + first, z + first, out + first);
        }
        if (r >= 0)
            times[r] = omp_get_wtime() - t0;
    }
    long double sum = 0;
    for (size_t i = 0; i < rows; i++)
        sum += out[i];
    qsort(times, (size_t)repeat, sizeof *times, cmp);
    double med = repeat % 2 ? times[repeat / 2] : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);
    printf("{\"name\": \"" LP_BASELINE_NAME "\", \"rows\": %zu, \"threads\": %d, \"seconds\": %.9g, "
           "\"median_seconds\": %.9g, \"checksum\": %.17g}\n",
           rows, omp_get_max_threads(), times[0], med, (double)sum);
    free(x);
    free(y);
    free(z);
    free(out);
    free(times);
    return 0;
}
