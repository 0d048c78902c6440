/* progress.h: a count of finished work for a cjm_progress_fn, shared by
 * the worker threads of one engine run. */
#ifndef CJM_PROGRESS_H
#define CJM_PROGRESS_H

#include "cjm.h"

#include <pthread.h>

typedef struct cjm_meter {
    cjm_progress_fn fn; /* NULL: no progress wanted (every call is then a no-op) */
    void *ctx;
    long done, total;
    pthread_mutex_t lock;
} cjm_meter;

/* Starts a count to total and reports (0, total); fn NULL: a meter that
 * does nothing. Returns 0, or -1 if its lock cannot be made (then it does
 * nothing either). */
int cjm_meter_init(cjm_meter *m, cjm_progress_fn fn, void *ctx, long total);

/* Adds n finished pieces and reports (done, total), one call at a time. */
void cjm_meter_add(cjm_meter *m, long n);

void cjm_meter_free(cjm_meter *m);

#endif
