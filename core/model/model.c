/* model.c: the compiled model's lifecycle, its probability tables once the
 * Lua layer has filled them, instances with one run's draws, and the inputs
 * that analyses move. Plain C data: nothing here knows of Lua. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cjm_model_stage_index(const cjm_model *m, const char *name)
{
    for (int s = 0; s < m->stage_count; s++)
        if (m->stages[s].name && strcmp(m->stages[s].name, name) == 0) return s;
    return -1;
}

int cjm_model_segment_index(const cjm_model *m, const char *name)
{
    for (int g = 0; g < m->segment_count; g++)
        if (m->segment_names[g] && strcmp(m->segment_names[g], name) == 0) return g;
    return -1;
}

cjm_status cjm_model_refuse_per_customer(const cjm_model *m, const char *what, cjm_error *err)
{
    const cjm_per_customer *pc = &m->per_customer[0];
    return cjm_error_set(err, CJM_EUSAGE,
                         "%s:%d: %s: %s per-customer probabilities (cjm.per_customer); use "
                         "--engine agent",
                         m->file, pc->line, pc->path, what);
}

int cjm_model_barrier_index(const cjm_model *m, const char *name)
{
    for (int b = 0; b < m->barrier_count; b++)
        if (m->barriers[b].name && strcmp(m->barriers[b].name, name) == 0) return b;
    return -1;
}

/* While it stands the barrier multiplies by effect; a fix removes the share
 * `efficacy` of what the barrier takes away, from its launch step on. */
double cjm_barrier_multiplier(const cjm_barrier *b, int t, int g)
{
    if (t < b->from || t >= b->to || !b->segments[g]) return 1;
    if (b->fixed && t >= b->fix_from) return b->effect + (1 - b->effect) * b->efficacy;
    return b->effect;
}

static void free_edge(cjm_edge *e)
{
    free(e->pc);
    free(e->share);
    free(e->path);
    free(e->kind);
    free(e->value);
}

static void free_inputs(cjm_model *m)
{
    for (int i = 0; i < m->input_count; i++) {
        free(m->inputs[i].path);
        free(m->inputs[i].name);
        free(m->inputs[i].slots);
        cjm_dist_free(&m->inputs[i].dist);
    }
    for (int g = 0; g < m->group_count; g++) {
        free(m->groups[g].inputs);
        free(m->groups[g].matrix);
    }
    free(m->inputs);
    free(m->uncertain);
    for (int k = 0; k < m->derived_input_count; k++) {
        free(m->derived_inputs[k].path);
        free(m->derived_inputs[k].text);
        free(m->derived_inputs[k].ops);
        free(m->derived_inputs[k].slots);
    }
    free(m->derived_inputs);
    free(m->groups);
}

static void free_barriers(cjm_model *m)
{
    for (int b = 0; b < m->barrier_count; b++) {
        free(m->barriers[b].name);
        free(m->barriers[b].edges);
        free(m->barriers[b].segments);
    }
}

/* What a base model owns beyond the arrays an instance copies. */
static void free_base(cjm_model *m)
{
    for (int k = 0; k < m->fixed_cost_count; k++) free(m->fixed_costs[k].path);
    free(m->money_stage);
    for (int s = 0; s < m->stage_count && m->stages; s++) free(m->stages[s].name);
    if (m->barriers) free_barriers(m);
    for (int g = 0; g < m->segment_count; g++) free(m->segment_names ? m->segment_names[g] : NULL);
    for (int e = 0; e < m->edge_count; e++) free_edge(&m->edges[e]);
    for (int v = 0; v < m->variant_count; v++) free(m->variant_names[v]);
    free_inputs(m);
    for (int k = 0; k < m->per_customer_count; k++) {
        cjm_dist_free(&m->per_customer[k].dist);
        free(m->per_customer[k].path);
    }
    for (int k = 0; k < m->dwell_count; k++) free(m->dwell[k]);
    for (int k = 0; k < m->loyalty_table_count; k++) free(m->loyalty_tables[k]);
    free(m->loyalty_tables);
    free(m->purchase_dwell);
    free(m->purchase_loyalty);
    cjm_loyalty_free(&m->loyalty);
    free(m->per_customer);
    free(m->dwell);
    free(m->arrivals_spec);
    free(m->variant_names);
    free(m->variant);
    free(m->segment_names);
    free(m->segment_share);
    free(m->edges);
    free(m->edge_start);
    free(m->name);
    free(m->step_name);
    free(m->file);
}

/* What a derived model owns beyond an instance's arrays. */
static void free_derived(cjm_model *m)
{
    for (int g = 0; g < m->group_count; g++) {
        free(m->groups[g].inputs);
        free(m->groups[g].matrix);
    }
    free(m->groups);
    free(m->inputs);
    free(m->uncertain);
    free(m->segment_share);
    free(m->money_stage);
}

void cjm_model_free(cjm_model **mp)
{
    if (!mp || !*mp) return;
    cjm_model *m = *mp;
    if (!m->base) free_base(m);
    if (m->derived) free_derived(m);
    free(m->arrivals);
    free(m->stages);
    free(m->money);
    free(m->rates);
    free(m->purchases);
    free(m->refers);
    free(m->loyalty.join);
    free(m->fixed_costs);
    free(m->barriers);
    free(m->raw);
    free(m->prob);
    free(m);
    *mp = NULL;
}

