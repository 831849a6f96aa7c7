/* StarPU-MPI while StarPU runs, for both StarPU-MPI communicators
 * (comm_starpu_mpi_data.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>
#include <starpu_mpi.h>

#include "comm_starpu_mpi_data.h"

/* Tags: the exchanges below count up from 1, the same sequence on every
 * rank; tiles' handles take theirs from 2^40 (run.c, LP_TILE_TAG_BASE). */
static starpu_mpi_tag_t next_tag = 1;

void lp_smpi_data_register(const lp_comm *c, starpu_data_handle_t h, int64_t tag, int owner)
{
    (void)c;
    starpu_mpi_data_register(h, (starpu_mpi_tag_t)tag, owner);
}

/* The compute codelet's modes: x, y and z read, out written. */
#define TILE_ARGS(h) STARPU_R, (h)[0], STARPU_R, (h)[1], STARPU_R, (h)[2], STARPU_W, (h)[3], 0

struct starpu_task *lp_smpi_task_build(const lp_comm *c, struct starpu_codelet *cl,
                                       starpu_data_handle_t const h[4])
{
    (void)c;
    return starpu_mpi_task_build(MPI_COMM_WORLD, cl, TILE_ARGS(h));
}

void lp_smpi_task_post_build(const lp_comm *c, struct starpu_codelet *cl,
                             starpu_data_handle_t const h[4])
{
    (void)c;
    starpu_mpi_task_post_build(MPI_COMM_WORLD, cl, TILE_ARGS(h));
}

static void transfer(void *buf, size_t bytes, int peer, starpu_mpi_tag_t tag, int send)
{
    starpu_data_handle_t h;
    starpu_vector_data_register(&h, STARPU_MAIN_RAM, (uintptr_t)buf, (uint32_t)bytes, 1);
    if (send)
        starpu_mpi_send(h, peer, tag, MPI_COMM_WORLD);
    else
        starpu_mpi_recv(h, peer, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    starpu_data_unregister(h);
}

/* Rank 0 receives every rank's bytes into all (size x bytes, in rank order). */
static void to_root(const lp_comm *c, const void *mine, void *all, size_t bytes,
                    starpu_mpi_tag_t tag)
{
    if (c->rank != 0) {
        transfer((void *)mine, bytes, 0, tag, 1);
        return;
    }
    memcpy(all, mine, bytes);
    for (int r = 1; r < c->size; r++)
        transfer((char *)all + (size_t)r * bytes, bytes, r, tag, 0);
}

/* Rank 0's bytes to every other rank. */
static void from_root(const lp_comm *c, void *buf, size_t bytes, starpu_mpi_tag_t tag)
{
    if (c->rank != 0) {
        transfer(buf, bytes, 0, tag, 0);
        return;
    }
    for (int r = 1; r < c->size; r++)
        transfer(buf, bytes, r, tag, 1);
}

/* v[i] combined with every other rank's v[i]; all holds size vectors of n. */
#define COMBINE(T, v, all, n, size, op)                                         \
    for (size_t i_ = 0; i_ < (n); i_++)                                         \
        for (int r_ = 1; r_ < (size); r_++) {                                   \
            T x_ = ((const T *)(all))[(size_t)r_ * (n) + i_];                   \
            (v)[i_] = (op) == LP_REDUCE_SUM ? (v)[i_] + x_                      \
                      : (op) == LP_REDUCE_MIN ? ((x_ < (v)[i_]) ? x_ : (v)[i_]) \
                                              : ((x_ > (v)[i_]) ? x_ : (v)[i_]); \
        }

static void combine_i64(void *v, const void *all, size_t n, int size, lp_reduce op)
{
    COMBINE(int64_t, (int64_t *)v, all, n, size, op);
}

static void combine_f64(void *v, const void *all, size_t n, int size, lp_reduce op)
{
    COMBINE(double, (double *)v, all, n, size, op);
}

/* Every rank's v to rank 0, combined there, the result back to all. */
static void allreduce(const lp_comm *c, void *v, size_t bytes, size_t n, lp_reduce op,
                      void (*combine)(void *, const void *, size_t, int, lp_reduce))
{
    if (n == 0)
        return;
    starpu_mpi_tag_t tag = next_tag++;
    void *all = c->rank == 0 ? malloc((size_t)c->size * bytes) : NULL;
    if (c->rank == 0 && !all)
        abort();
    to_root(c, v, all, bytes, tag);
    if (c->rank == 0)
        combine(v, all, n, c->size, op);
    free(all);
    from_root(c, v, bytes, tag);
}

void lp_smpi_reduce_i64(const lp_comm *c, int64_t *v, size_t n, lp_reduce op)
{
    allreduce(c, v, n * sizeof *v, n, op, combine_i64);
}

void lp_smpi_reduce_f64(const lp_comm *c, double *v, size_t n, lp_reduce op)
{
    allreduce(c, v, n * sizeof *v, n, op, combine_f64);
}

void *lp_smpi_gather(const lp_comm *c, const void *mine, size_t bytes, size_t *counts)
{
    if (c->size == 1)   /* this rank's bytes alone */
        return lp_comm_self()->ops->gather(lp_comm_self(), mine, bytes, counts);
    starpu_mpi_tag_t tag = next_tag++, data_tag = next_tag++;
    int64_t n = (int64_t)bytes, *ns = c->rank == 0 ? calloc((size_t)c->size, sizeof n) : NULL;
    if (c->rank == 0 && !ns)
        abort();
    to_root(c, &n, ns, sizeof n, tag);
    if (c->rank != 0) {
        if (bytes)
            transfer((void *)mine, bytes, 0, data_tag, 1);
        return NULL;
    }
    size_t total = 0;
    for (int r = 0; r < c->size; r++)
        total += (size_t)ns[r];
    char *all = malloc(total + 1);
    if (!all)
        abort();
    memcpy(all, mine, bytes);
    size_t at = bytes;
    counts[0] = bytes;
    for (int r = 1; r < c->size; r++) {
        counts[r] = (size_t)ns[r];
        if (counts[r])
            transfer(all + at, counts[r], r, data_tag, 0);
        at += counts[r];
    }
    free(ns);
    return all;
}

void lp_smpi_bcast(const lp_comm *c, void *buf, size_t bytes)
{
    if (bytes)
        from_root(c, buf, bytes, next_tag++);
}
