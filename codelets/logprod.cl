/* OpenCL kernels of lp_logprod, one per element type: lp_logprod (double;
 * OpenCL's log is accurate to 3 ulp) and lp_logprod_f32 (float).  Buffers
 * may start at an offset inside a larger device buffer (StarPU's
 * sub-vectors), hence the offsets in elements. */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

#define LP_LOGPROD_KERNEL(NAME, T)                                               \
    __kernel void NAME(__global const T *x, unsigned x_off,                     \
                       __global const T *y, unsigned y_off,                     \
                       __global const T *z, unsigned z_off,                     \
                       __global T *out, unsigned out_off,                       \
                       unsigned n, unsigned intensity)                          \
    {                                                                            \
        const unsigned i = get_global_id(0);                                     \
        if (i >= n)                                                              \
            return;                                                              \
        const T xi = x[x_off + i], yi = y[y_off + i], zi = z[z_off + i];         \
        T acc = log(xi) * log(yi) * log(zi);                                     \
        for (unsigned k = 1; k < intensity; k++)                                 \
            acc += log(xi + (T)k) * log(yi + (T)k) * log(zi + (T)k);             \
        out[out_off + i] = acc;                                                  \
    }

LP_LOGPROD_KERNEL(lp_logprod, double)
LP_LOGPROD_KERNEL(lp_logprod_f32, float)
