/* CPU implementation of lp_logprod for any processor: the compiler's
 * baseline (SSE2 on x86-64, glibc's _ZGVbN2v_log).  Built with -O3
 * -ffast-math (this file only, see CMakeLists.txt). */
#include "logprod_cpu_body.h"

LP_CPU_IMPL(baseline)
