/* tabulate.c: function-valued probabilities, purchases, joining and
 * arrivals, evaluated once per (step, segment[, time in stage | loyalty
 * context]) into the model's plain tables: after this, nothing needs Lua. */
#include "script_internal.h"
#include "script_limits.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DWELL_CELLS 50000000
#define MAX_LOYALTY_CELLS 50000000

/* The functions of one tabulation: an edge's probability (kind EDGE) or a
 * stage's purchases per step (kind RATE), for segment g at (t, d, c). */
enum { EDGE, RATE };

typedef struct quantity {
    int kind, index; /* EDGE: the edge; RATE: the stage */
    const char *path;
    int line;
} quantity;

static bool is_function(const cjm_model *m, const quantity *q, int g)
{
    if (q->kind == EDGE) return m->edges[q->index].kind[g] == CJM_PROB_FUNCTION;
    return m->rates[(size_t)q->index * m->segment_count + g].kind == CJM_PROB_FUNCTION;
}

/* A constant's value (a per-customer edge's table holds 1: the customer's
 * own probability multiplies it). */
static double constant(const cjm_model *m, const quantity *q, int g)
{
    if (q->kind == EDGE)
        return m->edges[q->index].kind[g] == CJM_PROB_PER_CUSTOMER
                   ? cjm_edge_share(&m->edges[q->index], g)
                   : m->edges[q->index].value[g];
    return m->rates[(size_t)q->index * m->segment_count + g].value;
}

static cjm_status eval(cjm_script *s, const cjm_model *m, const quantity *q, int g, int t, int d,
                       int c, cjm_eval *ev, cjm_error *err)
{
    if (!is_function(m, q, g)) {
        *ev = (cjm_eval){constant(m, q, g), 0, 0};
        return CJM_OK;
    }
    if (q->kind == RATE) return cjm_script_eval_rate(s, m, q->index, g, t, d, c, ev, err);
    cjm_status st = cjm_script_eval_prob(s, m, q->index, g, t, d, c, ev, err);
    ev->value *= cjm_edge_share(&m->edges[q->index], g); /* a split row's leaves x share */
    return st;
}

/* A new table of cells doubles, appended to *tables (count *n); its index,
 * -1 out of memory, -2 over the memory limit (the reason in why). */
static int new_table(cjm_script *s, double ***tables, int *n, size_t cells, char *why, size_t wn)
{
    if (cjm_limits_reserve(s->L, cells * sizeof(double), why, wn) != 0) return -2;
    double **grown = realloc(*tables, (size_t)(*n + 1) * sizeof *grown);
    double *table = calloc(cells ? cells : 1, sizeof *table);
    if (grown) *tables = grown;
    if (!grown || !table) {
        free(table);
        return -1;
    }
    (*tables)[*n] = table;
    return (*n)++;
}

/* A function that reads c.dwell: evaluated for every (t, g, d <= t). */
static cjm_status tabulate_dwell(cjm_script *s, cjm_model *m, const quantity *q, int *index,
                                 cjm_error *err)
{
    int H = m->prob_horizon, G = m->segment_count;
    if ((double)H * H * G > MAX_DWELL_CELLS)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s:%d: %s: c.dwell needs a table of %d x %d x %d values; "
                             "too large (shorten the horizon)",
                             m->file, q->line, q->path, H, H, G);
    char why[300];
    int k = new_table(s, &m->dwell, &m->dwell_count, (size_t)H * H * G, why, sizeof why);
    if (k == -2)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s:%d: %s: c.dwell needs a table of %d x %d x %d values: %s", m->file,
                             q->line, q->path, H, H, G, why);
    if (k < 0) return cjm_error_set(err, CJM_ENOMEM, "out of memory for the c.dwell table");
    *index = k;
    for (int t = 0; t < H; t++)
        for (int g = 0; g < G; g++)
            for (int d = 0; d <= t; d++) {
                cjm_eval ev;
                cjm_status st = eval(s, m, q, g, t, d, 0, &ev, err);
                if (st != CJM_OK) return st;
                m->dwell[k][((size_t)t * G + g) * H + d] = ev.value;
            }
    return CJM_OK;
}

/* A function that reads the loyalty context: evaluated for every (t, g)
 * and every context (a non-member, each tier with each points balance). */
