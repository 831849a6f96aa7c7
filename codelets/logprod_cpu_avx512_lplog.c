/* CPU implementation of lp_logprod for x86-64 with AVX-512, on lp-starpu's
 * own vector log (log_avx512.h: within 0.54 ulp, no call, no gather)
 * instead of glibc's, for float64 and float32.  Built with -march=x86-64-v4
 * -O3 and without -ffast-math; lp_cpu_impl_supported() keeps it off a
 * processor without AVX-512. */
#include <immintrin.h>

#include "log_avx512.h"
#include "logprod_cpu_starpu.h"

/* LP_VECTOR_LOOP(name, T, V, W, MASK, LOG, and V's intrinsics): the kernel
 * `name` over T rows, W per vector V: rows i .. i+W-1 of the K terms each
 * step, the last vector masked (its other lanes read as 0, never stored). */
#define LP_VECTOR_LOOP(name, T, V, W, MASK, LOG, LOADZ, STORE, ADD, MUL, SET1)              \
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
        STORE(out + i, mask, acc);                                                           \
    }                                                                                        \
    void name(size_t n, unsigned intensity, const T *x, const T *y, const T *z, T *out)      \
    {                                                                                        \
        size_t i = 0;                                                                        \
        for (; i + W <= n; i += W)                                                           \
            name##_rows(i, (MASK)~0u, intensity, x, y, z, out);                              \
        if (i < n)                                                                           \
            name##_rows(i, (MASK)((1u << (n - i)) - 1), intensity, x, y, z, out);            \
    }

LP_VECTOR_LOOP(lp_logprod_kernel_avx512_lplog, double, __m512d, 8, __mmask8, lp_log8,
               _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd, _mm512_add_pd, _mm512_mul_pd,
               _mm512_set1_pd)
LP_VECTOR_LOOP(lp_logprod_kernel_avx512_lplog_f32, float, __m512, 16, __mmask16, lp_logf16,
               _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps, _mm512_add_ps, _mm512_mul_ps,
               _mm512_set1_ps)

LP_CPU_STARPU(avx512_lplog)
