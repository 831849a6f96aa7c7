/* lp-eft: an application-defined StarPU scheduling policy for transfer-bound
 * maps.  Each task goes to the worker where it is predicted to finish
 * first, like dmda, with one difference that matters here: the link to an
 * accelerator's memory is modelled as one queue of transfers.
 *
 * dmda predicts a task's start on a GPU as max(queue end, now + its own
 * transfer), as if the inputs of every queued task crossed the bus at once.
 * When the kernel is much shorter than its copies (this map on a PCIe GPU:
 * 24 bytes in per row for three logarithms), the GPU then looks nearly free
 * after its first tile and receives almost every tile, and the run is as
 * slow as the bus alone.  lp-eft queues the predicted transfers into each
 * memory node one after the other, and those of the results back to host
 * memory on a queue of their own (PCIe carries both directions at once),
 * so a GPU is given tiles only while its link brings them home before the
 * CPU workers would, and both kinds of worker end together.
 *
 * Tasks wait in one list per worker; an idle worker steals from the
 * fullest list of a worker of its own kind on its own memory node (the
 * split between kinds is the model's, the balance within a kind is the
 * hardware's).  While a worker type's model has too few samples for a
 * task's size (a NaN prediction), the task goes to the least loaded
 * uncalibrated worker, as dmda does, so a few runs calibrate every kind.
 * Task priorities are not used: lp-starpu's tasks have none. */
#include <math.h>
#include <stdlib.h>
#include <starpu.h>
#include <starpu_scheduler.h>

#include "internal.h"

typedef struct eft_worker {
    struct starpu_task_list queue;
    unsigned ntasks;
    unsigned booked;    /* chosen, not yet queued: its input is prefetching */
    double idle_at;     /* predicted end of its last queued task (us) */
} eft_worker;

typedef struct eft_data {
    starpu_pthread_mutex_t lock;   /* every field below */
    eft_worker workers[STARPU_NMAXWORKERS];
    /* Predicted times each link is free: transfers into a node, and the
     * results back from it to host memory, each queued on its own. */
    double link_in_free_at[STARPU_MAXNODES];
    double link_out_free_at[STARPU_MAXNODES];
    unsigned accelerators;   /* memory nodes of CUDA and OpenCL devices */
} eft_data;

static void eft_init(unsigned ctx)
{
    eft_data *d = calloc(1, sizeof *d);
    STARPU_ASSERT(d);
    STARPU_PTHREAD_MUTEX_INIT(&d->lock, NULL);
    for (unsigned w = 0; w < STARPU_NMAXWORKERS; w++)
        starpu_task_list_init(&d->workers[w].queue);
    for (unsigned node = 0; node < starpu_memory_nodes_get_count(); node++)
        d->accelerators += starpu_node_get_kind(node) == STARPU_CUDA_RAM ||
                           starpu_node_get_kind(node) == STARPU_OPENCL_RAM;
    starpu_sched_ctx_set_policy_data(ctx, d);
}

static void eft_deinit(unsigned ctx)
{
    eft_data *d = starpu_sched_ctx_get_policy_data(ctx);
    STARPU_PTHREAD_MUTEX_DESTROY(&d->lock);
    free(d);
}

typedef struct eft_choice {
    int worker;
    double length;      /* expected run time on the worker (us) */
    double ready;       /* inputs on the worker's node */
    double done;        /* task ended */
    double home;        /* results back in host memory */
    int uses_link_in, uses_link_out;
} eft_choice;

/* A predicted copy time as one link's share: starpu_transfer_predict
 * multiplies every copy by twice the number of accelerators (their copies
 * assumed to share one bus); lp-eft queues each node's link on its own, so
 * the others' copies are not to be counted again in this one's (simulated
 * what-if, two H200s, 64 tiles: 16 on the GPUs and 2.72 ms without this,
 * 26 and 2.09 ms with it; heteroprio 2.06).  The factor 2 stays: without
 * it the simulated H200 sends 26 of 64 tiles to its GPU and takes 3.37 ms
 * instead of 2.73 (h200-glibc-log, 39 tiles: 4.84 instead of 3.50). */
