/* Pinned (page-locked) host memory, the one home of pinning.  It matters
 * only for a CUDA worker's DMA: copies from pageable memory are staged
 * and do not overlap the kernels.  Pinning costs a pass over the pages
 * each way (320 MB of columns: tens of ms), so it is paid once where it
 * can be:
 *   - lp_pin: ranges the caller keeps pinned until lp_unpin (the Python
 *     module's pinned arrays, and its cache of arrays seen before); a run
 *     on columns inside one pins nothing more;
 *   - any other column of lp_data_wrap: pinned by its first run that may
 *     use a CUDA worker, unpinned by lp_data_free.
 * StarPU 1.3's starpu_memory_pin is CUDA's cudaHostRegister when StarPU has
 * CUDA, and does nothing (successfully) under valgrind or
 * STARPU_DISABLE_PINNING: the latter is read here too, so that no record
 * says pinned then (under valgrind one may). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include <starpu.h>

#include "internal.h"

enum pin_state {
    PIN_WAITING,   /* recorded; no CUDA worker to pin it for yet */
    PIN_DONE,
    PIN_REFUSED,   /* the system would not (memory lock limit): used unpinned */
};

struct pin_range {
    uintptr_t lo, hi;   /* [lo, hi) */
    enum pin_state state;
};

/* Few ranges (the arrays a program keeps): a list, looked up in full. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pin_range *ranges;
static size_t nranges, capacity;

/* StarPU runs a CUDA worker, and pins (starpu_memory_pin would succeed
 * without pinning under STARPU_DISABLE_PINNING: no record may say
 * pinned then). */
static int pinning_wanted(void)
{
    return starpu_is_initialized() && starpu_cuda_worker_get_count() > 0 &&
           starpu_get_env_number_default("STARPU_DISABLE_PINNING", 0) <= 0;
}

/* The recorded range holding all of [lo, hi), NULL if none.  Under lock. */
static struct pin_range *covering(uintptr_t lo, uintptr_t hi)
{
    for (size_t i = 0; i < nranges; i++)
        if (ranges[i].lo <= lo && hi <= ranges[i].hi)
            return &ranges[i];
    return NULL;
}

/* Under lock. */
static void pin_if_wanted(struct pin_range *r)
{
    if (r->state == PIN_WAITING && pinning_wanted())
        r->state = starpu_memory_pin((void *)r->lo, r->hi - r->lo) == 0 ? PIN_DONE : PIN_REFUSED;
}

/* The new record for [lo, hi), NULL if it overlaps another
 * (*status LP_ERR_USAGE) or memory ran out (LP_ERR_RUNTIME); lp_error
 * says which.  Under lock. */
static struct pin_range *record(uintptr_t lo, uintptr_t hi, int *status)
{
    for (size_t i = 0; i < nranges; i++) {
        if (ranges[i].lo < hi && lo < ranges[i].hi) {
            lp_error("lp_pin: [%#jx, %#jx) overlaps [%#jx, %#jx), pinned before",
                     (uintmax_t)lo, (uintmax_t)hi, (uintmax_t)ranges[i].lo,
                     (uintmax_t)ranges[i].hi);
            *status = LP_ERR_USAGE;
            return NULL;
        }
    }
    if (nranges == capacity) {
        size_t more = capacity ? 2 * capacity : 16;
        struct pin_range *grown = realloc(ranges, more * sizeof *grown);
        if (!grown) {
            lp_error("lp_pin: out of memory");
            *status = LP_ERR_RUNTIME;
            return NULL;
        }
        ranges = grown;
        capacity = more;
    }
    ranges[nranges] = (struct pin_range){.lo = lo, .hi = hi, .state = PIN_WAITING};
    return &ranges[nranges++];
}

