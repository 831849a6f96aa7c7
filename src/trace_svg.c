/* --trace FILE.svg: a Gantt chart of the best run, one lane per worker, one
 * box per task (coloured by backend, labelled with its tile), a time axis,
 * and what each bus moved.  Plain SVG, readable in any browser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_out.h"
#include "internal.h"

#define W 1200.0        /* drawing width, px */
#define LEFT 230.0      /* room for the lane names */
#define LANE 26.0
#define TOP 60.0

static const char *colour(lp_backend k)
{
    switch (k) {
    case LP_BACKEND_CUDA: return "#4caf50";
    case LP_BACKEND_OPENCL: return "#ff9800";
    default: return "#3f7fd0";
    }
}

/* Escapes at most max characters of s (lane names must fit their room). */
static void xml_text_max(FILE *f, const char *s, size_t max)
{
    for (size_t n = 0; *s && n < max; s++, n++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void xml_text(FILE *f, const char *s)
{
    xml_text_max(f, s, (size_t)-1);
}

/* A tick step of 1, 2 or 5 times a power of ten giving about 10 ticks. */
static double tick_step(double span)
{
    double step = 1e-3;
    while (span / step > 10)
        step *= (span / (step * 2) <= 10) ? 2 : (span / (step * 5) <= 10) ? 5 : 10;
    return step;
}

static void draw(FILE *f, const lp_report *r)
{
    double span = 0;
    for (size_t t = 0; t < r->tiles; t++)
        if (r->tasks[t].end_us > span)
            span = r->tasks[t].end_us;
    if (r->seconds * 1e6 > span)
        span = r->seconds * 1e6;
    if (span <= 0)
        span = 1;
    const double scale = (W - LEFT - 20) / span;
    const double height = TOP + LANE * r->nworkers + 60 + 16.0 * r->nbuses;

    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n", W, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" font-size=\"15\">lp-starpu: ");
    xml_text(f, r->sched);
    fprintf(f, ", %zu rows in %zu tiles, backend %s, %.3f ms (best of %d)</text>\n", r->rows,
            r->tiles, lp_backend_name(r->backend), r->seconds * 1e3, r->repeat);

    double step = tick_step(span / 1000.0);   /* in ms */
    for (double ms = 0; ms * 1000.0 <= span; ms += step) {
        double x = LEFT + ms * 1000.0 * scale;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g ms</text>\n",
                x, TOP - 8, x, TOP + LANE * r->nworkers, x, TOP - 12, ms);
    }
    for (unsigned w = 0; w < r->nworkers; w++) {
        double y = TOP + LANE * w;
        fprintf(f, "<text x=\"10\" y=\"%.1f\">", y + LANE * 0.65);
        xml_text_max(f, r->workers[w].name, 32);
        fprintf(f, " (%u)</text>\n", r->workers[w].tasks);
    }
    for (size_t t = 0; t < r->tiles; t++) {
        const lp_task_record *k = &r->tasks[t];
        if (k->worker < 0 || (unsigned)k->worker >= r->nworkers)
            continue;
        double x = LEFT + k->start_us * scale, w = (k->end_us - k->start_us) * scale;
        double y = TOP + LANE * k->worker + 3;
        fprintf(f, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\" "
                   "stroke=\"white\" stroke-width=\"0.5\"><title>tile %zu: rows %zu-%zu, "
                   "%.1f us</title></rect>\n",
                x, y, w < 0.5 ? 0.5 : w, LANE - 6, colour(r->workers[k->worker].kind), k->tile,
                k->first_row, k->first_row + k->rows - 1, k->end_us - k->start_us);
        if (w > 24)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"white\" text-anchor=\"middle\">%zu"
                       "</text>\n", x + w / 2, y + LANE * 0.55, k->tile);
    }
    double y = TOP + LANE * r->nworkers + 30;
    fprintf(f, "<text x=\"10\" y=\"%.0f\">boxes: tasks, labelled with their tile "
               "(<tspan fill=\"%s\">cpu</tspan>, <tspan fill=\"%s\">cuda</tspan>, "
               "<tspan fill=\"%s\">opencl</tspan>); the run's time also counts registration "
               "and bringing results home</text>\n",
            y, colour(LP_BACKEND_CPU), colour(LP_BACKEND_CUDA), colour(LP_BACKEND_OPENCL));
    for (unsigned b = 0; b < r->nbuses; b++) {
        char buf[32];
        fprintf(f, "<text x=\"10\" y=\"%.0f\">bus ", y + 16.0 * (b + 1));
        xml_text(f, r->buses[b].src);
        fputs(" -&gt; ", f);
        xml_text(f, r->buses[b].dst);
        fprintf(f, ": %s in %u transfers</text>\n",
                lp_format_bytes((double)r->buses[b].bytes, buf, sizeof buf),
                r->buses[b].transfers);
    }
    fputs("</svg>\n", f);
}

int lp_trace_svg(const char *path, const lp_report *r, char *err, size_t errlen)
{
    lp_out_file o;
    if (lp_out_open(&o, path, err, errlen) != 0)
        return -1;
    draw(o.f, r);
    return lp_out_commit(&o, path, err, errlen);
}
