/* parallel.h: one parallel-for for the whole library (the engines' runs and
 * blocks, the analyses' evaluations). Items are handed out in increasing
 * order to up to `threads` workers; the first failure stops the handing out
 * of later items, and those before it, all handed out already, finish. So
 * the error reported, that of the lowest failed item, is the same for any
 * number of threads. */
#ifndef CJM_PARALLEL_H
#define CJM_PARALLEL_H

#include "cjm.h"

typedef struct cjm_parallel {
    long items;
    int threads;              /* at most this many workers (the caller is one of them) */
    const cjm_cancel *cancel; /* requested: no more items are handed out */
    void *ctx;
    /* A worker's own state: begin makes it (*local may stay NULL), end frees
     * it (both optional). A worker whose begin fails takes no item and its
     * error counts as that of an item before every other. */
    cjm_status (*begin)(void *ctx, void **local, cjm_error *err);
    void (*end)(void *ctx, void *local);
    /* Item i (required). */
    cjm_status (*item)(void *ctx, void *local, long i, cjm_error *err);
    /* Called after each item with the parallel-for's lock held, one call at
     * a time, in the order items finish (optional): bookkeeping across items
     * (progress, the first item that ran). It may turn the item's status
     * into CJM_OK (a point an analysis keeps as refused, say). */
    cjm_status (*after)(void *ctx, long i, cjm_status st, const cjm_error *err);
} cjm_parallel;

/* Runs every item; CJM_OK, CJM_EINTERRUPT ("interrupted") if the token was
 * requested before every item was handed out, or the lowest failed item's
 * status with its error. */
cjm_status cjm_parallel_for(const cjm_parallel *w, cjm_error *err);

/* The number of CPUs online (at least 1). */
int cjm_cpu_count(void);

#endif
