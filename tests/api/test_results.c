/* test_api_results.c: the accessors of include/cjm.h, which this test is
 * built against alone (no internal header on its include path) and linked
 * with the shared library. Two kinds of checks:
 *   - values worked out by hand (the exact engine on a two-stage chain);
 *   - every CSV writer reproduced byte for byte from the accessors: the run
 *     report, the runs file, a comparison of variants and of fixes, and a
 *     sweep, tornado, Morris and Sobol analysis. A number a writer prints
 *     that the accessors do not give, or give differently, fails here. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cjm.h"

#define SCN CJM_SOURCE_DIR "/tests/scenarios/"
#define EXAMPLES CJM_SOURCE_DIR "/scenarios/"

/* ---- helpers: memory streams and loading ---- */

typedef struct text {
    char *buf;
    size_t len;
    FILE *f;
} text;

static void text_open(text *t)
{
    t->buf = NULL;
    t->len = 0;
    t->f = open_memstream(&t->buf, &t->len);
    assert_non_null(t->f);
}

static char *text_close(text *t)
{
    fclose(t->f);
    return t->buf;
}

static cjm_model *load(const char *path, const cjm_load_options *o)
{
    cjm_model *m = NULL;
    cjm_error err = {0};
    if (cjm_model_load(path, o, &m, &err) != CJM_OK) fail_msg("load %s: %s", path, err.msg);
    return m;
}

static cjm_result *run(const cjm_model *m, const cjm_settings *s)
{
    cjm_result *r = NULL;
    cjm_error err = {0};
    if (cjm_run(m, s, &r, &err) != CJM_OK) fail_msg("run: %s", err.msg);
    return r;
}

/* Prints the first line where two texts differ, then fails if they do. */
static void assert_same_text(const char *what, const char *want, const char *got)
{
    if (strcmp(want, got) == 0) return;
    for (int line = 1; *want || *got; line++) {
        size_t a = strcspn(want, "\n"), b = strcspn(got, "\n");
        if (a != b || memcmp(want, got, a) != 0) {
            fail_msg("%s, line %d:\n  writer:    %.*s\n  accessors: %.*s", what, line, (int)a, want,
                     (int)b, got);
        }
        want += a + (want[a] != 0);
        got += b + (got[b] != 0);
    }
}

/* ---- values by hand ---- */

static void assert_near(double got, double want)
{
    /* the exact engine sums at most a few hundred terms: its rounding is
     * below 1e-13 relative; 1e-12 leaves a factor of ten */
    if (!(fabs(got - want) <= 1e-12 * fmax(1, fabs(want))))
        fail_msg("got %.17g, want %.17g", got, want);
}

static cjm_value metric(const cjm_result *r, const char *name)
{
    cjm_value v;
    int i = cjm_metric_find(name);
    assert_true(i >= 0);
    assert_int_equal(cjm_result_metric(r, i, &v), CJM_OK);
    assert_string_equal(v.name, name);
    assert_int_equal(v.index, i);
    return v;
}

/* tests/scenarios/two_stage.lua: a -(0.3)-> b (converts) -(0.2)-> lost, H = 5,
 * 1000 prospects at 0.5 each, a costs 1 a step, b earns 10 on entry.
 * Conversion 1 - 0.7^5; cost 1000 (0.5 + sum_{t<5} 0.7^t); retention[k] =
 * 0.8^k for k < 5, undefined at 5 (nobody converts at step 0). */
