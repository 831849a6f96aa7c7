/* StarPU as the tool finds it (environment.c). */
#ifndef LP_ENVIRONMENT_H
#define LP_ENVIRONMENT_H

#include "lp_starpu.h"

/* --version: lp-starpu's and StarPU's versions, and what StarPU was built
 * with. */
void lp_print_version(void);

/* The tool's defaults for StarPU's environment, each set only where the
 * user set nothing; returns their names, space-separated, for the report. */

const char *lp_backend_hint(lp_backend b);

/* How many processes an MPI launcher (mpirun, mpiexec) started alongside
 * this one, from its environment: 0 when none did; *rank, this one's rank
 * (-1 unknown); *name, the variable that said so. */
long lp_launcher_size(long *rank, const char **name);

#endif
