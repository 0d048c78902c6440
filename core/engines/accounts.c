/* accounts.c: a run's tally into its row of totals: the counts, every money
 * line of the breakdown, the cash flow by step, the discounted figures.
 *
 * Which amount goes where (docs/scenario.md, section 10.3):
 * - revenue: stage revenue (on entry, per step);
 * - cogs: stage cogs (on entry, per step): in cost and profit, never in CAC;
 * - acquisition cost (CAC's numerator): the ad spend, the costs of fixes
 *   before conversion, fixed costs with role "acquisition", stage costs (not
 *   cogs) paid up to and including the conversion step, referral rewards;
 * - every other cost is retention cost.
 * When each is paid (the cash flow): stage amounts at the entry or the step;
 * the ad spend and a fix's cost per prospect when the prospect arrives; a
 * fix's one-off cost at its launch step (fix.from, at most H); a fixed cost's
 * `once` at its `at` (if at <= H) and `per_step` at each step from <= t <
 * min(to, H); a referral reward when the referred prospect converts.
 *
 * The totals are the sums of the breakdown's lines and the cash flow's sums
 * are the same amounts by step: they agree up to the rounding of sums taken
 * in a different order. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

typedef struct accounts {
    const cjm_result *r;
    const cjm_model *m;
    cjm_tally_layout l;
    const double *tally;
    double *row;
    int H;
    double customers;   /* organic prospects */
    double *entering;   /* [H]: organic prospects arriving at t */
    double *conv_rev_t; /* [H + 1]: revenue of converted customers paid at t */
} accounts;

/* The segment whose amounts money segment gm counts. */
static int segment_of(const accounts *a, int gm)
{
    return a->l.GM > 1 ? gm : 0;
}

static void copy_counts(accounts *a)
{
    const cjm_tally_layout *l = &a->l;
    const cjm_row_layout *w = &a->r->row;
    const double *t = a->tally;
    double *row = a->row;
    int S = a->m->stage_count, H = a->H;
    row[CJM_T_PROSPECTS] = a->customers + t[l->referred];
    row[CJM_T_CONVERTED] = t[l->converted];
    row[CJM_T_RETAINED] = t[l->retained];
    row[CJM_T_REFERRED] = t[l->referred];
    row[CJM_T_CONVERTED_REFERRED] = t[l->converted_src + CJM_REFERRED];
    memcpy(row + w->reached, t + l->reached, (size_t)S * sizeof *row);
    memcpy(row + w->ret_num, t + l->ret_num, (size_t)(H + 1) * sizeof *row);
    memcpy(row + w->ret_den, t + l->ret_den, (size_t)(H + 1) * sizeof *row);
    memcpy(row + w->arr_prospects, t + l->arr_prospects, (size_t)H * sizeof *row);
    memcpy(row + w->arr_conv, t + l->arr_converted, (size_t)H * sizeof *row);
}

/* Adds amount x to the money of kind `kind` paid at step t. */
static void pay(accounts *a, int kind, int t, double x)
{
    const cjm_row_layout *w = &a->r->row;
    if (kind == CJM_REVENUE)
        a->row[w->revenue_t + t] += x;
    else
        a->row[w->cost_t + t] += x;
    if (kind == CJM_COGS) a->row[w->cogs_t + t] += x;
}

/* The multiplier of amount j at basket level b: a tier's basket benefit
 * scales what a purchase earns and its cogs, not a per-purchase cost. */
static double level_multiplier(const accounts *a, int j, int b)
{
    if (b == 0 || j / CJM_MONEY_KINDS != CJM_PER_PURCHASE || j % CJM_MONEY_KINDS == CJM_COST)
        return 1;
    return a->m->loyalty.tiers[b - 1].benefit[CJM_BENEFIT_BASKET];
}

/* Counts of stage s for source src, phase ph, money segment gm and level b
 * (levels are purchases' only). */
