/* lp-starpu's natural log, defined once: this file is the specification
 * that every reproducible implementation follows operation for operation,
 * so that each gives these bits for every input (no device, schedule or
 * tile count changes the answer).  It is valid C11 (the scalar CPU code and
 * the tests), OpenCL C (the OpenCL kernel, logprod.cl, is built from it) and
 * CUDA C++ (logprod_cuda.cu); log_avx512.h is the same sequence on 8 or 16
 * lanes.  Every compiler of it must keep products and sums apart (no
 * contraction into fma: -ffp-contract=off, -fmad=false, FP_CONTRACT OFF)
 * and must not reassociate (no -ffast-math):
 *
 *   x = 2^e m, m in [0.75, 1.5)       (AVX-512: vgetmantpd, vgetexppd)
 *   c = m rounded to twentieths       16 table entries, index round(20 m) mod 16
 *   log x = e ln2 + log c + log1p(r), r = m/c - 1, |r| < 1/30
 *
 * r is exact (m * (1/c) split into its rounded product and the rest); log c
 * is stored in two parts, the first a multiple of 2^-42 like ln2's, so that
 * e ln2 + log c is exact; log1p(r) - r is a degree-8 polynomial (error
 * below 2^-55; degree 4 for float); the sum of the large parts is carried
 * with its rounding error.  Within 0.53 ulp of log (0.54 for float).  The
 * tables and polynomials come from scripts/log_tables.py.
 *
 * Special inputs: NaN, negative and -inf give NaN, +-0 gives -inf, +inf
 * gives +inf; subnormals are logs like any other.  Every NaN a row's
 * result holds is written as the one quiet NaN (LP_NAN64, LP_NAN32): NaN
 * payloads and signs differ between processors. */
#ifndef LP_LOG_LP_H
#define LP_LOG_LP_H

#if defined(__OPENCL_C_VERSION__) || defined(__OPENCL_VERSION__)
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define LP_HAVE_F64 1
#else
#define LP_HAVE_F64 0   /* a device without doubles (many integrated GPUs): float only */
#endif
#define LP_FN
#define LP_TABLE(T) __constant T
typedef ulong lp_u64;
typedef uint lp_u32;
#define LP_AS_U64(v) as_ulong(v)
#define LP_AS_F64(v) as_double(v)
#define LP_AS_U32(v) as_uint(v)
#define LP_AS_F32(v) as_float(v)
#define LP_FMAF(a, b, c) fma(a, b, c)
#elif defined(__CUDACC__)
#define LP_HAVE_F64 1
#define LP_FN static __device__ __forceinline__
#define LP_TABLE(T) static __constant__ const T
typedef unsigned long long lp_u64;
typedef unsigned int lp_u32;
#define LP_AS_U64(v) ((lp_u64)__double_as_longlong(v))
#define LP_AS_F64(v) __longlong_as_double((long long)(v))
#define LP_AS_U32(v) __float_as_uint(v)
#define LP_AS_F32(v) __uint_as_float(v)
#define LP_FMAF(a, b, c) fmaf(a, b, c)
#else
#include <math.h>
#include <stdint.h>
#include <string.h>
#define LP_HAVE_F64 1
#define LP_FN static inline
#define LP_TABLE(T) static const T
typedef uint64_t lp_u64;
typedef uint32_t lp_u32;
static inline lp_u64 lp_as_u64(double v) { lp_u64 u; memcpy(&u, &v, sizeof u); return u; }
static inline double lp_as_f64(lp_u64 u) { double v; memcpy(&v, &u, sizeof v); return v; }
static inline lp_u32 lp_as_u32(float v) { lp_u32 u; memcpy(&u, &v, sizeof u); return u; }
static inline float lp_as_f32(lp_u32 u) { float v; memcpy(&v, &u, sizeof v); return v; }
#define LP_AS_U64(v) lp_as_u64(v)
#define LP_AS_F64(v) lp_as_f64(v)
#define LP_AS_U32(v) lp_as_u32(v)
#define LP_AS_F32(v) lp_as_f32(v)
#define LP_FMAF(a, b, c) fmaf(a, b, c)
#endif

