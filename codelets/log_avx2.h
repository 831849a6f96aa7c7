/* lp_log4 and lp_logf8: lp-starpu's log (log_lp.h, its specification: the
 * same operations in the same order, so the same bits) on 4 doubles or 8
 * floats with AVX2 and FMA, for processors without AVX-512.  AVX2 has no
 * getmant, getexp or two-register permute, so:
 *
 *   m and e from the bits (a subnormal first scaled by 2^54, exactly): half
 *   a unit added to the mantissa carries into the exponent exactly when m
 *   would be 1.5 or more; m is the bits less that exponent field (one mask,
 *   two subtractions, no shift back), e made a double by the 2^52 trick
 *   (exact);
 *   double: 1/c = 20 / round(20 m), which is the table's value (each entry
 *   is that quotient rounded, checked once), and log c's two parts
 *   gathered (measured: faster here than 4 permutes and 3 blends per table);
 *   float: the 16-entry tables in two registers, two permutes and a blend;
 *   vectors of normal numbers only (the usual case) skip the rest: 0,
 *   negative, infinite, NaN and subnormal inputs are mended by blends;
 *   lp_log4_normal is the log of such a vector, for a caller that checked
 *   three vectors at once (lp_all_normal4).
 *
 * Must not be compiled with -ffast-math. */
#ifndef LP_LOG_AVX2_H
#define LP_LOG_AVX2_H

#include <immintrin.h>

#include "log_lp.h"

/* The log of 4 positive finite doubles whose bits are b (subnormals
 * scaled by 2^54: below = 54 in their lanes, where scaled is set). */
static inline __attribute__((always_inline)) __m256d lp_log4_core(__m256i b, __m256d below,
                                                                  int scaled)
{
#define LP_D(v) _mm256_set1_pd(v)
#define LP_Q(v) _mm256_set1_epi64x((long long)(v))
    /* m in [0.75, 1.5): half a unit added to the mantissa carries into the
     * exponent exactly when m would be 1.5 or more */
    __m256i bh = _mm256_add_epi64(b, LP_Q(0x0008000000000000));
    __m256i efield = _mm256_and_si256(bh, LP_Q(0x7ff0000000000000));
    __m256d m = _mm256_castsi256_pd(
        _mm256_sub_epi64(b, _mm256_sub_epi64(efield, LP_Q(0x3ff0000000000000))));
    __m256d e = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bh, 52), LP_Q(0x4330000000000000))),
        LP_D(0x1p52 + 1023.0));   /* the exponent, exactly */
    if (scaled)
        e = _mm256_sub_pd(e, below);
    __m256d t = _mm256_fmadd_pd(m, LP_D(20.0), LP_D(0x1.8p52));
    __m256i k = _mm256_and_si256(_mm256_castpd_si256(t), LP_Q(15));
    __m256d invc = _mm256_div_pd(LP_D(20.0), _mm256_sub_pd(t, LP_D(0x1.8p52)));
    __m256d lhi = _mm256_i64gather_pd(LP_LOG_LOGC_HI, k, 8);
    __m256d llo = _mm256_i64gather_pd(LP_LOG_LOGC_LO, k, 8);
    __m256d ph = _mm256_mul_pd(m, invc);
    __m256d rlo = _mm256_fmsub_pd(m, invc, ph);
    __m256d r = _mm256_sub_pd(ph, LP_D(1.0));
    __m256d w = _mm256_fmadd_pd(e, LP_D(LP_LOG_LN2_HI), lhi);
    __m256d s = _mm256_add_pd(w, r);
    __m256d serr = _mm256_add_pd(_mm256_sub_pd(w, s), r);
    __m256d p = LP_D(LP_LOG_POLY[0]);
    for (int j = 1; j <= LP_LOG_DEGREE; j++)
        p = _mm256_fmadd_pd(p, r, LP_D(LP_LOG_POLY[j]));
    __m256d lo = _mm256_add_pd(_mm256_add_pd(llo, serr), _mm256_fnmadd_pd(r, rlo, rlo));
    lo = _mm256_fmadd_pd(e, LP_D(LP_LOG_LN2_LO), lo);
    return _mm256_add_pd(s, _mm256_fmadd_pd(_mm256_mul_pd(r, r), p, lo));
}

