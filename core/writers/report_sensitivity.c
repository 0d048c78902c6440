/* report_sensitivity.c: writers for sweep, tornado, morris and sobol, and the
 * precision notes of run, compare and fixes. */
#include "report.h"
#include "sensitivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BAR_HALF 20 /* characters on each side of a tornado's centre line */

static const char *const kind_names[] = {"sweep", "tornado", "morris", "sobol"};

/* ---- JSON ---- */

static json_t *json_precision(const cjm_precision *p)
{
    return json_pack("{s:s, s:o, s:b}", "metric", p->metric, "rel", cjm_json_number(p->rel),
                     "reached", p->reached);
}

/* The header every cjm document has: cjm, schema, scenario, settings. */
static json_t *json_header(const cjm_sensitivity *x)
{
    json_t *doc = cjm_json_header(x->model, &x->ran);
    json_object_set_new(doc, "analysis", json_string(kind_names[x->kind]));
    json_object_set_new(doc, "evaluations", json_integer(x->evaluations));
    if (x->metric >= 0)
        json_object_set_new(doc, "metric", json_string(cjm_metric_infos[x->metric].name));
    return doc;
}

static json_t *json_sweep(const cjm_sensitivity *x, json_t *doc)
{
    if (x->precision.metric[0])
        json_object_set_new(doc, "precision", json_precision(&x->precision));
    json_t *points = json_array();
    for (int i = 0; i < x->point_count; i++) {
        json_t *set = json_object(), *metrics = json_object();
        for (int j = 0; j < x->param_count; j++)
            json_object_set_new(set, x->param_paths[j],
                                cjm_json_number(x->points[(size_t)i * x->param_count + j]));
        for (int k = 0; k < CJM_M_COUNT && !x->errors[i]; k++)
            json_object_set_new(metrics, cjm_metric_infos[k].name,
                                cjm_json_summary(&x->metrics[i].m[k]));
        json_t *point = json_pack("{s:o}", "set", set);
        if (x->errors[i]) {
            json_object_set_new(point, "error", json_string(x->errors[i]));
            json_decref(metrics);
        } else {
            json_object_set_new(point, "metrics", metrics);
        }
        json_array_append_new(points, point);
    }
    json_object_set_new(doc, "points", points);
    return doc;
}

static json_t *json_tornado_row(const cjm_sens_row *r)
{
    json_t *o = json_pack("{s:s, s:o, s:b, s:o, s:o, s:o, s:o, s:o}", "path", r->path, "value",
                          cjm_json_number(r->value), "uncertain", r->uncertain, "low",
                          cjm_json_number(r->lo), "high", cjm_json_number(r->hi), "metric_low",
                          cjm_json_number(r->metric_lo), "metric_high",
                          cjm_json_number(r->metric_hi), "swing", cjm_json_number(r->width));
    if (r->error) json_object_set_new(o, "error", json_string(r->error));
    return o;
}

static json_t *json_morris_row(const cjm_sens_row *r)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:b, s:o, s:o}", "path", r->path, "mu_star",
                     cjm_json_number(r->mu_star), "mu", cjm_json_number(r->mu), "sigma",
                     cjm_json_number(r->sigma), "uncertain", r->uncertain, "low",
                     cjm_json_number(r->lo), "high", cjm_json_number(r->hi));
}

static json_t *json_sobol_row(const cjm_sens_row *r)
{
    return json_pack("{s:s, s:o, s:[o, o], s:o, s:[o, o]}", "path", r->path, "S1",
                     cjm_json_number(r->s1), "S1_ci95", cjm_json_number(r->s1_lo),
                     cjm_json_number(r->s1_hi), "ST", cjm_json_number(r->st), "ST_ci95",
                     cjm_json_number(r->st_lo), cjm_json_number(r->st_hi));
}

