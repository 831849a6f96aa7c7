/* The tile count --calibrate measured fastest on this machine, kept beside
 * the performance models (lp-starpu-tiles), as the CPU code choice and
 * the memory floor are.  One line per job shape:
 *     rows dtype intensity workers tiles
 * the last line of a shape wins.  A default run (no --tiles, no
 * --tile-rows) of that shape uses it; any other shape keeps the formula in
 * run.c, since what was measured says nothing about it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "logprod.h"

#define LP_TILE_CHOICE_FILE "lp-starpu-tiles"

/* The tile count of line if it is about this shape, else 0. */
static size_t shape_tiles(const char *line, size_t rows, lp_dtype dtype, unsigned intensity,
                          unsigned nworkers)
{
    unsigned long long r, t;
    unsigned d, k, w;
    if (sscanf(line, "%llu %u %u %u %llu", &r, &d, &k, &w, &t) == 5 && r == rows &&
        d == (unsigned)dtype && k == (intensity ? intensity : 1) && w == nworkers &&
        t >= 1 && t <= rows)
        return (size_t)t;
    return 0;
}

size_t lp_tiles_chosen(size_t rows, lp_dtype dtype, unsigned intensity, unsigned nworkers)
{
    char path[4300], line[256];
    if (lp_model_side_path(LP_TILE_CHOICE_FILE, path, sizeof path) != 0)
        return 0;
    FILE *f = fopen(path, "r");
    size_t chosen = 0, t;
    while (f && fgets(line, sizeof line, f))
        if ((t = shape_tiles(line, rows, dtype, intensity, nworkers)) != 0)
            chosen = t;
    if (f)
        fclose(f);
    return chosen;
}

int lp_tiles_choose(size_t rows, lp_dtype dtype, unsigned intensity, unsigned nworkers,
                    size_t tiles)
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
        if (line[0] != '#' && !shape_tiles(line, rows, dtype, intensity, nworkers))
            fputs(line, text_f);
    if (f)
        fclose(f);
    fprintf(text_f, "%zu %u %u %u %zu\n# rows dtype intensity workers tiles: the tile count "
            "--calibrate measured fastest for that job\n", rows, (unsigned)dtype,
            intensity ? intensity : 1, nworkers, tiles);
    int status = fclose(text_f) == 0 ? lp_file_replace(path, text) : -1;
    free(text);
    return status;
}
