/* sensitivity.c: sweeps, tornado charts, Morris screening and Sobol indices,
 * and runs to a precision.
 *
 * Every point of an analysis is the loaded scenario with the point's inputs
 * set in C (cjm_model_with: the checks and messages a user's `--set` gets
 * from the loader, without Lua), then run with the command line's settings
 * and seed; a sweep point is byte for byte the `cjm run` with the same
 * --set (tests/test_sensitivity.c). The same seed at every point gives
 * common random numbers: the
 * agent engine keys each customer's numbers by (seed, run, block, position),
 * so points differ only through the inputs moved.
 *
 * Points are independent, so they are spread over worker threads; each one
 * lands in its own slot, so results never depend on the thread count. */
#include "sensitivity.h"

#include "compare.h"
#include "parallel.h"
#include "rng.h"
#include "sobol_seq.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_MAX_RUNS 100000
#define MAX_SWEEP_POINTS 1000000
#define KEY_MORRIS 0x6d6f72726973ULL /* "morris": the design's stream */
#define KEY_SOBOL 0x736f626f6cULL    /* "sobol": matrices A and B */
#define KEY_BOOT 0x626f6f74ULL       /* "boot": bootstrap resamples */

/* ---- metrics and precision ---- */

static void metric_names(char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < CJM_M_COUNT && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "", cjm_metric_infos[i].name);
}

static cjm_status resolve_metric(const char *cmd, const char *name, int *out, cjm_error *err)
{
    *out = name ? cjm_metric_index(name) : CJM_M_PROFIT;
    if (*out >= 0) return CJM_OK;
    char names[400];
    metric_names(names, sizeof names);
    return cjm_error_set(err, CJM_EUSAGE, "%s: unknown metric '%s' (one of: %s)", cmd, name, names);
}

int cjm_precision_parse(const char *text, cjm_precision *p, cjm_error *err)
{
    const char *eq = strchr(text, '=');
    memset(p, 0, sizeof *p);
    if (!eq || eq == text || (size_t)(eq - text) >= sizeof p->metric) {
        cjm_error_set(err, CJM_EUSAGE,
                      "--precision: expected METRIC=REL (e.g. conversion=0.01 or conversion=1%%), "
                      "got '%s'",
                      text);
        return -1;
    }
    snprintf(p->metric, sizeof p->metric, "%.*s", (int)(eq - text), text);
    char *end;
    double rel = strtod(eq + 1, &end);
    if (*end == '%') rel /= 100, end++;
    if (end == eq + 1 || *end || !(rel > 0) || !isfinite(rel)) {
        cjm_error_set(err, CJM_EUSAGE,
                      "--precision: REL must be a positive fraction (0.01) or percentage (1%%), "
                      "got '%s'",
                      eq + 1);
        return -1;
    }
    p->rel = rel;
    int metric;
    if (resolve_metric("--precision", p->metric, &metric, err) != CJM_OK) return -1;
    return 0;
}

/* The 95% interval's half-width is at most rel x |mean|. An exact value (no
 * spread) always is; a missing interval (one run, no value) never is. */
static int precise_enough(const cjm_summary *s, double rel)
{
    if (!s->defined || !isfinite(s->lo) || !isfinite(s->hi)) return 0;
    return (s->hi - s->lo) / 2 <= rel * fabs(s->mean);
}

static int max_runs_of(const cjm_precision *p)
{
    return p->max_runs > 0 ? p->max_runs : DEFAULT_MAX_RUNS;
}

/* The next run count of the doubling: 2R, but never past max. */
static int next_runs(int runs, int max)
{
    return runs > max / 2 ? max : 2 * runs;
}

cjm_status cjm_run_precise(const cjm_model *m, const cjm_settings *s, cjm_precision *p,
                           cjm_result **out, cjm_error *err)
{
    int metric, max = max_runs_of(p);
    *out = NULL;
    cjm_status st = resolve_metric("--precision", p->metric, &metric, err);
    cjm_settings t = *s;
    if (t.runs > max) t.runs = max;
    while (st == CJM_OK) {
        cjm_result *r;
        cjm_metrics mt;
        if ((st = cjm_run(m, &t, &r, err)) != CJM_OK) break;
        if ((st = cjm_metrics_compute(r, &mt, err)) != CJM_OK) {
            cjm_result_free(&r);
            break;
        }
        p->reached = precise_enough(&mt.m[metric], p->rel);
        cjm_metrics_free(&mt);
        /* the exact engine without uncertain inputs gives one run whatever is asked */
        if (p->reached || t.runs >= max || r->runs < t.runs) {
            p->runs = r->runs;
            *out = r;
            break;
        }
        cjm_result_free(&r);
        t.runs = next_runs(t.runs, max);
    }
    return st;
}

static int comparison_precise(const cjm_comparison *c, int metric, double rel)
{
    for (int i = 0; i < c->arm_count; i++)
        if (!precise_enough(&c->arms[i].delta[metric], rel)) return 0;
    return !c->best || precise_enough(&c->best->delta[metric], rel);
}

cjm_status cjm_compare_precise(const char *path, const cjm_load_options *base,
                               const char *const *variants, int count, int fixes,
                               const cjm_settings *s, cjm_precision *p, cjm_comparison **out,
                               cjm_error *err)
{
    int metric, max = max_runs_of(p);
    *out = NULL;
    cjm_status st = resolve_metric("--precision", p->metric, &metric, err);
    cjm_settings t = *s;
    if (t.runs > max) t.runs = max;
    while (st == CJM_OK) {
        cjm_comparison *c;
        st = fixes ? cjm_compare_fixes(path, base, &t, &c, err)
                   : cjm_compare_variants(path, base, variants, count, &t, &c, err);
        if (st != CJM_OK) break;
        p->reached = comparison_precise(c, metric, p->rel);
        int runs = c->base.result->runs;
        if (p->reached || t.runs >= max || runs < t.runs) {
            p->runs = runs;
            *out = c;
            break;
        }
        cjm_comparison_free(&c);
        t.runs = next_runs(t.runs, max);
    }
    return st;
}

/* ---- inputs ---- */

/* An input an analysis moves, with every path its value is written at: one
 * distribution object used in several places is one input, and pinning it
 * to a number must replace it everywhere. */
typedef struct sens_input {
    const cjm_input *in; /* the base model's */
    char **paths;
    int path_count;
    bool ranged; /* --param PATH=LO:HI: uniform on [lo, hi] */
    double lo, hi;
} sens_input;

static cjm_status add_path(sens_input *si, const char *path, cjm_error *err)
{
    for (int i = 0; i < si->path_count; i++)
        if (strcmp(si->paths[i], path) == 0) return CJM_OK;
    char **grown = realloc(si->paths, (size_t)(si->path_count + 1) * sizeof *grown);
    if (grown) si->paths = grown;
    char *copy = grown ? strdup(path) : NULL;
    if (!copy) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    si->paths[si->path_count++] = copy;
    return CJM_OK;
}

