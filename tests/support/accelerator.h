/* For the C tests whose point is a CPU and an accelerator worker together
 * (CTest sets STARPU_OPENCL_ON_CPUS=1 for PoCL): 0 when StarPU runs one;
 * else StarPU is stopped and the exit code to return: 77 (skip, with the
 * reason) where no accelerator exists, 1 (fail) where PoCL's ICD is
 * installed and StarPU still found no OpenCL worker. */
#ifndef LP_TEST_ACCELERATOR_H
#define LP_TEST_ACCELERATOR_H

#include <stdio.h>
#include <unistd.h>

#include "lp_starpu.h"

static int lp_test_without_accelerator(void)
{
    if (lp_backend_workers(LP_BACKEND_OPENCL) + lp_backend_workers(LP_BACKEND_CUDA) > 0)
        return 0;
    lp_stop();
    if (access("/etc/OpenCL/vendors/pocl.icd", F_OK) == 0) {
        fprintf(stderr, "FAIL: PoCL's ICD is installed but StarPU found no OpenCL worker\n");
        return 1;
    }
    printf("SKIP: StarPU found no accelerator worker (install pocl-opencl-icd)\n");
    return 77;
}

#endif
