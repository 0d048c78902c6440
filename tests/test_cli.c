/* The cjm command end to end: exit codes, JSON that parses, --set, -o. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

#define SCN CJM_SOURCE_DIR "/tests/scenarios/"

static int run(const char *args, char **out, char **err)
{
    return tu_run_cjm(args, out, err);
}

static void test_help_and_version(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("--help", &out, &err), 0);
    assert_non_null(strstr(out, "usage: cjm"));
    free(out), free(err);
    assert_int_equal(run("--version", &out, &err), 0);
    assert_string_equal(out, "cjm " CJM_VERSION "\n");
    free(out), free(err);
    assert_int_equal(run("", &out, &err), 2);
    free(out), free(err);
}

/* Bad usage: exit 2 and exactly one line on stderr, nothing on stdout. */
static void test_bad_usage(void **state)
{
    (void)state;
    static const char *const bad[][2] = {
        {"frobnicate " SCN "two_stage.lua", "unknown command 'frobnicate'"},
        {"run", "which scenario file?"},
        {"run " SCN "two_stage.lua --runs 0", "--runs: expected a whole number from 1"},
        {"run " SCN "two_stage.lua --runs lots", "got 'lots'"},
        {"run " SCN "two_stage.lua --engine magic", "--engine: expected agent or exact"},
        {"run " SCN "two_stage.lua --format xml",
         "--format: expected table, json, csv, dot or mermaid"},
        {"run " SCN "two_stage.lua --bogus 1", "unknown option '--bogus'"},
        {"run " SCN "two_stage.lua --set novalue", "--set: expected PATH=VALUE"},
        {"run " SCN "two_stage.lua --seed", "--seed needs a value"},
        {"run " SCN "two_stage.lua --customers -5", "--customers: expected a whole number"},
        {"run " SCN "two_stage.lua extra.lua", "unexpected argument 'extra.lua'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out, *err;
        int rc = run(bad[i][0], &out, &err);
        if (rc != 2 || !strstr(err, bad[i][1]) || strchr(err, '\n') != err + strlen(err) - 1 ||
            *out)
            fail_msg("cjm %s: exit %d, stderr '%s'", bad[i][0], rc, err);
        free(out), free(err);
    }
}

static void test_bad_scenario_exit_1(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("run " SCN "two_stage.lua --set transitions.a.b=1.5", &out, &err), 1);
    assert_non_null(strstr(err, "two_stage.lua:12: transitions.a.b: probability 1.5 is above 1"));
    free(out), free(err);
    assert_int_equal(run("run /nonexistent.lua", &out, &err), 1);
    assert_non_null(strstr(err, "cannot open"));
    free(out), free(err);
}

static json_t *run_json(const char *args)
{
    char *out, *err;
    int rc = run(args, &out, &err);
    if (rc != 0) fail_msg("cjm %s: exit %d: %s", args, rc, err);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    if (!doc) fail_msg("cjm %s: JSON does not parse: %s (line %d)", args, jerr.text, jerr.line);
    free(out), free(err);
    return doc;
}

static double metric(json_t *doc, const char *name, const char *field)
{
    json_t *v = json_object_get(json_object_get(json_object_get(doc, "metrics"), name), field);
    if (!json_is_number(v)) fail_msg("metrics.%s.%s is not a number", name, field);
    return json_number_value(v);
}

static void test_json_schema(void **state)
{
    (void)state;
    json_t *doc = run_json("run " SCN "two_stage.lua --format json --runs 20");
    assert_string_equal(json_string_value(json_object_get(doc, "cjm")), CJM_VERSION);
    assert_int_equal(json_integer_value(json_object_get(doc, "schema")), 1);
    json_t *scn = json_object_get(doc, "scenario");
    assert_string_equal(json_string_value(json_object_get(scn, "name")), "two stages");
    assert_int_equal(strlen(json_string_value(json_object_get(scn, "sha256"))), 64);
    json_t *set = json_object_get(doc, "settings");
    assert_string_equal(json_string_value(json_object_get(set, "engine")), "agent");
    assert_int_equal(json_integer_value(json_object_get(set, "runs")), 20);
    assert_int_equal(json_integer_value(json_object_get(set, "customers")), 1000);
    assert_int_equal(json_integer_value(json_object_get(set, "horizon")), 5);
    assert_int_equal(json_integer_value(json_object_get(set, "seed")), 1);
    static const char *const names[] = {"conversion", "cac",    "ltv",      "revenue",
                                        "cost",       "profit", "converted"};
    for (size_t i = 0; i < 7; i++) {
        double mean = metric(doc, names[i], "mean"), se = metric(doc, names[i], "se");
        json_t *ci =
            json_object_get(json_object_get(json_object_get(doc, "metrics"), names[i]), "ci95");
        assert_int_equal(json_array_size(ci), 2);
        assert_true(json_number_value(json_array_get(ci, 0)) <= mean);
        assert_true(json_number_value(json_array_get(ci, 1)) >= mean);
        assert_true(se >= 0); /* LTV is exactly 10 here: every converter earns 10 */
        assert_true(metric(doc, names[i], "p5") <= metric(doc, names[i], "p95"));
    }
    assert_true(metric(doc, "conversion", "se") > 0);
    assert_true(metric(doc, "ltv", "se") == 0 && metric(doc, "ltv", "mean") == 10);
    json_t *funnel = json_object_get(doc, "funnel");
    assert_int_equal(json_array_size(funnel), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(funnel, 1), "stage")),
                        "b");
    json_t *ret = json_object_get(doc, "retention");
    assert_int_equal(json_array_size(ret), 6);
    assert_true(json_number_value(json_object_get(json_array_get(ret, 0), "mean")) == 1.0);
    json_decref(doc);
}

