/* tabulate.c: function-valued probabilities and arrivals, evaluated once
 * per (step, segment[, time in stage]) into the model's plain tables: after
 * this, nothing needs Lua. */
#include "script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DWELL_CELLS 50000000

/* A function that reads c.dwell: evaluated for every (t, g, d <= t). */
static cjm_status tabulate_dwell(cjm_script *s, cjm_model *m, int e, cjm_error *err)
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
                cjm_status st = cjm_script_eval_prob(s, m, e, g, t, d, cell, &read, err);
                if (st != CJM_OK) return st;
            }
    return CJM_OK;
}

/* raw holds the written probability; for per-customer and time-in-stage
 * edges it holds 1, so that prob = raw x barriers is their barrier multiplier. */
static cjm_status tabulate_edge(cjm_script *s, cjm_model *m, int e, double *raw, cjm_error *err)
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
            cjm_status st = cjm_script_eval_prob(s, m, e, g, t, 0, cell, &read, err);
            if (st != CJM_OK) return st;
            any_dwell |= read;
        }
    if (!any_dwell) return CJM_OK;
    for (int g = 0; g < m->segment_count; g++)
        for (int t = 0; t < m->prob_horizon; t++)
            raw[((size_t)t * m->segment_count + g) * m->edge_count + e] = 1;
    return tabulate_dwell(s, m, e, err);
}

/* Arrivals per step, as whole prospects: the expected numbers are rounded
 * cumulatively, so the total over any span is within one of the exact sum
 * and both engines see the same prospects. */
static cjm_status tabulate_arrivals(cjm_script *s, cjm_model *m, int horizon, cjm_error *err)
{
    double *a = calloc((size_t)horizon, sizeof *a), expected = 0, before = 0;
    if (!a) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    free(m->arrivals);
    m->arrivals = a;
    m->arrivals_total = 0;
    for (int t = 0; m->has_arrivals && t < horizon; t++) {
        double v = m->arrivals_value;
        if (s->arrivals_ref > 0) {
            cjm_status st = cjm_script_eval_arrivals(s, m, t, &v, err);
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

cjm_status cjm_script_tabulate(cjm_script *s, cjm_model *m, int horizon, cjm_error *err)
{
    cjm_status st = tabulate_arrivals(s, m, horizon, err);
    if (st == CJM_OK) st = cjm_model_tables_new(m, horizon, err);
    for (int e = 0; st == CJM_OK && e < m->edge_count; e++)
        st = tabulate_edge(s, m, e, m->raw, err);
    return st == CJM_OK ? cjm_model_finish_tables(m, err) : st;
}
