/* The scheduling policies lp_start knows: StarPU's predefined ones, then
 * lp-starpu's own (lp-eft, sched_eft.c). */
#include <stdio.h>
#include <string.h>
#include <starpu.h>
#include <starpu_heteroprio.h>

#include "internal.h"

/* StarPU's predefined policies, then lp-starpu's own. */
static struct starpu_sched_policy *nth_policy(int i)
{
    struct starpu_sched_policy **p = starpu_sched_get_predefined_policies();
    int n = 0;
    while (p[n])
        n++;
    if (i < 0 || i > n)
        return NULL;
    return i < n ? p[i] : &lp_eft_policy;
}

struct starpu_sched_policy *lp_policy_find(const char *name)
{
    struct starpu_sched_policy *p;
    for (int i = 0; name && (p = nth_policy(i)); i++)
        if (strcmp(p->policy_name, name) == 0)
            return p;
    return NULL;
}

int lp_sched_known(const char *name)
{
    return lp_policy_find(name) != NULL;
}

const char *lp_sched_nth(int i)
{
    struct starpu_sched_policy *p = nth_policy(i);
    return p ? p->policy_name : NULL;
}

const char *lp_sched_description(const char *name)
{
    struct starpu_sched_policy *p = lp_policy_find(name);
    return p ? p->policy_description : NULL;
}

const char *lp_sched_name(void)
{
    struct starpu_sched_policy *p = starpu_sched_ctx_get_sched_policy(0);
    return p && p->policy_name ? p->policy_name : "?";
}

/* heteroprio queues a task in the bucket its priority names, and asserts
 * that every kind of worker reading that bucket can run it: StarPU's
 * default (one bucket per priority, read by every kind) aborts on a CPU-only
 * task (streamed I/O, host work, --backend cpu) once a device worker
 * exists.  So: bucket 0 for tasks any worker runs, read by every kind after
 * its own, and one bucket per kind for tasks only that kind runs. */
enum { BUCKET_ANY, BUCKET_CPU, BUCKET_CUDA, BUCKET_OPENCL };
static int heteroprio_buckets;   /* set while heteroprio runs with them */

void lp_heteroprio_init(unsigned ctx)
{
    static const struct {
        enum starpu_worker_archtype type;
        enum starpu_heteroprio_types index;
        unsigned bucket;
    } kinds[] = {
        {STARPU_CPU_WORKER, STARPU_CPU_IDX, BUCKET_CPU},
        {STARPU_CUDA_WORKER, STARPU_CUDA_IDX, BUCKET_CUDA},
        {STARPU_OPENCL_WORKER, STARPU_OPENCL_IDX, BUCKET_OPENCL},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (starpu_worker_get_count_by_type(kinds[k].type) <= 0)
            continue;
        starpu_heteroprio_set_nb_prios(ctx, kinds[k].index, 2);
        starpu_heteroprio_set_mapping(ctx, kinds[k].index, 0, kinds[k].bucket);
        starpu_heteroprio_set_mapping(ctx, kinds[k].index, 1, BUCKET_ANY);
    }
    heteroprio_buckets = 1;
}

void lp_heteroprio_reset(void)
{
    heteroprio_buckets = 0;
}

void lp_task_bucket(struct starpu_task *task, uint32_t where)
{
    if (!heteroprio_buckets)
        return;
    task->priority = where == STARPU_CPU      ? BUCKET_CPU
                     : where == STARPU_CUDA   ? BUCKET_CUDA
                     : where == STARPU_OPENCL ? BUCKET_OPENCL
                                              : BUCKET_ANY;
}

int lp_sched_uses_model(const char *name)
{
    return strncmp(name, "dm", 2) == 0 || strstr(name, "heft") || strstr(name, "heteroprio") ||
           strcmp(name, LP_EFT_POLICY_NAME) == 0;
}

int lp_sched_chooses_implementation(const char *name)
{
    return name && (strncmp(name, "dm", 2) == 0 || strcmp(name, "pheft") == 0 ||
                    strncmp(name, "modular-", 8) == 0);
}
