/* libFuzzer harness: lp_cli_parse (src/tool/cli.c).  The input is split on NUL
 * bytes into argv[1..], so any sequence of arguments can be produced.
 * Besides the sanitizers' checks: a refusal always comes with a message,
 * and an accepted command line holds values within the options' documented
 * ranges and no combination the parser must refuse. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const lp_cli *c)
{
    if (c->help || c->version || c->sched_help)
        return;
    int ok = c->rows <= LP_MAX_ROWS && c->opt.repeat >= 1 && c->opt.repeat <= 1000000 &&
             (c->window == 0 || (c->stream && c->window >= 1000000)) &&
             c->opt.warmup >= 0 && c->opt.warmup <= 1000 &&
             c->opt.intensity >= 1 && c->opt.intensity <= 1000000 &&
             (unsigned)c->opt.backend < LP_BACKEND_COUNT &&
             !(c->opt.tiles && c->opt.tile_rows) &&
             !(c->compare && c->opt.backend != LP_BACKEND_AUTO) &&
             !(c->seed_set && c->data != LP_DATA_RANDOM) &&
             !(c->distribution_set && !c->mpi) &&
             !(c->calibrate && (c->compare || c->output || c->json || c->trace));
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy with a final NUL: every argument is a C string. */
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    static char prog[] = "lp-starpu";
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = prog;
    for (size_t i = 0; i < size && argc <= MAX_ARGS; i += strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    argv[argc] = NULL;

    lp_cli c;
    char err[512];
    memset(err, 'X', sizeof err);   /* no NUL: an unwritten message shows */
    if (lp_cli_parse(argc, argv, &c, err, sizeof err) != 0) {
        if (err[0] == '\0' || err[0] == 'X' || memchr(err, '\0', sizeof err) == NULL)
            abort();   /* a refusal must say why, in a terminated string */
    } else {
        check_accepted(&c);
    }
    free(buf);
    return 0;
}