static void test_exact_by_hand(void **state)
{
    (void)state;
    cjm_model *m = load(SCN "two_stage.lua", NULL);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    s.runs = 50; /* one run: the exact engine needs no more */
    cjm_result *r = run(m, &s);
    double conv = 1 - pow(0.7, 5), a_steps = (1 - pow(0.7, 5)) / 0.3;
    cjm_value c = metric(r, "conversion");
    assert_near(c.mean, conv);
    assert_int_equal(c.unit, CJM_UNIT_SHARE);
    assert_string_equal(c.label, "conversion");
    assert_true(c.exact && c.defined);
    assert_near(c.se, 0);
    assert_near(c.p5, conv);
    assert_near(c.p95, conv);
    cjm_value cost = metric(r, "cost");
    assert_near(cost.mean, 1000 * (0.5 + a_steps));
    assert_int_equal(cost.unit, CJM_UNIT_MONEY);
    assert_near(metric(r, "cac").mean, 1000 * (0.5 + a_steps) / (1000 * conv));
    assert_string_equal(metric(r, "cac").label, "CAC");
    assert_near(metric(r, "profit").mean, 1000 * conv * 10 - 1000 * (0.5 + a_steps));
    /* the settings as run: one exact run of the scenario's cohort and horizon */
    cjm_settings ran = cjm_result_settings(r);
    assert_int_equal(ran.runs, 1);
    assert_int_equal(ran.customers, 1000);
    assert_int_equal(ran.horizon, 5);
    assert_int_equal(ran.engine, CJM_ENGINE_EXACT);
    assert_null(ran.cancel);
    /* funnel by stage name, retention by k */
    assert_int_equal(cjm_result_series_length(r, "funnel"), 3);
    cjm_value v;
    assert_int_equal(cjm_result_series(r, "funnel", 1, &v), CJM_OK);
    assert_string_equal(v.name, "b");
    assert_near(v.mean, conv);
    assert_int_equal(cjm_result_series_length(r, "retention"), 6);
    for (int k = 0; k < 5; k++) {
        assert_int_equal(cjm_result_series(r, "retention", k, &v), CJM_OK);
        assert_null(v.name);
        assert_int_equal(v.index, k);
        assert_near(v.mean, pow(0.8, k));
    }
    assert_int_equal(cjm_result_series(r, "retention", 5, &v), CJM_OK);
    assert_false(v.defined);
    assert_int_equal(cjm_result_series_length(r, "arrived"), 0); /* no arrivals */
    /* out of range and unknown names */
    assert_int_equal(cjm_result_series_length(r, "nope"), -1);
    assert_int_equal(cjm_result_series(r, "retention", 6, &v), CJM_EUSAGE);
    assert_int_equal(cjm_result_series(r, "nope", 0, &v), CJM_EUSAGE);
    assert_int_equal(cjm_result_metric(r, cjm_metric_count(), &v), CJM_EUSAGE);
    assert_int_equal(cjm_result_metric(r, -1, &v), CJM_EUSAGE);
    assert_true(isnan(cjm_result_run_metric(r, 1, 0)));
    assert_int_equal(cjm_metric_find("nope"), -1);
    assert_null(cjm_metric_name(-1));
    assert_null(cjm_series_name(cjm_series_count()));
    /* the model */
    assert_ptr_equal(cjm_result_model(r), m);
    assert_string_equal(cjm_model_name(m), "two stages");
    assert_string_equal(cjm_model_file(m), SCN "two_stage.lua");
    assert_int_equal(strlen(cjm_model_sha256(m)), 64);
    assert_string_equal(cjm_model_step_name(m), "step");
    assert_null(cjm_model_variant(m));
    assert_int_equal(cjm_model_horizon(m), 5);
    assert_int_equal(cjm_model_cohort_size(m), 1000);
    assert_int_equal(cjm_model_count(m, "stages"), 3);
    assert_string_equal(cjm_model_item(m, "stages", 2), "lost");
    assert_null(cjm_model_item(m, "stages", 3));
    assert_int_equal(cjm_model_count(m, "segments"), 1);
    assert_string_equal(cjm_model_item(m, "segments", 0), "all");
    assert_int_equal(cjm_model_count(m, "variants"), 0);
    assert_int_equal(cjm_model_count(m, "nope"), -1);
    assert_false(cjm_model_has(m, "arrivals"));
    cjm_result_free(&r);
    assert_null(r);
    cjm_model_free(&m);
    assert_null(m);
}

/* Lists, features and a variant of an example with everything. */
static void test_model_lists(void **state)
{
    (void)state;
    cjm_load_options o = {.variant = "price_match"};
    cjm_model *m = load(EXAMPLES "pram_online.lua", &o);
    assert_string_equal(cjm_model_variant(m), "price_match");
    assert_true(cjm_model_has(m, "referrals") && !cjm_model_has(m, "arrivals"));
    assert_true(cjm_model_has(m, "segments") && !cjm_model_has(m, "uncertain"));
    assert_false(cjm_model_has(m, "nope"));
    assert_int_equal(cjm_model_count(m, "uncertain"), 0);
    static const char *const lists[] = {"stages", "segments", "inputs", "variants", "barriers"};
    for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
        int n = cjm_model_count(m, lists[l]);
        assert_true(n >= 2);
        for (int i = 0; i < n; i++) assert_non_null(cjm_model_item(m, lists[l], i));
        assert_null(cjm_model_item(m, lists[l], n));
        assert_null(cjm_model_item(m, lists[l], -1));
    }
    assert_string_equal(cjm_model_item(m, "stages", 0), "aware");
    assert_string_equal(cjm_model_item(m, "segments", 1), "convenience");
    assert_string_equal(cjm_model_item(m, "variants", 0), "clear_terms");
    cjm_model_free(&m);
    m = load(EXAMPLES "online_school.lua", NULL);
    assert_true(cjm_model_has(m, "uncertain"));
    int n = cjm_model_count(m, "uncertain");
    assert_true(n >= 1 && n <= cjm_model_count(m, "inputs"));
    for (int u = 0; u < n; u++) assert_non_null(cjm_model_item(m, "uncertain", u));
    cjm_model_free(&m);
}

