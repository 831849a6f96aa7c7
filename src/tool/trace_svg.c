/* --trace FILE.svg: a Gantt chart of the best run, one lane per worker, one
 * box per task (coloured by backend, labelled with its tile), one lane per
 * link with a box per copy (from StarPU's FxT trace), a time axis, and what
 * each bus moved.  Plain SVG, readable in any browser. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file_out.h"
#include "tool.h"

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

/* The links that moved data, in the order they first appear: one lane
 * each under the workers'. */
static size_t link_lanes(const lp_transfer *x, size_t n, const char **names)
{
    size_t lanes = 0;
    for (size_t k = 0; k < n; k++) {
        size_t l = 0;
        while (l < lanes && strcmp(names[l], x[k].link) != 0)
            l++;
        if (l == lanes)
            names[lanes++] = x[k].link;
    }
    return lanes;
}

static size_t lane_of(const char **names, size_t lanes, const char *link)
{
    size_t l = 0;
    while (l < lanes && strcmp(names[l], link) != 0)
        l++;
    return l;
}

static void draw(FILE *f, const lp_report *r, const lp_transfer *x, size_t nx,
                 const char **links, size_t nlinks)
{
    double span = r->seconds * 1e6;
    for (size_t t = 0; t < r->tiles; t++)
        if (r->tasks[t].end_us > span)
            span = r->tasks[t].end_us;
    for (size_t k = 0; k < nx; k++)
        if (x[k].end_us > span)
            span = x[k].end_us;
    if (span <= 0)
        span = 1;
    const double scale = (W - LEFT - 20) / span;
    const double lanes = (double)r->nworkers + (double)nlinks;
    const double height = TOP + LANE * lanes + 60 + 16.0 * r->nbuses;

    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "font-family=\"sans-serif\" font-size=\"11\">\n", W, height);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"10\" y=\"22\" font-size=\"15\">lp-starpu: ");
    xml_text(f, r->sched);
    fprintf(f, ", %zu rows in %zu tiles, backend %s, %.3f ms (best of %d)</text>\n", r->rows,
            r->tiles, lp_backend_name(r->backend), r->seconds * 1e3, r->repeat);

    double step = tick_step(span / 1000.0);   /* in ms */
    for (double ms = 0; ms * 1000.0 <= span; ms += step) {
        double px = LEFT + ms * 1000.0 * scale;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%g ms</text>\n",
                px, TOP - 8, px, TOP + LANE * lanes, px, TOP - 12, ms);
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
        double px = LEFT + k->start_us * scale, w = (k->end_us - k->start_us) * scale;
        double y = TOP + LANE * k->worker + 3;
        fprintf(f, "<rect class=\"task\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" "
                   "fill=\"%s\" stroke=\"white\" stroke-width=\"0.5\"><title>tile %zu: rows "
                   "%zu-%zu, %.1f us</title></rect>\n",
                px, y, w < 0.5 ? 0.5 : w, LANE - 6, colour(r->workers[k->worker].kind), k->tile,
                k->first_row, k->first_row + k->rows - 1, k->end_us - k->start_us);
        if (w > 24)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"white\" text-anchor=\"middle\">%zu"
                       "</text>\n", px + w / 2, y + LANE * 0.55, k->tile);
    }
    /* The links' lanes: each copy of the run a box, so one sees whether
     * the copies overlap the work. */
    for (size_t l = 0; l < nlinks; l++) {
        fprintf(f, "<text x=\"10\" y=\"%.1f\" fill=\"#666\">",
                TOP + LANE * ((double)r->nworkers + (double)l) + LANE * 0.65);
        xml_text_max(f, links[l], 36);
        fputs("</text>\n", f);
    }
    for (size_t k = 0; k < nx; k++) {
        char size[32];
        double px = LEFT + x[k].start_us * scale, w = (x[k].end_us - x[k].start_us) * scale;
        double y = TOP + LANE * ((double)r->nworkers + (double)lane_of(links, nlinks, x[k].link)) + 6;
        fprintf(f, "<rect class=\"transfer\" x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
                   "height=\"%.0f\" fill=\"#9e9e9e\" stroke=\"white\" stroke-width=\"0.5\">"
                   "<title>", px, y, w < 0.5 ? 0.5 : w, LANE - 12);
        xml_text(f, x[k].link);
        fprintf(f, ": %s, %.1f us</title></rect>\n",
                lp_format_bytes((double)x[k].bytes, size, sizeof size), x[k].end_us - x[k].start_us);
    }
    double y = TOP + LANE * lanes + 30;
    fprintf(f, "<text x=\"10\" y=\"%.0f\">boxes: tasks, labelled with their tile "
               "(<tspan fill=\"%s\">cpu</tspan>, <tspan fill=\"%s\">cuda</tspan>, "
               "<tspan fill=\"%s\">opencl</tspan>), and under them each link's copies "
               "(<tspan fill=\"#9e9e9e\">grey</tspan>, from StarPU's FxT trace); the run's time "
               "also counts registration and bringing results home</text>\n",
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

int lp_trace_svg(const char *path, const lp_report *r, const lp_transfer *xfers, size_t nxfers,
                 char *err, size_t errlen)
{
    const char **links = calloc(nxfers + 1, sizeof *links);
    lp_out_file o;
    if (!links || lp_out_open(&o, path, err, errlen) != 0) {
        if (!links)
            snprintf(err, errlen, "%s: out of memory", path);
        free(links);
        return -1;
    }
    draw(o.f, r, xfers, nxfers, links, link_lanes(xfers, nxfers, links));
    free(links);
    return lp_out_commit(&o, path, err, errlen);
}
