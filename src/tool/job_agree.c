/* Under --mpi each rank gets its own command line (mpirun's MPMD form, or a
 * wrapper script), and ranks that make other rows (--data, --seed), read or
 * write other files, deal the tiles otherwise (--distribution), or verify
 * while another does not, would add up to a silently wrong checksum or wait
 * on each other for ever (seen: StarPU-MPI's assertion on a truncated
 * message).  Checked at start on the options themselves; what only changes
 * where a tile runs (--sched, --backend, --cpu-impl, STARPU_*) may differ.
 * After it, each rank checks that it reads rank 0's input (job_io.c) and
 * takes rank 0's tile layout (main.c). */
#include <stdint.h>
#include <string.h>

#include "job_agree.h"
#include "job_io.h"

/* FNV-1a; NULL apart from every string. */
static int64_t text_id(const char *s)
{
    if (!s)
        return 0;
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (int64_t)(h >> 1) + 1;
}

int lp_job_agree(const lp_comm *c, const lp_cli *cli)
{
    if (c->size == 1)
        return LP_OK;
    const lp_options *o = &cli->opt;
    static const char *const name[] = {
        "--rows", "--data", "--seed", "--seed", "--input", "--output", "--dtype", "--intensity",
        "--tiles", "--tile-rows", "--accel-tiles (count)", "--accel-tiles (rows)",
        "--distribution", "--stream", "--verify", "--strict", "--compare", "--calibrate",
        "--repeat", "--warmup"};
    enum { N = sizeof name / sizeof *name };
    /* Made rows: their count, kind and (random ones) seed, in two halves. */
    int made = !cli->input, seeded = made && cli->data == LP_DATA_RANDOM;
    int64_t lo[N] = {made ? (int64_t)cli->rows : 0, made ? (int64_t)cli->data : 0,
                     seeded ? (int64_t)(cli->seed >> 32) : 0,
                     seeded ? (int64_t)(cli->seed & 0xffffffffu) : 0, text_id(cli->input),
                     text_id(cli->output), (int64_t)cli->dtype, o->intensity,
                     (int64_t)o->tiles, (int64_t)o->tile_rows, (int64_t)o->accel_tiles,
                     (int64_t)o->accel_tile_rows, cli->cyclic, cli->stream, cli->verify,
                     cli->strict, cli->compare, cli->calibrate, o->repeat, o->warmup};
    int64_t hi[N];
    memcpy(hi, lo, sizeof hi);
    c->ops->reduce_i64(c, lo, N, LP_REDUCE_MIN);
    c->ops->reduce_i64(c, hi, N, LP_REDUCE_MAX);
    size_t k = 0;
    while (k < N && lo[k] == hi[k])
        k++;
    if (k == N)
        return LP_OK;
    if (c->rank == 0)
        lp_say(c, "the ranks run different commands (%s differs between them): under --mpi "
               "every rank must run the same job", name[k]);
    return LP_ERR_USAGE;
}
