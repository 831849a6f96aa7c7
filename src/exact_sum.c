/* The exact sum (exact_sum.h).  A run of values is first added into one
 * integer bucket per binary exponent (one integer add per value, no
 * rounding), then each bucket used goes into the digits at its weight.
 * About 4 ns per value on the 2-core Xeon VM (a plain double sum: 1 ns). */
#include <math.h>
#include <string.h>

#include "exact_sum.h"
#include "internal.h"

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

/* x 2^(q - 1074) into the digits, as signed 32-bit pieces. */
static void add_at(lp_xsum *s, lp_i128 x, unsigned q)
{
    int i = (int)(q / 32);
    x = (lp_i128)((lp_u128)x << (q % 32));   /* |x| < 2^117: no bit lost */
    while (x != 0) {
        int32_t d = (int32_t)(uint32_t)(uint64_t)x;
        s->digit[i++] += d;
        x = (x - d) / ((lp_i128)1 << 32);   /* exact: the low bits are 0 */
    }
}

/* Values go into one 64-bit bucket per binary exponent (|mantissa| < 2^53,
 * so 1024 adds cannot overflow one), which are emptied into 128-bit
 * buckets after each block of 1024 values (only the exponents the block
 * used), and those into the digits at the end. */
enum { BUCKETS = 2047, BLOCK = 1024 };

typedef struct buckets {
    int64_t small[BUCKETS + 1];   /* the last one: infinities and NaNs, ignored */
    lp_i128 big[BUCKETS];
} buckets;

static void block_add(lp_xsum *s, buckets *b, const uint64_t *u, size_t n)
{
    unsigned lo = BUCKETS, hi = 0;
    int special = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned be = (unsigned)(u[i] >> 52) & 0x7ffu;
        int64_t m = (int64_t)((u[i] & 0x000fffffffffffffu) | ((uint64_t)(be != 0) << 52));
        int64_t sign = (int64_t)u[i] >> 63;   /* 0 or -1 */
        b->small[be] += (m ^ sign) - sign;
        lo = be < lo ? be : lo;
        hi = be > hi ? be : hi;
        special |= be == 0x7ffu;
    }
    if (special) {   /* counted apart (rare): their bucket is not used */
        for (size_t i = 0; i < n; i++)
            if (((u[i] >> 52) & 0x7ffu) == 0x7ffu) {
                if (u[i] & 0x000fffffffffffffu)
                    s->nan++;
                else if (u[i] >> 63)
                    s->ninf++;
                else
                    s->pinf++;
            }
        b->small[0x7ff] = 0;
    }
    for (unsigned be = lo; be <= hi && be < BUCKETS; be++) {
        b->big[be] += b->small[be];
        b->small[be] = 0;
    }
}

void lp_xsum_add(lp_xsum *s, const void *v, lp_dtype dtype, size_t n)
{
    buckets b;   /* 48 KB: worker threads have megabytes of stack */
    uint64_t conv[BLOCK];
    memset(&b, 0, sizeof b);
    for (size_t i = 0; i < n; i += BLOCK) {
        size_t m = n - i < BLOCK ? n - i : BLOCK;
        if (dtype == LP_FLOAT32) {
            for (size_t k = 0; k < m; k++) {
                double d = (double)((const float *)v)[i + k];   /* exact */
                memcpy(&conv[k], &d, sizeof d);
            }
            block_add(s, &b, conv, m);
        } else {
            block_add(s, &b, (const uint64_t *)v + i, m);
        }
    }
    /* bucket be weighs 2^(max(be, 1) - 1075): |bucket| < 2^53 n */
    for (unsigned be = 0; be < BUCKETS; be++)
        if (b.big[be])
            add_at(s, b.big[be], (be ? be : 1) - 1);
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
