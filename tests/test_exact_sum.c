/* The checksum's exact sum (src/library/exact_sum.c) against Shewchuk's algorithm
 * (Python's math.fsum: a growing list of non-overlapping partials, then
 * the correctly rounded total), and the cases where a rounded running sum
 * goes wrong: cancellation, ties, overflow in the middle, subnormals,
 * infinities and NaN.  The sum must not depend on the order or on how the
 * values are split before merging. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact_sum.h"
#include "support/check.h"

/* math.fsum (Shewchuk, with Python's final rounding), for finite values
 * whose partial sums stay finite. */
static double fsum(const double *v, size_t n)
{
    double *p = malloc((n + 1) * sizeof *p);   /* partials never outnumber the values */
    size_t np = 0;
    for (size_t k = 0; k < n; k++) {
        double x = v[k];
        size_t i = 0;
        for (size_t j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(x) < fabs(y)) {
                double t = x;
                x = y;
                y = t;
            }
            double hi = x + y, lo = y - (hi - x);
            if (lo != 0.0)
                p[i++] = lo;
            x = hi;
        }
        p[i++] = x;
        np = i;
    }
    double hi = 0.0;
    if (np > 0) {
        size_t j = np - 1;
        hi = p[j];
        double lo = 0;
        while (j > 0) {
            double x = hi, y = p[--j];
            hi = x + y;
            lo = y - (hi - x);
            if (lo != 0.0)
                break;
        }
        if (j > 0 && ((lo < 0 && p[j - 1] < 0) || (lo > 0 && p[j - 1] > 0))) {
            double y = lo * 2, x = hi + y;
            if (y == x - hi)
                hi = x;
        }
    }
    free(p);
    return hi;
}

static double sum_of(const double *v, size_t n)
{
    lp_xsum s;
    lp_xsum_clear(&s);
    lp_xsum_add(&s, v, LP_FLOAT64, n);
    return lp_xsum_round(&s);
}

static int same(double a, double b)
{
    return isnan(a) ? isnan(b) : memcmp(&a, &b, sizeof a) == 0;
}

static void expect(const char *what, const double *v, size_t n, double want)
{
    double got = sum_of(v, n);
    CHECK(same(got, want), "%s: %a, expected %a", what, got, want);
}

static uint64_t state = 88172645463325252u;
static double uniform(void)
{
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) * 0x1p-53;
}

int main(void)
{
    expect("cancellation", (double[]){1e308, 1.0, -1e308}, 3, 1.0);
    expect("tie to even", (double[]){0x1p53, 1.0}, 2, 0x1p53);
    expect("tie to even, odd", (double[]){0x1p53 + 2, 1.0}, 2, 0x1p53 + 4);
    expect("just above the tie", (double[]){0x1p53, 1.0, 0x1p-60}, 3, 0x1p53 + 2);
    expect("just below the tie", (double[]){0x1p53, 1.0, -0x1p-60}, 3, 0x1p53);
    expect("overflow on the way", (double[]){DBL_MAX, DBL_MAX, -DBL_MAX}, 3, DBL_MAX);
    expect("overflow at the end", (double[]){DBL_MAX, DBL_MAX}, 2, INFINITY);
    expect("negative overflow", (double[]){-DBL_MAX, -DBL_MAX}, 2, -INFINITY);
    expect("subnormals", (double[]){DBL_TRUE_MIN, DBL_TRUE_MIN, 3 * DBL_TRUE_MIN}, 3,
           5 * DBL_TRUE_MIN);
    expect("subnormal to normal", (double[]){DBL_MIN / 2, DBL_MIN / 2}, 2, DBL_MIN);
    expect("negative", (double[]){-0.5, 0.25}, 2, -0.25);
    expect("zero", (double[]){1.5, -1.5}, 2, 0.0);
    expect("nothing", NULL, 0, 0.0);
    expect("inf", (double[]){1.0, INFINITY, 2.0}, 3, INFINITY);
    expect("-inf", (double[]){1.0, -INFINITY}, 2, -INFINITY);
    expect("inf - inf", (double[]){INFINITY, -INFINITY}, 2, NAN);
    expect("NaN", (double[]){1.0, NAN, INFINITY}, 3, NAN);
    expect("huge and tiny", (double[]){0x1p1000, DBL_TRUE_MIN, -0x1p1000}, 3, DBL_TRUE_MIN);

    /* Random values over many binades, both signs: against fsum, and the
     * same after reversing, and split in uneven parts merged. */
    enum { N = 200003 };
    double *v = malloc(N * sizeof *v), *r = malloc(N * sizeof *r);
    for (int round = 0; round < 4; round++) {
        int spread = (int[]){4, 60, 600, 1800}[round];
        for (size_t i = 0; i < N; i++)
            v[i] = ldexp(uniform() - 0.5, (int)(uniform() * spread) - spread / 2);
        double want = fsum(v, N), got = sum_of(v, N);
        CHECK(same(got, want), "random (spread 2^%d): %a, fsum %a", spread, got, want);
        for (size_t i = 0; i < N; i++)
            r[i] = v[N - 1 - i];
        CHECK(same(sum_of(r, N), want), "random reversed (spread 2^%d)", spread);
        lp_xsum total, part;
        lp_xsum_clear(&total);
        for (size_t at = 0, k = 1; at < N; at += k, k = k * 3 + 1) {
            size_t n = N - at < k ? N - at : k;
            lp_xsum_clear(&part);
            lp_xsum_add(&part, v + at, LP_FLOAT64, n);
            lp_xsum_merge(&total, &part);
        }
        CHECK(same(lp_xsum_round(&total), want), "random in parts (spread 2^%d)", spread);
    }
    /* float32 values are added as the doubles they are. */
    float f[1000];
    double d[1000];
    for (int i = 0; i < 1000; i++)
        d[i] = f[i] = (float)ldexpf((float)uniform() - 0.5f, (int)(uniform() * 200) - 100);
    lp_xsum s;
    lp_xsum_clear(&s);
    lp_xsum_add(&s, f, LP_FLOAT32, 1000);
    CHECK(same(lp_xsum_round(&s), fsum(d, 1000)), "float32 values");
    free(v);
    free(r);
    printf("exact sum: %s\n", failures ? "FAILED" : "every case as fsum, in any order");
    return failures ? 1 : 0;
}