double cjm_model_dwell_prob(const cjm_model *m, int k, int t, int g, int d)
{
    return m->dwell[k][((size_t)t * m->segment_count + g) * m->prob_horizon + d];
}

/* The highest probability edge e can take at (t, g): a time-in-stage one at
 * its highest over dwell; a per-customer one at its 1 - 1e-9 quantile (a beta
 * reaches 1 only in a tail no customer meets; the agent engine scales the rare
 * customer whose probabilities pass 1 back to 1). */
static double edge_max(const cjm_model *m, int t, int g, int e)
{
    const cjm_edge *edge = &m->edges[e];
    double hi = 0;
    if (edge->kind[g] == CJM_PROB_PER_CUSTOMER)
        return cjm_dist_quantile(&m->per_customer[edge->pc[g]].dist, 1 - CJM_TAIL) *
               cjm_edge_share(edge, g);
    if (edge->loyalty_index >= 0) return cjm_model_edge_top(m, t, g, e, -1);
    if (edge->dwell_index < 0) return cjm_model_raw_prob(m, t, g, e);
    for (int d = 0; d <= t; d++) {
        double p = cjm_model_dwell_prob(m, edge->dwell_index, t, g, d);
        hi = p > hi ? p : hi;
    }
    return hi;
}

/* Sums the outgoing probabilities of every (step, segment, stage): above 1
 * there is no valid "stay" remainder. */
static cjm_status check_sums(const cjm_model *m, int horizon, const char *note, cjm_error *err)
{
    for (int t = 0; t < horizon; t++)
        for (int g = 0; g < m->segment_count; g++)
            for (int s = 0; s < m->stage_count; s++) {
                double sum = 0;
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                    sum += edge_max(m, t, g, e);
                if (sum > 1 + 1e-12) {
                    const cjm_edge *first = &m->edges[m->edge_start[s]];
                    int line = m->stages[s].out_line ? m->stages[s].out_line : first->line;
                    return cjm_error_set(err, CJM_ESCENARIO,
                                         "%s:%d: transitions.%s: the probabilities of leaving "
                                         "'%s' sum to %.12g (above 1) at step %d, segment %s%s",
                                         m->file, line, m->stages[s].name, m->stages[s].name, sum,
                                         t, m->segment_names[g], note);
                }
            }
    return CJM_OK;
}

/* The probability of edge e at (t, g) once the barriers before barrier
 * `upto` (in file order) have multiplied it. */
static double before_barrier(const cjm_model *m, int upto, int t, int g, int e)
{
    double p = cjm_model_raw_prob(m, t, g, e);
    for (int j = 0; j < upto; j++)
        for (int k = 0; k < m->barriers[j].edge_count; k++)
            if (m->barriers[j].edges[k] == e) p *= cjm_barrier_multiplier(&m->barriers[j], t, g);
    return p;
}

/* A redirecting barrier's blocked share, p x (1 - multiplier) with p the
 * probability the barriers before it leave, moves to its redirect edge. It
 * is added once every barrier has multiplied, so barriers on the redirect
 * edge do not hold it back; a stage's sum of probabilities is unchanged. */
static void apply_redirects(cjm_model *m)
{
    int G = m->segment_count, E = m->edge_count;
    for (int i = 0; i < m->barrier_count; i++) {
        const cjm_barrier *b = &m->barriers[i];
        for (int k = 0; b->redirect >= 0 && k < b->edge_count; k++)
            for (int t = 0; t < m->prob_horizon; t++)
                for (int g = 0; g < G; g++)
                    m->prob[((size_t)t * G + g) * E + b->redirect] +=
                        before_barrier(m, i, t, g, b->edges[k]) *
                        (1 - cjm_barrier_multiplier(b, t, g));
    }
}

static void apply_barriers(cjm_model *m)
{
    size_t cells = (size_t)m->prob_horizon * m->segment_count * m->edge_count;
    memcpy(m->prob, m->raw, cells * sizeof *m->prob);
    for (int i = 0; i < m->barrier_count; i++) {
        const cjm_barrier *b = &m->barriers[i];
        for (int k = 0; k < b->edge_count; k++)
            for (int t = 0; t < m->prob_horizon; t++)
                for (int g = 0; g < m->segment_count; g++)
                    m->prob[((size_t)t * m->segment_count + g) * m->edge_count + b->edges[k]] *=
                        cjm_barrier_multiplier(b, t, g);
    }
    apply_redirects(m);
}

static void sum_fix_costs(cjm_model *m)
{
    m->fix_once_acq = m->fix_once_ret = m->fix_per_prospect_acq = m->fix_per_prospect_ret = 0;
    for (int b = 0; b < m->barrier_count; b++) {
        const cjm_barrier *br = &m->barriers[b];
        if (!br->fixed) continue;
        *(br->acquisition ? &m->fix_once_acq : &m->fix_once_ret) += br->fix_cost;
        *(br->acquisition ? &m->fix_per_prospect_acq : &m->fix_per_prospect_ret) +=
            br->fix_cost_per_customer;
    }
}

void cjm_model_refresh(cjm_model *m)
{
    sum_fix_costs(m);
    apply_barriers(m);
}

static int has_prob_slot(const cjm_input *in)
{
    for (int k = 0; k < in->slot_count; k++)
        if (in->slots[k].kind == CJM_SLOT_PROB) return 1;
    return 0;
}

