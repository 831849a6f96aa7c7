/* lp-starpu-sim's CUDA implementation.  StarPU built with SimGrid runs no
 * kernel: a task takes the time its history model says.  The codelet only
 * has to say that a CUDA worker can run it (StarPU's simulation chapter),
 * so this function is never called. */
#include <stdlib.h>

#include "logprod.h"

void lp_logprod_cuda(void *buffers[], void *cl_arg)
{
    (void)buffers, (void)cl_arg;
    abort();   /* a simulated worker ran a kernel: StarPU was not built with SimGrid */
}
