/* The JSON report: the text report's fields, for scripts. */
#include <math.h>
#include <string.h>

#include "tool.h"

extern char **environ;

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong form, no surrogate, at most U+10FFFF), or 0. */
static int utf8_length(const unsigned char *s)
{
    int n = s[0] < 0x80 ? 1 : s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
            : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) ||
        (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))))
        return 0;
    return n;
}

/* A JSON string; a byte that is not UTF-8 (a file name, an environment
 * value in another encoding) becomes U+FFFD, so the report stays JSON. */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    while (*s) {
        unsigned char c = (unsigned char)*s;
        int n = utf8_length((const unsigned char *)s);
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else if (n == 0)
            fputs("\\ufffd", f);
        else
            fwrite(s, 1, (size_t)n, f);
        s += n ? n : 1;
    }
    fputc('"', f);
}

/* JSON has no NaN or infinity.  A measure that is NaN is missing: null. */
static void json_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fputs("null", f);
}

/* A result (the checksum, an error) may rightly be infinite or NaN: the
 * strings "inf", "-inf" and "nan" then, which Python's float() reads. */
static void json_result(FILE *f, double v)
{
    char buf[32];
    if (isfinite(v))
        fprintf(f, "%.17g", v);
    else
        fprintf(f, "\"%s\"", lp_format_number(v, buf, sizeof buf));
}

/* "read_bytes": ..., "read_seconds": ..., "write_bytes": ..., "write_seconds": ... */
static void json_io(FILE *f, const lp_rank_io *io)
{
    fprintf(f, "\"read_bytes\": %llu, \"read_seconds\": ", (unsigned long long)io->read_bytes);
    json_number(f, io->read_seconds);
    fprintf(f, ", \"write_bytes\": %llu, \"write_seconds\": ",
            (unsigned long long)io->write_bytes);
    json_number(f, io->write_seconds);
}

static void json_run(FILE *f, const lp_report *r, const char *indent, int simulated)
{
    fprintf(f, "%s\"rows\": %zu,\n%s\"tiles\": %zu,\n%s\"accel_tiles\": %zu,\n"
            "%s\"accel_tile_rows\": %zu,\n%s\"sched\": ", indent, r->rows, indent, r->tiles, indent,
            r->accel_tiles, indent, r->accel_tile_rows, indent);
    json_string(f, r->sched);
    fprintf(f, ",\n%s\"backend\": \"%s\",\n%s\"checksum\": ", indent,
            lp_backend_name(r->backend), indent);
    if (simulated)
        fputs("null", f);   /* nothing was computed */
    else
        json_result(f, r->checksum);
    if (r->verified) {
        fprintf(f, ",\n%s\"max_rel_error\": ", indent);
        json_result(f, r->max_rel_error);
        fprintf(f, ",\n%s\"worst_row\": %zu", indent, r->worst_row);
    }
    fprintf(f, ",\n%s\"seconds\": ", indent);
    json_number(f, r->seconds);
    fprintf(f, ",\n%s\"median_seconds\": ", indent);
    json_number(f, r->median_seconds);
    fprintf(f, ",\n%s\"reproducible\": %s", indent, r->reproducible ? "true" : "false");
    fprintf(f, ",\n%s\"tile_cost_us\": ", indent);
    json_number(f, r->tile_cost_seconds * 1e6);
    fprintf(f, ",\n%s\"register_seconds\": ", indent);
    json_number(f, r->register_seconds);
    fprintf(f, ",\n%s\"dtype\": \"%s\"", indent, lp_dtype_name(r->dtype));
    fprintf(f, ",\n%s\"intensity\": %u,\n%s\"repeat\": %d,\n%s\"warmup\": %d,\n"
               "%s\"run_seconds\": [", indent, r->intensity, indent, r->repeat, indent, r->warmup,
            indent);
    for (int i = 0; i < r->repeat; i++) {
        fputs(i ? ", " : "", f);
        json_number(f, r->run_seconds[i]);
    }
    fprintf(f, "],\n%s\"workers\": [", indent);
    for (unsigned w = 0; w < r->nworkers; w++) {
        const lp_worker_stats *s = &r->workers[w];
        fprintf(f, "%s\n%s  {\"name\": ", w ? "," : "", indent);
        json_string(f, s->name);
        fprintf(f, ", \"kind\": \"%s\", \"tasks\": %u, \"rows\": %zu, \"busy_ms\": ",
                lp_backend_name(s->kind), s->tasks, s->rows);
        json_number(f, s->busy_ms);
        fputs(", \"predicted_ms\": ", f);
        json_number(f, s->predicted_ms);
        fputs(", \"mem_total_bytes\": ", f);   /* null: unknown */
        json_number(f, s->mem_total_bytes < 0 ? NAN : (double)s->mem_total_bytes);
        fprintf(f, ", \"mem_peak_bytes\": %lld", s->mem_peak_bytes);
        fputs(", \"impl\": ", f);
        json_string(f, s->impl);
        fputc('}', f);
    }
    fprintf(f, "\n%s],\n%s\"model_samples\": {", indent, indent);
    for (int k = LP_BACKEND_CPU, any = 0; k < LP_BACKEND_COUNT; k++)
        if (r->model_samples[k] >= 0)
            fprintf(f, "%s\"%s\": %d", any++ ? ", " : "", lp_backend_name((lp_backend)k),
                    r->model_samples[k]);
    fprintf(f, "},\n%s\"memory_floor_gbs\": ", indent);
    double floor_gbs;
    size_t floor_rows;   /* null: not measured for these CPU workers and rows */
    json_number(f, lp_memory_floor_for(r, &floor_gbs, &floor_rows) > 0 ? floor_gbs : NAN);
    fprintf(f, ",\n%s\"buses\": [", indent);
    for (unsigned b = 0; b < r->nbuses; b++) {
        const lp_bus_stats *s = &r->buses[b];
        fprintf(f, "%s\n%s  {\"src\": ", b ? "," : "", indent);
        json_string(f, s->src);
        fputs(", \"dst\": ", f);
        json_string(f, s->dst);
        fprintf(f, ", \"bytes\": %llu, \"transfers\": %u, \"model_ms\": ",
                (unsigned long long)s->bytes, s->transfers);
        json_number(f, s->model_seconds * 1e3);
        fputs(", \"busy_share\": ", f);
        json_number(f, r->seconds > 0 ? s->model_seconds / r->seconds : NAN);
        fputc('}', f);
    }
    fprintf(f, "\n%s]", indent);
}

