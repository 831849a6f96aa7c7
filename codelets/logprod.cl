/* OpenCL kernel of lp_logprod.  Buffers may start at an offset inside a
 * larger device buffer (StarPU's sub-vectors), hence the offsets in
 * elements.  OpenCL's double log is accurate to 3 ulp. */
#pragma OPENCL EXTENSION cl_khr_fp64 : enable

__kernel void lp_logprod(__global const double *x, unsigned x_off,
                         __global const double *y, unsigned y_off,
                         __global const double *z, unsigned z_off,
                         __global double *out, unsigned out_off,
                         unsigned n, unsigned intensity)
{
    const unsigned i = get_global_id(0);
    if (i >= n)
        return;
    const double xi = x[x_off + i], yi = y[y_off + i], zi = z[z_off + i];
    double acc = log(xi) * log(yi) * log(zi);
    for (unsigned k = 1; k < intensity; k++)
        acc += log(xi + k) * log(yi + k) * log(zi + k);
    out[out_off + i] = acc;
}

/* float32 tiles: the same with log on floats (3 ulp in OpenCL). */
__kernel void lp_logprod_f32(__global const float *x, unsigned x_off,
                             __global const float *y, unsigned y_off,
                             __global const float *z, unsigned z_off,
                             __global float *out, unsigned out_off,
                             unsigned n, unsigned intensity)
{
    const unsigned i = get_global_id(0);
    if (i >= n)
        return;
    const float xi = x[x_off + i], yi = y[y_off + i], zi = z[z_off + i];
    float acc = log(xi) * log(yi) * log(zi);
    for (unsigned k = 1; k < intensity; k++)
        acc += log(xi + (float)k) * log(yi + (float)k) * log(zi + (float)k);
    out[out_off + i] = acc;
}
