/* api.c: the public accessors of models, results, comparisons and
 * sensitivity analyses (include/cjm.h). They only read: no object changes,
 * so any number of threads may call them at once. Metrics and series are
 * computed here from the result's per-run totals by the code that computes
 * them for the writers (metrics.c), so they are the numbers printed. */
#include "compare.h"
#include "sensitivity.h"

#include <stddef.h>
#include <string.h>

/* ---- the catalogue of metrics and series ---- */

int cjm_metric_count(void)
{
    return CJM_M_COUNT;
}

static int metric_ok(int metric)
{
    return metric >= 0 && metric < CJM_M_COUNT;
}

const char *cjm_metric_name(int metric)
{
    return metric_ok(metric) ? cjm_metric_infos[metric].name : NULL;
}

const char *cjm_metric_label(int metric)
{
    return metric_ok(metric) ? cjm_metric_infos[metric].label : NULL;
}

cjm_unit cjm_metric_unit(int metric)
{
    return metric_ok(metric) ? cjm_metric_infos[metric].unit : CJM_UNIT_COUNT;
}

int cjm_metric_find(const char *name)
{
    return name ? cjm_metric_index(name) : -1;
}

int cjm_series_count(void)
{
    return CJM_S_COUNT;
}

const char *cjm_series_name(int series)
{
    return series >= 0 && series < CJM_S_COUNT ? cjm_series_infos[series].name : NULL;
}

static int series_find(const char *name)
{
    for (int i = 0; name && i < CJM_S_COUNT; i++)
        if (strcmp(cjm_series_infos[i].name, name) == 0) return i;
    return -1;
}

/* ---- the model ---- */

const char *cjm_model_name(const cjm_model *m)
{
    return m->name;
}

const char *cjm_model_file(const cjm_model *m)
{
    return m->file;
}

const char *cjm_model_sha256(const cjm_model *m)
{
    return m->sha256;
}

const char *cjm_model_step_name(const cjm_model *m)
{
    return m->step_name;
}

const char *cjm_model_variant(const cjm_model *m)
{
    return m->variant;
}

int cjm_model_horizon(const cjm_model *m)
{
    return m->horizon;
}

int64_t cjm_model_cohort_size(const cjm_model *m)
{
    return m->cohort_size;
}

enum {
    LIST_STAGES,
    LIST_SEGMENTS,
    LIST_INPUTS,
    LIST_UNCERTAIN,
    LIST_VARIANTS,
    LIST_BARRIERS,
    LIST_EDGES,
    LIST_EDGE_FROM,
    LIST_EDGE_TO,
    LIST_FIXES
};

static const char *const list_names[] = {"stages",   "segments", "inputs", "uncertain",
                                         "variants", "barriers", "edges",  "edge_from",
                                         "edge_to",  "fixes"};

/* The i-th barrier with a fix (i from 0), or -1. */
static int fix_barrier(const cjm_model *m, int i)
{
    for (int b = 0; b < m->barrier_count; b++)
        if (m->barriers[b].has_fix && i-- == 0) return b;
    return -1;
}

static int list_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof list_names / sizeof *list_names; i++)
        if (strcmp(list_names[i], name) == 0) return (int)i;
    return -1;
}

int cjm_model_count(const cjm_model *m, const char *list)
{
    switch (list_find(list)) {
    case LIST_STAGES:
        return m->stage_count;
    case LIST_SEGMENTS:
        return m->segment_count;
    case LIST_INPUTS:
        return m->input_count;
    case LIST_UNCERTAIN:
        return m->uncertain_count;
    case LIST_VARIANTS:
        return m->variant_count;
    case LIST_BARRIERS:
        return m->barrier_count;
    case LIST_EDGES:
    case LIST_EDGE_FROM:
    case LIST_EDGE_TO:
        return m->edge_count;
    case LIST_FIXES: {
        int n = 0;
        for (int b = 0; b < m->barrier_count; b++) n += m->barriers[b].has_fix;
        return n;
    }
    default:
        return -1;
    }
}

