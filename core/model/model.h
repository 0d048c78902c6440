/* model.h: the compiled model, as the engines see it. Plain C arrays only:
 * nothing here refers to Lua (the Lua layer fills these tables and closes its
 * state when loading ends). */
#ifndef CJM_MODEL_H
#define CJM_MODEL_H

#include "cjm.h"
#include "dist.h"
#include "error.h"

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
    int min_steps;        /* nobody leaves before this many steps here */
    double refers;        /* expected referred prospects per customer per step here */
    double referral_cost; /* reward per referred prospect who converts */
    int refers_to;        /* the stage referred prospects enter */
} cjm_stage;

/* Where a transition's probability comes from. */
typedef enum cjm_prob_kind {
    CJM_PROB_CONST,
    CJM_PROB_FUNCTION,
    CJM_PROB_PER_CUSTOMER /* each customer draws its own, on entering the cohort */
} cjm_prob_kind;

/* A per-customer distribution of a transition probability. */
typedef struct cjm_per_customer {
    cjm_dist dist;
    char *path;
    int line;
} cjm_per_customer;

typedef struct cjm_edge {
    int from, to;
    char *path;          /* scenario path, e.g. "transitions.consider.consult" */
    int line;            /* the scenario line it is written on, 0 if unknown */
    cjm_prob_kind *kind; /* [segment] */
    double *value;       /* [segment]: the constant, when kind is CONST */
    int *pc;             /* [segment]: index into the model's per_customer, when PER_CUSTOMER */
    int dwell_index;     /* >= 0: a function reads c.dwell; its table is dwell[dwell_index] */
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

/* Where an input's value goes in the model. */
typedef enum cjm_slot_kind {
    CJM_SLOT_PROB,  /* a: from stage, b: to stage, c: segment (-1: every segment) */
    CJM_SLOT_SHARE, /* a: segment */
    CJM_SLOT_STAGE, /* a: stage, b: 0 cost, 1 revenue, 2 cost_per_step, 3 revenue_per_step */
    CJM_SLOT_COST_PER_PROSPECT, /* */
    CJM_SLOT_COHORT_SIZE,       /* */
    CJM_SLOT_BARRIER, /* a: barrier, b: 0 effect, 1 fix cost, 2 cost_per_customer, 3 efficacy */
} cjm_slot_kind;

typedef struct cjm_slot {
    cjm_slot_kind kind;
    int a, b, c;
} cjm_slot;

/* A number of the scenario that sensitivity analyses may move, or that is
 * uncertain (a distribution, drawn once per run). One distribution object
 * used in several places is one input with several slots. */
typedef struct cjm_input {
    char *path; /* where it is first written, e.g. "transitions.aware.consider" */
    int line;
    double value;  /* as written; for an uncertain input, its median */
    double lo, hi; /* the range the value must stay in */
    bool integral;
    bool uncertain;
    cjm_dist dist; /* when uncertain */
    int group;     /* correlation group, -1 if none */
    int slot_count;
    cjm_slot *slots;
} cjm_input;

/* Inputs given a rank correlation by cjm.correlate. */
typedef struct cjm_corr_group {
    int size;
    int *inputs;    /* [size]: indices into the model's inputs */
    double *matrix; /* [size * size]: the target rank (Spearman) correlation */
    int line;
} cjm_corr_group;

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
     * t in [0, horizon). Filled by the Lua layer (cjm_script_tabulate). */
    double *prob;
    int prob_horizon;

    int barrier_count;
    cjm_barrier *barriers;
    /* the fixes applied: one-off and per-prospect costs, split by where they count */
    double fix_once_acq, fix_once_ret, fix_per_prospect_acq, fix_per_prospect_ret;

    /* Arrivals: arrivals[t] prospects (expected; fractional allowed) enter the
     * first stage at step t, t < horizon; arrivals[0] includes cohort.size. */
    double *arrivals; /* [horizon]: whole prospects arriving at step t (cumulatively rounded) */
    int64_t arrivals_total;
    bool has_arrivals;
    double arrivals_value;     /* per step, when a number */
    bool arrivals_budget;      /* the spec is a budget per step: divided by cost_per_prospect */
    const char *arrivals_path; /* "cohort.arrivals" or "acquisition.budget_per_step" */
    int arrivals_line;

    int per_customer_count;
    cjm_per_customer *per_customer;

    /* Probabilities that depend on the time in stage: for dwell edge k,
     * dwell[k][((t * segment_count + g) * horizon) + d], d <= t. */
    int dwell_count;
    double **dwell;
    bool has_referrals, has_min_steps;

    int variant_count; /* the scenario's variants, in the order they are written */
    char **variant_names;
    char *variant; /* the variant this model was loaded as, or NULL */

    int input_count; /* every number sensitivity analyses may move */
    cjm_input *inputs;
    int uncertain_count; /* inputs that are distributions */
    int *uncertain;      /* [uncertain_count]: their indices into inputs */
    int group_count;
    cjm_corr_group *groups;

    /* raw[(t * segment_count + g) * edge_count + e]: the written probabilities
     * (functions evaluated), before barriers; prob is raw with barriers applied. */
    double *raw;

    /* An instance is a copy of a base model with one run's draws written in:
     * it owns only stages, barriers, raw and prob; the rest is the base's. */
    const struct cjm_model *base;
};

