/* model.h: the compiled model, as the engines see it. Plain C arrays only:
 * nothing here refers to Lua, except the opaque script handle that the loader
 * keeps so that function-valued probabilities can be evaluated into tables. */
#ifndef CJM_MODEL_H
#define CJM_MODEL_H

#include "cjm.h"

#include <stdbool.h>
#include <stdint.h>

#define CJM_MAX_STAGES 64
#define CJM_MAX_SEGMENTS 256
#define CJM_MAX_HORIZON 100000

typedef struct cjm_stage {
    char *name;
    double cost, revenue;                   /* on each entry */
    double cost_per_step, revenue_per_step; /* for each step started here */
    bool converts, final;
} cjm_stage;

/* Where a transition's probability comes from. */
typedef enum cjm_prob_kind { CJM_PROB_CONST, CJM_PROB_FUNCTION } cjm_prob_kind;

typedef struct cjm_edge {
    int from, to;
    char *path;          /* scenario path, e.g. "transitions.consider.consult" */
    int line;            /* the scenario line it is written on, 0 if unknown */
    cjm_prob_kind *kind; /* [segment] */
    double *value;       /* [segment]: the constant, when kind is CONST */
    int *fn_ref;         /* [segment]: Lua registry reference, when FUNCTION */
} cjm_edge;

/* A barrier: something that makes people drop out of one or more transitions
 * (a phone number nobody finds), and the fix for it, if the scenario has one. */
typedef struct cjm_barrier {
    char *name;
    int *edges; /* edge indices it stands on */
    int edge_count;
    double effect;           /* multiplies the probability while it stands */
    int from, to;            /* it stands for steps from <= t < to */
    unsigned char *segments; /* [segment]: 1 where it stands */
    bool has_fix, fixed;
    bool acquisition; /* sits before conversion: its fix is an acquisition cost */
    double fix_cost, fix_cost_per_customer, efficacy;
    int fix_from; /* the fix works from this step on */
} cjm_barrier;

/* Multiplier a barrier applies at step t for segment g (1 where it does not stand). */
double cjm_barrier_multiplier(const cjm_barrier *b, int t, int g);

struct cjm_script;

struct cjm_model {
    char *name, *step_name, *file;
    char sha256[65];
    int horizon;
    int64_t cohort_size;
    double cost_per_prospect;

    int stage_count;
    cjm_stage *stages;

    int segment_count; /* >= 1: a scenario without segments has one, "all" */
    char **segment_names;
    double *segment_share;
    bool has_segments;

    int edge_count; /* sorted by from-stage */
    cjm_edge *edges;
    int *edge_start; /* [stage_count + 1]: edges of stage s are [edge_start[s], edge_start[s+1]) */

    /* prob[(t * segment_count + g) * edge_count + e]: p(edge e, step t, segment g),
     * t in [0, horizon). Filled by cjm_model_tabulate(). */
    double *prob;
    int prob_horizon;

    int barrier_count;
    cjm_barrier *barriers;
    /* the fixes applied: one-off and per-prospect costs, split by where they count */
    double fix_once_acq, fix_once_ret, fix_per_prospect_acq, fix_per_prospect_ret;

    int variant_count; /* the scenario's variants, in the order they are written */
    char **variant_names;
    char *variant; /* the variant this model was loaded as, or NULL */

    struct cjm_script *script; /* owns the Lua state, for function probabilities */
};

/* Index of a barrier by name, -1 if none. */
int cjm_model_barrier_index(const struct cjm_model *m, const char *name);

/* Probability of edge e at step t for segment g. */
static inline double cjm_model_prob(const struct cjm_model *m, int t, int g, int e)
{
    return m->prob[((int64_t)t * m->segment_count + g) * m->edge_count + e];
}

/* Evaluates every probability for steps [0, horizon) into m->prob and checks
 * each stage's outgoing sum: the only place function probabilities are called. */
cjm_status cjm_model_tabulate(struct cjm_model *m, int horizon, cjm_error *err);

/* Index of a stage or segment by name, -1 if none. */
int cjm_model_stage_index(const struct cjm_model *m, const char *name);
int cjm_model_segment_index(const struct cjm_model *m, const char *name);

/* printf-style error filling; returns code. */
cjm_status cjm_error_set(cjm_error *err, cjm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