/* {"samples": [N/8, N/4, N/2, N], "S1": {path: [4]}, "ST": {path: [4]}} */
static json_t *json_convergence(const cjm_sensitivity *x)
{
    json_t *n = json_array(), *s1 = json_object(), *st = json_object();
    for (int c = 0; c < x->conv_count; c++)
        json_array_append_new(n, json_integer(x->conv_samples[c]));
    for (int i = 0; i < x->row_count; i++) {
        json_t *a = json_array(), *b = json_array();
        for (int c = 0; c < x->conv_count; c++) {
            json_array_append_new(a, cjm_json_number(x->rows[i].conv_s1[c]));
            json_array_append_new(b, cjm_json_number(x->rows[i].conv_st[c]));
        }
        json_object_set_new(s1, x->rows[i].path, a);
        json_object_set_new(st, x->rows[i].path, b);
    }
    return json_pack("{s:o, s:o, s:o}", "samples", n, "S1", s1, "ST", st);
}

static json_t *json_rows(const cjm_sensitivity *x, json_t *doc)
{
    json_t *inputs = json_array();
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        json_array_append_new(inputs, x->kind == CJM_SENS_TORNADO  ? json_tornado_row(r)
                                      : x->kind == CJM_SENS_MORRIS ? json_morris_row(r)
                                                                   : json_sobol_row(r));
    }
    if (x->kind == CJM_SENS_TORNADO) {
        json_object_set_new(doc, "baseline", cjm_json_number(x->baseline));
        json_object_set_new(doc, "relative_swing", cjm_json_number(x->swing));
    } else if (x->kind == CJM_SENS_MORRIS) {
        json_object_set_new(doc, "trajectories", json_integer(x->trajectories));
        json_object_set_new(doc, "levels", json_integer(x->levels));
    } else {
        json_object_set_new(doc, "samples", json_integer(x->samples));
        json_object_set_new(doc, "bootstrap", json_integer(x->bootstrap));
        json_object_set_new(doc, "design",
                            json_string(x->design == CJM_DESIGN_SOBOL ? "sobol" : "random"));
        if (x->conv_count) json_object_set_new(doc, "convergence", json_convergence(x));
    }
    if (x->kind != CJM_SENS_TORNADO) json_object_set_new(doc, "pinned", json_integer(x->pinned));
    json_object_set_new(doc, "inputs", inputs);
    return doc;
}

/* ---- CSV ---- */

static void csv_num(FILE *f, double v, int first)
{
    if (!first) fputc(',', f);
    cjm_csv_value(f, v);
}

/* A text field, quoted when it holds a comma, quote or line break. */
static void csv_text(FILE *f, const char *s, int first)
{
    if (!first) fputc(',', f);
    if (!s) return;
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *const summary_fields[] = {"mean", "se",  "ci95_lo", "ci95_hi",
                                             "p5",   "p50", "p95"};

static void csv_sweep(const cjm_sensitivity *x, FILE *f)
{
    for (int j = 0; j < x->param_count; j++) csv_text(f, x->param_paths[j], j == 0);
    for (int k = 0; k < CJM_M_COUNT; k++)
        for (int q = 0; q < 7; q++)
            fprintf(f, ",%s_%s", cjm_metric_infos[k].name, summary_fields[q]);
    fputs(",error\n", f);
    for (int i = 0; i < x->point_count; i++) {
        for (int j = 0; j < x->param_count; j++)
            csv_num(f, x->points[(size_t)i * x->param_count + j], j == 0);
        for (int k = 0; k < CJM_M_COUNT; k++) {
            const cjm_summary *s = &x->metrics[i].m[k];
            const double v[] = {s->defined && !x->errors[i] ? s->mean : CJM_NAN,
                                s->se,
                                s->lo,
                                s->hi,
                                s->p5,
                                s->p50,
                                s->p95};
            for (int q = 0; q < 7; q++) csv_num(f, x->errors[i] ? CJM_NAN : v[q], 0);
        }
        csv_text(f, x->errors[i], 0);
        fputc('\n', f);
    }
}

static void csv_rows(const cjm_sensitivity *x, FILE *f)
{
    if (x->kind == CJM_SENS_TORNADO)
        fputs("path,value,low,high,metric_low,metric_high,swing,error\n", f);
    else if (x->kind == CJM_SENS_MORRIS)
        fputs("path,mu_star,mu,sigma,low,high\n", f);
    else
        fputs("path,S1,S1_ci95_lo,S1_ci95_hi,ST,ST_ci95_lo,ST_ci95_hi\n", f);
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        csv_text(f, r->path, 1);
        if (x->kind == CJM_SENS_TORNADO) {
            const double v[] = {r->value, r->lo, r->hi, r->metric_lo, r->metric_hi, r->width};
            for (int q = 0; q < 6; q++) csv_num(f, v[q], 0);
            csv_text(f, r->error, 0);
        } else if (x->kind == CJM_SENS_MORRIS) {
            const double v[] = {r->mu_star, r->mu, r->sigma, r->lo, r->hi};
            for (int q = 0; q < 5; q++) csv_num(f, v[q], 0);
        } else {
            const double v[] = {r->s1, r->s1_lo, r->s1_hi, r->st, r->st_lo, r->st_hi};
            for (int q = 0; q < 6; q++) csv_num(f, v[q], 0);
        }
        fputc('\n', f);
    }
}