static double eft_on_own_link(const eft_data *d, double predicted)
{
    return d->accelerators > 1 ? predicted / d->accelerators : predicted;
}

/* Predicted time to copy what the task writes from node to host memory: 0
 * when node is host memory. */
static double eft_return_time(const eft_data *d, struct starpu_task *task, unsigned node)
{
    if (starpu_node_get_kind(node) == STARPU_CPU_RAM)
        return 0;
    double t = 0;
    for (unsigned i = 0; i < STARPU_TASK_GET_NBUFFERS(task); i++)
        if (STARPU_TASK_GET_MODE(task, i) & STARPU_W)
            t += starpu_transfer_predict(node, STARPU_MAIN_RAM,
                                         starpu_data_get_size(STARPU_TASK_GET_HANDLE(task, i)));
    return isnan(t) || t < 0 ? 0 : eft_on_own_link(d, t);
}

/* Called with d->lock held.  Picks the worker and books its time and its
 * link's time. */
static eft_choice eft_choose(eft_data *d, struct starpu_task *task, unsigned ctx, double now)
{
    eft_choice best = {.worker = -1, .home = INFINITY};
    eft_choice calib = {.worker = -1};   /* least loaded uncalibrated worker */
    struct starpu_worker_collection *ws = starpu_sched_ctx_get_worker_collection(ctx);
    struct starpu_sched_ctx_iterator it;
    ws->init_iterator(ws, &it);
    while (ws->has_next(ws, &it)) {
        unsigned w = ws->get_next(ws, &it);
        unsigned nimpl;
        if (!starpu_worker_can_execute_task_first_impl(w, task, &nimpl))
            continue;
        eft_worker *q = &d->workers[w];
        double len = starpu_task_expected_length(task, starpu_worker_get_perf_archtype((int)w, ctx),
                                                 nimpl);
        if (isnan(len)) {
            if (calib.worker < 0 || q->ntasks + q->booked <
                                        d->workers[calib.worker].ntasks + d->workers[calib.worker].booked)
                calib = (eft_choice){.worker = (int)w, .length = NAN};
            continue;
        }
        double xfer = starpu_task_expected_data_transfer_time_for(task, w);
        xfer = isnan(xfer) || xfer < 0 ? 0 : eft_on_own_link(d, xfer);
        if (len < 0)
            len = 0;
        unsigned node = starpu_worker_get_memory_node(w);
        double ready = xfer > 0 ? fmax(d->link_in_free_at[node], now) + xfer : now;
        double done = fmax(fmax(q->idle_at, now), ready) + len;
        double back = eft_return_time(d, task, node);
        double home = back > 0 ? fmax(d->link_out_free_at[node], done) + back : done;
        /* Ties (no model, empty queues) go to the shorter queue. */
        if (home < best.home || (home == best.home && (best.worker < 0 ||
                                                       q->ntasks < d->workers[best.worker].ntasks)))
            best = (eft_choice){(int)w, len, ready, done, home, xfer > 0, back > 0};
    }
    if (calib.worker >= 0)
        best = calib;   /* measure it there; no time booked */
    if (best.worker < 0)
        return best;
    eft_worker *q = &d->workers[best.worker];
    q->booked++;
    if (calib.worker < 0) {
        unsigned node = starpu_worker_get_memory_node((unsigned)best.worker);
        q->idle_at = best.done;
        if (best.uses_link_in)
            d->link_in_free_at[node] = best.ready;
        if (best.uses_link_out)
            d->link_out_free_at[node] = best.home;
    }
    return best;
}

