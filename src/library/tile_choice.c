/* The tile layout --calibrate measured fastest on this machine, kept
 * beside the performance models (lp-starpu-tiles), as the CPU code choice
 * and the memory floor are.  One line per job shape:
 *     rows dtype intensity workers tiles [accel accel_rows sched]
 * the last line of a shape wins.  A default run (no --tiles, --tile-rows
 * or --accel-tiles) of that shape uses it, its accelerators' tiles only
 * under the policy they were measured with (which tile runs where is the
 * policy's); any other shape keeps the formula in run.c, since what was
 * measured says nothing about it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "logprod.h"

#define LP_TILE_CHOICE_FILE "lp-starpu-tiles"

/* Whether line is about this shape, whatever its layout or policy. */
static int same_shape(const char *line, size_t rows, lp_dtype dtype, unsigned intensity,
                      unsigned nworkers)
{
    unsigned long long r, t;
    unsigned d, k, w;
    return sscanf(line, "%llu %u %u %u %llu", &r, &d, &k, &w, &t) == 5 && r == rows &&
           d == (unsigned)dtype && k == (intensity ? intensity : 1) && w == nworkers;
}

/* The layout of line if it is about this shape (and, with accelerators'
 * tiles, sched), else tiles 0. */
static lp_layout shape_layout(const char *line, size_t rows, lp_dtype dtype, unsigned intensity,
                              unsigned nworkers, const char *sched)
{
    unsigned long long r, t, a = 0, ar = 0;
    unsigned d, k, w;
    char policy[64] = "";
    lp_layout none = {0, 0, 0};
    if (!same_shape(line, rows, dtype, intensity, nworkers))
        return none;
    int n = sscanf(line, "%llu %u %u %u %llu %llu %llu %63s", &r, &d, &k, &w, &t, &a, &ar,
                   policy);
    if ((n != 5 && n != 8) || t < 1 || t > rows)
        return none;
    if (a && (!sched || strcmp(policy, sched) != 0 || a >= t ||
              !lp_layout_fits((size_t)a, (size_t)ar, rows)))
        return none;
    return (lp_layout){(size_t)t, (size_t)a, a ? (size_t)ar : 0};
}

lp_layout lp_tiles_chosen(size_t rows, lp_dtype dtype, unsigned intensity, unsigned nworkers,
                          const char *sched)
{
    char path[4300], line[256];
    lp_layout chosen = {0, 0, 0}, l;
    if (lp_model_side_path(LP_TILE_CHOICE_FILE, path, sizeof path) != 0)
        return chosen;
    FILE *f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if ((l = shape_layout(line, rows, dtype, intensity, nworkers, sched)).tiles != 0)
            chosen = l;
    if (f)
        fclose(f);
    return chosen;
}

int lp_tiles_choose(size_t rows, lp_dtype dtype, unsigned intensity, unsigned nworkers,
                    const char *sched, const lp_layout *l, const lp_layout *equal)
{
    char path[4300], line[256], *text = NULL;
    size_t len = 0;
    if (lp_model_side_path(LP_TILE_CHOICE_FILE, path, sizeof path) != 0)
        return -1;
    FILE *text_f = open_memstream(&text, &len), *f = fopen(path, "r");
    if (!text_f) {
        if (f)
            fclose(f);
        return -1;
    }
    while (f && fgets(line, sizeof line, f))   /* the other shapes' lines, then this one */
        if (line[0] != '#' && !same_shape(line, rows, dtype, intensity, nworkers))
            fputs(line, text_f);
    if (f)
        fclose(f);
    unsigned k = intensity ? intensity : 1;
    if (l->accel)   /* the other policies' first: the last line that applies wins */
        fprintf(text_f, "%zu %u %u %u %zu\n", rows, (unsigned)dtype, k, nworkers, equal->tiles);
    fprintf(text_f, "%zu %u %u %u %zu", rows, (unsigned)dtype, k, nworkers, l->tiles);
    if (l->accel)
        fprintf(text_f, " %zu %zu %s", l->accel, l->accel_rows, sched);
    fprintf(text_f, "\n# rows dtype intensity workers tiles [accel accel_rows sched]: the tile "
            "layout --calibrate measured fastest for that job\n");
    int status = fclose(text_f) == 0 ? lp_file_replace(path, text) : -1;
    free(text);
    return status;
}