/* ---- the CSV writers, from the accessors ---- */

static void csv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.12g", v == 0 ? 0.0 : v); /* -0 is written 0 */
    else
        fputc(',', f);
}

/* The "# key: value" block every CSV document starts with. */
static void settings_block(FILE *f, const cjm_model *m, cjm_settings s)
{
    static const char *const engines[] = {
        [CJM_ENGINE_AGENT] = "agent", [CJM_ENGINE_EXACT] = "exact", [CJM_ENGINE_COHORT] = "cohort"};
    fprintf(f, "# cjm: %s\n# schema: 1\n# scenario: %s\n# file: %s\n# sha256: %s\n", cjm_version(),
            cjm_model_name(m), cjm_model_file(m), cjm_model_sha256(m));
    fprintf(f, "# engine: %s\n# runs: %d\n# customers: %lld\n# horizon: %d\n# seed: %llu\n",
            engines[s.engine], s.runs, (long long)s.customers, s.horizon,
            (unsigned long long)s.seed);
}

static void csv_value(FILE *f, const char *metric, const char *key, const cjm_value *v)
{
    fprintf(f, "%s,%s", metric, key);
    const double x[] = {v->mean, v->se, v->lo, v->hi, v->p5, v->p50, v->p95};
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) csv_number(f, x[i]);
    fputc('\n', f);
}

static cjm_value series_item(const cjm_result *r, const char *series, int i)
{
    cjm_value v;
    assert_int_equal(cjm_result_series(r, series, i, &v), CJM_OK);
    return v;
}

/* An exact value (payback) as the writer prints it: se 0, every bound and
 * percentile the value; all empty when there is none. */
static void csv_exact(FILE *f, const char *metric, const char *key, double v)
{
    cjm_value x = {
        .mean = v, .se = isnan(v) ? v : 0, .lo = v, .hi = v, .p5 = v, .p50 = v, .p95 = v};
    csv_value(f, metric, key, &x);
}

/* The cash flow by step, payback, and the breakdown's lines by kind. */
static void cashflow_csv(const cjm_result *r, FILE *f)
{
    static const char *const series[] = {"cashflow_revenue",
                                         "cashflow_cogs",
                                         "cashflow_cost",
                                         "cashflow_profit",
                                         "cashflow_cumulative_profit",
                                         "cashflow_discounted_profit",
                                         "cashflow_cumulative_discounted_profit"};
    char key[16], metric[64];
    for (size_t k = 0; k < sizeof series / sizeof *series; k++)
        for (int t = 0; t < cjm_result_series_length(r, series[k]); t++) {
            cjm_value v = series_item(r, series[k], t);
            snprintf(key, sizeof key, "%d", t);
            csv_value(f, series[k], key, &v);
        }
    double step, share;
    assert_int_equal(cjm_result_value(r, "payback_step", &step), CJM_OK);
    assert_int_equal(cjm_result_value(r, "share_paid_back", &share), CJM_OK);
    csv_exact(f, "payback", "step", step);
    csv_exact(f, "payback", "share_paid_back", share);
    for (int i = 0; i < cjm_result_series_length(r, "breakdown"); i++) {
        cjm_value v = series_item(r, "breakdown", i);
        snprintf(metric, sizeof metric, "breakdown_%s", v.label);
        csv_value(f, metric, v.name, &v);
    }
}