/* ---- table ---- */

static void table_header(const cjm_sensitivity *x, FILE *f)
{
    const cjm_model *m = x->model;
    const cjm_settings *s = &x->ran;
    double organic = (double)s->customers;
    for (int t = 0; m->has_arrivals && t < s->horizon && t < m->prob_horizon; t++)
        organic += m->arrivals[t];
    char who[160];
    cjm_format_customers(who, sizeof who, s->customers, organic, CJM_NAN, m->has_arrivals,
                         m->has_referrals);
    fprintf(f, "%s\n", m->name);
    if (s->engine == CJM_ENGINE_EXACT && s->runs == 1)
        fprintf(f, "exact engine (expected values, no sampling), %s, %d %ss\n", who, s->horizon,
                m->step_name);
    else
        fprintf(f,
                "%s engine, %d runs x %s per point, %d %ss, seed %llu, common random "
                "numbers\n",
                cjm_engine_name(s->engine), s->runs, who, s->horizon, m->step_name,
                (unsigned long long)s->seed);
    fprintf(f, "scenario %s (sha256 %.12s), %ld model evaluations\n\n", m->file, m->sha256,
            x->evaluations);
}

static int path_width(const cjm_sensitivity *x, int min)
{
    int w = min;
    for (int i = 0; i < x->row_count; i++) {
        int n = (int)strlen(x->rows[i].path);
        if (n > w) w = n;
    }
    return w; /* no path is cut */
}

static cjm_unit metric_unit(const cjm_sensitivity *x)
{
    return cjm_metric_infos[x->metric].unit;
}

static const char *metric_label(const cjm_sensitivity *x)
{
    return cjm_metric_infos[x->metric].label;
}

/* "mean +-half-width", or the mean alone when there is no interval. */
static void mean_pm(char *buf, size_t n, const cjm_summary *s, cjm_unit unit)
{
    char mean[48], half[48];
    cjm_format_value(mean, sizeof mean, s->defined ? s->mean : CJM_NAN, unit);
    if (!isfinite(s->lo) || !isfinite(s->hi) || s->hi == s->lo) {
        snprintf(buf, n, "%s", mean);
        return;
    }
    cjm_format_value(half, sizeof half, (s->hi - s->lo) / 2, unit);
    snprintf(buf, n, "%s ±%s", mean, half);
}

/* ---- sweep table: one row per point ---- */

typedef struct grid {
    int rows, cols;
    char **cell; /* [rows][cols], row 0 the titles */
    int *width;
} grid;

