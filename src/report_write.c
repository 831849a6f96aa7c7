/* Where the reports go, for the single-process and the MPI drivers alike:
 * the checksum alone (--quiet), the text report, and the JSON report
 * (--json FILE, or - for stdout in place of the text). */
#include <string.h>

#include "cli.h"
#include "internal.h"

int lp_write_reports(const lp_cli *c, const lp_report_context *ctx,
                     const lp_report *runs, int nruns)
{
    if (c->quiet)
        printf("%.17g\n", runs[0].checksum);
    else if (!(c->json && strcmp(c->json, "-") == 0))
        lp_report_text(stdout, ctx, runs, nruns);
    if (!c->json)
        return LP_OK;
    FILE *f = strcmp(c->json, "-") == 0 ? stdout : fopen(c->json, "w");
    if (!f || lp_report_json(f, ctx, runs, nruns) != 0 || (f != stdout && fclose(f) != 0)) {
        fprintf(stderr, "lp-starpu: %s: cannot write the JSON report\n", c->json);
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}
