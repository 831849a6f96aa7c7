/* Checks on the rows, on the host: the checksum (the exact sum, rounded
 * once), the scalar long-double reference, and inputs the map cannot take. */
#include <math.h>

#include "exact_sum.h"
#include "internal.h"

static int bad_value(double v)
{
    return !(v > 0.0);   /* true for NaN too */
}

static int bad_row(const lp_data *d, size_t i)
{
    return bad_value(lp_get(d->col[0], d->dtype, i)) || bad_value(lp_get(d->col[1], d->dtype, i)) ||
           bad_value(lp_get(d->col[2], d->dtype, i));
}

size_t lp_count_bad_inputs(const lp_data *d, size_t *first_row)
{
    size_t bad = 0;
    for (size_t i = 0; i < d->rows; i++)
        if (bad_row(d, i)) {
            if (bad++ == 0 && first_row)
                *first_row = i;
        }
    return bad;
}

double lp_max_rel_error(const lp_data *d, unsigned intensity, size_t *worst_row)
{
    double worst = 0.0;
    if (worst_row)
        *worst_row = 0;
    for (size_t i = 0; i < d->rows; i++) {
        if (bad_row(d, i))
            continue;   /* counted and reported as bad inputs instead */
        /* The reference takes the inputs as stored (float32 ones rounded). */
        long double x = lp_get(d->col[0], d->dtype, i), y = lp_get(d->col[1], d->dtype, i),
                    z = lp_get(d->col[2], d->dtype, i), ref = 0;
        for (unsigned k = 0; k < intensity; k++)
            ref += logl(x + k) * logl(y + k) * logl(z + k);
        long double got = lp_get(d->col[3], d->dtype, i);
        long double err = fabsl(got - ref);
        double rel = ref != 0 ? (double)(err / fabsl(ref)) : (double)err;
        if (got == ref || (isnan(got) && isnan(ref)))
            rel = 0;          /* the same infinity (an infinite input), or NaN (inf * 0) */
        else if (isnan(rel))
            rel = INFINITY;   /* a NaN result where a number is right: as wrong as can be */
        if (rel > worst) {    /* the first row of the worst error */
            worst = rel;
            if (worst_row)
                *worst_row = i;
        }
    }
    return worst;
}