static int grid_new(grid *g, int rows, int cols)
{
    g->rows = rows, g->cols = cols;
    g->cell = calloc((size_t)rows * cols, sizeof *g->cell);
    g->width = calloc((size_t)cols, sizeof *g->width);
    return g->cell && g->width;
}

static void grid_set(grid *g, int r, int c, const char *text)
{
    char *s = strdup(text);
    g->cell[(size_t)r * g->cols + c] = s;
    int w = 0;
    for (const char *p = s; p && *p; p++) w += ((unsigned char)*p & 0xC0) != 0x80; /* UTF-8 */
    if (w > g->width[c]) g->width[c] = w;
}

static void grid_print(const grid *g, FILE *f)
{
    for (int r = 0; r < g->rows; r++) {
        int last = g->cols - 1; /* no trailing blanks */
        while (last > 0 && !g->cell[(size_t)r * g->cols + last]) last--;
        for (int c = 0; c <= last; c++) {
            const char *s = g->cell[(size_t)r * g->cols + c];
            if (!s) s = "";
            int w = 0;
            for (const char *p = s; *p; p++) w += ((unsigned char)*p & 0xC0) != 0x80;
            fprintf(f, "  %*s%s", g->width[c] - w, "", s);
        }
        fputc('\n', f);
    }
}

static void grid_free(grid *g)
{
    for (int i = 0; g->cell && i < g->rows * g->cols; i++) free(g->cell[i]);
    free(g->cell);
    free(g->width);
}

/* The columns of a sweep's table: with --metric, its mean and 95% interval;
 * else every core metric as mean +-half-width. */
static int sweep_columns(const cjm_sensitivity *x)
{
    int shown[CJM_M_COUNT];
    return x->metric >= 0 ? 2 : cjm_metrics_shown(x->model, shown);
}

/* The metric of a sweep's k-th column (without --metric). */
static int sweep_metric(const cjm_sensitivity *x, int k)
{
    int shown[CJM_M_COUNT];
    cjm_metrics_shown(x->model, shown);
    return shown[k];
}

static void sweep_cells(const cjm_sensitivity *x, const cjm_summary *m, grid *g, int row)
{
    char buf[128], lo[48], hi[48];
    int col = x->param_count;
    if (x->metric < 0) {
        for (int k = 0; k < sweep_columns(x); k++) {
            int i = sweep_metric(x, k);
            mean_pm(buf, sizeof buf, &m[i], cjm_metric_infos[i].unit);
            grid_set(g, row, col + k, buf);
        }
        return;
    }
    const cjm_summary *s = &m[x->metric];
    cjm_unit unit = metric_unit(x);
    cjm_format_value(buf, sizeof buf, s->defined ? s->mean : CJM_NAN, unit);
    grid_set(g, row, col, buf);
    cjm_format_value(lo, sizeof lo, s->lo, unit);
    cjm_format_value(hi, sizeof hi, s->hi, unit);
    snprintf(buf, sizeof buf, isfinite(s->lo) ? "[%s, %s]" : "-", lo, hi);
    grid_set(g, row, col + 1, buf);
}

static void sweep_fill(const cjm_sensitivity *x, grid *g)
{
    for (int j = 0; j < x->param_count; j++) grid_set(g, 0, j, x->param_paths[j]);
    if (x->metric >= 0) {
        grid_set(g, 0, x->param_count, metric_label(x));
        grid_set(g, 0, x->param_count + 1, "95% interval");
    }
    for (int k = 0; x->metric < 0 && k < sweep_columns(x); k++)
        grid_set(g, 0, x->param_count + k, cjm_metric_infos[sweep_metric(x, k)].label);
    for (int i = 0; i < x->point_count; i++) {
        char buf[64];
        for (int j = 0; j < x->param_count; j++) {
            snprintf(buf, sizeof buf, "%g", x->points[(size_t)i * x->param_count + j]);
            grid_set(g, i + 1, j, buf);
        }
        if (x->errors[i])
            grid_set(g, i + 1, x->param_count, "refused (below)");
        else
            sweep_cells(x, x->metrics[i].m, g, i + 1);
    }
}

