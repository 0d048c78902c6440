/* model.h: the compiled model, as the engines see it. Plain C arrays only:
 * nothing here refers to Lua (the Lua layer fills these tables and closes its
 * state when loading ends). */
#ifndef CJM_MODEL_H
#define CJM_MODEL_H

#include "cjm.h"
#include "dist.h"
#include "error.h"
#include "loyalty.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CJM_MAX_STAGES 64
#define CJM_MAX_SEGMENTS 256
#define CJM_MAX_HORIZON 100000

/* What a stage's amounts are: money earned, the cost of the goods sold
 * with it, and other costs (cogs count in cost and profit, never in CAC). */
enum { CJM_REVENUE, CJM_COGS, CJM_COST, CJM_MONEY_KINDS };

/* When they are paid: on each entry, for each step started in the stage,
 * or with each purchase made there (the basket). */
enum { CJM_ON_ENTRY, CJM_PER_STEP, CJM_PER_PURCHASE, CJM_MONEY_TIMES };

/* A stage's amounts, by segment: m->money[(s * G + g) * CJM_AMOUNTS + j]
 * with j = CJM_AMOUNT(when, what). */
#define CJM_AMOUNTS (CJM_MONEY_TIMES * CJM_MONEY_KINDS)
#define CJM_AMOUNT(when, what) ((when)*CJM_MONEY_KINDS + (what))

typedef struct cjm_stage {
    char *name;
    int out_line; /* the line `transitions.<name>` is written on, 0 if unknown */
    bool converts, final;
    int min_steps;        /* nobody leaves before this many steps here */
    double refers;        /* the largest rate of referrals here over steps, segments and runs
                             (0: the stage never refers); the rates: cjm_model_refers */
    double referral_cost; /* reward per referred prospect who converts */
    int refers_to;        /* the stage referred prospects enter */
    bool refers_same;     /* referred prospects take the referrer's segment (`refers_segment =
                             "same"`), not one drawn by the shares */
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
    int loyalty_index;   /* >= 0: a function reads the loyalty context; its table is
                            loyalty_tables[loyalty_index] */
    double *share;       /* [segment]: in a split row (`leaves`, `split`), the share of those
                            leaving that take this edge (p = leaves x share); NULL otherwise */
} cjm_edge;

/* Edge e's share of its split row for segment g (1 outside a split row). */
static inline double cjm_edge_share(const cjm_edge *e, int g)
{
    return e->share ? e->share[g] : 1;
}

/* A stage's expected purchases per step, as written, by segment. */
typedef struct cjm_rate {
    cjm_prob_kind kind; /* CONST or FUNCTION */
    double value;
} cjm_rate;

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
    int redirect; /* >= 0: the edge that takes the share the barrier blocks (`redirect`) */
    int redirect_line;
} cjm_barrier;

/* Multiplier a barrier applies at step t for segment g (1 where it does not stand). */
double cjm_barrier_multiplier(const cjm_barrier *b, int t, int g);

struct cjm_model;

