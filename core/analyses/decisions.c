/* decisions.c: the questions a planner asks after a sensitivity analysis.
 *
 * goal:     the value of one input at which a metric reaches a target;
 * optimize: the best set of fixes whose cost fits a budget;
 * voi:      what perfect information on the uncertain inputs is worth
 *           (EVPI) and on each input or group of inputs (EVPPI).
 *
 * Every evaluation derives a model from the loaded one in C (inputs set with
 * cjm_model_with, fixes with cjm_model_with_fixes: the loader's checks, no
 * Lua) and runs it with the command line's seed, so that evaluations differ
 * only through what they move (common random numbers). docs/decisions.md
 * says what each result means and how it is computed. */
#include "decisions.h"

#include "compare.h"
#include "parallel.h"
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOAL_MAX_EVALS 200
#define OPT_EXHAUSTIVE_MAX 16 /* fixes searched exhaustively: 2^16 sets */
#define OPT_ROWS 10           /* the best sets listed */
#define VOI_BOOTSTRAP 200
#define KEY_VOI 0x766f69ULL /* "voi": the bootstrap's stream */

/* ---- the analysis object ---- */

static const char *const kind_names[] = {"goal", "optimize", "voi"};

const char *cjm_decision_kind(const cjm_decision *x)
{
    return kind_names[x->kind];
}

void cjm_decision_free(cjm_decision **xp)
{
    if (!xp || !*xp) return;
    cjm_decision *x = *xp;
    for (int i = 0; i < x->row_count; i++) {
        free(x->rows[i].name);
        free(x->rows[i].role);
    }
    free(x->rows);
    free(x->param);
    free(x->note);
    cjm_model_free(&x->model);
    free(x);
    *xp = NULL;
}

static cjm_status decision_new(cjm_decision_type kind, const char *path,
                               const cjm_load_options *base, const cjm_settings *s,
                               const char *metric, cjm_decision **out, cjm_error *err)
{
    cjm_decision *x = calloc(1, sizeof *x);
    *out = x;
    if (!x) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    x->kind = kind;
    x->ran = *s;
    x->metric = metric ? cjm_metric_index(metric) : CJM_M_PROFIT;
    if (x->metric < 0) {
        char names[400];
        size_t o = 0;
        for (int i = 0; i < CJM_M_COUNT && o < sizeof names; i++)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "",
                                  cjm_metric_infos[i].name);
        return cjm_error_set(err, CJM_EUSAGE, "%s: unknown metric '%s' (one of: %s)",
                             kind_names[kind], metric, names);
    }
    return cjm_model_load(path, base, &x->model, err);
}

static void put(cjm_decision *x, const char *name, double v)
{
    for (int i = 0; i < x->value_count; i++)
        if (strcmp(x->value_names[i], name) == 0) {
            x->values[i] = v;
            return;
        }
    if (x->value_count == CJM_DEC_MAX_VALUES) return;
    x->value_names[x->value_count] = name;
    x->values[x->value_count++] = v;
}

double cjm_decision_get(const cjm_decision *x, const char *name)
{
    for (int i = 0; i < x->value_count; i++)
        if (strcmp(x->value_names[i], name) == 0) return x->values[i];
    return CJM_NAN;
}

cjm_status cjm_decision_value(const cjm_decision *x, const char *name, double *out)
{
    for (int i = 0; name && i < x->value_count; i++)
        if (strcmp(x->value_names[i], name) == 0) {
            *out = x->values[i];
            return CJM_OK;
        }
    return CJM_EUSAGE;
}

int cjm_decision_row_count(const cjm_decision *x)
{
    return x->row_count;
}

const char *cjm_decision_row_name(const cjm_decision *x, int row)
{
    return row >= 0 && row < x->row_count ? x->rows[row].name : NULL;
}

const char *cjm_decision_row_role(const cjm_decision *x, int row)
{
    return row >= 0 && row < x->row_count ? x->rows[row].role : NULL;
}

cjm_status cjm_decision_row_value(const cjm_decision *x, int row, const char *name, double *out)
{
    if (row < 0 || row >= x->row_count || !name) return CJM_EUSAGE;
    for (int f = 0; f < x->field_count; f++)
        if (strcmp(x->field_names[f], name) == 0) {
            *out = x->rows[row].v[f];
            return CJM_OK;
        }
    return CJM_EUSAGE;
}

static void set_fields(cjm_decision *x, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) x->field_names[i] = names[i];
    x->field_count = n;
}

static cjm_status rows_alloc(cjm_decision *x, int n, cjm_error *err)
{
    x->rows = calloc((size_t)n + 1, sizeof *x->rows);
    return x->rows ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
}

static cjm_status row_add(cjm_decision *x, const char *name, const char *role, cjm_error *err)
{
    cjm_decision_row *r = &x->rows[x->row_count];
    r->name = strdup(name);
    r->role = strdup(role);
    for (int f = 0; f < CJM_DEC_MAX_FIELDS; f++) r->v[f] = CJM_NAN;
    x->row_count++;
    return r->name && r->role ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
}

/* Runs m and summarises metric; mt (optional) keeps every metric. */
static cjm_status evaluate(const cjm_model *m, const cjm_settings *s, int metric, cjm_summary *y,
                           cjm_metrics *mt, cjm_error *err)
{
    cjm_result *r = NULL;
    cjm_metrics local;
    cjm_status st = cjm_run(m, s, &r, err);
    if (st == CJM_OK) st = cjm_metrics_compute(r, mt ? mt : &local, err);
    if (st == CJM_OK) {
        *y = (mt ? mt : &local)->m[metric];
        if (!mt) cjm_metrics_free(&local);
    }
    cjm_result_free(&r);
    return st;
}