static cjm_status input_make(const cjm_model *m, int index, sens_input *si, cjm_error *err)
{
    const cjm_input *in = &m->inputs[index];
    memset(si, 0, sizeof *si);
    si->in = in;
    /* a named input: --set NAME sets it wherever it is used */
    cjm_status st = add_path(si, in->name ? in->name : in->path, err);
    for (int k = 1; st == CJM_OK && !in->name && k < in->slot_count; k++) {
        char buf[512];
        int len = cjm_model_slot_path(m, &in->slots[k], buf, sizeof buf);
        if (len > 0 && (size_t)len < sizeof buf) st = add_path(si, buf, err);
    }
    return st;
}

static void inputs_free(sens_input *v, int n)
{
    for (int i = 0; v && i < n; i++) {
        for (int k = 0; k < v[i].path_count; k++) free(v[i].paths[k]);
        free(v[i].paths);
    }
    free(v);
}

/* The input --param names: by its path, or by its name. */
static int input_index(const cjm_model *m, const char *path)
{
    for (int i = 0; i < m->input_count; i++)
        if (strcmp(m->inputs[i].path, path) == 0 ||
            (m->inputs[i].name && strcmp(m->inputs[i].name, path) == 0))
            return i;
    return -1;
}

/* Inputs a tornado leaves out unless asked: the cohort's size only scales
 * everything, and segment shares must sum to 1. */
static int is_structural(const cjm_input *in)
{
    for (int k = 0; k < in->slot_count; k++)
        if (in->slots[k].kind == CJM_SLOT_COHORT_SIZE || in->slots[k].kind == CJM_SLOT_SHARE)
            return 1;
    return 0;
}

static double rounded(const cjm_input *in, double v)
{
    return in->integral ? floor(v + 0.5) : v;
}

/* ---- evaluations ---- */

/* n evaluations of the scenario, each with the k inputs set to a row of x
 * (NaN: left as the scenario has it). */
typedef struct pool {
    const char *file;
    const cjm_load_options *base;
    const cjm_model *model; /* the scenario as the base options load it */
    cjm_settings settings;
    int threads; /* evaluations at once */
    const sens_input *inputs;
    int k, n;
    const double *x;  /* [n][k] */
    int metric;       /* its mean goes into y[i]; NaN where undefined */
    double *y;        /* [n] */
    cjm_metrics *mt;  /* [n] every metric, or NULL */
    char **errors;    /* [n]: a point the scenario refuses is kept here, or NULL: it stops all */
    cjm_settings ran; /* as the first evaluation that ran ran */
    cjm_settings *ran_by; /* [n]: as each ran (scratch of pool_run) */
    int ran_at;
    cjm_progress_fn progress;
    void *progress_ctx;
    long done, total;
    /* shards (docs/scale.md): evaluate only points [from, to) and keep them
     * in the analysis (keep) for its partial result; or take every point's
     * value from the merged parts (given) instead of evaluating */
    int shard_index, shard_count, from;
    cjm_sensitivity *keep;
    const double *given_y;
    const char *const *given_errors;
    const cjm_settings *given_ran;
    int given_n;
} pool;

/* The overrides of evaluation i: the command line's, then the point's. */
static cjm_override *point_sets(const pool *p, int i, char (*text)[32], int *count)
{
    const double *row = p->x + (size_t)i * p->k;
    int n = p->base->set_count;
    for (int j = 0; j < p->k; j++) n += isnan(row[j]) ? 0 : p->inputs[j].path_count;
    cjm_override *sets = malloc((size_t)(n + 1) * sizeof *sets);
    if (!sets) return NULL;
    n = 0;
    for (int j = 0; j < p->base->set_count; j++) sets[n++] = p->base->sets[j];
    for (int j = 0; j < p->k; j++) {
        if (isnan(row[j])) continue;
        snprintf(text[j], sizeof text[j], "%.17g", rounded(p->inputs[j].in, row[j]));
        for (int q = 0; q < p->inputs[j].path_count; q++)
            sets[n++] = (cjm_override){p->inputs[j].paths[q], text[j]};
    }
    *count = n;
    return sets;
}

/* Evaluation i's model: the base model with the point's inputs set, in C
 * (cjm_model_with: the loader's checks and messages, no Lua). */
static cjm_status point_model(const pool *p, int i, cjm_model **m, cjm_error *err)
{
    const double *row = p->x + (size_t)i * p->k;
    int *idx = malloc((size_t)(p->k + 1) * sizeof *idx), n = 0;
    double *val = malloc((size_t)(p->k + 1) * sizeof *val);
    cjm_status st = idx && val ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int j = 0; st == CJM_OK && j < p->k; j++) {
        if (isnan(row[j])) continue;
        idx[n] = (int)(p->inputs[j].in - p->model->inputs);
        val[n++] = rounded(p->inputs[j].in, row[j]);
    }
    if (st == CJM_OK) st = cjm_model_with(p->model, n, idx, val, m, err);
    free(idx);
    free(val);
    return st;
}

static cjm_status eval_one(pool *p, int i, cjm_settings *ran, cjm_error *err)
{
    char(*text)[32] = p->model ? NULL : malloc((size_t)(p->k + 1) * sizeof *text);
    cjm_load_options o = *p->base;
    cjm_override *sets = text ? point_sets(p, i, text, &o.set_count) : NULL;
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    cjm_metrics mt;
    o.sets = sets;
    cjm_status st = sets || p->model ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK && p->model)
        st = point_model(p, i, &m, err);
    else if (st == CJM_OK)
        st = cjm_model_load(p->file, &o, &m, err);
    if (st == CJM_OK) st = cjm_run(m, &p->settings, &r, err);
    if (st == CJM_OK) st = cjm_metrics_compute(r, &mt, err);
    if (st == CJM_OK) {
        const cjm_summary *s = &mt.m[p->metric < 0 ? 0 : p->metric];
        p->y[i] = s->defined ? s->mean : CJM_NAN;
        *ran = r->settings;
        if (p->mt)
            p->mt[i] = mt;
        else
            cjm_metrics_free(&mt);
    }
    cjm_result_free(&r);
    cjm_model_free(&m);
    free(sets);
    free(text);
    return st;
}

/* One evaluation, as an item of the parallel-for; the settings it ran with
 * go to ran[i]. */
static cjm_status eval_item(void *ctx, void *local, long i, cjm_error *err)
{
    pool *p = ctx;
    (void)local;
    return eval_one(p, p->from + (int)i, &p->ran_by[p->from + i], err);
}

/* After each evaluation (the parallel-for's lock held): the settings of the
 * first in order that ran, a refused point kept as its message (then not a
 * failure), the progress. */
static cjm_status eval_after(void *ctx, long i, cjm_status st, const cjm_error *err)
{
    pool *p = ctx;
    i += p->from;
    if (st == CJM_OK && (p->ran_at < 0 || i < p->ran_at)) p->ran = p->ran_by[i], p->ran_at = (int)i;
    if (st == CJM_ESCENARIO && p->errors && (p->errors[i] = strdup(err->msg))) st = CJM_OK;
    p->done++;
    if (p->progress) p->progress(p->progress_ctx, p->done, p->total);
    return st;
}