static cjm_status make_instance(const cjm_model *base, const double *x, int normalise,
                                const char *when, cjm_model **out, cjm_error *err);

/* Every run's draws must leave a valid remainder, so the check takes each
 * uncertain probability at the top of its range: a sum that could pass 1 in
 * some run is refused now, not in run 1734. */
static cjm_status check_uncertain_sums(const cjm_model *m, cjm_error *err)
{
    double *x = malloc((size_t)m->uncertain_count * sizeof *x);
    if (!x) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int u = 0; u < m->uncertain_count; u++) {
        const cjm_input *in = &m->inputs[m->uncertain[u]];
        /* a cjm.dirichlet row sums to its room in every run: its entries count at their
         * means */
        x[u] = in->dirichlet >= 0  ? in->room * in->dist.p[0] / (in->dist.p[0] + in->dist.p[1])
               : has_prob_slot(in) ? cjm_dist_quantile(&in->dist, 1 - CJM_TAIL)
                                   : in->value;
    }
    cjm_model *top;
    cjm_status st = make_instance(
        m, x, 0, "when the uncertain probabilities are at the top of their ranges", &top, err);
    if (st == CJM_OK)
        st = check_sums(top, m->prob_horizon,
                        " when the uncertain probabilities are at the top of their ranges", err);
    cjm_model_free(&top);
    free(x);
    return st;
}

cjm_status cjm_model_tables_new(cjm_model *m, int horizon, cjm_error *err)
{
    size_t cells =
        (size_t)horizon * (size_t)m->segment_count * (size_t)(m->edge_count ? m->edge_count : 1);
    double *raw = malloc(cells * sizeof *raw), *prob = malloc(cells * sizeof *prob);
    if (!raw || !prob) {
        free(raw);
        free(prob);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for %zu probabilities", cells);
    }
    free(m->raw);
    free(m->prob);
    m->raw = raw;
    m->prob = prob;
    m->prob_horizon = horizon;
    return CJM_OK;
}

/* Is edge e's probability the table prob alone for every customer (no time
 * in stage, loyalty context, tier benefit or per-customer draw)? */
static bool plain_edge(const cjm_model *m, int e)
{
    const cjm_edge *edge = &m->edges[e];
    if (edge->dwell_index >= 0 || edge->loyalty_index >= 0) return false;
    for (int g = 0; g < m->segment_count; g++)
        if (edge->kind[g] == CJM_PROB_PER_CUSTOMER) return false;
    for (int k = 0; k < m->loyalty.tier_count; k++)
        if (m->loyalty.tiers[k].on && m->loyalty.tiers[k].on[e] != 1) return false;
    return true;
}

/* A redirected share is moved in the table prob, so it needs plain edges. */
static cjm_status check_redirects(const cjm_model *m, cjm_error *err)
{
    for (int i = 0; i < m->barrier_count; i++) {
        const cjm_barrier *b = &m->barriers[i];
        bool plain = b->redirect < 0 || plain_edge(m, b->redirect);
        for (int k = 0; plain && b->redirect >= 0 && k < b->edge_count; k++)
            plain = plain_edge(m, b->edges[k]);
        if (!plain)
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s:%d: barriers.%s.redirect: a blocked share moves only between "
                                 "transitions whose probability is the same for every customer "
                                 "of a segment at a step (not one reading c.dwell or the loyalty "
                                 "context, a tier's benefit or cjm.per_customer)",
                                 m->file, b->redirect_line, b->name);
    }
    return CJM_OK;
}

cjm_status cjm_model_finish_tables(cjm_model *m, cjm_error *err)
{
    size_t cells = (size_t)m->prob_horizon * (size_t)m->segment_count *
                   (size_t)(m->edge_count ? m->edge_count : 1);
    memcpy(m->prob, m->raw, cells * sizeof *m->prob);
    /* the written, barrier-free probabilities */
    cjm_status st = check_sums(m, m->prob_horizon, "", err);
    if (st == CJM_OK) st = check_redirects(m, err);
    if (st == CJM_OK) st = cjm_loyalty_check(m, err);
    if (st == CJM_OK) cjm_model_refresh(m);
    if (st == CJM_OK && m->uncertain_count > 0) st = check_uncertain_sums(m, err);
    return st;
}

static int find_edge(const cjm_model *m, int from, int to)
{
    for (int e = m->edge_start[from]; e < m->edge_start[from + 1]; e++)
        if (m->edges[e].to == to) return e;
    return -1;
}

/* A probability as written; in a split row, its `leaves`, times the edge's share. */
static void set_prob(cjm_model *m, const cjm_slot *s, double v)
{
    int e = find_edge(m, s->a, s->b);
    if (e < 0) return;
    for (int g = 0; g < m->segment_count; g++) {
        if (s->c >= 0 && s->c != g) continue;
        double p = v * cjm_edge_share(&m->edges[e], g);
        for (int t = 0; t < m->prob_horizon; t++)
            m->raw[((size_t)t * m->segment_count + g) * m->edge_count + e] = p;
    }
}

/* A constant rate of purchases, for every step. */
static void set_purchases(cjm_model *m, const cjm_slot *s, double v)
{
    int G = m->segment_count, S = m->stage_count;
    for (int g = 0; g < G; g++) {
        if (s->c >= 0 && s->c != g) continue;
        m->rates[(size_t)s->a * G + g].value = v;
        for (int t = 0; t < m->prob_horizon; t++) m->purchases[((size_t)t * G + g) * S + s->a] = v;
    }
}