const char *cjm_model_item(const cjm_model *m, const char *list, int i)
{
    int kind = list_find(list);
    if (i < 0 || i >= cjm_model_count(m, list)) return NULL;
    switch (kind) {
    case LIST_STAGES:
        return m->stages[i].name;
    case LIST_SEGMENTS:
        return m->segment_names[i];
    case LIST_INPUTS:
        return m->inputs[i].path;
    case LIST_UNCERTAIN:
        return m->inputs[m->uncertain[i]].path;
    case LIST_VARIANTS:
        return m->variant_names[i];
    case LIST_EDGES:
        return m->edges[i].path;
    case LIST_EDGE_FROM:
        return m->stages[m->edges[i].from].name;
    case LIST_EDGE_TO:
        return m->stages[m->edges[i].to].name;
    case LIST_FIXES:
        return m->barriers[fix_barrier(m, i)].name;
    default:
        return m->barriers[i].name;
    }
}

int cjm_model_has(const cjm_model *m, const char *feature)
{
    if (!feature) return 0;
    if (strcmp(feature, "segments") == 0) return m->has_segments;
    if (strcmp(feature, "arrivals") == 0) return m->has_arrivals;
    if (strcmp(feature, "referrals") == 0) return m->has_referrals;
    if (strcmp(feature, "uncertain") == 0) return m->uncertain_count > 0;
    if (strcmp(feature, "purchases") == 0) return m->has_purchases;
    if (strcmp(feature, "loyalty") == 0) return m->loyalty.present;
    return 0;
}

/* ---- a result ---- */

const cjm_model *cjm_result_model(const cjm_result *r)
{
    return r->model;
}

int64_t cjm_result_draws(const cjm_result *r)
{
    return r->draws;
}

cjm_settings cjm_result_settings(const cjm_result *r)
{
    cjm_settings s = r->settings;
    s.cancel = NULL; /* the caller's token, which may be gone by now */
    s.progress = NULL, s.progress_ctx = NULL;
    return s;
}

/* A summary as a public value. */
static cjm_value value_of(const cjm_summary *s, const char *name, const char *label, cjm_unit unit,
                          int index, bool exact)
{
    return (cjm_value){.name = name,
                       .label = label,
                       .unit = unit,
                       .index = index,
                       .mean = s->mean,
                       .se = s->se,
                       .lo = s->lo,
                       .hi = s->hi,
                       .p5 = s->p5,
                       .p50 = s->p50,
                       .p95 = s->p95,
                       .defined = s->defined,
                       .exact = exact};
}

static cjm_value metric_value(const cjm_summary *s, int metric, bool exact)
{
    const cjm_metric_info *in = &cjm_metric_infos[metric];
    return value_of(s, in->name, in->label, in->unit, metric, exact);
}

cjm_status cjm_result_metric(const cjm_result *r, int metric, cjm_value *out)
{
    if (!metric_ok(metric)) return CJM_EUSAGE;
    cjm_summary s;
    cjm_status st = cjm_metric_summary(r, metric, &s, NULL);
    if (st == CJM_OK) *out = metric_value(&s, metric, cjm_result_is_point(r));
    return st;
}

int cjm_result_series_length(const cjm_result *r, const char *series)
{
    int k = series_find(series);
    return k < 0 ? -1 : cjm_series_length(r, k);
}

/* The name of item i of series k: a stage, a breakdown line's path, a tier,
 * a loyalty figure, a class ("non-members" or a tier); NULL for steps. */
static const char *series_item_name(const cjm_result *r, int k, int i)
{
    const cjm_model *m = r->model;
    if (k == CJM_S_FUNNEL) return m->stages[i].name;
    if (k == CJM_S_BREAKDOWN) return r->lines[i].path;
    if (k == CJM_S_TIER_SHARE) return m->loyalty.tiers[i / (r->horizon + 1)].name;
    if (k == CJM_S_LOYALTY) return cjm_loyalty_items[i];
    if (k == CJM_S_TRANSITIONS) return m->edges[i].path;
    if (k >= CJM_S_SOURCE) return cjm_source_names[i];
    if (k >= CJM_S_CLASS) return i == 0 ? "non-members" : m->loyalty.tiers[i - 1].name;
    return NULL;
}

