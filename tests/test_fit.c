/* Fitting from data: the CSV reader, the optimiser, and the sBG and BG/NBD
 * fits against their published values.
 *
 * Published references:
 *  - Fader & Hardie (2007), "How to Project Customer Retention", J.
 *    Interactive Marketing 21(1): Table 1's survivors (tests/data/sbg_*.csv),
 *    fitted on years 1-7: regular alpha 0.704, beta 1.182, LL -1680.3; high
 *    end alpha 0.668, beta 3.806, LL -1611.2.
 *  - Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way",
 *    Marketing Science 24(2): the CDNOW sample of 2357 customers
 *    (../shared/data/cdnow_customers_summary.csv): r 0.243, alpha 4.414,
 *    a 0.793, b 2.426, LL -9582.4.
 * Each is compared to the digits printed (|got - published| <= half a unit
 * of the last digit): nothing here is statistical. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "csv.h"
#include "optimize.h"
#include "testutil.h"

#define DATA CJM_SOURCE_DIR "/tests/data/"
#define CDNOW CJM_SOURCE_DIR "/../shared/data/cdnow_customers_summary.csv"

/* |got - want| <= half a unit in the last of `decimals` printed decimals. */
static void check_printed(const char *what, double got, double want, int decimals)
{
    double half = 0.5 * pow(10, -decimals);
    if (!(fabs(got - want) <= half))
        fail_msg("%s: got %.6f, published %.*f", what, got, decimals, want);
}

/* ---- the CSV reader ---- */

static cjm_csv *parse_ok(const char *text)
{
    cjm_csv *t = NULL;
    cjm_error err = {0};
    if (cjm_csv_parse("t.csv", text, strlen(text), 0, &t, &err) != CJM_OK)
        fail_msg("'%s': %s", text, err.msg);
    return t;
}

static void test_csv_basics(void **state)
{
    (void)state;
    /* a BOM, CRLF, a quoted field with the separator, a doubled quote and a
     * line break, a blank line, no final newline */
    cjm_csv *t = parse_ok("\xef\xbb\xbf"
                          "a, b ,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n\r\n2,\"two\nlines\",3");
    assert_int_equal(t->cols, 3);
    assert_int_equal(t->rows, 2);
    assert_string_equal(t->header[1], "b");
    assert_int_equal(cjm_csv_find(t, "c"), 2);
    assert_int_equal(cjm_csv_find(t, "d"), -1);
    assert_string_equal(cjm_csv_cell(t, 0, 1), "x,y");
    assert_string_equal(cjm_csv_cell(t, 0, 2), "say \"hi\"");
    assert_string_equal(cjm_csv_cell(t, 1, 1), "two\nlines");
    assert_string_equal(cjm_csv_cell(t, 1, 2), "3");
    assert_int_equal(t->line[2 * 3 + 1], 4); /* the quoted field starts on line 4 */
    assert_int_equal(t->line[2 * 3 + 2], 5); /* the field after its line break */
    double v;
    cjm_error err;
    assert_int_equal(cjm_csv_number(t, 1, 0, &v, &err), CJM_OK);
    assert_true(v == 2);
    assert_int_equal(cjm_csv_number(t, 0, 1, &v, &err), CJM_ESCENARIO);
    assert_string_equal(err.msg, "t.csv:2:3: column 'b': expected a number, got 'x,y'");
    cjm_csv_free(&t);
    assert_null(t);
    /* a separator at the very end of a buffer with no NUL after it (found by
     * tools/fuzz csv: the next field's first byte was read past the end) */
    char *exact = malloc(6);
    memcpy(exact, "a,b\n1,", 6);
    cjm_error e2;
    assert_int_equal(cjm_csv_parse("t.csv", exact, 6, 0, &t, &e2), CJM_OK);
    assert_int_equal(t->rows, 1);
    assert_string_equal(cjm_csv_cell(t, 0, 1), "");
    cjm_csv_free(&t);
    free(exact);
    /* ';' is chosen when the header has it and no ',' */
    t = parse_ok("path;n\na > b;2,5\n");
    assert_int_equal(t->cols, 2);
    assert_string_equal(cjm_csv_cell(t, 0, 1), "2,5");
    cjm_csv_free(&t);
}