/* Where an input's value goes in the model. */
typedef enum cjm_slot_kind {
    CJM_SLOT_PROB,  /* a: from stage, b: to stage, c: segment (-1: every segment) */
    CJM_SLOT_SHARE, /* a: segment */
    CJM_SLOT_STAGE, /* a: stage, b: CJM_AMOUNT(when, what), c: segment (-1: every segment) */
    CJM_SLOT_COST_PER_PROSPECT, /* */
    CJM_SLOT_COHORT_SIZE,       /* */
    CJM_SLOT_BARRIER,    /* a: barrier, b: 0 effect, 1 fix cost, 2 cost_per_customer, 3 efficacy */
    CJM_SLOT_FIXED_COST, /* a: fixed cost, b: 0 once, 1 per_step */
    CJM_SLOT_DISCOUNT,   /* the yearly discount rate */
    CJM_SLOT_PURCHASES,  /* a: stage, c: segment (-1: every segment) */
    CJM_SLOT_LOYALTY,    /* b: 0 join (c: segment), 1 join_cost, 2 member_cost_per_step,
                            3 points.per_unit, 4 + r: reward r's cost */
    CJM_SLOT_REFERS,     /* a: stage, c: segment (-1: every segment) */
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
    char *name; /* the distribution's `name` option, or NULL: what listings show */
    int line;
    double value;          /* as written; for an uncertain input, its median */
    double lo, hi;         /* the range the value must stay in (an uncertain one's: narrowed
                              to its distribution's) */
    double lim_lo, lim_hi; /* the range a number written there must stay in */
    bool integral;
    bool uncertain;
    cjm_dist dist; /* when uncertain */
    int group;     /* correlation group, -1 if none */
    int dirichlet; /* cjm.dirichlet row, -1 if none: drawn as gamma(dist.p[0]) and normalised
                      over the inputs with the same dirichlet (dist: the beta marginal) */
    double room;   /* a cjm.dirichlet row sums to this: 1 - the stage's other exits */
    int slot_count;
    cjm_slot *slots;
} cjm_input;

/* What listings call input in: its name, else its path. */
static inline const char *cjm_input_label(const cjm_input *in)
{
    return in->name ? in->name : in->path;
}

/* One instruction of a derived input's postfix program. */
typedef enum cjm_op_kind {
    CJM_OP_CONST, /* push value */
    CJM_OP_INPUT, /* push the current value of input `input` */
    CJM_OP_ADD,
    CJM_OP_SUB,
    CJM_OP_MUL,
    CJM_OP_DIV,
    CJM_OP_NEG,
    CJM_OP_MIN,
    CJM_OP_MAX,
} cjm_op_kind;

typedef struct cjm_op {
    cjm_op_kind kind;
    int input;
    double value;
} cjm_op;

#define CJM_DERIVED_OPS_MAX 255 /* instructions of one derived input (so its stack too) */

/* An input computed from others (arithmetic on distributions: `u * 1.3`,
 * `1 - u`, `u + v`): not an input of its own (no draws, no factor in
 * sensitivity analyses), it follows its parents' values in every run. */
typedef struct cjm_derived {
    char *path; /* where it is first written */
    char *text; /* the expression, e.g. "member_frequency * 1.3" */
    int line;
    double value;          /* from its parents' written values (medians) */
    double lim_lo, lim_hi; /* the range it must stay in, checked in every run */
    bool integral;
    int op_count;
    cjm_op *ops; /* postfix; CJM_OP_INPUT indexes the model's inputs */
    int slot_count;
    cjm_slot *slots;
} cjm_derived;

/* The value of derived input d given every input's current value. */
double cjm_derived_eval(const cjm_derived *d, const double *values);

/* A cost that does not depend on customers (a platform fee, a launch
 * campaign): `once` paid at step `at`, and `per_step` for each step t with
 * from <= t < to (and t < H). Written at the top level (`costs`), in a
 * variant (counted when that variant is loaded) or in a barrier's fix
 * (counted when the fix is applied). */
