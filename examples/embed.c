/* Embedding lp-starpu: one scheduled run of the log-product on the seed
 * data, from another program, through the public C API. */
#include <stdio.h>
#include <stdlib.h>

#include "lp_starpu.h"

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    lp_options opt;
    lp_options_init(&opt);
    opt.sched = "dmda";
    opt.verify = 1;   /* every row against a scalar reference */

    if (lp_start(&opt) != LP_OK) {   /* starpu_init with that policy */
        fprintf(stderr, "embed: %s\n", lp_last_error());   /* the library never prints */
        return 1;
    }

    lp_data d;
    lp_report r;
    int status = lp_data_alloc(&d, rows, LP_FLOAT64);
    if (status == LP_OK) {
        lp_data_fill(&d, LP_DATA_SEED, 0);   /* x = y = z = i */
        status = lp_run(&opt, &d, &r);
    }
    if (status == LP_OK) {
        printf("%zu rows in %zu tiles on %s: %.3f ms, checksum %.17g, "
               "max relative error %.3g\n", r.rows, r.tiles, r.sched, r.seconds * 1e3,
               r.checksum, r.max_rel_error);
        for (unsigned w = 0; w < r.nworkers; w++)
            printf("  %-32s %4u tasks %10zu rows\n", r.workers[w].name,
                   r.workers[w].tasks, r.workers[w].rows);
        lp_report_free(&r);
    }
    else if (status != LP_ERR_VERIFY)
        fprintf(stderr, "embed: %s: %s\n", lp_strerror(status), lp_last_error());
    if (status == LP_ERR_VERIFY) {
        fprintf(stderr, "row %zu is wrong: relative error %.3g\n", r.worst_row, r.max_rel_error);
        lp_report_free(&r);
    }
    lp_data_free(&d);
    lp_stop();
    return status;
}
