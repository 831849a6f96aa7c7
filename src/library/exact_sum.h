/* The checksum as the exact sum of out, rounded once: every double is an
 * integer multiple of 2^-1074, so a sum of them is an integer held exactly
 * in 32-bit digits (a superaccumulator, as in ExBLAS).  Adding is
 * associative and commutative there, so the checksum does not depend on
 * the tiles, the ranks, the workers or the order; it is then rounded to
 * the nearest double (ties to even), as Python's math.fsum does.  Infinite
 * and NaN values are counted apart and give IEEE's answer: NaN for a NaN or
 * both infinities, else the infinity. */
#ifndef LP_EXACT_SUM_H
#define LP_EXACT_SUM_H

#include <stddef.h>
#include <stdint.h>

#include "lp_starpu.h"

/* Digit i weighs 2^(32 i - 1074); 72 digits hold 2^1024 times 2^64 rows. */
#define LP_XSUM_DIGITS 72

typedef struct lp_xsum {
    int64_t digit[LP_XSUM_DIGITS];
    int64_t pinf, ninf, nan;   /* +inf, -inf and NaN values seen */
} lp_xsum;
/* Sent between ranks as LP_XSUM_DIGITS + 3 integers. */
_Static_assert(sizeof(lp_xsum) == (LP_XSUM_DIGITS + 3) * sizeof(int64_t), "lp_xsum has padding");

void lp_xsum_clear(lp_xsum *s);
/* n values of dtype, added exactly. */
void lp_xsum_add(lp_xsum *s, const void *v, lp_dtype dtype, size_t n);
/* from added into into, exactly. */
void lp_xsum_merge(lp_xsum *into, const lp_xsum *from);
/* The sum rounded to the nearest double. */
double lp_xsum_round(const lp_xsum *s);

#endif