/* A constant rate of referrals, for every step. */
static void set_refers(cjm_model *m, const cjm_slot *s, double v)
{
    int G = m->segment_count, S = m->stage_count;
    for (int g = 0; g < G && m->refers; g++)
        for (int t = 0; t < m->prob_horizon && (s->c < 0 || s->c == g); t++)
            m->refers[((size_t)t * G + g) * S + s->a] = v;
}

static void set_loyalty(cjm_model *m, const cjm_slot *s, double v)
{
    cjm_loyalty *l = &m->loyalty;
    int G = m->segment_count, S = m->stage_count;
    if (s->b == 0) {
        for (int t = 0; t < m->prob_horizon; t++)
            for (int g = 0; g < G; g++)
                for (int st = 0; st < S; st++)
                    if ((s->c < 0 || s->c == g) && l->eligible[st])
                        l->join[((size_t)t * G + g) * S + st] = v;
        return;
    }
    double *fields[] = {NULL, &l->join_cost, &l->member_cost_per_step, &l->per_unit};
    if (s->b < 4)
        *fields[s->b] = v;
    else
        l->rewards[s->b - 4].cost = v;
}

static void set_slot(cjm_model *m, const cjm_slot *s, double v)
{
    switch (s->kind) {
    case CJM_SLOT_PROB:
        set_prob(m, s, v);
        break;
    case CJM_SLOT_SHARE:
        m->segment_share[s->a] = v;
        break;
    case CJM_SLOT_STAGE:
        for (int g = 0; g < m->segment_count; g++)
            if (s->c < 0 || s->c == g)
                m->money[((size_t)s->a * m->segment_count + g) * CJM_AMOUNTS + s->b] = v;
        break;
    case CJM_SLOT_FIXED_COST:
        *(s->b ? &m->fixed_costs[s->a].per_step : &m->fixed_costs[s->a].once) = v;
        break;
    case CJM_SLOT_DISCOUNT:
        m->discount_rate = v;
        break;
    case CJM_SLOT_PURCHASES:
        set_purchases(m, s, v);
        break;
    case CJM_SLOT_LOYALTY:
        set_loyalty(m, s, v);
        break;
    case CJM_SLOT_REFERS:
        set_refers(m, s, v);
        break;
    case CJM_SLOT_COST_PER_PROSPECT:
        m->cost_per_prospect = v;
        break;
    case CJM_SLOT_COHORT_SIZE:
        m->cohort_size = (int64_t)v;
        break;
    case CJM_SLOT_BARRIER: {
        cjm_barrier *b = &m->barriers[s->a];
        double *fields[] = {&b->effect, &b->fix_cost, &b->fix_cost_per_customer, &b->efficacy};
        *fields[s->b] = v;
        break;
    }
    }
}

void cjm_model_set_input(cjm_model *m, int i, double value)
{
    const cjm_input *in = &m->inputs[i];
    for (int k = 0; k < in->slot_count; k++) set_slot(m, &in->slots[k], value);
}

/* A stack machine over the program; the loader guarantees that it is well
 * formed (every operator has its operands, one value is left) and at most
 * CJM_DERIVED_OPS_MAX long. */
double cjm_derived_eval(const cjm_derived *d, const double *values)
{
    double stack[CJM_DERIVED_OPS_MAX + 1];
    int top = 0;
    for (int k = 0; k < d->op_count; k++) {
        const cjm_op *op = &d->ops[k];
        double b = top > 0 ? stack[top - 1] : 0, a = top > 1 ? stack[top - 2] : 0;
        switch (op->kind) {
        case CJM_OP_CONST:
            stack[top++] = op->value;
            continue;
        case CJM_OP_INPUT:
            stack[top++] = values[op->input];
            continue;
        case CJM_OP_NEG:
            stack[top - 1] = -b;
            continue;
        case CJM_OP_ADD:
            a = a + b;
            break;
        case CJM_OP_SUB:
            a = a - b;
            break;
        case CJM_OP_MUL:
            a = a * b;
            break;
        case CJM_OP_DIV:
            a = a / b;
            break;
        case CJM_OP_MIN:
            a = b < a ? b : a;
            break;
        case CJM_OP_MAX:
            a = b > a ? b : a;
            break;
        }
        stack[top - 2] = a;
        top--;
    }
    return top == 1 ? stack[0] : (double)NAN;
}

cjm_status cjm_model_derived_values(const cjm_model *m, const double *x, double *out,
                                    const char *when, cjm_error *err)
{
    if (m->derived_input_count == 0) return CJM_OK;
    double *values = malloc((size_t)(m->input_count + 1) * sizeof *values);
    if (!values) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < m->input_count; i++) values[i] = m->inputs[i].value;
    for (int u = 0; x && u < m->uncertain_count; u++) values[m->uncertain[u]] = x[u];
    cjm_status st = CJM_OK;
    for (int k = 0; k < m->derived_input_count; k++) {
        const cjm_derived *d = &m->derived_inputs[k];
        double v = cjm_derived_eval(d, values);
        if (d->integral) v = floor(v + 0.5);
        out[k] = v;
        if (st == CJM_OK && !(v >= d->lim_lo && v <= d->lim_hi))
            st = cjm_error_set(err, CJM_ESCENARIO,
                               "%s:%d: %s: %s is %.12g %s, outside [%g, %g] (a derived input is "
                               "not clamped: keep its parents' ranges so that it stays inside)",
                               m->file, d->line, d->path, d->text, v, when, d->lim_lo, d->lim_hi);
    }
    free(values);
    return st;
}

