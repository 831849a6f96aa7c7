/* The rows: allocation in StarPU memory, the two generated data sets and
 * the tile layout. */
#define _DEFAULT_SOURCE 1   /* madvise */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <starpu.h>

#include "internal.h"

/* Large columns in huge pages where the kernel gives them on request
 * (transparent huge pages in "madvise" mode, Debian's default): a 2 MiB
 * page is one fault where 512 small ones were (NumPy asks the same for its
 * large arrays).  Measured on the 2-core Xeon VM, whole processes of 10M
 * rows: read from a file 0.33 -> 0.27 s, made 0.30 -> 0.24 s.  Where the
 * kernel says no, nothing changes. */
static void ask_huge_pages(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t page = 4096;
    uintptr_t first = ((uintptr_t)p + page - 1) & ~(page - 1),
              end = ((uintptr_t)p + bytes) & ~(page - 1);
    if (bytes >= ((size_t)4 << 20) && end > first)
        (void)madvise((void *)first, end - first, MADV_HUGEPAGE);
#else
    (void)p, (void)bytes;
#endif
}

/* Pinned when StarPU has an accelerator: transfers can then be asynchronous
 * and overlap with computation.  With touch, every page is touched here
 * (without, the caller's first writes touch them): otherwise the
 * first run's tasks take the page faults of the output column, and StarPU's
 * history model, which learns from the first runs' tasks until it has ten
 * samples and then stops, would keep those slow times (measured: 1.5 ms
 * per CPU tile instead of 0.66). */
int lp_column_alloc(void **col, lp_dtype dtype, size_t count, int touch)
{
    if (count > SIZE_MAX / lp_dtype_size(dtype))   /* the bytes would wrap to a small size */
        return -1;
    size_t bytes = count * lp_dtype_size(dtype);
    if (starpu_malloc(col, bytes) != 0)
        return -1;
    ask_huge_pages(*col, bytes);
    /* In slices: touching gigabytes takes seconds, and a signal stops it. */
    const size_t slice = (size_t)8 << 20;
    for (size_t first = 0; touch && first < bytes && !lp_stop_requested(); first += slice)
        memset((char *)*col + first, 0, bytes - first < slice ? bytes - first : slice);
    if (lp_stop_requested()) {
        starpu_free(*col);
        *col = NULL;
        return -1;
    }
    return 0;
}

void lp_poison(void *col, lp_dtype dtype, size_t count)
{
    for (size_t i = 0; i < count; i++)
        lp_set(col, dtype, i, NAN);
}

/* Signalling NaNs with a payload of their own: arithmetic never yields
 * one (every operation on a signalling NaN returns a quiet one, on CPUs
 * and GPUs alike), so a row still holding it was not written. */
#define UNWRITTEN64 UINT64_C(0x7ff000000badf00d)
#define UNWRITTEN32 UINT32_C(0x7f80f00d)

static void row_mark(void *col, lp_dtype dtype, size_t i)
{
    if (dtype == LP_FLOAT32)
        memcpy((uint32_t *)col + i, &(uint32_t){UNWRITTEN32}, sizeof(uint32_t));
    else
        memcpy((uint64_t *)col + i, &(uint64_t){UNWRITTEN64}, sizeof(uint64_t));
}

static int row_marked(const void *col, lp_dtype dtype, size_t i)
{
    if (dtype == LP_FLOAT32) {
        uint32_t v;
        memcpy(&v, (const uint32_t *)col + i, sizeof v);
        return v == UNWRITTEN32;
    }
    uint64_t v;
    memcpy(&v, (const uint64_t *)col + i, sizeof v);
    return v == UNWRITTEN64;
}

void lp_mark_unwritten(void *col, lp_dtype dtype, size_t count)
{
    if (count > 0) {
        row_mark(col, dtype, 0);
        row_mark(col, dtype, count - 1);
    }
}

int lp_poison_if_unwritten(void *col, lp_dtype dtype, size_t count)
{
    if (count == 0 || !(row_marked(col, dtype, 0) || row_marked(col, dtype, count - 1)))
        return 0;
    lp_poison(col, dtype, count);
    return 1;
}

