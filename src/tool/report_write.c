/* Where the reports go, for the single-process and the MPI drivers alike:
 * the checksum alone (--quiet), the text report, and the JSON report
 * (--json FILE, or - for stdout in place of the text and the checksum). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "cli.h"
#include "file_out.h"
#include "tool.h"

const char *lp_format_number(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "nan");
    else
        snprintf(buf, len, "%.17g", v);   /* inf, -inf */
    return buf;
}

int lp_write_reports(const lp_cli *c, const lp_report_context *ctx,
                     const lp_report *runs, int nruns)
{
    int json_stdout = c->json && strcmp(c->json, "-") == 0;
    char sum[32];
    if (c->quiet && !json_stdout)
        printf("%s\n", lp_format_number(runs[0].checksum, sum, sizeof sum));
    else if (!json_stdout)
        lp_report_text(stdout, ctx, runs, nruns);
    /* The checksum or the report lost (a full disk, a closed pipe) is a
     * failed run, not an exit status of 0. */
    if (!json_stdout && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "lp-starpu: standard output: cannot write: %s (the report)\n",
                strerror(errno));
        return LP_ERR_RUNTIME;
    }
    if (!c->json)
        return LP_OK;
    lp_out_file o;
    char err[600];
    int ret = lp_out_open(&o, c->json, err, sizeof err);
    if (ret == 0) {
        lp_report_json(o.f, ctx, runs, nruns);   /* a failed write shows at commit */
        ret = lp_out_commit(&o, c->json, err, sizeof err);
    }
    if (ret != 0) {
        fprintf(stderr, "lp-starpu: %s (the JSON report)\n", err);
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}
