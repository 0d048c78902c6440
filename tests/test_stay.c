/* The agent engine's stay mode (settings.draws = CJM_DRAWS_STAY: one draw
 * per edge of the stage at each stay): every test and example scenario against the
 * exact engine, family-wise (testutil.h); the same bytes for any number of
 * threads; models with purchases or a program as in step mode; stays that
 * move monotonically with a probability; common random numbers at least as
 * strong as step mode's; fewer draws. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static cjm_model *load(const char *rel, const cjm_override *set)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CJM_SOURCE_DIR, rel);
    cjm_load_options o = {0};
    o.sets = set;
    o.set_count = set != NULL;
    cjm_model *m = NULL;
    cjm_error err = {0};
    if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
    return m;
}

static cjm_settings stay_settings(int runs, int64_t customers, uint64_t seed)
{
    cjm_settings s = cjm_settings_default();
    s.runs = runs;
    s.customers = customers;
    s.seed = seed;
    s.draws = CJM_DRAWS_STAY;
    return s;
}

/* Every scenario the exact engine computes, in stay mode against it
 * (scenarios/from_paths.lua reads ../shared, which tests may not). */
static void test_against_exact(void **state)
{
    (void)state;
    static const char *const files[] = {
        "scenarios/b2b_software.lua",       "scenarios/beauty_clinic.lua",
        "scenarios/beauty_clinic_club.lua", "scenarios/coffee_shop.lua",
        "scenarios/online_school.lua",      "scenarios/wedding_salon.lua",
        "tests/scenarios/cycles.lua",       "tests/scenarios/issue_example.lua",
        "tests/scenarios/knapsack.lua",     "tests/scenarios/pnl.lua",
        "tests/scenarios/two_stage.lua",    "tests/scenarios/voi.lua",
        "tests/scenarios/stay_corners.lua", "tools/bench/journey.lua"};
    tu_draws = CJM_DRAWS_STAY;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        cjm_model *m = load(files[i], NULL);
        tu_compare_engines(m, 200, 5000, 101 + i);
        cjm_model_free(&m);
    }
    tu_draws = CJM_DRAWS_STEP;
}

/* Per-customer probabilities (the exact engine refuses them): stay mode
 * against step mode, two independent estimates (other seeds), every metric
 * by the standard error of the difference. */
static void test_per_customer_against_step(void **state)
{
    (void)state;
    cjm_model *m = load("scenarios/pram_online.lua", NULL);
    cjm_settings s = stay_settings(200, 5000, 7);
    cjm_metrics a, b;
    cjm_result *ra = tu_run(m, &s, &a);
    s.draws = CJM_DRAWS_STEP;
    s.seed = 8;
    cjm_result *rb = tu_run(m, &s, &b);
    for (int i = 0; i < CJM_M_COUNT; i++) {
        const cjm_summary *x = &a.m[i], *y = &b.m[i];
        if (!isfinite(x->mean) || !isfinite(y->mean)) continue;
        double se = sqrt(x->se * x->se + y->se * y->se);
        if (se == 0) {
            tu_assert_float(cjm_metric_infos[i].name, x->mean, y->mean);
            continue;
        }
        char what[96];
        snprintf(what, sizeof what, "pram_online stay - step: %s", cjm_metric_infos[i].name);
        tu_check_z(what, x->mean - y->mean, 0, se, 0);
    }
    cjm_result_free(&ra);
    cjm_result_free(&rb);
    cjm_metrics_free(&a);
    cjm_metrics_free(&b);
    cjm_model_free(&m);
}

static char *report(const cjm_model *m, cjm_draws draws, int threads)
{
    cjm_settings s = stay_settings(7, 10000, 3); /* three blocks per run, the last partial */
    s.draws = draws;
    s.threads = threads;
    return tu_report_json(m, &s);
}

