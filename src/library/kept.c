/* The tiles an lp_data keeps between lp_run calls (lp_options.keep_tiles):
 * registered with StarPU by its first run, reused by the next ones (a
 * registration and an unregistration cost more than a tile's task), let
 * go by lp_data_free, a run for another tile count or other columns, a
 * run without keep_tiles, or lp_stop, which must leave no handle
 * registered behind it.  lp_stop writes nothing into the callers' lp_data:
 * it leaves each one's record empty (a husk) for lp_data_free to free. */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"
#include "tiles.h"

struct lp_kept {
    lp_tiles ts;
    lp_layout asked;          /* the layout it was made for */
    const lp_data *d;         /* whose tiles they are (not a copy of it) */
    int husk;                 /* let go by lp_stop: nothing left but this */
    struct lp_kept *next;     /* on the list while registered */
};

static struct lp_kept *all;
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;

/* d's own record: an lp_data copied by value carries its original's. */
static struct lp_kept *own(const lp_data *d)
{
    return d->kept && d->kept->d == d ? d->kept : NULL;
}

void lp_kept_let_go(lp_data *d)
{
    struct lp_kept *k = own(d);
    d->kept = NULL;
    if (!k)
        return;
    pthread_mutex_lock(&all_lock);
    int husk = k->husk;   /* lp_stop let it go, and took it off the list */
    for (struct lp_kept **p = &all; !husk && *p; p = &(*p)->next)
        if (*p == k) {
            *p = k->next;
            break;
        }
    pthread_mutex_unlock(&all_lock);
    if (!husk)
        lp_tiles_free(&k->ts);   /* unregisters: the results are home */
    free(k);
}

void lp_kept_let_go_all(void)
{
    pthread_mutex_lock(&all_lock);
    for (struct lp_kept *k = all; k; k = k->next) {
        lp_tiles_free(&k->ts);
        k->husk = 1;
    }
    all = NULL;
    pthread_mutex_unlock(&all_lock);
}

/* The tiles were made for these columns (the caller may have pointed d
 * at others since). */
static int same_columns(const lp_data *a, const lp_data *b)
{
    int same = a->rows == b->rows && a->dtype == b->dtype;
    for (int c = 0; c < 4; c++)
        same &= a->col[c] == b->col[c];
    return same;
}

lp_tiles *lp_kept_tiles(lp_data *d, const lp_layout *l)
{
    struct lp_kept *k = own(d);
    if (k && !k->husk && lp_layout_same(&k->asked, l) && same_columns(&k->ts.whole, d))
        return &k->ts;
    lp_kept_let_go(d);
    if (!(k = calloc(1, sizeof *k)))
        return NULL;
    if (lp_tiles_view(&k->ts, d, l) != LP_OK) {
        free(k);
        return NULL;
    }
    k->ts.keep_handles = 1;
    k->asked = *l;
    k->d = d;
    d->kept = k;
    pthread_mutex_lock(&all_lock);
    k->next = all;
    all = k;
    pthread_mutex_unlock(&all_lock);
    return &k->ts;
}
