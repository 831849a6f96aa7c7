/* Every rank of an --mpi job runs the command the others run (job_agree.c). */
#ifndef LP_JOB_AGREE_H
#define LP_JOB_AGREE_H

#include "cli.h"
#include "lp_starpu_advanced.h"

/* On every rank (collective): LP_OK, or LP_ERR_USAGE said by rank 0,
 * naming the first option whose value differs between the ranks. */
int lp_job_agree(const lp_comm *c, const lp_cli *cli);

#endif
