/* What a run leaves unwritten is NaN (run.c): lp_mark_unwritten marks a
 * tile's two ends before the run, lp_poison_if_unwritten makes the tile
 * NaN throughout if either end still holds the mark, and lp_poison writes
 * NaN over exactly its range; for both element types, every length, with
 * the tile written whole, not at all, or all but one end.  A written
 * result is never taken for the mark, NaN, infinities and the values next
 * to the mark's bits included.  No StarPU. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "support/check.h"

#define ROOM 64
#define FIRST 3   /* the tile inside the room: what lies beside it stays */

typedef enum { WHOLE, NONE, NOT_FIRST, NOT_LAST } writing;
static const char *const writing_name[] = {"written whole", "not written",
                                           "written but its first row",
                                           "written but its last row"};

static double d[ROOM];
static float f[ROOM];

static void fill(double dv, float fv)
{
    for (size_t i = 0; i < ROOM; i++) {
        d[i] = dv;
        f[i] = fv;
    }
}

/* The task's writes: rows [from, to) of the tile of n rows. */
static void write_rows(size_t n, writing w)
{
    size_t from = w == NOT_FIRST, to = w == NOT_LAST && n > 0 ? n - 1 : n;
    for (size_t i = from; w != NONE && i < to; i++) {
        d[FIRST + i] = 2.0;
        f[FIRST + i] = 2.0f;
    }
}

static void check_tile(size_t n, writing w)
{
    fill(1.0, 1.0f);
    lp_mark_unwritten(d + FIRST, LP_FLOAT64, n);
    lp_mark_unwritten(f + FIRST, LP_FLOAT32, n);
    write_rows(n, w);
    int lost = n > 0 && w != WHOLE;
    CHECK(lp_poison_if_unwritten(d + FIRST, LP_FLOAT64, n) == lost, "float64, %zu rows %s: %s",
          n, writing_name[w], lost ? "not found" : "taken for unwritten");
    CHECK(lp_poison_if_unwritten(f + FIRST, LP_FLOAT32, n) == lost, "float32, %zu rows %s: %s",
          n, writing_name[w], lost ? "not found" : "taken for unwritten");
    for (size_t i = 0; i < ROOM; i++) {
        int inside = i >= FIRST && i < FIRST + n;
        double want = !inside ? 1.0 : lost ? NAN : 2.0;
        CHECK(isnan(want) ? isnan(d[i]) : d[i] == want, "float64, %zu rows %s: element %zu is %g",
              n, writing_name[w], i, d[i]);
        CHECK(isnan(want) ? isnan(f[i]) : f[i] == (float)want,
              "float32, %zu rows %s: element %zu is %g", n, writing_name[w], i, (double)f[i]);
    }
}

/* Results a computation can give: never the mark. */
static void check_results_not_marks(void)
{
    static const uint64_t bits64[] = {UINT64_C(0x7ff8000000000000), UINT64_C(0xfff8000000000000),
                                      UINT64_C(0x7ff0000000000000), UINT64_C(0x7ff800000badf00d),
                                      UINT64_C(0x7ff000000badf00c), UINT64_C(0xfff000000badf00d)};
    static const uint32_t bits32[] = {0x7fc00000u, 0xffc00000u, 0x7f800000u,
                                      0x7fc0f00du, 0x7f80f00cu, 0xff80f00du};
    for (size_t k = 0; k < sizeof bits64 / sizeof *bits64; k++) {
        fill(1.0, 1.0f);
        lp_mark_unwritten(d, LP_FLOAT64, 2);
        lp_mark_unwritten(f, LP_FLOAT32, 2);
        memcpy(&d[0], &bits64[k], sizeof d[0]);
        memcpy(&d[1], &bits64[k], sizeof d[1]);
        memcpy(&f[0], &bits32[k], sizeof f[0]);
        memcpy(&f[1], &bits32[k], sizeof f[1]);
        CHECK(!lp_poison_if_unwritten(d, LP_FLOAT64, 2), "float64 result %#llx taken for the mark",
              (unsigned long long)bits64[k]);
        CHECK(!lp_poison_if_unwritten(f, LP_FLOAT32, 2), "float32 result %#x taken for the mark",
              (unsigned)bits32[k]);
    }
}

int main(void)
{
    static const size_t counts[] = {0, 1, 2, 3, 7, 16, 40};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++)
        for (writing w = WHOLE; w <= NOT_LAST; w++)
            check_tile(counts[c], w);
    check_results_not_marks();
    for (size_t first = 0; first < 8; first++)
        for (size_t n = 0; first + n <= ROOM; n += 5) {
            fill(1.0, 1.0f);
            lp_poison(d + first, LP_FLOAT64, n);
            lp_poison(f + first, LP_FLOAT32, n);
            for (size_t i = 0; i < ROOM; i++) {
                int inside = i >= first && i < first + n;
                CHECK(inside ? isnan(d[i]) : d[i] == 1.0, "lp_poison float64 %zu..+%zu: %zu is %g",
                      first, n, i, d[i]);
                CHECK(inside ? isnan(f[i]) : f[i] == 1.0f, "lp_poison float32 %zu..+%zu: %zu is %g",
                      first, n, i, (double)f[i]);
            }
        }
    if (failures)
        return 1;
    printf("unwritten tiles: found at either end and made NaN, written ones kept; "
           "lp_poison exact; both element types\n");
    return 0;
}
