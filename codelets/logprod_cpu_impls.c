/* The CPU implementations of lp_logprod and which one runs where.
 *
 * The codelet's cpu_funcs are {auto, baseline, avx2, avx512, avx512-lplog,
 * lplog, avx2-lplog} (those this compiler built).  Three are reproducible:
 * lplog (log_lp.h's specification, any processor), avx2-lplog and
 * avx512-lplog (the same bits, 4 or 8 rows at a time); the others call
 * glibc's logs, whose last bits differ.  By default StarPU runs its first,
 * "auto", which calls the reproducible one measured fastest on this
 * machine: a short single-thread
 * run of each on cache-resident rows, done once and kept beside the
 * performance models (sampling/lp-starpu-cpu-impl.HOST), done again by
 * --calibrate.  --cpu-impl NAME makes auto call that one; --cpu-impl any
 * lets auto call the fastest of all, and policies that choose an
 * implementation from the history model (dm*, pheft, modular-*) see all
 * the processor runs and pick per worker by measured speed. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <starpu.h>

#include "clock.h"
#include "internal.h"   /* lp_file_replace */
#include "logprod.h"
#include "logprod_cpu_starpu.h"

typedef void (*kernel_fn)(size_t, unsigned, const double *, const double *, const double *,
                          double *);
typedef void (*kernel_f32_fn)(size_t, unsigned, const float *, const float *, const float *,
                              float *);

/* In the order of the codelet's cpu_funcs (logprod_codelet.c).  Narrowest
 * first, so that the ones a processor runs are 0..m (but lplog and
 * avx2-lplog, added last so that the older ones keep their numbers in the
 * models; --cpu-impl any leaves them out after a gap): StarPU
 * 1.3 saves a model's implementations 0..n-1, n being how many have
 * samples, and would drop the last one's history after a gap. */
static const struct impl {
    const char *name;
    kernel_fn kernel;
    kernel_f32_fn kernel_f32;
    int reproducible;   /* gives log_lp.h's bits */
    int width;          /* the vector width's rank: the widest is the guess */
} impls[] = {
    {"auto", NULL, NULL, 0, 0},
    {"baseline", lp_logprod_kernel_baseline, lp_logprod_kernel_baseline_f32, 0, 1},
#ifdef LP_HAVE_CPU_AVX2
    {"avx2", lp_logprod_kernel_avx2, lp_logprod_kernel_avx2_f32, 0, 2},
#endif
#ifdef LP_HAVE_CPU_AVX512
    {"avx512", lp_logprod_kernel_avx512, lp_logprod_kernel_avx512_f32, 0, 3},
    {"avx512-lplog", lp_logprod_kernel_avx512_lplog, lp_logprod_kernel_avx512_lplog_f32, 1, 3},
#endif
    {"lplog", lp_logprod_kernel_lplog, lp_logprod_kernel_lplog_f32, 1, 1},
#ifdef LP_HAVE_CPU_AVX2
    {"avx2-lplog", lp_logprod_kernel_avx2_lplog, lp_logprod_kernel_avx2_lplog_f32, 1, 2},
#endif
};
enum { NIMPL = sizeof impls / sizeof impls[0] };
_Static_assert(NIMPL <= LP_CPU_IMPL_MAX && NIMPL <= STARPU_MAXIMPLEMENTATIONS,
               "more CPU implementations than StarPU was built for (scripts/bootstrap.sh)");

static int has(const char *isa)
{
#ifdef STARPU_SIMGRID
    /* Simulated (lp-starpu-sim): the processor is the captured machine's,
     * whose models hold every implementation it ran, and no kernel runs
     * here, so this host's instruction sets do not matter. */
    (void)isa;
    return 1;
#endif
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (strncmp(isa, "avx512", 6) == 0)   /* what -march=x86-64-v4 assumes */
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512cd");
    if (strncmp(isa, "avx2", 4) == 0)   /* what -march=x86-64-v3 assumes */
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("bmi2");
#endif
    return strcmp(isa, "baseline") == 0 || strcmp(isa, "lplog") == 0;
}

static int any_impl;              /* --cpu-impl any: reproducible or not */
static int model_mode;            /* and the policy picks among all the processor runs */
static unsigned forced;           /* --cpu-impl NAME: the one auto calls, auto alone allowed */
static _Atomic unsigned chosen;   /* what auto calls; 0: not yet decided */
static unsigned char allowed[NIMPL];

unsigned lp_cpu_impl_count(void) { return NIMPL; }

const char *lp_cpu_impl_name(unsigned nimpl)
{
    return nimpl < NIMPL ? impls[nimpl].name : "?";
}

