/* report_table.c: the report for people: aligned, with units and intervals. */
#include "report.h"

#include <math.h>
#include <string.h>

/* 1234567.891 -> "1,234,567.89" (decimals digits). */
static void group_thousands(char *buf, size_t n, double v, int decimals)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", decimals, fabs(v));
    const char *dot = strchr(raw, '.');
    size_t int_len = dot ? (size_t)(dot - raw) : strlen(raw);
    size_t o = 0;
    if (v < 0 && o + 1 < n) buf[o++] = '-';
    for (size_t i = 0; i < int_len && o + 2 < n; i++) {
        buf[o++] = raw[i];
        size_t left = int_len - i - 1;
        if (left > 0 && left % 3 == 0) buf[o++] = ',';
    }
    snprintf(buf + o, n - o, "%s", dot ? dot : "");
}

/* Beyond this a number's fixed form has more digits than a double holds
 * (15 to 16 significant: 1e13 with 2 decimals), and grows without bound
 * (1e300 is 300 digits): such numbers are printed in scientific notation,
 * 6 significant digits, so that none is ever cut to fit. */
#define FIXED_MAX 1e13

/* cjm_format_value before the minus of a zero is dropped. */
static void format_raw(char *buf, size_t n, double v, cjm_unit unit)
{
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    double shown = unit == CJM_UNIT_SHARE ? v * 100 : v;
    if (fabs(shown) >= FIXED_MAX) {
        snprintf(buf, n, "%.6g%s", shown, unit == CJM_UNIT_SHARE ? "%" : "");
        return;
    }
    switch (unit) {
    case CJM_UNIT_SHARE:
        snprintf(buf, n, "%.2f%%", v * 100);
        break;
    case CJM_UNIT_COUNT:
        group_thousands(buf, n, v, 1);
        break;
    case CJM_UNIT_MONEY:
        group_thousands(buf, n, v, 2);
        break;
    case CJM_UNIT_RATIO:
        snprintf(buf, n, "%.2f", v);
        break;
    }
}

/* "-0.00" (a negative value that rounds to zero) -> "0.00": only a minus
 * followed by zeros, separators and a unit is dropped ("-" alone, an
 * undefined value, stays). */
static void drop_negative_zero(char *buf)
{
    if (buf[0] != '-' || buf[1] != '0' || buf[strspn(buf + 1, "0.,%") + 1] != '\0') return;
    memmove(buf, buf + 1, strlen(buf));
}

void cjm_format_value(char *buf, size_t n, double v, cjm_unit unit)
{
    format_raw(buf, n, v, unit);
    drop_negative_zero(buf);
}

/* A difference for people: signed ("+1,234.50", "-3.2"), a share's in
 * percentage points ("+0.84 pp"); one that rounds to zero unsigned ("0.00",
 * "0.00 pp"); "-" where undefined. */
void cjm_format_delta(char *buf, size_t n, double v, cjm_unit unit)
{
    char raw[48];
    if (!isfinite(v)) {
        snprintf(buf, n, "-");
        return;
    }
    if (unit == CJM_UNIT_SHARE) {
        cjm_format_value(raw, sizeof raw, v * 100, CJM_UNIT_RATIO);
    } else {
        cjm_format_value(raw, sizeof raw, v, unit);
    }
    bool zero = raw[strspn(raw, "0.,")] == '\0';
    snprintf(buf, n, "%s%s%s", v > 0 && !zero ? "+" : "", raw, unit == CJM_UNIT_SHARE ? " pp" : "");
}

static void summary_line(FILE *f, const char *label, const cjm_summary *s, cjm_unit unit)
{
    char mean[40], lo[40], hi[40], p5[40], p50[40], p95[40], ci[90];
    cjm_format_value(mean, sizeof mean, s->defined ? s->mean : CJM_NAN, unit);
    cjm_format_value(lo, sizeof lo, s->lo, unit);
    cjm_format_value(hi, sizeof hi, s->hi, unit);
    cjm_format_value(p5, sizeof p5, s->p5, unit);
    cjm_format_value(p50, sizeof p50, s->p50, unit);
    cjm_format_value(p95, sizeof p95, s->p95, unit);
    if (isfinite(s->lo))
        snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
    else
        snprintf(ci, sizeof ci, "-");
    fprintf(f, "  %-20s %14s  %-32s %14s %14s %14s\n", label, mean, ci, p5, p50, p95);
}

/* "12.5", or "13" when whole: a count of prospects (a mean over runs). */
static void count_text(char *buf, size_t n, double v)
{
    snprintf(buf, n, v == floor(v) ? "%.0f" : "%.1f", v);
}

