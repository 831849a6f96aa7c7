/* The lp_logprod codelet: out = log(x) * log(y) * log(z) over one tile.
 * Buffers: 0 x (R), 1 y (R), 2 z (R), 3 out (W), all StarPU vectors of
 * the same length, of float64, or of float32 when the argument says so.
 * cl_arg points at an lp_tile_arg. */
#ifndef LP_LOGPROD_H
#define LP_LOGPROD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct starpu_codelet;

typedef struct lp_tile_arg {
    size_t tile;          /* for error messages: which tile failed */
    unsigned intensity;   /* K: out = sum_{k<K} log(x+k) log(y+k) log(z+k) */
    size_t rows;          /* the tile's rows, the first of the vectors'
                             (a streamed tile may be a row shorter than the
                             slot it is in); 0: all of them */
    unsigned char dtype;  /* lp_dtype: 0 float64, 1 float32 (LP_TILE_F32) */
} lp_tile_arg;

#define LP_TILE_F32 1

static inline int lp_tile_f32(const lp_tile_arg *arg)
{
    return arg && arg->dtype == LP_TILE_F32;
}

/* The rows an implementation computes: the tile's, not its slot's. */
static inline size_t lp_tile_rows(const lp_tile_arg *arg, size_t nx)
{
    return arg && arg->rows && arg->rows < nx ? arg->rows : nx;
}

extern struct starpu_codelet lp_logprod_cl;

/* One implementation per file. */
void lp_logprod_cuda(void *buffers[], void *cl_arg);
void lp_logprod_opencl(void *buffers[], void *cl_arg);

/* CPU: one file per instruction set (logprod_cpu*.c, the loops in
 * logprod_cpu_body.h), the StarPU function and the loop of each. */
#define LP_CPU_DECLARE(isa)                                                          \
    void lp_logprod_cpu_##isa(void *buffers[], void *cl_arg);                        \
    void lp_logprod_kernel_##isa(size_t n, unsigned intensity, const double *x,      \
                                 const double *y, const double *z, double *out);     \
    void lp_logprod_kernel_##isa##_f32(size_t n, unsigned intensity, const float *x, \
                                       const float *y, const float *z, float *out);
LP_CPU_DECLARE(baseline)
LP_CPU_DECLARE(avx2)
LP_CPU_DECLARE(avx512)
LP_CPU_DECLARE(avx512_lplog)   /* own vector log (log_avx512.h) */
LP_CPU_DECLARE(lplog)          /* log_lp.h's specification, row by row */
LP_CPU_DECLARE(avx2_lplog)     /* own vector log on AVX2 (log_avx2.h) */

/* Which CPU implementation runs (logprod_cpu_impls.c).  nimpl is the
 * index in the codelet's cpu_funcs: 0 is "auto", the one chosen for this
 * machine; the others are named ("baseline", "avx2", "avx512",
 * "avx512-lplog").  At most StarPU's STARPU_MAXIMPLEMENTATIONS (the
 * bootstrap builds StarPU with 8; its default, 4, is too few). */
#define LP_CPU_IMPL_MAX 8
void lp_logprod_cpu_auto(void *buffers[], void *cl_arg);
unsigned lp_cpu_impl_count(void);
const char *lp_cpu_impl_name(unsigned nimpl);
/* Every built one's name, sep between them, in buf (for messages). */
void lp_cpu_impl_names(char *buf, size_t len, const char *sep);
int lp_cpu_impl_find(const char *name);          /* -1: no such one built */
int lp_cpu_impl_supported(unsigned nimpl);       /* this processor runs it */
/* For the policy StarPU runs: auto alone, calling the fastest reproducible
 * one; force (a named nimpl, 0 for none) makes it call that one; any: the
 * fastest of all, and model-based policies (dm*, pheft, modular-*) choose
 * among all the processor runs (sched_chooses: the policy is one,
 * lp_sched_chooses_implementation). */
void lp_cpu_impl_configure(int sched_chooses, unsigned force, int any);
/* It gives log_lp.h's bits (0: auto's chosen one). */
int lp_cpu_impl_reproducible(unsigned nimpl);
int lp_cpu_impl_model_mode(void);
int lp_cpu_impl_forced(void);   /* --cpu-impl NAME */
int lp_cpu_impl_any(void);      /* --cpu-impl any */
int lp_cpu_impl_allowed(unsigned nimpl);
/* What auto runs: the decision kept beside the models, else measured (and
 * kept); remeasure: measure anyway.  ns (may be NULL) gets each one's ns
 * per row when measured, -1 for the others. */
unsigned lp_cpu_impl_choose(int remeasure, double ns[LP_CPU_IMPL_MAX]);
/* A file of lp-starpu's own beside StarPU's models: sampling/STEM.HOST
 * (StarPU's directory and host name).  0, or -1 with none. */
int lp_model_side_path(const char *stem, char *path, size_t len);
unsigned lp_cpu_impl_chosen(void);

/* The vectorised CPU loop itself, usable without StarPU: the chosen
 * implementation's (before any choice, the widest the processor runs). */
void lp_logprod_kernel(size_t n, unsigned intensity, const double *x,
                       const double *y, const double *z, double *out);
void lp_logprod_kernel_f32(size_t n, unsigned intensity, const float *x,
                           const float *y, const float *z, float *out);

/* out = x * y * z: the same bytes as the map, no log (memory_floor_cpu.c). */
void lp_memory_floor_kernel(size_t n, int f32, const void *x, const void *y, const void *z,
                            void *out);

/* The footprint that indexes the model's history (tile size and
 * intensity), and the samples the history holds for it on a worker. */
struct starpu_task;
uint32_t lp_logprod_footprint(struct starpu_task *task);
unsigned lp_logprod_samples(int workerid, uint32_t footprint);
/* The name of implementation nimpl on a worker of that StarPU type. */
const char *lp_logprod_impl_name(int workerid, unsigned nimpl);
/* dmda and its kin trust a history entry from this many samples on. */
#define LP_MODEL_MIN_SAMPLES 10

/* OpenCL programs are built once per device at start-up. */
int lp_logprod_opencl_load(void);
/* Whether OpenCL device devid computes in double (after the load). */
int lp_logprod_opencl_fp64(int devid);
void lp_logprod_opencl_unload(void);

/* Accelerator implementations cannot return an error to StarPU, so the
 * first failure is recorded here and the driver checks it after the tasks
 * ended: a failed tile is reported, never a wrong checksum. */
void lp_codelet_fail(size_t tile, const char *backend, const char *what);
/* Returns 1 and copies the message when a codelet failed; clears it. */
int lp_codelet_take_error(char *msg, size_t len);
/* Whether a codelet failed since the last lp_codelet_take_error. */
int lp_codelet_failed(void);

#ifdef __cplusplus
}
#endif
#endif