static int thread_count(const cjm_settings *s)
{
    return s->threads > 0 ? s->threads : cjm_cpu_count();
}

/* Runs every evaluation: as many at once as there are threads, each then
 * single-threaded (the engines give the same numbers for any thread count).
 * The error reported is that of the first evaluation in order that failed. */
static cjm_status pool_evaluate(pool *p, int items, cjm_error *err);

/* The merged parts' values for every point, as if evaluated here. */
static cjm_status pool_given(pool *p, cjm_error *err)
{
    if (p->given_n != p->n)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "merge: the parts hold %d evaluations, the analysis makes %d (another "
                             "design?)",
                             p->given_n, p->n);
    for (int i = 0; i < p->n; i++) {
        p->y[i] = p->given_y[i];
        const char *e = p->given_errors ? p->given_errors[i] : NULL;
        if (e && !p->errors) return cjm_error_set(err, CJM_ESCENARIO, "%s", e);
        if (e && !(p->errors[i] = strdup(e)))
            return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    p->ran = *p->given_ran;
    p->done = p->n;
    return CJM_OK;
}

/* A shard's points and their values, kept for its partial result. */
static cjm_status pool_keep(pool *p, int to, cjm_error *err)
{
    cjm_sensitivity *x = p->keep;
    x->shard_index = p->shard_index, x->shard_count = p->shard_count;
    x->shard_points = p->n, x->shard_from = p->from, x->shard_to = to;
    x->shard_ran = p->ran;
    x->shard_y = malloc((size_t)(to - p->from + 1) * sizeof *x->shard_y);
    x->shard_errors = calloc((size_t)(to - p->from + 1), sizeof *x->shard_errors);
    if (!x->shard_y || !x->shard_errors) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = p->from; i < to; i++) {
        x->shard_y[i - p->from] = p->y[i];
        if (p->errors && p->errors[i] && !(x->shard_errors[i - p->from] = strdup(p->errors[i])))
            return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    return CJM_OK;
}

static cjm_status pool_run(pool *p, cjm_error *err)
{
    if (p->given_y) return pool_given(p, err);
    int from = 0, to = p->n;
    if (p->shard_count > 0) {
        from = (int)((int64_t)p->n * p->shard_index / p->shard_count);
        to = (int)((int64_t)p->n * (p->shard_index + 1) / p->shard_count);
        if (!p->keep) return cjm_error_set(err, CJM_EUSAGE, "--shard: not for this analysis");
    }
    p->from = from;
    cjm_status st = pool_evaluate(p, to - from, err);
    if (st == CJM_OK && p->shard_count > 0) st = pool_keep(p, to, err);
    return st;
}

static cjm_status pool_evaluate(pool *p, int items, cjm_error *err)
{
    int workers = p->threads < items ? p->threads : items;
    p->settings.threads = workers > 0 ? p->threads / workers : 1;
    p->done = 0, p->ran_at = -1, p->total = items;
    p->ran_by = malloc((size_t)(p->n + 1) * sizeof *p->ran_by);
    if (!p->ran_by) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_parallel w = {.items = items,
                      .threads = workers,
                      .cancel = p->settings.cancel,
                      .ctx = p,
                      .item = eval_item,
                      .after = eval_after};
    cjm_status st = cjm_parallel_for(&w, err);
    free(p->ran_by);
    p->ran_by = NULL;
    return st;
}

static pool pool_make(cjm_sensitivity *x, const char *file, const cjm_load_options *base,
                      const cjm_settings *s, const cjm_sens_options *o)
{
    pool p;
    memset(&p, 0, sizeof p);
    p.model = x ? x->model : NULL;
    p.keep = x;
    p.shard_index = o->shard_index, p.shard_count = o->shard_count;
    p.given_y = o->given_y, p.given_errors = o->given_errors, p.given_ran = o->given_ran;
    p.given_n = o->given_count;
    p.file = file;
    p.base = base;
    p.settings = *s;
    p.threads = thread_count(s);
    p.progress = o->progress;
    p.progress_ctx = o->progress_ctx;
    return p;
}

/* ---- the analysis object ---- */

static void rows_free(cjm_sensitivity *x)
{
    for (int i = 0; i < x->row_count; i++) {
        free(x->rows[i].path);
        free(x->rows[i].error);
    }
    free(x->rows);
}

void cjm_sensitivity_free(cjm_sensitivity **xp)
{
    if (!xp || !*xp) return;
    cjm_sensitivity *x = *xp;
    rows_free(x);
    for (int i = 0; i < x->param_count; i++) free(x->param_paths[i]);
    free(x->param_paths);
    for (int i = 0; x->metrics && i < x->point_count; i++) cjm_metrics_free(&x->metrics[i]);
    for (int i = 0; x->errors && i < x->point_count; i++) free(x->errors[i]);
    free(x->metrics);
    free(x->errors);
    free(x->points);
    for (int i = 0; x->shard_errors && i < x->shard_to - x->shard_from; i++)
        free(x->shard_errors[i]);
    free(x->shard_errors);
    free(x->shard_y);
    cjm_model_free(&x->model);
    free(x);
    *xp = NULL;
}

/* A new analysis with the scenario loaded as the command line asks. */
static cjm_status analysis_new(cjm_sens_kind kind, const char *path, const cjm_load_options *base,
                               const cjm_settings *s, cjm_sensitivity **out, cjm_error *err)
{
    cjm_sensitivity *x = calloc(1, sizeof *x);
    *out = x;
    if (!x) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    x->kind = kind;
    x->metric = -1;
    x->ran = *s;
    return cjm_model_load(path, base, &x->model, err);
}

static cjm_status rows_new(cjm_sensitivity *x, int n, const sens_input *in, cjm_error *err)
{
    x->rows = calloc((size_t)n + 1, sizeof *x->rows);
    if (!x->rows) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        cjm_sens_row *r = &x->rows[i];
        x->row_count = i + 1;
        if (!(r->path = strdup(cjm_input_label(in[i].in)))) /* a named input: its name */
            return cjm_error_set(err, CJM_ENOMEM, "out of memory");
        r->value = in[i].in->value;
        r->uncertain = in[i].in->uncertain && !in[i].ranged;
        r->lo = in[i].ranged ? in[i].lo : in[i].in->lo;
        r->hi = in[i].ranged ? in[i].hi : in[i].in->hi;
    }
    return CJM_OK;
}