/* ---- goal seek ---- */

typedef struct goal {
    cjm_decision *x;
    const cjm_input *in;
    int index;
    double target;
    cjm_settings s;
    long evaluations;
} goal;

/* The metric with the input at v (rounded for a whole-number input). */
static cjm_status goal_at(goal *g, double v, cjm_summary *y, cjm_error *err)
{
    cjm_model *m = NULL;
    if (g->in->integral) v = floor(v + 0.5);
    cjm_status st = cjm_model_with(g->x->model, 1, &g->index, &v, &m, err);
    if (st == CJM_OK) st = evaluate(m, &g->s, g->x->metric, y, NULL, err);
    cjm_model_free(&m);
    g->evaluations++;
    if (st == CJM_OK && !y->defined)
        st = cjm_error_set(err, CJM_ESCENARIO, "goal: %s has no value with %s = %.10g",
                           cjm_metric_infos[g->x->metric].name, g->in->path, v);
    return st;
}

/* An end of the search range that the scenario accepts: halfway back to
 * the input's own value while the scenario refuses the end (a probability
 * whose stage's exits would pass 1, say). */
static cjm_status goal_end(goal *g, double *end, cjm_summary *y, cjm_error *err)
{
    double from = g->in->value;
    cjm_status st = CJM_ESCENARIO;
    for (int k = 0; k < 60; k++) {
        st = goal_at(g, *end, y, err);
        if (st != CJM_ESCENARIO || *end == from) return st;
        *end = from + (*end - from) / 2;
    }
    return st;
}

/* Which of the three summary values a root is sought for. */
enum { AT_MEAN, AT_LO, AT_HI };

static double goal_f(const goal *g, const cjm_summary *y, int which)
{
    double v = which == AT_MEAN ? y->mean : which == AT_LO ? y->lo : y->hi;
    return v - g->target;
}

/* The Illinois method (false position that halves the stale end's value)
 * on [a, b] with f(a), f(b) of opposite signs: superlinear on smooth
 * metrics, never leaving the bracket on noisy ones. */
static cjm_status goal_root(goal *g, double a, double fa, double b, double fb, int which,
                            double xtol, double *root, cjm_summary *at, cjm_error *err)
{
    int side = 0;
    double c = fabs(fa) < fabs(fb) ? a : b;
    cjm_summary yc = {0};
    cjm_status st = goal_at(g, c, &yc, err);
    for (int it = 0; st == CJM_OK && it < GOAL_MAX_EVALS; it++) {
        if (fabs(b - a) <= xtol * (fabs(a) + fabs(b) + 1e-300) ||
            (g->in->integral && fabs(b - a) <= 1))
            break;
        c = (a * fb - b * fa) / (fb - fa);
        if (!(c > fmin(a, b) && c < fmax(a, b))) c = (a + b) / 2;
        st = goal_at(g, c, &yc, err);
        double fc = st == CJM_OK ? goal_f(g, &yc, which) : 0;
        if (st != CJM_OK || fc == 0) break;
        if ((fc > 0) == (fb > 0)) {
            b = c, fb = fc;
            if (side == -1) fa /= 2;
            side = -1;
        } else {
            a = c, fa = fc;
            if (side == 1) fb /= 2;
            side = 1;
        }
    }
    if (st == CJM_OK && g->in->integral) { /* the whole number nearer the target */
        double lo = floor(fmin(a, b) + 0.5), hi = floor(fmax(a, b) + 0.5);
        cjm_summary ylo, yhi;
        st = goal_at(g, lo, &ylo, err);
        if (st == CJM_OK) st = goal_at(g, hi, &yhi, err);
        bool low = fabs(goal_f(g, &ylo, which)) <= fabs(goal_f(g, &yhi, which));
        c = low ? lo : hi;
        yc = low ? ylo : yhi;
    }
    *root = c;
    *at = yc;
    return st;
}

/* The search range: --range, else the input's valid range, an unbounded
 * end replaced by doubling from the input's value until the target is
 * crossed (up to 1e15). */
static cjm_status goal_range(goal *g, const cjm_goal_options *o, double *a, double *b,
                             cjm_summary *ya, cjm_summary *yb, cjm_error *err)
{
    *a = o->ranged ? o->lo : g->in->lim_lo;
    *b = o->ranged ? o->hi : g->in->lim_hi;
    if (o->ranged && !(o->lo < o->hi))
        return cjm_error_set(err, CJM_EUSAGE, "goal: --range %g:%g: expected LO < HI", o->lo,
                             o->hi);
    double v = g->in->value, step = fmax(fabs(v), 1);
    if (!isfinite(*a)) *a = v - step;
    bool grow_b = !isfinite(*b);
    if (grow_b) *b = v + step;
    cjm_status st = goal_end(g, a, ya, err);
    if (st == CJM_OK) st = goal_end(g, b, yb, err);
    while (st == CJM_OK && grow_b && *b < 1e15 &&
           (goal_f(g, ya, AT_MEAN) > 0) == (goal_f(g, yb, AT_MEAN) > 0)) {
        *a = *b, *ya = *yb;
        *b = v + 2 * (*b - v);
        st = goal_end(g, b, yb, err);
    }
    return st;
}

static cjm_status goal_reach(goal *g, double a, double b, const cjm_summary *ya,
                             const cjm_summary *yb, cjm_error *err)
{
    double fa = goal_f(g, ya, AT_MEAN), fb = goal_f(g, yb, AT_MEAN);
    if (fa != 0 && fb != 0 && (fa > 0) == (fb > 0))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "goal: %s = %.10g is out of reach: it is %.10g at %s = %.10g and "
                             "%.10g at %.10g (the range searched; --range LO:HI to search "
                             "another)",
                             cjm_metric_infos[g->x->metric].name, g->target, ya->mean, g->in->path,
                             a, yb->mean, b);
    return CJM_OK;
}

