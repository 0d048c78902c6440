/* decisions.h: the inside of a decision analysis (goal seek, the best fixes
 * under a budget, the value of information), for its writers and tests
 * (internal). The public entry points are in cjm.h; docs/decisions.md. */
#ifndef CJM_DECISIONS_H
#define CJM_DECISIONS_H

#include "metrics.h"

typedef enum cjm_decision_type { CJM_DEC_GOAL, CJM_DEC_OPTIMIZE, CJM_DEC_VOI } cjm_decision_type;

#define CJM_DEC_MAX_VALUES 24
#define CJM_DEC_MAX_FIELDS 12

/* A row: optimize, a set of fixes; voi, an option (baseline, variants) or
 * an input (or group of inputs) and its EVPPI. Its numbers are named by the
 * analysis's field names. */
typedef struct cjm_decision_row {
    char *name;
    char *role; /* optimize: "best", "greedy", "" ; voi: "option", "input", "group" */
    double v[CJM_DEC_MAX_FIELDS];
} cjm_decision_row;

struct cjm_decision {
    cjm_decision_type kind;
    cjm_model *model; /* the scenario as the command line loads it */
    cjm_settings ran; /* as the confirming (or only) runs ran */
    int metric;       /* CJM_M_* the analysis is about */
    char *param;      /* goal: the input's path */
    char *note;       /* one line a reader should see (a heuristic search, ...), or NULL */
    int value_count;
    const char *value_names[CJM_DEC_MAX_VALUES];
    double values[CJM_DEC_MAX_VALUES];
    int field_count;
    const char *field_names[CJM_DEC_MAX_FIELDS];
    int row_count;
    cjm_decision_row *rows;
};

/* A value by name (NaN if the analysis has none by that name). */
double cjm_decision_get(const cjm_decision *x, const char *name);

/* The expected value of partial perfect information from R runs: nb[d][r]
 * the net benefit of option d (D options) in run r, x[r][k] the k inputs
 * studied together (stride: x's row length). Regression of each option's
 * incremental net benefit on the inputs (docs/decisions.md: a cubic in one
 * input; with several, linear and quadratic terms and their products).
 * Returns NaN if the regression cannot be fitted (too few runs). */
double cjm_evppi(const double *nb, int D, int R, const double *x, int stride, int k);

/* EVPI from the same net benefits: mean over runs of the best option's net
 * benefit minus the best mean; se: its standard error (both per run of the
 * difference max_d nb[d][r] - nb[best][r]). */
double cjm_evpi(const double *nb, int D, int R, double *se);

#endif
