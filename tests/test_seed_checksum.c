/* The seed data's checksum for N = 10^6 (x = y = z = i, i = 1..N) against
 * an independent long-double sum of ln(i)^3. */
#include <math.h>
#include <stdio.h>

#include "lp_starpu.h"

int main(void)
{
    const size_t rows = 1000000;
    long double ref = 0;
    for (size_t i = 1; i <= rows; i++) {
        long double l = logl((long double)i);
        ref += l * l * l;
    }

    lp_options opt;
    lp_options_init(&opt);
    if (lp_start(&opt) != LP_OK)
        return 1;
    lp_data d;
    lp_report r;
    int ok = lp_data_alloc(&d, rows) == LP_OK;
    if (ok) {
        lp_data_fill(&d, LP_DATA_SEED, 0);
        ok = lp_run(&opt, &d, &r) == LP_OK;
    }
    lp_data_free(&d);
    lp_stop();
    if (!ok) {
        fprintf(stderr, "FAIL: the run did not complete\n");
        return 1;
    }
    double rel = (double)fabsl(((long double)r.checksum - ref) / ref);
    printf("checksum %.17g, long-double reference %.17Lg, relative difference %.3g\n",
           r.checksum, ref, rel);
    lp_report_free(&r);
    if (!(rel <= 1e-12)) {
        fprintf(stderr, "FAIL: relative difference %.3g > 1e-12\n", rel);
        return 1;
    }
    return 0;
}
