/* compare.c: variants and fixes against the baseline, with paired deltas.
 *
 * Every arm is loaded from the file anew (so a variant's changes never leak
 * into another arm) and run with the same settings and seed: the agent
 * engine's keyed streams then give each customer the same random numbers in
 * every arm, and the difference of two arms varies far less than either. */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Paired difference of a plain metric: summarise d_r = a_r - b_r. */
static cjm_summary delta_plain(const cjm_result *a, const cjm_result *b, int metric)
{
    int n = a->runs;
    double *d = malloc((size_t)n * sizeof *d);
    if (!d) return cjm_summary_exact(CJM_NAN, false);
    for (int r = 0; r < n; r++) {
        double na, nb, one;
        cjm_metric_parts(a, metric, r, &na, &one);
        cjm_metric_parts(b, metric, r, &nb, &one);
        d[r] = na - nb;
    }
    cjm_summary s = cjm_summarize(d, n, 1);
    free(d);
    return s;
}

/* Difference of two ratios of totals, Ra - Rb, with the delta method on the
 * paired linearisations z_r = (y_ar - Ra x_ar)/xbar_a - (y_br - Rb x_br)/xbar_b. */
static cjm_summary delta_ratio(const cjm_result *a, const cjm_result *b, int metric)
{
    int n = a->runs;
    double ya = 0, xa = 0, yb = 0, xb = 0, y, x;
    for (int r = 0; r < n; r++) {
        cjm_metric_parts(a, metric, r, &y, &x);
        ya += y, xa += x;
        cjm_metric_parts(b, metric, r, &y, &x);
        yb += y, xb += x;
    }
    if (xa <= 0 || xb <= 0) return cjm_summary_exact(CJM_NAN, false);
    double ra = ya / xa, rb = yb / xb, mean_z = 0, m2 = 0;
    cjm_summary s = {ra - rb, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, CJM_NAN, true};
    for (int r = 0; r < n; r++) {
        double ay, ax, by, bx;
        cjm_metric_parts(a, metric, r, &ay, &ax);
        cjm_metric_parts(b, metric, r, &by, &bx);
        double z = (ay - ra * ax) / (xa / n) - (by - rb * bx) / (xb / n);
        double d = z - mean_z;
        mean_z += d / (r + 1);
        m2 += d * (z - mean_z);
    }
    if (n > 1) {
        s.se = sqrt(m2 / (n - 1) / n);
        s.lo = s.mean - cjm_t975(n - 1) * s.se;
        s.hi = s.mean + cjm_t975(n - 1) * s.se;
    }
    return s;
}

cjm_summary cjm_delta(const cjm_result *a, const cjm_result *b, int metric)
{
    if (cjm_result_is_point(a)) {
        double ya, xa, yb, xb;
        cjm_metric_parts(a, metric, 0, &ya, &xa);
        cjm_metric_parts(b, metric, 0, &yb, &xb);
        int defined = xa > 0 && xb > 0;
        return cjm_summary_exact(defined ? ya / xa - yb / xb : CJM_NAN, defined);
    }
    return cjm_metric_is_ratio(metric) ? delta_ratio(a, b, metric) : delta_plain(a, b, metric);
}

static double share_profit_up(const cjm_result *a, const cjm_result *b)
{
    int up = 0;
    for (int r = 0; r < a->runs; r++) {
        double pa, pb, one;
        cjm_metric_parts(a, CJM_M_PROFIT, r, &pa, &one);
        cjm_metric_parts(b, CJM_M_PROFIT, r, &pb, &one);
        up += pa > pb;
    }
    return (double)up / a->runs;
}

static void arm_free(cjm_arm *a)
{
    free(a->name);
    for (int i = 0; i < a->fix_count; i++) free(a->fixes[i]);
    free(a->fixes);
    cjm_metrics_free(&a->metrics);
    cjm_result_free(&a->result);
    cjm_model_free(&a->model);
    memset(a, 0, sizeof *a);
}

void cjm_comparison_free(cjm_comparison **cp)
{
    if (!cp || !*cp) return;
    cjm_comparison *c = *cp;
    for (int i = 0; i < c->arm_count; i++) arm_free(&c->arms[i]);
    free(c->arms);
    if (c->best) arm_free(c->best);
    free(c->best);
    free(c->steps);
    arm_free(&c->base); /* last: the fix arms' models are derived from it */
    free(c);
    *cp = NULL;
}

/* How an arm's result is made: cjm_run by default; a merge of the parts'
 * rows for that arm when the comparison is merged from shards. */
typedef struct arm_runner {
    cjm_compare_runner fn; /* NULL: cjm_run */
    void *ctx;
    int arm; /* 0: the baseline, 1..: the variants in order */
} arm_runner;

static cjm_status runner_run(arm_runner *how, const cjm_model *m, const cjm_settings *s,
                             cjm_result **out, cjm_error *err)
{
    cjm_status st =
        how && how->fn ? how->fn(how->ctx, how->arm, m, s, out, err) : cjm_run(m, s, out, err);
    if (how) how->arm++;
    return st;
}