static void sweep_refused(const cjm_sensitivity *x, FILE *f)
{
    for (int i = 0; i < x->point_count; i++) {
        if (!x->errors[i]) continue;
        fputs("  !", f);
        for (int j = 0; j < x->param_count; j++)
            fprintf(f, " %s=%g", x->param_paths[j], x->points[(size_t)i * x->param_count + j]);
        fprintf(f, ": %s\n", x->errors[i]);
    }
}

static void precision_note(FILE *f, const cjm_precision *p, const char *what)
{
    if (!p->metric[0]) return;
    int m = cjm_metric_index(p->metric);
    const char *label = m >= 0 ? cjm_metric_infos[m].label : p->metric;
    if (p->reached)
        fprintf(
            f, "\nprecision: the 95%% interval of %s%s is within ±%g%% of its mean after %d runs\n",
            what, label, 100 * p->rel, p->runs);
    else
        fprintf(f,
                "\nprecision NOT reached: the 95%% interval of %s%s is still wider than ±%g%% of "
                "its mean after %d runs (--max-runs)\n",
                what, label, 100 * p->rel, p->runs);
}

static cjm_status table_sweep(const cjm_sensitivity *x, FILE *f, cjm_error *err)
{
    grid g;
    table_header(x, f);
    fprintf(f, "sweep: %d points%s\n\n", x->point_count,
            x->metric < 0 ? "; each metric as mean ±half-width of its 95% interval" : "");
    if (!grid_new(&g, x->point_count + 1, x->param_count + sweep_columns(x))) {
        grid_free(&g);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    sweep_fill(x, &g);
    grid_print(&g, f);
    grid_free(&g);
    sweep_refused(x, f);
    precision_note(f, &x->precision, "every point's ");
    return CJM_OK;
}

/* ---- tornado table ---- */

static double tornado_scale(const cjm_sensitivity *x)
{
    double dev = 0;
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        if (isfinite(r->metric_lo)) dev = fmax(dev, fabs(r->metric_lo - x->baseline));
        if (isfinite(r->metric_hi)) dev = fmax(dev, fabs(r->metric_hi - x->baseline));
    }
    return dev > 0 ? BAR_HALF / dev : 0;
}

/* Marks cells from the centre towards metric v with mark. */
static void bar_paint(const char **cells, double v, double base, double scale, const char *mark)
{
    if (!isfinite(v)) return;
    int len = (int)floor(fabs(v - base) * scale + 0.5);
    if (len > BAR_HALF) len = BAR_HALF;
    if (len == 0 && v != base) len = 1; /* a visible sliver for any effect */
    for (int q = 0; q < len; q++) cells[v < base ? BAR_HALF - 1 - q : BAR_HALF + 1 + q] = mark;
}

/* The input at its low value paints light, at its high value dark; the
 * longer one first, so both show when they fall on the same side. */
static void tornado_bar(const cjm_sensitivity *x, const cjm_sens_row *r, double scale, char *buf,
                        size_t n)
{
    const char *cells[2 * BAR_HALF + 1];
    for (int q = 0; q < 2 * BAR_HALF + 1; q++) cells[q] = " ";
    cells[BAR_HALF] = "|";
    double lo_dev = fabs(r->metric_lo - x->baseline), hi_dev = fabs(r->metric_hi - x->baseline);
    int lo_first = !(lo_dev < hi_dev);
    if (lo_first) bar_paint(cells, r->metric_lo, x->baseline, scale, "░");
    bar_paint(cells, r->metric_hi, x->baseline, scale, "█");
    if (!lo_first) bar_paint(cells, r->metric_lo, x->baseline, scale, "░");
    size_t o = 0;
    buf[0] = '\0';
    for (int q = 0; q < 2 * BAR_HALF + 1 && o < n; q++)
        o += (size_t)snprintf(buf + o, n - o, "%s", cells[q]);
}

