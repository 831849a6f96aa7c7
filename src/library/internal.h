/* The library's internals, shared with the tool through
 * lp_starpu_advanced.h (the tool links the static library): not part of
 * the public API, not exported by the shared one. */
#ifndef LP_INTERNAL_H
#define LP_INTERNAL_H

#include <stdint.h>
#include <stdio.h>
#include "lp_starpu.h"

/* StarPU 1.3 vectors count their elements in 32 bits: a tile (a handle)
 * holds at most this many rows (tiles.h: lp_tile_rows_limit). */
#define LP_MAX_TILE_ROWS 4294967295ull
/* Rows of a job: 64-bit counts, their 32 bytes each still in 64 bits. */
#define LP_MAX_ROWS (1ull << 58)

lp_backend lp_worker_backend(int workerid);

/* lp-starpu's own scheduling policy (src/library/sched_eft.c), and the registry of
 * the policies lp_start knows (src/library/policies.c). */
#define LP_EFT_POLICY_NAME "lp-eft"

/* What a policy does with the performance model (policies.c, the home of
 * what lp-starpu knows of policies): places tasks by it (dm*, *heft*,
 * heteroprio, lp-eft: an uncalibrated model changes their placement); also
 * chooses among a codelet's implementations by it (dm*, pheft, modular-*:
 * --cpu-impl any leaves each CPU worker's code to them). */
int lp_sched_uses_model(const char *name);
int lp_sched_chooses_implementation(const char *name);
struct starpu_sched_policy;
extern struct starpu_sched_policy lp_eft_policy;
struct starpu_sched_policy *lp_policy_find(const char *name);
/* heteroprio's buckets (policies.c): lp_start hands lp_heteroprio_init to
 * StarPU, which calls it when heteroprio starts; every task is then given
 * the bucket of the workers it may run on (its `where`). */
void lp_heteroprio_init(unsigned sched_ctx);
void lp_heteroprio_reset(void);
struct starpu_task;
void lp_task_bucket(struct starpu_task *task, uint32_t where);

/* How a job's rows are cut: `tiles` tiles, the first `accel` of them
 * `accel_rows` rows each (sized for the accelerators, lp_options'
 * accel_tiles), the rows left in the others as lp_tile_range cuts them. */
typedef struct lp_layout {
    size_t tiles, accel, accel_rows;
} lp_layout;
void lp_layout_range(const lp_layout *l, size_t rows, size_t tile, size_t *first,
                     size_t *count);
/* Whether two layouts cut rows alike (1 or 0). */
int lp_layout_same(const lp_layout *a, const lp_layout *b);
/* The rows in the accelerators' tiles (the others cut rows less these). */
size_t lp_layout_head(const lp_layout *l);
/* The most rows a tile of the layout holds. */
size_t lp_layout_max_rows(const lp_layout *l, size_t rows);
/* Whether rows can be cut into accel tiles of accel_rows and at least
 * one more (1 or 0); lp_layout_check: LP_OK, or LP_ERR_USAGE said with
 * lp_error. */
int lp_layout_fits(size_t accel, size_t accel_rows, size_t rows);
int lp_layout_check(size_t accel, size_t accel_rows, size_t rows);

/* Tiles from --tiles / --tile-rows / the default, clamped to rows, and
 * raised so that no tile holds more than lp_tile_rows_limit rows;
 * nworkers is every rank's. */
size_t lp_default_tiles_for(size_t rows, unsigned nworkers);
/* The same on the running workers (README: tiles of about 256K rows, at
 * least 4 per worker while tiles stay at or above 16K rows, a multiple of
 * the workers, never more tiles than rows). */
size_t lp_default_tiles(size_t rows);
#define LP_TILE_ROWS 262144      /* 2 MiB per column: hides task overhead */
#define LP_MIN_TILE_ROWS 16384   /* fewer rows per tile: the runtime's cost shows */

/* StarPU built with SimGrid (lp-starpu-sim): no kernel runs and no row is
 * held; the rows' pointers stay NULL (StarPU never touches them there),
 * tasks take their models' times, and there is no result to check. */
int lp_simulated(void);

/* The footprint of the compute task of a tile of `rows` rows of dtype at
 * this intensity, as the performance model indexes it (StarPU started). */
uint32_t lp_tile_footprint(size_t rows, lp_dtype dtype, unsigned intensity);
/* The layout of a job's rows: accel tiles as opt asks, or as --calibrate
 * chose for this shape and policy (sched; NULL, or a forced backend:
 * none) when opt leaves the tiles to lp-starpu; the other tiles as
 * --tiles, --tile-rows or the formula cut the rows they leave.
 * *calibrated: --calibrate's choice was taken. */