typedef struct cjm_fixed_cost {
    char *path; /* "costs.platform", "variants.v.costs.x", "barriers.b.fix.costs.x" */
    int line;
    double once, per_step;
    int at, from, to;
    bool acquisition; /* counts in CAC (`role = "acquisition"`, or a fix's before conversion) */
    int barrier;      /* >= 0: it belongs to that barrier's fix */
} cjm_fixed_cost;

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
    double *money; /* [stage][segment][CJM_AMOUNTS]: the stages' amounts */
    /* Stages with any amount (for some segment, or uncertain) get a place in
     * the tallies of money by step: money_stage[s] is its rank, or -1. */
    int *money_stage;
    int money_stage_count;
    bool money_by_segment; /* some amount differs by segment: tallies keep segments apart */
    bool has_cogs;

    int segment_count; /* >= 1: a scenario without segments has one, "all" */
    char **segment_names;
    double *segment_share;
    bool has_segments;
    int segments_line; /* where `segments` is written (for the shares' sum) */

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

    int fixed_cost_count;
    cjm_fixed_cost *fixed_costs;

    /* Discounting: an amount paid at step t is worth (1 + rate)^(-t x
     * step_years) at step 0; step_years is 0 when the step has no length in
     * years (then rate is 0: the loader refuses a discount). */
    double discount_rate, step_years;
    bool has_discount;

    /* Arrivals: arrivals[t] prospects (expected; fractional allowed) enter the
     * first stage at step t, t < horizon; arrivals[0] includes cohort.size. */
    double *arrivals; /* [horizon]: whole prospects arriving at step t (cumulatively rounded) */
    double *arrivals_spec; /* [horizon]: the expected arrivals, or the budget, written for step t */
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

    /* Repeat purchases: the rates as written ([stage][segment]) and
     * tabulated, purchases[(t * G + g) * S + s] per step (0 where none). A
     * rate that reads c.dwell has purchase_dwell[s] >= 0 (an index into
     * dwell, whose values are then the rate), one that reads the loyalty
     * context purchase_loyalty[s] >= 0 (into loyalty_tables). */
    cjm_rate *rates;
    double *purchases;
    int *purchase_dwell, *purchase_loyalty;
    bool has_purchases;

    cjm_loyalty loyalty;
    /* Functions of the loyalty context (c.member, c.tier, c.points), by
     * context: table[(t * G + g) * loyalty_states + c], c = 0 for a
     * non-member, 1 + tier * loyalty_points + min(points, loyalty_points - 1)
     * for a member. */
    int loyalty_table_count;
    double **loyalty_tables;
    int loyalty_states, loyalty_points;
    bool has_referrals, has_min_steps;
    /* refers[(t * G + g) * S + s]: expected referred prospects per customer
     * of segment g per step t started in stage s (NULL without referrals) */
    double *refers;

    int variant_count; /* the scenario's variants, in the order they are written */
    char **variant_names;
    char *variant; /* the variant this model was loaded as, or NULL */

    int input_count; /* every number sensitivity analyses may move */
    cjm_input *inputs;
    int uncertain_count; /* inputs that are distributions */
    int *uncertain;      /* [uncertain_count]: their indices into inputs */
    int group_count;
    cjm_corr_group *groups;
    int derived_input_count; /* inputs computed from others (owned by the loaded model) */
    cjm_derived *derived_inputs;

    /* raw[(t * segment_count + g) * edge_count + e]: the written probabilities
     * (functions evaluated), before barriers; prob is raw with barriers applied. */
    double *raw;

    /* An instance is a copy of a base model with one run's draws written in:
     * it owns only stages, money, rates, purchases, loyalty.join, barriers,
     * fixed_costs, raw, prob, refers and arrivals; the rest is the base's. A model
     * derived with some inputs set (cjm_model_with) owns as well its inputs'
     * structs, its uncertain list, its correlation groups, its segment
     * shares and its money index. */
    const struct cjm_model *base;
    bool derived;
};

/* Amount j (CJM_AMOUNT(when, what)) of stage s for segment g. */
static inline double cjm_stage_amount(const struct cjm_model *m, int s, int g, int j)
{
    return m->money[((size_t)s * m->segment_count + g) * CJM_AMOUNTS + j];
}

/* Does fixed cost k count in this model (its fix, if any, applied)? */
static inline bool cjm_fixed_cost_active(const struct cjm_model *m, int k)
{
    int b = m->fixed_costs[k].barrier;
    return b < 0 || m->barriers[b].fixed;
}

/* Expected referred prospects per customer of segment g per step t in stage s. */
static inline double cjm_model_refers(const struct cjm_model *m, int t, int g, int s)
{
    return m->refers ? m->refers[((size_t)t * m->segment_count + g) * m->stage_count + s] : 0;
}

/* The key of amount j: "revenue", "cogs_per_step", ... */
const char *cjm_amount_key(int j);

