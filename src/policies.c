/* The scheduling policies lp_start knows: StarPU's predefined ones, then
 * lp-starpu's own (lp-eft, sched_eft.c). */
#include <stdio.h>
#include <string.h>
#include <starpu.h>

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

void lp_sched_list(void *file)
{
    FILE *f = file;
    struct starpu_sched_policy *p;
    for (int i = 0; (p = nth_policy(i)); i++)
        fprintf(f, "  %-32s %s\n", p->policy_name, p->policy_description);
}

const char *lp_sched_name(void)
{
    struct starpu_sched_policy *p = starpu_sched_ctx_get_sched_policy(0);
    return p && p->policy_name ? p->policy_name : "?";
}
