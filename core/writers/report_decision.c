/* report_decision.c: writers for goal, optimize and voi (decisions.c). */
#include "decisions.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON ---- */

static json_t *json_decision(const cjm_decision *x)
{
    json_t *doc = cjm_json_header(x->model, &x->ran);
    json_object_set_new(doc, "analysis", json_string(cjm_decision_kind(x)));
    json_object_set_new(doc, "metric", json_string(cjm_metric_infos[x->metric].name));
    if (x->param) json_object_set_new(doc, "param", json_string(x->param));
    if (x->note) json_object_set_new(doc, "note", json_string(x->note));
    json_t *values = json_object();
    for (int i = 0; i < x->value_count; i++)
        json_object_set_new(values, x->value_names[i], cjm_json_number(x->values[i]));
    json_object_set_new(doc, "values", values);
    json_t *rows = json_array();
    for (int r = 0; r < x->row_count; r++) {
        const cjm_decision_row *row = &x->rows[r];
        json_t *o = json_pack("{s:s, s:s}", "name", row->name, "role", row->role);
        for (int k = 0; k < x->field_count; k++)
            if (!isnan(row->v[k]))
                json_object_set_new(o, x->field_names[k], cjm_json_number(row->v[k]));
        json_array_append_new(rows, o);
    }
    json_object_set_new(doc, "rows", rows);
    return doc;
}

/* ---- CSV: the values, then the rows ---- */

static void csv_number(FILE *f, double v)
{
    cjm_csv_value(f, v);
}

static void csv_decision(const cjm_decision *x, FILE *f)
{
    cjm_csv_settings(f, x->model, &x->ran);
    fprintf(f, "analysis,%s\nmetric,%s\n", cjm_decision_kind(x), cjm_metric_infos[x->metric].name);
    if (x->param) fprintf(f, "param,%s\n", x->param);
    for (int i = 0; i < x->value_count; i++) {
        fprintf(f, "%s,", x->value_names[i]);
        csv_number(f, x->values[i]);
        fputc('\n', f);
    }
    fputs("\nname,role", f);
    for (int k = 0; k < x->field_count; k++) fprintf(f, ",%s", x->field_names[k]);
    fputc('\n', f);
    for (int r = 0; r < x->row_count; r++) {
        const cjm_decision_row *row = &x->rows[r];
        fprintf(f, "\"%s\",%s", row->name, row->role);
        for (int k = 0; k < x->field_count; k++) {
            fputc(',', f);
            csv_number(f, row->v[k]);
        }
        fputc('\n', f);
    }
}

/* ---- tables ---- */

static void value(char *buf, size_t n, const cjm_decision *x, double v)
{
    cjm_format_value(buf, n, v, cjm_metric_infos[x->metric].unit);
}

static void heading(const cjm_decision *x, FILE *f, const char *what)
{
    fprintf(f, "%s: %s\n", x->model->name, what);
    fprintf(f, "  %s engine, %d run%s, seed %llu\n", cjm_engine_name(x->ran.engine), x->ran.runs,
            x->ran.runs == 1 ? "" : "s", (unsigned long long)x->ran.seed);
    if (x->note) fprintf(f, "  note: %s\n", x->note);
    fputc('\n', f);
}

static void table_goal(const cjm_decision *x, FILE *f)
{
    const char *metric = cjm_metric_infos[x->metric].name;
    char t[64], a[64], b[64], m[64];
    value(t, sizeof t, x, cjm_decision_get(x, "target"));
    char what[512];
    snprintf(what, sizeof what, "the %s at which %s reaches %s", x->param, metric, t);
    heading(x, f, what);
    fprintf(f, "  %s = %.10g (now %.10g)\n", x->param, cjm_decision_get(x, "value"),
            cjm_decision_get(x, "current"));
    double lo = cjm_decision_get(x, "value_lo"), hi = cjm_decision_get(x, "value_hi");
    if (isnan(lo))
        fputs("  95% interval of the value: wider than the range searched\n", f);
    else if (lo != hi)
        fprintf(f, "  95%% interval of the value: %.10g .. %.10g\n", lo, hi);
    value(m, sizeof m, x, cjm_decision_get(x, "metric"));
    value(a, sizeof a, x, cjm_decision_get(x, "metric_lo"));
    value(b, sizeof b, x, cjm_decision_get(x, "metric_hi"));
    fprintf(f, "  %s there: %s (95%% interval %s .. %s)\n", metric, m, a, b);
    value(a, sizeof a, x, cjm_decision_get(x, "metric_at_low"));
    value(b, sizeof b, x, cjm_decision_get(x, "metric_at_high"));
    fprintf(f, "  searched %.10g .. %.10g (%s %s .. %s), %.0f evaluations\n",
            cjm_decision_get(x, "low"), cjm_decision_get(x, "high"), metric, a, b,
            cjm_decision_get(x, "evaluations"));
}