/* The same bytes for 1, 2 and 3 threads, with referrals and arrivals. */
static void test_same_bytes_any_threads(void **state)
{
    (void)state;
    static const char *const files[] = {"tests/scenarios/stay_corners.lua",
                                        "scenarios/b2b_software.lua", "scenarios/pram_online.lua"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        cjm_model *m = load(files[i], NULL);
        char *one = report(m, CJM_DRAWS_STAY, 1), *two = report(m, CJM_DRAWS_STAY, 2),
             *three = report(m, CJM_DRAWS_STAY, 3), *step = report(m, CJM_DRAWS_STEP, 2);
        assert_string_equal(one, two);
        assert_string_equal(one, three);
        assert_non_null(strstr(one, "\"draws\": \"stay\""));
        assert_null(strstr(step, "\"draws\"")); /* step mode's reports keep their bytes */
        assert_string_not_equal(one, step);
        free(one);
        free(two);
        free(three);
        free(step);
        cjm_model_free(&m);
    }
}

/* Purchases and a loyalty program are simulated step by step in both modes:
 * the same numbers. */
static void test_loyal_models_step_by_step(void **state)
{
    (void)state;
    cjm_model *m = load("scenarios/coffee_shop.lua", NULL);
    cjm_settings s = stay_settings(5, 3000, 9);
    cjm_result *ra = NULL, *rb = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &ra, &err), CJM_OK);
    s.draws = CJM_DRAWS_STEP;
    assert_int_equal(cjm_run(m, &s, &rb, &err), CJM_OK);
    for (int run = 0; run < s.runs; run++)
        for (int k = 0; k < CJM_M_COUNT; k++) {
            double x = cjm_result_run_metric(ra, run, k), y = cjm_result_run_metric(rb, run, k);
            assert_true((isnan(x) && isnan(y)) || x == y);
        }
    cjm_result_free(&ra);
    cjm_result_free(&rb);
    cjm_model_free(&m);
}

/* A larger probability of leaving a stage shortens every customer's stay in
 * it and lengthens none: in every run of the same seed, at least as many
 * customers have converted by each step (the cash flow of the converting
 * stage's entry revenue, step by step). */
static void test_stays_move_monotonically(void **state)
{
    (void)state;
    cjm_override up = {"transitions.a.b", "0.33"};
    cjm_model *lo = load("tests/scenarios/two_stage.lua", NULL);
    cjm_model *hi = load("tests/scenarios/two_stage.lua", &up);
    cjm_settings s = stay_settings(20, 5000, 4);
    cjm_result *ra = NULL, *rb = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(lo, &s, &ra, &err), CJM_OK);
    assert_int_equal(cjm_run(hi, &s, &rb, &err), CJM_OK);
    int k = -1;
    for (int i = 0; i < CJM_M_COUNT; i++)
        if (strcmp(cjm_metric_infos[i].name, "converted") == 0) k = i;
    assert_true(k >= 0);
    int more = 0;
    for (int run = 0; run < s.runs; run++) {
        double a = cjm_result_run_metric(ra, run, k), b = cjm_result_run_metric(rb, run, k);
        assert_true(b >= a);
        more += b > a;
    }
    assert_true(more > 0);
    cjm_result_free(&ra);
    cjm_result_free(&rb);
    cjm_model_free(&lo);
    cjm_model_free(&hi);
}

/* SE(difference) / SE(side) across runs of the metric, for draws. */
static double crn_ratio(const cjm_model *base, const cjm_model *changed, cjm_draws draws,
                        int metric)
{
    cjm_settings s = stay_settings(200, 4000, 21);
    s.draws = draws;
    cjm_result *ra = NULL, *rb = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(base, &s, &ra, &err), CJM_OK);
    assert_int_equal(cjm_run(changed, &s, &rb, &err), CJM_OK);
    double s1 = 0, s2 = 0, d1 = 0, d2 = 0, n = s.runs;
    for (int run = 0; run < s.runs; run++) {
        double x = cjm_result_run_metric(ra, run, metric);
        double d = cjm_result_run_metric(rb, run, metric) - x;
        s1 += x, s2 += x * x, d1 += d, d2 += d * d;
    }
    cjm_result_free(&ra);
    cjm_result_free(&rb);
    return sqrt((d2 - d1 * d1 / n) / (s2 - s1 * s1 / n));
}

