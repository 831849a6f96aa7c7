/* --verify's checker, lp_max_rel_error, on results with known faults: it
 * must find a row off by one part in 10^9 and a NaN row, name the row, and
 * pass exact results.  No StarPU: plain arrays. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lp_starpu.h"
#include "support/check.h"

#define ROWS 1000

/* Distinct x, y, z per row (a checker that mixed up columns would fail),
 * and out from the plain double formula, intensity K. */
static void fill(lp_data *d, unsigned k_terms)
{
    for (size_t i = 0; i < d->rows; i++) {
        d->x[i] = 0.5 + (double)i / 7.0;
        d->y[i] = 1.5 + (double)i / 3.0;
        d->z[i] = 2.5 + (double)i / 11.0;
        d->out[i] = 0;
        for (unsigned k = 0; k < k_terms; k++)
            d->out[i] += log(d->x[i] + k) * log(d->y[i] + k) * log(d->z[i] + k);
    }
}

int main(void)
{
    double *cols = malloc(4 * ROWS * sizeof *cols);
    if (!cols)
        return 1;
    lp_data d = {.rows = ROWS, .x = cols, .y = cols + ROWS, .z = cols + 2 * ROWS,
                 .out = cols + 3 * ROWS};
    size_t row = 12345;

    fill(&d, 1);
    double err = lp_max_rel_error(&d, 1, &row);
    CHECK(err <= 1e-15, "exact results: error %g", err);

    d.out[417] *= 1 + 1e-9;
    err = lp_max_rel_error(&d, 1, &row);
    CHECK(err > LP_VERIFY_TOLERANCE && fabs(err - 1e-9) < 1e-10,
          "one row off by 1e-9: error %g", err);
    CHECK(row == 417, "one row off by 1e-9: worst row %zu, expected 417", row);

    d.out[700] = NAN;
    d.out[600] = NAN;
    err = lp_max_rel_error(&d, 1, &row);
    CHECK(isinf(err), "NaN rows: error %g, expected infinity", err);
    CHECK(row == 600, "NaN rows: worst row %zu, expected the first NaN, 600", row);

    /* A bad input is reported elsewhere: its (NaN) result is not an error. */
    fill(&d, 1);
    d.y[5] = -1;
    d.out[5] = NAN;
    err = lp_max_rel_error(&d, 1, &row);
    CHECK(err <= 1e-15, "bad input row: error %g", err);

    /* Intensity: out holds three terms; checked with one term it is wrong. */
    fill(&d, 3);
    err = lp_max_rel_error(&d, 3, &row);
    CHECK(err <= 1e-14, "intensity 3: error %g", err);
    err = lp_max_rel_error(&d, 1, &row);
    CHECK(err > 0.1, "intensity 3 checked as 1: error %g", err);

    free(cols);
    printf("%s\n", failures ? "FAILED" : "verify catches a wrong row and a NaN row");
    return failures ? 1 : 0;
}