/* The loyalty program's rows: its figures, by class, by step and tier. */
static void loyalty_csv(const cjm_result *r, FILE *f)
{
    static const char *const classes[] = {"loyalty_class_customers",    "loyalty_class_revenue",
                                          "loyalty_class_gross_margin", "loyalty_class_ltv",
                                          "loyalty_class_ltv_margin",   "loyalty_class_retained",
                                          "loyalty_class_purchases"};
    char key[16], metric[96];
    for (int i = 0; i < cjm_result_series_length(r, "loyalty"); i++) {
        cjm_value v = series_item(r, "loyalty", i);
        csv_value(f, "loyalty", v.name, &v);
    }
    int n = cjm_result_series_length(r, "loyalty_class_customers");
    for (int c = 0; c < n; c++)
        for (size_t k = 0; k < sizeof classes / sizeof *classes; k++) {
            cjm_value v = series_item(r, classes[k], c);
            csv_value(f, classes[k], v.name, &v);
        }
    int steps = cjm_result_series_length(r, "loyalty_members");
    for (int t = 0; t < steps; t++) {
        cjm_value v = series_item(r, "loyalty_members", t);
        snprintf(key, sizeof key, "%d", t);
        csv_value(f, "loyalty_members", key, &v);
        for (int k = 0; k < n - 1; k++) {
            cjm_value s = series_item(r, "loyalty_tier_share", k * steps + t);
            snprintf(metric, sizeof metric, "loyalty_tier_share_%s", s.name);
            csv_value(f, metric, key, &s);
        }
    }
}

/* cjm_report_run's CSV: every metric, the funnel, retention, by arrival. */
static char *run_csv(const cjm_result *r)
{
    text t;
    text_open(&t);
    settings_block(t.f, cjm_result_model(r), cjm_result_settings(r));
    fputs("metric,key,mean,se,ci95_lo,ci95_hi,p5,p50,p95\n", t.f);
    for (int i = 0; i < cjm_metric_count(); i++) {
        cjm_value v;
        assert_int_equal(cjm_result_metric(r, i, &v), CJM_OK);
        csv_value(t.f, cjm_metric_name(i), "", &v);
    }
    for (int s = 0; s < cjm_result_series_length(r, "funnel"); s++) {
        cjm_value v = series_item(r, "funnel", s);
        csv_value(t.f, "funnel", v.name, &v);
    }
    char key[16];
    for (int k = 0; k < cjm_result_series_length(r, "retention"); k++) {
        cjm_value v = series_item(r, "retention", k);
        snprintf(key, sizeof key, "%d", k);
        csv_value(t.f, "retention", key, &v);
    }
    for (int a = 0; a < cjm_result_series_length(r, "arrived"); a++) {
        cjm_value n = series_item(r, "arrived", a), c = series_item(r, "arrival_conversion", a);
        snprintf(key, sizeof key, "%d", a);
        csv_value(t.f, "arrived", key, &n);
        csv_value(t.f, "arrival_conversion", key, &c);
    }
    static const char *const sources[] = {"by_source_prospects",  "by_source_converted",
                                          "by_source_conversion", "by_source_revenue",
                                          "by_source_ltv",        "by_source_cac"};
    for (size_t k = 0; k < sizeof sources / sizeof *sources; k++)
        for (int src = 0; src < cjm_result_series_length(r, sources[k]); src++) {
            cjm_value v = series_item(r, sources[k], src);
            csv_value(t.f, sources[k], v.name, &v);
        }
    cashflow_csv(r, t.f);
    loyalty_csv(r, t.f);
    return text_close(&t);
}

/* cjm_report_runs_csv: each run's draws and metrics. */
static char *runs_csv(const cjm_result *r)
{
    const cjm_model *m = cjm_result_model(r);
    int inputs = cjm_model_count(m, "uncertain");
    text t;
    text_open(&t);
    settings_block(t.f, m, cjm_result_settings(r));
    fputs("run", t.f);
    for (int u = 0; u < inputs; u++) fprintf(t.f, ",%s", cjm_model_item(m, "uncertain", u));
    for (int i = 0; i < cjm_metric_count(); i++) fprintf(t.f, ",%s", cjm_metric_name(i));
    fputc('\n', t.f);
    for (int run = 0; run < cjm_result_settings(r).runs; run++) {
        fprintf(t.f, "%d", run + 1);
        for (int u = 0; u < inputs; u++) csv_number(t.f, cjm_result_run_input(r, run, u));
        for (int i = 0; i < cjm_metric_count(); i++)
            csv_number(t.f, cjm_result_run_metric(r, run, i));
        fputc('\n', t.f);
    }
    return text_close(&t);
}

static char *writer_run(const cjm_result *r, int runs_file)
{
    text t;
    cjm_error err;
    text_open(&t);
    cjm_status st = runs_file ? cjm_report_runs_csv(r, t.f, &err)
                              : cjm_report_run(r, CJM_FORMAT_CSV, t.f, &err);
    assert_int_equal(st, CJM_OK);
    return text_close(&t);
}

