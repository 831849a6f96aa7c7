/* The communicator of a simulated cluster (lp-starpu-sim --nodes N): the
 * same operations as comm_mpi.c, made of StarPU-MPI requests only.
 *
 * Under SimGrid's MPI (SMPI) StarPU-MPI initialises MPI itself, in the
 * actor that is the rank, and runs the application's main in another
 * actor, which SMPI does not count as a rank: that main may call
 * StarPU-MPI but no MPI function (StarPU says so at start).  So every
 * exchange here is a StarPU-MPI send or receive of a registered buffer,
 * which StarPU-MPI's own actor carries out: the same code as comm_mpi.c
 * uses while StarPU runs (comm_starpu_mpi_data.c), collectives through
 * rank 0.
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
#include "comm_starpu_mpi_data.h"

static lp_comm world;
static int up;                 /* between after_start and before_stop */

static void reduce_i64(const lp_comm *c, int64_t *v, size_t n, lp_reduce op)
{
    if (up)
        lp_smpi_reduce_i64(c, v, n, op);
}

static void reduce_f64(const lp_comm *c, double *v, size_t n, lp_reduce op)
{
    if (up)
        lp_smpi_reduce_f64(c, v, n, op);
}

static void *gather(const lp_comm *c, const void *mine, size_t bytes, size_t *counts)
{
    if (!up)   /* this rank's bytes alone */
        return lp_comm_self()->ops->gather(lp_comm_self(), mine, bytes, counts);
    return lp_smpi_gather(c, mine, bytes, counts);
}

static void bcast(const lp_comm *c, void *buf, size_t bytes)
{
    if (up)
        lp_smpi_bcast(c, buf, bytes);
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
    lp_smpi_data_register, lp_smpi_task_build, lp_smpi_task_post_build,
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