static double stage_count(const accounts *a, int when, int b, int src, int ph, int gm, int s)
{
    const cjm_tally_layout *l = &a->l;
    if (when == CJM_PER_PURCHASE)
        return a->tally[l->purchases + cjm_tally_purchase(l, b, src, ph, gm, s)];
    int base = when == CJM_ON_ENTRY ? l->entries : l->steps;
    return a->tally[base + cjm_tally_cell(l, src, ph, gm, s)];
}

static double stage_count_t(const accounts *a, int when, int b, int cls, int gm, int k, int t)
{
    const cjm_tally_layout *l = &a->l;
    if (when == CJM_PER_PURCHASE)
        return a->tally[l->purchases_t + cjm_tally_purchase_t(l, b, cls, gm, k, t)];
    int base = when == CJM_ON_ENTRY ? l->entries_t : l->steps_t;
    return a->tally[base + cjm_tally_t(l, cls, gm, k, t)];
}

/* Stage s's amount j: its line, its part in CAC and LTV, and by step. */
static double stage_line(accounts *a, int s, int j)
{
    const cjm_tally_layout *l = &a->l;
    int when = j / CJM_MONEY_KINDS, what = j % CJM_MONEY_KINDS, k = a->m->money_stage[s];
    int levels = when == CJM_PER_PURCHASE ? l->B : 1;
    double total = 0;
    if (when == CJM_PER_PURCHASE && !a->m->has_purchases) return 0; /* nobody buys */
    for (int gm = 0; gm < l->GM; gm++)
        for (int b = 0; b < levels; b++) {
            double x = cjm_stage_amount(a->m, s, segment_of(a, gm), j) * level_multiplier(a, j, b);
            for (int src = 0; src < CJM_SOURCES; src++)
                for (int ph = 0; ph < CJM_PHASES; ph++) {
                    double v = stage_count(a, when, b, src, ph, gm, s) * x;
                    total += v;
                    if (ph != CJM_POST && what == CJM_COST)
                        a->row[src == CJM_ORGANIC ? CJM_T_ACQ_COST_ORGANIC
                                                  : CJM_T_ACQ_COST_REFERRED] += v;
                    if (ph != CJM_PRE && what == CJM_REVENUE) a->row[CJM_T_CONV_REVENUE] += v;
                    if (src == CJM_REFERRED && what == CJM_REVENUE) {
                        a->row[CJM_T_REVENUE_REFERRED] += v;
                        if (ph != CJM_PRE) a->row[CJM_T_CONV_REVENUE_REFERRED] += v;
                    }
                    if (ph != CJM_PRE && what == CJM_COGS) a->row[CJM_T_CONV_COGS] += v;
                }
            for (int cls = 0; k >= 0 && cls < 2; cls++)
                for (int t = 0; t <= a->H; t++) {
                    double v = stage_count_t(a, when, b, cls, gm, k, t) * x;
                    if (v == 0) continue;
                    pay(a, what, t, v);
                    if (cls && what == CJM_REVENUE) a->conv_rev_t[t] += v;
                }
        }
    return total;
}

static int clamp_step(int t, int H)
{
    return t < 0 ? 0 : t > H ? H : t;
}

/* The ad spend, or a fix's cost per prospect: paid as prospects arrive. */
static double per_prospect(accounts *a, double x)
{
    for (int t = 0; t < a->H; t++)
        if (a->entering[t] != 0) pay(a, CJM_COST, t, x * a->entering[t]);
    return x * a->customers;
}

static double fix_line(accounts *a, int b, bool *acquisition)
{
    const cjm_barrier *br = &a->m->barriers[b];
    *acquisition = br->acquisition;
    pay(a, CJM_COST, clamp_step(br->fix_from, a->H), br->fix_cost);
    return br->fix_cost + per_prospect(a, br->fix_cost_per_customer);
}