/* Arrivals at every step, referrals, segments and an uncertain input. */
static const char arrivals_lua[] =
    "return cjm.scenario {\n"
    "  name = 'arrivals', horizon = 12,\n"
    "  cohort = { size = 300, cost_per_prospect = cjm.uniform(1, 3),\n"
    "    arrivals = function(t) return 40 + 5 * t end },\n"
    "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
    "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = 40, cost = 2 },\n"
    "             { 'fan', refers = 0.1, referral_cost = 10, refers_to = 'lead' },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = { lead = { buyer = { x = 0.1, y = 0.05 }, lost = 0.05 },\n"
    "                  buyer = { fan = 0.3, lost = 0.1 }, fan = { lost = 0.15 } },\n"
    "}\n";

static void check_variant_csv(const char *path, const char *variant, cjm_engine_kind engine,
                              int runs, int64_t customers)
{
    cjm_model *m = NULL;
    cjm_error err;
    cjm_load_options o = {.variant = variant};
    if (strcmp(path, "arrivals") == 0) {
        if (cjm_model_load_buffer(path, arrivals_lua, sizeof arrivals_lua - 1, NULL, &m, &err))
            fail_msg("%s", err.msg);
    } else {
        m = load(path, variant ? &o : NULL);
    }
    cjm_settings s = cjm_settings_default();
    s.engine = engine;
    s.runs = runs;
    s.customers = customers;
    s.threads = 2;
    cjm_result *r = run(m, &s);
    char *want = writer_run(r, 0), *got = run_csv(r);
    assert_same_text(path, want, got);
    free(want), free(got);
    want = writer_run(r, 1), got = runs_csv(r);
    assert_same_text(path, want, got);
    free(want), free(got);
    cjm_result_free(&r);
    cjm_model_free(&m);
}

/* Sampled (agent, cohort), exact with uncertain inputs (many runs) and an
 * exact point; arrivals, referrals, segments, uncertain inputs. */
static void check_run_csv(const char *path, cjm_engine_kind engine, int runs, int64_t customers)
{
    check_variant_csv(path, NULL, engine, runs, customers);
}

static void test_run_csv(void **state)
{
    (void)state;
    check_variant_csv(EXAMPLES "coffee_shop.lua", "program", CJM_ENGINE_AGENT, 6, 800);
    check_run_csv(EXAMPLES "pram_online.lua", CJM_ENGINE_AGENT, 7, 3000);
    check_run_csv("arrivals", CJM_ENGINE_AGENT, 8, 0);
    check_run_csv(EXAMPLES "online_school.lua", CJM_ENGINE_AGENT, 5, 2000);
    check_run_csv(EXAMPLES "online_school.lua", CJM_ENGINE_EXACT, 9, 0);
    check_run_csv(EXAMPLES "online_school.lua", CJM_ENGINE_COHORT, 6, 0);
    check_run_csv(EXAMPLES "beauty_clinic.lua", CJM_ENGINE_EXACT, 1, 0);
    check_run_csv(SCN "issue_example.lua", CJM_ENGINE_AGENT, 1, 500); /* one run: no se */
}

/* A comparison's CSV: one row per (arm, metric), roi and P(profit up). */
static char *comparison_csv(const cjm_comparison *c)
{
    text t;
    text_open(&t);
    const cjm_result *base = cjm_comparison_arm_result(c, 0);
    settings_block(t.f, cjm_result_model(base), cjm_result_settings(base));
    fputs("role,arm,metric,mean,se,ci95_lo,ci95_hi,delta_mean,delta_se,delta_ci95_lo,"
          "delta_ci95_hi\n",
          t.f);
    for (int a = 0; a < cjm_comparison_arm_count(c); a++) {
        const char *role = cjm_comparison_arm_role(c, a), *name = cjm_comparison_arm_name(c, a);
        const cjm_result *r = cjm_comparison_arm_result(c, a);
        for (int i = 0; i < cjm_metric_count(); i++) {
            cjm_value v, d;
            assert_int_equal(cjm_result_metric(r, i, &v), CJM_OK);
            assert_int_equal(cjm_comparison_delta(c, a, i, &d), CJM_OK);
            fprintf(t.f, "%s,%s,%s", role, name, cjm_metric_name(i));
            const double x[] = {v.mean, v.se, v.lo, v.hi, d.mean, d.se, d.lo, d.hi};
            for (size_t k = 0; k < sizeof x / sizeof *x; k++) csv_number(t.f, x[k]);
            fputc('\n', t.f);
        }
        if (a == 0) continue;
        static const char *const named[] = {"roi", "p_profit_up"};
        for (int k = 0; k < 2; k++) {
            double x;
            assert_int_equal(cjm_comparison_arm_value(c, a, named[k], &x), CJM_OK);
            fprintf(t.f, "%s,%s,%s,,,,", role, name, named[k]);
            csv_number(t.f, x);
            fputs(",,,\n", t.f);
        }
    }
    return text_close(&t);
}

