/* The --mpi driver: the whole run across MPI ranks on StarPU-MPI. */
#ifndef LP_MPI_RUN_H
#define LP_MPI_RUN_H

#include "cli.h"

/* Initialises MPI and StarPU-MPI, runs, reports at rank 0, shuts down.
 * Every rank returns the same status (128 + the signal when a rank was
 * told to stop).  after_start installs the tool's signal handlers once
 * StarPU runs; env_defaults are the STARPU_* names the tool set. */
int lp_mpi_main(const lp_cli *c, const char *env_defaults, void (*after_start)(void));

#endif
