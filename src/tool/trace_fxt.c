/* The transfers of a run, for --trace, from StarPU's own FxT trace (StarPU
 * built with FxT; the same traces ViTE and StarVZ read).  Recording is on
 * only when --trace asks for it (STARPU_FXT_TRACE=1, otherwise 0: FxT then
 * records nothing), into a private directory; after StarPU stops, StarPU's
 * own converter turns the raw trace into a Paje trace there, and each
 * copy between two memory nodes (Paje links 18/19 with a com_ key) inside
 * the run's window becomes a box.  The window starts at the run's FxT
 * user event (lp_tiles.best_mark). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <starpu.h>

#include "trace_fxt.h"

#define MAX_NODES 64

static char node_names[MAX_NODES][32];

int lp_fxt_prepare(char *dir, size_t len)
{
    if (lp_temp_dir("lp-starpu-fxt", dir, len) != 0)
        return -1;
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s/", dir);
    setenv("STARPU_FXT_TRACE", "1", 1);
    setenv("STARPU_FXT_PREFIX", prefix, 1);
    return 0;
}

void lp_fxt_remember_nodes(void)
{
    for (unsigned n = 0; n < starpu_memory_nodes_get_count() && n < MAX_NODES; n++)
        starpu_memory_node_get_name(n, node_names[n], sizeof node_names[n]);
}

/* StarPU's converter prints as it goes: its output is not ours. */
#ifdef STARPU_USE_FXT
static void convert(struct starpu_fxt_options *o)
{
    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    starpu_fxt_generate_trace(o);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    close(null);
}
#endif

static char *raw_trace(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *path = NULL;
    while (d && !path && (e = readdir(d)))
        if (strncmp(e->d_name, "prof_file_", 10) == 0 && (path = malloc(strlen(dir) + 300)))
            sprintf(path, "%s/%s", dir, e->d_name);
    if (d)
        closedir(d);
    return path;
}

void lp_fxt_discard(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4400];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

typedef struct open_copy {
    unsigned comid, src;
    double start_ms;
} open_copy;

static const char *node_name(unsigned n)
{
    return n < MAX_NODES && node_names[n][0] ? node_names[n] : "?";
}

/* A Paje line's tab-separated fields; returns how many (at most max). */
static int fields(char *line, char **f, int max)
{
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(line, "\t\n", &save); tok && n < max;
         tok = strtok_r(NULL, "\t\n", &save))
        f[n++] = tok;
    return n;
}

/* The memory node in a container name such as "mm1" (or "<prefix>mm1"). */
static int memnode(const char *container, unsigned *node)
{
    const char *mm = strstr(container, "mm");
    return mm && sscanf(mm + 2, "%u", node) == 1;
}

static int push(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 1;
    size_t grown_cap = *cap ? 2 * *cap : 64;
    void *grown = realloc(*v, grown_cap * size);
    if (!grown)
        return 0;
    *v = grown;
    *cap = grown_cap;
    return 1;
}

/* Paje lines used: "9 TIME user_user_event CONTAINER CODE" (the run's
 * mark), "18 TIME TYPE CONTAINER SIZE mmSRC com_ID" (a copy starts) and
 * "19 TIME TYPE CONTAINER SIZE mmDST com_ID" (it ends); times in ms. */
static lp_transfer *parse(FILE *f, unsigned long mark, double window_us, size_t *n)
{
    char line[512], *fl[8];
    double mark_ms = -1;
    size_t nopen = 0, cap_open = 0, cap = 0;
    open_copy *opened = NULL;
    lp_transfer *xfers = NULL;
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        int nf = fields(line, fl, 8);
        unsigned node, comid;
        if (nf == 5 && strcmp(fl[0], "9") == 0 && strstr(fl[2], "user_event") &&
            strtoul(fl[4], NULL, 10) == mark && mark_ms < 0) {
            mark_ms = strtod(fl[1], NULL);
            continue;
        }
        if (nf != 7 || (strcmp(fl[0], "18") && strcmp(fl[0], "19")) || !memnode(fl[5], &node) ||
            sscanf(fl[6], "com_%u", &comid) != 1)
            continue;
        double t = strtod(fl[1], NULL);
        if (fl[0][1] == '8') {   /* 18: the start */
            if (!push((void **)&opened, &cap_open, nopen, sizeof *opened))
                break;
            opened[nopen++] = (open_copy){comid, node, t};
            continue;
        }
        for (size_t k = 0; k < nopen; k++) {
            if (opened[k].comid != comid)
                continue;
            double start = (opened[k].start_ms - mark_ms) * 1e3, end = (t - mark_ms) * 1e3;
            if (mark_ms >= 0 && end >= 0 && start <= window_us &&
                push((void **)&xfers, &cap, *n, sizeof *xfers)) {
                lp_transfer *x = &xfers[(*n)++];
                snprintf(x->link, sizeof x->link, "%s -> %s", node_name(opened[k].src),
                         node_name(node));
                x->start_us = start;
                x->end_us = end;
                x->bytes = strtoull(fl[4], NULL, 10);
            }
            opened[k] = opened[--nopen];
            break;
        }
    }
    free(opened);
    return xfers;
}

lp_transfer *lp_fxt_transfers(const char *dir, unsigned long mark, double window_us, size_t *n)
{
    *n = 0;
    lp_transfer *xfers = NULL;
#ifdef STARPU_USE_FXT   /* a StarPU without FxT records no trace: no transfers */
    char *raw = raw_trace(dir);
    if (raw) {
        struct starpu_fxt_options o;
        memset(&o, 0, sizeof o);
        starpu_fxt_options_init(&o);
        o.ninputfiles = 1;
        o.filenames[0] = raw;
        o.dir = (char *)dir;
        starpu_fxt_options_set_dir(&o);
        convert(&o);
        FILE *f = fopen(o.out_paje_path, "r");
        if (f) {
            xfers = parse(f, mark, window_us, n);
            fclose(f);
        }
        starpu_fxt_options_shutdown(&o);
        free(raw);
    }
#else
    (void)mark, (void)window_us;
#endif
    lp_fxt_discard(dir);
    return xfers;
}