/* The input --param names, or a usage error. */
static cjm_status param_input(const cjm_model *m, const char *cmd, const cjm_sens_param *prm,
                              sens_input *si, cjm_error *err)
{
    int i = input_index(m, prm->path);
    for (int k = 0; i < 0 && k < m->derived_input_count; k++)
        if (strcmp(m->derived_inputs[k].path, prm->path) == 0)
            return cjm_error_set(err, CJM_EUSAGE,
                                 "%s: --param %s: a derived input (%s), not an input of its own: "
                                 "analyse the inputs it is computed from",
                                 cmd, prm->path, m->derived_inputs[k].text);
    if (i < 0)
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s: --param %s: not a numeric input of the scenario (a number "
                             "written in it, e.g. transitions.STAGE.NEXT or stages.STAGE.cost)",
                             cmd, prm->path);
    cjm_status st = input_make(m, i, si, err);
    si->ranged = prm->ranged;
    si->lo = prm->lo, si->hi = prm->hi;
    return st;
}

/* ---- sweep ---- */

static cjm_status sweep_grid(cjm_sensitivity *x, const cjm_sens_options *o, const sens_input *in,
                             cjm_error *err)
{
    double count = 1;
    for (int j = 0; j < o->param_count; j++) {
        if (o->params[j].steps < 2)
            return cjm_error_set(err, CJM_EUSAGE, "sweep: --param %s: STEPS must be at least 2",
                                 o->params[j].path);
        count *= o->params[j].steps;
    }
    if (count > MAX_SWEEP_POINTS)
        return cjm_error_set(err, CJM_EUSAGE, "sweep: %.0f points; at most %d", count,
                             MAX_SWEEP_POINTS);
    x->point_count = (int)count;
    x->points = malloc((size_t)x->point_count * o->param_count * sizeof *x->points);
    x->metrics = calloc((size_t)x->point_count, sizeof *x->metrics);
    x->errors = calloc((size_t)x->point_count, sizeof *x->errors);
    if (!x->points || !x->metrics || !x->errors)
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    /* the first --param varies slowest, as nested loops in the order given */
    for (int i = 0; i < x->point_count; i++) {
        int rest = i;
        for (int j = o->param_count - 1; j >= 0; j--) {
            const cjm_sens_param *p = &o->params[j];
            int step = rest % p->steps;
            rest /= p->steps;
            double v =
                step == p->steps - 1 ? p->hi : p->lo + (p->hi - p->lo) * step / (p->steps - 1);
            x->points[(size_t)i * o->param_count + j] = rounded(in[j].in, v);
        }
    }
    return CJM_OK;
}

static cjm_status sweep_params(cjm_sensitivity *x, const cjm_sens_options *o, sens_input **in,
                               cjm_error *err)
{
    if (o->param_count < 1)
        return cjm_error_set(err, CJM_EUSAGE,
                             "sweep: give at least one --param PATH=FROM:TO:STEPS");
    *in = calloc((size_t)o->param_count, sizeof **in);
    x->param_paths = calloc((size_t)o->param_count, sizeof *x->param_paths);
    if (!*in || !x->param_paths) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int j = 0; st == CJM_OK && j < o->param_count; j++) {
        x->param_count = j + 1;
        st = param_input(x->model, "sweep", &o->params[j], &(*in)[j], err);
        if (st == CJM_OK && !(x->param_paths[j] = strdup(o->params[j].path)))
            st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    return st;
}

static int sweep_precise(const cjm_sensitivity *x, int metric, double rel)
{
    for (int i = 0; i < x->point_count; i++)
        if (!x->errors[i] && !precise_enough(&x->metrics[i].m[metric], rel)) return 0;
    return 1;
}

static void sweep_clear(cjm_sensitivity *x)
{
    for (int i = 0; i < x->point_count; i++) {
        cjm_metrics_free(&x->metrics[i]);
        free(x->errors[i]);
        x->errors[i] = NULL;
    }
}

/* A point the scenario refuses (a probability pushed past what its stage
 * allows) is kept with its message; only when all are refused is it an error. */
static cjm_status sweep_refused(const cjm_sensitivity *x, cjm_error *err)
{
    for (int i = 0; i < x->point_count; i++)
        if (!x->errors[i]) return CJM_OK;
    return cjm_error_set(err, CJM_ESCENARIO, "%s", x->errors[0]);
}

/* Runs every point; with --precision, again with twice the runs (every
 * point alike, so that they keep common random numbers) until every point's
 * interval is narrow enough. */
static cjm_status sweep_run(cjm_sensitivity *x, pool *p, const cjm_sens_options *o, cjm_error *err)
{
    const cjm_precision *pr = &o->precision;
    int metric = -1, max = max_runs_of(pr);
    cjm_status st =
        pr->metric[0] ? resolve_metric("--precision", pr->metric, &metric, err) : CJM_OK;
    if (metric >= 0 && p->settings.runs > max) p->settings.runs = max;
    while (st == CJM_OK) {
        int asked = p->settings.runs;
        st = pool_run(p, err);
        x->evaluations += p->n;
        p->settings.runs = asked;
        if (st == CJM_OK) st = sweep_refused(x, err);
        if (st != CJM_OK || metric < 0) break;
        x->precision.reached = sweep_precise(x, metric, pr->rel);
        x->precision.runs = p->ran.runs;
        if (x->precision.reached || asked >= max || p->ran.runs < asked) break;
        sweep_clear(x);
        p->settings.runs = next_runs(asked, max);
    }
    return st;
}

cjm_status cjm_sweep(const char *path, const cjm_load_options *base, const cjm_settings *s,
                     const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err)
{
    if (o->shard_count > 0 || o->given_y)
        return *out = NULL, cjm_error_set(err, CJM_EUSAGE,
                                          "sweep: --shard is not available for sweep yet (run "
                                          "its points as separate sweeps)");
    sens_input *in = NULL;
    cjm_sensitivity *x = NULL;
    int metric = -1; /* the metric the table shows; -1: all of them */
    cjm_status st = o->metric ? resolve_metric("sweep", o->metric, &metric, err) : CJM_OK;
    if (st == CJM_OK) st = analysis_new(CJM_SENS_SWEEP, path, base, s, &x, err);
    if (x) x->metric = metric;
    if (st == CJM_OK) st = sweep_params(x, o, &in, err);
    if (st == CJM_OK) st = sweep_grid(x, o, in, err);
    double *y = st == CJM_OK ? malloc((size_t)x->point_count * sizeof *y) : NULL;
    if (st == CJM_OK && !y) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    pool p = pool_make(x, path, base, s, o);
    if (st == CJM_OK) {
        x->precision = o->precision;
        p.inputs = in, p.k = o->param_count, p.n = x->point_count;
        p.x = x->points, p.metric = -1, p.y = y, p.mt = x->metrics, p.errors = x->errors;
        st = sweep_run(x, &p, o, err);
        x->ran = p.ran;
    }
    free(y);
    inputs_free(in, o->param_count);
    if (st != CJM_OK) cjm_sensitivity_free(&x);
    *out = x;
    return st;
}

/* ---- tornado ---- */

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The low and high values of an input: its 5th and 95th percentiles when it
 * is uncertain, else its value -/+ the swing, kept inside its range. */
