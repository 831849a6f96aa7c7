/* CPU implementation of lp_logprod for x86-64 with AVX-512, on lp-starpu's
 * own vector log (log_avx512.h: 0.53 ulp, no call, no gather) instead of
 * glibc's.  float32 tiles run the avx512 implementation's loops (glibc's
 * 16-wide logf).  Built with -march=x86-64-v4 -O3 and without -ffast-math;
 * lp_cpu_impl_supported() keeps it off a processor without AVX-512. */
#include <immintrin.h>

#include "log_avx512.h"
#include "logprod_cpu_starpu.h"

static inline __m512d row8(__m512d x, __m512d y, __m512d z)
{
    return _mm512_mul_pd(_mm512_mul_pd(lp_log8(x), lp_log8(y)), lp_log8(z));
}

/* Rows i.. i+7 of the K terms (the last vector masked: its other lanes are
 * read as 0 and never stored). */
static inline void rows8(size_t i, __mmask8 mask, unsigned intensity, const double *x,
                         const double *y, const double *z, double *out)
{
    __m512d xv = _mm512_maskz_loadu_pd(mask, x + i), yv = _mm512_maskz_loadu_pd(mask, y + i),
            zv = _mm512_maskz_loadu_pd(mask, z + i);
    __m512d acc = row8(xv, yv, zv);
    for (unsigned k = 1; k < intensity; k++) {
        __m512d dk = _mm512_set1_pd((double)k);
        acc = _mm512_add_pd(acc, row8(_mm512_add_pd(xv, dk), _mm512_add_pd(yv, dk),
                                      _mm512_add_pd(zv, dk)));
    }
    _mm512_mask_storeu_pd(out + i, mask, acc);
}

void lp_logprod_kernel_avx512_lplog(size_t n, unsigned intensity, const double *x,
                                    const double *y, const double *z, double *out)
{
    size_t i = 0;
    if (intensity <= 1)
        for (; i + 8 <= n; i += 8)
            _mm512_storeu_pd(out + i, row8(_mm512_loadu_pd(x + i), _mm512_loadu_pd(y + i),
                                           _mm512_loadu_pd(z + i)));
    for (; i + 8 <= n; i += 8)
        rows8(i, 0xff, intensity, x, y, z, out);
    if (i < n)
        rows8(i, (__mmask8)((1u << (n - i)) - 1), intensity, x, y, z, out);
}

void lp_logprod_kernel_avx512_lplog_f32(size_t n, unsigned intensity, const float *x,
                                        const float *y, const float *z, float *out)
{
    lp_logprod_kernel_avx512_f32(n, intensity, x, y, z, out);
}

LP_CPU_STARPU(avx512_lplog)