static cjm_status tabulate_context(cjm_script *s, cjm_model *m, const quantity *q, int *index,
                                   cjm_error *err)
{
    int H = m->prob_horizon, G = m->segment_count, L = m->loyalty_states;
    if ((double)H * G * L > MAX_LOYALTY_CELLS)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s:%d: %s: the loyalty context needs a table of %d x %d x %d values; "
                             "too large (fewer points to a reward, fewer tiers, or a shorter "
                             "horizon)",
                             m->file, q->line, q->path, H, G, L);
    char why[300];
    int k = new_table(s, &m->loyalty_tables, &m->loyalty_table_count, (size_t)H * G * L, why,
                      sizeof why);
    if (k == -2)
        return cjm_error_set(
            err, CJM_ESCENARIO,
            "%s:%d: %s: the loyalty context needs a table of %d x %d x %d values: %s", m->file,
            q->line, q->path, H, G, L, why);
    if (k < 0) return cjm_error_set(err, CJM_ENOMEM, "out of memory for the loyalty table");
    *index = k;
    for (int t = 0; t < H; t++)
        for (int g = 0; g < G; g++)
            for (int c = 0; c < L; c++) {
                cjm_eval ev;
                s->points_read = 0;
                cjm_status st = eval(s, m, q, g, t, 0, c, &ev, err);
                if (st != CJM_OK) return st;
                if (s->points_read && m->loyalty.balance_cap == INT64_MAX)
                    return cjm_script_fail(s, err, q->line, NULL,
                                           "%s: c.points needs a bounded balance: give the "
                                           "program rewards or points.cap",
                                           q->path);
                m->loyalty_tables[k][((size_t)t * G + g) * L + c] = ev.value;
            }
    return CJM_OK;
}

/* Evaluates a quantity for every (t, g) at dwell 0 in a non-member's
 * context into out[(t * G + g) * stride] and says what its functions read. */
static cjm_status first_pass(cjm_script *s, cjm_model *m, const quantity *q, double *out,
                             size_t stride, int *dwell, int *loyalty, cjm_error *err)
{
    *dwell = *loyalty = 0;
    for (int g = 0; g < m->segment_count; g++)
        for (int t = 0; t < m->prob_horizon; t++) {
            cjm_eval ev;
            cjm_status st = eval(s, m, q, g, t, 0, 0, &ev, err);
            if (st != CJM_OK) return st;
            out[((size_t)t * m->segment_count + g) * stride] = ev.value;
            *dwell |= ev.read_dwell;
            *loyalty |= ev.read_loyalty && m->loyalty.present;
        }
    if (*dwell && *loyalty)
        return cjm_script_fail(s, err, q->line, NULL,
                               "%s: a function may read c.dwell or the loyalty context "
                               "(c.member, c.tier, c.points), not both",
                               q->path);
    return CJM_OK;
}

/* raw holds the written probability; for per-customer, time-in-stage and
 * loyalty-context edges it holds 1 (a per-customer edge in a split row: its
 * share), so that prob = raw x barriers is their barrier multiplier. */
static cjm_status tabulate_edge(cjm_script *s, cjm_model *m, int e, cjm_error *err)
{
    cjm_edge *edge = &m->edges[e];
    quantity q = {EDGE, e, edge->path, edge->line};
    int dwell, loyalty, G = m->segment_count;
    for (int g = 0; g < G; g++)
        if (edge->kind[g] == CJM_PROB_PER_CUSTOMER)
            for (int t = 0; t < m->prob_horizon; t++)
                m->raw[((size_t)t * G + g) * m->edge_count + e] = cjm_edge_share(edge, g);
    bool any = false;
    for (int g = 0; g < G; g++) any |= edge->kind[g] == CJM_PROB_FUNCTION;
    if (!any) {
        for (int g = 0; g < G; g++)
            for (int t = 0; t < m->prob_horizon && edge->kind[g] == CJM_PROB_CONST; t++)
                m->raw[((size_t)t * G + g) * m->edge_count + e] = edge->value[g];
        return CJM_OK;
    }
    cjm_status st = first_pass(s, m, &q, m->raw + e, (size_t)m->edge_count, &dwell, &loyalty, err);
    if (st != CJM_OK || (!dwell && !loyalty)) return st;
    for (int g = 0; g < G; g++)
        for (int t = 0; t < m->prob_horizon; t++)
            m->raw[((size_t)t * G + g) * m->edge_count + e] = 1;
    return dwell ? tabulate_dwell(s, m, &q, &edge->dwell_index, err)
                 : tabulate_context(s, m, &q, &edge->loyalty_index, err);
}

/* Stage st's purchases per step into m->purchases (or a dwell or context
 * table when its function reads them). */