/* Lanes holding a positive normal number (all ones), others 0. */
static inline __attribute__((always_inline)) __m256d lp_normal4(__m256d x)
{
    return _mm256_and_pd(_mm256_cmp_pd(x, LP_D(0x1p-1022), _CMP_GE_OQ),
                         _mm256_cmp_pd(x, LP_D(INFINITY), _CMP_LT_OQ));
}

/* Whether every lane of a, b and c holds a positive normal number: all
 * at least the smallest normal (false for NaN), and the largest of the
 * three below infinity (where the first holds, no lane is NaN). */
static inline __attribute__((always_inline)) int lp_all_normal4(__m256d a, __m256d b, __m256d c)
{
    __m256d small = _mm256_set1_pd(0x1p-1022);
    __m256d ge = _mm256_and_pd(_mm256_and_pd(_mm256_cmp_pd(a, small, _CMP_GE_OQ),
                                             _mm256_cmp_pd(b, small, _CMP_GE_OQ)),
                               _mm256_cmp_pd(c, small, _CMP_GE_OQ));
    __m256d top = _mm256_max_pd(_mm256_max_pd(a, b), c);
    return _mm256_movemask_pd(_mm256_and_pd(ge, _mm256_cmp_pd(top, LP_D(INFINITY), _CMP_LT_OQ))) == 0xf;
}

/* The log of 4 positive normal numbers (lp_normal4 all ones). */
static inline __attribute__((always_inline)) __m256d lp_log4_normal(__m256d x)
{
    return lp_log4_core(_mm256_castpd_si256(x), _mm256_setzero_pd(), 0);
}

static inline __attribute__((always_inline)) __m256d lp_log4(__m256d x)
{
    if (_mm256_movemask_pd(lp_normal4(x)) == 0xf)   /* the common case: no lane to mend */
        return lp_log4_normal(x);
    __m256i b = _mm256_castpd_si256(x);
    __m256i sub = _mm256_cmpgt_epi64(LP_Q(0x0010000000000000), b);   /* subnormal (or <= 0) */
    b = _mm256_blendv_epi8(b, _mm256_castpd_si256(_mm256_mul_pd(x, LP_D(0x1p54))), sub);
    __m256d res = lp_log4_core(b, _mm256_and_pd(_mm256_castsi256_pd(sub), LP_D(54.0)), 1);
    /* 0 -> -inf, +inf -> +inf, negative, -inf and NaN -> NaN */
    res = _mm256_blendv_pd(res, LP_D(-INFINITY), _mm256_cmp_pd(x, LP_D(0.0), _CMP_EQ_OQ));
    res = _mm256_blendv_pd(res, LP_D(INFINITY), _mm256_cmp_pd(x, LP_D(INFINITY), _CMP_EQ_OQ));
    return _mm256_blendv_pd(res, _mm256_castsi256_pd(LP_Q(LP_NAN64_BITS)),
                            _mm256_cmp_pd(x, LP_D(0.0), _CMP_NGE_UQ));
#undef LP_Q
#undef LP_D
}

/* T[k] for k in 0..15 in each 32-bit lane: T's halves h[0..1]. */
static inline __attribute__((always_inline)) __m256 lp_avx2_lookup_ps(const __m256 h[2], __m256i k)
{
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(h[0], k), _mm256_permutevar8x32_ps(h[1], k),
                            _mm256_castsi256_ps(_mm256_slli_epi32(k, 28)));   /* k & 8 */
}

/* The log of 8 positive finite floats whose bits are b (subnormals scaled
 * by 2^25: below = 25 in their lanes, where scaled is set). */