lp_layout lp_tiles_for(const lp_options *opt, size_t rows, lp_dtype dtype, unsigned nworkers,
                       const char *sched, int *calibrated);
/* Tiles that keep every kind of worker busy to the same end, rounds of
 * them: each CPU worker runs `rounds` tiles, and in that time each
 * accelerator of kind b the tiles it gets through (tile_seconds: a tile's
 * time on one worker of that kind, alone, copies included), less short_by
 * (an accelerator's share rounded down leaves its link a margin).
 * rounds * workers[CPU] where no accelerator has a time. */
size_t lp_tiles_balanced(unsigned rounds, const unsigned workers[LP_BACKEND_COUNT],
                         const double tile_seconds[LP_BACKEND_COUNT], unsigned short_by);
/* Tiles for the accelerators that end with the CPU workers: each
 * accelerator two tiles, together stretch times the rows' share their
 * tile_seconds give them (a big tile runs faster per row than the
 * measured one: each pays its copies' latencies once), and the rows left
 * in the formula's tiles for the CPU workers.  tiles 0 where there is no
 * CPU worker or no accelerator with a time, or the share leaves no row. */
lp_layout lp_accel_layout(size_t rows, const unsigned workers[LP_BACKEND_COUNT],
                          const double tile_seconds[LP_BACKEND_COUNT], double stretch);
/* tiles raised to what 32-bit StarPU vectors need, and at most one per row. */
size_t lp_tiles_clamp(size_t tiles, size_t rows);

/* Rows first..first+count-1 of the data set kind (lp_data_fill's). */
void lp_data_fill_range(lp_data *d, lp_data_kind kind, uint64_t seed, size_t first,
                        size_t count);
/* The tile layout StarPU's vector block filter uses. */
void lp_tile_range(size_t rows, size_t tiles, size_t tile, size_t *first, size_t *count);
/* Inputs that are not > 0 (including NaN): count and first such row. */
size_t lp_count_bad_inputs(const lp_data *d, size_t *first_row);

/* Files replaced whole (file_replace.c): written to a temporary
 * NAME.lp-starpu-tmp.XXXXXX beside NAME, synced, renamed over it.  lp_file_temp: that
 * temporary created (mkstemp), its fd and malloc'd name; -1 with errno.
 * lp_file_is_temp: whether a directory entry is one of base's temporaries.
 * lp_file_commit: f flushed, synced if tmp, closed, tmp renamed over
 * target (tmp NULL: written in place); 0, or -1 with errno and *what the
 * step that failed.  lp_file_replace: text as path's whole content; 0 or
 * -1. */
int lp_file_temp(const char *target, char **tmp);
int lp_file_is_temp(const char *name, const char *base);
int lp_file_commit(FILE *f, const char *tmp, const char *target, const char **what);
int lp_file_replace(const char *path, const char *text);

/* The message lp_last_error() returns (errors.c), and its reset at the
 * start of a call that may fail. */
void lp_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lp_error_clear(void);

/* lp-starpu's STARPU_* defaults, each where unset (starpu_env.c): lp_start
 * sets them. */
void lp_set_defaults(void);

/* The layout --calibrate chose for a job of this shape on this machine
 * (tile_choice.c): tiles 0 when none; accel tiles only for the policy
 * they were measured with.  And the choice kept (0 or -1): l, and where l
 * has accel tiles, equal (the fastest equal tiles) for other policies. */
lp_layout lp_tiles_chosen(size_t rows, lp_dtype dtype, unsigned intensity, unsigned nworkers,
                          const char *sched);
int lp_tiles_choose(size_t rows, lp_dtype dtype, unsigned intensity, unsigned nworkers,
                    const char *sched, const lp_layout *l, const lp_layout *equal);
uint32_t lp_where_mask(lp_backend b);
double lp_median(const double *v, int n);

/* The run on a rank's tiles (tiles.h): the one run path behind lp_run, for
 * one process and for every rank of an MPI job alike.  As lp_run, with
 * rep's run times the slowest rank's, its checksum and verification over
 * every rank, and its workers, buses, tasks and model samples this rank's
 * (the tool gathers them). */
struct lp_tiles;
int lp_run_tiles(const lp_options *opt, struct lp_tiles *ts, lp_report *rep);

