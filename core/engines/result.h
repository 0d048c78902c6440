/* result.h: what an engine produces. Both engines fill the same "tally" (the
 * counts that every metric is computed from) for each run; the result turns
 * tallies into per-run totals, which stats.c summarises across runs. */
#ifndef CJM_RESULT_H
#define CJM_RESULT_H

#include "cjm.h"
#include "model.h"

#include <stdbool.h>

/* When an amount is paid relative to the customer's conversion time tau:
 * before it (or never converted), at tau, or after. Acquisition cost is
 * PRE + AT; a customer's lifetime revenue is AT + POST. */
enum { CJM_PRE, CJM_AT, CJM_POST, CJM_PHASES };

/* Where a customer came from: the cohort and its arrivals, or a referral. */
enum { CJM_ORGANIC, CJM_REFERRED, CJM_SOURCES };

/* Offsets into a tally (an array of counts, integers in the agent engine and
 * expected values in the exact engine), for a model with S stages and horizon H. */
typedef struct cjm_tally_layout {
    int converted;
    int retained;      /* converted and not in a final stage at the horizon */
    int referred;      /* prospects who came by referral */
    int converted_src; /* [source] */
    int entries;       /* [source][phase][stage] */
    int steps;         /* [source][phase][stage] */
    int refconv;       /* [stage]: converted referred prospects, by their referrer's stage */
    int reached;       /* [stage]: customers who ever entered it */
    int ret_num;       /* [k], k = 0..H: converted, tau + k <= H, alive at tau + k */
    int ret_den;       /* [k]: converted, tau + k <= H */
    int arr_prospects; /* [t], t < H: organic prospects arriving at step t */
    int arr_converted; /* [t]: of those, converted by the horizon */
    int width;
} cjm_tally_layout;

cjm_tally_layout cjm_tally_layout_make(int stage_count, int horizon);

/* Per-run totals: one row per run. */
enum {
    CJM_T_PROSPECTS,
    CJM_T_CONVERTED,
    CJM_T_RETAINED,
    CJM_T_REVENUE,
    CJM_T_COST,
    CJM_T_ACQ_COST,
    CJM_T_CONV_REVENUE,
    CJM_T_REFERRED,
    CJM_T_CONVERTED_REFERRED,
    CJM_T_ACQ_COST_ORGANIC,
    CJM_T_ACQ_COST_REFERRED,
    CJM_T_FIXED /* then reached[S], ret_num[H+1], ret_den[H+1], arr_prospects[H], arr_converted[H]
                 */
};

struct cjm_result {
    const cjm_model *model; /* borrowed: must outlive the result */
    cjm_settings settings;  /* as run: customers, horizon and threads resolved */
    bool exact;
    int runs, stage_count, horizon;
    int width;            /* of a row of totals */
    double *totals;       /* [runs][width] */
    bool customers_given; /* --customers: every run has that many; else the scenario's */
    int input_count;      /* the model's uncertain inputs */
    double *inputs;       /* [runs][input_count]: each run's draws */
};

/* Allocates a result for runs rows. */
cjm_status cjm_result_new(const cjm_model *m, const cjm_settings *s, int runs, cjm_result **out,
                          cjm_error *err);

/* Fills totals row `run` from a tally of doubles, for the model the run used
 * (the base, or the run's instance) and its number of customers. */
void cjm_result_set_run(cjm_result *r, int run, const double *tally, const cjm_model *m,
                        int64_t customers);

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

/* The engines. */
cjm_status cjm_engine_agent(const cjm_model *m, cjm_result *r, cjm_error *err);
cjm_status cjm_engine_exact(const cjm_model *m, cjm_result *r, cjm_error *err);
cjm_status cjm_engine_cohort(const cjm_model *m, cjm_result *r, cjm_error *err);

/* True when the agent engine simulates r's model (without uncertain inputs)
 * with its vectorised kernel (agent_lanes.h) on this machine. */
bool cjm_engine_agent_vectorised(const cjm_result *r);

#endif