static void tornado_range(const sens_input *si, double swing, double *lo, double *hi)
{
    const cjm_input *in = si->in;
    if (si->ranged) {
        *lo = si->lo, *hi = si->hi;
    } else if (in->uncertain) {
        *lo = cjm_dist_quantile(&in->dist, 0.05);
        *hi = cjm_dist_quantile(&in->dist, 0.95);
    } else {
        double a = in->value * (1 - swing), b = in->value * (1 + swing);
        *lo = clamp(a < b ? a : b, in->lo, in->hi);
        *hi = clamp(a < b ? b : a, in->lo, in->hi);
    }
    *lo = rounded(in, *lo);
    *hi = rounded(in, *hi);
}

static cjm_status tornado_inputs(const cjm_model *m, const cjm_sens_options *o, sens_input **in,
                                 int *k, cjm_error *err)
{
    *k = 0;
    *in = calloc((size_t)(o->param_count > 0 ? o->param_count : m->input_count) + 1, sizeof **in);
    if (!*in) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int j = 0; st == CJM_OK && j < o->param_count; j++, ++*k)
        st = param_input(m, "tornado", &o->params[j], &(*in)[j], err);
    for (int i = 0; st == CJM_OK && o->param_count == 0 && i < m->input_count; i++)
        if (!is_structural(&m->inputs[i])) st = input_make(m, i, &(*in)[(*k)++], err);
    if (st == CJM_OK && *k == 0)
        st = cjm_error_set(err, CJM_EUSAGE, "tornado: the scenario has no numeric inputs to move");
    return st;
}

static int by_width(const void *a, const void *b)
{
    const cjm_sens_row *p = a, *q = b;
    int pn = isnan(p->width), qn = isnan(q->width);
    if (pn != qn) return pn - qn;
    if (!pn && p->width != q->width) return p->width < q->width ? 1 : -1;
    return 0;
}

/* qsort is not stable: ties keep the scenario's order through the index. */
static void rank_rows(cjm_sensitivity *x, int (*cmp)(const void *, const void *))
{
    int n = x->row_count;
    for (int i = 1; i < n; i++) {
        cjm_sens_row r = x->rows[i];
        int j = i;
        while (j > 0 && cmp(&x->rows[j - 1], &r) > 0) x->rows[j] = x->rows[j - 1], j--;
        x->rows[j] = r;
    }
}

static char *point_error(const char *side, const char *msg)
{
    size_t n = strlen(side) + strlen(msg) + 4;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s: %s", side, msg);
    return s;
}

static void tornado_fill(cjm_sensitivity *x, const double *y, char **errors)
{
    for (int j = 0; j < x->row_count; j++) {
        cjm_sens_row *r = &x->rows[j];
        r->metric_lo = errors[1 + 2 * j] ? CJM_NAN : y[1 + 2 * j];
        r->metric_hi = errors[2 + 2 * j] ? CJM_NAN : y[2 + 2 * j];
        r->width = fabs(r->metric_hi - r->metric_lo);
        if (errors[1 + 2 * j])
            r->error = point_error("low", errors[1 + 2 * j]);
        else if (errors[2 + 2 * j])
            r->error = point_error("high", errors[2 + 2 * j]);
    }
    x->baseline = y[0];
}

static cjm_status tornado_run(cjm_sensitivity *x, pool *p, const sens_input *in, cjm_error *err)
{
    int k = x->row_count, n = 1 + 2 * k;
    double *pts = malloc((size_t)n * k * sizeof *pts), *y = calloc((size_t)n, sizeof *y);
    char **errors = calloc((size_t)n, sizeof *errors);
    cjm_status st = pts && y && errors ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; st == CJM_OK && i < n * k; i++) pts[i] = CJM_NAN;
    for (int j = 0; st == CJM_OK && j < k; j++) {
        tornado_range(&in[j], x->swing, &x->rows[j].lo, &x->rows[j].hi);
        pts[(size_t)(1 + 2 * j) * k + j] = x->rows[j].lo;
        pts[(size_t)(2 + 2 * j) * k + j] = x->rows[j].hi;
    }
    p->inputs = in, p->k = k, p->n = n, p->x = pts, p->y = y, p->errors = errors;
    if (st == CJM_OK) st = pool_run(p, err);
    x->evaluations = n;
    if (st == CJM_OK && errors[0]) /* the scenario as given fails: nothing to compare with */
        st = cjm_error_set(err, CJM_ESCENARIO, "%s", errors[0]);
    if (st == CJM_OK) tornado_fill(x, y, errors);
    for (int i = 0; errors && i < n; i++) free(errors[i]);
    free(errors);
    free(pts);
    free(y);
    return st;
}

cjm_status cjm_tornado(const char *path, const cjm_load_options *base, const cjm_settings *s,
                       const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err)
{
    sens_input *in = NULL;
    int k = 0, metric;
    double swing = o->swing > 0 ? o->swing : 0.2;
    cjm_sensitivity *x = NULL;
    cjm_status st = resolve_metric("tornado", o->metric, &metric, err);
    if (st == CJM_OK && !(o->swing >= 0 && swing <= 1))
        st = cjm_error_set(err, CJM_EUSAGE, "tornado: --swing must be in (0, 100%%]");
    if (st == CJM_OK) st = analysis_new(CJM_SENS_TORNADO, path, base, s, &x, err);
    if (st == CJM_OK) st = tornado_inputs(x->model, o, &in, &k, err);
    if (st == CJM_OK) st = rows_new(x, k, in, err);
    pool p = pool_make(x, path, base, s, o);
    p.metric = metric;
    if (st == CJM_OK) {
        x->metric = metric;
        x->swing = swing;
        st = tornado_run(x, &p, in, err);
        x->ran = p.ran;
    }
    if (st == CJM_OK) rank_rows(x, by_width);
    inputs_free(in, k);
    if (st != CJM_OK) cjm_sensitivity_free(&x);
    *out = x;
    return st;
}

/* ---- inputs of Morris and Sobol ---- */

/* The value at u in [0, 1]: uniform on --param's range, or the input's own
 * distribution through its quantile function. Morris's grid includes 0 and
 * 1, where a quantile may be infinite, so it spans the 5th..95th percentiles. */
static double input_at(const sens_input *si, double u, int morris)
{
    if (si->ranged) return rounded(si->in, si->lo + u * (si->hi - si->lo));
    return rounded(si->in, cjm_dist_quantile(&si->in->dist, morris ? 0.05 + 0.9 * u : u));
}

static int is_param(const cjm_sens_options *o, const cjm_input *in)
{
    for (int j = 0; j < o->param_count; j++)
        if (strcmp(o->params[j].path, in->path) == 0 ||
            (in->name && strcmp(o->params[j].path, in->name) == 0))
            return 1;
    return 0;
}

static cjm_status check_range(const char *cmd, const sens_input *si, cjm_error *err)
{
    const cjm_input *in = si->in;
    if (!si->ranged && !in->uncertain)
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s: --param %s: it is a plain number here; give its range, "
                             "--param %s=LO:HI",
                             cmd, in->path, in->path);
    if (si->ranged && !(si->lo < si->hi))
        return cjm_error_set(err, CJM_EUSAGE, "%s: --param %s=%g:%g: LO must be below HI", cmd,
                             in->path, si->lo, si->hi);
    if (si->ranged && !in->uncertain && (si->lo < in->lo || si->hi > in->hi))
        return cjm_error_set(err, CJM_EUSAGE, "%s: --param %s=%g:%g: outside its range [%g, %g]",
                             cmd, in->path, si->lo, si->hi, in->lo, in->hi);
    return CJM_OK;
}

