/* report_compare.c: writers for `cjm compare` and `cjm fixes`. */
#include "compare.h"
#include "report.h"

#include <math.h>
#include <string.h>

static const cjm_arm *arm_at(const cjm_comparison *c, int i)
{
    return i < c->arm_count ? &c->arms[i] : c->best;
}

static int arm_total(const cjm_comparison *c)
{
    return c->arm_count + (c->best ? 1 : 0);
}

/* ---- JSON ---- */

static json_t *json_delta(const cjm_summary *d)
{
    return json_pack("{s:o, s:o, s:[o, o]}", "mean", cjm_json_number(d->mean), "se",
                     cjm_json_number(d->se), "ci95", cjm_json_number(d->lo),
                     cjm_json_number(d->hi));
}

static json_t *json_arm(const cjm_arm *a)
{
    json_t *obj = json_pack("{s:s}", "name", a->name);
    if (a->fix_count) {
        json_t *fixes = json_array();
        for (int i = 0; i < a->fix_count; i++)
            json_array_append_new(fixes, json_string(a->fixes[i]));
        json_object_set_new(obj, "fixes", fixes);
    }
    json_t *metrics = json_object(), *delta = json_object();
    for (int i = 0; i < CJM_M_COUNT; i++) {
        json_object_set_new(metrics, cjm_metric_infos[i].name, cjm_json_summary(&a->metrics.m[i]));
        json_object_set_new(delta, cjm_metric_infos[i].name, json_delta(&a->delta[i]));
    }
    json_object_set_new(obj, "metrics", metrics);
    json_object_set_new(obj, "delta", delta);
    json_object_set_new(obj, "roi", cjm_json_number(a->roi));
    json_object_set_new(obj, "p_profit_up", cjm_json_number(a->p_profit_up));
    return obj;
}

/* The greedy path to the best set: each fix added, the expected profit of
 * the set up to it, and what it added. */
static json_t *json_greedy(const cjm_comparison *c)
{
    json_t *steps = json_array();
    double before = c->base.metrics.m[CJM_M_PROFIT].mean;
    for (int i = 0; i < c->step_count; i++) {
        json_array_append_new(steps, json_pack("{s:s, s:o, s:o}", "fix", c->steps[i].fix, "profit",
                                               cjm_json_number(c->steps[i].profit), "added",
                                               cjm_json_number(c->steps[i].profit - before)));
        before = c->steps[i].profit;
    }
    return steps;
}

static cjm_status write_json(const cjm_comparison *c, FILE *f, cjm_error *err)
{
    json_t *doc = cjm_json_run(c->base.result, &c->base.metrics);
    json_t *baseline = json_object();
    static const char *const moved[] = {"metrics", "funnel", "retention"};
    for (int i = 0; i < 3; i++) {
        json_object_set(baseline, moved[i], json_object_get(doc, moved[i]));
        json_object_del(doc, moved[i]);
    }
    json_object_set_new(doc, "baseline", baseline);
    json_t *arms = json_array();
    for (int i = 0; i < c->arm_count; i++) json_array_append_new(arms, json_arm(&c->arms[i]));
    json_object_set_new(doc, c->kind == CJM_COMPARE_FIXES ? "fixes" : "variants", arms);
    if (c->kind == CJM_COMPARE_FIXES) {
        json_object_set_new(doc, "best", c->best ? json_arm(c->best) : json_null());
        json_object_set_new(doc, "greedy", json_greedy(c));
    }
    return cjm_json_write(doc, f, err);
}

/* ---- CSV: one row per (arm, metric) ---- */

static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    cjm_csv_value(f, v);
}

static void csv_arm(FILE *f, const cjm_arm *a, const char *role)
{
    for (int i = 0; i < CJM_M_COUNT; i++) {
        const cjm_summary *v = &a->metrics.m[i], *d = &a->delta[i];
        fprintf(f, "%s,%s,%s", role, a->name, cjm_metric_infos[i].name);
        const double cols[] = {v->mean, v->se, v->lo, v->hi, d->mean, d->se, d->lo, d->hi};
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++) csv_num(f, cols[k]);
        fputc('\n', f);
    }
    if (strcmp(role, "baseline") == 0) return;
    fprintf(f, "%s,%s,roi,,,,", role, a->name);
    csv_num(f, a->roi);
    fputs(",,,\n", f);
    fprintf(f, "%s,%s,p_profit_up,,,,", role, a->name);
    csv_num(f, a->p_profit_up);
    fputs(",,,\n", f);
}

static cjm_status write_csv(const cjm_comparison *c, FILE *f)
{
    cjm_csv_settings(f, c->base.model, &c->base.result->settings);
    fputs("role,arm,metric,mean,se,ci95_lo,ci95_hi,delta_mean,delta_se,delta_ci95_lo,"
          "delta_ci95_hi\n",
          f);
    csv_arm(f, &c->base, "baseline");
    const char *role = c->kind == CJM_COMPARE_FIXES ? "fix" : "variant";
    for (int i = 0; i < c->arm_count; i++) csv_arm(f, &c->arms[i], role);
    if (c->best) csv_arm(f, c->best, "best");
    return CJM_OK;
}

/* ---- table ---- */

