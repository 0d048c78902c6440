/* fit.h: a model fitted to data (internal; the accessors are in cjm.h). */
#ifndef CJM_FIT_H
#define CJM_FIT_H

#include "cjm.h"

#define CJM_FIT_MAX_PARAMS 4

struct cjm_fit {
    const char *model; /* "sbg", "bgnbd" */
    char *file;        /* the data file, as given */
    char data[160];    /* what was fitted, in words: "survival table, t = 0..7" */
    long observations; /* customers */
    int nparams;
    const char *names[CJM_FIT_MAX_PARAMS];
    double est[CJM_FIT_MAX_PARAMS], se[CJM_FIT_MAX_PARAMS];
    double se_log[CJM_FIT_MAX_PARAMS];                       /* of log(estimate) */
    double cov_log[CJM_FIT_MAX_PARAMS * CJM_FIT_MAX_PARAMS]; /* of the log parameters */
    double loglik;
    char *fragment;
};

#endif