/* The inputs analysed (--param, else every uncertain input), then the
 * uncertain inputs left out, pinned at their medians so that every
 * evaluation is a function of the analysed inputs alone. */
static cjm_status analysed_inputs(cjm_sensitivity *x, const char *cmd, const cjm_sens_options *o,
                                  sens_input **in, int *k, int *pins, cjm_error *err)
{
    const cjm_model *m = x->model;
    *k = *pins = 0;
    *in = calloc((size_t)(o->param_count + m->uncertain_count) + 1, sizeof **in);
    if (!*in) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int j = 0; st == CJM_OK && j < o->param_count; j++, ++*k) {
        st = param_input(m, cmd, &o->params[j], &(*in)[j], err);
        if (st == CJM_OK) st = check_range(cmd, &(*in)[j], err);
    }
    for (int u = 0; st == CJM_OK && u < m->uncertain_count; u++) {
        int i = m->uncertain[u];
        if (is_param(o, &m->inputs[i])) continue;
        st = input_make(m, i, &(*in)[*k + *pins], err);
        if (o->param_count > 0)
            ++*pins;
        else
            ++*k;
    }
    if (st == CJM_OK && *k == 0)
        st =
            cjm_error_set(err, CJM_EUSAGE,
                          "%s: the scenario has no uncertain inputs; give --param PATH=LO:HI", cmd);
    x->pinned = *pins;
    return st;
}

/* Fills the pinned columns k..k+pins-1 of n rows with the medians. */
static void pin_columns(double *pts, int n, int k, int pins, const sens_input *in)
{
    for (int i = 0; i < n; i++)
        for (int j = k; j < k + pins; j++) pts[(size_t)i * (k + pins) + j] = in[j].in->value;
}

/* Loads the scenario, resolves the metric and the inputs, and the rows. */
static cjm_status screening_new(cjm_sens_kind kind, const char *cmd, const char *path,
                                const cjm_load_options *base, const cjm_settings *s,
                                const cjm_sens_options *o, cjm_sensitivity **x, sens_input **in,
                                int *k, int *pins, cjm_error *err)
{
    int metric;
    *x = NULL;
    *in = NULL;
    *k = *pins = 0;
    cjm_status st = resolve_metric(cmd, o->metric, &metric, err);
    if (st == CJM_OK) st = analysis_new(kind, path, base, s, x, err);
    if (st == CJM_OK) st = analysed_inputs(*x, cmd, o, in, k, pins, err);
    if (st == CJM_OK) st = rows_new(*x, *k, *in, err);
    if (*x) (*x)->metric = metric;
    return st;
}

/* ---- Morris ---- */

double cjm_morris_delta(int levels)
{
    return levels / (2.0 * (levels - 1));
}

/* One trajectory (Morris 1991): a random start on the p-level grid, then
 * each factor in random order moved once by +/-Delta. Each factor starts in
 * the lower or upper half of the grid, so the move stays inside [0, 1]. */
static void morris_trajectory(cjm_rng *rng, int k, int levels, double *u, int *order)
{
    double delta = cjm_morris_delta(levels);
    for (int j = 0; j < k; j++) order[j] = j;
    for (int j = k - 1; j > 0; j--) { /* Fisher-Yates */
        int r = (int)cjm_rng_bounded(rng, (uint32_t)j + 1), t = order[j];
        order[j] = order[r], order[r] = t;
    }
    for (int j = 0; j < k; j++) {
        double lo = cjm_rng_bounded(rng, (uint32_t)levels / 2) / (double)(levels - 1);
        u[j] = cjm_rng_bounded(rng, 2) ? lo : lo + delta;
    }
    for (int s = 1; s <= k; s++) {
        memcpy(u + (size_t)s * k, u + (size_t)(s - 1) * k, (size_t)k * sizeof *u);
        int f = order[s - 1];
        double prev = u[(size_t)(s - 1) * k + f];
        u[(size_t)s * k + f] = prev + delta <= 1 + 1e-12 ? prev + delta : prev - delta;
    }
}

typedef struct morris_design {
    int r, k, pins, n;
    double *u;  /* [n][k]: the unit-cube points */
    int *order; /* [r][k]: the factor moved at each step */
    double *x;  /* [n][k + pins]: the values */
} morris_design;

static cjm_status morris_design_make(morris_design *d, const cjm_sens_options *o,
                                     const sens_input *in, uint64_t seed, cjm_error *err)
{
    int per = d->k + 1, w = d->k + d->pins;
    d->n = d->r * per;
    d->u = malloc((size_t)d->n * d->k * sizeof *d->u);
    d->order = malloc((size_t)d->r * d->k * sizeof *d->order);
    d->x = malloc((size_t)d->n * w * sizeof *d->x);
    if (!d->u || !d->order || !d->x) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_rng rng;
    cjm_rng_stream(&rng, seed, KEY_MORRIS, 0);
    for (int t = 0; t < d->r; t++)
        morris_trajectory(&rng, d->k, o->levels, d->u + (size_t)t * per * d->k,
                          d->order + (size_t)t * d->k);
    for (int i = 0; i < d->n; i++)
        for (int j = 0; j < d->k; j++)
            d->x[(size_t)i * w + j] = input_at(&in[j], d->u[(size_t)i * d->k + j], 1);
    pin_columns(d->x, d->n, d->k, d->pins, in);
    return CJM_OK;
}

static void morris_design_free(morris_design *d)
{
    free(d->u);
    free(d->order);
    free(d->x);
}

/* Factor j's elementary effects EE = (y(x + Delta e_j) - y(x)) / Delta, one
 * per trajectory (NaN where the metric is undefined: left out); returns how
 * many there are. */
static int morris_ees(const morris_design *d, const double *y, int j, double *ee)
{
    int per = d->k + 1, n = 0;
    for (int t = 0; t < d->r; t++)
        for (int s = 1; s <= d->k; s++) {
            if (d->order[(size_t)t * d->k + s - 1] != j) continue;
            size_t a = (size_t)t * per + s - 1, b = a + 1;
            double du = d->u[b * d->k + j] - d->u[a * d->k + j];
            double e = (y[b] - y[a]) / du;
            if (!isnan(e)) ee[n++] = e;
        }
    return n;
}

/* mu, mu* (Campolongo et al. 2007: the mean of |EE|) and sigma (two passes,
 * so that equal effects give exactly 0). */
