/* The communicator: all a run needs to know about the other processes of
 * an MPI job, and nothing else.  The run path (run.c, tiles.c) asks it who
 * owns a tile, to agree on a status, for the slowest time, to add up tile
 * sums in tile order and to bring small records to rank 0; it has no MPI
 * code of its own.  One process is a job of one rank (lp_comm_self, in
 * the library); StarPU-MPI over MPI is the tool's (comm_mpi.c).  As in
 * Chameleon, where the algorithms never see MPI. */
#ifndef LP_COMM_H
#define LP_COMM_H

#include <stddef.h>
#include <stdint.h>
#include <starpu.h>

typedef enum lp_reduce { LP_REDUCE_SUM, LP_REDUCE_MIN, LP_REDUCE_MAX } lp_reduce;

typedef struct lp_comm lp_comm;

typedef struct lp_comm_ops {
    /* v[0..n) combined over every rank, in place on every rank. */
    void (*reduce_i64)(const lp_comm *c, int64_t *v, size_t n, lp_reduce op);
    void (*reduce_f64)(const lp_comm *c, double *v, size_t n, lp_reduce op);
    /* Every rank's bytes, concatenated in rank order at rank 0 (malloc'd,
     * counts[size] filled there); NULL on other ranks. */
    void *(*gather)(const lp_comm *c, const void *mine, size_t bytes, size_t *counts);
    /* bytes from rank 0 to every rank. */
    void (*bcast)(const lp_comm *c, void *buf, size_t bytes);
    void (*barrier)(const lp_comm *c);
    /* Around StarPU's life (StarPU-MPI's start and stop), and the end of
     * the job (MPI_Finalize). */
    void (*after_start)(const lp_comm *c);
    void (*before_stop)(const lp_comm *c);
    void (*finish)(const lp_comm *c);
    /* StarPU-MPI's view of the tiles; NULL where one process runs them all
     * on plain StarPU.  data_register: a tile's handle known to every rank
     * with its owner and a tag unique in the job (handles of tiles another
     * rank owns are registered with no home).  task_build: on every rank,
     * the task of a tile with handles h (x, y, z read, out written), made
     * where it runs, that is on out's owner (owner computes), NULL on the
     * others; whatever data the task lacks moves by StarPU-MPI.
     * task_post_build: on every rank after that, once the task (if any)
     * was submitted. */
    void (*data_register)(const lp_comm *c, starpu_data_handle_t h, int64_t tag, int owner);
    struct starpu_task *(*task_build)(const lp_comm *c, struct starpu_codelet *cl,
                                      starpu_data_handle_t const h[4]);
    void (*task_post_build)(const lp_comm *c, struct starpu_codelet *cl,
                            starpu_data_handle_t const h[4]);
} lp_comm_ops;

struct lp_comm {
    int rank, size;
    int cyclic;               /* tiles dealt round-robin instead of in blocks */
    const lp_comm_ops *ops;
};

/* The one-process communicator (rank 0 of 1). */
const lp_comm *lp_comm_self(void);

/* The rank that owns tile t of tiles: contiguous blocks of tiles, or
 * round-robin when c->cyclic. */
int lp_comm_owner(const lp_comm *c, size_t t, size_t tiles);

/* The worst (largest) status over every rank: every rank returns it, so
 * all go on together or stop together. */
int lp_comm_agree(const lp_comm *c, int status);

double lp_comm_max(const lp_comm *c, double v);


#endif