/* A breakdown line's kind, as its label: "revenue", "cogs" or "cost". */
static const char *line_kind(const cjm_result *r, int i)
{
    static const char *const kinds[CJM_MONEY_KINDS] = {"revenue", "cogs", "cost"};
    return kinds[r->lines[i].kind];
}

cjm_status cjm_result_series(const cjm_result *r, const char *series, int i, cjm_value *out)
{
    int k = series_find(series);
    if (k < 0 || i < 0 || i >= cjm_series_length(r, k)) return CJM_EUSAGE;
    cjm_summary s;
    cjm_status st = cjm_series_summary(r, k, i, &s, NULL);
    if (st != CJM_OK) return st;
    const cjm_series_info *in = &cjm_series_infos[k];
    *out =
        value_of(&s, series_item_name(r, k, i), k == CJM_S_BREAKDOWN ? line_kind(r, i) : in->label,
                 in->unit, i, cjm_result_is_point(r));
    return CJM_OK;
}

cjm_status cjm_result_value(const cjm_result *r, const char *name, double *out)
{
    int step;
    double share;
    if (!name || (strcmp(name, "payback_step") != 0 && strcmp(name, "share_paid_back") != 0))
        return CJM_EUSAGE;
    cjm_status st = cjm_payback(r, &step, &share, NULL);
    if (st == CJM_OK)
        *out = strcmp(name, "share_paid_back") == 0 ? share : step < 0 ? CJM_NAN : step;
    return st;
}

double cjm_result_run_metric(const cjm_result *r, int run, int metric)
{
    if (run < 0 || run >= r->runs || !metric_ok(metric)) return CJM_NAN;
    double num, den;
    cjm_metric_parts(r, metric, run, &num, &den);
    return den > 0 ? num / den : CJM_NAN; /* as cjm_report_runs_csv prints it */
}

double cjm_result_run_input(const cjm_result *r, int run, int input)
{
    if (run < 0 || run >= r->runs || input < 0 || input >= r->input_count) return CJM_NAN;
    return r->inputs[(size_t)run * r->input_count + input];
}

/* ---- a comparison ---- */

/* Arm i in report order: the baseline, the arms, the best combination. */
static const cjm_arm *arm_at(const cjm_comparison *c, int i)
{
    if (i == 0) return &c->base;
    if (i >= 1 && i <= c->arm_count) return &c->arms[i - 1];
    return i == c->arm_count + 1 ? c->best : NULL;
}

int cjm_comparison_arm_count(const cjm_comparison *c)
{
    return 1 + c->arm_count + (c->best ? 1 : 0);
}

const char *cjm_comparison_arm_name(const cjm_comparison *c, int arm)
{
    const cjm_arm *a = arm_at(c, arm);
    return a ? a->name : NULL;
}

const char *cjm_comparison_arm_role(const cjm_comparison *c, int arm)
{
    const cjm_arm *a = arm_at(c, arm);
    if (!a) return NULL;
    if (a == &c->base) return "baseline";
    if (a == c->best) return "best";
    return c->kind == CJM_COMPARE_FIXES ? "fix" : "variant";
}

int cjm_comparison_arm_fix_count(const cjm_comparison *c, int arm)
{
    const cjm_arm *a = arm_at(c, arm);
    return a ? a->fix_count : -1;
}

const char *cjm_comparison_arm_fix(const cjm_comparison *c, int arm, int i)
{
    const cjm_arm *a = arm_at(c, arm);
    return a && i >= 0 && i < a->fix_count ? a->fixes[i] : NULL;
}

const cjm_result *cjm_comparison_arm_result(const cjm_comparison *c, int arm)
{
    const cjm_arm *a = arm_at(c, arm);
    return a ? a->result : NULL;
}

