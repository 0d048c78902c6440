/* result.c: the result object, the layouts of a tally and of a row of
 * totals, and the lines of the breakdown. */
#include "result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cjm_tally_layout cjm_tally_layout_make(const cjm_model *m, int H)
{
    cjm_tally_layout l;
    int S = m->stage_count;
    l.S = S;
    l.H = H;
    l.GM = m->money_by_segment ? m->segment_count : 1;
    l.K = m->money_stage_count;
    l.converted = 0;
    l.retained = 1;
    l.referred = 2;
    l.converted_src = 3;
    l.entries = l.converted_src + CJM_SOURCES;
    l.steps = l.entries + CJM_SOURCES * CJM_PHASES * l.GM * S;
    l.refconv = l.steps + CJM_SOURCES * CJM_PHASES * l.GM * S;
    l.reached = l.refconv + S;
    l.ret_num = l.reached + S;
    l.ret_den = l.ret_num + H + 1;
    l.arr_prospects = l.ret_den + H + 1;
    l.arr_converted = l.arr_prospects + H;
    l.entries_t = l.arr_converted + H;
    l.steps_t = l.entries_t + 2 * l.GM * l.K * (H + 1);
    l.refconv_t = l.steps_t + 2 * l.GM * l.K * (H + 1);
    const cjm_loyalty *y = &m->loyalty;
    l.B = y->present ? y->tier_count + 1 : 1;
    l.purchases = l.refconv_t + (m->has_referrals ? S * (H + 1) : 0);
    int P = m->has_purchases ? l.B : 0;
    l.purchases_t = l.purchases + P * CJM_SOURCES * CJM_PHASES * l.GM * S;
    int end = l.purchases_t + P * 2 * l.GM * l.K * (H + 1);
    l.T = y->present ? y->tier_count : 0;
    l.R = y->present ? y->reward_count : 0;
    l.C = y->present ? l.T + 1 : 0;
    l.joined = end;
    l.active = l.joined + 1;
    l.issued = l.active + 1;
    l.redeemed = l.issued + 1;
    l.expired = l.redeemed + 1;
    l.outstanding = l.expired + 1;
    l.member_steps = l.outstanding + 1;
    l.members_t = l.member_steps + 1;
    l.tier_t = l.members_t + (H + 1);
    l.joins_t = l.tier_t + l.T * (H + 1);
    l.member_t = l.joins_t + (H + 1);
    l.redemptions = l.member_t + (H + 1);
    l.redemptions_t = l.redemptions + l.R;
    l.class_n = l.redemptions_t + l.R * (H + 1);
    l.class_retained = l.class_n + l.C;
    l.class_counts = l.class_retained + l.C;
    int loyalty = l.class_counts + l.C * l.GM * (2 + l.B) * l.K - end;
    l.moves = end + (y->present ? loyalty : 0);
    l.width = l.moves + m->edge_count;
    return l;
}

static cjm_row_layout row_layout(const cjm_model *m, int H, int lines)
{
    int S = m->stage_count, T = m->loyalty.present ? m->loyalty.tier_count : 0;
    cjm_row_layout w;
    w.reached = CJM_T_SCALARS;
    w.ret_num = w.reached + S;
    w.ret_den = w.ret_num + H + 1;
    w.arr_prospects = w.ret_den + H + 1;
    w.arr_conv = w.arr_prospects + H;
    w.revenue_t = w.arr_conv + H;
    w.cogs_t = w.revenue_t + H + 1;
    w.cost_t = w.cogs_t + H + 1;
    w.dprofit_t = w.cost_t + H + 1;
    w.lines = w.dprofit_t + H + 1;
    w.loyalty = w.lines + lines;
    w.members_t = w.loyalty + (T ? CJM_L_SCALARS : 0);
    w.tier_t = w.members_t + (T ? H + 1 : 0);
    w.classes = w.tier_t + T * (H + 1);
    w.moves = w.classes + (T ? (T + 1) * CJM_LC_FIELDS : 0);
    w.width = w.moves + m->edge_count;
    return w;
}

/* Is amount j of stage s in the accounts: nonzero for a segment, or an
 * uncertain input (nonzero in some run)? */
