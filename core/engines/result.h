/* result.h: what an engine produces. Every engine fills the same "tally" (the
 * counts that every metric is computed from) for each run; the result turns
 * tallies into per-run totals and money (accounts.c), which stats.c
 * summarises across runs. */
#ifndef CJM_RESULT_H
#define CJM_RESULT_H

#include "cjm.h"
#include "progress.h"
#include "model.h"

#include <stdbool.h>

/* When an amount is paid relative to the customer's conversion time tau:
 * before it (or never converted), at tau, or after. Acquisition cost is
 * PRE + AT; a customer's lifetime revenue is AT + POST. */
enum { CJM_PRE, CJM_AT, CJM_POST, CJM_PHASES };

/* Where a customer came from: the cohort and its arrivals, or a referral. */
enum { CJM_ORGANIC, CJM_REFERRED, CJM_SOURCES };

/* Offsets into a tally (an array of counts, integers in the agent and cohort
 * engines and expected values in the exact engine), for a model with S
 * stages, horizon H, GM money segments (G when some amount differs by
 * segment, else 1) and K money stages (model.h). */
typedef struct cjm_tally_layout {
    int S, H, GM, K;
    int converted;
    int retained;      /* converted and not in a final stage at the horizon */
    int referred;      /* prospects who came by referral */
    int converted_src; /* [source] */
    int entries;       /* [source][phase][GM][stage] */
    int steps;         /* [source][phase][GM][stage] */
    int refconv;       /* [stage]: converted referred prospects, by their referrer's stage */
    int reached;       /* [stage]: customers who ever entered it */
    int ret_num;       /* [k], k = 0..H: converted, tau + k <= H, alive at tau + k */
    int ret_den;       /* [k]: converted, tau + k <= H */
    int arr_prospects; /* [t], t < H: organic prospects arriving at step t */
    int arr_converted; /* [t]: of those, converted by the horizon */
    /* Money by step, for the cash flow and discounting: [class][GM][K][t],
     * t = 0..H, class 0 before conversion (or never converted), 1 at or
     * after it. entries_t: entries into money stage k at t; steps_t: steps t
     * (< H) started in it. refconv_t: [stage][t], referred prospects who
     * convert at t, by their referrer's stage (0 wide without referrals). */
    int entries_t, steps_t, refconv_t;
    /* Repeat purchases, by the basket's benefit level b (0: no tier's, 1 + k:
     * tier k's; B = T + 1 levels with a program, else 1):
     * purchases[b][source][phase][GM][stage] and by step
     * purchases_t[b][class][GM][K][t] (0 wide without purchases). */
    int B, purchases, purchases_t;
    /* The loyalty program (0 wide without one), for T tiers, R rewards and
     * C = T + 1 classes of converted customers (0: never joined, 1 + k: in
     * tier k at the end). */
    int T, R, C;
    int joined, active, issued, redeemed, expired, outstanding, member_steps;
    int members_t;               /* [t], t = 0..H: members outside a final stage at t */
    int tier_t;                  /* [tier][t]: of those, in each tier */
    int joins_t;                 /* [t]: joins in step t */
    int member_t;                /* [t]: member steps started at t (t < H) */
    int redemptions;             /* [reward] */
    int redemptions_t;           /* [reward][t] */
    int class_n, class_retained; /* [class] */
    int class_counts; /* [class][GM][when][K]: entries, steps, purchases at and after conversion */
    int moves;        /* [edge]: customers who took the edge (every source and phase) */
    int width;
} cjm_tally_layout;

cjm_tally_layout cjm_tally_layout_make(const cjm_model *m, int horizon);

/* The entries (or steps) counter of stage s for source src, phase ph and
 * money segment gm: tally[l->entries + cjm_tally_cell(l, src, ph, gm, s)]. */
static inline int cjm_tally_cell(const cjm_tally_layout *l, int src, int ph, int gm, int s)
{
    return ((src * CJM_PHASES + ph) * l->GM + gm) * l->S + s;
}

/* A class's count of kind w (0 entries, 1 steps, 2 + b purchases at basket
 * level b) in money stage k: tally[l->class_counts + ...]. */
static inline int cjm_tally_class(const cjm_tally_layout *l, int c, int gm, int w, int k)
{
    return ((c * l->GM + gm) * (2 + l->B) + w) * l->K + k;
}

