/* CPU implementation of lp_logprod for x86-64 with AVX2 and FMA, on
 * lp-starpu's own log (log_avx2.h), float64 and float32: reproducible,
 * every row the bits of log_lp.h's lp_logprod_ref (the last rows of a
 * tile, fewer than a vector, go through lp_logprod_ref itself).  Built with
 * -march=x86-64-v3 -O3 and without -ffast-math; lp_cpu_impl_supported()
 * keeps it off a processor without AVX2. */
#include <immintrin.h>

#include "log_avx2.h"
#include "logprod_cpu_starpu.h"

/* LP_AVX2_LOOP(name, T, V, W, LOG, ALL_NORMAL, LOG_NORMAL, REF, and V's
 * intrinsics): W rows per step, K terms each; a NaN row stored as the one
 * quiet NaN.  At intensity 1, a step whose three inputs are all positive
 * normal numbers (ALL_NORMAL, one check for the three) takes LOG_NORMAL: no
 * lane to mend, and a product of finite logs is never NaN, so no NaN to
 * store; other steps go through the general loop, kept out of line so that
 * the usual one stays small. */
#define LP_AVX2_LOOP(name, T, V, W, LOG, ALL_NORMAL, LOG_NORMAL, REF, LOAD, STORE, ADD, MUL,   \
                     SET1, ISNAN, BLEND, NAN_V)                                              \
    static inline __attribute__((always_inline)) V name##_row(V x, V y, V z)                \
    {                                                                                        \
        return MUL(MUL(LOG(x), LOG(y)), LOG(z));                                             \
    }                                                                                        \
    /* Any inputs, n a multiple of W. */                                                     \
    static __attribute__((noinline)) void name##_any(size_t n, unsigned intensity,           \
                                                     const T *x, const T *y, const T *z,     \
                                                     T *out)                                 \
    {                                                                                        \
        for (size_t i = 0; i + W <= n; i += W) {                                             \
            V xv = LOAD(x + i), yv = LOAD(y + i), zv = LOAD(z + i);                          \
            V acc = name##_row(xv, yv, zv);                                                  \
            for (unsigned k = 1; k < intensity; k++) {                                       \
                V dk = SET1((T)k);                                                           \
                acc = ADD(acc, name##_row(ADD(xv, dk), ADD(yv, dk), ADD(zv, dk)));           \
            }                                                                                \
            STORE(out + i, BLEND(acc, NAN_V, ISNAN(acc)));                                   \
        }                                                                                    \
    }                                                                                        \
    void name(size_t n, unsigned intensity, const T *x, const T *y, const T *z, T *out)      \
    {                                                                                        \
        size_t steps = n - n % W;                                                            \
        if (intensity > 1)                                                                   \
            name##_any(steps, intensity, x, y, z, out);                                      \
        else                                                                                 \
            for (size_t i = 0; i < steps; i += W) {                                          \
                V xv = LOAD(x + i), yv = LOAD(y + i), zv = LOAD(z + i);                      \
                if (ALL_NORMAL(xv, yv, zv))                                                  \
                    STORE(out + i, MUL(MUL(LOG_NORMAL(xv), LOG_NORMAL(yv)), LOG_NORMAL(zv))); \
                else                                                                         \
                    name##_any(W, 1, x + i, y + i, z + i, out + i);                          \
            }                                                                                \
        for (size_t i = steps; i < n; i++)                                                   \
            out[i] = REF(x[i], y[i], z[i], intensity);                                       \
    }

static inline __m256d isnan_pd(__m256d v) { return _mm256_cmp_pd(v, v, _CMP_UNORD_Q); }
static inline __m256 isnan_ps(__m256 v) { return _mm256_cmp_ps(v, v, _CMP_UNORD_Q); }

LP_AVX2_LOOP(lp_logprod_kernel_avx2_lplog, double, __m256d, 4, lp_log4, lp_all_normal4,
             lp_log4_normal, lp_logprod_ref, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd,
             _mm256_mul_pd, _mm256_set1_pd, isnan_pd, _mm256_blendv_pd,
             _mm256_castsi256_pd(_mm256_set1_epi64x((long long)LP_NAN64_BITS)))
LP_AVX2_LOOP(lp_logprod_kernel_avx2_lplog_f32, float, __m256, 8, lp_logf8, lp_all_normal8,
             lp_logf8_normal, lp_logprodf_ref, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_add_ps,
             _mm256_mul_ps, _mm256_set1_ps, isnan_ps, _mm256_blendv_ps, _mm256_castsi256_ps(_mm256_set1_epi32((int)LP_NAN32_BITS)))

LP_CPU_STARPU(avx2_lplog)
