/* The rows: allocation in StarPU memory, the two generated data sets, and
 * the host-side checks (checksum, scalar reference, bad inputs). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <starpu.h>

#include "internal.h"

/* Pinned when StarPU has an accelerator: transfers can then be asynchronous
 * and overlap with computation.  Every page is touched here: otherwise the
 * first run's tasks take the page faults of the output column, and StarPU's
 * history model, which learns from the first runs' tasks until it has ten
 * samples and then stops, would keep those slow times (measured: 1.5 ms
 * per CPU tile instead of 0.66). */
int lp_column_alloc(double **col, size_t count)
{
    if (starpu_malloc((void **)col, count * sizeof(double)) != 0)
        return -1;
    /* In slices: touching gigabytes takes seconds, and a signal stops it. */
    const size_t slice = (size_t)1 << 20;
    for (size_t first = 0; first < count; first += slice) {
        if (lp_stop_requested()) {
            starpu_free(*col);
            *col = NULL;
            return -1;
        }
        memset(*col + first, 0, (count - first < slice ? count - first : slice) * sizeof(double));
    }
    return 0;
}

void lp_poison(double *col, size_t count)
{
    for (size_t i = 0; i < count; i++)
        col[i] = NAN;
}

int lp_data_alloc(lp_data *d, size_t rows)
{
    memset(d, 0, sizeof *d);
    d->rows = rows;
    if (rows == 0)
        return LP_OK;
    double **cols[4] = {&d->x, &d->y, &d->z, &d->out};
    for (int c = 0; c < 4; c++) {
        if (lp_column_alloc(cols[c], rows) != 0) {
            lp_data_free(d);
            return lp_stop_requested() ? LP_ERR_INTERRUPTED : LP_ERR_RUNTIME;
        }
    }
    return LP_OK;
}

void lp_data_free(lp_data *d)
{
    double *cols[4] = {d->x, d->y, d->z, d->out};
    for (int c = 0; c < 4; c++)
        if (cols[c])
            starpu_free(cols[c]);
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

void lp_fill_values(double *x, double *y, double *z, lp_data_kind kind,
                    uint64_t seed, size_t first, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        size_t i = first + k;
        if (kind == LP_DATA_SEED) {
            x[k] = y[k] = z[k] = (double)(i + 1);
        } else {
            x[k] = uniform(seed, i, 0);
            y[k] = uniform(seed, i, 1);
            z[k] = uniform(seed, i, 2);
        }
    }
}

void lp_data_fill_range(lp_data *d, lp_data_kind kind, uint64_t seed,
                        size_t first, size_t count)
{
    lp_fill_values(d->x + first, d->y + first, d->z + first, kind, seed, first, count);
}

void lp_data_fill(lp_data *d, lp_data_kind kind, uint64_t seed)
{
    lp_data_fill_range(d, kind, seed, 0, d->rows);
}

void lp_tile_range(size_t rows, size_t tiles, size_t tile,
                   size_t *first, size_t *count)
{
    /* Same split as starpu_vector_filter_block: the first rows % tiles
     * tiles hold one row more. */
    size_t base = rows / tiles, rem = rows % tiles;
    *count = base + (tile < rem);
    *first = tile * base + (tile < rem ? tile : rem);
}

/* Neumaier's compensated sum: exact to about one rounding of the total. */
typedef struct { double sum, comp; } ksum;

static void ksum_add(ksum *k, double v)
{
    double t = k->sum + v;
    if (fabs(k->sum) >= fabs(v))
        k->comp += (k->sum - t) + v;
    else
        k->comp += (v - t) + k->sum;
    k->sum = t;
}

double lp_tile_sum(const double *out, size_t count)
{
    ksum tile = {0, 0};
    for (size_t i = 0; i < count; i++)
        ksum_add(&tile, out[i]);
    return tile.sum + tile.comp;
}

double lp_combine_tile_sums(const double *sums, size_t tiles)
{
    ksum total = {0, 0};
    for (size_t t = 0; t < tiles; t++)
        ksum_add(&total, sums[t]);
    return total.sum + total.comp;
}

double lp_checksum(const double *out, size_t rows, size_t tiles)
{
    ksum total = {0, 0};
    for (size_t t = 0; t < tiles; t++) {
        size_t first, count;
        lp_tile_range(rows, tiles, t, &first, &count);
        ksum_add(&total, lp_tile_sum(out + first, count));
    }
    return total.sum + total.comp;
}

static int bad_value(double v)
{
    return !(v > 0.0);   /* true for NaN too */
}

size_t lp_count_bad_inputs(const lp_data *d, size_t *first_row)
{
    size_t bad = 0;
    for (size_t i = 0; i < d->rows; i++)
        if (bad_value(d->x[i]) || bad_value(d->y[i]) || bad_value(d->z[i])) {
            if (bad++ == 0 && first_row)
                *first_row = i;
        }
    return bad;
}

double lp_max_rel_error(const lp_data *d, unsigned intensity, size_t *worst_row)
{
    double worst = 0.0;
    if (worst_row)
        *worst_row = 0;
    for (size_t i = 0; i < d->rows; i++) {
        if (bad_value(d->x[i]) || bad_value(d->y[i]) || bad_value(d->z[i]))
            continue;   /* counted and reported as bad inputs instead */
        long double ref = 0;
        for (unsigned k = 0; k < intensity; k++)
            ref += logl(d->x[i] + (long double)k) * logl(d->y[i] + (long double)k) *
                   logl(d->z[i] + (long double)k);
        long double err = fabsl((long double)d->out[i] - ref);
        double rel = ref != 0 ? (double)(err / fabsl(ref)) : (double)err;
        if (isnan(rel))
            rel = INFINITY;   /* a NaN result is as wrong as can be */
        if (rel > worst) {    /* the first row of the worst error */
            worst = rel;
            if (worst_row)
                *worst_row = i;
        }
    }
    return worst;
}

int lp_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

unsigned long long lp_bytes_needed(unsigned long long rows)
{
    const unsigned long long per_row = 4 * sizeof(double);
    if (rows > ~0ull / per_row)
        return 0;
    return rows * per_row;
}

/* The least of what the kernel says is available and the process's
 * address-space and data limits (ulimit -v / -d, as batch systems set). */
unsigned long long lp_memory_available(void)
{
    unsigned long long avail = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kib;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1) {
                avail = kib * 1024ull;
                break;
            }
        fclose(f);
    }
    int limits[2] = {RLIMIT_AS, RLIMIT_DATA};
    for (int i = 0; i < 2; i++) {
        struct rlimit rl;
        if (getrlimit(limits[i], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (avail == 0 || rl.rlim_cur < avail))
            avail = rl.rlim_cur;
    }
    return avail;
}

const char *lp_format_bytes(double bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024 && u < 6) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}