/* A shard's arm has only its runs: nothing to summarise until the merge. */
static cjm_status arm_metrics(cjm_arm *a, const cjm_settings *s, cjm_error *err)
{
    return s->shard_count > 0 ? CJM_OK : cjm_metrics_compute(a->result, &a->metrics, err);
}

/* Loads and runs one arm: the base options plus a variant or extra fixes. */
static cjm_status arm_run(cjm_arm *a, const char *path, const cjm_load_options *base,
                          const char *variant, const cjm_settings *s, arm_runner *how,
                          cjm_error *err)
{
    cjm_load_options o = *base;
    const char **fixes = malloc((size_t)(base->fix_count + a->fix_count + 1) * sizeof *fixes);
    if (!fixes) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < base->fix_count; i++) fixes[i] = base->fixes[i];
    for (int i = 0; i < a->fix_count; i++) fixes[base->fix_count + i] = a->fixes[i];
    o.fixes = fixes;
    o.fix_count = base->fix_count + a->fix_count;
    if (variant) o.variant = variant;
    cjm_status st = cjm_model_load(path, &o, &a->model, err);
    free(fixes);
    if (st == CJM_OK) st = runner_run(how, a->model, s, &a->result, err);
    if (st == CJM_OK) st = arm_metrics(a, s, err);
    return st;
}

/* Runs a fixes arm: the baseline's model with the arm's fixes applied too,
 * derived in C (cjm_model_with_fixes: what loading with those --fix
 * options gives, without loading the scenario again). */
static cjm_status arm_run_fixes(cjm_arm *a, const cjm_model *base, const cjm_settings *s,
                                cjm_error *err)
{
    unsigned char *fixed = malloc((size_t)base->barrier_count + 1);
    if (!fixed) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int b = 0; b < base->barrier_count; b++) fixed[b] = base->barriers[b].fixed;
    for (int i = 0; i < a->fix_count; i++) {
        int b = cjm_model_barrier_index(base, a->fixes[i]);
        if (b >= 0) fixed[b] = 1;
    }
    cjm_status st = cjm_model_with_fixes(base, fixed, &a->model, err);
    free(fixed);
    if (st == CJM_OK) st = cjm_run(a->model, s, &a->result, err);
    if (st == CJM_OK) st = cjm_metrics_compute(a->result, &a->metrics, err);
    return st;
}

static void arm_deltas(cjm_arm *a, const cjm_arm *base)
{
    if (a->result->settings.shard_count > 0) return; /* a shard: the merge pairs them */
    for (int i = 0; i < CJM_M_COUNT; i++) a->delta[i] = cjm_delta(a->result, base->result, i);
    double dp = a->delta[CJM_M_PROFIT].mean, dc = a->delta[CJM_M_COST].mean;
    a->roi = dc > 0 ? dp / dc : CJM_NAN;
    a->p_profit_up = share_profit_up(a->result, base->result);
}