static void check_comparison(const cjm_comparison *c, const char *what)
{
    text t;
    cjm_error err;
    text_open(&t);
    assert_int_equal(cjm_report_comparison(c, CJM_FORMAT_CSV, t.f, &err), CJM_OK);
    char *want = text_close(&t), *got = comparison_csv(c);
    assert_same_text(what, want, got);
    free(want), free(got);
}

static void test_comparison_csv(void **state)
{
    (void)state;
    cjm_settings s = cjm_settings_default();
    s.runs = 5;
    s.customers = 2000;
    cjm_load_options base = {0};
    cjm_comparison *c = NULL;
    cjm_error err;
    const char *path = EXAMPLES "online_school.lua";
    assert_int_equal(cjm_compare_variants(path, &base, NULL, 0, &s, &c, &err), CJM_OK);
    check_comparison(c, "variants");
    assert_string_equal(cjm_comparison_arm_role(c, 0), "baseline");
    assert_string_equal(cjm_comparison_arm_name(c, 0), "baseline");
    assert_string_equal(cjm_comparison_arm_role(c, 1), "variant");
    cjm_model *m = load(path, NULL);
    assert_int_equal(cjm_comparison_arm_count(c), 1 + cjm_model_count(m, "variants"));
    cjm_model_free(&m);
    double x;
    assert_int_equal(cjm_comparison_arm_value(c, 0, "roi", &x), CJM_OK);
    assert_true(isnan(x));
    assert_int_equal(cjm_comparison_arm_value(c, 1, "nope", &x), CJM_EUSAGE);
    assert_null(cjm_comparison_arm_result(c, cjm_comparison_arm_count(c)));
    assert_int_equal(cjm_comparison_arm_fix_count(c, -1), -1);
    cjm_comparison_free(&c);
    assert_int_equal(cjm_compare_fixes(path, &base, &s, &c, &err), CJM_OK);
    check_comparison(c, "fixes");
    int last = cjm_comparison_arm_count(c) - 1;
    assert_string_equal(cjm_comparison_arm_role(c, 1), "fix");
    assert_int_equal(cjm_comparison_arm_fix_count(c, 1), 1);
    assert_string_equal(cjm_comparison_arm_fix(c, 1, 0), cjm_comparison_arm_name(c, 1));
    if (strcmp(cjm_comparison_arm_role(c, last), "best") == 0)
        assert_true(cjm_comparison_arm_fix_count(c, last) >= 1);
    cjm_comparison_free(&c);
}

/* ---- sensitivity analyses ---- */

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

static void csv_field(FILE *f, double v, int first)
{
    if (!first) fputc(',', f);
    if (isfinite(v)) fprintf(f, "%.12g", v == 0 ? 0.0 : v);
}

static char *sweep_csv(const cjm_sensitivity *x)
{
    static const char *const fields[] = {"mean", "se", "ci95_lo", "ci95_hi", "p5", "p50", "p95"};
    int np = cjm_sensitivity_param_count(x);
    text t;
    text_open(&t);
    settings_block(t.f, cjm_sensitivity_model(x), cjm_sensitivity_settings(x));
    for (int j = 0; j < np; j++) csv_text(t.f, cjm_sensitivity_param_path(x, j), j == 0);
    for (int k = 0; k < cjm_metric_count(); k++)
        for (int q = 0; q < 7; q++) fprintf(t.f, ",%s_%s", cjm_metric_name(k), fields[q]);
    fputs(",error\n", t.f);
    for (int i = 0; i < cjm_sensitivity_point_count(x); i++) {
        const char *error = cjm_sensitivity_point_error(x, i);
        for (int j = 0; j < np; j++) csv_field(t.f, cjm_sensitivity_point_param(x, i, j), j == 0);
        for (int k = 0; k < cjm_metric_count(); k++) {
            const double none = (double)NAN;
            cjm_value v = {.mean = none, .se = none, .lo = none, .hi = none};
            v.p5 = v.p50 = v.p95 = none;
            if (!error) assert_int_equal(cjm_sensitivity_point_metric(x, i, k, &v), CJM_OK);
            const double q[] = {v.defined ? v.mean : none, v.se, v.lo, v.hi, v.p5, v.p50, v.p95};
            for (int n = 0; n < 7; n++) csv_field(t.f, q[n], 0);
        }
        csv_text(t.f, error, 0);
        fputc('\n', t.f);
    }
    return text_close(&t);
}