void cjm_format_customers(char *buf, size_t n, int64_t start, double organic, double referred,
                          bool arrivals, bool referrals)
{
    char all[48], arriving[48], ref[48];
    count_text(all, sizeof all, organic);
    count_text(arriving, sizeof arriving, organic - (double)start);
    count_text(ref, sizeof ref, referred);
    int o = arrivals ? snprintf(buf, n, "%s customers (%lld at the start + %s arriving)", all,
                                (long long)start, arriving)
                     : snprintf(buf, n, "%lld customers", (long long)start);
    if (referrals && o >= 0 && (size_t)o < n)
        snprintf(buf + o, n - (size_t)o, isfinite(referred) ? " + %s referred" : " + referred",
                 ref);
}

void cjm_result_customers_text(const cjm_result *r, char *buf, size_t n)
{
    double organic = 0, referred = 0;
    for (int run = 0; run < r->runs; run++) {
        const double *row = cjm_result_row(r, run);
        organic += row[CJM_T_PROSPECTS] - row[CJM_T_REFERRED];
        referred += row[CJM_T_REFERRED];
    }
    if (r->runs > 0) organic /= r->runs, referred /= r->runs;
    cjm_format_customers(buf, n, r->settings.customers, organic, referred, r->model->has_arrivals,
                         r->model->has_referrals);
}

static void header(const cjm_result *r, FILE *f)
{
    const cjm_model *m = r->model;
    const cjm_settings *s = &r->settings;
    char who[160];
    cjm_result_customers_text(r, who, sizeof who);
    fprintf(f, "%s\n", m->name);
    if (cjm_result_is_point(r))
        fprintf(f, "exact engine (expected values, no sampling), %s, %d %ss\n", who, s->horizon,
                m->step_name);
    else if (r->exact)
        fprintf(f,
                "exact engine, %d run%s: expected values for each run's draw of the %d uncertain "
                "input%s (%s sampling), %s, %d %ss, seed %llu\n",
                s->runs, s->runs == 1 ? "" : "s", r->input_count, r->input_count == 1 ? "" : "s",
                s->sampling == CJM_SAMPLING_LHS ? "Latin hypercube" : "random", who, s->horizon,
                m->step_name, (unsigned long long)s->seed);
    else
        fprintf(f, "%s engine, %d run%s x %s, %d %ss, seed %llu\n", cjm_engine_name(s->engine),
                s->runs, s->runs == 1 ? "" : "s", who, s->horizon, m->step_name,
                (unsigned long long)s->seed);
    fprintf(f, "scenario %s (sha256 %.12s)\n\n", m->file, m->sha256);
}

static void column_titles(FILE *f, const char *first)
{
    fprintf(f, "  %-20s %14s  %-32s %14s %14s %14s\n", first, "mean", "95% interval", "p5", "p50",
            "p95");
}

/* Retention at k = 0, 1, 2, 4, 8, ... and at the horizon. */
static void retention_line(const cjm_metrics *mt, int k, FILE *f)
{
    char label[32];
    snprintf(label, sizeof label, "%d", k);
    summary_line(f, label, &mt->retention[k], CJM_UNIT_SHARE);
}

/* Retention at k = 0, 1, 2, 4, 8, ... and at the last k observed (retention
 * at k needs customers converted by H - k). */
static void retention_lines(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    int last = mt->horizon;
    while (last > 0 && !mt->retention[last].defined) last--;
    fprintf(f, "\nretention: share of converted customers not lost k %ss after converting\n",
            r->model->step_name);
    column_titles(f, "k");
    int k = 0;
    for (; k <= last; k = k ? 2 * k : 1) retention_line(mt, k, f);
    if (k / 2 != last && last > 0) retention_line(mt, last, f);
}

/* Cohorts by arrival step, every few steps: who arrived and how many converted. */
static void arrival_lines(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    int every = mt->horizon > 26 ? (mt->horizon + 12) / 13 : 1;
    fprintf(f, "\nby arrival: prospects arriving at each %s and their conversion by the horizon\n",
            r->model->step_name);
    fprintf(f, "  %-20s %14s %14s\n", "arrived at", "prospects", "conversion");
    for (int t = 0; t < mt->horizon; t += every) {
        char label[32], n[40], c[40];
        snprintf(label, sizeof label, "%d", t);
        cjm_format_value(n, sizeof n, mt->arrived[t].mean, CJM_UNIT_COUNT);
        cjm_format_value(c, sizeof c,
                         mt->arrival_conversion[t].defined ? mt->arrival_conversion[t].mean
                                                           : CJM_NAN,
                         CJM_UNIT_SHARE);
        fprintf(f, "  %-20s %14s %14s\n", label, n, c);
    }
}

/* Organic and referred prospects side by side: how many, their conversion,
 * revenue, LTV and CAC. */