int lp_pin(void *addr, size_t bytes, int *pinned)
{
    uintptr_t lo = (uintptr_t)addr, hi = lo + bytes;
    if (pinned)
        *pinned = 0;
    if (!addr || bytes == 0 || hi < lo) {
        lp_error("lp_pin: %s", !addr ? "NULL address" : bytes ? "past the address space"
                                                               : "no bytes");
        return LP_ERR_USAGE;
    }
    int status = LP_OK;
    pthread_mutex_lock(&lock);
    struct pin_range *r = covering(lo, hi);
    if (!r || r->lo != lo || r->hi != hi)   /* the same range again: its record */
        r = record(lo, hi, &status);
    enum pin_state state = PIN_REFUSED;
    if (r) {
        pin_if_wanted(r);
        state = r->state;
    }
    pthread_mutex_unlock(&lock);
    if (!r)
        return status;
    if (pinned)
        *pinned = state == PIN_DONE;
    if (state == PIN_REFUSED) {
        lp_error("the system refused to pin %zu bytes (CUDA's cudaHostRegister; the "
                 "locked-memory limit?): runs use them unpinned, with slower copies",
                 bytes);
        return LP_ERR_RUNTIME;
    }
    return LP_OK;
}

int lp_unpin(void *addr)
{
    pthread_mutex_lock(&lock);
    size_t i = 0;
    while (i < nranges && ranges[i].lo != (uintptr_t)addr)
        i++;
    int found = i < nranges;
    if (found) {
        if (ranges[i].state == PIN_DONE)
            starpu_memory_unpin(addr, ranges[i].hi - ranges[i].lo);
        ranges[i] = ranges[--nranges];
    }
    if (nranges == 0) {   /* a program that unpins all holds nothing */
        free(ranges);
        ranges = NULL;
        capacity = 0;
    }
    pthread_mutex_unlock(&lock);
    if (!found) {
        lp_error("lp_unpin: %p was not given to lp_pin", addr);
        return LP_ERR_USAGE;
    }
    return LP_OK;
}

int lp_pinned(const void *addr, size_t bytes)
{
    uintptr_t lo = (uintptr_t)addr;
    pthread_mutex_lock(&lock);
    struct pin_range *r = addr ? covering(lo, lo + bytes) : NULL;
    int done = r && r->state == PIN_DONE;
    pthread_mutex_unlock(&lock);
    return done;
}

/* Pins a column of d (1), or finds it inside an lp_pin range (0: pinned
 * there, as it is wanted, for as long as that range is kept). */
static int pin_column(void *col, size_t bytes)
{
    uintptr_t lo = (uintptr_t)col;
    pthread_mutex_lock(&lock);
    struct pin_range *r = covering(lo, lo + bytes);
    if (r)
        pin_if_wanted(r);
    pthread_mutex_unlock(&lock);
    return !r && starpu_memory_pin(col, bytes) == 0;
}

enum { PINS_TRIED = 1 << 4 };   /* above the four columns' bits */

void lp_data_pin_for(lp_data *d, lp_backend backend)
{
    if (!d->wrapped || (d->pinned & PINS_TRIED) || d->rows == 0 || !pinning_wanted() ||
        (backend != LP_BACKEND_AUTO && backend != LP_BACKEND_CUDA))
        return;
    /* A column given twice is pinned, and unpinned, once; one that cannot
     * be is used unpinned (and not tried again by every run). */
    for (int c = 0; c < 4; c++) {
        int seen = 0;
        for (int e = 0; e < c; e++)
            seen |= d->col[e] == d->col[c];
        if (!seen && pin_column(d->col[c], d->rows * lp_dtype_size(d->dtype)))
            d->pinned |= 1 << c;
    }
    d->pinned |= PINS_TRIED;
}

void lp_data_unpin(lp_data *d)
{
    for (int c = 0; c < 4; c++)
        if (d->pinned & (1 << c))
            starpu_memory_unpin(d->col[c], d->rows * lp_dtype_size(d->dtype));
    d->pinned = 0;
}