/* Writes m's derived inputs' values (from the uncertain inputs at x, or
 * their values) into their slots; see cjm_model_derived_values. */
static cjm_status apply_derived(cjm_model *m, const double *x, const char *when, cjm_error *err)
{
    if (m->derived_input_count == 0) return CJM_OK;
    double *v = malloc((size_t)m->derived_input_count * sizeof *v);
    if (!v) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = cjm_model_derived_values(m, x, v, when, err);
    for (int k = 0; st == CJM_OK && k < m->derived_input_count; k++)
        for (int s = 0; s < m->derived_inputs[k].slot_count; s++)
            set_slot(m, &m->derived_inputs[k].slots[s], v[k]);
    free(v);
    return st;
}

/* A run whose draws land in the far tails (beyond the 1 - 1e-9 quantiles
 * the load checked) could leave a stage with probabilities above 1 in
 * all: they are scaled back to 1, so the remainder never goes negative. */
static void normalise_sums(cjm_model *m)
{
    for (int t = 0; t < m->prob_horizon; t++)
        for (int g = 0; g < m->segment_count; g++)
            for (int s = 0; s < m->stage_count; s++) {
                double *row = &m->raw[((size_t)t * m->segment_count + g) * m->edge_count];
                double sum = 0;
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                    if (m->edges[e].kind[g] == CJM_PROB_CONST) sum += row[e];
                if (sum <= 1) continue;
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                    if (m->edges[e].kind[g] == CJM_PROB_CONST) row[e] /= sum;
            }
}

double cjm_model_discount(const cjm_model *m, int t)
{
    if (m->discount_rate == 0 || m->step_years == 0) return 1;
    return pow(1 + m->discount_rate, -(double)t * m->step_years);
}

/* Is some amount of stage s an input with a distribution (so nonzero in
 * some run)? */
static bool stage_amount_uncertain(const cjm_model *m, int s)
{
    for (int i = 0; i < m->input_count; i++) {
        const cjm_input *in = &m->inputs[i];
        for (int k = 0; in->uncertain && k < in->slot_count; k++)
            if (in->slots[k].kind == CJM_SLOT_STAGE && in->slots[k].a == s) return true;
    }
    for (int i = 0; i < m->derived_input_count; i++) /* they follow uncertain parents */
        for (int k = 0; k < m->derived_inputs[i].slot_count; k++)
            if (m->derived_inputs[i].slots[k].kind == CJM_SLOT_STAGE &&
                m->derived_inputs[i].slots[k].a == s)
                return true;
    return false;
}

cjm_status cjm_model_index_money(cjm_model *m, cjm_error *err)
{
    int S = m->stage_count, G = m->segment_count;
    free(m->money_stage);
    m->money_stage = malloc((size_t)S * sizeof *m->money_stage);
    if (!m->money_stage) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    m->money_stage_count = 0;
    m->money_by_segment = m->has_cogs = false;
    for (int s = 0; s < S; s++) {
        bool any = stage_amount_uncertain(m, s);
        for (int g = 0; g < G; g++)
            for (int j = 0; j < CJM_AMOUNTS; j++) {
                double v = cjm_stage_amount(m, s, g, j);
                any |= v != 0;
                m->has_cogs |= v != 0 && j % CJM_MONEY_KINDS == CJM_COGS;
                m->money_by_segment |= v != cjm_stage_amount(m, s, 0, j);
            }
        m->money_stage[s] = any ? m->money_stage_count++ : -1;
    }
    for (int i = 0; i < m->input_count; i++)
        for (int k = 0; k < m->inputs[i].slot_count; k++) {
            const cjm_slot *sl = &m->inputs[i].slots[k];
            m->money_by_segment |= sl->kind == CJM_SLOT_STAGE && sl->c >= 0 && G > 1;
            m->has_cogs |= sl->kind == CJM_SLOT_STAGE && sl->b % CJM_MONEY_KINDS == CJM_COGS;
        }
    for (int i = 0; i < m->derived_input_count; i++)
        for (int k = 0; k < m->derived_inputs[i].slot_count; k++) {
            const cjm_slot *sl = &m->derived_inputs[i].slots[k];
            m->money_by_segment |= sl->kind == CJM_SLOT_STAGE && sl->c >= 0 && G > 1;
            m->has_cogs |= sl->kind == CJM_SLOT_STAGE && sl->b % CJM_MONEY_KINDS == CJM_COGS;
        }
    return CJM_OK;
}

static const char *const amount_keys[CJM_AMOUNTS] = {
    [CJM_AMOUNT(CJM_ON_ENTRY, CJM_REVENUE)] = "revenue",
    [CJM_AMOUNT(CJM_ON_ENTRY, CJM_COGS)] = "cogs",
    [CJM_AMOUNT(CJM_ON_ENTRY, CJM_COST)] = "cost",
    [CJM_AMOUNT(CJM_PER_STEP, CJM_REVENUE)] = "revenue_per_step",
    [CJM_AMOUNT(CJM_PER_STEP, CJM_COGS)] = "cogs_per_step",
    [CJM_AMOUNT(CJM_PER_STEP, CJM_COST)] = "cost_per_step",
    [CJM_AMOUNT(CJM_PER_PURCHASE, CJM_REVENUE)] = "basket",
    [CJM_AMOUNT(CJM_PER_PURCHASE, CJM_COGS)] = "basket_cogs",
    [CJM_AMOUNT(CJM_PER_PURCHASE, CJM_COST)] = "purchase_cost",
};