static void tornado_title(const cjm_sensitivity *x, FILE *f)
{
    char base[48];
    cjm_format_value(base, sizeof base, x->baseline, metric_unit(x));
    fprintf(f,
            "tornado of %s: each input moved down and up by %g%% of its value (kept inside its "
            "valid range),\nan uncertain input to its 5th and 95th percentiles; ranked by the "
            "width of the effect\n",
            metric_label(x), 100 * x->swing);
    fprintf(f, "baseline %s: %s    bar: ░ input at its low value, █ at its high value\n\n",
            metric_label(x), base);
}

static void tornado_row(const cjm_sensitivity *x, const cjm_sens_row *r, int w, double scale,
                        FILE *f)
{
    char range[64], lo[48], hi[48], bar[8 * (2 * BAR_HALF + 2)];
    snprintf(range, sizeof range, "%.6g .. %.6g", r->lo, r->hi);
    cjm_format_value(lo, sizeof lo, r->metric_lo, metric_unit(x));
    cjm_format_value(hi, sizeof hi, r->metric_hi, metric_unit(x));
    tornado_bar(x, r, scale, bar, sizeof bar);
    fprintf(f, "  %-*s %21s  %s %14s %14s\n", w, r->path, range, bar, lo, hi);
    if (r->error) fprintf(f, "  %*s ! %s\n", w, "", r->error);
}

static cjm_status table_tornado(const cjm_sensitivity *x, FILE *f)
{
    int w = path_width(x, 5), quiet = 0;
    double scale = tornado_scale(x);
    table_header(x, f);
    tornado_title(x, f);
    char at_lo[48], at_hi[48];
    snprintf(at_lo, sizeof at_lo, "at low");
    snprintf(at_hi, sizeof at_hi, "at high");
    fprintf(f, "  %-*s %21s  %-*s %14s %14s\n", w, "input", "low .. high", 2 * BAR_HALF + 1, "",
            at_lo, at_hi);
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        if (r->width == 0 && !r->error) {
            quiet++;
            continue;
        }
        tornado_row(x, r, w, scale, f);
    }
    if (!quiet) return CJM_OK;
    fprintf(f, "\nno effect on %s (%d):", metric_label(x), quiet);
    for (int i = 0; i < x->row_count; i++)
        if (x->rows[i].width == 0 && !x->rows[i].error) fprintf(f, " %s", x->rows[i].path);
    fputc('\n', f);
    return CJM_OK;
}

/* ---- Morris and Sobol tables ---- */

static void bar_of(char *buf, size_t n, double share)
{
    int len = isfinite(share) ? (int)floor(fmax(0, fmin(1, share)) * BAR_HALF + 0.5) : 0;
    size_t o = 0;
    buf[0] = '\0';
    for (int q = 0; q < len && o < n; q++) o += (size_t)snprintf(buf + o, n - o, "█");
}

static void range_text(char *buf, size_t n, const cjm_sens_row *r)
{
    if (r->uncertain)
        snprintf(buf, n, "its distribution");
    else
        snprintf(buf, n, "%.6g .. %.6g", r->lo, r->hi);
}

static void noise_note(const cjm_sensitivity *x, FILE *f)
{
    if (x->ran.engine != CJM_ENGINE_EXACT)
        fprintf(f,
                "each evaluation is the mean of %d simulated runs: the figures include Monte "
                "Carlo noise\n",
                x->ran.runs);
    if (x->pinned)
        fprintf(f, "%d uncertain input(s) not analysed are held at their medians\n", x->pinned);
}

/* An effect (a change in the metric): a share's in percentage points
 * ("0.84 pp"), else as the metric's values. */
