/* report_html.c: `cjm report`, one self-contained HTML page: the scenario and
 * settings at the top, then each chart with its numbers in a table beside it
 * (docs/report.md). The tables are written here, from the same summaries as
 * the JSON report; the charts are drawn in the page by Apache ECharts
 * (third_party/echarts/, compiled in and inlined) from a JSON block built
 * with jansson. Nothing on the page asks for the network, and nothing in it
 * depends on the time or the machine: the same inputs give the same bytes.
 *
 * Every number of a table carries the place of the same number in the JSON
 * of `cjm run`, `cjm compare` or `cjm fixes` for the same command
 * (data-json="run:metrics.profit.mean"), which tests/report/ checks. */
#include "compare.h"
#include "report.h"
#include "sensitivity.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* tools/embed_file.cmake: the charting library, and the page's script and style. */
extern const char cjm_echarts_js[], cjm_report_js[], cjm_report_css[];
extern const size_t cjm_echarts_js_len, cjm_report_js_len, cjm_report_css_len;

#define HISTOGRAM_BINS_MAX 30

/* ---- HTML pieces ---- */

static void text(FILE *f, const char *s)
{
    for (; s && *s; s++) switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
}

/* A table cell with a number for people and where JSON has it. */
static void cell(FILE *f, double v, cjm_unit unit, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void cell(FILE *f, double v, cjm_unit unit, const char *fmt, ...)
{
    char where[400], buf[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(where, sizeof where, fmt, ap);
    va_end(ap);
    cjm_format_value(buf, sizeof buf, v, unit);
    fputs("<td class=\"n\" data-json=\"", f);
    text(f, where);
    fprintf(f, "\">%s</td>", buf);
}

/* mean, lo, hi of a summary at JSON place `at` (.mean, .ci95.0, .ci95.1). */
static void cells3(FILE *f, const cjm_summary *s, cjm_unit unit, const char *at)
{
    cell(f, s->defined ? s->mean : CJM_NAN, unit, "%s.mean", at);
    cell(f, s->lo, unit, "%s.ci95.0", at);
    cell(f, s->hi, unit, "%s.ci95.1", at);
}

static void th_row(FILE *f, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    fputs("<thead><tr>", f);
    for (int i = 0; i < n; i++) {
        fputs("<th>", f);
        text(f, va_arg(ap, const char *));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n", f);
    va_end(ap);
}

static void name_cell(FILE *f, const char *name)
{
    fputs("<td>", f);
    text(f, name);
    fputs("</td>", f);
}

/* A section with a chart (id chart-ID) and, after it, its table. */
static void section_open(FILE *f, const char *id, const char *title, const char *note)
{
    fprintf(f, "<section id=\"%s\">\n<h2>", id);
    text(f, title);
    fputs("</h2>\n", f);
    if (note) {
        fputs("<p class=\"note\">", f);
        text(f, note);
        fputs("</p>\n", f);
    }
    fprintf(f, "<div class=\"pair\"><div class=\"chart\" id=\"chart-%s\"></div>\n", id);
    fprintf(f, "<div class=\"numbers\"><table data-table=\"%s\">\n", id);
}

static void section_close(FILE *f)
{
    fputs("</tbody></table></div></div>\n</section>\n", f);
}

/* ---- the chart data ---- */

static json_t *num(double v)
{
    return cjm_json_number(v);
}

static void push(json_t *arr, double v)
{
    json_array_append_new(arr, num(v));
}

/* ---- sections ---- */

static void settings_section(FILE *f, const cjm_html_report *rep)
{
    const cjm_result *r = rep->result;
    const cjm_model *m = r->model;
    const cjm_settings *s = &r->settings;
    fputs("<header>\n<h1>", f);
    text(f, m->name);
    fputs("</h1>\n<table class=\"settings\" data-table=\"settings\"><tbody>\n", f);
    fputs("<tr><th>scenario file</th><td>", f);
    text(f, m->file);
    fputs("</td></tr>\n<tr><th>sha256</th><td><code>", f);
    text(f, m->sha256);
    fputs("</code></td></tr>\n<tr><th>engine</th><td>", f);
    text(f, cjm_engine_name(s->engine));
    fputs(r->exact ? " (expected values)" : "", f);
    fprintf(f, "</td></tr>\n<tr><th>runs</th><td data-json=\"run:settings.runs\">%d</td></tr>\n",
            s->runs);
    fprintf(f,
            "<tr><th>customers</th><td data-json=\"run:settings.customers\">%lld</td></tr>\n"
            "<tr><th>horizon</th><td><span data-json=\"run:settings.horizon\">%d</span> ",
            (long long)s->customers, s->horizon);
    text(f, m->step_name);
    fputs("s</td></tr>\n", f);
    if (m->has_arrivals || m->has_referrals) { /* every prospect, not the cohort alone */
        char who[160];
        cjm_result_customers_text(r, who, sizeof who);
        fputs("<tr><th>prospects</th><td>", f);
        text(f, who);
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "<tr><th>seed</th><td data-json=\"run:settings.seed\">%llu</td></tr>\n",
            (unsigned long long)s->seed);
    fprintf(f, "<tr><th>sampling</th><td>%s</td></tr>\n",
            s->sampling == CJM_SAMPLING_LHS ? "Latin hypercube" : "random");
    fputs("<tr><th>variant</th><td>", f);
    text(f, m->variant ? m->variant : "(the baseline)");
    fputs("</td></tr>\n", f);
    const cjm_load_options *o = rep->load;
    for (int i = 0; o && i < o->set_count; i++) {
        fputs("<tr><th>--set</th><td><code>", f);
        text(f, o->sets[i].path);
        fputs("=", f);
        text(f, o->sets[i].value);
        fputs("</code></td></tr>\n", f);
    }
    for (int i = 0; o && i < o->fix_count; i++) {
        fputs("<tr><th>--fix</th><td><code>", f);
        text(f, o->fixes[i]);
        fputs("</code></td></tr>\n", f);
    }
    fprintf(f, "<tr><th>cjm</th><td>%s</td></tr>\n</tbody></table>\n</header>\n", cjm_version());
}

static void metrics_section(FILE *f, const cjm_result *r, const cjm_metrics *mt)
{
    fputs("<section id=\"metrics\">\n<h2>Metrics</h2>\n"
          "<p class=\"note\">Mean over the runs, its 95% interval, and percentiles of the "
          "per-run values.</p>\n<table data-table=\"metrics\">\n",
          f);
    th_row(f, 7, "metric", "mean", "95% low", "95% high", "p5", "p50", "p95");
    fputs("<tbody>\n", f);
    int shown[CJM_M_COUNT], count = cjm_metrics_shown(r->model, shown);
    for (int q = 0; q < count; q++) {
        int i = shown[q];
        const cjm_summary *s = &mt->m[i];
        cjm_unit u = cjm_metric_infos[i].unit;
        const char *name = cjm_metric_infos[i].name;
        fputs("<tr>", f);
        name_cell(f, cjm_metric_infos[i].label);
        char at[64];
        snprintf(at, sizeof at, "run:metrics.%s", name);
        cells3(f, s, u, at);
        cell(f, s->p5, u, "%s.p5", at);
        cell(f, s->p50, u, "%s.p50", at);
        cell(f, s->p95, u, "%s.p95", at);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n</section>\n", f);
}

static json_t *journey_section(FILE *f, const cjm_result *r, const cjm_metrics *mt)
{
    const cjm_model *m = r->model;
    section_open(f, "journey", "The journey",
                 "Expected number of customers who took each transition over the horizon "
                 "(a customer who takes one twice counts twice). Transitions back to a stage "
                 "already passed are drawn into a copy of that stage marked with an arrow. "
                 "When the exits into final stages carry most of the customers, they are "
                 "left out of the drawing at first (the box above the chart shows them); the "
                 "table always has them.");
    th_row(f, 5, "from", "to", "customers", "95% low", "95% high");
    fputs("<tbody>\n", f);
    json_t *nodes = json_array(), *links = json_array(), *final = json_array();
    for (int s = 0; s < m->stage_count; s++) {
        json_array_append_new(nodes, json_string(m->stages[s].name));
        json_array_append_new(final, json_boolean(m->stages[s].final));
    }
    for (int e = 0; e < mt->edge_count; e++) {
        const cjm_edge *ed = &m->edges[e];
        char at[64];
        fputs("<tr>", f);
        name_cell(f, m->stages[ed->from].name);
        name_cell(f, m->stages[ed->to].name);
        snprintf(at, sizeof at, "run:transitions.%d.customers", e);
        cells3(f, &mt->moves[e], CJM_UNIT_COUNT, at);
        fputs("</tr>\n", f);
        json_array_append_new(links, json_pack("{s:i, s:i, s:o}", "source", ed->from, "target",
                                               ed->to, "value", num(mt->moves[e].mean)));
    }
    section_close(f);
    return json_pack("{s:o, s:o, s:o}", "nodes", nodes, "final", final, "links", links);
}

static json_t *funnel_section(FILE *f, const cjm_result *r, const cjm_metrics *mt)
{
    section_open(f, "funnel", "The funnel",
                 "Share of prospects who ever entered each stage, in the scenario's order.");
    th_row(f, 4, "stage", "reached", "95% low", "95% high");
    fputs("<tbody>\n", f);
    json_t *names = json_array(), *mean = json_array();
    for (int s = 0; s < r->stage_count; s++) {
        char at[64];
        fputs("<tr>", f);
        name_cell(f, r->model->stages[s].name);
        snprintf(at, sizeof at, "run:funnel.%d.reached", s);
        cells3(f, &mt->reached[s], CJM_UNIT_SHARE, at);
        fputs("</tr>\n", f);
        json_array_append_new(names, json_string(r->model->stages[s].name));
        push(mean, mt->reached[s].mean);
    }
    section_close(f);
    return json_pack("{s:o, s:o}", "stages", names, "mean", mean);
}

static json_t *retention_section(FILE *f, const cjm_result *r, const cjm_metrics *mt)
{
    char note[200];
    snprintf(note, sizeof note,
             "Share of converted customers not lost k %ss after converting, with its 95%% "
             "interval (the band).",
             r->model->step_name);
    section_open(f, "retention", "Retention by time since conversion", note);
    th_row(f, 4, "k", "retained", "95% low", "95% high");
    fputs("<tbody>\n", f);
    json_t *mean = json_array(), *lo = json_array(), *hi = json_array();
    for (int k = 0; k <= mt->horizon; k++) {
        const cjm_summary *s = &mt->retention[k];
        fprintf(f, "<tr><td>%d</td>", k);
        cell(f, s->defined ? s->mean : CJM_NAN, CJM_UNIT_SHARE, "run:retention.%d.mean", k);
        cell(f, s->lo, CJM_UNIT_SHARE, "run:retention.%d.ci95.0", k);
        cell(f, s->hi, CJM_UNIT_SHARE, "run:retention.%d.ci95.1", k);
        fputs("</tr>\n", f);
        push(mean, s->defined ? s->mean : CJM_NAN);
        push(lo, s->lo);
        push(hi, s->hi);
    }
    section_close(f);
    return json_pack("{s:o, s:o, s:o}", "mean", mean, "lo", lo, "hi", hi);
}

static json_t *cashflow_section(FILE *f, const cjm_result *r, const cjm_metrics *mt)
{
    char note[300];
    if (mt->payback >= 0)
        snprintf(note, sizeof note,
                 "Money paid at each %s, and the cumulative profit with its 95%% interval. "
                 "Payback: the expected cumulative profit is first at or above 0 at %s %d.",
                 r->model->step_name, r->model->step_name, mt->payback);
    else
        snprintf(note, sizeof note,
                 "Money paid at each %s, and the cumulative profit with its 95%% interval. "
                 "The expected cumulative profit does not reach 0 within the horizon.",
                 r->model->step_name);
    section_open(f, "cashflow", "Cash flow and cumulative profit", note);
    fputs("<caption>payback ", f);
    if (mt->payback >= 0) {
        fputs("at ", f);
        text(f, r->model->step_name);
        fprintf(f, " <span data-json=\"run:cashflow.payback.step\">%d</span>", mt->payback);
    } else
        fputs("<span data-json=\"run:cashflow.payback.step\">-</span>", f);
    char share[32];
    cjm_format_value(share, sizeof share, mt->share_paid_back, CJM_UNIT_SHARE);
    fprintf(f,
            "; runs paid back by the horizon: "
            "<span data-json=\"run:cashflow.payback.share_paid_back\">%s</span></caption>\n",
            share);
    th_row(f, 7, "t", "revenue", "cost", "profit", "cumulative profit", "95% low", "95% high");
    fputs("<tbody>\n", f);
    json_t *rev = json_array(), *cost = json_array(), *profit = json_array();
    json_t *cum = json_array(), *lo = json_array(), *hi = json_array();
    for (int t = 0; t <= mt->horizon; t++) {
        fprintf(f, "<tr><td>%d</td>", t);
        const cjm_summary *c = &mt->cashflow[CJM_CF_CUMULATIVE][t];
        cell(f, mt->cashflow[CJM_CF_REVENUE][t].mean, CJM_UNIT_MONEY,
             "run:cashflow.steps.%d.revenue.mean", t);
        cell(f, mt->cashflow[CJM_CF_COST][t].mean, CJM_UNIT_MONEY,
             "run:cashflow.steps.%d.cost.mean", t);
        cell(f, mt->cashflow[CJM_CF_PROFIT][t].mean, CJM_UNIT_MONEY,
             "run:cashflow.steps.%d.profit.mean", t);
        char at[64];
        snprintf(at, sizeof at, "run:cashflow.steps.%d.cumulative_profit", t);
        cells3(f, c, CJM_UNIT_MONEY, at);
        fputs("</tr>\n", f);
        push(rev, mt->cashflow[CJM_CF_REVENUE][t].mean);
        push(cost, mt->cashflow[CJM_CF_COST][t].mean);
        push(profit, mt->cashflow[CJM_CF_PROFIT][t].mean);
        push(cum, c->mean);
        push(lo, c->lo);
        push(hi, c->hi);
    }
    section_close(f);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "revenue", rev, "cost", cost, "profit",
                     profit, "cumulative", cum, "lo", lo, "hi", hi, "payback",
                     mt->payback >= 0 ? json_integer(mt->payback) : json_null());
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Bin of v among bins equal bins from lo to hi (the last one closed). */
static int bin_of(double v, double lo, double hi, int bins)
{
    if (hi <= lo) return 0;
    int b = (int)floor((v - lo) / (hi - lo) * bins);
    return b < 0 ? 0 : b >= bins ? bins - 1 : b;
}

/* The distribution of the per-run profit: a histogram of ceil(sqrt(runs))
 * equal bins (at most 30) from the smallest value to the largest. */
/* The runs' values of a metric in ceil(sqrt(runs)) equal bins (at most 30):
 * the section "distribution" for profit, "distribution-METRIC" for another
 * (its bins tagged data-bin="runs.METRIC", checked against --runs-out). */
static json_t *histogram_section(FILE *f, const cjm_result *r, int metric, cjm_error *err,
                                 cjm_status *st)
{
    const cjm_metric_info *info = &cjm_metric_infos[metric];
    int profit = metric == CJM_M_PROFIT;
    int n = r->runs, bins = (int)ceil(sqrt((double)n));
    if (bins > HISTOGRAM_BINS_MAX) bins = HISTOGRAM_BINS_MAX;
    double *v = malloc((size_t)n * sizeof *v);
    int *count = calloc((size_t)bins + 1, sizeof *count);
    if (!v || !count) {
        free(v), free(count);
        *st = cjm_error_set(err, CJM_ENOMEM, "out of memory for the histogram");
        return NULL;
    }
    int defined = 0;
    for (int i = 0; i < n; i++) {
        double x = cjm_result_run_metric(r, i, metric);
        if (isfinite(x)) v[defined++] = x;
    }
    qsort(v, (size_t)defined, sizeof *v, cmp_double);
    double lo = defined ? v[0] : 0, hi = defined ? v[defined - 1] : 0;
    /* values equal but for rounding (a spread below 1e-9 of their size) are
     * one value: one bin, not bins of floating-point noise */
    if (hi - lo <= 1e-9 * fmax(fabs(lo), fabs(hi))) bins = 1;
    for (int i = 0; i < defined; i++) count[bin_of(v[i], lo, hi, bins)]++;
    char id[64], title[160], note[300], head[96], kind[64];
    snprintf(id, sizeof id, profit ? "distribution" : "distribution-%s", info->name);
    snprintf(title, sizeof title, "%c%s across runs", toupper((unsigned char)info->label[0]),
             info->label + 1);
    snprintf(note, sizeof note,
             n > 1 ? "How many runs had each value of %s: the spread of the outcome, from the "
                     "runs' own values (each run a cohort; uncertain inputs drawn per run)."
                   : "One run: the exact engine's expected %s, without a spread.",
             info->label);
    snprintf(head, sizeof head, "%s from", info->label);
    snprintf(kind, sizeof kind, profit ? "runs" : "runs.%s", info->name);
    section_open(f, id, title, note);
    th_row(f, 3, head, "to", "runs");
    fputs("<tbody>\n", f);
    json_t *from = json_array(), *to = json_array(), *runs = json_array(), *labels = json_array();
    for (int b = 0; b < bins; b++) {
        double a = lo + (hi - lo) * b / bins,
               z = b == bins - 1 ? hi : lo + (hi - lo) * (b + 1) / bins;
        char x[64], y[64];
        cjm_format_value(x, sizeof x, a, info->unit);
        cjm_format_value(y, sizeof y, z, info->unit);
        fprintf(f,
                "<tr><td class=\"n\" data-bin=\"lo\">%s</td><td class=\"n\" data-bin=\"hi\">%s</td>"
                "<td class=\"n\" data-bin=\"%s\">%d</td></tr>\n",
                x, y, kind, count[b]);
        char label[140];
        snprintf(label, sizeof label, "%s to %s", x, y);
        json_array_append_new(labels, json_string(label));
        push(from, a);
        push(to, z);
        json_array_append_new(runs, json_integer(count[b]));
    }
    section_close(f);
    free(v), free(count);
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "id", id, "metric", info->label, "from",
                     from, "to", to, "runs", runs, "labels", labels);
}

/* The metrics a comparison's table shows for each arm. */
static const int compared[] = {CJM_M_CONVERSION, CJM_M_CONVERTED, CJM_M_CAC,   CJM_M_LTV,
                               CJM_M_REVENUE,    CJM_M_COST,      CJM_M_PROFIT};

static const cjm_arm *arm_of(const cjm_comparison *c, int i)
{
    return i < c->arm_count ? &c->arms[i] : c->best;
}

/* Variants (doc "compare", list "variants") or fixes (doc "fixes", list
 * "fixes", then "best"): each arm's metrics and difference from the
 * baseline, ROI and P(profit up). */
static json_t *comparison_section(FILE *f, const cjm_comparison *c)
{
    int fixes = c->kind == CJM_COMPARE_FIXES, n = c->arm_count + (c->best ? 1 : 0);
    const char *doc = fixes ? "fixes" : "compare", *list = fixes ? "fixes" : "variants";
    if (fixes)
        section_open(f, "fixes", "The fixes, ranked",
                     "Each barrier's fix alone against the baseline, ranked by the change in "
                     "profit (95% interval, common random numbers), then the best combination "
                     "found greedily. ROI: the change in profit per unit of extra cost.");
    else
        section_open(f, "variants", "Variants against the baseline",
                     "Each variant's difference from the baseline (95% interval of the paired "
                     "difference, common random numbers). ROI: the change in profit per unit of "
                     "extra cost.");
    th_row(f, 6, fixes ? "fix" : "variant", "metric", "value", "difference", "95% low", "95% high");
    fputs("<tbody>\n", f);
    json_t *names = json_array(), *mean = json_array(), *lo = json_array(), *hi = json_array();
    json_t *roi = json_array();
    for (int i = 0; i < n; i++) {
        const cjm_arm *a = arm_of(c, i);
        char at[96];
        if (i < c->arm_count)
            snprintf(at, sizeof at, "%s:%s.%d", doc, list, i);
        else
            snprintf(at, sizeof at, "%s:best", doc);
        char label[300];
        snprintf(label, sizeof label, "%s%s", i < c->arm_count ? "" : "best: ", a->name);
        for (size_t q = 0; q < sizeof compared / sizeof *compared; q++) {
            int m = compared[q];
            cjm_unit u = cjm_metric_infos[m].unit;
            const char *mn = cjm_metric_infos[m].name;
            const cjm_summary *v = &a->metrics.m[m], *d = &a->delta[m];
            fputs("<tr>", f);
            name_cell(f, q == 0 ? label : "");
            name_cell(f, cjm_metric_infos[m].label);
            cell(f, v->defined ? v->mean : CJM_NAN, u, "%s.metrics.%s.mean", at, mn);
            cell(f, d->defined ? d->mean : CJM_NAN, u, "%s.delta.%s.mean", at, mn);
            cell(f, d->lo, u, "%s.delta.%s.ci95.0", at, mn);
            cell(f, d->hi, u, "%s.delta.%s.ci95.1", at, mn);
            fputs("</tr>\n", f);
        }
        fputs("<tr>", f);
        name_cell(f, "");
        name_cell(f, "ROI");
        cell(f, a->roi, CJM_UNIT_RATIO, "%s.roi", at);
        fputs("<td></td><td></td><td></td></tr>\n<tr>", f);
        name_cell(f, "");
        name_cell(f, "P(profit up)");
        cell(f, a->p_profit_up, CJM_UNIT_SHARE, "%s.p_profit_up", at);
        fputs("<td></td><td></td><td></td></tr>\n", f);
        json_array_append_new(names, json_string(label));
        push(mean, a->delta[CJM_M_PROFIT].mean);
        push(lo, a->delta[CJM_M_PROFIT].lo);
        push(hi, a->delta[CJM_M_PROFIT].hi);
        push(roi, a->roi);
    }
    if (fixes && !c->best)
        fputs("<tr><td colspan=\"6\">No fix raises the expected profit: the best combination is "
              "none.</td></tr>\n",
              f);
    section_close(f);
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "names", names, "mean", mean, "lo", lo, "hi", hi,
                     "roi", roi);
}

/* The greedy path from the baseline's profit to the best set's, one fix
 * at a time (a waterfall): what each fix added given the ones before. */
static json_t *waterfall_section(FILE *f, const cjm_comparison *c)
{
    section_open(f, "waterfall", "From the baseline to the best set of fixes",
                 "The greedy search adds, at each step, the fix that raises the expected profit "
                 "most given the fixes already chosen; each bar is what that fix added.");
    th_row(f, 3, "step", "expected profit", "added");
    fputs("<tbody>\n<tr>", f);
    name_cell(f, "baseline");
    cell(f, c->base.metrics.m[CJM_M_PROFIT].mean, CJM_UNIT_MONEY,
         "fixes:baseline.metrics.profit.mean");
    fputs("<td></td></tr>\n", f);
    json_t *names = json_array(), *profit = json_array(), *added = json_array();
    json_array_append_new(names, json_string("baseline"));
    push(profit, c->base.metrics.m[CJM_M_PROFIT].mean);
    push(added, CJM_NAN);
    for (int i = 0; i < c->step_count; i++) {
        char label[300];
        snprintf(label, sizeof label, "+ %s", c->steps[i].fix);
        fputs("<tr>", f);
        name_cell(f, label);
        cell(f, c->steps[i].profit, CJM_UNIT_MONEY, "fixes:greedy.%d.profit", i);
        double before = i ? c->steps[i - 1].profit : c->base.metrics.m[CJM_M_PROFIT].mean;
        cell(f, c->steps[i].profit - before, CJM_UNIT_MONEY, "fixes:greedy.%d.added", i);
        fputs("</tr>\n", f);
        json_array_append_new(names, json_string(label));
        push(profit, c->steps[i].profit);
        push(added, c->steps[i].profit - before);
    }
    section_close(f);
    return json_pack("{s:o, s:o, s:o}", "names", names, "profit", profit, "added", added);
}

/* Where a loyalty section is and whose it is: its section's id, the JSON
 * document its numbers come from (run: the baseline's `cjm run`; for a
 * variant, `variant.NAME`: `cjm run --variant NAME`), and the variant's
 * name for the title (NULL: the baseline's). */
typedef struct loyalty_place {
    char id[32], doc[300];
    const char *variant;
} loyalty_place;

static json_t *loyalty_section(FILE *f, const cjm_result *r, const cjm_metrics *mt,
                               const loyalty_place *place)
{
    const cjm_loyalty_metrics *y = &mt->loyalty;
    const cjm_model *m = r->model;
    char title[300];
    snprintf(title, sizeof title, "The loyalty program%s%s", place->variant ? ": " : "",
             place->variant ? place->variant : "");
    section_open(f, place->id, title,
                 "Members outside a final stage by step and each tier's share of them; points "
                 "issued = redeemed + expired + outstanding (docs/loyalty.md).");
    th_row(f, 4, "figure", "mean", "95% low", "95% high");
    fputs("<tbody>\n", f);
    static const struct {
        const char *label, *at;
        cjm_unit unit;
    } figures[] = {
        {"members joined", "members.joined", CJM_UNIT_COUNT},
        {"members active at the horizon", "members.active", CJM_UNIT_COUNT},
        {"points issued", "points.issued", CJM_UNIT_COUNT},
        {"points redeemed", "points.redeemed", CJM_UNIT_COUNT},
        {"points expired", "points.expired", CJM_UNIT_COUNT},
        {"points outstanding", "points.outstanding", CJM_UNIT_COUNT},
        {"breakage (expired / issued)", "points.breakage", CJM_UNIT_SHARE},
        {"liability (outstanding points)", "points.liability", CJM_UNIT_MONEY},
        {"reward cost", "costs.rewards", CJM_UNIT_MONEY},
        {"join cost", "costs.join", CJM_UNIT_MONEY},
        {"member cost", "costs.membership", CJM_UNIT_MONEY},
    };
    const cjm_summary *values[] = {&y->joined,      &y->active,      &y->issued,     &y->redeemed,
                                   &y->expired,     &y->outstanding, &y->breakage,   &y->liability,
                                   &y->reward_cost, &y->join_cost,   &y->member_cost};
    for (size_t i = 0; i < sizeof figures / sizeof *figures; i++) {
        char at[400];
        fputs("<tr>", f);
        name_cell(f, figures[i].label);
        snprintf(at, sizeof at, "%s:loyalty.%s", place->doc, figures[i].at);
        cells3(f, values[i], figures[i].unit, at);
        fputs("</tr>\n", f);
    }
    fprintf(f, "</tbody></table>\n<table data-table=\"%s_by_step\">\n", place->id);
    fputs("<thead><tr><th>t</th><th>members</th>", f);
    for (int k = 0; k < y->tiers; k++) {
        fputs("<th>", f);
        text(f, m->loyalty.tiers[k].name);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    json_t *members = json_array(), *tiers = json_array(), *shares = json_array();
    for (int k = 0; k < y->tiers; k++) {
        json_array_append_new(tiers, json_string(m->loyalty.tiers[k].name));
        json_array_append_new(shares, json_array());
    }
    for (int t = 0; t <= y->horizon; t++) {
        fprintf(f, "<tr><td>%d</td>", t);
        cell(f, y->members_t[t].mean, CJM_UNIT_COUNT, "%s:loyalty.by_step.%d.members.mean",
             place->doc, t);
        push(members, y->members_t[t].mean);
        for (int k = 0; k < y->tiers; k++) {
            const cjm_summary *s = &y->tier_share_t[k * (y->horizon + 1) + t];
            cell(f, s->defined ? s->mean : CJM_NAN, CJM_UNIT_SHARE,
                 "%s:loyalty.by_step.%d.tier_shares.%s", place->doc, t, m->loyalty.tiers[k].name);
            push(json_array_get(shares, (size_t)k), s->defined ? s->mean : CJM_NAN);
        }
        fputs("</tr>\n", f);
    }
    section_close(f);
    return json_pack("{s:s, s:o, s:o, s:o}", "id", place->id, "members", members, "tiers", tiers,
                     "shares", shares);
}

/* A loyalty section for the baseline and for every variant that has a
 * program (a variant may add one to a baseline without). */
static json_t *loyalty_sections(FILE *f, const cjm_result *r, const cjm_metrics *mt,
                                const cjm_comparison *c)
{
    json_t *all = json_array();
    loyalty_place at = {"loyalty", "run", NULL};
    if (mt->loyalty.present) json_array_append_new(all, loyalty_section(f, r, mt, &at));
    for (int i = 0; c && i < c->arm_count; i++) {
        const cjm_arm *a = &c->arms[i];
        if (!a->metrics.loyalty.present) continue;
        snprintf(at.id, sizeof at.id, "loyalty-%d", i + 1);
        snprintf(at.doc, sizeof at.doc, "variant.%s", a->name);
        at.variant = a->name;
        json_array_append_new(all, loyalty_section(f, a->result, &a->metrics, &at));
    }
    return all;
}

/* The tornado: the metric with each input at its low and its high value,
 * ranked by the width of the effect (as cjm tornado). */
static json_t *tornado_section(FILE *f, const cjm_sensitivity *x)
{
    int m = x->metric;
    cjm_unit u = cjm_metric_infos[m].unit;
    char note[400], base[64];
    cjm_format_value(base, sizeof base, x->baseline, u);
    snprintf(note, sizeof note,
             "Each input moved down and up by %.0f%% of its value (an uncertain one to its 5th "
             "and 95th percentiles), one at a time, ranked by the width of its effect on %s; "
             "the bars show the change from the baseline, %s.",
             100 * x->swing, cjm_metric_infos[m].label, base);
    section_open(f, "tornado", "Which input matters: a tornado", note);
    fprintf(f,
            "<caption>baseline %s: <span class=\"n\" data-json=\"tornado:baseline\">%s</span>"
            "</caption>\n",
            cjm_metric_infos[m].label, base);
    th_row(f, 6, "input", "low", "high", "at low", "at high", "swing");
    fputs("<tbody>\n", f);
    json_t *names = json_array(), *lo = json_array(), *hi = json_array();
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        fputs("<tr>", f);
        name_cell(f, r->path);
        char v[2][64];
        snprintf(v[0], sizeof v[0], "%.6g", r->lo);
        snprintf(v[1], sizeof v[1], "%.6g", r->hi);
        fprintf(f, "<td class=\"n\" data-json=\"tornado:inputs.%d.low\">%s</td>", i, v[0]);
        fprintf(f, "<td class=\"n\" data-json=\"tornado:inputs.%d.high\">%s</td>", i, v[1]);
        cell(f, r->metric_lo, u, "tornado:inputs.%d.metric_low", i);
        cell(f, r->metric_hi, u, "tornado:inputs.%d.metric_high", i);
        cell(f, r->width, u, "tornado:inputs.%d.swing", i);
        fputs("</tr>\n", f);
        if (r->error) {
            fputs("<tr><td colspan=\"6\" class=\"note\">", f);
            text(f, r->error);
            fputs("</td></tr>\n", f);
        }
        json_array_append_new(names, json_string(r->path));
        push(lo, r->metric_lo - x->baseline);
        push(hi, r->metric_hi - x->baseline);
    }
    section_close(f);
    return json_pack("{s:s, s:o, s:o, s:o, s:o}", "metric", cjm_metric_infos[m].label, "baseline",
                     num(x->baseline), "names", names, "low", lo, "high", hi);
}

/* ---- the page ---- */

/* First thing on the page, so that nothing escapes it: uncaught errors and
 * failed loads (capture: a resource's error does not bubble), requests the
 * policy refused, console.error; report.js shows them (window.cjmShow). */
static const char error_catcher[] =
    "window.cjmErrors = [];\n"
    "(function () {\n"
    "  function add(m) { window.cjmErrors.push(String(m)); if (window.cjmShow) window.cjmShow(); "
    "}\n"
    "  window.addEventListener('error', function (e) {\n"
    "    add(e.message || ('could not load ' + (e.target && (e.target.src || e.target.href))));\n"
    "  }, true);\n"
    "  window.addEventListener('unhandledrejection', function (e) { add(e.reason); });\n"
    "  document.addEventListener('securitypolicyviolation', function (e) {\n"
    "    add('refused by the page\\'s policy: ' + e.violatedDirective + ' ' + e.blockedURI);\n"
    "  });\n"
    "  var error = console.error;\n"
    "  console.error = function () {\n"
    "    add(Array.prototype.join.call(arguments, ' '));\n"
    "    error.apply(console, arguments);\n"
    "  };\n"
    "})();\n";

static void write_block(FILE *f, const char *bytes, size_t len)
{
    fwrite(bytes, 1, len, f);
}

cjm_status cjm_report_html(const cjm_html_report *rep, FILE *f, cjm_error *err)
{
    const cjm_result *r = rep->result;
    if (!r) return cjm_error_set(err, CJM_EUSAGE, "report: no result");
    cjm_metrics mt;
    cjm_status st = cjm_metrics_compute(r, &mt, err);
    if (st != CJM_OK) return st;
    const cjm_model *m = r->model;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    text(f, m->name);
    fputs(" - cjm report</title>\n<script>\n", f);
    fputs(error_catcher, f);
    fputs("</script>\n<style>\n", f);
    write_block(f, cjm_report_css, cjm_report_css_len);
    fputs("</style>\n</head>\n<body>\n<pre id=\"errors\" hidden></pre>\n", f);
    settings_section(f, rep);
    metrics_section(f, r, &mt);
    json_t *data = json_pack("{s:s, s:s, s:b}", "step", m->step_name, "engine",
                             cjm_engine_name(r->settings.engine), "point", cjm_result_is_point(r));
    json_object_set_new(data, "journey", journey_section(f, r, &mt));
    json_object_set_new(data, "funnel", funnel_section(f, r, &mt));
    json_object_set_new(data, "retention", retention_section(f, r, &mt));
    json_object_set_new(data, "cashflow", cashflow_section(f, r, &mt));
    int metric = rep->metric ? cjm_metric_find(rep->metric) : CJM_M_PROFIT;
    json_t *hists = json_array();
    json_object_set_new(data, "distribution", hists);
    for (int k = 0; k < (metric >= 0 && metric != CJM_M_PROFIT ? 2 : 1) && st == CJM_OK; k++) {
        json_t *hist = histogram_section(f, r, k ? metric : CJM_M_PROFIT, err, &st);
        if (hist) json_array_append_new(hists, hist);
    }
    if (st != CJM_OK) {
        json_decref(data);
        cjm_metrics_free(&mt);
        return st;
    }
    if (rep->variants) json_object_set_new(data, "variants", comparison_section(f, rep->variants));
    if (rep->fixes) json_object_set_new(data, "fixes", comparison_section(f, rep->fixes));
    if (rep->fixes && rep->fixes->step_count > 0)
        json_object_set_new(data, "waterfall", waterfall_section(f, rep->fixes));
    json_object_set_new(data, "loyalty", loyalty_sections(f, r, &mt, rep->variants));
    if (rep->tornado) json_object_set_new(data, "tornado", tornado_section(f, rep->tornado));
    fputs("<footer>Written by cjm ", f);
    fputs(cjm_version(), f);
    fputs(". Charts: Apache ECharts 6.1.0 (Apache-2.0), inlined; the page makes no network "
          "requests.</footer>\n<script type=\"application/json\" id=\"cjm-data\">",
          f);
    /* escaped slashes: no "</script>" can close the block early */
    int rc = json_dumpf(data, f, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_REAL_PRECISION(12));
    json_decref(data);
    cjm_metrics_free(&mt);
    if (rc != 0) return cjm_error_set(err, CJM_ENOMEM, "out of memory building the report's data");
    fputs("</script>\n<script>\n", f);
    write_block(f, cjm_echarts_js, cjm_echarts_js_len);
    fputs("\n</script>\n<script>\n", f);
    write_block(f, cjm_report_js, cjm_report_js_len);
    fputs("</script>\n</body>\n</html>\n", f);
    return CJM_OK;
}
