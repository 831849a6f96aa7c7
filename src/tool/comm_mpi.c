/* The communicator of an MPI job (comm.h), on MPI and StarPU-MPI: the MPI
 * side of the one run path, and nothing else.  Every rank reads or makes
 * the rows of the tiles it owns and writes their results itself.  While
 * StarPU runs, StarPU-MPI carries the rest (comm_starpu_mpi_data.c): every
 * tile's handles are registered on every rank with their owner, each
 * tile's task is built on every rank and runs on its owner (owner
 * computes: no row moves, since a tile's four columns have one owner), and
 * the checksum's digits, statuses and statistics go as StarPU-MPI
 * messages through rank 0.  Before StarPU starts and after it stops, plain
 * MPI does.  StarPU-MPI starts and stops beside StarPU on every rank (its
 * progress thread, and each rank's FxT trace named after its rank). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpi.h>
#include <starpu.h>
#include <starpu_mpi.h>

#include "comm_open.h"
#include "comm_starpu_mpi_data.h"

static lp_comm world;
static int starpu_mpi_up;

static MPI_Op mpi_op(lp_reduce op)
{
    return op == LP_REDUCE_SUM ? MPI_SUM : op == LP_REDUCE_MIN ? MPI_MIN : MPI_MAX;
}

static void reduce_i64(const lp_comm *c, int64_t *v, size_t n, lp_reduce op)
{
    if (starpu_mpi_up) {
        lp_smpi_reduce_i64(c, v, n, op);
        return;
    }
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_INT64_T, mpi_op(op), MPI_COMM_WORLD);
}

static void reduce_f64(const lp_comm *c, double *v, size_t n, lp_reduce op)
{
    if (starpu_mpi_up) {
        lp_smpi_reduce_f64(c, v, n, op);
        return;
    }
    MPI_Allreduce(MPI_IN_PLACE, v, (int)n, MPI_DOUBLE, mpi_op(op), MPI_COMM_WORLD);
}

/* Small records (statistics): a few kilobytes per rank. */
static void *gather(const lp_comm *c, const void *mine, size_t bytes, size_t *counts)
{
    if (starpu_mpi_up)
        return lp_smpi_gather(c, mine, bytes, counts);
    int n = (int)bytes, *ns = NULL, *displs = NULL, total = 0;
    char *all = NULL;
    if (c->rank == 0) {
        ns = calloc((size_t)c->size, sizeof *ns);
        displs = calloc((size_t)c->size, sizeof *displs);
    }
    MPI_Gather(&n, 1, MPI_INT, ns, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (c->rank == 0) {
        for (int r = 0; r < c->size; r++) {
            displs[r] = total;
            total += ns[r];
            counts[r] = (size_t)ns[r];
        }
        all = malloc((size_t)total + 1);
    }
    MPI_Gatherv(mine, n, MPI_BYTE, all, ns, displs, MPI_BYTE, 0, MPI_COMM_WORLD);
    free(ns);
    free(displs);
    return all;
}

static void bcast(const lp_comm *c, void *buf, size_t bytes)
{
    if (starpu_mpi_up) {
        lp_smpi_bcast(c, buf, bytes);
        return;
    }
    MPI_Bcast(buf, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
}

static void barrier(const lp_comm *c)
{
    (void)c;
    if (starpu_mpi_up)   /* also waits for StarPU-MPI's own requests */
        starpu_mpi_barrier(MPI_COMM_WORLD);
    else
        MPI_Barrier(MPI_COMM_WORLD);
}

static void after_start(const lp_comm *c)
{
    (void)c;
    starpu_mpi_init_comm(NULL, NULL, 0, MPI_COMM_WORLD);
    starpu_mpi_up = 1;
}

static void before_stop(const lp_comm *c)
{
    (void)c;
    if (starpu_mpi_up)
        starpu_mpi_shutdown();
    starpu_mpi_up = 0;
}

static void finish(const lp_comm *c)
{
    (void)c;
    MPI_Finalize();
}

static const lp_comm_ops mpi_ops = {
    reduce_i64, reduce_f64, gather, bcast, barrier, after_start, before_stop, finish,
    lp_smpi_data_register, lp_smpi_task_build, lp_smpi_task_post_build,
};

int lp_comm_open(int mpi, int cyclic, const lp_comm **out)
{
    if (!mpi) {
        *out = lp_comm_self();
        return LP_OK;
    }
    int provided;
    MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided);
    world.ops = &mpi_ops;
    world.cyclic = cyclic;
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    /* StarPU-MPI's thread and the run's both call MPI. */
    if (lp_comm_agree(&world, provided >= MPI_THREAD_MULTIPLE ? LP_OK : LP_ERR_RUNTIME)) {
        if (world.rank == 0)
            fprintf(stderr, "lp-starpu: this MPI library lacks MPI_THREAD_MULTIPLE\n");
        MPI_Finalize();
        return LP_ERR_RUNTIME;
    }
    *out = &world;
    return LP_OK;
}
