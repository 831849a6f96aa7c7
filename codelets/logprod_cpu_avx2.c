/* CPU implementation of lp_logprod for x86-64 with AVX2 and FMA: built
 * with -march=x86-64-v3 -O3 -ffast-math, 4-wide glibc log (_ZGVdN4v_log).
 * lp_cpu_impl_supported() keeps it off a processor without them. */
#include "logprod_cpu_body.h"

LP_CPU_IMPL(avx2)