static int eft_push(struct starpu_task *task)
{
    unsigned ctx = task->sched_ctx;
    eft_data *d = starpu_sched_ctx_get_policy_data(ctx);
    double now = starpu_timing_now();
    STARPU_PTHREAD_MUTEX_LOCK(&d->lock);
    eft_choice c = eft_choose(d, task, ctx, now);
    STARPU_PTHREAD_MUTEX_UNLOCK(&d->lock);
    if (c.worker < 0)
        return -ENODEV;
    task->predicted = c.length;
    task->predicted_transfer = c.uses_link_in ? c.ready - now : 0;
    /* The copies start now, one after the other on the link, as modelled;
     * before the task is queued, since a worker may run and free it. */
    if (starpu_get_prefetch_flag())
        starpu_prefetch_task_input_for(task, (unsigned)c.worker);

    STARPU_PTHREAD_MUTEX_LOCK(&d->lock);
    eft_worker *q = &d->workers[c.worker];
    starpu_task_list_push_back(&q->queue, task);
    q->booked--;
    q->ntasks++;
    starpu_push_task_end(task);
    STARPU_PTHREAD_MUTEX_UNLOCK(&d->lock);
    /* Not under d->lock: a popping worker holds its own lock, then ours. */
    starpu_wake_worker_relax_light(c.worker);
    return 0;
}

/* The fullest queue of another worker of the same type on the same memory
 * node, or -1.  Called with d->lock held. */
static int eft_victim(eft_data *d, unsigned self, unsigned ctx)
{
    int victim = -1;
    struct starpu_worker_collection *ws = starpu_sched_ctx_get_worker_collection(ctx);
    struct starpu_sched_ctx_iterator it;
    ws->init_iterator(ws, &it);
    while (ws->has_next(ws, &it)) {
        unsigned w = ws->get_next(ws, &it);
        if (w == self || d->workers[w].ntasks < 2 ||
            starpu_worker_get_type((int)w) != starpu_worker_get_type((int)self) ||
            starpu_worker_get_memory_node(w) != starpu_worker_get_memory_node(self))
            continue;
        if (victim < 0 || d->workers[w].ntasks > d->workers[victim].ntasks)
            victim = (int)w;
    }
    return victim;
}

static struct starpu_task *eft_pop(unsigned ctx)
{
    eft_data *d = starpu_sched_ctx_get_policy_data(ctx);
    unsigned self = (unsigned)starpu_worker_get_id_check();
    double now = starpu_timing_now();
    struct starpu_task *task = NULL;
    STARPU_PTHREAD_MUTEX_LOCK(&d->lock);
    eft_worker *q = &d->workers[self];
    if (q->ntasks) {
        task = starpu_task_list_pop_front(&q->queue);
        q->ntasks--;
    } else {
        int v = eft_victim(d, self, ctx);
        if (v >= 0) {   /* its last task: the one it would reach latest */
            eft_worker *vq = &d->workers[v];
            task = starpu_task_list_back(&vq->queue);
            if (starpu_worker_can_execute_task_first_impl(self, task, NULL)) {
                starpu_task_list_erase(&vq->queue, task);
                vq->ntasks--;
                if (!isnan(task->predicted))
                    vq->idle_at -= task->predicted;
            } else {
                task = NULL;   /* restricted to its worker (task->workerids) */
            }
        }
    }
    /* An idle worker's prediction restarts from the clock: errors do not
     * pile up from run to run. */
    if (q->ntasks == 0 && q->booked == 0)
        q->idle_at = now + (task && !isnan(task->predicted) ? task->predicted : 0);
    STARPU_PTHREAD_MUTEX_UNLOCK(&d->lock);
    return task;
}

struct starpu_sched_policy lp_eft_policy = {
    .init_sched = eft_init,
    .deinit_sched = eft_deinit,
    .push_task = eft_push,
    .pop_task = eft_pop,
    .policy_name = LP_EFT_POLICY_NAME,
    .policy_description = "lp-starpu's own: earliest finish time, transfers into each "
                          "accelerator queued on its link",
    .worker_type = STARPU_WORKER_LIST,
};