static void source_lines(const cjm_metrics *mt, FILE *f)
{
    fputs("\nby source: the cohort and its arrivals (organic), and referred prospects\n", f);
    fprintf(f, "  %-20s %14s %14s\n", "", "organic", "referred");
    for (int k = 0; k < CJM_SOURCE_FIELDS; k++) {
        char v[CJM_SOURCES][48];
        for (int src = 0; src < CJM_SOURCES; src++) {
            const cjm_summary *s = cjm_source_field(&mt->sources[src], k);
            cjm_format_value(v[src], sizeof v[src], s->defined ? s->mean : CJM_NAN,
                             cjm_source_fields[k].unit);
        }
        fprintf(f, "  %-20s %14s %14s\n", cjm_source_fields[k].label, v[0], v[1]);
    }
}

/* Every few steps (and the last): what is paid at t, and the running sums. */
static void cashflow_lines(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    int H = mt->horizon, every = H > 26 ? (H + 12) / 13 : 1;
    bool disc = r->model->has_discount;
    fprintf(f, "\ncash flow: paid at each %s (means; cost includes cogs)\n", r->model->step_name);
    fprintf(f, "  %-8s %16s %16s %16s %18s%s\n", "t", "revenue", "cost", "profit", "cumulative",
            disc ? "    cumulative NPV" : "");
    for (int t = 0; t <= H; t = t + every > H && t < H ? H : t + every) {
        char v[5][48];
        const int series[] = {CJM_CF_REVENUE, CJM_CF_COST, CJM_CF_PROFIT, CJM_CF_CUMULATIVE,
                              CJM_CF_CUMULATIVE_DISCOUNTED};
        for (int k = 0; k < 5; k++)
            cjm_format_value(v[k], sizeof v[k], mt->cashflow[series[k]][t].mean, CJM_UNIT_MONEY);
        fprintf(f, "  %-8d %16s %16s %16s %18s", t, v[0], v[1], v[2], v[3]);
        if (disc) fprintf(f, " %18s", v[4]);
        fputc('\n', f);
    }
    if (mt->payback >= 0)
        fprintf(f,
                "payback: %s %d (expected cumulative profit first reaches 0); %.0f%% of runs "
                "paid back by the horizon\n",
                r->model->step_name, mt->payback, 100 * mt->share_paid_back);
    else
        fprintf(f, "payback: not within the horizon (%.0f%% of runs paid back)\n",
                100 * mt->share_paid_back);
}

static const char *const kind_names[CJM_MONEY_KINDS] = {"revenue", "cogs", "cost"};

/* Where the money goes: every line of the breakdown, then the totals. */
static void breakdown_lines(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    fputs("\nwhere the money goes (lines add up to the totals)\n", f);
    fprintf(f, "  %-44s %-8s %16s  %s\n", "line", "kind", "mean", "95% interval");
    for (int i = 0; i < mt->line_count; i++) {
        const cjm_summary *s = &mt->lines[i];
        char mean[48], lo[48], hi[48], ci[110] = "-";
        cjm_format_value(mean, sizeof mean, s->mean, CJM_UNIT_MONEY);
        if (isfinite(s->lo)) {
            cjm_format_value(lo, sizeof lo, s->lo, CJM_UNIT_MONEY);
            cjm_format_value(hi, sizeof hi, s->hi, CJM_UNIT_MONEY);
            snprintf(ci, sizeof ci, "[%s, %s]", lo, hi);
        }
        fprintf(f, "  %-44s %-8s %16s  %s\n", r->lines[i].path, kind_names[r->lines[i].kind], mean,
                ci);
    }
}

cjm_status cjm_report_table(const cjm_result *r, const cjm_metrics *mt, FILE *f)
{
    header(r, f);
    column_titles(f, "metric");
    int shown[CJM_M_COUNT], count = cjm_metrics_shown(r->model, shown);
    for (int q = 0; q < count; q++) {
        int i = shown[q];
        summary_line(f, cjm_metric_infos[i].label, &mt->m[i], cjm_metric_infos[i].unit);
    }
    fputs("\nfunnel: share of the cohort that ever entered each stage\n", f);
    column_titles(f, "stage");
    for (int s = 0; s < r->stage_count; s++)
        summary_line(f, r->model->stages[s].name, &mt->reached[s], CJM_UNIT_SHARE);
    retention_lines(r, mt, f);
    if (mt->by_arrival) arrival_lines(r, mt, f);
    if (mt->by_source) source_lines(mt, f);
    if (mt->loyalty.present) cjm_table_loyalty(r, mt, f);
    cashflow_lines(r, mt, f);
    breakdown_lines(r, mt, f);
    if (mt->m[CJM_M_CONVERTED].defined && !mt->m[CJM_M_CAC].defined)
        fputs("\nCAC and LTV: no customer converted, so they are undefined.\n", f);
    return CJM_OK;
}