/* A copy of m with the uncertain inputs set to x[0 .. uncertain_count-1]
 * (one run's draws). Free it with cjm_model_free. */
cjm_status cjm_model_instance(const struct cjm_model *m, const double *x, struct cjm_model **out,
                              cjm_error *err);

/* Writes value into every slot of input i. */
void cjm_model_set_input(struct cjm_model *m, int i, double value);

/* Recomputes the fix costs and the barrier-applied probabilities from raw. */
void cjm_model_refresh(struct cjm_model *m);

/* Index of a barrier by name, -1 if none. */
int cjm_model_barrier_index(const struct cjm_model *m, const char *name);

/* Probability of edge e at step t for segment g. */
static inline double cjm_model_prob(const struct cjm_model *m, int t, int g, int e)
{
    return m->prob[((int64_t)t * m->segment_count + g) * m->edge_count + e];
}

/* How many time-in-stage cells an engine that moves counts must track over
 * horizon steps: all of them when a probability reads c.dwell or a stage has
 * min_steps, else one. */
static inline int cjm_model_dwell_cells(const struct cjm_model *m, int horizon)
{
    return m->dwell_count > 0 || m->has_min_steps ? horizon : 1;
}

/* The one-line refusal of an engine that cannot simulate per-customer
 * probabilities (`what`: "the exact engine cannot compute"). */
cjm_status cjm_model_refuse_per_customer(const struct cjm_model *m, const char *what,
                                         cjm_error *err);

/* The time-in-stage probability of dwell table k at (t, g, d). */
double cjm_model_dwell_prob(const struct cjm_model *m, int k, int t, int g, int d);

/* Allocates raw and prob for steps [0, horizon) (prob_horizon = horizon),
 * for the Lua layer to fill raw. */
cjm_status cjm_model_tables_new(struct cjm_model *m, int horizon, cjm_error *err);

/* Once raw is filled: prob = raw with the barriers, fix costs summed, and
 * every stage's outgoing sums checked (also with the uncertain
 * probabilities at the top of their ranges). */
cjm_status cjm_model_finish_tables(struct cjm_model *m, cjm_error *err);

/* The written probability of edge e at (t, g), before barriers. */
static inline double cjm_model_raw_prob(const struct cjm_model *m, int t, int g, int e)
{
    return m->raw[((size_t)t * m->segment_count + g) * m->edge_count + e];
}

/* Fills x[runs][uncertain_count] with each run's draws: plain random or Latin
 * hypercube, then rank correlation (Iman-Conover) within each correlation
 * group. Each input's draws come from a stream keyed by the seed and the
 * input's path, so a variant that changes one input leaves the others'
 * draws as they were (common random numbers across variants). */
cjm_status cjm_sample_inputs(const struct cjm_model *m, int runs, uint64_t seed,
                             cjm_sampling method, double *x, cjm_error *err);

/* Index of a stage or segment by name, -1 if none. */
int cjm_model_stage_index(const struct cjm_model *m, const char *name);
int cjm_model_segment_index(const struct cjm_model *m, const char *name);

#endif
