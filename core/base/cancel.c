/* cancel.c: a request to stop, shared between a caller and the work it
 * started. The flag is a lock-free atomic, so a signal handler may set it. */
#include "cjm.h"

#include <stdatomic.h>
#include <stdlib.h>

struct cjm_cancel {
    atomic_int requested;
};

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "cjm_cancel_request must be async-signal-safe");

cjm_cancel *cjm_cancel_new(void)
{
    cjm_cancel *c = malloc(sizeof *c);
    if (c) atomic_init(&c->requested, 0);
    return c;
}

void cjm_cancel_free(cjm_cancel **c)
{
    if (!c) return;
    free(*c);
    *c = NULL;
}

void cjm_cancel_request(cjm_cancel *c)
{
    if (c) atomic_store_explicit(&c->requested, 1, memory_order_relaxed);
}

int cjm_cancel_requested(const cjm_cancel *c)
{
    return c ? atomic_load_explicit(&((cjm_cancel *)c)->requested, memory_order_relaxed) : 0;
}