#define LP_NAN64_BITS 0x7ff8000000000000u
#define LP_NAN32_BITS 0x7fc00000u

/* c = k/20 for k = 15..30, stored at k mod 16: 1/c, and -log(1/c) in two
 * parts; float's first parts on a 2^-16 grid. */
#if LP_HAVE_F64
LP_TABLE(double) LP_LOG_INVC[16] = {
    0x1.4000000000000p+0, 0x1.2d2d2d2d2d2d3p+0, 0x1.1c71c71c71c72p+0, 0x1.0d79435e50d79p+0,
    0x1.0000000000000p+0, 0x1.e79e79e79e79ep-1, 0x1.d1745d1745d17p-1, 0x1.bd37a6f4de9bdp-1,
    0x1.aaaaaaaaaaaabp-1, 0x1.999999999999ap-1, 0x1.89d89d89d89d9p-1, 0x1.7b425ed097b42p-1,
    0x1.6db6db6db6db7p-1, 0x1.611a7b9611a7cp-1, 0x1.5555555555555p-1, 0x1.5555555555555p+0,
};
LP_TABLE(double) LP_LOG_LOGC_HI[16] = {
    -0x1.c8ff7c79aa000p-3, -0x1.4cd6b97964000p-3, -0x1.af8e8210a4000p-4, -0x1.a431d5bcc0000p-5,
    0x0.0p+0, 0x1.8fb063ef30000p-5, 0x1.8663f793c4000p-4, 0x1.1e3b825dd0000p-3,
    0x1.7565011e4a000p-3, 0x1.c8ff7c79aa000p-3, 0x1.0ca937be1c000p-2, 0x1.334e9e47d0000p-2,
    0x1.588c2d9133000p-2, 0x1.7c7b282d0d000p-2, 0x1.9f323ecbfa000p-2, -0x1.269621134e000p-2,
};
LP_TABLE(double) LP_LOG_LOGC_LO[16] = {
    0x1.7794f689f8434p-45, -0x1.7946f9d8f5ca8p-47, -0x1.60a1945b71373p-48, -0x1.92f8ec7d853afp-45,
    0x0.0p+0, -0x1.c0749d890e822p-44, 0x1.b2409228c1d35p-46, 0x1.7b2367b02240bp-45,
    -0x1.316c0a4ad975cp-44, -0x1.7814f689f8434p-45, -0x1.8948ad9a1799ap-44, 0x1.fd65c790d9bb9p-44,
    0x1.23cfd7d835820p-44, 0x1.1a8d8940804f8p-44, -0x1.ecc3525ca2643p-44, 0x1.1ba1f10522625p-44,
};
#endif
LP_TABLE(float) LP_LOGF_INVC[16] = {
    0x1.4000000000000p+0f, 0x1.2d2d2e0000000p+0f, 0x1.1c71c80000000p+0f, 0x1.0d79440000000p+0f,
    0x1.0000000000000p+0f, 0x1.e79e7a0000000p-1f, 0x1.d1745e0000000p-1f, 0x1.bd37a60000000p-1f,
    0x1.aaaaaa0000000p-1f, 0x1.99999a0000000p-1f, 0x1.89d89e0000000p-1f, 0x1.7b425e0000000p-1f,
    0x1.6db6dc0000000p-1f, 0x1.611a7c0000000p-1f, 0x1.5555560000000p-1f, 0x1.5555560000000p+0f,
};
LP_TABLE(float) LP_LOGF_LOGC_HI[16] = {
    -0x1.c900000000000p-3f, -0x1.4cd8000000000p-3f, -0x1.af90000000000p-4f, -0x1.a440000000000p-5f,
    0x0.0p+0f, 0x1.8fc0000000000p-5f, 0x1.8660000000000p-4f, 0x1.1e38000000000p-3f,
    0x1.7568000000000p-3f, 0x1.c900000000000p-3f, 0x1.0ca8000000000p-2f, 0x1.3350000000000p-2f,
    0x1.588c000000000p-2f, 0x1.7c7c000000000p-2f, 0x1.9f34000000000p-2f, -0x1.2698000000000p-2f,
};
LP_TABLE(float) LP_LOGF_LOGC_LO[16] = {
    0x1.070cac0000000p-20f, 0x1.40ed020000000p-19f, 0x1.7122900000000p-20f, 0x1.c2e2020000000p-18f,
    0x0.0p+0f, -0x1.f3b54e0000000p-18f, 0x1.f7c9e20000000p-19f, 0x1.c3621c0000000p-18f,
    -0x1.7dd7420000000p-18f, -0x1.0b0cac0000000p-20f, 0x1.368ae80000000p-18f, -0x1.5f84fc0000000p-18f,
    0x1.5fbcce0000000p-21f, -0x1.b20c4c0000000p-19f, -0x1.c334060000000p-18f, 0x1.dcecb20000000p-18f,
};

