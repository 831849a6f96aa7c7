/* What both StarPU-MPI communicators (comm_mpi.c over MPI, comm_starpu_mpi.c
 * for a simulated cluster) do with StarPU-MPI itself while StarPU runs:
 * the tiles' handles registered with their owners and their tasks built
 * where they run, and the small exchanges of a run (statuses, times, the
 * checksum's digits, statistics) as StarPU-MPI sends and receives of
 * registered buffers, through rank 0. */
#ifndef LP_COMM_STARPU_MPI_DATA_H
#define LP_COMM_STARPU_MPI_DATA_H

#include "lp_starpu_advanced.h"

void lp_smpi_data_register(const lp_comm *c, starpu_data_handle_t h, int64_t tag, int owner);
struct starpu_task *lp_smpi_task_build(const lp_comm *c, struct starpu_codelet *cl,
                                       starpu_data_handle_t const h[4]);
void lp_smpi_task_post_build(const lp_comm *c, struct starpu_codelet *cl,
                             starpu_data_handle_t const h[4]);

/* The collectives of comm.h made of StarPU-MPI requests (StarPU-MPI up). */
void lp_smpi_reduce_i64(const lp_comm *c, int64_t *v, size_t n, lp_reduce op);
void lp_smpi_reduce_f64(const lp_comm *c, double *v, size_t n, lp_reduce op);
void *lp_smpi_gather(const lp_comm *c, const void *mine, size_t bytes, size_t *counts);
void lp_smpi_bcast(const lp_comm *c, void *buf, size_t bytes);

#endif
