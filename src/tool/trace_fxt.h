/* --trace's transfers, from StarPU's FxT trace (trace_fxt.c). */
#ifndef LP_TRACE_FXT_H
#define LP_TRACE_FXT_H

#include <stddef.h>
#include "tool.h"

/* Before lp_start: records this process's FxT trace into a new private
 * directory (its path in dir).  0, or -1 when none can be made. */
int lp_fxt_prepare(char *dir, size_t len);

/* While StarPU runs: the names of its memory nodes, for the links. */
void lp_fxt_remember_nodes(void);

/* After lp_stop: the copies of the run that started at FxT user event
 * `mark` and lasted window_us, relative to its start; *n of them
 * (malloc'd).  The directory is removed. */
lp_transfer *lp_fxt_transfers(const char *dir, unsigned long mark, double window_us, size_t *n);

/* After lp_stop, when no chart is drawn: the directory removed. */
void lp_fxt_discard(const char *dir);

#endif