static void test_csv_errors(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"", "t.csv: no header line (the file is empty)"},
        {"a,b\n1,2,3\n", "t.csv:2: 3 fields, expected 2 as in the header (separator ',')"},
        {"a,b\n1\n", "t.csv:2: 1 field, expected 2 as in the header (separator ',')"},
        {"a,b\n1,\"2\n", "t.csv:2:3: a quoted field is never closed (a '\"' is missing)"},
        {"a,b\n1,\"2\"x\n", "t.csv:2:6: 'x' after a closing quote (expected ',' or the end of "
                            "the line)"},
        {"a,b\n1,2\"\n", "t.csv:2:4: a '\"' inside an unquoted field (quote the whole field and "
                         "double the quote)"},
        {"a,a\n1,2\n", "t.csv:1:3: column 'a' appears twice"},
        {"a,\n1,2\n", "t.csv:1:3: an empty column name"},
        {"a,b\n1,2\r3,4\n", "t.csv:2:4: a carriage return not followed by a line feed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cjm_csv *t = NULL;
        cjm_error err = {0};
        cjm_status st = cjm_csv_parse("t.csv", bad[i][0], strlen(bad[i][0]), 0, &t, &err);
        if (st != CJM_ESCENARIO || strcmp(err.msg, bad[i][1]) != 0)
            fail_msg("'%s': status %d, '%s', expected '%s'", bad[i][0], st, err.msg, bad[i][1]);
        assert_null(t);
    }
    /* a NUL byte */
    cjm_csv *t = NULL;
    cjm_error err;
    assert_int_equal(cjm_csv_parse("t.csv", "a\n1\0", 4, 0, &t, &err), CJM_ESCENARIO);
    assert_string_equal(err.msg, "t.csv:2:2: a NUL byte (is this a text file?)");
    /* numbers: decimal only, finite */
    t = parse_ok("x\ninf\nnan\n0x10\n1e999\n\" 2.5 \"\n-1e-3\n\"\"\n");
    static const char *const msgs[] = {
        "t.csv:2:1: column 'x': expected a number, got 'inf'",
        "t.csv:3:1: column 'x': expected a number, got 'nan'",
        "t.csv:4:1: column 'x': expected a number, got '0x10'",
        "t.csv:5:1: column 'x': expected a number, got '1e999'",
    };
    double v;
    for (int r = 0; r < 4; r++) {
        assert_int_equal(cjm_csv_number(t, r, 0, &v, &err), CJM_ESCENARIO);
        assert_string_equal(err.msg, msgs[r]);
    }
    assert_int_equal(cjm_csv_number(t, 4, 0, &v, &err), CJM_OK);
    assert_true(v == 2.5);
    assert_int_equal(cjm_csv_number(t, 5, 0, &v, &err), CJM_OK);
    assert_true(v == -1e-3);
    assert_int_equal(cjm_csv_number(t, 6, 0, &v, &err), CJM_ESCENARIO);
    assert_string_equal(err.msg, "t.csv:8:1: column 'x': expected a number, got an empty field");
    int col;
    assert_int_equal(cjm_csv_require(t, "y", &col, &err), CJM_ESCENARIO);
    assert_string_equal(err.msg, "t.csv:1: no column 'y' (the header has: x)");
    cjm_csv_free(&t);
    assert_int_equal(cjm_csv_read("/nonexistent/x.csv", 0, &t, &err), CJM_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.csv: cannot open"));
}

/* ---- the optimiser ---- */

static double rosenbrock(const double *x, void *ctx)
{
    (void)ctx;
    return 100 * pow(x[1] - x[0] * x[0], 2) + pow(1 - x[0], 2);
}

