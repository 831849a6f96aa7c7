/* The communicator's helpers, and the one-process communicator. */
#include <string.h>
#include <stdlib.h>

#include "comm.h"

int lp_comm_owner(const lp_comm *c, size_t t, size_t tiles)
{
    if (c->cyclic)
        return (int)(t % (size_t)c->size);
    return (int)(t * (size_t)c->size / tiles);   /* contiguous blocks */
}

int lp_comm_agree(const lp_comm *c, int status)
{
    int64_t v = status;
    c->ops->reduce_i64(c, &v, 1, LP_REDUCE_MAX);
    return (int)v;
}

double lp_comm_max(const lp_comm *c, double v)
{
    c->ops->reduce_f64(c, &v, 1, LP_REDUCE_MAX);
    return v;
}

/* ---- one process: every operation is the identity ---- */

static void self_reduce_i64(const lp_comm *c, int64_t *v, size_t n, lp_reduce op)
{
    (void)c, (void)v, (void)n, (void)op;
}

static void self_reduce_f64(const lp_comm *c, double *v, size_t n, lp_reduce op)
{
    (void)c, (void)v, (void)n, (void)op;
}

static void *self_gather(const lp_comm *c, const void *mine, size_t bytes, size_t *counts)
{
    (void)c;
    void *all = malloc(bytes ? bytes : 1);
    if (all && bytes)
        memcpy(all, mine, bytes);
    counts[0] = bytes;
    return all;
}

static void self_bcast(const lp_comm *c, void *buf, size_t bytes)
{
    (void)c, (void)buf, (void)bytes;
}

static void self_nothing(const lp_comm *c)
{
    (void)c;
}

static const lp_comm_ops self_ops = {
    self_reduce_i64, self_reduce_f64, self_gather, self_bcast, self_nothing, self_nothing,
    self_nothing, self_nothing, NULL, NULL, NULL,   /* plain StarPU: no StarPU-MPI */
};

const lp_comm *lp_comm_self(void)
{
    static const lp_comm self = {.rank = 0, .size = 1, .cyclic = 0, .ops = &self_ops};
    return &self;
}