/* Purchases at basket level b: tally[l->purchases + ...] (as cjm_tally_cell). */
static inline int cjm_tally_purchase(const cjm_tally_layout *l, int b, int src, int ph, int gm,
                                     int s)
{
    return b * CJM_SOURCES * CJM_PHASES * l->GM * l->S + cjm_tally_cell(l, src, ph, gm, s);
}

/* The per-step counter of money stage k: tally[l->entries_t + ...]. */
static inline int cjm_tally_t(const cjm_tally_layout *l, int cls, int gm, int k, int t)
{
    return ((cls * l->GM + gm) * l->K + k) * (l->H + 1) + t;
}

/* ... and by step: tally[l->purchases_t + ...] (as cjm_tally_t). */
static inline int cjm_tally_purchase_t(const cjm_tally_layout *l, int b, int cls, int gm, int k,
                                       int t)
{
    return b * 2 * l->GM * l->K * (l->H + 1) + cjm_tally_t(l, cls, gm, k, t);
}

/* Per-run totals: one row per run, laid out by cjm_row_layout. */
enum {
    CJM_T_PROSPECTS,
    CJM_T_CONVERTED,
    CJM_T_RETAINED,
    CJM_T_REVENUE,
    CJM_T_COST, /* every cost, cogs included */
    CJM_T_ACQ_COST,
    CJM_T_CONV_REVENUE,
    CJM_T_REFERRED,
    CJM_T_CONVERTED_REFERRED,
    CJM_T_ACQ_COST_ORGANIC,
    CJM_T_ACQ_COST_REFERRED,
    CJM_T_COGS,
    CJM_T_CONV_COGS,             /* cogs at and after conversion */
    CJM_T_NPV,                   /* discounted profit */
    CJM_T_DISC_CONV_REVENUE,     /* discounted revenue at and after conversion */
    CJM_T_PAID_BACK,             /* 1 if cumulative profit reached 0 at some t <= H */
    CJM_T_PURCHASES,             /* every purchase made */
    CJM_T_REVENUE_REFERRED,      /* revenue earned from referred prospects */
    CJM_T_CONV_REVENUE_REFERRED, /* of that, at and after their conversion */
    CJM_T_SCALARS
};

/* A run's loyalty figures: row[row.loyalty + CJM_L_...]. */
enum {
    CJM_L_JOINED,
    CJM_L_ACTIVE, /* members outside a final stage at the horizon */
    CJM_L_ISSUED, /* points */
    CJM_L_REDEEMED,
    CJM_L_EXPIRED,
    CJM_L_OUTSTANDING,
    CJM_L_REWARD_COST,
    CJM_L_JOIN_COST,
    CJM_L_MEMBER_COST,
    CJM_L_SCALARS /* then members_t[H + 1], tier_t[T][H + 1], and per class
                     (CJM_LC_...) */
};

/* Per class of converted customers (0: never joined, 1 + k: in tier k at
 * the end): row[row.classes + c * CJM_LC_FIELDS + CJM_LC_...]. */
enum {
    CJM_LC_CUSTOMERS,
    CJM_LC_RETAINED,
    CJM_LC_REVENUE, /* at and after conversion */
    CJM_LC_COGS,
    CJM_LC_PURCHASES,
    CJM_LC_FIELDS
};

/* The largest money total a run may have, in magnitude (run.c refuses
 * more: "the money total of run 1 is 1e+309, beyond 1e+100"). */
#define CJM_MONEY_MAX 1e100

/* Where a money line of the breakdown comes from. */
typedef enum cjm_line_group {
    CJM_LINE_ADS,     /* cohort.cost_per_prospect x organic prospects */
    CJM_LINE_STAGE,   /* a stage's amount: index = stage, amount = CJM_AMOUNT(when, what) */
    CJM_LINE_FIX,     /* an applied fix's costs: index = barrier */
    CJM_LINE_FIXED,   /* a fixed cost: index = its place in model->fixed_costs */
    CJM_LINE_REWARD,  /* referral rewards of a referring stage: index = stage */
    CJM_LINE_LOYALTY, /* the program's costs: index 0 joining, 1 membership, 2 + r reward r */
} cjm_line_group;

