/* Each CPU implementation of the codelet this processor runs, row by row
 * against a long-double reference (intensity 1 and 3, rows of every
 * remainder of the vector width), and each one's refusal of a processor
 * without its instructions as /proc/cpuinfo tells it.  No StarPU needed:
 * the loops are called directly. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logprod.h"
#include "lp_starpu.h"

#include "support/check.h"

/* The flags line of /proc/cpuinfo has every one of these words. */
static int cpuinfo_has(const char *const *words)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[8192];
    int found = -1;
    while (found < 0 && fgets(line, sizeof line, f))
        if (strncmp(line, "flags", 5) == 0) {
            found = 1;
            for (const char *const *w = words; *w; w++) {
                char padded[64];
                snprintf(padded, sizeof padded, " %s", *w);
                size_t n = strlen(padded);
                const char *p = line;
                int hit = 0;
                while ((p = strstr(p, padded)) && !hit) {
                    hit = p[n] == ' ' || p[n] == '\n' || p[n] == '\0';
                    p += n;
                }
                found &= hit;
            }
        }
    fclose(f);
    return found;
}

typedef void (*kernel_fn)(size_t, unsigned, const double *, const double *, const double *,
                          double *);
typedef void (*kernel_f32_fn)(size_t, unsigned, const float *, const float *, const float *,
                              float *);

static kernel_fn kernel_of(const char *name, kernel_f32_fn *f32)
{
    *f32 = NULL;
    if (strcmp(name, "baseline") == 0)
        return *f32 = lp_logprod_kernel_baseline_f32, lp_logprod_kernel_baseline;
    if (strcmp(name, "lplog") == 0)
        return *f32 = lp_logprod_kernel_lplog_f32, lp_logprod_kernel_lplog;
#ifdef LP_HAVE_CPU_AVX2
    if (strcmp(name, "avx2") == 0)
        return *f32 = lp_logprod_kernel_avx2_f32, lp_logprod_kernel_avx2;
    if (strcmp(name, "avx2-lplog") == 0)
        return *f32 = lp_logprod_kernel_avx2_lplog_f32, lp_logprod_kernel_avx2_lplog;
#endif
#ifdef LP_HAVE_CPU_AVX512
    if (strcmp(name, "avx512") == 0)
        return *f32 = lp_logprod_kernel_avx512_f32, lp_logprod_kernel_avx512;
    if (strcmp(name, "avx512-lplog") == 0)
        return *f32 = lp_logprod_kernel_avx512_lplog_f32, lp_logprod_kernel_avx512_lplog;
#endif
    return NULL;
}

/* One loop (k, or k32 for float32) on rows of every remainder of 2- to
 * 16-wide loops, each against a long-double reference taken from the
 * stored inputs (float32 ones rounded): LP_VERIFY_TOLERANCE, or
 * LP_VERIFY_TOLERANCE_F32 for float32. */
static void check_rows(const char *name, kernel_fn k, kernel_f32_fn k32, unsigned intensity)
{
    enum { N = 4111 };
    const int f32 = k32 != NULL;
    const char *type = f32 ? "float32" : "float64";
    const long double tol = f32 ? LP_VERIFY_TOLERANCE_F32 : LP_VERIFY_TOLERANCE;
    const int binades = f32 ? 100 : 1000;   /* what the type holds */
    double *x = malloc(4 * N * sizeof *x), *y = x + N, *z = y + N, *out = z + N;
    float *xf = malloc(4 * N * sizeof *xf), *yf = xf + N, *zf = yf + N, *outf = zf + N;
    srand(7);
    for (size_t i = 0; i < N; i++) {
        /* Spread over many binades, 1 exactly, and values next to it. */
        x[i] = ldexp(0.5 + rand() / (RAND_MAX + 1.0), rand() % (2 * binades) - binades);
        y[i] = i % 97 == 0 ? 1.0 : 1.0 + (rand() / (RAND_MAX + 1.0) - 0.5) * 1e-3;
        z[i] = 0.5 + rand() / (RAND_MAX + 1.0) * 1e6;
        xf[i] = (float)x[i], yf[i] = (float)y[i], zf[i] = (float)z[i];
        if (f32)
            x[i] = xf[i], y[i] = yf[i], z[i] = zf[i];
    }
    for (size_t n = N - 16; n <= N; n++) {
        for (size_t i = 0; i < N; i++)
            out[i] = outf[i] = NAN;
        if (f32) {
            k32(n, intensity, xf, yf, zf, outf);
            for (size_t i = 0; i < N; i++)
                out[i] = outf[i];
        } else {
            k(n, intensity, x, y, z, out);
        }
        size_t bad = 0;
        for (size_t i = 0; i < n; i++) {
            long double ref = 0, mag = 0;
            for (unsigned t = 0; t < intensity; t++) {
                long double v = logl(x[i] + t) * logl(y[i] + t) * logl(z[i] + t);
                ref += v;
                mag += fabsl(v);
            }
            long double err = fabsl((long double)out[i] - ref) / (mag > 0 ? mag : 1);
            if (!(err <= tol) && bad++ < 3)
                CHECK(0, "%s %s, K=%u, %zu rows: row %zu: %.17g, reference %.17Lg", name, type,
                      intensity, n, i, out[i], ref);
        }
        CHECK(bad == 0, "%s %s, K=%u, %zu rows: %zu rows beyond %Lg", name, type, intensity, n,
              bad, tol);
        CHECK(n == N || isnan(out[n]), "%s %s, K=%u: row %zu written past the end", name, type,
              intensity, n);
    }
    free(x);
    free(xf);
}

int main(void)
{
    static const char *const avx2[] = {"avx2", "fma", "bmi2", NULL};
    static const char *const avx512[] = {"avx512f", "avx512dq", "avx512bw", "avx512vl",
                                         "avx512cd", NULL};
    CHECK(lp_cpu_impl_count() >= 2, "only %u implementations", lp_cpu_impl_count());
    CHECK(strcmp(lp_cpu_impl_name(0), "auto") == 0, "implementation 0 is %s",
          lp_cpu_impl_name(0));
    int ran = 0;
    for (unsigned i = 1; i < lp_cpu_impl_count(); i++) {
        const char *name = lp_cpu_impl_name(i);
        kernel_f32_fn k32;
        kernel_fn k = kernel_of(name, &k32);
        CHECK(k != NULL, "no loop for %s", name);
        CHECK(lp_cpu_impl_find(name) == (int)i, "%s is not found at %u", name, i);
        int expect = strncmp(name, "avx2", 4) == 0     ? cpuinfo_has(avx2)
                     : strncmp(name, "avx512", 6) == 0 ? cpuinfo_has(avx512)
                                                   : 1;
        if (expect >= 0)
            CHECK(lp_cpu_impl_supported(i) == expect, "%s: supported %d, /proc/cpuinfo says %d",
                  name, lp_cpu_impl_supported(i), expect);
        if (!k || !lp_cpu_impl_supported(i)) {
            printf("%s: not run (this processor lacks its instructions)\n", name);
            continue;
        }
        for (unsigned intensity = 1; intensity <= 3; intensity += 2) {
            check_rows(name, k, NULL, intensity);
            check_rows(name, NULL, k32, intensity);
        }
        ran++;
        printf("%s: checked\n", name);
    }
    CHECK(ran >= 1, "no implementation ran");
    CHECK(lp_cpu_impl_find("none") < 0, "an unknown name was found");
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