static cjm_status morris_effects(cjm_sensitivity *x, const morris_design *d, const double *y,
                                 cjm_error *err)
{
    double *ee = malloc((size_t)d->r * sizeof *ee);
    if (!ee) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int j = 0; j < d->k; j++) {
        int n = morris_ees(d, y, j, ee);
        double sum = 0, sum_abs = 0, ss = 0;
        for (int i = 0; i < n; i++) sum += ee[i], sum_abs += fabs(ee[i]);
        cjm_sens_row *r = &x->rows[j];
        r->mu = n ? sum / n : CJM_NAN;
        r->mu_star = n ? sum_abs / n : CJM_NAN;
        for (int i = 0; i < n; i++) ss += (ee[i] - r->mu) * (ee[i] - r->mu);
        r->sigma = n > 1 ? sqrt(ss / (n - 1)) : CJM_NAN;
    }
    free(ee);
    return CJM_OK;
}

static int by_mu_star(const void *a, const void *b)
{
    const cjm_sens_row *p = a, *q = b;
    int pn = isnan(p->mu_star), qn = isnan(q->mu_star);
    if (pn != qn) return pn - qn;
    if (!pn && p->mu_star != q->mu_star) return p->mu_star < q->mu_star ? 1 : -1;
    return 0;
}

cjm_status cjm_morris(const char *path, const cjm_load_options *base, const cjm_settings *s,
                      const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err)
{
    cjm_sens_options opt = *o;
    if (!opt.trajectories) opt.trajectories = 10;
    if (!opt.levels) opt.levels = 4;
    cjm_sensitivity *x = NULL;
    sens_input *in = NULL;
    morris_design d = {0};
    cjm_status st = CJM_OK;
    if (opt.trajectories < 1 || opt.levels < 2 || opt.levels % 2)
        st = cjm_error_set(err, CJM_EUSAGE,
                           "morris: --trajectories must be at least 1 and --levels even, >= 2");
    if (st == CJM_OK)
        st = screening_new(CJM_SENS_MORRIS, "morris", path, base, s, &opt, &x, &in, &d.k, &d.pins,
                           err);
    d.r = opt.trajectories;
    if (st == CJM_OK) st = morris_design_make(&d, &opt, in, s->seed, err);
    double *y = st == CJM_OK ? malloc((size_t)d.n * sizeof *y) : NULL;
    if (st == CJM_OK && !y) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    pool p = pool_make(x, path, base, s, o);
    p.inputs = in, p.k = d.k + d.pins, p.n = d.n, p.x = d.x, p.metric = x ? x->metric : 0, p.y = y;
    if (st == CJM_OK) st = pool_run(&p, err);
    if (st == CJM_OK) {
        x->trajectories = opt.trajectories, x->levels = opt.levels, x->evaluations = d.n;
        x->ran = p.ran;
        st = morris_effects(x, &d, y, err);
    }
    if (st == CJM_OK) rank_rows(x, by_mu_star);
    free(y);
    morris_design_free(&d);
    inputs_free(in, d.k + d.pins);
    if (st != CJM_OK) cjm_sensitivity_free(&x);
    *out = x;
    return st;
}

/* ---- Sobol ---- */

/* y[row] of the resample: row j of the design, or row idx[j]. */
static double at(const double *y, int n, int block, const int *idx, int j)
{
    return y[(size_t)block * n + (idx ? idx[j] : j)];
}

void cjm_sobol_indices(const double *y, int n, int k, const int *idx, double *s1, double *st)
{
    double mean = 0, var = 0;
    for (int j = 0; j < n; j++) mean += at(y, n, 0, idx, j) + at(y, n, 1, idx, j);
    mean /= 2.0 * n;
    for (int j = 0; j < n; j++) {
        double a = at(y, n, 0, idx, j) - mean, b = at(y, n, 1, idx, j) - mean;
        var += a * a + b * b;
    }
    var /= 2.0 * n - 1;
    for (int i = 0; i < k; i++) {
        double first = 0, total = 0;
        for (int j = 0; j < n; j++) {
            double fa = at(y, n, 0, idx, j), fb = at(y, n, 1, idx, j);
            double fab = at(y, n, 2 + i, idx, j);
            first += (fb - fab) * (fb - fab); /* B and A_B^(i) share only x_i */
            total += (fa - fab) * (fa - fab); /* A and A_B^(i) share all but x_i */
        }
        /* Jansen 1999, as listed in Saltelli et al. 2010 (table 2):
         * V_i = V - E[(f(B) - f(A_B^i))^2] / 2, V_Ti = E[(f(A) - f(A_B^i))^2] / 2.
         * For S1 it varies less than Saltelli's f(B)(f(A_B^i) - f(A)) where
         * an input matters (checked on a product of uniforms: sd 0.013
         * against 0.032 at N = 4096). */
        s1[i] = var > 0 ? 1 - first / (2.0 * n) / var : CJM_NAN;
        st[i] = var > 0 ? total / (2.0 * n) / var : CJM_NAN;
    }
}

/* A and B's uniforms from the Sobol' sequence in 2k dimensions (a
 * digital shift drawn from the seed): A the first k, B the next k. */
static cjm_status sobol_sequence(int n, int k, uint64_t seed, double *a, double *b, cjm_error *err)
{
    double *pt = malloc((size_t)n * 2 * k * sizeof *pt);
    if (!pt) return cjm_error_set(err, CJM_ENOMEM, "out of memory for %d samples", n);
    if (!cjm_sobol_points(n, 2 * k, 1, seed ^ KEY_SOBOL, pt)) {
        free(pt);
        return cjm_error_set(err, CJM_EUSAGE,
                             "sobol: --design sobol: %d inputs need %d dimensions, more than the "
                             "%d of its direction numbers",
                             k, 2 * k, cjm_sobol_max_dims());
    }
    for (int j = 0; j < n; j++)
        for (int i = 0; i < k; i++) {
            a[(size_t)j * k + i] = pt[(size_t)j * 2 * k + i];
            b[(size_t)j * k + i] = pt[(size_t)j * 2 * k + k + i];
        }
    free(pt);
    return CJM_OK;
}

/* Matrices A and B of uniforms, and the N(k + 2) points: A, B, then each
 * A_B^(i) (A with column i taken from B). */
static cjm_status sobol_design(int n, int k, int pins, const sens_input *in, uint64_t seed,
                               cjm_design design, double **out, cjm_error *err)
{
    int w = k + pins;
    double *a = malloc((size_t)n * k * 2 * sizeof *a);
    double *x = malloc((size_t)n * (k + 2) * w * sizeof *x);
    if (!a || !x) {
        free(a);
        free(x);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for %d samples", n);
    }
    double *b = a + (size_t)n * k;
    cjm_rng rng;
    cjm_rng_stream(&rng, seed, KEY_SOBOL, 0);
    for (int j = 0; design == CJM_DESIGN_RANDOM && j < n; j++) {
        for (int i = 0; i < k; i++) a[(size_t)j * k + i] = cjm_rng_uniform_pos(&rng);
        for (int i = 0; i < k; i++) b[(size_t)j * k + i] = cjm_rng_uniform_pos(&rng);
    }
    if (design == CJM_DESIGN_SOBOL) {
        cjm_status st = sobol_sequence(n, k, seed, a, b, err);
        if (st != CJM_OK) {
            free(a);
            free(x);
            return st;
        }
    }
    for (int blk = 0; blk < k + 2; blk++)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < k; i++) {
                const double *src = blk == 1 || blk == 2 + i ? b : a;
                x[((size_t)blk * n + j) * w + i] = input_at(&in[i], src[(size_t)j * k + i], 0);
            }
    pin_columns(x, n * (k + 2), k, pins, in);
    free(a);
    *out = x;
    return CJM_OK;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The 2.5th and 97.5th percentiles of column i of v[reps][k], NaNs left out. */
