/* The command line of lp-starpu.  Parsing has no side effects (no exit, no
 * global state), so it can be tested and fuzzed on its own. */
#ifndef LP_CLI_H
#define LP_CLI_H

#include <stdio.h>
#include "lp_starpu.h"

typedef struct lp_cli {
    lp_options opt;
    unsigned long long rows;   /* default 10,000,000 */
    int rows_set;
    int warmup_set;            /* --warmup given */
    int compare, verify, strict, quiet;
    int force;                 /* --force: replace a read-only output */
    int progress;              /* --progress: even where stderr is no tty */
    int stream;                /* --stream: through a window even if the rows fit */
    unsigned long long window; /* --window BYTES, 0: the default */
    int help, version, sched_help;
    lp_data_kind data;
    int data_set;
    lp_dtype dtype;            /* --dtype f64 (default) or f32 */
    uint64_t seed;
    int seed_set;
    const char *input, *output, *json, *trace;
    const char *machine;       /* --machine NAME|DIR (lp-starpu-sim) */
    unsigned nodes;            /* --nodes N (lp-starpu-sim): 0 when not given */
    int calibrate;             /* --calibrate */
    int mpi;                   /* --mpi: one rank per process of mpirun */
    int cyclic;                /* --distribution cyclic (default block) */
    int distribution_set;
} lp_cli;

#define LP_DEFAULT_ROWS 10000000ull
/* Simulated nodes: each rank loads its own copy of the runner (SimGrid's
 * MPI privatises a program's globals that way). */
#define LP_MAX_NODES 32

/* Returns 0, or LP_ERR_USAGE with a one-line message in err. */
int lp_cli_parse(int argc, char *const argv[], lp_cli *cli,
                 char *err, size_t errlen);

/* Parses a count: decimal digits with an optional k, M or G suffix
 * (x1e3, 1e6, 1e9).  Returns 0 or -1 (empty, sign, junk, overflow, > max). */
int lp_parse_count(const char *s, unsigned long long max,
                   unsigned long long *out);

void lp_cli_usage(FILE *f);

#endif
