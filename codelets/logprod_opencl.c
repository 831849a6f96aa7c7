/* OpenCL implementation of lp_logprod.  The kernel source is compiled into
 * the binary (lp_logprod_cl_source, generated from logprod.cl by CMake), so
 * the tool finds it wherever it runs from, and is built once per device
 * when StarPU starts. */
#include <starpu.h>

#include "logprod.h"

#ifdef STARPU_USE_OPENCL
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char lp_logprod_cl_source[];

static struct starpu_opencl_program program;
static int loaded;
/* Per device: whether it computes in double.  One without (many integrated
 * GPUs) builds the program with its float kernel only (log_lp.h) and is
 * given float tiles only (the codelet's can_execute). */
static unsigned char fp64[STARPU_MAXOPENCLDEVS];

int lp_logprod_opencl_fp64(int devid)
{
    return devid >= 0 && devid < STARPU_MAXOPENCLDEVS && fp64[devid];
}

int lp_logprod_opencl_load(void)
{
    if (loaded || starpu_opencl_worker_get_count() == 0)
        return 0;
    int ids[STARPU_NMAXWORKERS];
    unsigned n = (unsigned)starpu_worker_get_ids_by_type(STARPU_OPENCL_WORKER, ids,
                                                         STARPU_NMAXWORKERS);
    for (unsigned i = 0; i < n; i++) {
        int devid = starpu_worker_get_devid(ids[i]);
        cl_device_id dev;
        size_t size = 0;
        if (devid < 0 || devid >= STARPU_MAXOPENCLDEVS)
            continue;
        starpu_opencl_get_device((unsigned)devid, &dev);
        /* What its compiler defines cl_khr_fp64 by (log_lp.h).  Unknown:
         * taken as there, as before this check existed. */
        char *extensions = NULL;
        if (clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, 0, NULL, &size) == CL_SUCCESS &&
            (extensions = calloc(size + 1, 1)) != NULL &&
            clGetDeviceInfo(dev, CL_DEVICE_EXTENSIONS, size, extensions, NULL) == CL_SUCCESS)
            fp64[devid] = strstr(extensions, "cl_khr_fp64") != NULL;
        else
            fp64[devid] = 1;
        free(extensions);
    }
    int ret = starpu_opencl_load_opencl_from_string(lp_logprod_cl_source, &program, NULL);
    if (ret != 0)
        return ret;
    loaded = 1;
    return 0;
}

void lp_logprod_opencl_unload(void)
{
    if (loaded)
        starpu_opencl_unload_opencl(&program);
    loaded = 0;
}

/* The work-group size for a device, asked of it once: 256 work-items (a
 * good size on GPUs) or fewer where the device's limit for this kernel is
 * lower, in multiples of its preferred multiple (a warp, a wavefront, a
 * SIMD width). */
static _Atomic size_t group_size[2][STARPU_MAXOPENCLDEVS];   /* per kernel */

static size_t work_group_size(cl_kernel kernel, int f32, int devid)
{
    if (devid < 0 || devid >= STARPU_MAXOPENCLDEVS)
        return 0;
    if (group_size[f32][devid])
        return group_size[f32][devid];
    cl_device_id dev;
    size_t most = 0, multiple = 0;
    starpu_opencl_get_device((unsigned)devid, &dev);
    if (clGetKernelWorkGroupInfo(kernel, dev, CL_KERNEL_WORK_GROUP_SIZE, sizeof most, &most,
                                 NULL) != CL_SUCCESS ||
        clGetKernelWorkGroupInfo(kernel, dev, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE,
                                 sizeof multiple, &multiple, NULL) != CL_SUCCESS)
        return 0;   /* the OpenCL implementation then chooses */
    size_t size = most < 256 ? most : 256;
    if (multiple && size >= multiple)
        size -= size % multiple;
    group_size[f32][devid] = size;   /* two workers of a device store the same value */
    return size;
}

static void fail(const lp_tile_arg *arg, const char *what, cl_int err)
{
    char msg[128];
    snprintf(msg, sizeof msg, "%s failed with OpenCL error %d", what, (int)err);
    lp_codelet_fail(arg ? arg->tile : 0, "OpenCL", msg);
}

void lp_logprod_opencl(void *buffers[], void *cl_arg)
{
    const lp_tile_arg *arg = cl_arg;
    int devid = starpu_worker_get_devid(starpu_worker_get_id_check());
    cl_kernel kernel;
    cl_command_queue queue;
    const int f32 = lp_tile_f32(arg);
    const char *name = f32 ? "lp_logprod_f32" : "lp_logprod";
    const size_t elem = f32 ? sizeof(float) : sizeof(double);
    cl_int err = starpu_opencl_load_kernel(&kernel, &queue, &program, name, devid);
    if (err != CL_SUCCESS) {
        fail(arg, name, err);
        return;
    }

    cl_uint n = (cl_uint)lp_tile_rows(arg, STARPU_VECTOR_GET_NX(buffers[0]));
    for (int b = 0; b < 4; b++) {
        cl_mem mem = (cl_mem)STARPU_VECTOR_GET_DEV_HANDLE(buffers[b]);
        cl_uint off = (cl_uint)(STARPU_VECTOR_GET_OFFSET(buffers[b]) / elem);
        err |= clSetKernelArg(kernel, 2 * b, sizeof mem, &mem);
        err |= clSetKernelArg(kernel, 2 * b + 1, sizeof off, &off);
    }
    cl_uint intensity = arg ? arg->intensity : 1;
    err |= clSetKernelArg(kernel, 8, sizeof n, &n);
    err |= clSetKernelArg(kernel, 9, sizeof intensity, &intensity);
    if (err != CL_SUCCESS) {
        fail(arg, "clSetKernelArg", err);
        starpu_opencl_release_kernel(kernel);
        return;
    }

    size_t local = work_group_size(kernel, f32, devid);
    size_t global = local ? ((size_t)n + local - 1) / local * local : n;
    /* Asynchronous (STARPU_OPENCL_ASYNC): StarPU waits on the queue. */
    err = clEnqueueNDRangeKernel(queue, kernel, 1, NULL, &global, local ? &local : NULL, 0, NULL,
                                 NULL);
    if (err != CL_SUCCESS)
        fail(arg, "clEnqueueNDRangeKernel", err);
    starpu_opencl_release_kernel(kernel);
}
#else
int lp_logprod_opencl_load(void) { return 0; }
void lp_logprod_opencl_unload(void) {}
int lp_logprod_opencl_fp64(int devid) { (void)devid; return 0; }
#endif