/* With sampling, where the interval's ends cross the target: the values of
 * the input the data cannot tell from the solution (NaN: beyond the range). */
static cjm_status goal_interval(goal *g, double a, const cjm_summary *ya, double b,
                                const cjm_summary *yb, double *lo, double *hi, cjm_error *err)
{
    double ends[2] = {CJM_NAN, CJM_NAN};
    cjm_status st = CJM_OK;
    for (int k = 0; st == CJM_OK && k < 2; k++) {
        int which = k ? AT_HI : AT_LO;
        double fa = goal_f(g, ya, which), fb = goal_f(g, yb, which);
        cjm_summary y;
        if (fa == 0)
            ends[k] = a;
        else if (fb == 0)
            ends[k] = b;
        else if ((fa > 0) != (fb > 0))
            st = goal_root(g, a, fa, b, fb, which, 1e-6, &ends[k], &y, err);
    }
    *lo = fmin(ends[0], ends[1]);
    *hi = fmax(ends[0], ends[1]);
    if (isnan(ends[0]) || isnan(ends[1])) *lo = *hi = CJM_NAN;
    return st;
}

static int goal_input(const cjm_model *m, const char *path)
{
    for (int i = 0; path && i < m->input_count; i++)
        if (strcmp(m->inputs[i].path, path) == 0 ||
            (m->inputs[i].name && strcmp(m->inputs[i].name, path) == 0))
            return i;
    return -1;
}

cjm_status cjm_goal(const char *path, const cjm_load_options *base, const cjm_settings *s,
                    const cjm_goal_options *o, cjm_decision **out, cjm_error *err)
{
    cjm_decision *x = NULL;
    cjm_status st = decision_new(CJM_DEC_GOAL, path, base, s, o->metric, &x, err);
    goal g = {.x = x, .target = o->target, .s = *s};
    if (st == CJM_OK && !isfinite(o->target))
        st = cjm_error_set(err, CJM_EUSAGE, "goal: the target must be a finite number");
    if (st == CJM_OK && (g.index = goal_input(x->model, o->param)) < 0)
        st = cjm_error_set(err, CJM_EUSAGE,
                           "goal: --param %s: not a numeric input of the scenario (a number "
                           "written in it, e.g. transitions.STAGE.NEXT or stages.STAGE.cost)",
                           o->param ? o->param : "(none)");
    if (st == CJM_OK) g.in = &x->model->inputs[g.index];
    if (st == CJM_OK && !(x->param = strdup(o->param)))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    double a = 0, b = 0, root = CJM_NAN, lo = CJM_NAN, hi = CJM_NAN;
    cjm_summary ya = {0}, yb = {0}, y = {0};
    if (st == CJM_OK) st = goal_range(&g, o, &a, &b, &ya, &yb, err);
    if (st == CJM_OK) st = goal_reach(&g, a, b, &ya, &yb, err);
    bool sampled = s->engine != CJM_ENGINE_EXACT || x->model->uncertain_count > 0;
    if (st == CJM_OK)
        st = goal_root(&g, a, goal_f(&g, &ya, AT_MEAN), b, goal_f(&g, &yb, AT_MEAN), AT_MEAN,
                       sampled ? 1e-6 : 1e-12, &root, &y, err);
    if (st == CJM_OK && sampled) st = goal_interval(&g, a, &ya, b, &yb, &lo, &hi, err);
    if (st == CJM_OK) {
        put(x, "value", root);
        put(x, "value_lo", sampled ? lo : root);
        put(x, "value_hi", sampled ? hi : root);
        put(x, "current", g.in->value);
        put(x, "target", o->target);
        put(x, "metric", y.mean);
        put(x, "metric_lo", y.lo);
        put(x, "metric_hi", y.hi);
        put(x, "low", a);
        put(x, "high", b);
        put(x, "metric_at_low", ya.mean);
        put(x, "metric_at_high", yb.mean);
        put(x, "evaluations", (double)g.evaluations);
    }
    if (st != CJM_OK) cjm_decision_free(&x);
    *out = x;
    return st;
}

/* ---- the best fixes under a budget ---- */

typedef struct opt {
    cjm_decision *x;
    const cjm_model *m;
    int F;            /* candidate fixes */
    int cand[64];     /* their barriers */
    cjm_settings s;   /* of the search's evaluations */
    double *y, *cost; /* [2^F] (exhaustive) */
    unsigned char *done;
    long evaluations;
} opt;

/* The fix set `set` (bit j: candidate j) as the barriers' flags, on top of
 * the fixes the command line applies. */
static void opt_flags(const opt *p, uint64_t set, unsigned char *fixed)
{
    for (int b = 0; b < p->m->barrier_count; b++) fixed[b] = p->m->barriers[b].fixed;
    for (int j = 0; j < p->F; j++)
        if (set >> j & 1) fixed[p->cand[j]] = 1;
}

/* Candidate j of a breakdown line, or -1: a fix's own costs and the fixed
 * costs that belong to it. */
static int opt_line_fix(const opt *p, const cjm_line *l)
{
    int b = l->group == CJM_LINE_FIX     ? l->index
            : l->group == CJM_LINE_FIXED ? p->m->fixed_costs[l->index].barrier
                                         : -1;
    for (int j = 0; b >= 0 && j < p->F; j++)
        if (p->cand[j] == b) return j;
    return -1;
}

