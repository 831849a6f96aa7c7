/* The tool's communicator: one process, or every rank of mpirun. */
#ifndef LP_COMM_OPEN_H
#define LP_COMM_OPEN_H

#include "lp_starpu_advanced.h"
#include "lp_starpu.h"

/* mpi: MPI_Init (comm_mpi.c), or LP_ERR_USAGE with a message where the tool
 * was built without StarPU-MPI (comm_none.c); otherwise lp_comm_self(). */
int lp_comm_open(int mpi, int cyclic, const lp_comm **out);

#endif
