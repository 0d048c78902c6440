/* loyalty.c: the model's repeat purchases and loyalty program: the rates and
 * probabilities a customer meets in a given context, and the checks that
 * need every table filled (a tier's benefit that pushes a stage's
 * probabilities above 1 at some step). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>

double cjm_model_purchases(const cjm_model *m, int t, int g, int s, int d, int c)
{
    if (!m->has_purchases) return 0;
    int G = m->segment_count, H = m->prob_horizon;
    if (m->purchase_dwell[s] >= 0)
        return m->dwell[m->purchase_dwell[s]][((size_t)t * G + g) * H + d];
    if (m->purchase_loyalty[s] >= 0)
        return m
            ->loyalty_tables[m->purchase_loyalty[s]][((size_t)t * G + g) * m->loyalty_states + c];
    return m->purchases[((size_t)t * G + g) * m->stage_count + s];
}

double cjm_model_edge_prob(const cjm_model *m, int t, int g, int e, int d, int c, int k)
{
    const cjm_edge *edge = &m->edges[e];
    double p = cjm_model_prob(m, t, g, e);
    if (edge->dwell_index >= 0) p *= cjm_model_dwell_prob(m, edge->dwell_index, t, g, d);
    if (edge->loyalty_index >= 0)
        p *= m->loyalty_tables[edge->loyalty_index]
                              [((size_t)t * m->segment_count + g) * m->loyalty_states + c];
    if (k >= 0) p *= m->loyalty.tiers[k].on[e];
    return p;
}

double cjm_model_edge_top(const cjm_model *m, int t, int g, int e, int k)
{
    const cjm_edge *edge = &m->edges[e];
    int G = m->segment_count, H = m->prob_horizon, d_hi = edge->dwell_index >= 0 ? t : 0;
    int c_lo = edge->loyalty_index < 0 || k < 0 ? 0 : 1 + k * m->loyalty_points;
    int c_hi = edge->loyalty_index < 0 || k < 0 ? c_lo : c_lo + m->loyalty_points - 1;
    double top = 0, on = k >= 0 ? m->loyalty.tiers[k].on[e] : 1;
    for (int d = 0; d <= d_hi; d++)
        for (int c = c_lo; c <= c_hi; c++) {
            double p = cjm_model_raw_prob(m, t, g, e) * on;
            if (edge->dwell_index >= 0)
                p *= m->dwell[edge->dwell_index][((size_t)t * G + g) * H + d];
            if (edge->loyalty_index >= 0)
                p *= m->loyalty_tables[edge->loyalty_index]
                                      [((size_t)t * G + g) * m->loyalty_states + c];
            top = p > top ? p : top;
        }
    return top;
}

/* Members of every tier, at every step: the stage's probabilities with the
 * tier's multipliers must leave a remainder (sum <= 1). */
cjm_status cjm_loyalty_check(const cjm_model *m, cjm_error *err)
{
    const cjm_loyalty *l = &m->loyalty;
    if (!l->present) return CJM_OK;
    for (int k = 0; k < l->tier_count; k++)
        for (int t = 0; t < m->prob_horizon; t++)
            for (int g = 0; g < m->segment_count; g++)
                for (int s = 0; s < m->stage_count; s++) {
                    double sum = 0;
                    bool moved = false;
                    for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) {
                        sum += cjm_model_edge_top(m, t, g, e, k);
                        moved |= l->tiers[k].on[e] != 1;
                    }
                    if (sum <= 1 + 1e-12) continue;
                    return cjm_error_set(
                        err, CJM_ESCENARIO,
                        "%s:%d: loyalty.benefits.%s: members of tier %s leave '%s' with "
                        "probabilities that sum to %.12g (above 1) at step %d, segment %s%s",
                        m->file, l->line, l->tiers[k].name, l->tiers[k].name, m->stages[s].name,
                        sum, t, m->segment_names[g],
                        moved ? "" : " (the context's probabilities alone)");
                }
    return CJM_OK;
}

void cjm_loyalty_free(cjm_loyalty *l)
{
    for (int k = 0; k < l->tier_count; k++) {
        free(l->tiers[k].name);
        free(l->tiers[k].on);
    }
    free(l->eligible);
    l->tier_count = 0;
    l->eligible = NULL;
}