/* --set changes the result as the closed form says: 1 - (1 - p)^5. The JSON
 * prints 12 significant digits: a value below 1 within 5e-13 (1e-12
 * allowed), the 1937.5 converted within 5e-10 (1e-9). */
static void test_set_changes_result(void **state)
{
    (void)state;
    json_t *a = run_json("run " SCN "two_stage.lua --format json --engine exact");
    json_t *b = run_json("run " SCN "two_stage.lua --format json --engine exact "
                         "--set transitions.a.b=0.5 --set cohort.size=2000");
    assert_true(fabs(metric(a, "conversion", "mean") - (1 - pow(0.7, 5))) < 1e-12);
    assert_true(fabs(metric(b, "conversion", "mean") - (1 - pow(0.5, 5))) < 1e-12);
    assert_true(fabs(metric(b, "converted", "mean") - 2000 * (1 - pow(0.5, 5))) < 1e-9);
    json_decref(a);
    json_decref(b);
}

static void test_same_bytes(void **state)
{
    (void)state;
    char *o1, *e1, *o2, *e2;
    assert_int_equal(run("run " SCN "cycles.lua --format json --threads 1 --seed 5", &o1, &e1), 0);
    assert_int_equal(run("run " SCN "cycles.lua --format json --threads 2 --seed 5", &o2, &e2), 0);
    assert_string_equal(o1, o2);
    free(o1), free(e1), free(o2), free(e2);
}

static void test_csv(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("run " SCN "two_stage.lua --format csv --runs 10", &out, &err), 0);
    assert_true(strncmp(out, "# cjm: ", 7) == 0); /* the settings block (10 lines) first */
    char *body = strstr(out, "\nmetric,key,mean,se,ci95_lo,ci95_hi,p5,p50,p95\n");
    assert_non_null(body);
    int lines = 0;
    for (char *p = body + 1; *p; p++) lines += *p == '\n';
    /* header, metrics, funnel, retention 0..5, cash flow (7 series at t = 0..5),
     * payback (step, share), breakdown (ad spend, a's cost per step, b's revenue) */
    assert_int_equal(lines, 1 + CJM_M_COUNT + 3 + 6 + 7 * 6 + 2 + 3);
    assert_non_null(strstr(out, "\nfunnel,b,"));
    assert_non_null(strstr(out, "\ncashflow_cumulative_profit,5,"));
    assert_non_null(strstr(out, "\nbreakdown_revenue,stages.b.revenue,"));
    assert_non_null(strstr(out, "\npayback,share_paid_back,"));
    free(out), free(err);
}

/* -o writes the file and nothing to stdout; a failed run leaves it alone. */
static void test_output_file(void **state)
{
    (void)state;
    char path[] = "/tmp/cjm_cli_out_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    char args[512], *out, *err;
    snprintf(args, sizeof args, "run " SCN "two_stage.lua --format json -o %s", path);
    assert_int_equal(run(args, &out, &err), 0);
    assert_string_equal(out, "");
    free(out), free(err);
    char *first = tu_read_file(path);
    assert_non_null(strstr(first, "\"schema\": 1"));
    snprintf(args, sizeof args, "run " SCN "two_stage.lua --set transitions.a.b=2 -o %s", path);
    assert_int_equal(run(args, &out, &err), 1);
    free(out), free(err);
    char *second = tu_read_file(path);
    assert_string_equal(first, second);
    free(first), free(second);
    unlink(path);
}

static void test_check(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("check " SCN "issue_example.lua", &out, &err), 0);
    assert_non_null(strstr(out, "stages (6)"));
    assert_non_null(strstr(out, "-> consult          young:0.12 mature:0.08"));
    assert_non_null(strstr(out, "lost: final, nothing leaves"));
    free(out), free(err);
}