/* The width of the side-by-side columns: 16, or the longest arm name. */
static int column_width(const cjm_comparison *c)
{
    int w = (int)strlen(c->base.name);
    for (int i = 0; i < arm_total(c); i++) {
        int n = (int)strlen(i < c->arm_count ? arm_at(c, i)->name : "best");
        if (n > w) w = n;
    }
    return w > 16 ? w : 16;
}

/* Every arm's means beside the baseline's, in columns as wide as the longest
 * name (no name is cut). */
static void side_by_side(const cjm_comparison *c, FILE *f)
{
    int n = arm_total(c), w = column_width(c);
    fprintf(f, "  %-20s %*s", "", w, c->base.name);
    for (int i = 0; i < n; i++)
        fprintf(f, " %*s", w, i < c->arm_count ? arm_at(c, i)->name : "best");
    fputc('\n', f);
    int shown[CJM_M_COUNT], count = cjm_metrics_shown(c->base.model, shown);
    for (int q = 0; q < count; q++) {
        int m = shown[q];
        char buf[48];
        const cjm_summary *s = &c->base.metrics.m[m];
        cjm_format_value(buf, sizeof buf, s->defined ? s->mean : CJM_NAN, cjm_metric_infos[m].unit);
        fprintf(f, "  %-20s %*s", cjm_metric_infos[m].label, w, buf);
        for (int i = 0; i < n; i++) {
            s = &arm_at(c, i)->metrics.m[m];
            cjm_format_value(buf, sizeof buf, s->defined ? s->mean : CJM_NAN,
                             cjm_metric_infos[m].unit);
            fprintf(f, " %*s", w, buf);
        }
        fputc('\n', f);
    }
}

/* One arm's differences from the baseline: shares in percentage points,
 * ROI and the share of runs in which profit rose. */
static void delta_block(const cjm_arm *a, const cjm_result *r, FILE *f)
{
    fprintf(f, "\n  %s\n", a->name);
    int shown[CJM_M_COUNT], count = cjm_metrics_shown(r->model, shown);
    for (int q = 0; q < count; q++) {
        int m = shown[q];
        const cjm_summary *d = &a->delta[m];
        cjm_unit unit = cjm_metric_infos[m].unit;
        char mean[48], lo[48], hi[48], ci[110] = "";
        cjm_format_delta(mean, sizeof mean, d->defined ? d->mean : CJM_NAN, unit);
        if (!cjm_result_is_point(r) && isfinite(d->lo)) {
            cjm_format_delta(lo, sizeof lo, d->lo, unit);
            cjm_format_delta(hi, sizeof hi, d->hi, unit);
            snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
        }
        fprintf(f, "    %-20s %16s%s%s\n", cjm_metric_infos[m].label, mean, *ci ? "  " : "", ci);
    }
    char roi[48];
    cjm_format_value(roi, sizeof roi, a->roi, CJM_UNIT_RATIO);
    if (isfinite(a->roi))
        fprintf(f, "    %-20s %16s  (change in profit per unit of extra cost)\n", "ROI", roi);
    else
        fprintf(f, "    %-20s %16s  (cost does not rise)\n", "ROI", "-");
    fprintf(f, "    %-20s %15.0f%%  (share of runs in which profit rose)\n", "P(profit up)",
            100 * a->p_profit_up);
}

static void table_header(const cjm_comparison *c, FILE *f)
{
    const cjm_result *r = c->base.result;
    const cjm_settings *s = &r->settings;
    char who[160];
    cjm_result_customers_text(r, who, sizeof who);
    fprintf(f, "%s\n", r->model->name);
    if (cjm_result_is_point(r))
        fprintf(f, "exact engine (expected values), %s, %d %ss\n", who, s->horizon,
                r->model->step_name);
    else
        fprintf(f, "%s engine, %d run%s x %s, %d %ss, seed %llu, common random numbers\n",
                cjm_engine_name(s->engine), s->runs, s->runs == 1 ? "" : "s", who, s->horizon,
                r->model->step_name, (unsigned long long)s->seed);
    fprintf(f, "scenario %s (sha256 %.12s)\n\n", r->model->file, r->model->sha256);
}

static cjm_status write_table(const cjm_comparison *c, FILE *f)
{
    table_header(c, f);
    side_by_side(c, f);
    if (c->kind == CJM_COMPARE_FIXES)
        fputs("\neach fix alone, ranked by the change in profit (mean [95% interval]):\n", f);
    else
        fputs("\ndifferences from the baseline (mean [95% interval]):\n", f);
    for (int i = 0; i < c->arm_count; i++) delta_block(&c->arms[i], c->base.result, f);
    if (c->kind != CJM_COMPARE_FIXES) return CJM_OK;
    if (c->best) {
        fputs("\nbest combination found greedily:", f);
        delta_block(c->best, c->base.result, f);
    } else {
        fputs("\nno fix raises the expected profit: the best combination is none.\n", f);
    }
    return CJM_OK;
}

cjm_status cjm_report_comparison(const cjm_comparison *c, cjm_format fmt, FILE *f, cjm_error *err)
{
    if (fmt == CJM_FORMAT_JSON) return write_json(c, f, err);
    if (fmt == CJM_FORMAT_CSV) return write_csv(c, f);
    return write_table(c, f);
}
