/* OpenCL kernels of lp_logprod, one per element type: lp_logprod (double)
 * and lp_logprod_f32 (float), each row log_lp.h's lp_logprod_ref, so the
 * bits of every other reproducible implementation.  The program is
 * log_lp.h followed by this file (CMakeLists.txt joins them); log_lp.h
 * turns FP_CONTRACT off.  Buffers may start at an offset inside a larger
 * device buffer (StarPU's sub-vectors), hence the offsets in elements. */

#define LP_LOGPROD_KERNEL(NAME, T, ROW)                                          \
    __kernel void NAME(__global const T *x, unsigned x_off,                     \
                       __global const T *y, unsigned y_off,                     \
                       __global const T *z, unsigned z_off,                     \
                       __global T *out, unsigned out_off,                       \
                       unsigned n, unsigned intensity)                          \
    {                                                                            \
        const unsigned i = get_global_id(0);                                     \
        if (i >= n)                                                              \
            return;                                                              \
        out[out_off + i] = ROW(x[x_off + i], y[y_off + i], z[z_off + i], intensity); \
    }

#if LP_HAVE_F64   /* a device without doubles has the float kernel only */
LP_LOGPROD_KERNEL(lp_logprod, double, lp_logprod_ref)
#endif
LP_LOGPROD_KERNEL(lp_logprod_f32, float, lp_logprodf_ref)