static void json_ranks(FILE *f, const lp_report_context *ctx)
{
    fputs(",\n  \"distribution\": ", f);
    json_string(f, ctx->distribution);
    fputs(",\n  \"ranks\": [", f);
    for (int r = 0; r < ctx->nranks; r++) {
        const lp_rank_stats *s = &ctx->ranks[r];
        fprintf(f, "%s\n    {\"rank\": %d, \"host\": ", r ? "," : "", s->rank);
        json_string(f, s->host);
        fprintf(f, ", \"workers\": %u, \"tiles\": %zu, \"handles\": %zu, \"tasks\": %zu, "
                   "\"rows\": %zu, \"busy_ms\": ", s->nworkers, s->tiles, s->handles, s->tasks,
                s->rows);
        json_number(f, s->busy_ms);
        fputs(", \"seconds\": ", f);
        json_number(f, s->seconds);
        fputs(", ", f);
        json_io(f, &s->io);
        fprintf(f, ", \"peak_rss_bytes\": %llu}", (unsigned long long)s->peak_rss_bytes);
    }
    fputs("\n  ]", f);
}

static void json_env(FILE *f)
{
    int any = 0;
    fputs("  \"env\": {", f);
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "STARPU_", 7) != 0 || !eq)
            continue;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
        fprintf(f, "%s\n    ", any++ ? "," : "");
        json_string(f, name);
        fputs(": ", f);
        json_string(f, eq + 1);
    }
    fputs(any ? "\n  }" : "}", f);
}

int lp_report_json(FILE *f, const lp_report_context *ctx,
                   const lp_report *runs, int nruns)
{
    fputs("{\n", f);
    fprintf(f, "  \"version\": \"%s\",\n  \"simulated\": %s,\n  \"machine\": ", LP_VERSION,
            ctx->machine ? "true" : "false");
    if (ctx->machine)
        json_string(f, ctx->machine);
    else
        fputs("null", f);
    fputs(",\n  \"data\": ", f);
    json_string(f, ctx->data_desc);
    fputs(",\n  \"sched_source\": ", f);
    json_string(f, ctx->sched_source);
    fprintf(f, ",\n  \"startup_ms\": %.3f,\n  \"data_ms\": %.3f,\n", ctx->startup_ms,
            ctx->data_ms);
    fprintf(f, "  \"bad_inputs\": %zu,\n", ctx->bad_inputs);
    fprintf(f, "  \"tiles_calibrated\": %s,\n", ctx->tiles_calibrated ? "true" : "false");
    fprintf(f, "  \"streamed\": %s,\n  \"window_bytes\": %zu,\n", ctx->streamed ? "true" : "false",
            ctx->window_bytes);
    if (ctx->input_layout) {
        fputs("  \"input_layout\": ", f);
        json_string(f, ctx->input_layout);
        fputs(",\n", f);
    }
    fputs("  \"io\": {", f);
    json_io(f, &ctx->io);
    fprintf(f, "},\n  \"peak_rss_bytes\": %llu,\n", (unsigned long long)ctx->peak_rss_bytes);
    if (ctx->verified) {
        fputs("  \"max_rel_error\": ", f);
        json_result(f, ctx->max_rel_error);
        fputs(",\n", f);
    }
    json_run(f, &runs[0], "  ", ctx->machine != NULL);
    fputs(",\n", f);
    json_env(f);
    if (ctx->nranks > 0 && ctx->ranks)
        json_ranks(f, ctx);
    if (nruns > 1) {
        fputs(",\n  \"runs\": [", f);
        for (int i = 0; i < nruns; i++) {
            fprintf(f, "%s\n    {\n", i ? "," : "");
            json_run(f, &runs[i], "      ", ctx->machine != NULL);
            fputs("\n    }", f);
        }
        fputs("\n  ]", f);
    }
    fputs("\n}\n", f);
    return ferror(f) ? -1 : 0;
}
