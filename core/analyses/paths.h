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
    /* heuristics, by state (channels only): conversions and value */
    double *first, *last, *linear, *first_val, *last_val, *linear_val;
    double *value_in; /* [nstates]: value on channel -> conversion */
    /* Markov attribution (cjm_attribution): by state */
    int attributed;
    double cr, ev;                 /* conversion probability, expected value from start */
    double *removal, *removal_val; /* removal effects: 1 - CR(without c) / CR */
    double *markov, *markov_val;   /* conversions and value attributed */
};

/* Fills the Markov attribution of p (removal effects, conversions and value
 * attributed); cjm_attribution reads and attributes in one call. */
cjm_status cjm_paths_attribute(cjm_paths *p, cjm_error *err);

#endif