/* f(x) = 1/2 (x - m)' A (x - m) + exp(x0): a Hessian known exactly. */
static double quad_exp(const double *x, void *ctx)
{
    (void)ctx;
    double d0 = x[0] - 1, d1 = x[1] + 2, d2 = x[2];
    return 0.5 * (4 * d0 * d0 + 2 * 1 * d0 * d1 + 3 * d1 * d1 + 2 * d2 * d2) + exp(x[0]);
}

static void test_optimizer(void **state)
{
    (void)state;
    double x[2] = {-1.2, 1};
    double v = cjm_minimize(rosenbrock, NULL, 2, x, 0.5, 100000);
    assert_true(v < 1e-18);
    assert_true(fabs(x[0] - 1) < 1e-8 && fabs(x[1] - 1) < 1e-8);
    /* the Hessian at (0.5, -1, 2): [[4 + e^0.5, 1, 0], [1, 3, 0], [0, 0, 2]] */
    double p[3] = {0.5, -1, 2}, H[9], inv[9];
    assert_int_equal(cjm_hessian(quad_exp, NULL, 3, p, 1e-4, H), 0);
    double want[9] = {4 + exp(0.5), 1, 0, 1, 3, 0, 0, 0, 2};
    for (int i = 0; i < 9; i++)
        if (!(fabs(H[i] - want[i]) < 1e-6)) fail_msg("H[%d] = %.12g, want %.12g", i, H[i], want[i]);
    /* its inverse: A^-1 of the 2x2 block by the cofactor formula, 1/2 */
    assert_int_equal(cjm_spd_inverse(3, want, inv), 0);
    double det = want[0] * 3 - 1;
    double winv[9] = {3 / det, -1 / det, 0, -1 / det, want[0] / det, 0, 0, 0, 0.5};
    for (int i = 0; i < 9; i++)
        if (!(fabs(inv[i] - winv[i]) < 1e-15))
            fail_msg("inv[%d] = %.17g, want %.17g", i, inv[i], winv[i]);
    double notpd[4] = {1, 2, 2, 1};
    assert_int_equal(cjm_spd_inverse(2, notpd, inv), -1);
    /* not finite at the start */
    double bad[2] = {NAN, 0};
    assert_true(isnan(cjm_minimize(rosenbrock, NULL, 2, bad, 0.5, 1000)));
}

/* ---- the fits ---- */

static cjm_fit *fit(cjm_status (*fn)(const char *, const cjm_fit_options *, cjm_fit **,
                                     cjm_error *),
                    const char *path, int periods)
{
    cjm_fit_options o = {.periods = periods};
    cjm_fit *f = NULL;
    cjm_error err = {0};
    if (fn(path, &o, &f, &err) != CJM_OK) fail_msg("%s: %s", path, err.msg);
    return f;
}

static void test_sbg_published(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        double alpha, beta, ll;
    } cases[] = {
        {DATA "sbg_regular.csv", 0.704, 1.182, -1680.3},
        {DATA "sbg_highend.csv", 0.668, 3.806, -1611.2},
    };
    for (size_t i = 0; i < 2; i++) {
        cjm_fit *f = fit(cjm_fit_sbg, cases[i].file, 7);
        assert_string_equal(cjm_fit_model(f), "sbg");
        assert_int_equal(cjm_fit_param_count(f), 2);
        assert_int_equal(cjm_fit_observations(f), 1000);
        cjm_fit_param a = cjm_fit_param_at(f, 0), b = cjm_fit_param_at(f, 1);
        assert_string_equal(a.name, "alpha");
        assert_string_equal(b.name, "beta");
        check_printed(cases[i].file, a.estimate, cases[i].alpha, 3);
        check_printed(cases[i].file, b.estimate, cases[i].beta, 3);
        check_printed(cases[i].file, cjm_fit_loglik(f), cases[i].ll, 1);
        /* the interval brackets the estimate; se > 0 */
        assert_true(a.se > 0 && a.lo < a.estimate && a.estimate < a.hi);
        assert_true(b.se > 0 && b.lo < b.estimate && b.estimate < b.hi);
        assert_null(cjm_fit_param_at(f, 2).name);
        assert_non_null(strstr(cjm_fit_fragment(f), "cjm.per_customer(cjm.beta("));
        cjm_fit_free(&f);
        assert_null(f);
    }
}