static void effect_text(char *buf, size_t n, double v, cjm_unit unit)
{
    char raw[40];
    if (unit != CJM_UNIT_SHARE || !isfinite(v)) {
        cjm_format_value(buf, n, v, unit);
        return;
    }
    cjm_format_value(raw, sizeof raw, 100 * v, CJM_UNIT_RATIO);
    snprintf(buf, n, "%s pp", raw);
}

static cjm_status table_morris(const cjm_sensitivity *x, FILE *f)
{
    int w = path_width(x, 5);
    double top = 0;
    for (int i = 0; i < x->row_count; i++)
        if (isfinite(x->rows[i].mu_star)) top = fmax(top, x->rows[i].mu_star);
    table_header(x, f);
    fprintf(f,
            "Morris elementary effects on %s: %d trajectories, %d levels; an effect is the change "
            "in\n%s per move across the input's whole range (5th..95th percentile of a "
            "distribution)\n",
            metric_label(x), x->trajectories, x->levels, metric_label(x));
    noise_note(x, f);
    fprintf(f, "\n  %-*s %21s %14s %14s %14s\n", w, "input", "range", "mu*", "mu", "sigma");
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        char range[64], ms[48], mu[48], sd[48], bar[8 * BAR_HALF + 1];
        range_text(range, sizeof range, r);
        effect_text(ms, sizeof ms, r->mu_star, metric_unit(x));
        effect_text(mu, sizeof mu, r->mu, metric_unit(x));
        effect_text(sd, sizeof sd, r->sigma, metric_unit(x));
        bar_of(bar, sizeof bar, top > 0 ? r->mu_star / top : CJM_NAN);
        fprintf(f, "  %-*s %21s %14s %14s %14s%s%s\n", w, r->path, range, ms, mu, sd,
                *bar ? "  " : "", bar);
    }
    fputs("\nmu*: mean absolute effect (importance); mu: mean signed effect; sigma: spread of\n"
          "the effects (a sigma near or above mu* means interactions or a non-linear effect)\n",
          f);
    return CJM_OK;
}

static void index_text(char *buf, size_t n, double v, double lo, double hi)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.3f [%.3f, %.3f]", v, lo, hi);
}

/* S1 and ST from the first N/8, N/4, N/2 and N rows: settled or not. */
static void table_convergence(const cjm_sensitivity *x, FILE *f, int w)
{
    if (!x->conv_count) return;
    fprintf(f, "\nconvergence: S1 / ST from the first rows of the design\n  %-*s", w, "input");
    for (int c = 0; c < x->conv_count; c++) fprintf(f, " %15d", x->conv_samples[c]);
    fputc('\n', f);
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        fprintf(f, "  %-*s", w, r->path);
        for (int c = 0; c < x->conv_count; c++) {
            char cell[32];
            snprintf(cell, sizeof cell, "%.3f / %.3f", r->conv_s1[c], r->conv_st[c]);
            fprintf(f, " %15s", cell);
        }
        fputc('\n', f);
    }
}

static cjm_status table_sobol(const cjm_sensitivity *x, FILE *f)
{
    int w = path_width(x, 5);
    double sum = 0;
    table_header(x, f);
    fprintf(f,
            "Sobol indices of %s: %d samples, Saltelli design (%d inputs + 2) x %d%s; 95%% "
            "intervals\nfrom %d bootstrap resamples of the rows\n",
            metric_label(x), x->samples, x->row_count, x->samples,
            x->design == CJM_DESIGN_SOBOL ? " on a Sobol' sequence" : "", x->bootstrap);
    noise_note(x, f);
    fprintf(f, "\n  %-*s %21s  %-24s %s\n", w, "input", "range", "S1 (first order)", "ST (total)");
    for (int i = 0; i < x->row_count; i++) {
        const cjm_sens_row *r = &x->rows[i];
        char range[64], s1[64], st[64], bar[8 * BAR_HALF + 1];
        range_text(range, sizeof range, r);
        index_text(s1, sizeof s1, r->s1, r->s1_lo, r->s1_hi);
        index_text(st, sizeof st, r->st, r->st_lo, r->st_hi);
        bar_of(bar, sizeof bar, r->st);
        if (isfinite(r->s1)) sum += r->s1;
        fprintf(f, "  %-*s %21s  %-24s ", w, r->path, range, s1);
        fprintf(f, *bar ? "%-24s %s\n" : "%s%s\n", st, bar);
    }
    fprintf(f,
            "\nS1: share of the variance of %s due to the input alone; ST: including its\n"
            "interactions. Sum of S1 = %.3f (1 - sum: the share due to interactions).\n",
            metric_label(x), sum);
    table_convergence(x, f, w);
    return CJM_OK;
}

