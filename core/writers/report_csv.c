/* report_csv.c: one row per reported quantity, in long form, for spreadsheets
 * and data frames: metric,stage_or_k,mean,se,ci95_lo,ci95_hi,p5,p50,p95. */
#include "report.h"

#include <math.h>
#include <stdlib.h>

static void csv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.12g", v);
    else
        fputs(",", f);
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