size_t lp_dtype_size(lp_dtype dtype)
{
    return dtype == LP_FLOAT32 ? sizeof(float) : sizeof(double);
}

const char *lp_dtype_name(lp_dtype dtype)
{
    return dtype == LP_FLOAT32 ? "float32" : "float64";
}

double lp_verify_tolerance(lp_dtype dtype)
{
    return dtype == LP_FLOAT32 ? LP_VERIFY_TOLERANCE_F32 : LP_VERIFY_TOLERANCE;
}

int lp_data_alloc(lp_data *d, size_t rows, lp_dtype dtype)
{
    return lp_data_reserve(d, rows, dtype, 1);
}

int lp_data_reserve(lp_data *d, size_t rows, lp_dtype dtype, int touch)
{
    memset(d, 0, sizeof *d);
    if (dtype != LP_FLOAT64 && dtype != LP_FLOAT32)
        return LP_ERR_USAGE;
    if (rows > LP_MAX_ROWS) {   /* what lp_run takes */
        lp_error("%zu rows: at most %llu", rows, (unsigned long long)LP_MAX_ROWS);
        return LP_ERR_USAGE;
    }
    d->rows = rows;
    d->dtype = dtype;
    if (rows == 0)
        return LP_OK;
    for (int c = 0; c < 4; c++) {
        if (lp_column_alloc(&d->col[c], dtype, rows, touch) != 0) {
            lp_data_free(d);
            return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_ERR_RUNTIME;
        }
    }
    return LP_OK;
}

int lp_data_wrap(lp_data *d, size_t rows, lp_dtype dtype, void *x, void *y, void *z,
                 void *out)
{
    memset(d, 0, sizeof *d);
    if (rows > 0 && (!x || !y || !z || !out))
        return LP_ERR_USAGE;
    if (dtype != LP_FLOAT64 && dtype != LP_FLOAT32)
        return LP_ERR_USAGE;
    *d = (lp_data){.rows = rows, .col = {x, y, z, out}, .wrapped = 1, .dtype = dtype};
    return LP_OK;
}

void lp_data_free(lp_data *d)
{
    lp_kept_let_go(d);   /* unregistered before the memory goes */
    lp_data_unpin(d);
    if (!d->wrapped)
        for (int c = 0; c < 4; c++)
            if (d->col[c])
                starpu_free(d->col[c]);
    memset(d, 0, sizeof *d);
}

/* splitmix64's finaliser: a good 64-bit mix, so random values are a pure
 * function of (seed, row, column) and any rank can make any row. */
static uint64_t mix64(uint64_t v)
{
    v += 0x9e3779b97f4a7c15ull;
    v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
    v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
    return v ^ (v >> 31);
}

static double uniform(uint64_t seed, size_t row, int col)
{
    uint64_t h = mix64(mix64(seed) ^ ((uint64_t)row * 3u + (uint64_t)col));
    return 0.5 + (double)(h >> 11) * 0x1.0p-53;
}

void lp_fill_values(void *x, void *y, void *z, lp_dtype dtype, lp_data_kind kind,
                    uint64_t seed, size_t first, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t i = first + k;
        if (kind == LP_DATA_SEED) {
            double v = (double)(i + 1);
            lp_set(x, dtype, k, v);
            lp_set(y, dtype, k, v);
            lp_set(z, dtype, k, v);
        } else {
            lp_set(x, dtype, k, uniform(seed, i, 0));
            lp_set(y, dtype, k, uniform(seed, i, 1));
            lp_set(z, dtype, k, uniform(seed, i, 2));
        }
    }
}

void lp_data_fill_range(lp_data *d, lp_data_kind kind, uint64_t seed,
                        size_t first, size_t count)
{
    lp_fill_values(lp_at(d->col[0], d->dtype, first), lp_at(d->col[1], d->dtype, first),
                   lp_at(d->col[2], d->dtype, first), d->dtype, kind, seed, first, count);
}

void lp_data_fill(lp_data *d, lp_data_kind kind, uint64_t seed)
{
    lp_data_fill_range(d, kind, seed, 0, d->rows);
}
