/* report_csv.c: one row per reported quantity, in long form, for spreadsheets
 * and data frames: metric,stage_or_k,mean,se,ci95_lo,ci95_hi,p5,p50,p95,
 * after the scenario and settings as "# key: value" comment lines. */
#include "report.h"

#include <math.h>
#include <stdlib.h>

void cjm_csv_value(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.12g", v == 0 ? 0.0 : v); /* -0 is 0 */
}

static void csv_number(FILE *f, double v)
{
    fputc(',', f);
    cjm_csv_value(f, v);
}

/* Text on one comment line: line breaks become spaces. */
static void comment_text(FILE *f, const char *s)
{
    for (; s && *s; s++) fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
}

/* Settings not resolved (0: the scenario's cohort and horizon, as a
 * decision's) are written as the scenario's. */
void cjm_csv_settings(FILE *f, const cjm_model *m, const cjm_settings *s)
{
    fprintf(f, "# cjm: %s\n# schema: 1\n# scenario: ", cjm_version());
    comment_text(f, m->name);
    fputs("\n# file: ", f);
    comment_text(f, m->file);
    fprintf(f, "\n# sha256: %s\n", m->sha256);
    fprintf(f, "# engine: %s\n# runs: %d\n# customers: %lld\n# horizon: %d\n# seed: %llu\n",
            cjm_engine_name(s->engine), s->runs,
            (long long)(s->customers > 0 ? s->customers : m->cohort_size),
            s->horizon > 0 ? s->horizon : m->horizon, (unsigned long long)s->seed);
}

static void csv_row(FILE *f, const char *metric, const char *key, const cjm_summary *s)
{
    fprintf(f, "%s,%s", metric, key);
    const double v[] = {s->mean, s->se, s->lo, s->hi, s->p5, s->p50, s->p95};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) csv_number(f, v[i]);
    fputc('\n', f);
}

cjm_status cjm_report_csv(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    cjm_csv_settings(f, r->model, &r->settings);
    fputs("metric,key,mean,se,ci95_lo,ci95_hi,p5,p50,p95\n", f);
    for (int i = 0; i < CJM_M_COUNT; i++) csv_row(f, cjm_metric_infos[i].name, "", &mt->m[i]);
    for (int s = 0; s < r->stage_count; s++)
        csv_row(f, "funnel", r->model->stages[s].name, &mt->reached[s]);
    for (int k = 0; k <= mt->horizon; k++) {
        char key[16];
        snprintf(key, sizeof key, "%d", k);
        csv_row(f, "retention", key, &mt->retention[k]);
    }
    for (int t = 0; mt->by_arrival && t < mt->horizon; t++) {
        char key[16];
        snprintf(key, sizeof key, "%d", t);
        csv_row(f, "arrived", key, &mt->arrived[t]);
        csv_row(f, "arrival_conversion", key, &mt->arrival_conversion[t]);
    }
    for (int k = 0; mt->by_source && k < CJM_SOURCE_FIELDS; k++)
        for (int src = 0; src < CJM_SOURCES; src++) {
            char metric[48];
            snprintf(metric, sizeof metric, "by_source_%s", cjm_source_fields[k].name);
            csv_row(f, metric, cjm_source_names[src], cjm_source_field(&mt->sources[src], k));
        }
    for (int k = 0; k < CJM_CF_SERIES; k++)
        for (int t = 0; t <= mt->horizon; t++) {
            char metric[64], key[16];
            snprintf(metric, sizeof metric, "cashflow_%s", cjm_cashflow_names[k]);
            snprintf(key, sizeof key, "%d", t);
            csv_row(f, metric, key, &mt->cashflow[k][t]);
        }
    cjm_summary payback = cjm_summary_exact(mt->payback, mt->payback >= 0);
    if (mt->payback < 0) payback.mean = payback.p5 = payback.p50 = payback.p95 = CJM_NAN;
    csv_row(f, "payback", "step", &payback);
    cjm_summary paid = cjm_summary_exact(mt->share_paid_back, true);
    csv_row(f, "payback", "share_paid_back", &paid);
    static const char *const kinds[CJM_MONEY_KINDS] = {"revenue", "cogs", "cost"};
    for (int i = 0; i < mt->line_count; i++) {
        char metric[32];
        snprintf(metric, sizeof metric, "breakdown_%s", kinds[r->lines[i].kind]);
        csv_row(f, metric, r->lines[i].path, &mt->lines[i]);
    }
    if (mt->loyalty.present) cjm_csv_loyalty(r, mt, f, csv_row);
    return CJM_OK;
}

cjm_status cjm_report_runs_csv(const cjm_result *r, FILE *f, cjm_error *err)
{
    const cjm_model *m = r->model;
    int D = m->derived_input_count;
    double *derived = malloc((size_t)(D + 1) * sizeof *derived);
    if (!derived) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_csv_settings(f, m, &r->settings);
    fputs("run", f);
    for (int u = 0; u < r->input_count; u++)
        fprintf(f, ",%s", cjm_input_label(&m->inputs[m->uncertain[u]]));
    for (int k = 0; k < D; k++) fprintf(f, ",%s", m->derived_inputs[k].path);
    for (int i = 0; i < CJM_M_COUNT; i++) fprintf(f, ",%s", cjm_metric_infos[i].name);
    fputc('\n', f);
    cjm_status st = CJM_OK;
    for (int run = 0; st == CJM_OK && run < r->runs; run++) {
        const double *x = r->inputs + (size_t)run * r->input_count;
        fprintf(f, "%d", run + 1);
        for (int u = 0; u < r->input_count; u++) csv_number(f, x[u]);
        /* the values the run used (checked when its inputs were drawn) */
        st = cjm_model_derived_values(m, x, derived, "in this run", err);
        for (int k = 0; k < D; k++) csv_number(f, derived[k]);
        for (int i = 0; i < CJM_M_COUNT; i++) {
            double num, den;
            cjm_metric_parts(r, i, run, &num, &den);
            csv_number(f, den > 0 ? num / den : CJM_NAN);
        }
        fputc('\n', f);
    }
    free(derived);
    if (st != CJM_OK) return st;
    return ferror(f) ? cjm_error_set(err, CJM_EIO, "cannot write the runs file") : CJM_OK;
}