void lp_cpu_impl_names(char *buf, size_t len, const char *sep)
{
    if (len)
        buf[0] = '\0';
    for (unsigned i = 0, used = 0; i < NIMPL && used < len; i++)
        used += (unsigned)snprintf(buf + used, len - used, "%s%s", i ? sep : "", impls[i].name);
}

int lp_cpu_impl_find(const char *name)
{
    for (unsigned i = 0; i < NIMPL; i++)
        if (strcmp(impls[i].name, name) == 0)
            return (int)i;
    return -1;
}

int lp_cpu_impl_supported(unsigned nimpl)
{
    return nimpl == 0 || (nimpl < NIMPL && has(impls[nimpl].name));
}

int lp_cpu_impl_reproducible(unsigned nimpl)
{
    if (nimpl == 0)
        nimpl = lp_cpu_impl_chosen();
    return nimpl < NIMPL && impls[nimpl].reproducible;
}

/* Whether auto may call it: a reproducible one unless --cpu-impl any. */
static int eligible(unsigned nimpl)
{
    return nimpl > 0 && lp_cpu_impl_supported(nimpl) && (any_impl || impls[nimpl].reproducible);
}

/* The best the processor runs when nothing was measured: the widest
 * eligible one (of equals, the first: glibc's where any is allowed). */
static unsigned widest(void)
{
    unsigned best = 0;
    for (unsigned i = 1; i < NIMPL; i++)
        if (eligible(i) && (!best || impls[i].width > impls[best].width))
            best = i;
    return best ? best : (unsigned)lp_cpu_impl_find("lplog");
}

unsigned lp_cpu_impl_chosen(void)
{
    unsigned c = atomic_load(&chosen);
    return c ? c : widest();
}

/* Model-based policies under --cpu-impl any: every one the processor
 * runs up to the first it lacks (see the table), auto included.  Other
 * policies and the other modes run StarPU's first, auto, which calls the
 * chosen one (the forced one under --cpu-impl: its model entries then hold
 * that one's times). */
static void update_allowed(void)
{
    int prefix = 1;
    for (unsigned i = 0; i < NIMPL; i++) {
        prefix = prefix && lp_cpu_impl_supported(i);
        allowed[i] = i == 0 ? 1 : model_mode && !forced && prefix;
    }
}

void lp_cpu_impl_configure(int sched_chooses, unsigned force, int any)
{
    forced = force < NIMPL ? force : 0;
    any_impl = any && !forced;
    model_mode = any_impl && sched_chooses;
    atomic_store(&chosen, forced);
    update_allowed();
}

int lp_cpu_impl_model_mode(void) { return model_mode; }

int lp_cpu_impl_forced(void) { return forced != 0; }

int lp_cpu_impl_any(void) { return any_impl; }

int lp_cpu_impl_allowed(unsigned nimpl)
{
    return nimpl < NIMPL && allowed[nimpl];
}

void lp_logprod_kernel(size_t n, unsigned intensity, const double *x, const double *y,
                       const double *z, double *out)
{
    impls[lp_cpu_impl_chosen()].kernel(n, intensity, x, y, z, out);
}

void lp_logprod_kernel_f32(size_t n, unsigned intensity, const float *x, const float *y,
                           const float *z, float *out)
{
    impls[lp_cpu_impl_chosen()].kernel_f32(n, intensity, x, y, z, out);
}

void lp_logprod_cpu_auto(void *buffers[], void *cl_arg)
{
    lp_cpu_run_tile(buffers, cl_arg, lp_logprod_kernel, lp_logprod_kernel_f32);
}

/* ------------------------------------------------------------ the choice */

static double now_s(void)
{
    return (double)lp_now_ns() * 1e-9;
}

/* ns per row of each supported implementation, best of rounds that take
 * turns (so that a slow moment of the machine hits all of them alike); 8K
 * rows stay in L2, so this times the log, not memory.  About 5 ms. */
static void measure(double ns[NIMPL])
{
#ifdef STARPU_SIMGRID   /* no kernel may run: this host may lack their instructions */
    for (unsigned i = 0; i < NIMPL; i++)
        ns[i] = -1;
    return;
#endif
    enum { ROWS = 8192, ROUNDS = 15 };
    double *buf = malloc(4 * ROWS * sizeof *buf);
    for (unsigned i = 0; i < NIMPL; i++)
        ns[i] = -1;
    if (!buf)
        return;
    double *x = buf, *y = buf + ROWS, *z = buf + 2 * ROWS, *out = buf + 3 * ROWS;
    for (size_t r = 0; r < ROWS; r++) {
        x[r] = 1.0 + (double)r;
        y[r] = 0.5 + (double)r * 1e-3;
        z[r] = 1e6 / (1.0 + (double)r);
    }
    for (int round = 0; round < ROUNDS; round++)
        for (unsigned i = 1; i < NIMPL; i++) {
            if (!lp_cpu_impl_supported(i))
                continue;
            double t0 = now_s();
            impls[i].kernel(ROWS, 1, x, y, z, out);
            double t = (now_s() - t0) * 1e9 / ROWS;
            if (round > 0 && (ns[i] < 0 || t < ns[i]))   /* round 0 warms up */
                ns[i] = t;
        }
    free(buf);
}

