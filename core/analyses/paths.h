/* paths.h: journey paths counted as a Markov chain (internal; cjm.h has the
 * accessors). */
#ifndef CJM_PATHS_H
#define CJM_PATHS_H

#include "cjm.h"

struct cjm_paths {
    char *file;
    int rows;        /* data rows */
    int nstates;     /* start, channels, conversion, null */
    char **names;    /* [nstates] */
    double *count;   /* [nstates * nstates]: weighted transitions from -> to */
    double prior;    /* Dirichlet weight of every possible transition */
    double journeys; /* sum of conversions + nulls */
    double conversions, value;
    int has_value, has_null;
    int max_len; /* the most channels in a path, after collapsing repeats */
};

#endif
