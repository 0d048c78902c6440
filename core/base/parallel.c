/* parallel.c: the library's one pool of threads (parallel.h). */
#include "parallel.h"

#include "error.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct pool {
    const cjm_parallel *w;
    pthread_mutex_t lock;
    long next;    /* the next item to hand out */
    long fail_at; /* the lowest failed item so far (-1: a worker's begin); items: none */
    cjm_error fail;
    int cancelled;
} pool;

/* The next item, or -1: after a failure only earlier items are handed out. */
static long take(pool *p)
{
    pthread_mutex_lock(&p->lock);
    long i = -1;
    if (cjm_cancel_requested(p->w->cancel) && p->next < p->w->items)
        p->cancelled = 1;
    else if (p->next < p->w->items && p->next < p->fail_at)
        i = p->next++;
    pthread_mutex_unlock(&p->lock);
    return i;
}

static void failed(pool *p, long i, const cjm_error *err)
{
    if (i < p->fail_at) {
        p->fail_at = i;
        p->fail = *err;
    }
}

static void done(pool *p, long i, cjm_status st, const cjm_error *err)
{
    pthread_mutex_lock(&p->lock);
    if (p->w->after) st = p->w->after(p->w->ctx, i, st, err);
    if (st != CJM_OK) failed(p, i, err);
    pthread_mutex_unlock(&p->lock);
}

static void *worker(void *arg)
{
    pool *p = arg;
    const cjm_parallel *w = p->w;
    void *local = NULL;
    cjm_error err = {0};
    if (w->begin && w->begin(w->ctx, &local, &err) != CJM_OK) {
        pthread_mutex_lock(&p->lock);
        failed(p, -1, &err);
        pthread_mutex_unlock(&p->lock);
        return NULL;
    }
    for (long i; (i = take(p)) >= 0;) {
        cjm_error e = {0};
        cjm_status st = w->item(w->ctx, local, i, &e);
        if (st != CJM_OK && e.code == CJM_OK) e.code = st;
        done(p, i, st, &e);
    }
    if (w->end) w->end(w->ctx, local);
    return NULL;
}

cjm_status cjm_parallel_for(const cjm_parallel *w, cjm_error *err)
{
    pool p = {.w = w, .next = 0, .fail_at = w->items, .cancelled = 0};
    if (pthread_mutex_init(&p.lock, NULL) != 0)
        return cjm_error_set(err, CJM_ENOMEM, "cannot create a lock");
    long workers = w->threads < w->items ? w->threads : w->items;
    if (workers < 1) workers = 1;
    pthread_t *ids = malloc((size_t)workers * sizeof *ids);
    int started = 0;
    while (ids && started < workers - 1 && pthread_create(&ids[started], NULL, worker, &p) == 0)
        started++;
    worker(&p);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
    free(ids);
    pthread_mutex_destroy(&p.lock);
    if (p.fail_at < w->items) {
        *err = p.fail;
        return p.fail.code != CJM_OK ? p.fail.code : CJM_ESCENARIO;
    }
    if (p.cancelled) return cjm_error_set(err, CJM_EINTERRUPT, "interrupted");
    return CJM_OK;
}

int cjm_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
