/* lp_log8 (codelets/log_avx512.h), the vector log of the avx512-lplog CPU
 * implementation, against long double's logl: within 0.6 ulp over the
 * whole double range (seed-like values, values next to 1 where log is
 * smallest, subnormals, every binade), and log's own answers for 0, -0,
 * negative, infinite and NaN inputs.  Skipped (77) on a processor without
 * AVX-512; the rest of this file is built for any x86-64. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "support/check.h"

#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")
#include "log_avx512.h"

static void log8(const double *x, double *out)
{
    _mm512_storeu_pd(out, lp_log8(_mm512_loadu_pd(x)));
}
#pragma GCC pop_options

static uint64_t state = 0x9e3779b97f4a7c15u;
static double uniform(void)   /* [0, 1) */
{
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) * 0x1p-53;
}

static double seed_like(void) { return floor(1 + uniform() * 1e7); }
static double uniform_1e7(void) { return 1 + uniform() * 1e7; }
static double next_to_1(void) { return 1 + (uniform() - 0.5) * 0x1p-5; }
static double zero_to_2(void) { return uniform() * 2; }
static double every_binade(void) { return ldexp(0.5 + uniform(), (int)(uniform() * 2046) - 1022); }
static double subnormal(void) { return uniform() * DBL_MIN; }

/* |got - logl(x)| in units of the last place of the double nearest logl(x). */
static double ulps(double got, double x)
{
    long double want = logl((long double)x);
    int e;
    frexpl(want, &e);
    long double ulp = ldexpl(1.0L, e - 53 < -1074 ? -1074 : e - 53);
    return (double)(fabsl((long double)got - want) / ulp);
}

static void range(const char *name, double (*draw)(void))
{
    enum { N = 1 << 20 };
    double worst = 0, at = 0;
    for (int i = 0; i < N; i += 8) {
        double x[8], y[8];
        for (int k = 0; k < 8; k++)
            x[k] = draw();
        log8(x, y);
        for (int k = 0; k < 8; k++) {
            double u = ulps(y[k], x[k]);
            if (!(u <= worst))
                worst = u, at = x[k];
        }
    }
    printf("%-22s max %.3f ulp (at %a)\n", name, worst, at);
    CHECK(worst <= 0.6, "%s: %.3f ulp at %a (log %a, lp_log8 beyond 0.6 ulp)", name, worst, at,
          log(at));
}

int main(void)
{
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512dq")) {
        puts("skipped: this processor has no AVX-512");
        return 77;
    }
    range("seed data 1..1e7", seed_like);
    range("uniform [1, 1e7]", uniform_1e7);
    range("next to 1 (2^-6)", next_to_1);
    range("[0, 2)", zero_to_2);
    range("every binade", every_binade);
    range("subnormal", subnormal);

    /* Inputs with answers of their own, the first and last doubles, and
     * the powers of 2 (log = e ln2 exactly rounded). */
    double x[16] = {0.0, -0.0, -1.0, -INFINITY, INFINITY, NAN, 1.0, DBL_TRUE_MIN,
                    DBL_MIN, DBL_MAX, 2.0, 0.5, 0x1p-600, 0x1p1000, -DBL_MIN, 0.75};
    double y[16];
    log8(x, y);
    log8(x + 8, y + 8);
    for (int i = 0; i < 16; i++) {
        double want = log(x[i]);
        int same = isnan(want) ? isnan(y[i]) : y[i] == want && signbit(y[i]) == signbit(want);
        CHECK(same, "log(%a): lp_log8 %a, libm %a", x[i], y[i], want);
    }
    return failures ? 1 : 0;
}
