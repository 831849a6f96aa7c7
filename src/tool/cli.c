/* Command-line parsing: every option, its checks and --help. */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"
#include "lp_starpu_advanced.h"
#include "tool.h"

int lp_parse_count(const char *s, unsigned long long max,
                   unsigned long long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    unsigned long long v = 0;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (~0ull - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    unsigned long long scale = 1;
    if (*s == 'k' || *s == 'K')
        scale = 1000ull;
    else if (*s == 'M')
        scale = 1000000ull;
    else if (*s == 'G')
        scale = 1000000000ull;
    if (scale != 1)
        s++;
    if (*s != '\0' || (v && scale > ~0ull / v))
        return -1;
    v *= scale;
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* A usage error: its message into err, LP_ERR_USAGE. */
#define fail(...) (lp_fail(__VA_ARGS__), LP_ERR_USAGE)

/* Options that take a value, in --name VALUE or --name=VALUE form. */
static const char *const with_value[] = {
    "--rows", "--tiles", "--tile-rows", "--accel-tiles", "--sched", "--backend", "--repeat",
    "--warmup", "--intensity", "--data", "--seed", "--input", "--output", "--json",
    "--distribution", "--trace", "--window", "--cpu-impl", "--dtype", "--machine", "--nodes",
    NULL,
};

/* "x,y,z": three non-empty names apart by commas. */
static int three_names(const char *v)
{
    int names = 0;
    for (const char *p = v;; p++) {
        size_t n = strcspn(p, ",");
        if (n == 0)
            return 0;
        names++;
        p += n;
        if (!*p)
            return names == 3;
    }
}

static int takes_value(const char *name)
{
    for (int i = 0; with_value[i]; i++)
        if (strcmp(name, with_value[i]) == 0)
            return 1;
    return 0;
}

static int set_value(lp_cli *c, const char *name, const char *v,
                     char *err, size_t len)
{
    unsigned long long n;
    if (strcmp(name, "--rows") == 0) {
        if (lp_parse_count(v, LP_MAX_ROWS, &n) != 0)
            return fail(err, len, "--rows '%s': expected a whole number of rows from 0 to %llu "
                        "(k, M, G suffixes allowed)", v, (unsigned long long)LP_MAX_ROWS);
        c->rows = n;
        c->rows_set = 1;
    } else if (strcmp(name, "--tiles") == 0 || strcmp(name, "--tile-rows") == 0) {
        if (lp_parse_count(v, LP_MAX_ROWS, &n) != 0 || n == 0)
            return fail(err, len, "%s '%s': expected a whole number from 1 to %llu", name, v,
                        (unsigned long long)LP_MAX_ROWS);
        if (strcmp(name, "--tiles") == 0)
            c->opt.tiles = (size_t)n;
        else
            c->opt.tile_rows = (size_t)n;
    } else if (strcmp(name, "--accel-tiles") == 0) {
        /* KxR: K tiles of R rows */
        char count[32];
        const char *x = strchr(v, 'x');
        unsigned long long rows;
        if (!x || (size_t)(x - v) >= sizeof count ||
            (memcpy(count, v, (size_t)(x - v)), count[x - v] = '\0',
             lp_parse_count(count, LP_MAX_ROWS, &n) != 0) ||
            lp_parse_count(x + 1, LP_MAX_ROWS, &rows) != 0 || n == 0 || rows == 0)
            return fail(err, len, "--accel-tiles '%s': expected KxR, K tiles of R rows each, "
                        "both at least 1 (say 2x1600000, or 2x1600k)", v);
        c->opt.accel_tiles = (size_t)n;
        c->opt.accel_tile_rows = (size_t)rows;
    } else if (strcmp(name, "--sched") == 0) {
        if (strcmp(v, "help") == 0)
            c->sched_help = 1;
        else if (!lp_sched_known(v))
            return fail(err, len, "--sched '%s': unknown scheduler (--sched help lists them)", v);
        c->opt.sched = v;
    } else if (strcmp(name, "--backend") == 0) {
        if (lp_backend_parse(v, &c->opt.backend) != 0)
            return fail(err, len, "--backend '%s': expected auto, cpu, cuda or opencl", v);
    } else if (strcmp(name, "--dtype") == 0) {
        if (strcmp(v, "f64") == 0 || strcmp(v, "float64") == 0)
            c->dtype = LP_FLOAT64;
        else if (strcmp(v, "f32") == 0 || strcmp(v, "float32") == 0)
            c->dtype = LP_FLOAT32;
        else
            return fail(err, len, "--dtype '%s': expected f64 or f32", v);
    } else if (strcmp(name, "--cpu-impl") == 0) {
        if (lp_cpu_impl_find(v) < 0 && strcmp(v, "any") != 0) {
            char built[128];
            lp_cpu_impl_names(built, sizeof built, ", ");
            return fail(err, len, "--cpu-impl '%s': expected one of %s, any", v, built);
        }
        c->opt.cpu_impl = v;
    } else if (strcmp(name, "--repeat") == 0) {
        if (lp_parse_count(v, 1000000, &n) != 0 || n == 0)
            return fail(err, len, "--repeat '%s': expected a whole number from 1 to 1000000", v);
        c->opt.repeat = (int)n;
    } else if (strcmp(name, "--warmup") == 0) {
        if (lp_parse_count(v, 1000, &n) != 0)
            return fail(err, len, "--warmup '%s': expected a whole number from 0 to 1000", v);
        c->opt.warmup = (int)n;
        c->warmup_set = 1;
    } else if (strcmp(name, "--nodes") == 0) {
        if (lp_parse_count(v, LP_MAX_NODES, &n) != 0 || n == 0)
            return fail(err, len, "--nodes '%s': expected a whole number from 1 to %d", v,
                        LP_MAX_NODES);
        c->nodes = (unsigned)n;
    } else if (strcmp(name, "--intensity") == 0) {
        if (lp_parse_count(v, 1000000, &n) != 0 || n == 0)
            return fail(err, len, "--intensity '%s': expected a whole number from 1 to 1000000", v);
        c->opt.intensity = (unsigned)n;
    } else if (strcmp(name, "--data") == 0) {
        if (strcmp(v, "seed") == 0)
            c->data = LP_DATA_SEED;
        else if (strcmp(v, "random") == 0)
            c->data = LP_DATA_RANDOM;
        else
            return fail(err, len, "--data '%s': expected seed or random", v);
        c->data_set = 1;
    } else if (strcmp(name, "--distribution") == 0) {
        if (strcmp(v, "block") != 0 && strcmp(v, "cyclic") != 0)
            return fail(err, len, "--distribution '%s': expected block or cyclic", v);
        c->cyclic = strcmp(v, "cyclic") == 0;
        c->distribution_set = 1;
    } else if (strcmp(name, "--window") == 0) {
        if (lp_parse_count(v, 1ull << 50, &n) != 0 || n < 1000000)
            return fail(err, len, "--window '%s': expected bytes from 1M to 2^50 (k, M, G suffixes)",
                        v);
        c->window = n;
    } else if (strcmp(name, "--seed") == 0) {
        if (lp_parse_count(v, ~0ull, &n) != 0)
            return fail(err, len, "--seed '%s': expected a non-negative whole number", v);
        c->seed = n;
        c->seed_set = 1;
    } else if (*v == '\0') {
        return fail(err, len, "%s: expected a file name", name);
    } else if (strcmp(name, "--input") == 0) {
        if (strchr(v, ',') && !three_names(v))   /* the command line's fault, not a file's */
            return fail(err, len, "--input '%s': expected one file, or three files x,y,z", v);
        c->input = v;
    } else if (strcmp(name, "--output") == 0) {
        if (strcmp(v, "-") == 0)
            return fail(err, len, "--output -: the .npy would mix with the report on standard "
                        "output; name a file");
        c->output = v;
    } else if (strcmp(name, "--trace") == 0) {
        if (strcmp(v, "-") == 0)
            return fail(err, len, "--trace -: the SVG would mix with the report on standard "
                        "output; name a file");
        c->trace = v;
    } else if (strcmp(name, "--json") == 0) {
        c->json = v;
    } else if (strcmp(name, "--machine") == 0) {
        c->machine = v;
    } else {   /* a name in with_value[] that no branch above handles */
        return fail(err, len, "%s: option not handled (a bug in lp-starpu)", name);
    }
    return 0;
}

static int set_flag(lp_cli *c, const char *a)
{
    if (strcmp(a, "--compare") == 0) c->compare = 1;
    else if (strcmp(a, "--verify") == 0) c->verify = 1;
    else if (strcmp(a, "--strict") == 0) c->strict = 1;
    else if (strcmp(a, "--mpi") == 0) c->mpi = 1;
    else if (strcmp(a, "--calibrate") == 0) c->calibrate = 1;
    else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) c->quiet = 1;
    else if (strcmp(a, "--progress") == 0) c->progress = 1;
    else if (strcmp(a, "--stream") == 0) c->stream = 1;
    else if (strcmp(a, "--force") == 0) c->force = 1;
    else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) c->help = 1;
    else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) c->version = 1;
    else return -1;
    return 0;
}

