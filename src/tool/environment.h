/* StarPU as the tool finds it (environment.c). */
#ifndef LP_ENVIRONMENT_H
#define LP_ENVIRONMENT_H

#include "lp_starpu.h"

/* --version: lp-starpu's and StarPU's versions, and what StarPU was built
 * with. */
void lp_print_version(void);

const char *lp_backend_hint(lp_backend b);

/* After StarPU's start: a note when its CPU workers outnumber the CPUs
 * this process may run on, or fall short of STARPU_NCPU; else "". */
void lp_cpu_workers_note(char *note, size_t len);

/* How many processes an MPI launcher (mpirun, mpiexec) started alongside
 * this one, from its environment: 0 when none did; *rank, this one's rank
 * (-1 unknown); *name, the variable that said so. */
long lp_launcher_size(long *rank, const char **name);

#endif
