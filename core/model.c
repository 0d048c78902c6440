/* model.c: the compiled model's lifecycle, its probability tables, and its
 * description for `cjm check`. */
#include "model.h"

#include "script.h"

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
    cjm_status st = cjm_script_open(path, &m->script, err);
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
    free(e->path);
    free(e->kind);
    free(e->value);
    free(e->fn_ref);
}

void cjm_model_free(cjm_model **mp)
{
    if (!mp || !*mp) return;
    cjm_model *m = *mp;
    for (int s = 0; s < m->stage_count; s++) free(m->stages[s].name);
    for (int g = 0; g < m->segment_count; g++) free(m->segment_names ? m->segment_names[g] : NULL);
    for (int e = 0; e < m->edge_count; e++) free_edge(&m->edges[e]);
    for (int b = 0; b < m->barrier_count; b++) {
        free(m->barriers[b].name);
        free(m->barriers[b].edges);
        free(m->barriers[b].segments);
    }
    for (int v = 0; v < m->variant_count; v++) free(m->variant_names[v]);
    free(m->barriers);
    free(m->variant_names);
    free(m->variant);
    free(m->stages);
    free(m->segment_names);
    free(m->segment_share);
    free(m->edges);
    free(m->edge_start);
    free(m->prob);
    free(m->name);
    free(m->step_name);
    free(m->file);
    cjm_script_free(&m->script);
    free(m);
    *mp = NULL;
}

/* Sums the outgoing probabilities of every (step, segment, stage): above 1
 * there is no valid "stay" remainder. */
static cjm_status check_sums(const cjm_model *m, int horizon, cjm_error *err)
{
    for (int t = 0; t < horizon; t++)
        for (int g = 0; g < m->segment_count; g++)
            for (int s = 0; s < m->stage_count; s++) {
                double sum = 0;
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                    sum += cjm_model_prob(m, t, g, e);
                if (sum > 1 + 1e-12) {
                    const cjm_edge *first = &m->edges[m->edge_start[s]];
                    return cjm_error_set(err, CJM_ESCENARIO,
                                         "%s:%d: transitions.%s: the probabilities of leaving "
                                         "'%s' sum to %.12g (above 1) at step %d, segment %s",
                                         m->file, first->line, m->stages[s].name, m->stages[s].name,
                                         sum, t, m->segment_names[g]);
                }
            }
    return CJM_OK;
}

static void apply_barriers(cjm_model *m, int horizon)
{
    for (int i = 0; i < m->barrier_count; i++) {
        const cjm_barrier *b = &m->barriers[i];
        for (int k = 0; k < b->edge_count; k++)
            for (int t = 0; t < horizon; t++)
                for (int g = 0; g < m->segment_count; g++)
                    m->prob[((size_t)t * m->segment_count + g) * m->edge_count + b->edges[k]] *=
                        cjm_barrier_multiplier(b, t, g);
    }
}

cjm_status cjm_model_tabulate(cjm_model *m, int horizon, cjm_error *err)
{
    size_t cells =
        (size_t)horizon * (size_t)m->segment_count * (size_t)(m->edge_count ? m->edge_count : 1);
    double *prob = malloc(cells * sizeof *prob);
    if (!prob) return cjm_error_set(err, CJM_ENOMEM, "out of memory for %zu probabilities", cells);
    free(m->prob);
    m->prob = prob;
    m->prob_horizon = horizon;
    for (int e = 0; e < m->edge_count; e++) {
        const cjm_edge *edge = &m->edges[e];
        for (int g = 0; g < m->segment_count; g++)
            for (int t = 0; t < horizon; t++) {
                double *cell = &prob[((size_t)t * m->segment_count + g) * m->edge_count + e];
                if (edge->kind[g] == CJM_PROB_CONST) {
                    *cell = edge->value[g];
                    continue;
                }
                cjm_status st = cjm_script_eval_prob(m->script, m, edge, g, t, cell, err);
                if (st != CJM_OK) return st;
            }
    }
    cjm_status st = check_sums(m, horizon, err); /* the written, barrier-free probabilities */
    if (st == CJM_OK) apply_barriers(m, horizon);
    return st;
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
    fputc('\n', f);
}

static int edge_is_constant(const cjm_model *m, const cjm_edge *e)
{
    for (int g = 0; g < m->segment_count; g++)
        if (e->kind[g] != CJM_PROB_CONST || e->value[g] != e->value[0]) return 0;
    return 1;
}

static void describe_edge(const cjm_model *m, int e, FILE *f)
{
    const cjm_edge *edge = &m->edges[e];
    fprintf(f, "    -> %-16s", m->stages[edge->to].name);
    if (edge_is_constant(m, edge)) {
        fprintf(f, " %g\n", edge->value[0]);
        return;
    }
    for (int g = 0; g < m->segment_count; g++) {
        fprintf(f, " %s:", m->segment_names[g]);
        if (edge->kind[g] == CJM_PROB_CONST) {
            fprintf(f, "%g", edge->value[g]);
            continue;
        }
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (int t = 0; t < m->prob_horizon; t++) {
            double p = cjm_model_prob(m, t, g, e);
            lo = p < lo ? p : lo;
            hi = p > hi ? p : hi;
        }
        fprintf(f, "function[%g..%g]", lo, hi);
    }
    fputc('\n', f);
}

static void describe_leaving(const cjm_model *m, int s, FILE *f)
{
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

void cjm_model_describe(const cjm_model *m, FILE *f)
{
    fprintf(f, "scenario: %s\nfile: %s\nsha256: %s\n", m->name, m->file, m->sha256);
    fprintf(f, "horizon: %d %ss; cohort: %lld prospects at %g each\n", m->horizon, m->step_name,
            (long long)m->cohort_size, m->cost_per_prospect);
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
}
