/* lp-starpu's log: the specification (codelets/log_lp.h, lp_log_ref and
 * lp_logf_ref, built here for any processor) against long double's logl
 * within 0.6 ulp over the whole double range (seed-like values, values
 * next to 1 where log is smallest, subnormals, every binade), the float one
 * against double's log within 0.6 ulp on one positive float in 61, all
 * binades and subnormals included (every one was checked once: 0.535);
 * both give log's own answers for 0, -0, negative, infinite and NaN
 * inputs.  Where the processor has them, lp_log8 and lp_logf16
 * (codelets/log_avx512.h, avx512-lplog's) and lp_log4 and lp_logf8
 * (codelets/log_avx2.h, avx2-lplog's) must give the specification's very
 * bits for every one of those inputs. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "support/check.h"
#include "log_lp.h"
#if defined(LP_TEST_AVX512) || defined(LP_TEST_AVX2)
/* Before any target pragma: the intrinsics then carry their own targets. */
#include <immintrin.h>
#endif

#ifdef LP_TEST_AVX512
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq")
#include "log_avx512.h"

static void log8(const double *x, double *out)
{
    _mm512_storeu_pd(out, lp_log8(_mm512_loadu_pd(x)));
}

static void logf16(const float *x, float *out)
{
    _mm512_storeu_ps(out, lp_logf16(_mm512_loadu_ps(x)));
}
#pragma GCC pop_options

static int have_avx512(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
}
#else
static int have_avx512(void) { return 0; }
static void log8(const double *x, double *out) { (void)x, (void)out; }
static void logf16(const float *x, float *out) { (void)x, (void)out; }
#endif

#ifdef LP_TEST_AVX2
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "log_avx2.h"

static void log4x2(const double *x, double *out)
{
    _mm256_storeu_pd(out, lp_log4(_mm256_loadu_pd(x)));
    _mm256_storeu_pd(out + 4, lp_log4(_mm256_loadu_pd(x + 4)));
}

static void logf8x2(const float *x, float *out)
{
    _mm256_storeu_ps(out, lp_logf8(_mm256_loadu_ps(x)));
    _mm256_storeu_ps(out + 8, lp_logf8(_mm256_loadu_ps(x + 8)));
}
#pragma GCC pop_options

static int have_avx2(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
static int have_avx2(void) { return 0; }
static void log4x2(const double *x, double *out) { (void)x, (void)out; }
static void logf8x2(const float *x, float *out) { (void)x, (void)out; }
#endif

static int vector, vector2;   /* the AVX-512 and AVX2 logs run here: compare them too */
static long vector_checked, vector_differ;

/* The specification's log of 8 doubles, and the vector one's bits against
 * it (a NaN against a NaN: payloads are made one quiet NaN per row, not
 * per log). */
static void log_both(const double *x, double *y)
{
    for (int k = 0; k < 8; k++)
        y[k] = lp_log_ref(x[k]);
    double v[8];
    for (int which = 0; which < 2; which++) {
        if (!(which ? vector2 : vector))
            continue;
        if (which)
            log4x2(x, v);
        else
            log8(x, v);
        for (int k = 0; k < 8; k++) {
            int same = isnan(y[k]) ? isnan(v[k]) : memcmp(&y[k], &v[k], sizeof v[k]) == 0;
            if (!same && vector_differ++ < 10)
                CHECK(0, "log(%a): %s %a, the specification %a", x[k],
                      which ? "lp_log4" : "lp_log8", v[k], y[k]);
        }
        vector_checked += 8;
    }
}

static void logf_both(const float *x, float *y)
{
    for (int k = 0; k < 16; k++)
        y[k] = lp_logf_ref(x[k]);
    float v[16];
    for (int which = 0; which < 2; which++) {
        if (!(which ? vector2 : vector))
            continue;
        if (which)
            logf8x2(x, v);
        else
            logf16(x, v);
        for (int k = 0; k < 16; k++) {
            int same = isnan(y[k]) ? isnan(v[k]) : memcmp(&y[k], &v[k], sizeof v[k]) == 0;
            if (!same && vector_differ++ < 10)
                CHECK(0, "logf(%a): %s %a, the specification %a", (double)x[k],
                      which ? "lp_logf8" : "lp_logf16", (double)v[k], (double)y[k]);
        }
        vector_checked += 16;
    }
}

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
        log_both(x, y);
        for (int k = 0; k < 8; k++) {
            double u = ulps(y[k], x[k]);
            if (!(u <= worst))
                worst = u, at = x[k];
        }
    }
    printf("%-22s max %.3f ulp (at %a)\n", name, worst, at);
    CHECK(worst <= 0.6, "%s: %.3f ulp at %a (log %a, lp_log_ref beyond 0.6 ulp)", name, worst, at,
          log(at));
}

/* One positive float in 61 (a stride prime to every power of 2, so every
 * low-bit pattern comes up), 0x1p-149 to FLT_MAX. */
static void floats(void)
{
    double worst = 0;
    float at = 0;
    float x[16], y[16];
    int k = 0;
    for (uint32_t bits = 1; bits < 0x7f800000u; bits += 61) {
        memcpy(&x[k++], &bits, sizeof bits);
        if (k < 16)
            continue;
        logf_both(x, y);
        for (k = 0; k < 16; k++) {
            double want = log((double)x[k]);
            int e;
            frexp(want, &e);
            double u = fabs((double)y[k] - want) / ldexp(1.0, e - 24 < -149 ? -149 : e - 24);
            if (!(u <= worst))
                worst = u, at = x[k];
        }
        k = 0;
    }
    printf("%-22s max %.3f ulp (at %a)\n", "float, 1 in 61", worst, (double)at);
    CHECK(worst <= 0.6, "float: %.3f ulp at %a (lp_logf_ref beyond 0.6 ulp)", worst, (double)at);

    float s[16] = {0.0f, -0.0f, -1.0f, -INFINITY, INFINITY, NAN, 1.0f, 0x1p-149f,
                   FLT_MIN, FLT_MAX, 2.0f, 0.5f, 0x1p-60f, 0x1p100f, -FLT_MIN, 0.75f};
    logf_both(s, y);
    for (int i = 0; i < 16; i++) {
        float want = logf(s[i]);
        int same = isnan(want) ? isnan(y[i]) : y[i] == want && signbit(y[i]) == signbit(want);
        CHECK(same, "logf(%a): lp_logf_ref %a, libm %a", (double)s[i], (double)y[i],
              (double)want);
    }
}

int main(void)
{
    vector = have_avx512();
    vector2 = have_avx2();
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
    log_both(x, y);
    log_both(x + 8, y + 8);
    for (int i = 0; i < 16; i++) {
        double want = log(x[i]);
        int same = isnan(want) ? isnan(y[i]) : y[i] == want && signbit(y[i]) == signbit(want);
        CHECK(same, "log(%a): lp_log_ref %a, libm %a", x[i], y[i], want);
    }
    floats();
    printf("vector logs compared bit for bit with the specification: %s%s%s\n",
           vector ? "lp_log8, lp_logf16 " : "", vector2 ? "lp_log4, lp_logf8" : "",
           vector || vector2 ? "" : "none (no AVX2 or AVX-512 here)");
    CHECK(!(vector || vector2) || vector_checked > 1000000, "only %ld vector results compared",
          vector_checked);
    CHECK(vector_differ == 0, "%ld vector results differ from the specification (10 shown)",
          vector_differ);
    return failures ? 1 : 0;
}