cjm_status cjm_comparison_delta(const cjm_comparison *c, int arm, int metric, cjm_value *out)
{
    const cjm_arm *a = arm_at(c, arm);
    if (!a || !metric_ok(metric)) return CJM_EUSAGE;
    bool exact = cjm_result_is_point(c->base.result);
    if (a == &c->base) {
        cjm_summary zero = {0, 0, 0, 0, CJM_NAN, CJM_NAN, CJM_NAN, true};
        *out = metric_value(&zero, metric, exact);
    } else {
        *out = metric_value(&a->delta[metric], metric, exact);
    }
    return CJM_OK;
}

cjm_status cjm_comparison_arm_value(const cjm_comparison *c, int arm, const char *name, double *out)
{
    const cjm_arm *a = arm_at(c, arm);
    if (!a || !name) return CJM_EUSAGE;
    bool base = a == &c->base;
    if (strcmp(name, "roi") == 0)
        *out = base ? CJM_NAN : a->roi;
    else if (strcmp(name, "p_profit_up") == 0)
        *out = base ? CJM_NAN : a->p_profit_up;
    else
        return CJM_EUSAGE;
    return CJM_OK;
}

/* ---- a sensitivity analysis ---- */

static const char *const sens_kinds[] = {"sweep", "tornado", "morris", "sobol"};

const char *cjm_sensitivity_kind(const cjm_sensitivity *x)
{
    return sens_kinds[x->kind];
}

int cjm_sensitivity_metric(const cjm_sensitivity *x)
{
    return x->metric;
}

const cjm_model *cjm_sensitivity_model(const cjm_sensitivity *x)
{
    return x->model;
}

cjm_settings cjm_sensitivity_settings(const cjm_sensitivity *x)
{
    cjm_settings s = x->ran;
    s.cancel = NULL;
    return s;
}

/* A named value: `name` is `want`, which the kind `kind` (-1: any) has. */
static int named(const cjm_sensitivity *x, const char *name, const char *want, int kind)
{
    return strcmp(name, want) == 0 && (kind < 0 || (int)x->kind == kind);
}

cjm_status cjm_sensitivity_value(const cjm_sensitivity *x, const char *name, double *out)
{
    bool screening = x->kind == CJM_SENS_MORRIS || x->kind == CJM_SENS_SOBOL;
    if (!name) return CJM_EUSAGE;
    if (named(x, name, "evaluations", -1))
        *out = (double)x->evaluations;
    else if (named(x, name, "baseline", CJM_SENS_TORNADO))
        *out = x->baseline;
    else if (named(x, name, "relative_swing", CJM_SENS_TORNADO))
        *out = x->swing;
    else if (named(x, name, "trajectories", CJM_SENS_MORRIS))
        *out = x->trajectories;
    else if (named(x, name, "levels", CJM_SENS_MORRIS))
        *out = x->levels;
    else if (named(x, name, "samples", CJM_SENS_SOBOL))
        *out = x->samples;
    else if (named(x, name, "bootstrap", CJM_SENS_SOBOL))
        *out = x->bootstrap;
    else if (screening && strcmp(name, "pinned") == 0)
        *out = x->pinned;
    else
        return CJM_EUSAGE;
    return CJM_OK;
}

int cjm_sensitivity_row_count(const cjm_sensitivity *x)
{
    return x->kind == CJM_SENS_SWEEP ? 0 : x->row_count;
}

static const cjm_sens_row *row_at(const cjm_sensitivity *x, int row)
{
    return row >= 0 && row < cjm_sensitivity_row_count(x) ? &x->rows[row] : NULL;
}

const char *cjm_sensitivity_row_path(const cjm_sensitivity *x, int row)
{
    const cjm_sens_row *r = row_at(x, row);
    return r ? r->path : NULL;
}

const char *cjm_sensitivity_row_error(const cjm_sensitivity *x, int row)
{
    const cjm_sens_row *r = row_at(x, row);
    return r ? r->error : NULL;
}

/* A row's field by its JSON name, for the kinds that have it. */
typedef struct row_field {
    const char *name;
    int kind; /* -1: every kind */
    size_t offset;
} row_field;

