/* CPU implementation of lp_logprod for x86-64 with AVX-512, on lp-starpu's
 * own vector log (log_avx512.h: within 0.54 ulp, no call, no gather)
 * instead of glibc's, for float64 and float32: reproducible, every row the
 * bits of log_lp.h's lp_logprod_ref.  Built with -march=x86-64-v4
 * -O3 and without -ffast-math; lp_cpu_impl_supported() keeps it off a
 * processor without AVX-512. */
#include <immintrin.h>

#include "log_avx512.h"
#include "logprod_cpu_starpu.h"

/* LP_VECTOR_LOOP(name, T, V, W, MASK, LOG, and V's intrinsics): the kernel
 * `name` over T rows, W per vector V: rows i .. i+W-1 of the K terms each
 * step, the last vector masked (its other lanes read as 0, never stored);
 * a NaN row stored as the one quiet NaN (log_lp.h: lp_logprod_ref). */
#define LP_VECTOR_LOOP(name, T, V, W, MASK, LOG, LOADZ, STORE, ADD, MUL, SET1, NANS, NAN_BITS)  \
    static inline V name##_row(V x, V y, V z) { return MUL(MUL(LOG(x), LOG(y)), LOG(z)); }   \
    static inline void name##_rows(size_t i, MASK mask, unsigned intensity, const T *x,      \
                                   const T *y, const T *z, T *out)                          \
    {                                                                                        \
        V xv = LOADZ(mask, x + i), yv = LOADZ(mask, y + i), zv = LOADZ(mask, z + i);         \
        V acc = name##_row(xv, yv, zv);                                                      \
        for (unsigned k = 1; k < intensity; k++) {                                           \
            V dk = SET1((T)k);                                                               \
            acc = ADD(acc, name##_row(ADD(xv, dk), ADD(yv, dk), ADD(zv, dk)));               \
        }                                                                                    \
        STORE(out + i, mask, NANS(acc, NAN_BITS));                                           \
    }                                                                                        \
    void name(size_t n, unsigned intensity, const T *x, const T *y, const T *z, T *out)      \
    {                                                                                        \
        size_t i = 0;                                                                        \
        for (; i + W <= n; i += W)                                                           \
            name##_rows(i, (MASK)~0u, intensity, x, y, z, out);                              \
        if (i < n)                                                                           \
            name##_rows(i, (MASK)((1u << (n - i)) - 1), intensity, x, y, z, out);            \
    }

/* Every NaN lane as the quiet NaN of these bits. */
static inline __m512d one_nan_pd(__m512d v, long long bits)
{
    __mmask8 nan = _mm512_cmp_pd_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_pd(v, nan, _mm512_castsi512_pd(_mm512_set1_epi64(bits)));
}

static inline __m512 one_nan_ps(__m512 v, int bits)
{
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_ps(v, nan, _mm512_castsi512_ps(_mm512_set1_epi32(bits)));
}

LP_VECTOR_LOOP(lp_logprod_kernel_avx512_lplog, double, __m512d, 8, __mmask8, lp_log8,
               _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd, _mm512_add_pd, _mm512_mul_pd,
               _mm512_set1_pd, one_nan_pd, (long long)LP_NAN64_BITS)
LP_VECTOR_LOOP(lp_logprod_kernel_avx512_lplog_f32, float, __m512, 16, __mmask16, lp_logf16,
               _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps, _mm512_add_ps, _mm512_mul_ps,
               _mm512_set1_ps, one_nan_ps, (int)LP_NAN32_BITS)

LP_CPU_STARPU(avx512_lplog)
