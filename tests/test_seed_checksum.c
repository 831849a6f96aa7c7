/* The seed data (x = y = z = i, i = 1..N) for N = 10^6: every row against
 * an independent long-double ln(i)^3, and the checksum against their sum. */
#include <math.h>
#include <stdio.h>

#include "lp_starpu.h"

int main(void)
{
    const size_t rows = 1000000;
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
    long double ref = 0;
    size_t wrong = 0;
    for (size_t i = 0; ok && i < rows; i++) {
        long double l = logl((long double)(i + 1));
        long double row = l * l * l;
        ref += row;
        /* ln(1) = 0: row 0 is compared absolutely. */
        if (!(fabsl((long double)d.out[i] - row) <= 1e-12L * (row > 1 ? row : 1)) &&
            wrong++ < 5)
            fprintf(stderr, "FAIL: row %zu is %.17g, ln(%zu)^3 = %.17Lg\n", i, d.out[i], i + 1,
                    row);
    }
    lp_data_free(&d);
    lp_stop();
    if (!ok) {
        fprintf(stderr, "FAIL: the run did not complete\n");
        return 1;
    }
    double rel = (double)fabsl(((long double)r.checksum - ref) / ref);
    printf("checksum %.17g, long-double reference %.17Lg, relative difference %.3g; "
           "%zu wrong rows\n", r.checksum, ref, rel, wrong);
    lp_report_free(&r);
    if (wrong) {
        fprintf(stderr, "FAIL: %zu rows differ from ln(i)^3\n", wrong);
        return 1;
    }
    if (!(rel <= 1e-12)) {
        fprintf(stderr, "FAIL: relative difference %.3g > 1e-12\n", rel);
        return 1;
    }
    return 0;
}
