/* The --mpi driver: the whole run across MPI ranks on StarPU-MPI. */
#ifndef LP_MPI_RUN_H
#define LP_MPI_RUN_H

#include "cli.h"

/* Initialises MPI and StarPU-MPI, runs, reports at rank 0, shuts down.
 * Every rank returns the same status. */
int lp_mpi_main(const lp_cli *c);

#endif