static void table_optimize(const cjm_decision *x, FILE *f)
{
    const char *metric = cjm_metric_infos[x->metric].name;
    char what[256], v[64], c[64], g[64];
    value(v, sizeof v, x, cjm_decision_get(x, "budget"));
    snprintf(what, sizeof what, "the fixes with the highest %s that cost at most %s", metric, v);
    heading(x, f, what);
    fprintf(f, "  %.0f fixes, %.0f sets searched with the exact engine (%.0f run%s each)\n\n",
            cjm_decision_get(x, "candidates"), cjm_decision_get(x, "sets"),
            cjm_decision_get(x, "search_runs"), cjm_decision_get(x, "search_runs") == 1 ? "" : "s");
    int w = 24;
    for (int r = 0; r < x->row_count; r++) {
        int len = (int)strlen(x->rows[r].name);
        if (len > w) w = len;
    }
    fprintf(f, "  %-*s  %16s  %16s  %16s  %s\n", w, "fixes", metric, "cost of fixes", "gain", "");
    for (int r = 0; r < x->row_count; r++) {
        const cjm_decision_row *row = &x->rows[r];
        value(v, sizeof v, x, row->v[0]);
        cjm_format_value(c, sizeof c, row->v[1], CJM_UNIT_MONEY);
        value(g, sizeof g, x, row->v[2]);
        fprintf(f, "  %-*s  %16s  %16s  %16s  %s\n", w, row->name, v, c, g, row->role);
    }
    value(v, sizeof v, x, cjm_decision_get(x, "gap"));
    fprintf(f, "\n  the greedy set is %s below the best\n", v);
    char lo[64], hi[64];
    value(v, sizeof v, x, cjm_decision_get(x, "confirm_gain"));
    value(lo, sizeof lo, x, cjm_decision_get(x, "confirm_gain_lo"));
    value(hi, sizeof hi, x, cjm_decision_get(x, "confirm_gain_hi"));
    fprintf(f,
            "  confirmed with the %s engine (common random numbers): best - baseline %s (95%% %s "
            ".. %s)\n",
            cjm_engine_name(x->ran.engine), v, lo, hi);
    value(v, sizeof v, x, cjm_decision_get(x, "confirm_gap"));
    value(lo, sizeof lo, x, cjm_decision_get(x, "confirm_gap_lo"));
    value(hi, sizeof hi, x, cjm_decision_get(x, "confirm_gap_hi"));
    fprintf(f, "  best - greedy %s (95%% %s .. %s)\n", v, lo, hi);
}

static void table_voi(const cjm_decision *x, FILE *f)
{
    const char *metric = cjm_metric_infos[x->metric].name;
    char what[256], v[64], lo[64], hi[64];
    snprintf(what, sizeof what, "the value of information for choosing by %s", metric);
    heading(x, f, what);
    int w = 24;
    for (int r = 0; r < x->row_count; r++) {
        int len = (int)strlen(x->rows[r].name);
        if (len > w) w = len;
    }
    fprintf(f, "  %-*s  %16s  %29s  %7s\n", w, "option", metric, "95% interval", "P(best)");
    for (int r = 0; r < x->row_count; r++) {
        const cjm_decision_row *row = &x->rows[r];
        if (strcmp(row->role, "option") != 0) continue;
        value(v, sizeof v, x, row->v[0]);
        value(lo, sizeof lo, x, row->v[1]);
        value(hi, sizeof hi, x, row->v[2]);
        fprintf(f, "  %-*s  %16s  %14s .. %12s  %6.1f%%\n", w, row->name, v, lo, hi,
                100 * row->v[3]);
    }
    value(v, sizeof v, x, cjm_decision_get(x, "evpi"));
    value(lo, sizeof lo, x, cjm_decision_get(x, "evpi_se"));
    fprintf(f, "\n  EVPI (what knowing every input before choosing is worth): %s (se %s)\n\n", v,
            lo);
    fprintf(f, "  %-*s  %16s  %16s  %8s\n", w, "research first (EVPPI)", "EVPPI", "se", "of EVPI");
    for (int r = 0; r < x->row_count; r++) {
        const cjm_decision_row *row = &x->rows[r];
        if (strcmp(row->role, "option") == 0) continue;
        value(v, sizeof v, x, row->v[4]);
        value(lo, sizeof lo, x, row->v[5]);
        fprintf(f, "  %-*s  %16s  %16s  %7.1f%%\n", w, row->name, v, lo,
                isnan(row->v[6]) ? 0 : 100 * row->v[6]);
    }
}

cjm_status cjm_report_decision(const cjm_decision *x, cjm_format fmt, FILE *f, cjm_error *err)
{
    if (fmt == CJM_FORMAT_JSON) return cjm_json_write(json_decision(x), f, err);
    if (fmt == CJM_FORMAT_CSV)
        csv_decision(x, f);
    else if (x->kind == CJM_DEC_GOAL)
        table_goal(x, f);
    else if (x->kind == CJM_DEC_OPTIMIZE)
        table_optimize(x, f);
    else
        table_voi(x, f);
    return ferror(f) ? cjm_error_set(err, CJM_EIO, "cannot write the report") : CJM_OK;
}