/* ln 2 in two parts, the first on the grid of log c's first parts (2^-42,
 * float 2^-16) so that e ln2 + log c is exact; and log1p(r) - r = r^2 P(r),
 * P's coefficients highest degree first, evaluated by Horner's rule with
 * fused multiply-adds.  Every form of the log (here, log_avx512.h,
 * log_avx2.h) reads them from here. */
#define LP_LOG_LN2_HI 0x1.62e42fefa3800p-1
#define LP_LOG_LN2_LO 0x1.ef35793c76730p-45
#define LP_LOG_DEGREE 8
#if LP_HAVE_F64
LP_TABLE(double) LP_LOG_POLY[LP_LOG_DEGREE + 1] = {
    -0x1.9a8daecc5a416p-4, 0x1.c80c0e8e8b101p-4, -0x1.ffffc2f9a4beap-4, 0x1.24922f78328e9p-3,
    -0x1.55555558723c9p-3, 0x1.9999999ba31a7p-3, -0x1.ffffffffffe39p-3, 0x1.55555555554fcp-2,
    -0.5,
};
#endif
#define LP_LOGF_LN2_HI 0x1.62e4p-1f
#define LP_LOGF_LN2_LO 0x1.7f7d1cp-20f
#define LP_LOGF_DEGREE 4
LP_TABLE(float) LP_LOGF_POLY[LP_LOGF_DEGREE + 1] = {
    -0x1.55c31cp-3f, 0x1.9a0224p-3f, -0x1.fffff4p-3f, 0x1.555552p-2f, -0.5f,
};

#if LP_HAVE_F64
/* The log of a positive finite x (subnormals included). */
LP_FN double lp_log_finite(double x)
{
    lp_u64 b = LP_AS_U64(x);
    double below = 0.0;
    if (b < 0x0010000000000000u) {   /* subnormal: 2^54 x is normal, exactly */
        b = LP_AS_U64(x * 0x1p54);
        below = 54.0;
    }
    double m = LP_AS_F64((b & 0x000fffffffffffffu) | 0x3ff0000000000000u);   /* [1, 2) */
    double e = (double)((int)(b >> 52) - 1023) - below;
    if (m >= 1.5) {   /* into [0.75, 1.5) */
        m = m * 0.5;
        e = e + 1.0;
    }
    unsigned k = (unsigned)(LP_AS_U64(fma(m, 20.0, 0x1.8p52)) & 15u);   /* round(20 m) mod 16 */
    double invc = LP_LOG_INVC[k], lhi = LP_LOG_LOGC_HI[k], llo = LP_LOG_LOGC_LO[k];
    double ph = m * invc;
    double rlo = fma(m, invc, -ph);   /* m invc = ph + rlo exactly */
    double r = ph - 1.0;               /* exact: ph is within 1/30 of 1 */
    double w = fma(e, LP_LOG_LN2_HI, lhi);   /* exact */
    double s = w + r;
    double serr = (w - s) + r;         /* |w| > |r|, or w = 0 */
    double p = LP_LOG_POLY[0];
    for (int j = 1; j <= LP_LOG_DEGREE; j++)
        p = fma(p, r, LP_LOG_POLY[j]);
    /* the small parts: log c's second, the sum's error, log1p(r + rlo) -
     * log1p(r) ~ rlo (1 - r), e ln2's second */
    double lo = (llo + serr) + fma(-r, rlo, rlo);
    lo = fma(e, LP_LOG_LN2_LO, lo);
    return s + fma(r * r, p, lo);
}

