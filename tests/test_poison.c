/* lp_poison, the NaN written over results before the run that keeps them:
 * every element of the range and nothing beside it, for both element
 * types, at every alignment and length around the 16-byte stores, through
 * the cache and around it (pass_bytes beyond any cache).  No StarPU. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "support/check.h"

#define ROOM 64

int main(void)
{
    double d[ROOM];
    float f[ROOM];
    static const size_t counts[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 40};
    for (int bypass = 0; bypass <= 1; bypass++)
        for (size_t first = 0; first < 8; first++)
            for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
                size_t n = counts[c];
                for (size_t i = 0; i < ROOM; i++) {
                    d[i] = 1.0;
                    f[i] = 1.0f;
                }
                size_t pass = bypass ? SIZE_MAX : 0;
                lp_poison(d + first, LP_FLOAT64, n, pass);
                lp_poison(f + first, LP_FLOAT32, n, pass);
                for (size_t i = 0; i < ROOM; i++) {
                    int inside = i >= first && i < first + n;
                    CHECK(inside ? isnan(d[i]) : d[i] == 1.0,
                          "float64, %s, rows %zu..+%zu: element %zu is %g",
                          bypass ? "around the cache" : "through it", first, n, i, d[i]);
                    CHECK(inside ? isnan(f[i]) : f[i] == 1.0f,
                          "float32, %s, rows %zu..+%zu: element %zu is %g",
                          bypass ? "around the cache" : "through it", first, n, i, (double)f[i]);
                }
            }
    if (failures)
        return 1;
    printf("lp_poison: every range poisoned exactly, both element types, both paths\n");
    return 0;
}
