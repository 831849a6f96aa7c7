/* The seed data (x = y = z = i, i = 1..N) for N = 10^6: every row against
 * an independent long-double ln(i)^3, and the checksum against their sum;
 * then without a checksum (lp_options.no_checksum): rows still computed,
 * the checksum NaN, verify still done; and the API's refusals and names
 * (an unknown dtype, a missing column, every status's words, policies'
 * descriptions). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lp_starpu.h"

/* Rows off ln(i)^3, each named (the first five). */
static size_t wrong_rows(const lp_data *d, long double *sum)
{
    size_t wrong = 0;
    *sum = 0;
    for (size_t i = 0; i < d->rows; i++) {
        long double l = logl((long double)(i + 1));
        long double row = l * l * l;
        *sum += row;
        /* ln(1) = 0: row 0 is compared absolutely. */
        if (!(fabsl((long double)d->out[i] - row) <= 1e-12L * (row > 1 ? row : 1)) &&
            wrong++ < 5)
            fprintf(stderr, "FAIL: row %zu is %.17g, ln(%zu)^3 = %.17Lg\n", i, d->out[i],
                    i + 1, row);
    }
    return wrong;
}

/* The same rows with no checksum asked for: 0 passed, 1 failed. */
static int without_checksum(lp_options *opt, lp_data *d)
{
    opt->no_checksum = 1;
    int failed = 0;
    for (int verify = 0; verify <= 1; verify++) {
        lp_report r;
        opt->verify = verify;
        memset(d->out, 0, d->rows * sizeof *d->out);
        if (lp_run(opt, d, &r) != LP_OK) {
            fprintf(stderr, "FAIL: no_checksum, verify %d: the run did not complete\n", verify);
            return 1;
        }
        long double sum;
        size_t wrong = wrong_rows(d, &sum);
        if (wrong || !isnan(r.checksum) || r.verified != verify ||
            (verify && !(r.max_rel_error <= LP_VERIFY_TOLERANCE))) {
            fprintf(stderr, "FAIL: no_checksum, verify %d: %zu wrong rows, checksum %g "
                    "(NaN expected), verified %d, error %g\n", verify, wrong, r.checksum,
                    r.verified, r.max_rel_error);
            failed = 1;
        }
        lp_report_free(&r);
    }
    return failed;
}

/* A call that fails before its runs begin (a stop asked already, no timed
 * run) leaves no earlier call's results in out: every row NaN, and a
 * reason.  d holds good results when called: 0 passed, 1 failed. */
static int failed_before_running(const lp_options *good, lp_data *d)
{
    lp_options opt = *good;
    lp_report r;
    int failed = 0;
    for (int how = 0; how < 2; how++) {
        int want = how == 0 ? LP_ERR_INTERRUPTED : LP_ERR_USAGE;
        opt.repeat = how == 0 ? 1 : 0;
        if (how == 0)
            lp_request_stop(2);
        int got = lp_run(&opt, d, &r);
        lp_request_stop(0);
        size_t not_nan = 0;
        for (size_t i = 0; i < d->rows; i++)
            not_nan += !isnan(d->out[i]);
        if (got != want || not_nan || (how == 1 && !lp_last_error()[0])) {
            fprintf(stderr, "FAIL: a call failing before its runs (%s): status %d (%d "
                    "expected), %zu rows not NaN, reason '%s'\n",
                    how ? "repeat 0" : "stop asked", got, want, not_nan, lp_last_error());
            failed = 1;
        }
        if (lp_run(good, d, &r) == LP_OK)   /* good results again for the next */
            lp_report_free(&r);
    }
    return failed;
}

/* The public API's refusals and names; the number of failures. */
static int api_checks(void)
{
    int failed = 0;
    lp_data d;
    double col[1] = {1};
#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FAIL: %s\n", #cond); failed++; } } while (0)
    CHECK(lp_data_alloc(&d, 10, (lp_dtype)7) == LP_ERR_USAGE);
    /* More rows than lp_run takes: refused, not 2^61 x 8 bytes wrapped to 8. */
    CHECK(lp_data_alloc(&d, ((size_t)1 << 61) + 1, LP_FLOAT64) == LP_ERR_USAGE &&
          d.col[0] == NULL && strstr(lp_last_error(), "at most") != NULL);
    CHECK(lp_data_alloc(&d, ((size_t)1 << 58) + 1, LP_FLOAT32) == LP_ERR_USAGE);
    CHECK(lp_data_wrap(&d, 1, (lp_dtype)7, col, col, col, col) == LP_ERR_USAGE);
    CHECK(lp_data_wrap(&d, 1, LP_FLOAT64, col, NULL, col, col) == LP_ERR_USAGE);
    CHECK(lp_data_wrap(&d, 1, LP_FLOAT64, col, col, col, col) == LP_OK && d.rows == 1);
    lp_data_free(&d);
    for (int s = LP_OK; s <= LP_ERR_INTERRUPTED; s++) {
        CHECK(strcmp(lp_strerror(s), "unknown status") != 0);
        for (int e = LP_OK; e < s; e++)
            CHECK(strcmp(lp_strerror(s), lp_strerror(e)) != 0);
    }
    CHECK(strcmp(lp_strerror(LP_ERR_INTERRUPTED + 1), "unknown status") == 0);
    CHECK(strcmp(lp_strerror(-1), "unknown status") == 0);
    CHECK(lp_sched_description("dmda") && lp_sched_description("dmda")[0]);
    CHECK(lp_sched_description("lp-eft") && lp_sched_description("lp-eft")[0]);
    CHECK(lp_sched_description("no-such-policy") == NULL);
#undef CHECK
    return failed;
}

int main(void)
{
    const size_t rows = 1000000;
    lp_options opt;
    lp_options_init(&opt);
    if (lp_start(&opt) != LP_OK)
        return 1;
    int api_failed = api_checks();
    lp_data d;
    lp_report r;
    int ok = lp_data_alloc(&d, rows, LP_FLOAT64) == LP_OK;
    if (ok) {
        lp_data_fill(&d, LP_DATA_SEED, 0);
        ok = lp_run(&opt, &d, &r) == LP_OK;
    }
    long double ref = 0;
    size_t wrong = ok ? wrong_rows(&d, &ref) : 0;
    int unchecked_failed = ok ? without_checksum(&opt, &d) || failed_before_running(&opt, &d) : 0;
    lp_data_free(&d);
    lp_stop();
    /* Started again, lp-starpu's defaults are still its own, not taken for
     * the user's because the first start left them in the environment. */
    char first[200];
    snprintf(first, sizeof first, "%s", lp_start_defaults());
    if (lp_start(&opt) != LP_OK || strcmp(lp_start_defaults(), first) != 0 || !first[0]) {
        fprintf(stderr, "FAIL: defaults '%s' at the first start, '%s' at the second\n", first,
                lp_start_defaults());
        api_failed = 1;
    }
    lp_stop();
    if (!ok) {
        fprintf(stderr, "FAIL: the run did not complete\n");
        return 1;
    }
    double rel = (double)fabsl(((long double)r.checksum - ref) / ref);
    printf("checksum %.17g, long-double reference %.17Lg, relative difference %.3g; "
           "%zu wrong rows\n", r.checksum, ref, rel, wrong);
    lp_report_free(&r);
    if (unchecked_failed || api_failed)
        return 1;
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