/* Common random numbers on a one-probability change are at least as strong
 * in stay mode as in step mode (fixed seed). Each ratio, estimated from 200
 * runs, has a relative standard error of about 1 / sqrt(2 x 199) = 5%: at
 * a ratio of 0.2, 0.01, and 0.014 for the difference of two; the tolerance
 * 0.05 is 3.5 of those. */
static void test_common_random_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *file, *path, *value;
    } cases[] = {{"scenarios/b2b_software.lua", "transitions.evaluation.purchase.small", "0.055"},
                 {"tools/bench/journey.lua", "transitions.trial.client.young", "0.45"}};
    static const int metrics[] = {CJM_M_CONVERSION, CJM_M_REVENUE, CJM_M_PROFIT};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cjm_override set = {cases[c].path, cases[c].value};
        cjm_model *base = load(cases[c].file, NULL), *changed = load(cases[c].file, &set);
        for (size_t k = 0; k < sizeof metrics / sizeof metrics[0]; k++) {
            double step = crn_ratio(base, changed, CJM_DRAWS_STEP, metrics[k]);
            double stay = crn_ratio(base, changed, CJM_DRAWS_STAY, metrics[k]);
            printf("%s %s=%s %s: SE(difference) / SE(side) step %.3f, stay %.3f\n", cases[c].file,
                   cases[c].path, cases[c].value, cjm_metric_infos[metrics[k]].name, step, stay);
            assert_true(step < 0.5); /* the change is small: both couple strongly */
            assert_true(stay <= step + 0.05);
        }
        cjm_model_free(&base);
        cjm_model_free(&changed);
    }
}

/* On b2b_software (customers wait for months) stay mode draws at least 5x
 * fewer numbers per customer than step mode (the scalar path counts both). */
static void test_fewer_draws(void **state)
{
    (void)state;
    cjm_model *m = load("scenarios/b2b_software.lua", NULL);
    cjm_settings s = stay_settings(4, 20000, 5);
    cjm_result *ra = NULL, *rb = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &ra, &err), CJM_OK);
    s.draws = CJM_DRAWS_STEP;
    assert_int_equal(cjm_run(m, &s, &rb, &err), CJM_OK);
    double stay = (double)cjm_result_draws(ra) / (4 * 20000.0);
    double step = (double)cjm_result_draws(rb) / (4 * 20000.0);
    printf("b2b_software: %.2f draws per customer (step), %.2f (stay)\n", step, stay);
    assert_true(stay >= 1 && step >= 1); /* at least the segment draws */
    assert_true(step >= 5 * stay);
    cjm_result_free(&ra);
    cjm_result_free(&rb);
    cjm_model_free(&m);
}

/* The command line: --draws stay is reported, a bad value is a usage error. */
static void test_command_line(void **state)
{
    (void)state;
    char *out = NULL, *err = NULL;
    int rc =
        tu_run_cjm("run " CJM_SOURCE_DIR "/tests/scenarios/two_stage.lua --draws stay --runs 2 "
                   "--format json",
                   &out, &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\"draws\": \"stay\""));
    free(out);
    free(err);
    rc = tu_run_cjm("run " CJM_SOURCE_DIR "/tests/scenarios/two_stage.lua --draws often", &out,
                    &err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "--draws: expected step or stay, got 'often'"));
    free(out);
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_exact),
        cmocka_unit_test(test_per_customer_against_step),
        cmocka_unit_test(test_same_bytes_any_threads),
        cmocka_unit_test(test_loyal_models_step_by_step),
        cmocka_unit_test(test_stays_move_monotonically),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_fewer_draws),
        cmocka_unit_test(test_command_line),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