static double row(const cjm_sensitivity *x, int i, const char *name)
{
    double v;
    if (cjm_sensitivity_row_value(x, i, name, &v) != CJM_OK) fail_msg("row %d: no %s", i, name);
    return v;
}

static char *rows_csv(const cjm_sensitivity *x)
{
    static const char *const tornado[] = {"value",       "low",   "high", "metric_low",
                                          "metric_high", "swing", NULL};
    static const char *const morris[] = {"mu_star", "mu", "sigma", "low", "high", NULL};
    static const char *const sobol[] = {"S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi", NULL};
    const char *kind = cjm_sensitivity_kind(x);
    int is_tornado = strcmp(kind, "tornado") == 0;
    const char *const *names = is_tornado ? tornado : strcmp(kind, "morris") == 0 ? morris : sobol;
    text t;
    text_open(&t);
    settings_block(t.f, cjm_sensitivity_model(x), cjm_sensitivity_settings(x));
    fputs(is_tornado ? "path,value,low,high,metric_low,metric_high,swing,error\n"
          : strcmp(kind, "morris") == 0
              ? "path,mu_star,mu,sigma,low,high\n"
              : "path,S1,S1_ci95_lo,S1_ci95_hi,ST,ST_ci95_lo,ST_ci95_hi\n",
          t.f);
    for (int i = 0; i < cjm_sensitivity_row_count(x); i++) {
        csv_text(t.f, cjm_sensitivity_row_path(x, i), 1);
        for (int q = 0; names[q]; q++) csv_field(t.f, row(x, i, names[q]), 0);
        if (is_tornado) csv_text(t.f, cjm_sensitivity_row_error(x, i), 0);
        fputc('\n', t.f);
    }
    return text_close(&t);
}

static void check_sensitivity(const cjm_sensitivity *x)
{
    text t;
    cjm_error err;
    text_open(&t);
    assert_int_equal(cjm_report_sensitivity(x, CJM_FORMAT_CSV, t.f, &err), CJM_OK);
    char *want = text_close(&t);
    char *got = strcmp(cjm_sensitivity_kind(x), "sweep") == 0 ? sweep_csv(x) : rows_csv(x);
    assert_same_text(cjm_sensitivity_kind(x), want, got);
    free(want), free(got);
}

