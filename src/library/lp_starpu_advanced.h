/* What the tool (src/tool/) uses beyond the public API of lp_starpu.h: a
 * job's tiles and their I/O, the communicator between ranks, the codelet's
 * registration, the library's limits and clock.  Neither installed nor
 * stable: an application embedding lp-starpu uses lp_starpu.h alone
 * (examples/embed.c).  The tool includes this header and no other of the
 * library's; no library file includes one of the tool's
 * (tests/library_check.py checks both). */
#ifndef LP_STARPU_ADVANCED_H
#define LP_STARPU_ADVANCED_H

#include "lp_starpu.h"
#include "internal.h"   /* limits, tile counts, policies, the run of a job's tiles */
#include "tiles.h"      /* a job's tiles: layout, ownership, I/O, results */
#include "comm.h"       /* the communicator between ranks */
#include "clock.h"      /* the one clock */
#include "logprod.h"    /* the codelet's registration: CPU codes, kernels */

#endif