static const row_field row_fields[] = {
    {"value", -1, offsetof(cjm_sens_row, value)},
    {"low", -1, offsetof(cjm_sens_row, lo)},
    {"high", -1, offsetof(cjm_sens_row, hi)},
    {"metric_low", CJM_SENS_TORNADO, offsetof(cjm_sens_row, metric_lo)},
    {"metric_high", CJM_SENS_TORNADO, offsetof(cjm_sens_row, metric_hi)},
    {"swing", CJM_SENS_TORNADO, offsetof(cjm_sens_row, width)},
    {"mu_star", CJM_SENS_MORRIS, offsetof(cjm_sens_row, mu_star)},
    {"mu", CJM_SENS_MORRIS, offsetof(cjm_sens_row, mu)},
    {"sigma", CJM_SENS_MORRIS, offsetof(cjm_sens_row, sigma)},
    {"S1", CJM_SENS_SOBOL, offsetof(cjm_sens_row, s1)},
    {"S1_lo", CJM_SENS_SOBOL, offsetof(cjm_sens_row, s1_lo)},
    {"S1_hi", CJM_SENS_SOBOL, offsetof(cjm_sens_row, s1_hi)},
    {"ST", CJM_SENS_SOBOL, offsetof(cjm_sens_row, st)},
    {"ST_lo", CJM_SENS_SOBOL, offsetof(cjm_sens_row, st_lo)},
    {"ST_hi", CJM_SENS_SOBOL, offsetof(cjm_sens_row, st_hi)},
};

cjm_status cjm_sensitivity_row_value(const cjm_sensitivity *x, int row, const char *name,
                                     double *out)
{
    const cjm_sens_row *r = row_at(x, row);
    if (!r || !name) return CJM_EUSAGE;
    if (strcmp(name, "uncertain") == 0) {
        *out = r->uncertain;
        return CJM_OK;
    }
    for (size_t i = 0; i < sizeof row_fields / sizeof *row_fields; i++) {
        const row_field *f = &row_fields[i];
        if (strcmp(f->name, name) != 0 || (f->kind >= 0 && f->kind != (int)x->kind)) continue;
        *out = *(const double *)((const char *)r + f->offset);
        return CJM_OK;
    }
    return CJM_EUSAGE;
}

int cjm_sensitivity_param_count(const cjm_sensitivity *x)
{
    return x->kind == CJM_SENS_SWEEP ? x->param_count : 0;
}

const char *cjm_sensitivity_param_path(const cjm_sensitivity *x, int param)
{
    return param >= 0 && param < cjm_sensitivity_param_count(x) ? x->param_paths[param] : NULL;
}

int cjm_sensitivity_point_count(const cjm_sensitivity *x)
{
    return x->kind == CJM_SENS_SWEEP ? x->point_count : 0;
}

static int point_ok(const cjm_sensitivity *x, int point)
{
    return point >= 0 && point < cjm_sensitivity_point_count(x);
}

double cjm_sensitivity_point_param(const cjm_sensitivity *x, int point, int param)
{
    if (!point_ok(x, point) || param < 0 || param >= x->param_count) return CJM_NAN;
    return x->points[(size_t)point * x->param_count + param];
}

const char *cjm_sensitivity_point_error(const cjm_sensitivity *x, int point)
{
    return point_ok(x, point) ? x->errors[point] : NULL;
}

cjm_status cjm_sensitivity_point_metric(const cjm_sensitivity *x, int point, int metric,
                                        cjm_value *out)
{
    if (!point_ok(x, point) || !metric_ok(metric) || x->errors[point]) return CJM_EUSAGE;
    bool exact = x->ran.engine == CJM_ENGINE_EXACT && x->ran.runs == 1;
    *out = metric_value(&x->metrics[point].m[metric], metric, exact);
    return CJM_OK;
}

cjm_precision cjm_sensitivity_precision(const cjm_sensitivity *x)
{
    return x->precision;
}