/* The metric and the cost of the set's fixes (their lines' means). */
static cjm_status opt_eval(opt *p, uint64_t set, const cjm_settings *s, double *y, double *cost,
                           cjm_error *err)
{
    unsigned char *fixed = malloc((size_t)p->m->barrier_count + 1);
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    cjm_metrics mt;
    if (!fixed) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    opt_flags(p, set, fixed);
    cjm_status st = cjm_model_with_fixes(p->m, fixed, &m, err);
    free(fixed);
    if (st == CJM_OK) st = cjm_run(m, s, &r, err);
    if (st == CJM_OK) st = cjm_metrics_compute(r, &mt, err);
    if (st == CJM_OK) {
        *y = mt.m[p->x->metric].defined ? mt.m[p->x->metric].mean : CJM_NAN;
        *cost = 0;
        for (int i = 0; i < r->line_count; i++)
            if (opt_line_fix(p, &r->lines[i]) >= 0) *cost += mt.lines[i].mean;
        cjm_metrics_free(&mt);
    }
    cjm_result_free(&r);
    cjm_model_free(&m);
    return st;
}

static cjm_status opt_item(void *ctx, void *local, long i, cjm_error *err)
{
    opt *p = ctx;
    (void)local;
    cjm_settings s = p->s;
    s.threads = 1;
    return opt_eval(p, (uint64_t)i, &s, &p->y[i], &p->cost[i], err);
}

static cjm_status opt_exhaustive(opt *p, cjm_error *err)
{
    long n = 1L << p->F;
    p->y = malloc((size_t)n * sizeof *p->y);
    p->cost = malloc((size_t)n * sizeof *p->cost);
    if (!p->y || !p->cost) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    int threads = p->s.threads > 0 ? p->s.threads : cjm_cpu_count();
    cjm_parallel w = {
        .items = n, .threads = threads, .cancel = p->s.cancel, .ctx = p, .item = opt_item};
    p->evaluations += n;
    return cjm_parallel_for(&w, err);
}

static bool fits(double cost, double budget)
{
    return cost <= budget * (1 + 1e-12) + 1e-9;
}

/* Better: a higher metric; ties to fewer fixes, then the lower set. */
static bool better(double y, uint64_t set, double y0, uint64_t set0)
{
    if (isnan(y0)) return !isnan(y);
    if (y != y0) return y > y0;
    int a = __builtin_popcountll(set), b = __builtin_popcountll(set0);
    return a != b ? a < b : set < set0;
}

/* The greedy set: add, while it fits, the fix that raises the metric most. */
static uint64_t opt_greedy(const opt *p, double budget)
{
    uint64_t cur = 0;
    for (;;) {
        uint64_t pick = cur;
        for (int j = 0; j < p->F; j++) {
            uint64_t t = cur | 1ull << j;
            if (t == cur || !fits(p->cost[t], budget)) continue;
            if (p->y[t] > p->y[pick] && better(p->y[t], t, p->y[pick], pick)) pick = t;
        }
        if (pick == cur) return cur;
        cur = pick;
    }
}

static void opt_set_name(const opt *p, uint64_t set, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int j = 0; j < p->F; j++)
        if (set >> j & 1)
            o += (size_t)snprintf(buf + o, o < n ? n - o : 0, "%s%s", o ? " + " : "",
                                  p->m->barriers[p->cand[j]].name);
    if (!o) snprintf(buf, n, "(no fix)");
}

static int by_metric(const void *a, const void *b, void *ctx)
{
    const opt *p = ctx;
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    if (better(p->y[x], x, p->y[y], y)) return -1;
    return better(p->y[y], y, p->y[x], x) ? 1 : 0;
}

/* A simple insertion sort of the feasible sets (qsort has no context). */
static int opt_ranked(const opt *p, double budget, uint64_t *sets, int max)
{
    int n = 0;
    for (uint64_t t = 0; t < 1ull << p->F; t++) {
        if (!fits(p->cost[t], budget) || isnan(p->y[t])) continue;
        int at = n < max ? n++ : max;
        if (at == max && by_metric(&t, &sets[max - 1], (void *)p) >= 0) continue;
        if (at == max) at = max - 1;
        sets[at] = t;
        while (at > 0 && by_metric(&sets[at], &sets[at - 1], (void *)p) < 0) {
            uint64_t tmp = sets[at];
            sets[at] = sets[at - 1], sets[at - 1] = tmp;
            at--;
        }
    }
    return n;
}

static const char *const opt_fields[] = {"metric", "cost", "gain", "fixes"};

static cjm_status opt_rows(opt *p, double budget, uint64_t best, uint64_t greedy, cjm_error *err)
{
    uint64_t sets[OPT_ROWS];
    int n = opt_ranked(p, budget, sets, OPT_ROWS);
    cjm_decision *x = p->x;
    set_fields(x, opt_fields, 4);
    cjm_status st = rows_alloc(x, n + 1, err);
    bool greedy_listed = false;
    for (int i = 0; st == CJM_OK && i <= n; i++) {
        uint64_t t = i < n ? sets[i] : greedy;
        if (i == n && greedy_listed) break;
        char name[2048];
        opt_set_name(p, t, name, sizeof name);
        greedy_listed |= t == greedy;
        st = row_add(x, name,
                     t == best     ? (t == greedy ? "best, greedy" : "best")
                     : t == greedy ? "greedy"
                                   : "",
                     err);
        double *v = x->rows[x->row_count - 1].v;
        v[0] = p->y[t], v[1] = p->cost[t], v[2] = p->y[t] - p->y[0];
        v[3] = __builtin_popcountll(t);
    }
    return st;
}

/* The agent engine (or the command line's) on the baseline, the best set
 * and the greedy one, with common random numbers: the search's ranking,
 * confirmed by simulation. */
