/* describe.c: the compiled model in words, for `cjm check`. */
#include "report.h"

#include <math.h>

/* " cost=12", or " cost=young:12,mature:20" where segments differ. */
static void describe_amount(const cjm_model *m, int s, int j, const char *key, FILE *f)
{
    bool any = false, same = true;
    for (int g = 0; g < m->segment_count; g++) {
        any |= cjm_stage_amount(m, s, g, j) != 0;
        same &= cjm_stage_amount(m, s, g, j) == cjm_stage_amount(m, s, 0, j);
    }
    if (!any) return;
    if (same) {
        fprintf(f, " %s=%g", key, cjm_stage_amount(m, s, 0, j));
        return;
    }
    fprintf(f, " %s=", key);
    for (int g = 0; g < m->segment_count; g++)
        fprintf(f, "%s%s:%g", g ? "," : "", m->segment_names[g], cjm_stage_amount(m, s, g, j));
}

static void describe_stage(const cjm_model *m, int s, FILE *f)
{
    const cjm_stage *st = &m->stages[s];
    static const int amounts[] = {
        /* in the order check prints them */
        CJM_AMOUNT(CJM_ON_ENTRY, CJM_COST), CJM_AMOUNT(CJM_ON_ENTRY, CJM_REVENUE),
        CJM_AMOUNT(CJM_PER_STEP, CJM_COST), CJM_AMOUNT(CJM_PER_STEP, CJM_REVENUE),
        CJM_AMOUNT(CJM_ON_ENTRY, CJM_COGS), CJM_AMOUNT(CJM_PER_STEP, CJM_COGS),
    };
    fprintf(f, "  %2d %-16s", s + 1, st->name);
    if (st->converts) fputs(" converts", f);
    if (st->final) fputs(" final", f);
    for (size_t k = 0; k < sizeof amounts / sizeof amounts[0]; k++)
        describe_amount(m, s, amounts[k], cjm_amount_key(amounts[k]), f);
    if (st->min_steps > 1) fprintf(f, " min_steps=%d", st->min_steps);
    if (st->refers > 0)
        fprintf(f, " refers=%g (into %s, reward %g)", st->refers, m->stages[st->refers_to].name,
                st->referral_cost);
    fputc('\n', f);
}

int cjm_edge_is_shared(const cjm_model *m, const cjm_edge *e)
{
    for (int g = 1; g < m->segment_count; g++) {
        if (e->kind[g] != e->kind[0]) return 0;
        if (e->kind[g] == CJM_PROB_CONST && e->value[g] != e->value[0]) return 0;
        if (e->kind[g] == CJM_PROB_PER_CUSTOMER && e->pc[g] != e->pc[0]) return 0;
        if (e->kind[g] == CJM_PROB_FUNCTION) return 0; /* a function may read c.segment */
    }
    return 1;
}

void cjm_describe_prob(const cjm_model *m, int e, int g, FILE *f)
{
    const cjm_edge *edge = &m->edges[e];
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    if (edge->loyalty_index >= 0) {
        const double *table = m->loyalty_tables[edge->loyalty_index];
        for (int t = 0; t < m->prob_horizon; t++)
            for (int c = 0; c < m->loyalty_states; c++) {
                double p = table[((size_t)t * m->segment_count + g) * m->loyalty_states + c];
                lo = p < lo ? p : lo;
                hi = p > hi ? p : hi;
            }
        fprintf(f, "function of the loyalty context[%g..%g]", lo, hi);
        return;
    }
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
                                              : cjm_model_raw_prob(m, t, g, e);
            lo = p < lo ? p : lo;
            hi = p > hi ? p : hi;
        }
    fprintf(f, "function%s[%g..%g]", edge->dwell_index >= 0 ? " of time in stage" : "", lo, hi);
}

static void describe_edge(const cjm_model *m, int e, FILE *f)
{
    const cjm_edge *edge = &m->edges[e];
    fprintf(f, "    -> %-16s", m->stages[edge->to].name);
    if (cjm_edge_is_shared(m, edge)) {
        fputc(' ', f);
        cjm_describe_prob(m, e, 0, f);
        fputc('\n', f);
        return;
    }
    for (int g = 0; g < m->segment_count; g++) {
        fprintf(f, m->has_segments ? " %s:" : " ", m->segment_names[g]);
        cjm_describe_prob(m, e, g, f);
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
        if (b->redirect >= 0)
            fprintf(f, ", blocked share redirected to %s -> %s",
                    m->stages[m->edges[b->redirect].from].name,
                    m->stages[m->edges[b->redirect].to].name);
        if (b->has_fix)
            fprintf(f, "; fix %g + %g per prospect, efficacy %g (%s cost)%s", b->fix_cost,
                    b->fix_cost_per_customer, b->efficacy,
                    b->acquisition ? "acquisition" : "retention", b->fixed ? ", APPLIED" : "");
        fputc('\n', f);
    }
}