static void test_sensitivity_csv(void **state)
{
    (void)state;
    const char *path = EXAMPLES "beauty_clinic.lua";
    cjm_load_options base = {0};
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_sens_param grid = {.path = "transitions.consult.client", .lo = 0.3, .hi = 0.6, .steps = 4};
    cjm_sens_options o = {.params = &grid, .param_count = 1};
    cjm_sensitivity *x = NULL;
    cjm_error err;
    double v;
    assert_int_equal(cjm_sweep(path, &base, &s, &o, &x, &err), CJM_OK);
    check_sensitivity(x);
    assert_string_equal(cjm_sensitivity_kind(x), "sweep");
    assert_int_equal(cjm_sensitivity_metric(x), -1);
    assert_int_equal(cjm_sensitivity_point_count(x), 4);
    assert_int_equal(cjm_sensitivity_row_count(x), 0);
    assert_near(cjm_sensitivity_point_param(x, 3, 0), 0.6);
    assert_int_equal(cjm_sensitivity_value(x, "evaluations", &v), CJM_OK);
    assert_near(v, 4);
    assert_int_equal(cjm_sensitivity_value(x, "pinned", &v), CJM_EUSAGE);
    assert_string_equal(cjm_sensitivity_precision(x).metric, "");
    assert_string_equal(cjm_model_name(cjm_sensitivity_model(x)),
                        "Beauty clinic: from first ad to regular client");
    assert_int_equal(cjm_sensitivity_settings(x).engine, CJM_ENGINE_EXACT);
    cjm_sensitivity_free(&x);

    cjm_sens_options none = {0};
    assert_int_equal(cjm_tornado(path, &base, &s, &none, &x, &err), CJM_OK);
    check_sensitivity(x);
    assert_int_equal(cjm_sensitivity_metric(x), cjm_metric_find("profit"));
    assert_int_equal(cjm_sensitivity_value(x, "relative_swing", &v), CJM_OK);
    assert_near(v, 0.2);
    assert_int_equal(cjm_sensitivity_value(x, "baseline", &v), CJM_OK);
    assert_int_equal(cjm_sensitivity_row_value(x, 0, "mu", &v), CJM_EUSAGE); /* morris's */
    assert_int_equal(cjm_sensitivity_row_value(x, 0, "uncertain", &v), CJM_OK);
    assert_null(cjm_sensitivity_row_path(x, cjm_sensitivity_row_count(x)));
    cjm_sensitivity_free(&x);

    path = EXAMPLES "online_school.lua"; /* uncertain inputs: what Morris and Sobol move */
    cjm_sens_options morris = {.trajectories = 3};
    if (cjm_morris(path, &base, &s, &morris, &x, &err) != CJM_OK) fail_msg("%s", err.msg);
    check_sensitivity(x);
    assert_int_equal(cjm_sensitivity_value(x, "trajectories", &v), CJM_OK);
    assert_near(v, 3);
    assert_int_equal(cjm_sensitivity_value(x, "pinned", &v), CJM_OK);
    cjm_sensitivity_free(&x);

    cjm_sens_options sobol = {.samples = 64, .bootstrap = 50};
    if (cjm_sobol(path, &base, &s, &sobol, &x, &err) != CJM_OK) fail_msg("%s", err.msg);
    check_sensitivity(x);
    assert_int_equal(cjm_sensitivity_value(x, "samples", &v), CJM_OK);
    assert_near(v, 64);
    assert_int_equal(cjm_sensitivity_value(x, "levels", &v), CJM_EUSAGE);
    cjm_sensitivity_free(&x);
}

/* A sweep to a precision: the outcome is read back. */
static void test_sweep_precision(void **state)
{
    (void)state;
    cjm_load_options base = {0};
    cjm_settings s = cjm_settings_default();
    s.runs = 4;
    s.customers = 1000;
    cjm_sens_param grid = {.path = "transitions.a.b", .lo = 0.2, .hi = 0.4, .steps = 2};
    cjm_sens_options o = {.params = &grid, .param_count = 1};
    snprintf(o.precision.metric, sizeof o.precision.metric, "conversion");
    o.precision.rel = 0.05;
    o.precision.max_runs = 64;
    cjm_sensitivity *x = NULL;
    cjm_error err;
    if (cjm_sweep(SCN "two_stage.lua", &base, &s, &o, &x, &err) != CJM_OK) fail_msg("%s", err.msg);
    check_sensitivity(x);
    cjm_precision p = cjm_sensitivity_precision(x);
    assert_string_equal(p.metric, "conversion");
    assert_true(p.runs >= 4 && p.runs <= 64);
    assert_int_equal(cjm_sensitivity_settings(x).runs, p.runs);
    cjm_sensitivity_free(&x);
}

/* ---- threads: one model run from several at once ---- */

typedef struct job {
    const cjm_model *m;
    char *csv;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    cjm_settings s = cjm_settings_default();
    s.runs = 4;
    s.customers = 5000;
    s.threads = 1;
    cjm_result *r = NULL;
    cjm_error err;
    if (cjm_run(j->m, &s, &r, &err) != CJM_OK) return NULL;
    j->csv = run_csv(r);
    cjm_result_free(&r);
    return NULL;
}

static void test_threads_share_a_model(void **state)
{
    (void)state;
    cjm_model *m = load(EXAMPLES "beauty_clinic.lua", NULL);
    job serial = {m, NULL}, jobs[3];
    run_job(&serial);
    assert_non_null(serial.csv);
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        jobs[i] = (job){m, NULL};
        assert_int_equal(pthread_create(&t[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_non_null(jobs[i].csv);
        assert_string_equal(jobs[i].csv, serial.csv);
        free(jobs[i].csv);
    }
    free(serial.csv);
    cjm_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_by_hand),
        cmocka_unit_test(test_model_lists),
        cmocka_unit_test(test_run_csv),
        cmocka_unit_test(test_comparison_csv),
        cmocka_unit_test(test_sensitivity_csv),
        cmocka_unit_test(test_sweep_precision),
        cmocka_unit_test(test_threads_share_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