static cjm_status opt_confirm(opt *p, uint64_t best, uint64_t greedy, const cjm_settings *s,
                              cjm_error *err)
{
    uint64_t sets[3] = {0, best, greedy};
    cjm_model *m[3] = {0};
    cjm_result *r[3] = {0};
    unsigned char *fixed = malloc((size_t)p->m->barrier_count + 1);
    cjm_status st = fixed ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int k = 0; st == CJM_OK && k < 3; k++) {
        opt_flags(p, sets[k], fixed);
        st = cjm_model_with_fixes(p->m, fixed, &m[k], err);
        if (st == CJM_OK) st = cjm_run(m[k], s, &r[k], err);
    }
    free(fixed);
    if (st == CJM_OK) {
        cjm_summary up = cjm_delta(r[1], r[0], p->x->metric);
        cjm_summary gap = cjm_delta(r[1], r[2], p->x->metric);
        put(p->x, "confirm_gain", up.mean);
        put(p->x, "confirm_gain_lo", up.lo);
        put(p->x, "confirm_gain_hi", up.hi);
        put(p->x, "confirm_gap", gap.mean);
        put(p->x, "confirm_gap_lo", gap.lo);
        put(p->x, "confirm_gap_hi", gap.hi);
        p->x->ran = r[0]->settings;
    }
    for (int k = 0; k < 3; k++) {
        cjm_result_free(&r[k]);
        cjm_model_free(&m[k]);
    }
    return st;
}

/* The search's settings: the exact engine, one run (or search_runs runs of
 * the uncertain inputs' draws); the command line's engine if the exact one
 * cannot compute the model. */
static cjm_status opt_settings(opt *p, const cjm_settings *s, int search_runs, cjm_error *err)
{
    p->s = *s;
    p->s.engine = CJM_ENGINE_EXACT;
    p->s.runs = p->m->uncertain_count ? (search_runs > 0 ? search_runs : 20) : 1;
    double y, cost;
    cjm_error probe;
    cjm_status st = opt_eval(p, 0, &p->s, &y, &cost, &probe);
    if (st == CJM_ESCENARIO && s->engine != CJM_ENGINE_EXACT) {
        p->s = *s;
        char note[1100];
        snprintf(note, sizeof note,
                 "searched with the %s engine (the exact engine cannot compute this "
                 "model: %.900s)",
                 s->engine == CJM_ENGINE_COHORT ? "cohort" : "agent", probe.msg);
        p->x->note = strdup(note);
        return CJM_OK;
    }
    if (st != CJM_OK) *err = probe;
    return st;
}

static cjm_status opt_candidates(opt *p, const char *path, cjm_error *err)
{
    for (int b = 0; b < p->m->barrier_count && p->F < 64; b++)
        if (p->m->barriers[b].has_fix && !p->m->barriers[b].fixed) p->cand[p->F++] = b;
    if (p->F == 0)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: the scenario has no barrier with a fix to apply", path);
    if (p->F > OPT_EXHAUSTIVE_MAX)
        return cjm_error_set(err, CJM_EUSAGE,
                             "optimize: %d fixes make 2^%d sets, more than the 2^%d it searches "
                             "exactly; apply the fixes you have decided on with --fix so that at "
                             "most %d remain",
                             p->F, p->F, OPT_EXHAUSTIVE_MAX, OPT_EXHAUSTIVE_MAX);
    return CJM_OK;
}

cjm_status cjm_optimize(const char *path, const cjm_load_options *base, const cjm_settings *s,
                        const cjm_optimize_options *o, cjm_decision **out, cjm_error *err)
{
    cjm_decision *x = NULL;
    cjm_status st = decision_new(CJM_DEC_OPTIMIZE, path, base, s, o->metric, &x, err);
    opt p = {.x = x};
    if (st == CJM_OK && !(o->budget >= 0 && isfinite(o->budget)))
        st = cjm_error_set(err, CJM_EUSAGE, "optimize: --budget must be a number >= 0");
    if (st == CJM_OK) p.m = x->model, st = opt_candidates(&p, path, err);
    if (st == CJM_OK) st = opt_settings(&p, s, o->search_runs, err);
    if (st == CJM_OK) st = opt_exhaustive(&p, err);
    uint64_t best = 0, greedy = 0;
    for (uint64_t t = 0; st == CJM_OK && t < 1ull << p.F; t++)
        if (fits(p.cost[t], o->budget) && better(p.y[t], t, p.y[best], best)) best = t;
    if (st == CJM_OK) greedy = opt_greedy(&p, o->budget);
    if (st == CJM_OK) st = opt_rows(&p, o->budget, best, greedy, err);
    if (st == CJM_OK) {
        put(x, "budget", o->budget);
        put(x, "candidates", p.F);
        put(x, "sets", (double)(1ull << p.F));
        put(x, "search_runs", p.s.runs);
        put(x, "baseline", p.y[0]);
        put(x, "best", p.y[best]);
        put(x, "best_cost", p.cost[best]);
        put(x, "greedy", p.y[greedy]);
        put(x, "greedy_cost", p.cost[greedy]);
        put(x, "gap", p.y[best] - p.y[greedy]);
        st = opt_confirm(&p, best, greedy, s, err);
        put(x, "evaluations", (double)(p.evaluations + 3));
    }
    free(p.y);
    free(p.cost);
    if (st != CJM_OK) cjm_decision_free(&x);
    *out = x;
    return st;
}

/* ---- the value of information ---- */