/* dir's parent, with StarPU's doubled slashes ("sampling//codelets/45/"). */
static int up(char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return -1;
    *slash = '\0';
    for (n = strlen(dir); n > 1 && dir[n - 1] == '/';)
        dir[--n] = '\0';
    return 0;
}

/* sampling/STEM.HOST beside StarPU's sampling/codelets/. */
int lp_model_side_path(const char *stem, char *path, size_t len)
{
    char dir[4096];
    starpu_perfmodel_get_model_path("lp_logprod", dir, sizeof dir);
    const char *base = strrchr(dir, '/');
    if (!base || strncmp(base + 1, "lp_logprod.", 11) != 0)
        return -1;
    char host[256];
    snprintf(host, sizeof host, "%s", base + 12);
    for (int i = 0; i < 3; i++)   /* the file, 45/, codelets/ */
        if (up(dir) != 0)
            return -1;
    int n = snprintf(path, len, "%s/%s.%s", dir, stem, host);
    return n > 0 && (size_t)n < len ? 0 : -1;
}

/* The fastest of the times ns (-1: not measured) that auto may call, or
 * with all of every one measured; 0: none. */
static unsigned fastest(const double ns[NIMPL], int all)
{
    unsigned best = 0;
    for (unsigned i = 1; i < NIMPL; i++)
        if ((all || eligible(i)) && ns[i] >= 0 && (!best || ns[i] < ns[best]))
            best = i;
    return best;
}

/* The decision kept in path, or 0 for none: the fastest eligible of the
 * times it holds; a file without times is a choice someone wrote, obeyed.
 * One whose times lack one this processor runs (built since) is out of
 * date: 0 too. */
static unsigned read_decision(const char *path, double ns[NIMPL])
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char name[32] = "", times[512] = "";
    int ok = fscanf(f, "%31s\n", name) == 1, timed = ok && fgets(times, sizeof times, f);
    fclose(f);
    for (unsigned i = 1; timed && i < NIMPL; i++) {
        char word[48];
        const char *at;
        snprintf(word, sizeof word, " %s ", impls[i].name);
        ns[i] = (at = strstr(times, word)) ? strtod(at + strlen(word), NULL) : -1;
        if (lp_cpu_impl_supported(i) && !at)
            ok = 0;
    }
    if (!ok)
        return 0;
    if (timed)
        return fastest(ns, 0);
    int i = lp_cpu_impl_find(name);
    return i > 0 && lp_cpu_impl_supported((unsigned)i) ? (unsigned)i : 0;
}

static void write_decision(const char *path, unsigned best, const double ns[NIMPL])
{
    char text[256];
    int used = snprintf(text, sizeof text, "%s\n# ns per row, one thread, 8K rows in cache:",
                        impls[best].name);
    for (unsigned i = 1; i < NIMPL; i++)
        if (ns[i] >= 0 && used >= 0 && (size_t)used < sizeof text)
            used += snprintf(text + used, sizeof text - (size_t)used, " %s %.3f", impls[i].name,
                             ns[i]);
    if (used >= 0 && (size_t)used + 1 < sizeof text)
        lp_file_replace(path, strcat(text, "\n"));
}

unsigned lp_cpu_impl_choose(int remeasure, double ns[LP_CPU_IMPL_MAX])
{
    if (forced)
        return forced;
    char path[4200];
    double t[NIMPL];
    for (unsigned i = 0; i < NIMPL; i++)
        t[i] = -1;
    int have_path = lp_model_side_path("lp-starpu-cpu-impl", path, sizeof path) == 0;
    unsigned best = have_path && !remeasure ? read_decision(path, t) : 0;
    if (!best) {
        measure(t);
        best = fastest(t, 0);
        if (!best)
            best = widest();
        if (ns)
            memcpy(ns, t, sizeof t);
        unsigned of_all = fastest(t, 1);
        if (have_path)   /* the first line: the fastest of all, for the reader */
            write_decision(path, of_all ? of_all : best, t);
    }
    atomic_store(&chosen, best);
    return best;
}
