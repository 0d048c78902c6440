/* progress.c: the engines' progress count (progress.h). */
#include "progress.h"

int cjm_meter_init(cjm_meter *m, cjm_progress_fn fn, void *ctx, long total)
{
    *m = (cjm_meter){.fn = fn, .ctx = ctx, .total = total};
    if (!fn) return 0;
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        m->fn = NULL;
        return -1;
    }
    fn(ctx, 0, total);
    return 0;
}

void cjm_meter_add(cjm_meter *m, long n)
{
    if (!m || !m->fn) return;
    pthread_mutex_lock(&m->lock);
    m->done += n;
    m->fn(m->ctx, m->done, m->total);
    pthread_mutex_unlock(&m->lock);
}

void cjm_meter_free(cjm_meter *m)
{
    if (m->fn) pthread_mutex_destroy(&m->lock);
    m->fn = NULL;
}
