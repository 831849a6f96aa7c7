/* CPU implementation of lp_logprod for x86-64 with AVX-512: built with
 * -march=x86-64-v4 -mprefer-vector-width=512 -O3 -ffast-math, 8-wide glibc
 * log (_ZGVeN8v_log); without the preference GCC keeps 256-bit vectors.
 * lp_cpu_impl_supported() keeps it off a processor without AVX-512. */
#include "logprod_cpu_body.h"

LP_CPU_IMPL(avx512)