static void percentile_interval(double *v, int reps, int k, int i, double *lo, double *hi)
{
    double *col = malloc((size_t)reps * sizeof *col);
    int n = 0;
    for (int b = 0; col && b < reps; b++)
        if (!isnan(v[(size_t)b * k + i])) col[n++] = v[(size_t)b * k + i];
    if (col) qsort(col, (size_t)n, sizeof *col, compare_doubles);
    *lo = col ? cjm_percentile_sorted(col, n, 0.025) : CJM_NAN;
    *hi = col ? cjm_percentile_sorted(col, n, 0.975) : CJM_NAN;
    free(col);
}

/* Bootstrap: resample the N rows (the same rows for every block, so the
 * pairing of A, B and A_B^(i) is kept), recompute, take percentiles. */
static cjm_status sobol_bootstrap(cjm_sensitivity *x, const double *y, int n, int k, int reps,
                                  uint64_t seed, cjm_error *err)
{
    int *idx = malloc((size_t)n * sizeof *idx);
    double *s1 = malloc((size_t)reps * k * sizeof *s1), *st = malloc((size_t)reps * k * sizeof *st);
    if (!idx || !s1 || !st) {
        free(idx), free(s1), free(st);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for the bootstrap");
    }
    cjm_rng rng;
    cjm_rng_stream(&rng, seed, KEY_BOOT, 0);
    for (int b = 0; b < reps; b++) {
        for (int j = 0; j < n; j++) idx[j] = (int)cjm_rng_bounded(&rng, (uint32_t)n);
        cjm_sobol_indices(y, n, k, idx, s1 + (size_t)b * k, st + (size_t)b * k);
    }
    for (int i = 0; i < k; i++) {
        percentile_interval(s1, reps, k, i, &x->rows[i].s1_lo, &x->rows[i].s1_hi);
        percentile_interval(st, reps, k, i, &x->rows[i].st_lo, &x->rows[i].st_hi);
    }
    free(idx), free(s1), free(st);
    return CJM_OK;
}

/* The indices from the first N/8, N/4, N/2 and N rows of the design, to
 * see whether they have settled (for N >= 16). */
static cjm_status sobol_convergence(cjm_sensitivity *x, const double *y, int n, int k,
                                    cjm_error *err)
{
    if (n < 16) return CJM_OK;
    double *part = malloc((size_t)n * (k + 2) * sizeof *part);
    double *s1 = malloc((size_t)k * sizeof *s1), *st = malloc((size_t)k * sizeof *st);
    if (!part || !s1 || !st) {
        free(part), free(s1), free(st);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    x->conv_count = 4;
    for (int c = 0; c < 4; c++) {
        int m = c == 3 ? n : n >> (3 - c);
        x->conv_samples[c] = m;
        for (int blk = 0; blk < k + 2; blk++)
            for (int j = 0; j < m; j++) part[(size_t)blk * m + j] = y[(size_t)blk * n + j];
        cjm_sobol_indices(part, m, k, NULL, s1, st);
        for (int i = 0; i < k; i++) x->rows[i].conv_s1[c] = s1[i], x->rows[i].conv_st[c] = st[i];
    }
    free(part), free(s1), free(st);
    return CJM_OK;
}

static cjm_status sobol_estimate(cjm_sensitivity *x, const double *y, int n, int k, uint64_t seed,
                                 cjm_error *err)
{
    double *s1 = malloc((size_t)k * sizeof *s1), *st = malloc((size_t)k * sizeof *st);
    if (!s1 || !st) {
        free(s1), free(st);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    cjm_sobol_indices(y, n, k, NULL, s1, st);
    for (int i = 0; i < k; i++) x->rows[i].s1 = s1[i], x->rows[i].st = st[i];
    free(s1), free(st);
    cjm_status status = sobol_convergence(x, y, n, k, err);
    return status == CJM_OK ? sobol_bootstrap(x, y, n, k, x->bootstrap, seed, err) : status;
}

static int by_total(const void *a, const void *b)
{
    const cjm_sens_row *p = a, *q = b;
    int pn = isnan(p->st), qn = isnan(q->st);
    if (pn != qn) return pn - qn;
    if (!pn && p->st != q->st) return p->st < q->st ? 1 : -1;
    return 0;
}

cjm_status cjm_sobol(const char *path, const cjm_load_options *base, const cjm_settings *s,
                     const cjm_sens_options *o, cjm_sensitivity **out, cjm_error *err)
{
    int n = o->samples ? o->samples : 1024, k = 0, pins = 0;
    cjm_sensitivity *x = NULL;
    sens_input *in = NULL;
    double *pts = NULL, *y = NULL;
    cjm_status st = CJM_OK;
    if (n < 2 || o->bootstrap < 0)
        st = cjm_error_set(err, CJM_EUSAGE, "sobol: --samples must be at least 2");
    if (st == CJM_OK)
        st = screening_new(CJM_SENS_SOBOL, "sobol", path, base, s, o, &x, &in, &k, &pins, err);
    if (st == CJM_OK && (double)n * (k + 2) > 2e9)
        st = cjm_error_set(err, CJM_EUSAGE, "sobol: %d samples x %d inputs is too many", n, k);
    if (st == CJM_OK && o->design != CJM_DESIGN_RANDOM && o->design != CJM_DESIGN_SOBOL)
        st = cjm_error_set(err, CJM_EUSAGE, "sobol: unknown design %d", (int)o->design);
    if (st == CJM_OK) st = sobol_design(n, k, pins, in, s->seed, o->design, &pts, err);
    if (st == CJM_OK && !(y = malloc((size_t)n * (k + 2) * sizeof *y)))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    pool p = pool_make(x, path, base, s, o);
    p.inputs = in, p.k = k + pins, p.n = n * (k + 2), p.x = pts, p.y = y;
    p.metric = x ? x->metric : 0;
    if (st == CJM_OK) st = pool_run(&p, err);
    if (st == CJM_OK) {
        x->samples = n, x->bootstrap = o->bootstrap ? o->bootstrap : 1000;
        x->design = o->design;
        x->evaluations = p.n, x->ran = p.ran;
        st = sobol_estimate(x, y, n, k, s->seed, err);
    }
    if (st == CJM_OK) rank_rows(x, by_total);
    free(pts);
    free(y);
    inputs_free(in, k + pins);
    if (st != CJM_OK) cjm_sensitivity_free(&x);
    *out = x;
    return st;
}
