/* The exact sum (exact_sum.h), block by block: each block's values added
 * as integers at a common unit, then into the digits at that unit's
 * weight. */
#include <math.h>
#include <string.h>

#include "exact_sum.h"

__extension__ typedef __int128 lp_i128;
__extension__ typedef unsigned __int128 lp_u128;

void lp_xsum_clear(lp_xsum *s)
{
    memset(s, 0, sizeof *s);
}

/* Carries out: digits 0..n-2 in [0, 2^32), the last one signed. */
static void normalize(lp_xsum *s)
{
    for (int i = 0; i + 1 < LP_XSUM_DIGITS; i++) {
        int64_t carry = s->digit[i] >> 32;   /* floor: arithmetic shift */
        s->digit[i] -= (int64_t)((uint64_t)carry << 32);
        s->digit[i + 1] += carry;
    }
}

/* x 2^(q - 1074) into the digits, as signed 32-bit pieces (|x| < 2^96). */
static void add_at(lp_xsum *s, lp_i128 x, unsigned q)
{
    int i = (int)(q / 32);
    x = (lp_i128)((lp_u128)x << (q % 32));   /* below 2^127: no bit lost */
    while (x != 0) {
        int32_t d = (int32_t)(uint32_t)(uint64_t)x;
        s->digit[i++] += d;
        x = (x - d) >> 32;   /* exact: the low bits are 0 (GCC shifts signed values arithmetically) */
    }
}

/* A block of finite values is taken apart level by level without
 * rounding (Rump, Ogita and Oishi's extraction, as in their AccSum): with
 * sigma a power of 2 at least n times the largest |x|, q = (sigma + x) -
 * sigma is x's part in units of ulp(sigma), exactly, and r = x - q the
 * rest, exactly; the q of the block add up exactly in any order (multiples
 * of one unit, sums below sigma), in 8 lanes that vectorise.  The next
 * level takes the rests with a sigma 2^42 smaller, until every rest is 0
 * (two levels for values within 2^32 of each other); what is left after
 * LEVELS, and blocks holding an infinity or NaN, go value by value. */
enum { BLOCK = 1024, LANES = 8, LEVELS = 4 };

static void add_value(lp_xsum *s, uint64_t u)
{
    unsigned be = (unsigned)(u >> 52) & 0x7ffu;
    if (be == 0x7ffu) {
        if (u & 0x000fffffffffffffu)
            s->nan++;
        else if (u >> 63)
            s->ninf++;
        else
            s->pinf++;
        return;
    }
    int64_t m = (int64_t)((u & 0x000fffffffffffffu) | ((uint64_t)(be != 0) << 52));
    if (m)   /* weight 2^(max(be, 1) - 1075) */
        add_at(s, u >> 63 ? -(lp_i128)m : (lp_i128)m, (be ? be : 1) - 1);
}

static void add_double(lp_xsum *s, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    add_value(s, u);
}

/* One level over x[0..n): the q into lanes, the rests back into x; 1 if
 * any rest is not 0.  GCC's vector types keep the sums in registers, on
 * the widest vectors the processor has. */
typedef double lp_v8d __attribute__((vector_size(64)));
typedef uint64_t lp_v8u __attribute__((vector_size(64)));

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
static int extract(double *x, size_t n, double sigma, double *lanes)
{
    const lp_v8d sig = {sigma, sigma, sigma, sigma, sigma, sigma, sigma, sigma};
    lp_v8d q0 = {0}, q1 = {0};
    lp_v8u any = {0};
    size_t i = 0;
    for (; i + 2 * LANES <= n; i += 2 * LANES) {
        lp_v8d a, b;
        memcpy(&a, x + i, sizeof a);
        memcpy(&b, x + i + LANES, sizeof b);
        lp_v8d ta = (sig + a) - sig, tb = (sig + b) - sig;
        lp_v8d ra = a - ta, rb = b - tb;
        q0 += ta;
        q1 += tb;
        memcpy(x + i, &ra, sizeof ra);
        memcpy(x + i + LANES, &rb, sizeof rb);
        any |= ((lp_v8u)ra | (lp_v8u)rb) << 1;   /* the bits but the sign */
    }
    int rest = 0;
    for (; i < n; i++) {
        double t = (sigma + x[i]) - sigma;
        lanes[0] += t;
        x[i] -= t;
        rest |= x[i] != 0;
    }
    for (int k = 0; k < LANES; k++) {
        lanes[k] += q0[k];
        lanes[LANES + k] += q1[k];
        rest |= any[k] != 0;
    }
    return rest;
}