double cjm_evpi(const double *nb, int D, int R, double *se)
{
    int best = 0;
    double best_mean = -HUGE_VAL;
    for (int d = 0; d < D; d++) {
        double m = 0;
        for (int r = 0; r < R; r++) m += nb[(size_t)d * R + r];
        if (m / R > best_mean) best_mean = m / R, best = d;
    }
    double sum = 0, sq = 0;
    for (int r = 0; r < R; r++) {
        double top = nb[(size_t)best * R + r];
        for (int d = 0; d < D; d++) top = fmax(top, nb[(size_t)d * R + r]);
        double v = top - nb[(size_t)best * R + r];
        sum += v, sq += v * v;
    }
    double mean = sum / R;
    *se = R > 1 ? sqrt(fmax(sq / R - mean * mean, 0) / (R - 1)) : CJM_NAN;
    return mean;
}

/* The regression's terms for k standardised inputs z: 1, z_i, z_i^2, and
 * z^3 for one input or z_i z_j for several. */
static int terms(int k)
{
    return k == 1 ? 4 : 1 + 2 * k + k * (k - 1) / 2;
}

static void features(const double *z, int k, double *f)
{
    int n = 0;
    f[n++] = 1;
    for (int i = 0; i < k; i++) f[n++] = z[i], f[n++] = z[i] * z[i];
    if (k == 1) f[n++] = z[0] * z[0] * z[0];
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) f[n++] = z[i] * z[j];
}

/* Solves the p x p system a b = c in place by Cholesky (a symmetric,
 * positive definite after a small ridge); 0 if it is singular. */
static int solve_spd(double *a, double *c, int p)
{
    double ridge = 0;
    for (int i = 0; i < p; i++) ridge += a[i * p + i];
    for (int i = 0; i < p; i++) a[i * p + i] += 1e-12 * ridge / p;
    for (int j = 0; j < p; j++) {
        double d = a[j * p + j];
        for (int k = 0; k < j; k++) d -= a[j * p + k] * a[j * p + k];
        if (!(d > 0)) return 0;
        a[j * p + j] = sqrt(d);
        for (int i = j + 1; i < p; i++) {
            double s = a[i * p + j];
            for (int k = 0; k < j; k++) s -= a[i * p + k] * a[j * p + k];
            a[i * p + j] = s / a[j * p + j];
        }
    }
    for (int i = 0; i < p; i++) { /* L y = c */
        for (int k = 0; k < i; k++) c[i] -= a[i * p + k] * c[k];
        c[i] /= a[i * p + i];
    }
    for (int i = p - 1; i >= 0; i--) { /* L^T b = y */
        for (int k = i + 1; k < p; k++) c[i] -= a[k * p + i] * c[k];
        c[i] /= a[i * p + i];
    }
    return 1;
}

#define VOI_MAX_TERMS 64

double cjm_evppi(const double *nb, int D, int R, const double *x, int stride, int k)
{
    int p = terms(k), best = 0;
    if (k < 1 || p > VOI_MAX_TERMS || R < 2 * p) return CJM_NAN;
    double mean_best = -HUGE_VAL, mu[16], sd[16];
    for (int d = 0; d < D; d++) {
        double m = 0;
        for (int r = 0; r < R; r++) m += nb[(size_t)d * R + r];
        if (m > mean_best) mean_best = m, best = d;
    }
    for (int i = 0; i < k; i++) {
        double s = 0, q = 0;
        for (int r = 0; r < R; r++) s += x[(size_t)r * stride + i];
        mu[i] = s / R;
        for (int r = 0; r < R; r++) q += pow(x[(size_t)r * stride + i] - mu[i], 2);
        sd[i] = sqrt(q / R);
        if (!(sd[i] > 0)) sd[i] = 1; /* a constant input explains nothing */
    }
    double *fit = calloc((size_t)R, sizeof *fit), *a = malloc((size_t)p * p * sizeof *a);
    double c[VOI_MAX_TERMS], f[VOI_MAX_TERMS], z[16];
    if (!fit || !a) {
        free(fit), free(a);
        return CJM_NAN;
    }
    int ok = 1;
    for (int d = 0; ok && d < D; d++) {
        if (d == best) continue;
        memset(a, 0, (size_t)p * p * sizeof *a);
        memset(c, 0, sizeof c);
        for (int r = 0; r < R; r++) {
            for (int i = 0; i < k; i++) z[i] = (x[(size_t)r * stride + i] - mu[i]) / sd[i];
            features(z, k, f);
            double y = nb[(size_t)d * R + r] - nb[(size_t)best * R + r];
            for (int i = 0; i < p; i++) {
                c[i] += f[i] * y;
                for (int j = 0; j <= i; j++) a[i * p + j] += f[i] * f[j];
            }
        }
        for (int i = 0; i < p; i++)
            for (int j = i + 1; j < p; j++) a[i * p + j] = a[j * p + i];
        ok = solve_spd(a, c, p);
        for (int r = 0; ok && r < R; r++) {
            for (int i = 0; i < k; i++) z[i] = (x[(size_t)r * stride + i] - mu[i]) / sd[i];
            features(z, k, f);
            double g = 0;
            for (int i = 0; i < p; i++) g += c[i] * f[i];
            if (g > fit[r]) fit[r] = g; /* fit starts at 0: the best option's own */
        }
    }
    double sum = 0;
    for (int r = 0; r < R; r++) sum += fit[r];
    free(fit);
    free(a);
    return ok ? sum / R : CJM_NAN;
}

typedef struct voi_input {
    char *name;
    int count;
    int opt[16], idx[16]; /* where each of its inputs' draws are: option, input */
} voi_input;

/* The options' per-run net benefits and, for each studied input, where its
 * draws are (an input's draws are keyed by its path: the same in every
 * option that has it). */
typedef struct voi {
    cjm_decision *x;
    int D, R;
    cjm_model **models;
    cjm_result **results;
    double *nb; /* [D][R] */
    int n_inputs;
    voi_input *inputs;
} voi;

