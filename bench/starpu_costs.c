/* What StarPU itself charges for the pieces of a tile, on this machine and
 * with the scheduler and workers StarPU's environment selects:
 *
 *   starpu_costs [N]      (default 2442: 10M rows in 4096-row tiles)
 *
 * times, best of 5, per item: an empty task; a task on 4 vector handles
 * registered once and reused (lp-starpu's R, R, R, W); registering a vector
 * handle; unregistering one; a blocking write acquire and release on main
 * memory (how a kept handle drops its device copies); the same acquire made
 * asynchronous, released in its callback; and one child's share of
 * partitioning and unpartitioning a column (StarPU's partition plans).
 * Prints one JSON object, microseconds.  Not a test: bench/perf.py prints
 * these beside lp-starpu's own cost per extra tile, from the same run. */
#include <stdio.h>
#include <stdlib.h>
#include <starpu.h>

#define REPS 5

static void nothing(void *buffers[], void *arg)
{
    (void)buffers, (void)arg;
}

static struct starpu_codelet empty_cl = {
    .where = STARPU_CPU, .cpu_funcs = {nothing}, .nbuffers = 0, .name = "cost_empty"};
static struct starpu_codelet tile_cl = {
    .where = STARPU_CPU, .cpu_funcs = {nothing}, .nbuffers = 4, .name = "cost_tile",
    .modes = {STARPU_R, STARPU_R, STARPU_R, STARPU_W}};

static double best = 0;
static double t_start;

static void start(void)
{
    t_start = starpu_timing_now();
}

/* The time since start() over n items, kept if the best of the reps. */
static void stop(int rep, size_t n)
{
    double us = (starpu_timing_now() - t_start) / (double)n;
    if (rep == 0 || us < best)
        best = us;
}

static void release_cb(void *arg)
{
    starpu_data_release_on_node(arg, STARPU_MAIN_RAM);
}

static void submit(struct starpu_codelet *cl, starpu_data_handle_t *h)
{
    struct starpu_task *task = starpu_task_create();
    task->cl = cl;
    for (unsigned c = 0; h && c < 4; c++)
        task->handles[c] = h[c];
    if (starpu_task_submit(task) != 0) {
        fprintf(stderr, "starpu_costs: task refused (no CPU worker?)\n");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 2442;
    setenv("STARPU_FXT_TRACE", "0", 0);   /* as lp-starpu: no trace unless asked */
    if (n == 0 || starpu_init(NULL) != 0)
        return 1;
    double *col = calloc(4 * n, sizeof *col);
    starpu_data_handle_t *h = calloc(4 * n, sizeof *h);
    starpu_data_handle_t parent, *child = calloc(n, sizeof *child);
    if (!col || !h || !child)
        return 1;
    double us[7];

    for (int r = 0; r < REPS; r++) {   /* empty task */
        start();
        for (size_t i = 0; i < n; i++)
            submit(&empty_cl, NULL);
        starpu_task_wait_for_all();
        stop(r, n);
    }
    us[0] = best;
    double reg = 0, unreg = 0;
    for (int r = 0; r < REPS; r++) {   /* register, unregister (the last rep's kept) */
        double t0 = starpu_timing_now();
        for (size_t i = 0; i < 4 * n; i++)
            starpu_vector_data_register(&h[i], STARPU_MAIN_RAM, (uintptr_t)&col[i], 1,
                                        sizeof *col);
        double t1 = starpu_timing_now();
        reg = r == 0 || t1 - t0 < reg ? t1 - t0 : reg;
        if (r + 1 == REPS)
            break;
        for (size_t i = 0; i < 4 * n; i++)
            starpu_data_unregister(h[i]);
        double t2 = starpu_timing_now();
        unreg = r == 0 || t2 - t1 < unreg ? t2 - t1 : unreg;
    }
    us[1] = reg / (double)(4 * n);
    us[2] = unreg / (double)(4 * n);
    for (int r = 0; r < REPS; r++) {   /* tasks on handles kept registered */
        start();
        for (size_t i = 0; i < n; i++)
            submit(&tile_cl, &h[4 * i]);
        starpu_task_wait_for_all();
        stop(r, n);
    }
    us[3] = best;
    for (int r = 0; r < REPS; r++) {   /* blocking write acquire + release */
        start();
        for (size_t i = 0; i < 4 * n; i++) {
            starpu_data_acquire_on_node(h[i], STARPU_MAIN_RAM, STARPU_W);
            starpu_data_release_on_node(h[i], STARPU_MAIN_RAM);
        }
        stop(r, 4 * n);
    }
    us[4] = best;
    for (int r = 0; r < REPS; r++) {   /* the same, asynchronous */
        start();
        for (size_t i = 0; i < 4 * n; i++)
            starpu_data_acquire_on_node_cb(h[i], STARPU_MAIN_RAM, STARPU_W, release_cb, h[i]);
        starpu_task_wait_for_all();
        for (size_t i = 0; i < 4 * n; i++) {   /* every callback has run */
            starpu_data_acquire_on_node(h[i], STARPU_MAIN_RAM, STARPU_R);
            starpu_data_release_on_node(h[i], STARPU_MAIN_RAM);
        }
        stop(r, 4 * n);
    }
    us[5] = best;
    for (size_t i = 0; i < 4 * n; i++)
        starpu_data_unregister(h[i]);

    starpu_vector_data_register(&parent, STARPU_MAIN_RAM, (uintptr_t)col, (uint32_t)n,
                                sizeof *col);
    struct starpu_data_filter f = {.filter_func = starpu_vector_filter_block, .nchildren = n};
    starpu_data_partition_plan(parent, &f, child);
    for (int r = 0; r < REPS; r++) {   /* partition + unpartition, per child */
        start();
        starpu_data_partition_submit(parent, n, child);
        starpu_data_unpartition_submit(parent, n, child, STARPU_MAIN_RAM);
        starpu_task_wait_for_all();
        stop(r, n);
    }
    us[6] = best;
    starpu_data_partition_clean(parent, n, child);
    starpu_data_unregister(parent);

    printf("{\"items\": %zu, \"sched\": \"%s\", \"cpu_workers\": %u, \"us\": {"
           "\"empty_task\": %.3f, \"register\": %.3f, \"unregister\": %.3f, "
           "\"task_4_reused_handles\": %.3f, \"acquire_w_release\": %.3f, "
           "\"acquire_w_cb\": %.3f, \"partition_unpartition_per_child\": %.3f}}\n",
           n, getenv("STARPU_SCHED") ? getenv("STARPU_SCHED") : "eager",
           starpu_cpu_worker_get_count(), us[0], us[1], us[2], us[3], us[4], us[5], us[6]);
    starpu_shutdown();
    free(col);
    free(h);
    free(child);
    return 0;
}
