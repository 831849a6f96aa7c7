/* lp_log8 and lp_logf16: lp-starpu's log (log_lp.h, its specification:
 * the same operations in the same order, so the same bits) on 8 doubles or
 * 16 floats with AVX-512F, within 0.53 ulp (glibc's _ZGVeN8v_log: 1.6 ulp)
 * and 0.54 ulp (every positive float checked), and faster than glibc's on
 * the processors measured (docs/kernels.md).  Branch-free, no gather, no
 * call:
 *
 *   x = 2^e m, m in [0.75, 1.5)       vgetmantpd, vgetexppd
 *   c = m rounded to twentieths       16 values: one vpermt2pd per table
 *   log x = e ln2 + log c + log1p(r), r = m/c - 1, |r| < 1/30
 *
 * r is exact (m * (1/c) split into its rounded product and the rest); log c
 * is stored in two parts, the first a multiple of 2^-42 like ln2's, so that
 * e ln2 + log c is exact; log1p(r) - r is a degree-8 polynomial (error
 * below 2^-55); the sum of the large parts is carried with its rounding
 * error.  0, negative, infinite and NaN inputs get log's answers through
 * vfixupimmpd.  The tables come from scripts/log_tables.py.  Must not be
 * compiled with -ffast-math (it would reassociate the error terms). */
#ifndef LP_LOG_AVX512_H
#define LP_LOG_AVX512_H

#include <immintrin.h>

#include "log_lp.h"   /* the specification, its tables */

static inline __m512d lp_log8(__m512d x)
{
#define LP_S(v) _mm512_set1_pd(v)
    const __m512d inv0 = _mm512_loadu_pd(LP_LOG_INVC), inv1 = _mm512_loadu_pd(LP_LOG_INVC + 8);
    const __m512d lh0 = _mm512_loadu_pd(LP_LOG_LOGC_HI), lh1 = _mm512_loadu_pd(LP_LOG_LOGC_HI + 8);
    const __m512d ll0 = _mm512_loadu_pd(LP_LOG_LOGC_LO), ll1 = _mm512_loadu_pd(LP_LOG_LOGC_LO + 8);
    __m512d m = _mm512_getmant_pd(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    __m512d e = _mm512_getexp_pd(x);   /* of the mantissa in [1, 2): one more below 1 */
    e = _mm512_mask_add_pd(e, _mm512_cmp_pd_mask(m, LP_S(1.0), _CMP_LT_OQ), e, LP_S(1.0));
    /* round(20 m) in the low bits: 15..30, which the permutes read mod 16 */
    __m512i idx = _mm512_castpd_si512(_mm512_fmadd_pd(m, LP_S(20.0), LP_S(0x1.8p52)));
    __m512d invc = _mm512_permutex2var_pd(inv0, idx, inv1);
    __m512d lhi = _mm512_permutex2var_pd(lh0, idx, lh1);
    __m512d llo = _mm512_permutex2var_pd(ll0, idx, ll1);
    __m512d ph = _mm512_mul_pd(m, invc);
    __m512d rlo = _mm512_fmsub_pd(m, invc, ph);   /* m invc = ph + rlo exactly */
    __m512d r = _mm512_sub_pd(ph, LP_S(1.0));     /* exact: ph is within 1/30 of 1 */
    __m512d w = _mm512_fmadd_pd(e, LP_S(LP_LOG_LN2_HI), lhi);   /* exact */
    __m512d s = _mm512_add_pd(w, r);
    __m512d serr = _mm512_add_pd(_mm512_sub_pd(w, s), r);   /* |w| > |r|, or w = 0 */
    __m512d p = LP_S(LP_LOG_POLY[0]);
    for (int j = 1; j <= LP_LOG_DEGREE; j++)
        p = _mm512_fmadd_pd(p, r, LP_S(LP_LOG_POLY[j]));
    /* the small parts: log c's second, the sum's error, log1p(r + rlo) -
     * log1p(r) ~ rlo (1 - r), e ln2's second */
    __m512d lo = _mm512_add_pd(_mm512_add_pd(llo, serr), _mm512_fnmadd_pd(r, rlo, rlo));
    lo = _mm512_fmadd_pd(e, LP_S(LP_LOG_LN2_LO), lo);
    __m512d res = _mm512_add_pd(s, _mm512_fmadd_pd(_mm512_mul_pd(r, r), p, lo));
    /* per input class: NaN -> NaN, 0 -> -inf, -inf and negative -> NaN,
     * +inf -> +inf, 1 and positive -> res */
    return _mm512_fixupimm_pd(res, x, _mm512_set1_epi64(0x03530422), 0);
#undef LP_S
}

static inline __m512 lp_logf16(__m512 x)
{
#define LP_SF(v) _mm512_set1_ps(v)
    const __m512 tinv = _mm512_loadu_ps(LP_LOGF_INVC), thi = _mm512_loadu_ps(LP_LOGF_LOGC_HI),
                 tlo = _mm512_loadu_ps(LP_LOGF_LOGC_LO);
    __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
    __m512 e = _mm512_getexp_ps(x);
    e = _mm512_mask_add_ps(e, _mm512_cmp_ps_mask(m, LP_SF(1.0f), _CMP_LT_OQ), e, LP_SF(1.0f));
    __m512i idx = _mm512_castps_si512(_mm512_fmadd_ps(m, LP_SF(20.0f), LP_SF(0x1.8p23f)));
    __m512 invc = _mm512_permutexvar_ps(idx, tinv);   /* 16 floats: one register each */
    __m512 lhi = _mm512_permutexvar_ps(idx, thi);
    __m512 llo = _mm512_permutexvar_ps(idx, tlo);
    __m512 ph = _mm512_mul_ps(m, invc);
    __m512 rlo = _mm512_fmsub_ps(m, invc, ph);
    __m512 r = _mm512_sub_ps(ph, LP_SF(1.0f));
    __m512 w = _mm512_fmadd_ps(e, LP_SF(LP_LOGF_LN2_HI), lhi);   /* exact */
    __m512 s = _mm512_add_ps(w, r);
    __m512 serr = _mm512_add_ps(_mm512_sub_ps(w, s), r);
    __m512 p = LP_SF(LP_LOGF_POLY[0]);
    for (int j = 1; j <= LP_LOGF_DEGREE; j++)
        p = _mm512_fmadd_ps(p, r, LP_SF(LP_LOGF_POLY[j]));
    __m512 lo = _mm512_add_ps(_mm512_add_ps(llo, serr), _mm512_fnmadd_ps(r, rlo, rlo));
    lo = _mm512_fmadd_ps(e, LP_SF(LP_LOGF_LN2_LO), lo);
    __m512 res = _mm512_add_ps(s, _mm512_fmadd_ps(_mm512_mul_ps(r, r), p, lo));
    return _mm512_fixupimm_ps(res, x, _mm512_set1_epi32(0x03530422), 0);
#undef LP_SF
}

#endif