const char *cjm_amount_key(int j)
{
    return j >= 0 && j < CJM_AMOUNTS ? amount_keys[j] : "?";
}

int cjm_model_slot_path(const cjm_model *m, const cjm_slot *s, char *buf, size_t n)
{
    static const char *const barrier_values[] = {"effect", "fix.cost", "fix.cost_per_customer",
                                                 "fix.efficacy"};
    switch (s->kind) {
    case CJM_SLOT_PROB:
        if (s->c >= 0)
            return snprintf(buf, n, "transitions.%s.%s.%s", m->stages[s->a].name,
                            m->stages[s->b].name, m->segment_names[s->c]);
        return snprintf(buf, n, "transitions.%s.%s", m->stages[s->a].name, m->stages[s->b].name);
    case CJM_SLOT_STAGE:
        if (s->c >= 0)
            return snprintf(buf, n, "stages.%s.%s.%s", m->stages[s->a].name, cjm_amount_key(s->b),
                            m->segment_names[s->c]);
        return snprintf(buf, n, "stages.%s.%s", m->stages[s->a].name, cjm_amount_key(s->b));
    case CJM_SLOT_BARRIER:
        return snprintf(buf, n, "barriers.%s.%s", m->barriers[s->a].name, barrier_values[s->b & 3]);
    case CJM_SLOT_COHORT_SIZE:
        return snprintf(buf, n, "cohort.size");
    case CJM_SLOT_FIXED_COST:
        return snprintf(buf, n, "%s.%s", m->fixed_costs[s->a].path, s->b ? "per_step" : "once");
    case CJM_SLOT_DISCOUNT:
        return snprintf(buf, n, "discount.rate");
    case CJM_SLOT_PURCHASES:
        if (s->c >= 0)
            return snprintf(buf, n, "stages.%s.purchases.%s", m->stages[s->a].name,
                            m->segment_names[s->c]);
        return snprintf(buf, n, "stages.%s.purchases", m->stages[s->a].name);
    case CJM_SLOT_REFERS:
        if (s->c >= 0)
            return snprintf(buf, n, "stages.%s.refers.%s", m->stages[s->a].name,
                            m->segment_names[s->c]);
        return snprintf(buf, n, "stages.%s.refers", m->stages[s->a].name);
    case CJM_SLOT_LOYALTY: {
        static const char *const keys[] = {"join", "join_cost", "member_cost_per_step",
                                           "points.per_unit"};
        if (s->b >= 4) return snprintf(buf, n, "loyalty.rewards[%d].cost", s->b - 3);
        if (s->b == 0 && s->c >= 0)
            return snprintf(buf, n, "loyalty.join.%s", m->segment_names[s->c]);
        return snprintf(buf, n, "loyalty.%s", keys[s->b]);
    }
    default:
        return -1;
    }
}

cjm_status cjm_model_instance(const cjm_model *base, const double *x, cjm_model **out,
                              cjm_error *err)
{
    return make_instance(base, x, 1, "in a run", out, err);
}

cjm_status cjm_model_round_arrivals(cjm_model *m, int horizon, cjm_error *err)
{
    double *a = calloc((size_t)horizon + 1, sizeof *a), expected = 0, before = 0;
    if (!a) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int t = 0; m->has_arrivals && t < horizon; t++) {
        expected +=
            m->arrivals_budget ? m->arrivals_spec[t] / m->cost_per_prospect : m->arrivals_spec[t];
        double now = floor(expected + 0.5);
        a[t] = now - before;
        before = now;
    }
    free(m->arrivals);
    m->arrivals = a;
    if (before > 9007199254740992.0)
        return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: %s: more than 2^53 prospects arrive",
                             m->file, m->arrivals_line, m->arrivals_path);
    m->arrivals_total = (int64_t)before;
    return CJM_OK;
}

/* A copy of base that owns the arrays an instance writes (the rest is the
 * base's). */