static int voi_find(const voi *v, const char *path, int *option, int *idx)
{
    for (int d = 0; d < v->D; d++) {
        const cjm_model *m = v->models[d];
        for (int u = 0; u < m->uncertain_count; u++)
            if (strcmp(m->inputs[m->uncertain[u]].path, path) == 0) {
                *option = d, *idx = u;
                return 1;
            }
    }
    return 0;
}

static cjm_status voi_options(voi *v, const char *path, const cjm_load_options *base,
                              const cjm_settings *s, const cjm_voi_options *o, cjm_error *err)
{
    const cjm_model *m0 = v->x->model;
    const char *const *names =
        o->variant_count ? o->variants : (const char *const *)m0->variant_names;
    int n = o->variant_count ? o->variant_count : m0->variant_count;
    v->D = n + 1;
    v->models = calloc((size_t)v->D, sizeof *v->models);
    v->results = calloc((size_t)v->D, sizeof *v->results);
    if (!v->models || !v->results) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (n == 0)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: voi chooses among the baseline and variants: the scenario has "
                             "no variants",
                             path);
    cjm_settings es = *s;
    es.engine = CJM_ENGINE_EXACT;
    cjm_status st = CJM_OK;
    for (int d = 0; st == CJM_OK && d < v->D; d++) {
        cjm_load_options lo = *base;
        if (d > 0) lo.variant = names[d - 1];
        st = cjm_model_load(path, &lo, &v->models[d], err);
        if (st == CJM_OK) st = cjm_run(v->models[d], &es, &v->results[d], err);
    }
    char *tail = st != CJM_OK ? strstr(err->msg, "; use --engine agent") : NULL;
    if (tail) { /* the exact engine's refusal: voi has no other engine to offer */
        snprintf(tail, sizeof err->msg - (size_t)(tail - err->msg),
                 "; voi needs it (the net benefits of every run, without sampling noise)");
        st = err->code = CJM_ESCENARIO;
    }
    if (st == CJM_OK) v->R = v->results[0]->runs, v->x->ran = v->results[0]->settings;
    return st;
}

static cjm_status voi_benefits(voi *v, cjm_error *err)
{
    v->nb = malloc((size_t)v->D * v->R * sizeof *v->nb);
    if (!v->nb) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int d = 0; d < v->D; d++)
        for (int r = 0; r < v->R; r++) {
            double num, den;
            cjm_metric_parts(v->results[d], v->x->metric, r, &num, &den);
            if (!(den > 0) || !isfinite(num / den))
                return cjm_error_set(err, CJM_ESCENARIO,
                                     "voi: %s has no value in run %d of option %d: choose another "
                                     "--metric",
                                     cjm_metric_infos[v->x->metric].name, r + 1, d);
            v->nb[(size_t)d * v->R + r] = num / den;
        }
    return CJM_OK;
}

/* Every uncertain input alone, then the groups (NAME=PATH,PATH or PATH,PATH). */
static cjm_status voi_inputs(voi *v, const cjm_voi_options *o, cjm_error *err)
{
    int max = o->group_count;
    for (int d = 0; d < v->D; d++) max += v->models[d]->uncertain_count;
    v->inputs = calloc((size_t)max + 1, sizeof *v->inputs);
    if (!v->inputs) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int d = 0; d < v->D; d++) {
        const cjm_model *m = v->models[d];
        for (int u = 0; u < m->uncertain_count; u++) {
            const char *path = m->inputs[m->uncertain[u]].path;
            int od, ou;
            if (voi_find(v, path, &od, &ou) && od < d) continue; /* an earlier option has it */
            voi_input *in = &v->inputs[v->n_inputs++];
            in->name = strdup(path);
            in->count = 1, in->opt[0] = d, in->idx[0] = u;
            if (!in->name) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        }
    }
    for (int g = 0; g < o->group_count; g++) {
        const char *spec = o->groups[g], *eq = strchr(spec, '='), *p = eq ? eq + 1 : spec;
        voi_input *in = &v->inputs[v->n_inputs++];
        in->name = strdup(spec);
        if (!in->name) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        if (eq) in->name[eq - spec] = '\0';
        while (*p) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            char path[512];
            snprintf(path, sizeof path, "%.*s", (int)len, p);
            if (in->count == 16 || !voi_find(v, path, &in->opt[in->count], &in->idx[in->count]))
                return cjm_error_set(err, CJM_EUSAGE,
                                     in->count == 16 ? "voi: --group %s: at most 16 inputs"
                                                     : "voi: --group %s: '%s' is not an uncertain "
                                                       "input of the scenario or its variants",
                                     spec, path);
            in->count++;
            p += len + (comma ? 1 : 0);
        }
        if (in->count == 0)
            return cjm_error_set(err, CJM_EUSAGE, "voi: --group %s: no inputs", spec);
    }
    return CJM_OK;
}

/* The studied input's draws, run by run: x[r][k]. */
static void voi_draws(const voi *v, const voi_input *in, const int *rows, double *x)
{
    for (int r = 0; r < v->R; r++)
        for (int k = 0; k < in->count; k++) {
            const cjm_result *res = v->results[in->opt[k]];
            int run = rows ? rows[r] : r;
            x[(size_t)r * in->count + k] = res->inputs[(size_t)run * res->input_count + in->idx[k]];
        }
}