static bool amount_counts(const cjm_model *m, int s, int j)
{
    for (int g = 0; g < m->segment_count; g++)
        if (cjm_stage_amount(m, s, g, j) != 0) return true;
    for (int i = 0; i < m->input_count; i++)
        for (int k = 0; m->inputs[i].uncertain && k < m->inputs[i].slot_count; k++) {
            const cjm_slot *sl = &m->inputs[i].slots[k];
            if (sl->kind == CJM_SLOT_STAGE && sl->a == s && sl->b == j) return true;
        }
    for (int i = 0; i < m->derived_input_count; i++) /* follow uncertain parents */
        for (int k = 0; k < m->derived_inputs[i].slot_count; k++) {
            const cjm_slot *sl = &m->derived_inputs[i].slots[k];
            if (sl->kind == CJM_SLOT_STAGE && sl->a == s && sl->b == j) return true;
        }
    return false;
}

static void add_line(cjm_line *lines, int *n, cjm_line_group group, int index, int amount, int kind,
                     const char *path)
{
    cjm_line *l = lines ? &lines[*n] : NULL;
    (*n)++;
    if (!l) return;
    l->group = group;
    l->index = index;
    l->amount = amount;
    l->kind = kind;
    snprintf(l->path, sizeof l->path, "%s", path);
}

/* The breakdown's lines, in a fixed order: the ad spend, each stage's
 * amounts, the applied fixes, the fixed costs, the referral rewards. With
 * lines NULL, only counts them. */
static int list_lines(const cjm_model *m, cjm_line *lines)
{
    int n = 0;
    char path[256];
    add_line(lines, &n, CJM_LINE_ADS, 0, 0, CJM_COST,
             m->arrivals_budget ? "acquisition.cost_per_prospect" : "cohort.cost_per_prospect");
    for (int s = 0; s < m->stage_count; s++)
        for (int j = 0; j < CJM_AMOUNTS; j++) {
            if (!amount_counts(m, s, j)) continue;
            snprintf(path, sizeof path, "stages.%s.%s", m->stages[s].name, cjm_amount_key(j));
            add_line(lines, &n, CJM_LINE_STAGE, s, j, j % CJM_MONEY_KINDS, path);
        }
    for (int b = 0; b < m->barrier_count; b++) {
        if (!m->barriers[b].fixed) continue;
        snprintf(path, sizeof path, "barriers.%s.fix", m->barriers[b].name);
        add_line(lines, &n, CJM_LINE_FIX, b, 0, CJM_COST, path);
    }
    for (int k = 0; k < m->fixed_cost_count; k++)
        if (cjm_fixed_cost_active(m, k))
            add_line(lines, &n, CJM_LINE_FIXED, k, 0, CJM_COST, m->fixed_costs[k].path);
    for (int s = 0; s < m->stage_count; s++) {
        if (m->stages[s].refers <= 0) continue;
        snprintf(path, sizeof path, "stages.%s.referral_cost", m->stages[s].name);
        add_line(lines, &n, CJM_LINE_REWARD, s, 0, CJM_COST, path);
    }
    if (!m->loyalty.present) return n;
    add_line(lines, &n, CJM_LINE_LOYALTY, 0, 0, CJM_COST, "loyalty.join_cost");
    add_line(lines, &n, CJM_LINE_LOYALTY, 1, 0, CJM_COST, "loyalty.member_cost_per_step");
    for (int r = 0; r < m->loyalty.reward_count; r++) {
        snprintf(path, sizeof path, "loyalty.rewards[%d]", r + 1);
        add_line(lines, &n, CJM_LINE_LOYALTY, 2 + r, 0, CJM_COST, path);
    }
    return n;
}

cjm_status cjm_result_new(const cjm_model *m, const cjm_settings *s, int runs, cjm_result **out,
                          cjm_error *err)
{
    cjm_result *r = calloc(1, sizeof *r);
    if (!r) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    r->model = m;
    r->settings = *s;
    r->runs = runs;
    r->run_from = 0, r->run_to = runs;
    r->stage_count = m->stage_count;
    r->horizon = s->horizon;
    r->line_count = list_lines(m, NULL);
    r->lines = calloc((size_t)r->line_count, sizeof *r->lines);
    r->row = row_layout(m, s->horizon, r->line_count);
    r->width = r->row.width;
    r->totals = calloc((size_t)runs * (size_t)r->width, sizeof *r->totals);
    if (!r->totals || !r->lines) {
        cjm_result_free(&r);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for %d runs", runs);
    }
    list_lines(m, r->lines);
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
    free((*rp)->lines);
    free(*rp);
    *rp = NULL;
}