cjm_status cjm_report_sensitivity(const cjm_sensitivity *x, cjm_format fmt, FILE *f, cjm_error *err)
{
    cjm_status st = CJM_OK;
    if (fmt == CJM_FORMAT_JSON) {
        json_t *doc = json_header(x);
        return cjm_json_write(x->kind == CJM_SENS_SWEEP ? json_sweep(x, doc) : json_rows(x, doc), f,
                              err);
    }
    if (fmt == CJM_FORMAT_CSV) {
        cjm_csv_settings(f, x->model, &x->ran);
        if (x->kind == CJM_SENS_SWEEP)
            csv_sweep(x, f);
        else
            csv_rows(x, f);
    } else if (x->kind == CJM_SENS_SWEEP) {
        st = table_sweep(x, f, err);
    } else if (x->kind == CJM_SENS_TORNADO) {
        st = table_tornado(x, f);
    } else {
        st = x->kind == CJM_SENS_MORRIS ? table_morris(x, f) : table_sobol(x, f);
    }
    if (st == CJM_OK && ferror(f)) st = cjm_error_set(err, CJM_EIO, "cannot write the report");
    return st;
}

/* ---- run, compare and fixes to a precision ---- */

cjm_status cjm_report_run_precise(const cjm_result *r, const cjm_precision *p, cjm_format fmt,
                                  FILE *f, cjm_error *err)
{
    if (!p || !p->metric[0]) return cjm_report_run(r, fmt, f, err);
    if (fmt != CJM_FORMAT_JSON) {
        cjm_status st = cjm_report_run(r, fmt, f, err);
        if (st == CJM_OK && fmt == CJM_FORMAT_TABLE) precision_note(f, p, "");
        return st;
    }
    cjm_metrics mt;
    cjm_status st = cjm_metrics_compute(r, &mt, err);
    if (st != CJM_OK) return st;
    json_t *doc = cjm_json_run(r, &mt);
    if (doc) json_object_set_new(doc, "precision", json_precision(p));
    st = cjm_json_write(doc, f, err);
    cjm_metrics_free(&mt);
    return st;
}

/* The comparison's own JSON, read back and given a "precision" object: its
 * writer stays the only place that knows its shape. */
static cjm_status comparison_json_precise(const cjm_comparison *c, const cjm_precision *p, FILE *f,
                                          cjm_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = cjm_report_comparison(c, CJM_FORMAT_JSON, mem, err);
    fclose(mem);
    json_t *doc = st == CJM_OK ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    if (st != CJM_OK) return st;
    if (doc) json_object_set_new(doc, "precision", json_precision(p));
    return cjm_json_write(doc, f, err);
}

cjm_status cjm_report_comparison_precise(const cjm_comparison *c, const cjm_precision *p,
                                         cjm_format fmt, FILE *f, cjm_error *err)
{
    if (!p || !p->metric[0]) return cjm_report_comparison(c, fmt, f, err);
    if (fmt == CJM_FORMAT_JSON) return comparison_json_precise(c, p, f, err);
    cjm_status st = cjm_report_comparison(c, fmt, f, err);
    if (st == CJM_OK && fmt == CJM_FORMAT_TABLE) precision_note(f, p, "every arm's difference in ");
    return st;
}