static void block_add(lp_xsum *s, const uint64_t *u, size_t n)
{
    unsigned top = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned be = (unsigned)(u[i] >> 52) & 0x7ffu;
        top = be > top ? be : top;
    }
    if (top > 2030 || top < 200) {   /* not finite, huge or tiny: value by value */
        for (size_t i = 0; i < n; i++)
            add_value(s, u[i]);
        return;
    }
    double x[BLOCK];
    memcpy(x, u, n * sizeof *x);
    /* |x| < 2^(top - 1022); n <= 2^10 */
    int e = (int)top - 1022 + 10;
    for (int level = 0; level < LEVELS; level++, e -= 42) {
        double lanes[2 * LANES] = {0};
        int rest = extract(x, n, ldexp(1.0, e), lanes);
        for (int k = 0; k < 2 * LANES; k++)
            add_double(s, lanes[k]);
        if (!rest)
            return;
        if (e - 42 < -1000)
            break;
    }
    for (size_t i = 0; i < n; i++)   /* what the levels left */
        if (x[i] != 0)
            add_double(s, x[i]);
}

void lp_xsum_add(lp_xsum *s, const void *v, lp_dtype dtype, size_t n)
{
    uint64_t conv[BLOCK];
    for (size_t i = 0; i < n; i += BLOCK) {
        size_t m = n - i < BLOCK ? n - i : BLOCK;
        if (dtype == LP_FLOAT32) {
            for (size_t k = 0; k < m; k++) {
                double d = (double)((const float *)v)[i + k];   /* exact */
                memcpy(&conv[k], &d, sizeof d);
            }
            block_add(s, conv, m);
        } else {
            block_add(s, (const uint64_t *)v + i, m);
        }
        if ((i / BLOCK) % 256 == 255)
            normalize(s);   /* the digits take 2^31 adds before they could overflow */
    }
    normalize(s);
}

void lp_xsum_merge(lp_xsum *into, const lp_xsum *from)
{
    for (int i = 0; i < LP_XSUM_DIGITS; i++)
        into->digit[i] += from->digit[i];
    into->pinf += from->pinf;
    into->ninf += from->ninf;
    into->nan += from->nan;
    normalize(into);
}

double lp_xsum_round(const lp_xsum *sum)
{
    if (sum->nan || (sum->pinf && sum->ninf))
        return NAN;
    if (sum->pinf || sum->ninf)
        return sum->pinf ? INFINITY : -INFINITY;
    lp_xsum s = *sum;
    normalize(&s);
    int negative = s.digit[LP_XSUM_DIGITS - 1] < 0;
    if (negative) {   /* the magnitude: negate every digit, carry again */
        for (int i = 0; i < LP_XSUM_DIGITS; i++)
            s.digit[i] = -s.digit[i];
        normalize(&s);
    }
    int h = LP_XSUM_DIGITS - 1;
    while (h >= 0 && s.digit[h] == 0)
        h--;
    if (h < 0)
        return 0.0;
    /* The top three digits (at most 96 bits), the rest as a sticky bit. */
    lp_u128 top = 0;
    for (int i = h; i >= h - 2; i--)
        top = (top << 32) | (uint64_t)(i >= 0 ? s.digit[i] : 0);
    int sticky = 0;
    for (int i = h - 3; i >= 0; i--)
        sticky |= s.digit[i] != 0;
    int bits = 0;
    for (lp_u128 t = top; t; t >>= 1)
        bits++;
    int scale = 32 * (h - 2) - 1074;   /* top's unit */
    /* Keep 53 bits, or every bit down to 2^-1074 for a subnormal result. */
    int shift = bits - 53;
    if (scale + shift < -1074)
        shift = -1074 - scale;
    uint64_t mant;
    if (shift <= 0) {
        mant = (uint64_t)(top << -shift);
    } else {
        lp_u128 rest = top & (((lp_u128)1 << shift) - 1), half = (lp_u128)1 << (shift - 1);
        mant = (uint64_t)(top >> shift);
        if (rest > half || (rest == half && (sticky || (mant & 1))))
            mant++;   /* may reach 2^53: still exact, ldexp takes it */
    }
    double r = ldexp((double)mant, scale + shift);   /* inf beyond DBL_MAX */
    return negative ? -r : r;
}
