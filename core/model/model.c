/* model.c: the compiled model's lifecycle, its probability tables once the
 * Lua layer has filled them, instances with one run's draws, and the inputs
 * that analyses move. Plain C data: nothing here knows of Lua. */
#include "model.h"

#include <math.h>
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
    free(e->path);
    free(e->kind);
    free(e->value);
}

static void free_inputs(cjm_model *m)
{
    for (int i = 0; i < m->input_count; i++) {
        free(m->inputs[i].path);
        free(m->inputs[i].slots);
        cjm_dist_free(&m->inputs[i].dist);
    }
    for (int g = 0; g < m->group_count; g++) {
        free(m->groups[g].inputs);
        free(m->groups[g].matrix);
    }
    free(m->inputs);
    free(m->uncertain);
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

/* What a base model owns beyond the four arrays an instance copies. */
static void free_base(cjm_model *m)
{
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
    free(m->per_customer);
    free(m->dwell);
    free(m->arrivals);
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

void cjm_model_free(cjm_model **mp)
{
    if (!mp || !*mp) return;
    cjm_model *m = *mp;
    if (!m->base) free_base(m);
    free(m->stages);
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
        return cjm_dist_quantile(&m->per_customer[edge->pc[g]].dist, 1 - CJM_TAIL);
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
                    return cjm_error_set(err, CJM_ESCENARIO,
                                         "%s:%d: transitions.%s: the probabilities of leaving "
                                         "'%s' sum to %.12g (above 1) at step %d, segment %s%s",
                                         m->file, first->line, m->stages[s].name, m->stages[s].name,
                                         sum, t, m->segment_names[g], note);
                }
            }
    return CJM_OK;
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
                                cjm_model **out, cjm_error *err);

/* Every run's draws must leave a valid remainder, so the check takes each
 * uncertain probability at the top of its range: a sum that could pass 1 in
 * some run is refused now, not in run 1734. */
static cjm_status check_uncertain_sums(const cjm_model *m, cjm_error *err)
{
    double *x = malloc((size_t)m->uncertain_count * sizeof *x);
    if (!x) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int u = 0; u < m->uncertain_count; u++) {
        const cjm_input *in = &m->inputs[m->uncertain[u]];
        x[u] = has_prob_slot(in) ? cjm_dist_quantile(&in->dist, 1 - CJM_TAIL) : in->value;
    }
    cjm_model *top;
    cjm_status st = make_instance(m, x, 0, &top, err);
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

cjm_status cjm_model_finish_tables(cjm_model *m, cjm_error *err)
{
    size_t cells = (size_t)m->prob_horizon * (size_t)m->segment_count *
                   (size_t)(m->edge_count ? m->edge_count : 1);
    memcpy(m->prob, m->raw, cells * sizeof *m->prob);
    /* the written, barrier-free probabilities */
    cjm_status st = check_sums(m, m->prob_horizon, "", err);
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

static void set_prob(cjm_model *m, const cjm_slot *s, double v)
{
    int e = find_edge(m, s->a, s->b);
    if (e < 0) return;
    for (int g = 0; g < m->segment_count; g++) {
        if (s->c >= 0 && s->c != g) continue;
        for (int t = 0; t < m->prob_horizon; t++)
            m->raw[((size_t)t * m->segment_count + g) * m->edge_count + e] = v;
    }
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
    case CJM_SLOT_STAGE: {
        cjm_stage *st = &m->stages[s->a];
        double *amounts[] = {&st->cost, &st->revenue, &st->cost_per_step, &st->revenue_per_step};
        *amounts[s->b] = v;
        break;
    }
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

cjm_status cjm_model_instance(const cjm_model *base, const double *x, cjm_model **out,
                              cjm_error *err)
{
    return make_instance(base, x, 1, out, err);
}

static cjm_status make_instance(const cjm_model *base, const double *x, int normalise,
                                cjm_model **out, cjm_error *err)
{
    *out = NULL;
    cjm_model *m = malloc(sizeof *m);
    size_t cells = (size_t)base->prob_horizon * base->segment_count *
                   (size_t)(base->edge_count ? base->edge_count : 1);
    if (!m) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    *m = *base;
    m->base = base;
    m->stages = malloc((size_t)base->stage_count * sizeof *m->stages);
    m->barriers = malloc((size_t)(base->barrier_count + 1) * sizeof *m->barriers);
    m->raw = malloc(cells * sizeof *m->raw);
    m->prob = malloc(cells * sizeof *m->prob);
    if (!m->stages || !m->barriers || !m->raw || !m->prob) {
        cjm_model_free(&m);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    memcpy(m->stages, base->stages, (size_t)base->stage_count * sizeof *m->stages);
    if (base->barrier_count)
        memcpy(m->barriers, base->barriers, (size_t)base->barrier_count * sizeof *m->barriers);
    memcpy(m->raw, base->raw, cells * sizeof *m->raw);
    for (int u = 0; u < base->uncertain_count; u++)
        cjm_model_set_input(m, base->uncertain[u], x[u]);
    if (normalise) normalise_sums(m);
    cjm_model_refresh(m);
    *out = m;
    return CJM_OK;
}