static double fixed_line(accounts *a, int k, bool *acquisition)
{
    const cjm_fixed_cost *fc = &a->m->fixed_costs[k];
    double total = 0;
    *acquisition = fc->acquisition;
    if (fc->at <= a->H) {
        pay(a, CJM_COST, fc->at, fc->once);
        total += fc->once;
    }
    for (int t = fc->from; t < fc->to && t < a->H; t++) {
        pay(a, CJM_COST, t, fc->per_step);
        total += fc->per_step;
    }
    return total;
}

static double reward_line(accounts *a, int s)
{
    double x = a->m->stages[s].referral_cost;
    for (int t = 0; t <= a->H; t++) {
        double n = a->tally[a->l.refconv_t + s * (a->H + 1) + t];
        if (n != 0) pay(a, CJM_COST, t, n * x);
    }
    return a->tally[a->l.refconv + s] * x;
}

/* The program's costs: joining, membership, each reward's redemptions. */
static double loyalty_line(accounts *a, int index)
{
    const cjm_tally_layout *l = &a->l;
    const cjm_loyalty *y = &a->m->loyalty;
    int H = a->H;
    double x = index == 0   ? y->join_cost
               : index == 1 ? y->member_cost_per_step
                            : y->rewards[index - 2].cost;
    int count = index == 0 ? l->joined : index == 1 ? l->member_steps : l->redemptions + index - 2;
    int by_t = index == 0   ? l->joins_t
               : index == 1 ? l->member_t
                            : l->redemptions_t + (index - 2) * (H + 1);
    for (int t = 0; t <= H; t++)
        if (a->tally[by_t + t] != 0) pay(a, CJM_COST, t, a->tally[by_t + t] * x);
    double v = a->tally[count] * x;
    a->row[a->r->row.loyalty + (index == 0   ? CJM_L_JOIN_COST
                                : index == 1 ? CJM_L_MEMBER_COST
                                             : CJM_L_REWARD_COST)] += v;
    return v;
}

/* One line's total for the run, booked into the cash flow and the CAC. */
static double line_value(accounts *a, const cjm_line *ln)
{
    bool acq = false;
    double v = 0;
    switch (ln->group) {
    case CJM_LINE_ADS:
        acq = true;
        v = per_prospect(a, a->m->cost_per_prospect);
        break;
    case CJM_LINE_STAGE:
        return stage_line(a, ln->index, ln->amount); /* books its own CAC part */
    case CJM_LINE_FIX:
        v = fix_line(a, ln->index, &acq);
        break;
    case CJM_LINE_FIXED:
        v = fixed_line(a, ln->index, &acq);
        break;
    case CJM_LINE_REWARD:
        v = reward_line(a, ln->index);
        a->row[CJM_T_ACQ_COST_REFERRED] += v;
        return v;
    case CJM_LINE_LOYALTY: /* members have converted: retention cost */
        return loyalty_line(a, ln->index);
    }
    if (acq) a->row[CJM_T_ACQ_COST_ORGANIC] += v;
    return v;
}

/* Purchases made, and the program's counts: members, points, and each class
 * of converted customers' money at and after conversion. */