typedef struct cjm_line {
    cjm_line_group group;
    int index, amount;
    int kind; /* CJM_REVENUE, CJM_COGS or CJM_COST */
    char path[256];
} cjm_line;

/* Offsets into a row of totals. */
typedef struct cjm_row_layout {
    int reached;                              /* [S] */
    int ret_num, ret_den;                     /* [H + 1] */
    int arr_prospects, arr_conv;              /* [H] */
    int revenue_t, cogs_t, cost_t, dprofit_t; /* [H + 1]: paid at t (cost_t includes cogs_t) */
    int lines;                                /* [line_count] */
    int loyalty;                              /* CJM_L_SCALARS (0 wide without a program) */
    int members_t, tier_t;                    /* [H + 1], [T][H + 1] */
    int classes;                              /* [C][CJM_LC_FIELDS] */
    int moves;                                /* [edge]: customers who took it */
    int width;
} cjm_row_layout;

/* A run's share of a progress meter's total: the engines add it up block
 * by block (or at once), so that every run counts the same. */
#define CJM_METER_RUN 1000

struct cjm_result {
    const cjm_model *model; /* borrowed: must outlive the result */
    cjm_settings settings;  /* as run: customers, horizon and threads resolved */
    cjm_meter *meter;       /* cjm_run's progress (NULL: none): CJM_METER_RUN a run */
    bool exact;
    int runs, stage_count, horizon;
    /* The runs this result computes, [run_from, run_to): all of them, or a
     * shard's (settings.shard_index of shard_count; the other rows stay 0
     * until cjm_merge fills them from the other shards' partial files). */
    int run_from, run_to;
    cjm_row_layout row;
    int width;      /* of a row of totals (row.width) */
    double *totals; /* [runs][width] */
    int line_count; /* the breakdown's lines, the same in every run */
    cjm_line *lines;
    bool customers_given; /* --customers: every run has that many; else the scenario's */
    int input_count;      /* the model's uncertain inputs */
    double *inputs;       /* [runs][input_count]: each run's draws */
    int64_t draws; /* the agent engine's scalar path: random numbers drawn (cjm_result_draws) */
};

/* Allocates a result for runs rows. */
cjm_status cjm_result_new(const cjm_model *m, const cjm_settings *s, int runs, cjm_result **out,
                          cjm_error *err);

/* Fills totals row `run` from a tally of doubles, for the model the run used
 * (the base, or the run's instance) and its number of organic prospects
 * (accounts.c). */
cjm_status cjm_result_set_run(cjm_result *r, int run, const double *tally, const cjm_model *m,
                              int64_t customers, cjm_error *err);

/* The model of one run: an instance with the run's draws (free it). */
cjm_status cjm_result_instance(const cjm_result *r, int run, cjm_model **out, cjm_error *err);

/* Organic prospects in a run of model m (a base model or an instance): the
 * cohort (or --customers) and the arrivals. */
int64_t cjm_result_customers(const cjm_result *r, const cjm_model *m);

/* entering[t], t < horizon: organic prospects entering at step t. */
void cjm_result_arrivals(const cjm_result *r, const cjm_model *m, double *entering);

/* One exact run: values without sampling spread (standard error 0). */
static inline bool cjm_result_is_point(const cjm_result *r)
{
    return r->exact && r->runs == 1 && r->input_count == 0;
}

static inline double *cjm_result_row(const cjm_result *r, int run)
{
    return r->totals + (size_t)run * (size_t)r->width;
}

/* cjm_run without the engines: the settings checked and resolved, the
 * result allocated (rows 0), the uncertain inputs drawn. */
cjm_status cjm_run_prepare(const cjm_model *m, const cjm_settings *in, cjm_result **out,
                           cjm_error *err);

/* The engines. */
cjm_status cjm_engine_agent(const cjm_model *m, cjm_result *r, cjm_error *err);
cjm_status cjm_engine_exact(const cjm_model *m, cjm_result *r, cjm_error *err);
cjm_status cjm_engine_cohort(const cjm_model *m, cjm_result *r, cjm_error *err);

/* True when the agent engine simulates r's model (without uncertain inputs)
 * with its vectorised kernel (agent_lanes.h) on this machine. */
bool cjm_engine_agent_vectorised(const cjm_result *r);

#endif
