/* model.c: the compiled model's lifecycle, its probability tables, and its
 * description for `cjm check`. */
#include "model.h"

#include "script.h"
#include "script_limits.h"

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

cjm_status cjm_model_load(const char *path, const cjm_load_options *opts, cjm_model **out,
                          cjm_error *err)
{
    *out = NULL;
    cjm_model *m = calloc(1, sizeof *m);
    if (!m) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = cjm_script_open_limited(path, opts ? opts->lua_memory : 0, &m->script, err);
    if (st == CJM_OK) st = cjm_script_compile(m->script, opts, m, err);
    if (st == CJM_OK && !(m->file = strdup(path)))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK) {
        memcpy(m->sha256, cjm_script_sha256(m->script), sizeof m->sha256);
        if (opts && opts->horizon > 0) m->horizon = opts->horizon;
        st = cjm_model_tabulate(m, m->horizon, err);
    }
    if (st != CJM_OK) {
        cjm_model_free(&m);
        return st;
    }
    *out = m;
    return CJM_OK;
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
    free(e->fn_ref);
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
    cjm_script_free(&m->script);
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

/* Sums the outgoing probabilities of every (step, segment, stage): above 1
 * there is no valid "stay" remainder. */
static double raw_prob(const cjm_model *m, int t, int g, int e)
{
    return m->raw[((size_t)t * m->segment_count + g) * m->edge_count + e];
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
    if (edge->dwell_index < 0) return raw_prob(m, t, g, e);
    for (int d = 0; d <= t; d++) {
        double p = cjm_model_dwell_prob(m, edge->dwell_index, t, g, d);
        hi = p > hi ? p : hi;
    }
    return hi;
}

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

#define MAX_DWELL_CELLS 50000000

/* A function that reads c.dwell: evaluated for every (t, g, d <= t). */
static cjm_status tabulate_dwell(cjm_model *m, int e, cjm_error *err)
{
    cjm_edge *edge = &m->edges[e];
    int H = m->prob_horizon, G = m->segment_count, read;
    if ((double)H * H * G > MAX_DWELL_CELLS)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s:%d: %s: c.dwell needs a table of %d x %d x %d probabilities; "
                             "too large (shorten the horizon)",
                             m->file, edge->line, edge->path, H, H, G);
    double **grown = realloc(m->dwell, (size_t)(m->dwell_count + 1) * sizeof *grown);
    double *table = calloc((size_t)H * H * G, sizeof *table);
    if (grown) m->dwell = grown;
    if (!grown || !table) {
        free(table);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for the c.dwell table");
    }
    edge->dwell_index = m->dwell_count;
    m->dwell[m->dwell_count++] = table;
    for (int t = 0; t < H; t++)
        for (int g = 0; g < G; g++)
            for (int d = 0; d <= t; d++) {
                double *cell = &table[((size_t)t * G + g) * H + d];
                if (edge->kind[g] == CJM_PROB_CONST) {
                    *cell = edge->value[g];
                    continue;
                }
                cjm_status st = cjm_script_eval_prob(m->script, m, edge, g, t, d, cell, &read, err);
                if (st != CJM_OK) return st;
            }
    return CJM_OK;
}

/* raw holds the written probability; for per-customer and time-in-stage
 * edges it holds 1, so that prob = raw x barriers is their barrier multiplier. */
static cjm_status tabulate_edge(cjm_model *m, int e, double *raw, cjm_error *err)
{
    const cjm_edge *edge = &m->edges[e];
    int any_dwell = 0, read;
    for (int g = 0; g < m->segment_count; g++)
        for (int t = 0; t < m->prob_horizon; t++) {
            double *cell = &raw[((size_t)t * m->segment_count + g) * m->edge_count + e];
            if (edge->kind[g] != CJM_PROB_FUNCTION) {
                *cell = edge->kind[g] == CJM_PROB_CONST ? edge->value[g] : 1;
                continue;
            }
            cjm_status st = cjm_script_eval_prob(m->script, m, edge, g, t, 0, cell, &read, err);
            if (st != CJM_OK) return st;
            any_dwell |= read;
        }
    if (!any_dwell) return CJM_OK;
    for (int g = 0; g < m->segment_count; g++)
        for (int t = 0; t < m->prob_horizon; t++)
            raw[((size_t)t * m->segment_count + g) * m->edge_count + e] = 1;
    return tabulate_dwell(m, e, err);
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

/* Arrivals per step, as whole prospects: the expected numbers are rounded
 * cumulatively, so the total over any span is within one of the exact sum
 * and both engines see the same prospects. */
static cjm_status tabulate_arrivals(cjm_model *m, int horizon, cjm_error *err)
{
    double *a = calloc((size_t)horizon, sizeof *a), expected = 0, before = 0;
    if (!a) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    free(m->arrivals);
    m->arrivals = a;
    m->arrivals_total = 0;
    for (int t = 0; m->has_arrivals && t < horizon; t++) {
        double v = m->arrivals_value;
        if (m->arrivals_ref > 0) {
            cjm_status st = cjm_script_eval_arrivals(m->script, m, t, &v, err);
            if (st != CJM_OK) return st;
        }
        if (m->arrivals_budget) v /= m->cost_per_prospect;
        expected += v;
        double now = floor(expected + 0.5);
        a[t] = now - before;
        before = now;
    }
    if (before > 9007199254740992.0)
        return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: %s: more than 2^53 prospects arrive",
                             m->file, m->arrivals_line, m->arrivals_path);
    m->arrivals_total = (int64_t)before;
    return CJM_OK;
}