static cjm_status tabulate_rate(cjm_script *s, cjm_model *m, int st_index, cjm_error *err)
{
    char path[200];
    snprintf(path, sizeof path, "stages.%s.purchases", m->stages[st_index].name);
    quantity q = {RATE, st_index, path, cjm_script_line_of(s, path)};
    int dwell, loyalty;
    m->purchase_dwell[st_index] = m->purchase_loyalty[st_index] = -1;
    cjm_status st = first_pass(s, m, &q, m->purchases + st_index, (size_t)m->stage_count, &dwell,
                               &loyalty, err);
    if (st != CJM_OK || (!dwell && !loyalty)) return st;
    return dwell ? tabulate_dwell(s, m, &q, &m->purchase_dwell[st_index], err)
                 : tabulate_context(s, m, &q, &m->purchase_loyalty[st_index], err);
}

static cjm_status tabulate_purchases(cjm_script *s, cjm_model *m, cjm_error *err)
{
    size_t cells = (size_t)m->prob_horizon * m->segment_count * m->stage_count;
    free(m->purchases);
    free(m->purchase_dwell);
    free(m->purchase_loyalty);
    m->purchases = calloc(cells, sizeof *m->purchases);
    m->purchase_dwell = malloc((size_t)m->stage_count * sizeof *m->purchase_dwell);
    m->purchase_loyalty = malloc((size_t)m->stage_count * sizeof *m->purchase_loyalty);
    if (!m->purchases || !m->purchase_dwell || !m->purchase_loyalty)
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for the purchases");
    cjm_status st = CJM_OK;
    for (int k = 0; k < m->stage_count && st == CJM_OK; k++) st = tabulate_rate(s, m, k, err);
    return st;
}

/* loyalty.join by (t, g), written into every eligible stage. */
static cjm_status tabulate_join(cjm_script *s, cjm_model *m, cjm_error *err)
{
    cjm_loyalty *l = &m->loyalty;
    int G = m->segment_count, S = m->stage_count;
    free(l->join);
    l->join = calloc((size_t)m->prob_horizon * G * S, sizeof *l->join);
    if (!l->join) return cjm_error_set(err, CJM_ENOMEM, "out of memory for loyalty.join");
    for (int t = 0; t < m->prob_horizon; t++)
        for (int g = 0; g < G; g++) {
            cjm_eval ev = {s->join_value[g], 0, 0};
            if (s->join_ref[g] != LUA_NOREF) {
                cjm_status st = cjm_script_eval_join(s, m, g, t, &ev, err);
                if (st != CJM_OK) return st;
                if (ev.read_dwell || ev.read_loyalty)
                    return cjm_script_fail_at(s, err, "loyalty.join",
                                              "a function of c.t and c.segment only (joining "
                                              "depends on neither time in stage nor the program)");
            }
            for (int st_ = 0; st_ < S; st_++)
                l->join[((size_t)t * G + g) * S + st_] = l->eligible[st_] ? ev.value : 0;
        }
    return CJM_OK;
}

/* Arrivals per step, as whole prospects: the expected numbers are rounded
 * cumulatively, so the total over any span is within one of the exact sum
 * and both engines see the same prospects. */
static cjm_status tabulate_arrivals(cjm_script *s, cjm_model *m, int horizon, cjm_error *err)
{
    double *spec = calloc((size_t)horizon, sizeof *spec);
    if (!spec) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    free(m->arrivals_spec);
    m->arrivals_spec = spec;
    for (int t = 0; m->has_arrivals && t < horizon; t++) {
        spec[t] = m->arrivals_value;
        if (s->arrivals_ref > 0) {
            cjm_status st = cjm_script_eval_arrivals(s, m, t, &spec[t], err);
            if (st != CJM_OK) return st;
        }
    }
    return cjm_model_round_arrivals(m, horizon, err);
}

cjm_status cjm_script_tabulate(cjm_script *s, cjm_model *m, int horizon, cjm_error *err)
{
    for (int k = 0; k < m->loyalty.tier_count; k++) s->tier_names[k] = m->loyalty.tiers[k].name;
    cjm_status st = tabulate_arrivals(s, m, horizon, err);
    if (st == CJM_OK) st = cjm_model_tables_new(m, horizon, err);
    for (int e = 0; st == CJM_OK && e < m->edge_count; e++) st = tabulate_edge(s, m, e, err);
    if (st == CJM_OK) st = tabulate_purchases(s, m, err);
    if (st == CJM_OK) st = cjm_script_tabulate_refers(s, m, err);
    if (st == CJM_OK && m->loyalty.present) st = tabulate_join(s, m, err);
    return st == CJM_OK ? cjm_model_finish_tables(m, err) : st;
}