/* The table for people names the engine and every metric. */
static void test_table(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run("run " SCN "issue_example.lua --runs 10", &out, &err), 0);
    static const char *const words[] = {"agent engine, 10 runs x 10000 customers, 52 weeks",
                                        "conversion",
                                        "CAC",
                                        "LTV",
                                        "profit",
                                        "funnel",
                                        "retention"};
    for (size_t i = 0; i < 7; i++)
        if (!strstr(out, words[i])) fail_msg("table lacks '%s'", words[i]);
    free(out), free(err);
}

/* compare: JSON shape, the baseline against every variant, in file order. */
static void test_compare_json(void **state)
{
    (void)state;
    json_t *doc = run_json("compare " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua --format json "
                           "--runs 20 --customers 2000");
    json_t *base = json_object_get(doc, "baseline");
    assert_non_null(json_object_get(json_object_get(base, "metrics"), "profit"));
    assert_non_null(json_object_get(base, "funnel"));
    json_t *vars = json_object_get(doc, "variants");
    assert_true(json_array_size(vars) >= 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(vars, 0), "name")),
                        "fears_addressed");
    for (size_t i = 0; i < json_array_size(vars); i++) {
        json_t *v = json_array_get(vars, i);
        json_t *d = json_object_get(json_object_get(v, "delta"), "profit");
        assert_true(json_is_number(json_object_get(d, "mean")));
        assert_int_equal(json_array_size(json_object_get(d, "ci95")), 2);
        assert_non_null(json_object_get(v, "roi"));
        double p = json_number_value(json_object_get(v, "p_profit_up"));
        assert_true(p >= 0 && p <= 1);
    }
    json_decref(doc);
    doc = run_json("compare " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua cheaper_ads --format "
                   "json --engine exact");
    vars = json_object_get(doc, "variants");
    assert_int_equal(json_array_size(vars), 1);
    json_t *d = json_object_get(json_object_get(json_array_get(vars, 0), "delta"), "conversion");
    assert_true(json_number_value(json_object_get(d, "se")) == 0);
    json_decref(doc);
}

static void test_fixes_command(void **state)
{
    (void)state;
    json_t *doc = run_json("fixes " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua --format json "
                           "--engine exact");
    json_t *fixes = json_object_get(doc, "fixes");
    assert_true(json_array_size(fixes) >= 2);
    double prev = (double)INFINITY;
    for (size_t i = 0; i < json_array_size(fixes); i++) {
        json_t *d = json_object_get(json_object_get(json_array_get(fixes, i), "delta"), "profit");
        double v = json_number_value(json_object_get(d, "mean"));
        assert_true(v <= prev); /* ranked by delta profit */
        prev = v;
    }
    assert_non_null(json_object_get(doc, "best"));
    json_decref(doc);
    char *out, *err;
    /* a variant or fix named on the command line that the scenario lacks: bad usage */
    assert_int_equal(
        run("compare " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua nosuch", &out, &err), 2);
    assert_non_null(strstr(err, "compare: no variant named 'nosuch'; the variants are "
                                "fears_addressed, "));
    free(out), free(err);
    assert_int_equal(run("run " SCN "two_stage.lua --fix nosuch", &out, &err), 2);
    assert_non_null(strstr(err, "--fix: no fix named 'nosuch': the scenario has none"));
    free(out), free(err);
    assert_int_equal(run("fixes " SCN "two_stage.lua", &out, &err), 1);
    assert_non_null(strstr(err, "no barrier with a fix"));
    free(out), free(err);
    assert_int_equal(run("compare " SCN "two_stage.lua", &out, &err), 1);
    assert_non_null(strstr(err, "no variants to compare"));
    free(out), free(err);
}

/* --variant and --fix on run equal the variant's arm of compare. */
static void test_run_variant(void **state)
{
    (void)state;
    json_t *a = run_json("run " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua --format json "
                         "--engine exact --variant both_fixes");
    json_t *b = run_json("run " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua --format json "
                         "--engine exact --fix fears_doubts --fix no_follow_up");
    json_t *c = run_json("run " CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua --format json "
                         "--engine exact");
    assert_true(metric(a, "profit", "mean") == metric(b, "profit", "mean"));
    assert_true(metric(a, "profit", "mean") != metric(c, "profit", "mean"));
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_bad_usage),
        cmocka_unit_test(test_bad_scenario_exit_1),
        cmocka_unit_test(test_json_schema),
        cmocka_unit_test(test_set_changes_result),
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_output_file),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_compare_json),
        cmocka_unit_test(test_fixes_command),
        cmocka_unit_test(test_run_variant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