/* The standard errors are those of the observed information: for the sBG
 * with two parameters, the likelihood-ratio statistic at the estimate moved
 * by one standard error along a coordinate of the log scale, the other
 * parameter at its profile maximum, is 1 to second order. Checked by
 * refitting with the survival table's counts and the closed-form
 * log-likelihood: a profile over beta at log alpha +- se_log(alpha). (The
 * third-order term is about 0.03 on each side here, opposite in sign.) */
typedef struct profile_ctx {
    const double *alive;
    int periods;
    double log_alpha;
} profile_ctx;

static double sbg_ll(double a, double b, const double *alive, int periods)
{
    double lab = lgamma(a) + lgamma(b) - lgamma(a + b), ll = 0;
    for (int t = 1; t <= periods; t++)
        ll += (alive[t - 1] - alive[t]) *
              (lgamma(a + 1) + lgamma(b + t - 1) - lgamma(a + b + t) - lab);
    ll += alive[periods] * (lgamma(a) + lgamma(b + periods) - lgamma(a + b + periods) - lab);
    return ll;
}

static double profile_nll(const double *x, void *ctx)
{
    const profile_ctx *p = ctx;
    return -sbg_ll(exp(p->log_alpha), exp(x[0]), p->alive, p->periods);
}

static void test_sbg_standard_errors(void **state)
{
    (void)state;
    static const double alive[] = {1000, 631, 468, 382, 326, 289, 262, 241};
    cjm_fit *f = fit(cjm_fit_sbg, DATA "sbg_regular.csv", 7);
    cjm_fit_param a = cjm_fit_param_at(f, 0);
    double se_log = a.se / a.estimate, llmax = cjm_fit_loglik(f), lr[2];
    for (int s = 0; s < 2; s++) {
        profile_ctx p = {alive, 7, log(a.estimate) + (s ? se_log : -se_log)};
        double x[1] = {0};
        lr[s] = 2 * (llmax + cjm_minimize(profile_nll, &p, 1, x, 0.5, 100000));
    }
    /* the third-order term, opposite on the two sides, cancels in the mean */
    if (!(fabs(lr[0] - 1) < 0.05 && fabs(lr[1] - 1) < 0.05 && fabs((lr[0] + lr[1]) / 2 - 1) < 1e-3))
        fail_msg("LR at -se %.6f, at +se %.6f: expected 1 (their mean to 1e-3)", lr[0], lr[1]);
    /* the interval is exp(log estimate +- 1.959964 se_log) */
    double z = 1.959963984540054;
    assert_true(fabs(a.lo - a.estimate * exp(-z * se_log)) < 1e-12);
    assert_true(fabs(a.hi - a.estimate * exp(z * se_log)) < 1e-12);
    cjm_fit_free(&f);
}

/* The same customers one row each (tenure, churned) give the same fit. */
static void test_sbg_per_customer(void **state)
{
    (void)state;
    static const int alive[] = {1000, 631, 468, 382, 326, 289, 262, 241};
    char *path = tu_write_temp("");
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    fputs("customer,tenure,churned\n", out);
    int id = 0;
    for (int t = 1; t <= 7; t++)
        for (int k = 0; k < alive[t - 1] - alive[t]; k++) fprintf(out, "%d,%d,1\n", ++id, t);
    for (int k = 0; k < alive[7]; k++) fprintf(out, "%d,7,0\n", ++id);
    fclose(out);
    cjm_fit *f = fit(cjm_fit_sbg, path, 0), *g = fit(cjm_fit_sbg, DATA "sbg_regular.csv", 7);
    assert_int_equal(cjm_fit_observations(f), 1000);
    for (int i = 0; i < 2; i++) {
        double x = cjm_fit_param_at(f, i).estimate, y = cjm_fit_param_at(g, i).estimate;
        if (!(fabs(x - y) < 1e-7 * y)) fail_msg("param %d: %.10g vs %.10g", i, x, y);
    }
    assert_true(fabs(cjm_fit_loglik(f) - cjm_fit_loglik(g)) < 1e-8);
    cjm_fit_free(&f);
    cjm_fit_free(&g);
    remove(path);
    free(path);
}

