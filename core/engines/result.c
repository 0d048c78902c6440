/* result.c: the result object, the tally layout, and turning an engine's
 * tally of a run into that run's row of totals. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

cjm_tally_layout cjm_tally_layout_make(int S, int H)
{
    cjm_tally_layout l;
    l.converted = 0;
    l.retained = 1;
    l.referred = 2;
    l.converted_src = 3;
    l.entries = l.converted_src + CJM_SOURCES;
    l.steps = l.entries + CJM_SOURCES * CJM_PHASES * S;
    l.refconv = l.steps + CJM_SOURCES * CJM_PHASES * S;
    l.reached = l.refconv + S;
    l.ret_num = l.reached + S;
    l.ret_den = l.ret_num + H + 1;
    l.arr_prospects = l.ret_den + H + 1;
    l.arr_converted = l.arr_prospects + H;
    l.width = l.arr_converted + H;
    return l;
}

cjm_status cjm_result_new(const cjm_model *m, const cjm_settings *s, int runs, cjm_result **out,
                          cjm_error *err)
{
    cjm_result *r = calloc(1, sizeof *r);
    if (!r) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    r->model = m;
    r->settings = *s;
    r->runs = runs;
    r->stage_count = m->stage_count;
    r->horizon = s->horizon;
    r->width = CJM_T_FIXED + m->stage_count + 2 * (s->horizon + 1) + 2 * s->horizon;
    r->totals = calloc((size_t)runs * (size_t)r->width, sizeof *r->totals);
    if (!r->totals) {
        free(r);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for %d runs", runs);
    }
    *out = r;
    return CJM_OK;
}

cjm_status cjm_result_instance(const cjm_result *r, int run, cjm_model **out, cjm_error *err)
{
    return cjm_model_instance(r->model, r->inputs + (size_t)run * r->input_count, out, err);
}

static int64_t cohort_at_zero(const cjm_result *r, const cjm_model *m)
{
    return r->customers_given ? r->settings.customers : m->cohort_size;
}

int64_t cjm_result_customers(const cjm_result *r, const cjm_model *m)
{
    int64_t total = cohort_at_zero(r, m);
    for (int t = 0; t < r->horizon; t++) total += (int64_t)m->arrivals[t];
    return total;
}

void cjm_result_arrivals(const cjm_result *r, const cjm_model *m, double *entering)
{
    for (int t = 0; t < r->horizon; t++) entering[t] = m->arrivals[t];
    entering[0] += (double)cohort_at_zero(r, m);
}

void cjm_result_free(cjm_result **rp)
{
    if (!rp || !*rp) return;
    free((*rp)->inputs);
    free((*rp)->totals);
    free(*rp);
    *rp = NULL;
}

/* Money of the stage amounts of one source in one phase, from entry and step counts. */
static double stage_money(const cjm_model *m, const cjm_tally_layout *l, const double *tally,
                          int src, int phase, int revenue)
{
    double sum = 0;
    int base = (src * CJM_PHASES + phase) * m->stage_count;
    for (int s = 0; s < m->stage_count; s++) {
        const cjm_stage *st = &m->stages[s];
        double entries = tally[l->entries + base + s];
        double steps = tally[l->steps + base + s];
        sum += revenue ? entries * st->revenue + steps * st->revenue_per_step
                       : entries * st->cost + steps * st->cost_per_step;
    }
    return sum;
}

void cjm_result_set_run(cjm_result *r, int run, const double *tally, const cjm_model *m,
                        int64_t customers)
{
    cjm_tally_layout l = cjm_tally_layout_make(m->stage_count, r->horizon);
    double *row = cjm_result_row(r, run);
    double n = (double)customers; /* organic prospects: the ad spend is theirs */
    double cost[CJM_SOURCES][CJM_PHASES], revenue[CJM_SOURCES][CJM_PHASES], rewards = 0;
    double all_cost = 0, all_revenue = 0, conv_revenue = 0;
    for (int src = 0; src < CJM_SOURCES; src++)
        for (int p = 0; p < CJM_PHASES; p++) {
            all_cost += cost[src][p] = stage_money(m, &l, tally, src, p, 0);
            all_revenue += revenue[src][p] = stage_money(m, &l, tally, src, p, 1);
            if (p != CJM_PRE) conv_revenue += revenue[src][p];
        }
    for (int s = 0; s < m->stage_count; s++)
        rewards += tally[l.refconv + s] * m->stages[s].referral_cost;
    double ad = m->cost_per_prospect * n;
    double fix_acq = m->fix_once_acq + m->fix_per_prospect_acq * n;
    double fix_ret = m->fix_once_ret + m->fix_per_prospect_ret * n;
    row[CJM_T_PROSPECTS] = n + tally[l.referred];
    row[CJM_T_CONVERTED] = tally[l.converted];
    row[CJM_T_RETAINED] = tally[l.retained];
    row[CJM_T_REVENUE] = all_revenue;
    row[CJM_T_COST] = ad + fix_acq + fix_ret + all_cost + rewards;
    row[CJM_T_ACQ_COST_ORGANIC] =
        ad + fix_acq + cost[CJM_ORGANIC][CJM_PRE] + cost[CJM_ORGANIC][CJM_AT];
    row[CJM_T_ACQ_COST_REFERRED] =
        rewards + cost[CJM_REFERRED][CJM_PRE] + cost[CJM_REFERRED][CJM_AT];
    row[CJM_T_ACQ_COST] = row[CJM_T_ACQ_COST_ORGANIC] + row[CJM_T_ACQ_COST_REFERRED];
    row[CJM_T_CONV_REVENUE] = conv_revenue;
    row[CJM_T_REFERRED] = tally[l.referred];
    row[CJM_T_CONVERTED_REFERRED] = tally[l.converted_src + CJM_REFERRED];
    memcpy(row + CJM_T_FIXED, tally + l.reached,
           (size_t)(m->stage_count + 2 * (r->horizon + 1)) * sizeof *row);
    memcpy(row + CJM_T_FIXED + m->stage_count + 2 * (r->horizon + 1), tally + l.arr_prospects,
           (size_t)(2 * r->horizon) * sizeof *row);
}