/* The scenario path a slot's value is written at, like snprintf (-1 where
 * the slot does not say: the cost per prospect may be under cohort or
 * acquisition). */
int cjm_model_slot_path(const struct cjm_model *m, const cjm_slot *s, char *buf, size_t n);

/* The expected purchases per step of stage s at (t, g) for a customer d steps
 * into it in loyalty context c (without a tier's benefit). */
double cjm_model_purchases(const struct cjm_model *m, int t, int g, int s, int d, int c);

/* The loyalty context of a member of tier k with balance b (c = 0: a non-member). */
static inline int cjm_loyalty_context(const struct cjm_model *m, int k, int64_t b)
{
    int top = m->loyalty_points - 1;
    return 1 + k * m->loyalty_points + (b < top ? (int)b : top);
}

/* The probability of edge e at (t, g) for a customer d steps into its stage
 * in loyalty context c of tier k (k < 0: a non-member): barriers, time in
 * stage, the context and the tier's benefit on the edge. */
double cjm_model_edge_prob(const struct cjm_model *m, int t, int g, int e, int d, int c, int k);

/* The highest written probability (barriers aside) edge e takes at (t, g)
 * over time in stage and the loyalty contexts of tier k (k < 0: a
 * non-member's), with the tier's benefit on it. */
double cjm_model_edge_top(const struct cjm_model *m, int t, int g, int e, int k);

/* Tiers' benefits that push a stage's probabilities above 1 (loyalty.c). */
cjm_status cjm_loyalty_check(const struct cjm_model *m, cjm_error *err);
void cjm_loyalty_free(cjm_loyalty *l);

/* The discount factor of step t: (1 + rate)^(-t x step_years). */
double cjm_model_discount(const struct cjm_model *m, int t);

/* Works out which stages have money (money_stage, money_stage_count,
 * money_by_segment, has_cogs), from the amounts and the inputs' slots. */
cjm_status cjm_model_index_money(struct cjm_model *m, cjm_error *err);

/* A copy of m with the uncertain inputs set to x[0 .. uncertain_count-1]
 * (one run's draws). Free it with cjm_model_free. */
cjm_status cjm_model_instance(const struct cjm_model *m, const double *x, struct cjm_model **out,
                              cjm_error *err);

/* A copy of base with inputs set, as --set would load them but without Lua:
 * input idx[k] takes the value val[k] (k < n), checked against its range as
 * the loader checks it, with the loader's messages; an uncertain input set
 * to a number is pinned (it leaves the uncertain inputs and its correlation
 * group); then the tables are finished and checked as after a load. Free it
 * with cjm_model_free; base must outlive it. */
cjm_status cjm_model_with(const struct cjm_model *base, int n, const int *idx, const double *val,
                          struct cjm_model **out, cjm_error *err);

/* A copy of base with the fixes applied exactly where fixed[b] (b <
 * barrier_count) is set, as loading with those --fix options gives (only
 * barriers with a fix; a fix the base has is removed where fixed[b] is 0).
 * Free it with cjm_model_free; base must outlive it. */
cjm_status cjm_model_with_fixes(const struct cjm_model *base, const unsigned char *fixed,
                                struct cjm_model **out, cjm_error *err);

/* Arrivals as whole prospects from arrivals_spec (divided by the cost per
 * prospect for a budget), rounded cumulatively. */
cjm_status cjm_model_round_arrivals(struct cjm_model *m, int horizon, cjm_error *err);

/* The values of m's derived inputs into out[derived_input_count], from the
 * uncertain inputs at x[uncertain_count] (one run's draws; NULL: their
 * values) and the other inputs' values. A value outside the range its
 * slots allow (a probability outside [0, 1]) is an error naming its file,
 * line and path, the value, and `when` (e.g. "in run 17"). */
cjm_status cjm_model_derived_values(const struct cjm_model *m, const double *x, double *out,
                                    const char *when, cjm_error *err);

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