static cjm_status copy_model(const cjm_model *base, cjm_model **out, cjm_error *err)
{
    cjm_model *m = malloc(sizeof *m);
    if (!m) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    *m = *base;
    m->base = base;
    m->derived = false;
    size_t cells = (size_t)base->prob_horizon * base->segment_count *
                   (size_t)(base->edge_count ? base->edge_count : 1);
    size_t money = (size_t)base->stage_count * base->segment_count * CJM_AMOUNTS;
    size_t rates = (size_t)base->stage_count * base->segment_count;
    size_t tabled = (size_t)base->prob_horizon * rates, H = (size_t)base->prob_horizon + 1;
    m->stages = malloc((size_t)base->stage_count * sizeof *m->stages);
    m->money = malloc(money * sizeof *m->money);
    m->fixed_costs = malloc((size_t)(base->fixed_cost_count + 1) * sizeof *m->fixed_costs);
    m->barriers = malloc((size_t)(base->barrier_count + 1) * sizeof *m->barriers);
    m->raw = malloc(cells * sizeof *m->raw);
    m->prob = malloc(cells * sizeof *m->prob);
    m->arrivals = malloc(H * sizeof *m->arrivals);
    m->rates = base->rates ? malloc(rates * sizeof *m->rates) : NULL;
    m->purchases = base->purchases ? malloc(tabled * sizeof *m->purchases) : NULL;
    m->loyalty.join = base->loyalty.join ? malloc(tabled * sizeof *m->loyalty.join) : NULL;
    m->refers = base->refers ? malloc(tabled * sizeof *m->refers) : NULL;
    if (!m->stages || !m->money || !m->fixed_costs || !m->barriers || !m->raw || !m->prob ||
        !m->arrivals || (base->rates && !m->rates) || (base->purchases && !m->purchases) ||
        (base->loyalty.join && !m->loyalty.join) || (base->refers && !m->refers)) {
        cjm_model_free(&m);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    memcpy(m->stages, base->stages, (size_t)base->stage_count * sizeof *m->stages);
    memcpy(m->money, base->money, money * sizeof *m->money);
    if (base->fixed_cost_count)
        memcpy(m->fixed_costs, base->fixed_costs,
               (size_t)base->fixed_cost_count * sizeof *m->fixed_costs);
    if (base->barrier_count)
        memcpy(m->barriers, base->barriers, (size_t)base->barrier_count * sizeof *m->barriers);
    memcpy(m->raw, base->raw, cells * sizeof *m->raw);
    memcpy(m->arrivals, base->arrivals, (size_t)base->prob_horizon * sizeof *m->arrivals);
    if (m->rates) memcpy(m->rates, base->rates, rates * sizeof *m->rates);
    if (m->purchases) memcpy(m->purchases, base->purchases, tabled * sizeof *m->purchases);
    if (m->loyalty.join)
        memcpy(m->loyalty.join, base->loyalty.join, tabled * sizeof *m->loyalty.join);
    if (m->refers) memcpy(m->refers, base->refers, tabled * sizeof *m->refers);
    *out = m;
    return CJM_OK;
}

static cjm_status make_instance(const cjm_model *base, const double *x, int normalise,
                                const char *when, cjm_model **out, cjm_error *err)
{
    *out = NULL;
    cjm_model *m;
    cjm_status st = copy_model(base, &m, err);
    if (st != CJM_OK) return st;
    for (int u = 0; u < base->uncertain_count; u++)
        cjm_model_set_input(m, base->uncertain[u], x[u]);
    st = apply_derived(m, x, when, err);
    if (normalise) normalise_sums(m);
    cjm_model_refresh(m);
    /* a budget buys budget / cost per prospect prospects: the run's cost */
    if (st == CJM_OK && m->arrivals_budget) st = cjm_model_round_arrivals(m, m->prob_horizon, err);
    if (st != CJM_OK) {
        cjm_model_free(&m);
        return st;
    }
    *out = m;
    return CJM_OK;
}

/* ---- a model with some inputs set, without Lua (cjm_model_with) ---- */

/* The value v for input in, checked as the loader checks a number written
 * at the input's path (same messages). */
static cjm_status check_value(const cjm_model *m, const cjm_input *in, double v, cjm_error *err)
{
    const char *f = m->file;
    if (!isfinite(v))
        return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: %s: %g is not a finite number", f,
                             in->line, in->path, v);
    if (v < in->lim_lo || v > in->lim_hi)
        return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: %s: %.17g is out of range [%g, %g]", f,
                             in->line, in->path, v, in->lim_lo, in->lim_hi);
    if (in->integral && v != floor(v))
        return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: %s: %.17g must be a whole number", f,
                             in->line, in->path, v);
    for (int k = 0; k < in->slot_count; k++)
        if (in->slots[k].kind == CJM_SLOT_BARRIER && in->slots[k].b == 0 && v <= 0)
            return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: %s: must be above 0 (0 < effect <= 1)",
                                 f, in->line, in->path);
    return CJM_OK;
}

/* The derived model's own copies of what pinning an input changes: the
 * inputs' structs, the uncertain list, the correlation groups, the segment
 * shares. */
static cjm_status own_inputs(cjm_model *m, const cjm_model *base, cjm_error *err)
{
    m->derived = true;
    m->inputs = malloc((size_t)(base->input_count + 1) * sizeof *m->inputs);
    m->uncertain = malloc((size_t)(base->uncertain_count + 1) * sizeof *m->uncertain);
    m->groups = calloc((size_t)base->group_count + 1, sizeof *m->groups);
    m->segment_share = malloc((size_t)base->segment_count * sizeof *m->segment_share);
    m->money_stage = NULL;
    if (!m->inputs || !m->uncertain || !m->groups || !m->segment_share)
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    memcpy(m->inputs, base->inputs, (size_t)base->input_count * sizeof *m->inputs);
    memcpy(m->uncertain, base->uncertain, (size_t)base->uncertain_count * sizeof *m->uncertain);
    memcpy(m->segment_share, base->segment_share, (size_t)base->segment_count * sizeof(double));
    m->group_count = 0;
    for (int g = 0; g < base->group_count; g++) {
        const cjm_corr_group *from = &base->groups[g];
        cjm_corr_group *to = &m->groups[m->group_count++];
        *to = *from;
        to->inputs = malloc((size_t)from->size * sizeof *to->inputs);
        to->matrix = malloc((size_t)from->size * from->size * sizeof *to->matrix);
        if (!to->inputs || !to->matrix) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        memcpy(to->inputs, from->inputs, (size_t)from->size * sizeof *to->inputs);
        memcpy(to->matrix, from->matrix, (size_t)from->size * from->size * sizeof *to->matrix);
    }
    return CJM_OK;
}