static cjm_status comparison_new(cjm_comparison_kind kind, int arms, cjm_comparison **out,
                                 cjm_error *err)
{
    cjm_comparison *c = calloc(1, sizeof *c);
    if (c) c->arms = calloc((size_t)(arms > 0 ? arms : 1), sizeof *c->arms);
    if (!c || !c->arms) {
        free(c);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    c->kind = kind;
    *out = c;
    return CJM_OK;
}

static cjm_status run_base(cjm_comparison *c, const char *path, const cjm_load_options *base,
                           const cjm_settings *s, arm_runner *how, cjm_error *err)
{
    c->base.name = strdup(base->variant ? base->variant : "baseline");
    if (!c->base.name) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    return arm_run(&c->base, path, base, NULL, s, how, err);
}

cjm_status cjm_compare_variants(const char *path, const cjm_load_options *base,
                                const char *const *variants, int count, const cjm_settings *s,
                                cjm_comparison **out, cjm_error *err)
{
    return cjm_compare_variants_with(path, base, variants, count, s, NULL, NULL, out, err);
}

cjm_status cjm_compare_variants_with(const char *path, const cjm_load_options *base,
                                     const char *const *variants, int count, const cjm_settings *s,
                                     cjm_compare_runner fn, void *ctx, cjm_comparison **out,
                                     cjm_error *err)
{
    arm_runner how = {fn, ctx, 0};
    *out = NULL;
    cjm_comparison *c = NULL;
    cjm_status st = comparison_new(CJM_COMPARE_VARIANTS, count, &c, err);
    if (st == CJM_OK) st = run_base(c, path, base, s, &how, err);
    const cjm_model *m = st == CJM_OK ? c->base.model : NULL;
    if (st == CJM_OK && count == 0) {
        if (m->variant_count == 0)
            st = cjm_error_set(err, CJM_ESCENARIO, "%s: the scenario has no variants to compare",
                               path);
        variants = (const char *const *)m->variant_names;
        count = m->variant_count;
        free(c->arms);
        c->arms = calloc((size_t)(count > 0 ? count : 1), sizeof *c->arms);
        if (!c->arms) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    for (int i = 0; st == CJM_OK && i < count; i++) {
        c->arm_count = i + 1;
        if (!(c->arms[i].name = strdup(variants[i])))
            st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        if (st == CJM_OK) st = arm_run(&c->arms[i], path, base, variants[i], s, &how, err);
        if (st == CJM_OK) arm_deltas(&c->arms[i], &c->base);
    }
    if (st != CJM_OK) cjm_comparison_free(&c);
    *out = c;
    return st;
}

/* ---- fixes: each alone, ranked, then a greedy combination ---- */

static cjm_status arm_set_fixes(cjm_arm *a, char *const *names, int n, cjm_error *err)
{
    a->fixes = calloc((size_t)n + 1, sizeof *a->fixes);
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(names[i]) + 3;
    a->name = malloc(len);
    if (!a->fixes || !a->name) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    a->name[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!(a->fixes[i] = strdup(names[i])))
            return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        a->fix_count = i + 1;
        if (i) strcat(a->name, " + ");
        strcat(a->name, names[i]);
    }
    return CJM_OK;
}

static int by_delta_profit(const void *x, const void *y)
{
    const cjm_arm *p = x, *q = y;
    double a = p->delta[CJM_M_PROFIT].mean, b = q->delta[CJM_M_PROFIT].mean;
    if (a != b) return (a < b) - (a > b);
    return strcmp(p->name, q->name); /* ties in a fixed order */
}

/* The fixes of the single arms, best first, that a greedy search may add. */
static cjm_status greedy(cjm_comparison *c, const cjm_settings *s, cjm_error *err)
{
    int n = c->arm_count, chosen_count = 0;
    char **chosen = calloc((size_t)n + 1, sizeof *chosen);
    unsigned char *used = calloc((size_t)n + 1, 1);
    c->steps = calloc((size_t)n + 1, sizeof *c->steps);
    cjm_arm best = {0};
    double best_profit = c->base.metrics.m[CJM_M_PROFIT].mean;
    cjm_status st =
        chosen && used && c->steps ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int round = 0; st == CJM_OK && round < n; round++) {
        int pick = -1;
        cjm_arm round_best = {0};
        for (int i = 0; st == CJM_OK && i < n; i++) {
            if (used[i]) continue;
            cjm_arm trial = {0};
            chosen[chosen_count] = c->arms[i].fixes[0];
            st = arm_set_fixes(&trial, chosen, chosen_count + 1, err);
            if (st == CJM_OK) st = arm_run_fixes(&trial, c->base.model, s, err);
            double profit = st == CJM_OK ? trial.metrics.m[CJM_M_PROFIT].mean : 0;
            if (st == CJM_OK && profit > best_profit) {
                best_profit = profit;
                pick = i;
                arm_free(&round_best);
                round_best = trial;
            } else {
                arm_free(&trial);
            }
        }
        if (pick < 0) break;
        used[pick] = 1;
        c->steps[chosen_count] = (struct cjm_greedy_step){c->arms[pick].fixes[0], best_profit};
        chosen[chosen_count++] = c->arms[pick].fixes[0];
        c->step_count = chosen_count;
        arm_free(&best);
        best = round_best;
    }
    if (st == CJM_OK && chosen_count > 0) {
        arm_deltas(&best, &c->base);
        c->best = malloc(sizeof *c->best);
        if (c->best)
            *c->best = best;
        else
            st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    } else {
        arm_free(&best);
    }
    free(chosen);
    free(used);
    return st;
}

cjm_status cjm_compare_fixes(const char *path, const cjm_load_options *base, const cjm_settings *s,
                             cjm_comparison **out, cjm_error *err)
{
    *out = NULL;
    cjm_comparison *c = NULL;
    if (s->shard_count > 0)
        return cjm_error_set(err, CJM_EUSAGE,
                             "fixes: --shard is not supported (its greedy search needs every "
                             "run's result between its rounds)");
    cjm_status st = comparison_new(CJM_COMPARE_FIXES, CJM_MAX_STAGES * 4, &c, err);
    if (st == CJM_OK) st = run_base(c, path, base, s, NULL, err);
    const cjm_model *m = st == CJM_OK ? c->base.model : NULL;
    if (st == CJM_OK) {
        free(c->arms);
        c->arms = calloc((size_t)m->barrier_count + 1, sizeof *c->arms);
        if (!c->arms) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    for (int b = 0; st == CJM_OK && b < m->barrier_count; b++) {
        if (!m->barriers[b].has_fix || m->barriers[b].fixed) continue;
        cjm_arm *a = &c->arms[c->arm_count++];
        st = arm_set_fixes(a, &m->barriers[b].name, 1, err);
        if (st == CJM_OK) st = arm_run_fixes(a, m, s, err);
        if (st == CJM_OK) arm_deltas(a, &c->base);
    }
    if (st == CJM_OK && c->arm_count == 0)
        st = cjm_error_set(err, CJM_ESCENARIO, "%s: the scenario has no barrier with a fix", path);
    if (st == CJM_OK) {
        qsort(c->arms, (size_t)c->arm_count, sizeof *c->arms, by_delta_profit);
        st = greedy(c, s, err);
    }
    if (st != CJM_OK) cjm_comparison_free(&c);
    *out = c;
    return st;
}