static void test_bgnbd_cdnow(void **state)
{
    (void)state;
    cjm_fit *f = fit(cjm_fit_bgnbd, CDNOW, 0);
    assert_string_equal(cjm_fit_model(f), "bgnbd");
    assert_int_equal(cjm_fit_observations(f), 2357);
    static const char *const names[] = {"r", "alpha", "a", "b"};
    static const double published[] = {0.243, 4.414, 0.793, 2.426};
    for (int i = 0; i < 4; i++) {
        cjm_fit_param p = cjm_fit_param_at(f, i);
        assert_string_equal(p.name, names[i]);
        check_printed(names[i], p.estimate, published[i], 3);
        assert_true(p.se > 0 && p.lo < p.estimate && p.estimate < p.hi);
    }
    check_printed("LL", cjm_fit_loglik(f), -9582.4, 1);
    cjm_fit_free(&f);
}

/* Bad data: one line with the file, line and column; exit status 1. */
static void test_fit_bad_data(void **state)
{
    (void)state;
    static const char *const bad[][3] = {
        {"sbg", "t,alive\n0,1000\n1,abc\n", ":3:3: column 'alive': expected a number, got 'abc'"},
        {"sbg", "t,alive\n0,1000\n2,900\n", ":3:1: column 't': expected t = 1"},
        {"sbg", "t,alive\n0,1000\n1,1100\n",
         ":3:3: column 'alive': 1100 alive at t = 1, more "
         "than the 1000 at t = 0"},
        {"sbg", "t,alive\n0,1000\n", ": the survival table needs t = 0 and t = 1 at least"},
        {"sbg", "when,who\n1,2\n",
         ":1: expected columns t,alive (a survival table) or "
         "tenure,churned"},
        {"sbg", "tenure,churned\n0,1\n",
         ":2:1: column 'tenure': expected a whole number of "
         "periods from 1 to"},
        {"sbg", "tenure,churned\n3,2\n", ":2:3: column 'churned': expected 0 or 1, got 2"},
        {"bgnbd", "frequency,recency\n1,2\n",
         ":1: no column 'T' (the header has: frequency, "
         "recency)"},
        {"bgnbd", "frequency,recency,T\n1,5,4\n",
         ":2:3: column 'recency': expected a recency "
         "from 0 to T = 4, got 5"},
        {"bgnbd", "frequency,recency,T\n1.5,1,4\n",
         ":2:1: column 'frequency': expected a whole "
         "number of repeat purchases >= 0, got 1.5"},
        {"bgnbd", "frequency,recency,T\n0,0,4\n0,0,5\n",
         ": BG/NBD needs customers with repeat "
         "purchases"},
        {"bgnbd", "frequency,recency,T\r\n\"1,2,3\n", ":2:1: a quoted field is never closed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *path = tu_write_temp(bad[i][1]), args[512], *out, *err;
        snprintf(args, sizeof args, "fit %s %s", bad[i][0], path);
        int rc = tu_run_cjm(args, &out, &err);
        char want[512];
        snprintf(want, sizeof want, "cjm: %s%s", path, bad[i][2]);
        if (rc != 1 || strncmp(err, want, strlen(want)) != 0 ||
            strchr(err, '\n') != err + strlen(err) - 1 || *out)
            fail_msg("cjm %s: exit %d, stderr '%s', expected '%s...'", args, rc, err, want);
        free(out), free(err);
        remove(path);
        free(path);
    }
}

static void test_fit_cli(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(
        tu_run_cjm("fit sbg " DATA "sbg_regular.csv --periods 7 --format json", &out, &err), 0);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    if (!doc) fail_msg("JSON: %s in '%s'", je.text, out);
    assert_string_equal(json_string_value(json_object_get(doc, "fit")), "sbg");
    assert_int_equal(json_integer_value(json_object_get(doc, "observations")), 1000);
    json_t *alpha = json_object_get(json_object_get(doc, "parameters"), "alpha");
    check_printed("json alpha", json_real_value(json_object_get(alpha, "estimate")), 0.704, 3);
    assert_int_equal(json_array_size(json_object_get(alpha, "ci95")), 2);
    check_printed("json LL", json_real_value(json_object_get(doc, "log_likelihood")), -1680.3, 1);
    assert_non_null(strstr(json_string_value(json_object_get(doc, "fragment")), "lost = "));
    json_decref(doc);
    free(out), free(err);
    /* the table and CSV; the fragment alone is a Lua table field */
    assert_int_equal(tu_run_cjm("fit sbg " DATA "sbg_highend.csv --periods 7", &out, &err), 0);
    assert_non_null(strstr(out, "log-likelihood: -1611.1"));
    free(out), free(err);
    assert_int_equal(
        tu_run_cjm("fit sbg " DATA "sbg_highend.csv --periods 7 --format csv", &out, &err), 0);
    assert_non_null(strstr(out, "parameter,estimate,se,ci95_lo,ci95_hi\nalpha,0.668"));
    free(out), free(err);
    assert_int_equal(
        tu_run_cjm("fit sbg " DATA "sbg_highend.csv --periods 7 --fragment", &out, &err), 0);
    assert_non_null(strstr(out, "lost = cjm.per_customer(cjm.beta(0.668"));
    free(out), free(err);
    /* the fragment runs: pasted into a scenario, it loads */
    assert_int_equal(
        tu_run_cjm("fit sbg " DATA "sbg_regular.csv --periods 7 --fragment", &out, &err), 0);
    char lua[2048];
    snprintf(lua, sizeof lua,
             "return cjm.scenario { name = 'fitted', horizon = 12, cohort = { size = 100 },\n"
             "  stages = { { 'active', converts = true }, { 'lost', final = true } },\n"
             "  transitions = { active = {\n%s} } }\n",
             out);
    cjm_model *m = tu_load_text(lua);
    cjm_model_free(&m);
    free(out), free(err);
    /* bad usage: exit 2 */
    static const char *const usage[][2] = {
        {"fit", "fit: which model (sbg, bgnbd or paths) and data file?"},
        {"fit sbg", "fit sbg: which data file?"},
        {"fit magic x.csv", "fit: expected sbg, bgnbd or paths, got 'magic'"},
        {"fit bgnbd x.csv --periods 7", "--periods is for fit sbg"},
        {"fit sbg x.csv --periods 0", "--periods: expected a whole number from 1"},
        {"fit sbg x.csv --format dot", "--format dot draws the journey map"},
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        int rc = tu_run_cjm(usage[i][0], &out, &err);
        if (rc != 2 || !strstr(err, usage[i][1]))
            fail_msg("cjm %s: exit %d, '%s'", usage[i][0], rc, err);
        free(out), free(err);
    }
    /* --periods beyond the table */
    assert_int_equal(tu_run_cjm("fit sbg " DATA "sbg_regular.csv --periods 20", &out, &err), 1);
    assert_non_null(strstr(err, "--periods 20, but the table ends at t = 12"));
    free(out), free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_basics),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_optimizer),
        cmocka_unit_test(test_sbg_published),
        cmocka_unit_test(test_sbg_standard_errors),
        cmocka_unit_test(test_sbg_per_customer),
        cmocka_unit_test(test_bgnbd_cdnow),
        cmocka_unit_test(test_fit_bad_data),
        cmocka_unit_test(test_fit_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