/* EVPPI of one input or group, and its bootstrap standard error. */
static cjm_status voi_partial(voi *v, const voi_input *in, int reps, uint64_t seed, double *evppi,
                              double *se, cjm_error *err)
{
    double *x = malloc((size_t)v->R * in->count * sizeof *x);
    double *nb = malloc((size_t)v->D * v->R * sizeof *nb);
    int *rows = malloc((size_t)v->R * sizeof *rows);
    if (!x || !nb || !rows) {
        free(x), free(nb), free(rows);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    voi_draws(v, in, NULL, x);
    *evppi = cjm_evppi(v->nb, v->D, v->R, x, in->count, in->count);
    cjm_rng rng;
    cjm_rng_stream(&rng, seed ^ KEY_VOI, (uint64_t)(in - v->inputs), 0);
    double sum = 0, sq = 0;
    int n = 0;
    for (int b = 0; b < reps; b++) {
        for (int r = 0; r < v->R; r++) rows[r] = (int)cjm_rng_bounded(&rng, (uint32_t)v->R);
        for (int d = 0; d < v->D; d++)
            for (int r = 0; r < v->R; r++)
                nb[(size_t)d * v->R + r] = v->nb[(size_t)d * v->R + rows[r]];
        voi_draws(v, in, rows, x);
        double e = cjm_evppi(nb, v->D, v->R, x, in->count, in->count);
        if (isnan(e)) continue;
        sum += e, sq += e * e, n++;
    }
    *se = n > 1 ? sqrt(fmax(sq / n - (sum / n) * (sum / n), 0) * n / (n - 1)) : CJM_NAN;
    free(x), free(nb), free(rows);
    return CJM_OK;
}

/* Highest EVPPI first (NaN last); ties by name. */
static int by_evppi(const void *a, const void *b)
{
    const cjm_decision_row *p = a, *q = b;
    double x = isnan(p->v[4]) ? (double)-INFINITY : p->v[4],
           y = isnan(q->v[4]) ? (double)-INFINITY : q->v[4];
    if (x != y) return (x < y) - (x > y);
    return strcmp(p->name, q->name);
}

static const char *const voi_fields[] = {"mean",  "lo",       "hi",   "p_best",
                                         "evppi", "evppi_se", "share"};

static cjm_status voi_rows(voi *v, const cjm_voi_options *o, double evpi, cjm_error *err)
{
    cjm_decision *x = v->x;
    set_fields(x, voi_fields, 7);
    cjm_status st = rows_alloc(x, v->D + v->n_inputs, err);
    for (int d = 0; st == CJM_OK && d < v->D; d++) {
        const char *name = d == 0 ? "baseline" : v->models[d]->variant;
        st = row_add(x, name ? name : "baseline", "option", err);
        if (st != CJM_OK) break;
        cjm_summary s = cjm_summarize(v->nb + (size_t)d * v->R, v->R, 1);
        int best = 0;
        for (int r = 0; r < v->R; r++) {
            bool top = true;
            for (int e = 0; e < v->D; e++)
                if (v->nb[(size_t)e * v->R + r] > v->nb[(size_t)d * v->R + r] ||
                    (e < d && v->nb[(size_t)e * v->R + r] == v->nb[(size_t)d * v->R + r]))
                    top = false;
            best += top;
        }
        double *f = x->rows[x->row_count - 1].v;
        f[0] = s.mean, f[1] = s.lo, f[2] = s.hi, f[3] = (double)best / v->R;
    }
    int reps = o->bootstrap > 0 ? o->bootstrap : VOI_BOOTSTRAP;
    for (int i = 0; st == CJM_OK && i < v->n_inputs; i++) {
        const voi_input *in = &v->inputs[i];
        double e = CJM_NAN, se = CJM_NAN;
        st = row_add(x, in->name, i < v->n_inputs - o->group_count ? "input" : "group", err);
        if (st == CJM_OK) st = voi_partial(v, in, reps, x->ran.seed, &e, &se, err);
        double *f = x->rows[x->row_count - 1].v;
        f[4] = e, f[5] = se, f[6] = evpi > 0 ? e / evpi : CJM_NAN;
    }
    if (st == CJM_OK) /* research first: the highest EVPPI on top */
        qsort(x->rows + v->D, (size_t)(x->row_count - v->D), sizeof *x->rows, by_evppi);
    return st;
}

static void voi_free(voi *v)
{
    for (int d = 0; d < v->D; d++) {
        if (v->results) cjm_result_free(&v->results[d]);
        if (v->models) cjm_model_free(&v->models[d]);
    }
    for (int i = 0; i < v->n_inputs; i++) free(v->inputs[i].name);
    free(v->inputs);
    free(v->models);
    free(v->results);
    free(v->nb);
}

cjm_status cjm_voi(const char *path, const cjm_load_options *base, const cjm_settings *s,
                   const cjm_voi_options *o, cjm_decision **out, cjm_error *err)
{
    cjm_decision *x = NULL;
    cjm_status st = decision_new(CJM_DEC_VOI, path, base, s, o->metric, &x, err);
    voi v = {.x = x};
    if (st == CJM_OK) st = voi_options(&v, path, base, s, o, err);
    if (st == CJM_OK) st = voi_benefits(&v, err);
    if (st == CJM_OK) st = voi_inputs(&v, o, err);
    double se = CJM_NAN, evpi = st == CJM_OK ? cjm_evpi(v.nb, v.D, v.R, &se) : CJM_NAN;
    if (st == CJM_OK) st = voi_rows(&v, o, evpi, err);
    if (st == CJM_OK) {
        int best = 0;
        for (int d = 1; d < v.D; d++)
            if (x->rows[d].v[0] > x->rows[best].v[0]) best = d;
        put(x, "evpi", evpi);
        put(x, "evpi_se", se);
        put(x, "best_option", best);
        put(x, "options", v.D);
        put(x, "runs", v.R);
        if (v.n_inputs == 0)
            x->note = strdup("the scenario has no uncertain inputs: information adds nothing");
    }
    voi_free(&v);
    if (st != CJM_OK) cjm_decision_free(&x);
    *out = x;
    return st;
}
