/* The communicator of a simulated cluster (lp-starpu-sim --nodes N): the
 * same operations as comm_mpi.c, made of StarPU-MPI requests only.
 *
 * Under SimGrid's MPI (SMPI) StarPU-MPI initialises MPI itself, in the
 * actor that is the rank, and runs the application's main in another
 * actor, which SMPI does not count as a rank: that main may call
 * StarPU-MPI but no MPI function (StarPU says so at start).  So every
 * exchange here is a StarPU-MPI send or receive of a registered buffer,
 * which StarPU-MPI's own actor carries out.  Collectives go through rank 0:
 * ranks send it their part, it combines them and sends the result back.
 * These are a few small records per run, as in comm_mpi.c.
 *
 * StarPU-MPI works only while StarPU runs.  Before it starts (option
 * checks, the start itself) and after it stops, each rank keeps its own
 * value: every simulated rank runs the same checks on the same options,
 * and a simulation computes nothing a rank could disagree on. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <starpu.h>
#include <starpu_mpi.h>

#include "comm_open.h"

static lp_comm world;
static int up;                 /* between after_start and before_stop */
static starpu_mpi_tag_t next_tag = 1;   /* the same sequence on every rank */

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
    if (!up || n == 0)
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

static void reduce_i64(const lp_comm *c, int64_t *v, size_t n, lp_reduce op)
{
    allreduce(c, v, n * sizeof *v, n, op, combine_i64);
}

static void reduce_f64(const lp_comm *c, double *v, size_t n, lp_reduce op)
{
    allreduce(c, v, n * sizeof *v, n, op, combine_f64);
}

static void *gather(const lp_comm *c, const void *mine, size_t bytes, size_t *counts)
{
    if (!up || c->size == 1)   /* this rank's bytes alone */
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

static void bcast(const lp_comm *c, void *buf, size_t bytes)
{
    if (up && bytes)
        from_root(c, buf, bytes, next_tag++);
}

static void barrier(const lp_comm *c)
{
    (void)c;
    if (up)
        starpu_mpi_barrier(MPI_COMM_WORLD);
}

static void after_start(const lp_comm *c)
{
    (void)c;
    starpu_mpi_init_comm(NULL, NULL, 0, MPI_COMM_WORLD);   /* waits for StarPU-MPI */
    up = 1;
}

static void before_stop(const lp_comm *c)
{
    (void)c;
    if (up)
        starpu_mpi_shutdown();   /* also MPI_Finalize: StarPU-MPI began MPI here */
    up = 0;
}

static void finish(const lp_comm *c)
{
    (void)c;
}

static const lp_comm_ops starpu_mpi_ops = {
    reduce_i64, reduce_f64, gather, bcast, barrier, after_start, before_stop, finish,
};

int lp_comm_open(int mpi, int cyclic, const lp_comm **out)
{
    if (!mpi) {
        *out = lp_comm_self();
        return LP_OK;
    }
    world.ops = &starpu_mpi_ops;
    world.cyclic = cyclic;
    world.rank = starpu_mpi_world_rank();
    world.size = starpu_mpi_world_size();
    *out = &world;
    return LP_OK;
}