/* SIGINT made to call lp_request_stop (lp_options.stop_on_sigint), unless
 * it is ignored (then left so): 0, the handler it replaced in *before; -1
 * (errno) if sigaction refused.  Then lp_sigint_back(before) puts it back. */
struct sigaction;
int lp_sigint_stops(struct sigaction *before);
/* Every signal's handler before StarPU starts, and those put back after
 * (stop.c: what libraries StarPU loads set; StarPU's own kept, unless the
 * caller ignored the signal); whether signo is ignored now (1 or 0). */
void lp_signals_save(void);
void lp_signals_restore(void);
int lp_signal_ignored(int signo);
void lp_sigint_back(const struct sigaction *before);

/* d's tiles for lp_run with keep_tiles (kept.c): those it kept from its
 * last run if made for the same tile count and columns, else new ones
 * (not yet registered: lp_run_tiles does it, and keeps them).  NULL: out
 * of memory. */
struct lp_tiles *lp_kept_tiles(lp_data *d, const lp_layout *l);
/* d's kept tiles let go (handles unregistered), if it has its own; d->kept
 * NULL after. */
void lp_kept_let_go(lp_data *d);
/* Every lp_data's kept tiles let go (lp_stop, before StarPU goes). */
void lp_kept_let_go_all(void);

/* The best of reps passes of out = x * y * z over this rank's resident
 * tiles, as CPU tasks on every CPU worker (what the map's bytes cost with
 * no log), in seconds; 0 for streamed tiles. */
double lp_memory_floor_seconds(struct lp_tiles *ts, int reps);

/* rep->model_samples: the samples this rank's model holds for tiles of the
 * n footprints given (the fewest per kind of worker), -1 for kinds it has
 * no worker of, or for every kind when n is 0 (no tile here). */
void lp_model_samples(lp_report *rep, const uint32_t *footprints, int n);
/* The tile sizes of a layout at most: the accelerators', and the equal
 * tiles' two (one row apart). */
#define LP_TILE_SIZES 3

/* Element i of a column of dtype, as a pointer and as a double; and v
 * stored there (rounded to float for LP_FLOAT32). */
static inline void *lp_at(void *col, lp_dtype dtype, size_t i)
{
    return (char *)col + i * (dtype == LP_FLOAT32 ? sizeof(float) : sizeof(double));
}
static inline double lp_get(const void *col, lp_dtype dtype, size_t i)
{
    return dtype == LP_FLOAT32 ? (double)((const float *)col)[i] : ((const double *)col)[i];
}
static inline void lp_set(void *col, lp_dtype dtype, size_t i, double v)
{
    if (dtype == LP_FLOAT32)
        ((float *)col)[i] = (float)v;
    else
        ((double *)col)[i] = v;
}

/* Generated values of rows first..first+count-1 into x, y, z[0..count). */
void lp_fill_values(void *x, void *y, void *z, lp_dtype dtype, lp_data_kind kind,
                    uint64_t seed, size_t first, size_t count);

/* The caller's columns (lp_data_wrap) pinned, once, for a run of this
 * backend if it may use a CUDA worker, except those inside an lp_pin
 * range; lp_data_unpin (from lp_data_free) unpins them (pins.c). */
void lp_data_pin_for(lp_data *d, lp_backend backend);
void lp_data_unpin(lp_data *d);

/* count NaNs from col: results not written (see lp_run). */
void lp_poison(void *col, lp_dtype dtype, size_t count);

/* A tile's results before the run that keeps them: its first and last rows
 * marked as not written (a value no computation yields), so that after
 * the run a tile its task left unwritten, or cut short at either end, is
 * found in two reads instead of poisoning every row beforehand (a pass
 * over the whole output, a sixth of the run's memory traffic). */
void lp_mark_unwritten(void *col, lp_dtype dtype, size_t count);
/* After the run: a tile still marked at either end is made NaN throughout
 * (lp_poison); 1 if it was, else 0. */
int lp_poison_if_unwritten(void *col, lp_dtype dtype, size_t count);

/* count elements of dtype in StarPU memory, every page touched if touch;
 * 0 on success, -1 on failure or when lp_request_stop was called
 * meanwhile. */
int lp_column_alloc(void **col, lp_dtype dtype, size_t count, int touch);
/* lp_data_alloc, with the pages touched only if touch (a caller that
 * writes every row at once, on several threads, touches them itself). */
int lp_data_reserve(lp_data *d, size_t rows, lp_dtype dtype, int touch);

#endif