static void copy_loyalty(accounts *a)
{
    const cjm_tally_layout *l = &a->l;
    const cjm_row_layout *w = &a->r->row;
    const double *t = a->tally;
    double *row = a->row;
    int H = a->H;
    for (int i = 0; a->m->has_purchases && i < l->B * CJM_SOURCES * CJM_PHASES * l->GM * l->S; i++)
        row[CJM_T_PURCHASES] += t[l->purchases + i];
    if (!a->m->loyalty.present) return;
    const int from[] = {l->joined, l->active, l->issued, l->redeemed, l->expired, l->outstanding};
    for (int i = 0; i < 6; i++) row[w->loyalty + i] = t[from[i]];
    memcpy(row + w->members_t, t + l->members_t, (size_t)(H + 1) * sizeof *row);
    memcpy(row + w->tier_t, t + l->tier_t, (size_t)l->T * (H + 1) * sizeof *row);
    for (int c = 0; c < l->C; c++) {
        double *cls = row + w->classes + c * CJM_LC_FIELDS;
        cls[CJM_LC_CUSTOMERS] = t[l->class_n + c];
        cls[CJM_LC_RETAINED] = t[l->class_retained + c];
        for (int s = 0; s < l->S; s++) {
            int k = a->m->money_stage[s];
            for (int gm = 0; k >= 0 && gm < l->GM; gm++)
                for (int kind = 0; kind < 2 + l->B; kind++) {
                    int when = kind < 2 ? kind : CJM_PER_PURCHASE, b = kind < 2 ? 0 : kind - 2;
                    int g = segment_of(a, gm), jr = CJM_AMOUNT(when, CJM_REVENUE);
                    int jc = CJM_AMOUNT(when, CJM_COGS);
                    double n = t[l->class_counts + cjm_tally_class(l, c, gm, kind, k)];
                    cls[CJM_LC_REVENUE] +=
                        n * cjm_stage_amount(a->m, s, g, jr) * level_multiplier(a, jr, b);
                    cls[CJM_LC_COGS] +=
                        n * cjm_stage_amount(a->m, s, g, jc) * level_multiplier(a, jc, b);
                    if (when == CJM_PER_PURCHASE) cls[CJM_LC_PURCHASES] += n;
                }
        }
    }
}

/* Discounted figures and whether the run paid back by the horizon. */
static void discount(accounts *a)
{
    const cjm_row_layout *w = &a->r->row;
    double *row = a->row, cumulative = 0;
    for (int t = 0; t <= a->H; t++) {
        double d = cjm_model_discount(a->m, t);
        double profit = row[w->revenue_t + t] - row[w->cost_t + t];
        row[w->dprofit_t + t] = profit * d;
        row[CJM_T_NPV] += profit * d;
        row[CJM_T_DISC_CONV_REVENUE] += a->conv_rev_t[t] * d;
        cumulative += profit;
        if (cumulative >= 0) row[CJM_T_PAID_BACK] = 1;
    }
}

cjm_status cjm_result_set_run(cjm_result *r, int run, const double *tally, const cjm_model *m,
                              int64_t customers, cjm_error *err)
{
    accounts a = {r,
                  m,
                  cjm_tally_layout_make(m, r->horizon),
                  tally,
                  cjm_result_row(r, run),
                  r->horizon,
                  (double)customers,
                  NULL,
                  NULL};
    memset(a.row, 0, (size_t)r->width * sizeof *a.row);
    a.entering = calloc((size_t)r->horizon + 1, sizeof *a.entering);
    a.conv_rev_t = calloc((size_t)r->horizon + 1, sizeof *a.conv_rev_t);
    if (!a.entering || !a.conv_rev_t) {
        free(a.entering);
        free(a.conv_rev_t);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for a run's accounts");
    }
    cjm_result_arrivals(r, m, a.entering);
    copy_counts(&a);
    copy_loyalty(&a);
    for (int e = 0; e < m->edge_count; e++) a.row[r->row.moves + e] = tally[a.l.moves + e];
    for (int i = 0; i < r->line_count; i++) {
        const cjm_line *ln = &r->lines[i];
        double v = line_value(&a, ln);
        a.row[r->row.lines + i] = v;
        if (ln->kind == CJM_REVENUE)
            a.row[CJM_T_REVENUE] += v;
        else
            a.row[CJM_T_COST] += v;
        if (ln->kind == CJM_COGS) a.row[CJM_T_COGS] += v;
    }
    a.row[CJM_T_ACQ_COST] = a.row[CJM_T_ACQ_COST_ORGANIC] + a.row[CJM_T_ACQ_COST_REFERRED];
    discount(&a);
    free(a.entering);
    free(a.conv_rev_t);
    return CJM_OK;
}