/* Input i, uncertain, set to a number: it leaves the uncertain inputs and
 * its group, whose other members keep their correlations (a principal
 * submatrix of a valid matrix is valid); a group of one is no group. */
static void pin(cjm_model *m, int i)
{
    int u = 0;
    for (int k = 0; k < m->uncertain_count; k++)
        if (m->uncertain[k] != i) m->uncertain[u++] = m->uncertain[k];
    m->uncertain_count = u;
    for (int g = 0; g < m->group_count; g++) {
        cjm_corr_group *gr = &m->groups[g];
        int at = -1;
        for (int k = 0; k < gr->size; k++)
            if (gr->inputs[k] == i) at = k;
        if (at < 0) continue;
        int n = gr->size, w = 0;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++)
                if (a != at && b != at) gr->matrix[w++] = gr->matrix[a * n + b];
        for (int k = at; k + 1 < n; k++) gr->inputs[k] = gr->inputs[k + 1];
        gr->size = n - 1;
    }
    int kept = 0;
    for (int g = 0; g < m->group_count; g++) {
        if (m->groups[g].size >= 2) {
            m->groups[kept++] = m->groups[g];
            continue;
        }
        free(m->groups[g].inputs);
        free(m->groups[g].matrix);
    }
    m->group_count = kept;
    m->inputs[i].uncertain = false;
    m->inputs[i].group = -1;
    m->inputs[i].dirichlet = -1;
}

/* What the loader derives from the values: the money index, purchases,
 * arrivals bought with a budget, the cheapest reward's cost per point. */
static cjm_status rederive(cjm_model *m, bool shares, cjm_error *err)
{
    if (shares) {
        double sum = 0;
        for (int g = 0; g < m->segment_count; g++) sum += m->segment_share[g];
        if (fabs(sum - 1) > 1e-9)
            return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: segments: shares sum to %.12g, not 1",
                                 m->file, m->segments_line, sum);
    }
    cjm_status st = cjm_model_index_money(m, err);
    m->has_purchases = false;
    for (size_t k = 0; m->rates && k < (size_t)m->stage_count * m->segment_count; k++)
        m->has_purchases |= m->rates[k].kind == CJM_PROB_FUNCTION || m->rates[k].value > 0;
    cjm_loyalty *l = &m->loyalty;
    for (int r = 0; r < l->reward_count; r++) {
        double c = l->rewards[r].cost / l->rewards[r].at;
        if (r == 0 || c < l->point_cost) l->point_cost = c;
    }
    if (st == CJM_OK && m->arrivals_budget) st = cjm_model_round_arrivals(m, m->prob_horizon, err);
    return st;
}

/* The base with n inputs set and, if fixed is not NULL, the fixes applied
 * exactly where fixed[b] is set (barriers with a fix only). */
static cjm_status derive(const cjm_model *base, int n, const int *idx, const double *val,
                         const unsigned char *fixed, cjm_model **out, cjm_error *err)
{
    *out = NULL;
    cjm_model *m;
    cjm_status st = copy_model(base, &m, err);
    if (st != CJM_OK) return st;
    st = own_inputs(m, base, err);
    for (int b = 0; fixed && b < m->barrier_count; b++)
        m->barriers[b].fixed = m->barriers[b].has_fix && fixed[b];
    bool shares = false;
    for (int k = 0; st == CJM_OK && k < n; k++) {
        cjm_input *in = &m->inputs[idx[k]];
        st = check_value(m, in, val[k], err);
        if (st != CJM_OK) break;
        if (in->uncertain) pin(m, idx[k]);
        in->value = val[k];
        in->lo = in->lim_lo, in->hi = in->lim_hi;
        for (int s = 0; s < in->slot_count; s++) shares |= in->slots[s].kind == CJM_SLOT_SHARE;
        cjm_model_set_input(m, idx[k], val[k]);
    }
    if (st == CJM_OK && n > 0 && m->derived_input_count > 0) {
        char when[160];
        const cjm_input *in = &m->inputs[idx[0]];
        snprintf(when, sizeof when, "when %.100s is %.17g%s", cjm_input_label(in), val[0],
                 n > 1 ? " (and others set)" : "");
        st = apply_derived(m, NULL, when, err);
    }
    if (st == CJM_OK) st = rederive(m, shares, err);
    if (st == CJM_OK) st = cjm_model_finish_tables(m, err);
    if (st != CJM_OK) {
        cjm_model_free(&m);
        return st;
    }
    *out = m;
    return CJM_OK;
}

cjm_status cjm_model_with(const cjm_model *base, int n, const int *idx, const double *val,
                          cjm_model **out, cjm_error *err)
{
    return derive(base, n, idx, val, NULL, out, err);
}

cjm_status cjm_model_with_fixes(const cjm_model *base, const unsigned char *fixed, cjm_model **out,
                                cjm_error *err)
{
    return derive(base, 0, NULL, NULL, fixed, out, err);
}