LP_FN double lp_log_ref(double x)
{
    if (x > 0.0 && x < LP_AS_F64(0x7ff0000000000000u))
        return lp_log_finite(x);
    if (x == 0.0)
        return -LP_AS_F64(0x7ff0000000000000u);
    return x > 0.0 ? x : LP_AS_F64(LP_NAN64_BITS);   /* +inf; NaN, negative, -inf */
}
#endif

LP_FN float lp_logf_finite(float x)
{
    lp_u32 b = LP_AS_U32(x);
    float below = 0.0f;
    if (b < 0x00800000u) {   /* subnormal: 2^25 x is normal, exactly */
        b = LP_AS_U32(x * 0x1p25f);
        below = 25.0f;
    }
    float m = LP_AS_F32((b & 0x007fffffu) | 0x3f800000u);
    float e = (float)((int)(b >> 23) - 127) - below;
    if (m >= 1.5f) {
        m = m * 0.5f;
        e = e + 1.0f;
    }
    unsigned k = LP_AS_U32(LP_FMAF(m, 20.0f, 0x1.8p23f)) & 15u;
    float invc = LP_LOGF_INVC[k], lhi = LP_LOGF_LOGC_HI[k], llo = LP_LOGF_LOGC_LO[k];
    float ph = m * invc;
    float rlo = LP_FMAF(m, invc, -ph);
    float r = ph - 1.0f;
    float w = LP_FMAF(e, LP_LOGF_LN2_HI, lhi);   /* exact */
    float s = w + r;
    float serr = (w - s) + r;
    float p = LP_LOGF_POLY[0];
    for (int j = 1; j <= LP_LOGF_DEGREE; j++)
        p = LP_FMAF(p, r, LP_LOGF_POLY[j]);
    float lo = (llo + serr) + LP_FMAF(-r, rlo, rlo);
    lo = LP_FMAF(e, LP_LOGF_LN2_LO, lo);
    return s + LP_FMAF(r * r, p, lo);
}

LP_FN float lp_logf_ref(float x)
{
    if (x > 0.0f && x < LP_AS_F32(0x7f800000u))
        return lp_logf_finite(x);
    if (x == 0.0f)
        return -LP_AS_F32(0x7f800000u);
    return x > 0.0f ? x : LP_AS_F32(LP_NAN32_BITS);
}

/* A row: log x log y log z, multiplied in that order; with intensity K > 1
 * the K terms log(x+k) log(y+k) log(z+k), k = 0..K-1, added in k order;
 * a NaN result written as LP_NAN64. */
#if LP_HAVE_F64
LP_FN double lp_logprod_ref(double x, double y, double z, unsigned intensity)
{
    double acc = lp_log_ref(x) * lp_log_ref(y) * lp_log_ref(z);
    for (unsigned k = 1; k < intensity; k++) {
        double dk = (double)k;
        acc = acc + lp_log_ref(x + dk) * lp_log_ref(y + dk) * lp_log_ref(z + dk);
    }
    return acc == acc ? acc : LP_AS_F64(LP_NAN64_BITS);
}
#endif

LP_FN float lp_logprodf_ref(float x, float y, float z, unsigned intensity)
{
    float acc = lp_logf_ref(x) * lp_logf_ref(y) * lp_logf_ref(z);
    for (unsigned k = 1; k < intensity; k++) {
        float dk = (float)k;
        acc = acc + lp_logf_ref(x + dk) * lp_logf_ref(y + dk) * lp_logf_ref(z + dk);
    }
    return acc == acc ? acc : LP_AS_F32(LP_NAN32_BITS);
}

#endif