/* Combinations that make no sense are refused rather than guessed at. */
static int check_combinations(const lp_cli *c, char *err, size_t len)
{
    if (c->opt.tiles && c->opt.tile_rows)
        return fail(err, len, "--tiles and --tile-rows both given: choose one");
    if (c->window && !c->stream)
        return fail(err, len, "--window sizes the stream: add --stream (rows that do not fit in "
                    "memory stream by themselves)");
    if (c->input && (c->rows_set || c->data_set || c->seed_set))
        return fail(err, len, "--input gives the rows and the data: drop --rows, --data and --seed");
    if (c->seed_set && c->data != LP_DATA_RANDOM)
        return fail(err, len, "--seed only applies to --data random");
    if (c->distribution_set && !c->mpi && c->nodes < 2)
        return fail(err, len, "--distribution only applies with --mpi (or --nodes 2 or more)");
    if (c->calibrate && (c->compare || c->output || c->json || c->trace))
        return fail(err, len, "--calibrate runs alone: drop --compare, --output, --json, --trace");
    if (c->compare && c->opt.backend != LP_BACKEND_AUTO)
        return fail(err, len, "--compare runs every backend: drop --backend");
    if (c->compare && c->opt.accel_tiles)
        return fail(err, len, "--compare runs each backend alone on the same tiles: drop "
                    "--accel-tiles (big tiles for the accelerators would slow the CPU-only run)");
    return 0;
}