cjm_status cjm_model_tabulate(cjm_model *m, int horizon, cjm_error *err)
{
    cjm_status ast = tabulate_arrivals(m, horizon, err);
    if (ast != CJM_OK) return ast;
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
    for (int e = 0; e < m->edge_count; e++) {
        cjm_status st = tabulate_edge(m, e, raw, err);
        if (st != CJM_OK) return st;
    }
    memcpy(m->prob, m->raw, cells * sizeof *prob);
    cjm_status st = check_sums(m, horizon, "", err); /* the written, barrier-free probabilities */
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

static void describe_stage(const cjm_model *m, int s, FILE *f)
{
    const cjm_stage *st = &m->stages[s];
    fprintf(f, "  %2d %-16s", s + 1, st->name);
    if (st->converts) fputs(" converts", f);
    if (st->final) fputs(" final", f);
    if (st->cost) fprintf(f, " cost=%g", st->cost);
    if (st->revenue) fprintf(f, " revenue=%g", st->revenue);
    if (st->cost_per_step) fprintf(f, " cost_per_step=%g", st->cost_per_step);
    if (st->revenue_per_step) fprintf(f, " revenue_per_step=%g", st->revenue_per_step);
    if (st->min_steps > 1) fprintf(f, " min_steps=%d", st->min_steps);
    if (st->refers > 0)
        fprintf(f, " refers=%g (into %s, reward %g)", st->refers, m->stages[st->refers_to].name,
                st->referral_cost);
    fputc('\n', f);
}

/* Is the edge written once for every segment? */
static int edge_is_shared(const cjm_model *m, const cjm_edge *e)
{
    for (int g = 1; g < m->segment_count; g++) {
        if (e->kind[g] != e->kind[0]) return 0;
        if (e->kind[g] == CJM_PROB_CONST && e->value[g] != e->value[0]) return 0;
        if (e->kind[g] == CJM_PROB_PER_CUSTOMER && e->pc[g] != e->pc[0]) return 0;
        if (e->kind[g] == CJM_PROB_FUNCTION) return 0; /* a function may read c.segment */
    }
    return 1;
}

/* The written probability of edge e for segment g, in words. */
static void describe_prob(const cjm_model *m, int e, int g, FILE *f)
{
    const cjm_edge *edge = &m->edges[e];
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    if (edge->kind[g] == CJM_PROB_CONST) {
        fprintf(f, "%g", edge->value[g]);
        return;
    }
    if (edge->kind[g] == CJM_PROB_PER_CUSTOMER) {
        char desc[96];
        cjm_dist_describe(&m->per_customer[edge->pc[g]].dist, desc, sizeof desc);
        fprintf(f, "per customer %s", desc);
        return;
    }
    for (int t = 0; t < m->prob_horizon; t++)
        for (int d = 0; d <= (edge->dwell_index >= 0 ? t : 0); d++) {
            double p = edge->dwell_index >= 0 ? cjm_model_dwell_prob(m, edge->dwell_index, t, g, d)
                                              : raw_prob(m, t, g, e);
            lo = p < lo ? p : lo;
            hi = p > hi ? p : hi;
        }
    fprintf(f, "function%s[%g..%g]", edge->dwell_index >= 0 ? " of time in stage" : "", lo, hi);
}

static void describe_edge(const cjm_model *m, int e, FILE *f)
{
    const cjm_edge *edge = &m->edges[e];
    fprintf(f, "    -> %-16s", m->stages[edge->to].name);
    if (edge_is_shared(m, edge)) {
        fputc(' ', f);
        describe_prob(m, e, 0, f);
        fputc('\n', f);
        return;
    }
    for (int g = 0; g < m->segment_count; g++) {
        fprintf(f, m->has_segments ? " %s:" : " ", m->segment_names[g]);
        describe_prob(m, e, g, f);
    }
    fputc('\n', f);
}

static void describe_barriers(const cjm_model *m, FILE *f)
{
    if (m->barrier_count == 0) return;
    fputs("barriers (written probabilities are without them):\n", f);
    for (int i = 0; i < m->barrier_count; i++) {
        const cjm_barrier *b = &m->barriers[i];
        fprintf(f, "  %-16s effect %g on", b->name, b->effect);
        for (int k = 0; k < b->edge_count; k++)
            fprintf(f, "%s %s -> %s", k ? "," : "", m->stages[m->edges[b->edges[k]].from].name,
                    m->stages[m->edges[b->edges[k]].to].name);
        if (b->has_fix)
            fprintf(f, "; fix %g + %g per prospect, efficacy %g (%s cost)%s", b->fix_cost,
                    b->fix_cost_per_customer, b->efficacy,
                    b->acquisition ? "acquisition" : "retention", b->fixed ? ", APPLIED" : "");
        fputc('\n', f);
    }
}

static void describe_arrivals(const cjm_model *m, FILE *f)
{
    if (!m->has_arrivals) return;
    fprintf(f, "arrivals (%s): %lld prospects over the horizon, besides the %lld at step 0\n",
            m->arrivals_path, (long long)m->arrivals_total, (long long)m->cohort_size);
}

static void describe_leaving(const cjm_model *m, int s, FILE *f)
{
    for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
        for (int g = 0; g < m->segment_count; g++)
            if (m->edges[e].kind[g] == CJM_PROB_PER_CUSTOMER || m->edges[e].dwell_index >= 0) {
                fputs("    leaves with a probability of each customer's own or by time in stage\n",
                      f);
                return;
            }
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (int t = 0; t < m->prob_horizon; t++)
        for (int g = 0; g < m->segment_count; g++) {
            double sum = 0;
            for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                sum += cjm_model_prob(m, t, g, e);
            lo = sum < lo ? sum : lo;
            hi = sum > hi ? sum : hi;
        }
    if (lo == hi)
        fprintf(f, "    leaves with probability %g per %s, stays %g\n", lo, m->step_name, 1 - lo);
    else
        fprintf(f, "    leaves with probability %g..%g per %s\n", lo, hi, m->step_name);
}

static void describe_uncertain(const cjm_model *m, FILE *f)
{
    if (m->uncertain_count == 0) return;
    fprintf(f, "uncertain inputs (drawn once per run):\n");
    fprintf(f, "  %-40s %-28s %12s %12s %12s\n", "path", "distribution", "p5", "p50", "p95");
    for (int u = 0; u < m->uncertain_count; u++) {
        const cjm_input *in = &m->inputs[m->uncertain[u]];
        char desc[96];
        cjm_dist_describe(&in->dist, desc, sizeof desc);
        fprintf(f, "  %-40s %-28s %12.6g %12.6g %12.6g", in->path, desc,
                cjm_dist_quantile(&in->dist, 0.05), cjm_dist_quantile(&in->dist, 0.5),
                cjm_dist_quantile(&in->dist, 0.95));
        if (in->slot_count > 1) fprintf(f, "  (used in %d places)", in->slot_count);
        fputc('\n', f);
    }
    for (int g = 0; g < m->group_count; g++) {
        const cjm_corr_group *gr = &m->groups[g];
        fprintf(f, "  rank correlation (line %d):", gr->line);
        for (int i = 0; i < gr->size; i++)
            for (int j = i + 1; j < gr->size; j++)
                fprintf(f, " %s ~ %s %g;", m->inputs[gr->inputs[i]].path,
                        m->inputs[gr->inputs[j]].path, gr->matrix[i * gr->size + j]);
        fputc('\n', f);
    }
}

void cjm_model_describe(const cjm_model *m, FILE *f)
{
    fprintf(f, "scenario: %s\nfile: %s\nsha256: %s\n", m->name, m->file, m->sha256);
    fprintf(f, "horizon: %d %ss; cohort: %lld prospects at %g each\n", m->horizon, m->step_name,
            (long long)m->cohort_size, m->cost_per_prospect);
    if (m->variant) fprintf(f, "variant: %s\n", m->variant);
    if (m->has_segments) {
        fputs("segments:", f);
        for (int g = 0; g < m->segment_count; g++)
            fprintf(f, " %s (%g)", m->segment_names[g], m->segment_share[g]);
        fputc('\n', f);
    }
    fprintf(f, "stages (%d):\n", m->stage_count);
    for (int s = 0; s < m->stage_count; s++) describe_stage(m, s, f);
    fputs("transitions (per step; the remainder stays):\n", f);
    for (int s = 0; s < m->stage_count; s++) {
        fprintf(f, "  %s%s\n", m->stages[s].name,
                m->stages[s].final ? ": final, nothing leaves" : "");
        if (m->stages[s].final) continue;
        if (m->edge_start[s] == m->edge_start[s + 1]) {
            fputs("    nothing leaves (no transitions written)\n", f);
            continue;
        }
        for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) describe_edge(m, e, f);
        describe_leaving(m, s, f);
    }
    describe_barriers(m, f);
    describe_arrivals(m, f);
    describe_uncertain(m, f);
}