static void describe_fixed_costs(const cjm_model *m, FILE *f)
{
    if (m->fixed_cost_count == 0) return;
    fputs("fixed costs:\n", f);
    for (int k = 0; k < m->fixed_cost_count; k++) {
        const cjm_fixed_cost *fc = &m->fixed_costs[k];
        fprintf(f, "  %-40s", fc->path);
        if (fc->once != 0) fprintf(f, " %g once at %s %d;", fc->once, m->step_name, fc->at);
        if (fc->per_step != 0) {
            fprintf(f, " %g per %s from %d", fc->per_step, m->step_name, fc->from);
            if (fc->to <= CJM_MAX_HORIZON) fprintf(f, " to %d", fc->to);
            fputc(';', f);
        }
        fprintf(f, " %s cost%s\n", fc->acquisition ? "acquisition" : "retention",
                cjm_fixed_cost_active(m, fc - m->fixed_costs) ? ""
                                                              : " (with its fix: not applied)");
    }
}

static void describe_discount(const cjm_model *m, FILE *f)
{
    if (!m->has_discount) return;
    fprintf(f, "discount: %g a year; a %s is %.6g years, so step t is worth (1 + %g)^(-%.6g t)\n",
            m->discount_rate, m->step_name, m->step_years, m->discount_rate, m->step_years);
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

/* An input as listings show it: its name with its path, or its path. */
static void input_title(const cjm_input *in, char *buf, size_t n)
{
    if (in->name)
        snprintf(buf, n, "%s (%s)", in->name, in->path);
    else
        snprintf(buf, n, "%s", in->path);
}

/* The derived inputs: what each computes, where, and its value at its
 * parents' medians. */
static void describe_derived(const cjm_model *m, FILE *f)
{
    if (m->derived_input_count == 0) return;
    fprintf(f, "derived inputs (computed from the uncertain inputs in every run):\n");
    for (int k = 0; k < m->derived_input_count; k++) {
        const cjm_derived *d = &m->derived_inputs[k];
        fprintf(f, "  %-40s = %s  (%.6g at the medians", d->path, d->text, d->value);
        if (d->slot_count > 1) fprintf(f, "; used in %d places", d->slot_count);
        fprintf(f, ")\n");
    }
}

static void describe_uncertain(const cjm_model *m, FILE *f)
{
    if (m->uncertain_count == 0) return;
    fprintf(f, "uncertain inputs (drawn once per run):\n");
    int named = 0;
    for (int u = 0; u < m->uncertain_count; u++) named |= m->inputs[m->uncertain[u]].name != NULL;
    fprintf(f, "  %-40s %-28s %12s %12s %12s\n", named ? "name (path), or path" : "path",
            "distribution", "p5", "p50", "p95");
    for (int u = 0; u < m->uncertain_count; u++) {
        const cjm_input *in = &m->inputs[m->uncertain[u]];
        char desc[96], title[256];
        cjm_dist_describe(&in->dist, desc, sizeof desc);
        input_title(in, title, sizeof title);
        fprintf(f, "  %-40s %-28s %12.6g %12.6g %12.6g", title, desc,
                cjm_dist_quantile(&in->dist, 0.05), cjm_dist_quantile(&in->dist, 0.5),
                cjm_dist_quantile(&in->dist, 0.95));
        if (in->slot_count > 1) fprintf(f, "  (used in %d places)", in->slot_count);
        if (in->slot_count == 0) fprintf(f, "  (in derived inputs only)");
        fputc('\n', f);
    }
    for (int g = 0; g < m->group_count; g++) {
        const cjm_corr_group *gr = &m->groups[g];
        fprintf(f, "  rank correlation (line %d):", gr->line);
        for (int i = 0; i < gr->size; i++)
            for (int j = i + 1; j < gr->size; j++)
                fprintf(f, " %s ~ %s %g;", cjm_input_label(&m->inputs[gr->inputs[i]]),
                        cjm_input_label(&m->inputs[gr->inputs[j]]), gr->matrix[i * gr->size + j]);
        fputc('\n', f);
    }
    describe_derived(m, f);
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
    describe_fixed_costs(m, f);
    describe_discount(m, f);
    describe_arrivals(m, f);
    describe_uncertain(m, f);
}