static inline __attribute__((always_inline)) __m256 lp_logf8_core(__m256i b, __m256 below,
                                                                 int scaled)
{
#define LP_F(v) _mm256_set1_ps(v)
#define LP_W(v) _mm256_set1_epi32((int)(v))
    const __m256 ti[2] = {_mm256_loadu_ps(LP_LOGF_INVC), _mm256_loadu_ps(LP_LOGF_INVC + 8)};
    const __m256 th[2] = {_mm256_loadu_ps(LP_LOGF_LOGC_HI), _mm256_loadu_ps(LP_LOGF_LOGC_HI + 8)};
    const __m256 tl[2] = {_mm256_loadu_ps(LP_LOGF_LOGC_LO), _mm256_loadu_ps(LP_LOGF_LOGC_LO + 8)};
    __m256i ebits = _mm256_srli_epi32(_mm256_add_epi32(b, LP_W(0x00400000)), 23);   /* as lp_log4 */
    __m256 m = _mm256_castsi256_ps(
        _mm256_sub_epi32(b, _mm256_slli_epi32(_mm256_sub_epi32(ebits, LP_W(127)), 23)));
    __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(ebits, LP_W(127)));
    if (scaled)
        e = _mm256_sub_ps(e, below);
    __m256i k = _mm256_and_si256(
        _mm256_castps_si256(_mm256_fmadd_ps(m, LP_F(20.0f), LP_F(0x1.8p23f))), LP_W(15));
    __m256 invc = lp_avx2_lookup_ps(ti, k), lhi = lp_avx2_lookup_ps(th, k),
           llo = lp_avx2_lookup_ps(tl, k);
    __m256 ph = _mm256_mul_ps(m, invc);
    __m256 rlo = _mm256_fmsub_ps(m, invc, ph);
    __m256 r = _mm256_sub_ps(ph, LP_F(1.0f));
    __m256 w = _mm256_fmadd_ps(e, LP_F(LP_LOGF_LN2_HI), lhi);
    __m256 s = _mm256_add_ps(w, r);
    __m256 serr = _mm256_add_ps(_mm256_sub_ps(w, s), r);
    __m256 p = LP_F(LP_LOGF_POLY[0]);
    for (int j = 1; j <= LP_LOGF_DEGREE; j++)
        p = _mm256_fmadd_ps(p, r, LP_F(LP_LOGF_POLY[j]));
    __m256 lo = _mm256_add_ps(_mm256_add_ps(llo, serr), _mm256_fnmadd_ps(r, rlo, rlo));
    lo = _mm256_fmadd_ps(e, LP_F(LP_LOGF_LN2_LO), lo);
    return _mm256_add_ps(s, _mm256_fmadd_ps(_mm256_mul_ps(r, r), p, lo));
}

static inline __attribute__((always_inline)) __m256 lp_normal8(__m256 x)
{
    return _mm256_and_ps(_mm256_cmp_ps(x, LP_F(0x1p-126f), _CMP_GE_OQ),
                         _mm256_cmp_ps(x, LP_F(INFINITY), _CMP_LT_OQ));
}

static inline __attribute__((always_inline)) int lp_all_normal8(__m256 a, __m256 b, __m256 c)
{
    __m256 small = _mm256_set1_ps(0x1p-126f);
    __m256 ge = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(a, small, _CMP_GE_OQ),
                                            _mm256_cmp_ps(b, small, _CMP_GE_OQ)),
                              _mm256_cmp_ps(c, small, _CMP_GE_OQ));
    __m256 top = _mm256_max_ps(_mm256_max_ps(a, b), c);
    return _mm256_movemask_ps(_mm256_and_ps(ge, _mm256_cmp_ps(top, LP_F(INFINITY), _CMP_LT_OQ))) == 0xff;
}

static inline __attribute__((always_inline)) __m256 lp_logf8_normal(__m256 x)
{
    return lp_logf8_core(_mm256_castps_si256(x), _mm256_setzero_ps(), 0);
}

static inline __attribute__((always_inline)) __m256 lp_logf8(__m256 x)
{
    if (_mm256_movemask_ps(lp_normal8(x)) == 0xff)
        return lp_logf8_normal(x);
    __m256i b = _mm256_castps_si256(x);
    __m256i sub = _mm256_cmpgt_epi32(LP_W(0x00800000), b);
    b = _mm256_blendv_epi8(b, _mm256_castps_si256(_mm256_mul_ps(x, LP_F(0x1p25f))), sub);
    __m256 res = lp_logf8_core(b, _mm256_and_ps(_mm256_castsi256_ps(sub), LP_F(25.0f)), 1);
    res = _mm256_blendv_ps(res, LP_F(-INFINITY), _mm256_cmp_ps(x, LP_F(0.0f), _CMP_EQ_OQ));
    res = _mm256_blendv_ps(res, LP_F(INFINITY), _mm256_cmp_ps(x, LP_F(INFINITY), _CMP_EQ_OQ));
    return _mm256_blendv_ps(res, _mm256_castsi256_ps(LP_W(LP_NAN32_BITS)),
                            _mm256_cmp_ps(x, LP_F(0.0f), _CMP_NGE_UQ));
#undef LP_W
#undef LP_F
}

#endif