int lp_cli_parse(int argc, char *const argv[], lp_cli *c, char *err, size_t len)
{
    memset(c, 0, sizeof *c);
    lp_options_init(&c->opt);
    c->rows = LP_DEFAULT_ROWS;
    c->seed = 42;
    err[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char name[32];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) == 0 && eq && (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            if (!takes_value(name))
                return fail(err, len, "%s takes no value", name);
            int ret = set_value(c, name, eq + 1, err, len);
            if (ret)
                return ret;
        } else if (takes_value(a)) {
            if (i + 1 >= argc)
                return fail(err, len, "%s needs a value", a);
            int ret = set_value(c, a, argv[++i], err, len);
            if (ret)
                return ret;
        } else if (set_flag(c, a) != 0) {
            return fail(err, len, "unknown option '%s' (--help lists them)", a);
        }
    }
    if (c->help || c->version || c->sched_help)
        return 0;
    return check_combinations(c, err, len);
}

void lp_cli_usage(FILE *f)
{
    fputs(
"Usage: lp-starpu [OPTIONS]\n"
"Computes out[i] = log(x[i]) * log(y[i]) * log(z[i]) over N rows of float64\n"
"as a StarPU task graph (one task per tile) and reports where it ran.\n"
"\n"
"Work:\n"
"  --rows N            rows (default 10000000; k, M, G suffixes: 10M)\n"
"  --tiles T           number of tiles (one task each)\n"
"  --tile-rows R       at most R rows per tile instead of --tiles (the rows\n"
"                      cut into ceil(N/R) equal tiles)\n"
"                      default: tiles of 262144 rows, at least 4 per worker\n"
"                      while tiles keep 16384 rows or more, a multiple of\n"
"                      the workers that run them; never more tiles than\n"
"                      rows (more are clamped, with a notice)\n"
"  --accel-tiles KxR   K tiles of R rows each first, sized for the\n"
"                      accelerators (a GPU runs big tiles best, CPU workers\n"
"                      small ones); the options above cut the rows left; for\n"
"                      policies that place tiles by the model (dmda, lp-eft);\n"
"                      under --mpi the K tiles are dealt to the ranks in turn\n"
"  --data seed|random  seed: x = y = z = i for i = 1..N (the reference\n"
"                      Python program's data, the default); random: uniform\n"
"                      in [0.5, 1.5)\n"
"  --seed S            seed of --data random (default 42)\n"
"  --input FILE.npy    rows from an N x 3 .npy file (C or Fortran order), or\n"
"  --input X,Y,Z       from three 1-D .npy files; float64 or float32, either\n"
"                      byte order (converted to --dtype's type); a regular\n"
"                      file (a FIFO or device is refused)\n"
"  --stream            stream the rows through a bounded window of tile\n"
"                      buffers: read (or made), computed and written tile by\n"
"                      tile as one task graph (rows that do not fit in\n"
"                      memory always do)\n"
"  --window BYTES      the window's size (default: a quarter of the memory\n"
"                      available, at most 1 GiB; k, M, G suffixes)\n"
"  --dtype f64|f32     element type of x, y, z and out (default f64): f32\n"
"                      halves the bytes; logf on CPUs and devices; input\n"
"                      .npy values are converted to it; --output writes it;\n"
"                      the checksum is summed in double; --verify's bound\n"
"                      is 1e-5 instead of 1e-12\n"
"  --intensity K       arithmetic per row (default 1): out[i] = sum over\n"
"                      k = 0..K-1 of log(x+k) * log(y+k) * log(z+k), so\n"
"                      3K logarithms for the same 32 bytes of traffic\n"
"\n"
"Where it runs:\n"
"  --sched NAME        scheduling policy (default dmda): any of StarPU's, or\n"
"                      lp-eft, lp-starpu's own (transfers to each device\n"
"                      queued on its link); --sched help lists them.\n"
"                      Overrides STARPU_SCHED.\n"
"  --backend B         auto (every worker, the default), cpu, cuda or opencl:\n"
"                      only that kind of worker runs the tasks\n"
"  --cpu-impl I        the CPU code: auto (default: the reproducible one a\n"
"                      short measurement found fastest here, kept beside the\n"
"                      models), avx512-lplog, avx2-lplog or lplog (lp-starpu's\n"
"                      log: every device gives the same bits), baseline, avx2\n"
"                      or avx512 (glibc's logs: other last bits), any (the\n"
"                      fastest of all; dmda and the other model-based policies\n"
"                      pick per worker by measured speed); those built here\n"
"  --machine NAME|DIR  lp-starpu-sim only: replay a captured machine (a name\n"
"                      in perfmodels/machines, or a capture's directory) in\n"
"                      StarPU's SimGrid simulation: its workers, buses and\n"
"                      models; times are simulated, nothing is computed\n"
"  --nodes N           lp-starpu-sim only: N such machines as the nodes of a\n"
"                      cluster, one StarPU-MPI rank each, over SimGrid's MPI\n"
"                      (a 200 Gb/s, 1 us link per node; docs/simulation.md)\n"
"  --compare           the scheduled run and each available single backend,\n"
"                      in one process, side by side\n"
"  --calibrate         run each kind of worker alone until the performance\n"
"                      model is trusted for these tiles, then once scheduled\n"
"                      (with --verify, that last run is verified); without\n"
"                      --tiles, also time several tile counts (and, with an\n"
"                      accelerator, --accel-tiles layouts) and keep the\n"
"                      fastest for default runs of this job on this machine\n"
"                      (models: STARPU_PERF_MODEL_DIR, STARPU_HOME, or by\n"
"                      default ~/.cache/lp-starpu)\n"
"  --repeat K          timed runs; report the best and the median (default 1)\n"
"  --warmup W          untimed runs before them (default 1): the first run\n"
"                      pays one-off costs (device allocations, page faults);\n"
"                      default 0 for a file job (--input or --output): it\n"
"                      runs once, for its results\n"
"\n"
"Cluster (StarPU-MPI; run under mpirun):\n"
"  --mpi               one rank per MPI process; each owns some tiles, makes\n"
"                      or reads their rows itself (--input: the ranks must\n"
"                      see the same file) and runs them on its own workers;\n"
"                      every other option works the same\n"
"  --distribution D    block (default: contiguous tiles per rank) or cyclic\n"
"\n"
"Output and checks:\n"
"  --output FILE.npy   write out[] as a 1-D .npy of --dtype's type: into a\n"
"                      temporary file renamed at the end (a link is written\n"
"                      through, a device or FIFO written directly; never the\n"
"                      input, another output or standard output's file);\n"
"                      under --mpi each rank writes its own rows into it.\n"
"                      Temporary files a killed run left beside it are\n"
"                      removed by the next run that writes it.\n"
"  --force             replace a read-only --output, --json or --trace file\n"
"                      (refused otherwise, before the run)\n"
"  --json FILE         write the report as JSON (- for stdout)\n"
"  --trace FILE.svg    a Gantt chart of the best run: one lane per worker,\n"
"                      one box per task, and one lane per link with a box\n"
"                      per copy, from StarPU's FxT trace (the scheduled run\n"
"                      with --compare; under --mpi, every rank's)\n"
"  --verify            check every row against a scalar long-double\n"
"                      reference; fail beyond 1e-12 relative error (1e-5\n"
"                      for f32); a result equal to its reference (the same\n"
"                      infinity, or NaN for both) passes\n"
"  --strict            non-positive or NaN inputs are an error\n"
"  -q, --quiet         print only the checksum (--calibrate: nothing)\n"
"  --progress          progress even where stderr is no terminal (a line\n"
"                      every 5 s; under mpirun, rank 0's); by default only\n"
"                      on a terminal; never with --quiet.  Within a run: rows\n"
"                      done, their rate and the time left\n"
"  -V, --version       versions and what StarPU was built with\n"
"  -h, --help          this help\n"
"\n"
"StarPU's environment variables work as usual (STARPU_NCPU, STARPU_NCUDA,\n"
"STARPU_NOPENCL, STARPU_SCHED, STARPU_CALIBRATE, STARPU_OPENCL_ON_CPUS, ...)\n"
"and are listed in the report; a command-line flag wins over a variable.\n"
"\n"
"Ctrl-C (or SIGTERM) stops after the tiles in flight; a second one stops at\n"
"once.  Outputs are only ever replaced whole, at the end.\n"
"\n"
"Exit status: 0 ok, 1 runtime error, 2 usage error, 3 backend unavailable,\n"
"4 bad inputs with --strict, 5 --verify failed, 130 / 143 stopped by SIGINT /\n"
"SIGTERM.\n", f);
}
