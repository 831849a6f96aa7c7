/* The memory floor: the map's bytes (x, y, z read, out written) moved with
 * no log, out = x * y * z, so that a report can say how far from the
 * memory a run is (--calibrate measures it on every CPU worker).  -O3
 * (CMakeLists.txt): the loop is bound by memory at any vector width. */
#include <stddef.h>

#include "logprod.h"

void lp_memory_floor_kernel(size_t n, int f32, const void *x, const void *y, const void *z,
                            void *out)
{
    if (f32) {
        const float *restrict a = x, *restrict b = y, *restrict c = z;
        float *restrict o = out;
        for (size_t i = 0; i < n; i++)
            o[i] = a[i] * b[i] * c[i];
    } else {
        const double *restrict a = x, *restrict b = y, *restrict c = z;
        double *restrict o = out;
        for (size_t i = 0; i < n; i++)
            o[i] = a[i] * b[i] * c[i];
    }
}
