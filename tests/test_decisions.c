/* Decisions: goal seek against a closed form, the best fixes under a budget
 * against an exhaustive search of loads with --fix (where the greedy set is
 * not the best), and the value of information against the closed form for
 * two options whose net-benefit difference is normal (EVPI, and EVPPI = EVPI
 * for the one input that carries the difference; 0 for an input both
 * options share). Statistical comparisons are judged family-wise
 * (testutil.h: tu_fw_verdict). */
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

#include "decisions.h"
#include "special.h"
#include "testutil.h"

static cjm_settings exact_settings(void)
{
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    s.runs = 1;
    s.threads = 2;
    return s;
}

static double value(const cjm_decision *x, const char *name)
{
    double v;
    assert_int_equal(cjm_decision_value(x, name, &v), CJM_OK);
    return v;
}

/* conversion after H = 5 steps of a -> b at p each: 1 - (1 - p)^5; it is
 * 0.5 at p = 1 - 0.5^(1/5). */
static const char chain[] = "return cjm.scenario { name = 'chain', horizon = 5,\n"
                            "  cohort = { size = 1000 },\n"
                            "  stages = { { 'a' }, { 'b', converts = true, final = true } },\n"
                            "  transitions = { a = { b = 0.1 } } }\n";

static void test_goal_closed_form(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain);
    cjm_load_options lo = {0};
    cjm_settings s = exact_settings();
    cjm_goal_options o = {.param = "transitions.a.b", .metric = "conversion", .target = 0.5};
    cjm_decision *x = NULL;
    cjm_error err;
    assert_int_equal(cjm_goal(path, &lo, &s, &o, &x, &err), CJM_OK);
    tu_assert_float("goal: p at conversion 0.5", value(x, "value"), 1 - pow(0.5, 0.2));
    tu_assert_float("goal: conversion there", value(x, "metric"), 0.5);
    assert_true(value(x, "evaluations") < 40); /* superlinear, not bisection's ~45 */
    cjm_decision_free(&x);
    /* out of reach: conversion can be at most 1 - 0 = 1 at p = 1, never 1.5 */
    o.target = 1.5;
    assert_int_equal(cjm_goal(path, &lo, &s, &o, &x, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, "out of reach"));
    assert_null(x);
    o.param = "transitions.a.nowhere";
    o.target = 0.5;
    assert_int_equal(cjm_goal(path, &lo, &s, &o, &x, &err), CJM_EUSAGE);
    assert_non_null(strstr(err.msg, "not a numeric input"));
    unlink(path);
    free(path);
}

/* With the agent engine, the value's interval holds the exact answer. */
static void test_goal_agent_interval(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain);
    cjm_load_options lo = {0};
    cjm_settings s = cjm_settings_default();
    s.runs = 20;
    s.threads = 2;
    cjm_goal_options o = {.param = "transitions.a.b", .metric = "conversion", .target = 0.5};
    cjm_decision *x = NULL;
    cjm_error err;
    assert_int_equal(cjm_goal(path, &lo, &s, &o, &x, &err), CJM_OK);
    double want = 1 - pow(0.5, 0.2), lo_v = value(x, "value_lo"), hi_v = value(x, "value_hi");
    assert_true(lo_v <= value(x, "value") && value(x, "value") <= hi_v);
    /* where the metric's Student-t 95% interval (19 df) crosses the target: its
     * half-width is t(0.975, 19) standard errors of the value */
    double se = (hi_v - lo_v) / (2 * cjm_student_t_quantile(0.975, 19));
    tu_check_z("goal with the agent engine: the value", value(x, "value"), want, se, 19);
    cjm_decision_free(&x);
    unlink(path);
    free(path);
}

/* The exact profit of loading the knapsack with the fixes in `set`. */
static double loaded_profit(const char *path, unsigned set)
{
    const char *names[] = {"A", "B", "C"}, *fixes[3];
    int n = 0;
    for (int j = 0; j < 3; j++)
        if (set >> j & 1) fixes[n++] = names[j];
    cjm_load_options lo = {.fixes = fixes, .fix_count = n};
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load(path, &lo, &m, &err), CJM_OK);
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    double p = mt.m[CJM_M_PROFIT].mean;
    cjm_metrics_free(&mt);
    cjm_result_free(&r);
    cjm_model_free(&m);
    return p;
}

static int row_named(const cjm_decision *x, const char *name)
{
    for (int i = 0; i < cjm_decision_row_count(x); i++)
        if (strcmp(cjm_decision_row_name(x, i), name) == 0) return i;
    return -1;
}

static void test_optimize_beats_greedy(void **state)
{
    (void)state;
    const char *path = CJM_SOURCE_DIR "/tests/scenarios/knapsack.lua";
    cjm_load_options lo = {0};
    cjm_settings s = cjm_settings_default();
    s.runs = 10;
    s.threads = 2;
    cjm_optimize_options o = {.budget = 30000};
    cjm_decision *x = NULL;
    cjm_error err;
    assert_int_equal(cjm_optimize(path, &lo, &s, &o, &x, &err), CJM_OK);
    /* exhaustive over loads with --fix: the best set under the budget */
    const double cost[8] = {0, 20000, 15000, 35000, 15000, 35000, 30000, 50000};
    double best = -INFINITY;
    for (unsigned set = 0; set < 8; set++) {
        double p = loaded_profit(path, set);
        if (cost[set] <= 30000 && p > best) best = p;
        const char *names[8] = {"(no fix)", "A", "B", "A + B", "C", "A + C", "B + C", "A + B + C"};
        int row = row_named(x, names[set]);
        if (row < 0) continue; /* listed only if it fits the budget */
        assert_true(cost[set] <= 30000);
        double got;
        assert_int_equal(cjm_decision_row_value(x, row, "metric", &got), CJM_OK);
        tu_assert_float("optimize: a set's profit (with_fixes = loading with --fix)", got, p);
        assert_int_equal(cjm_decision_row_value(x, row, "cost", &got), CJM_OK);
        tu_assert_float("optimize: a set's cost", got, cost[set]);
    }
    tu_assert_float("optimize: the best", value(x, "best"), best);
    tu_assert_float("optimize: best by hand (B + C)", value(x, "best"), 220000);
    tu_assert_float("optimize: greedy by hand (A)", value(x, "greedy"), 210000);
    tu_assert_float("optimize: the gap", value(x, "gap"), 10000);
    assert_string_equal(cjm_decision_row_role(x, row_named(x, "B + C")), "best");
    assert_string_equal(cjm_decision_row_role(x, row_named(x, "A")), "greedy");
    /* confirmation by simulation: best - baseline 40,000 expected (the
     * fixes' gains: 50 + 35 + 35 customers x 1,000 - 30,000 for B + C:
     * 70 x 1,000 - 30,000) */
    double gain = value(x, "confirm_gain"), half = value(x, "confirm_gain_hi") - gain;
    tu_check_z("optimize: confirmed gain", gain, 40000, half / cjm_student_t_quantile(0.975, 9), 9);
    cjm_decision_free(&x);
    o.budget = -1;
    assert_int_equal(cjm_optimize(path, &lo, &s, &o, &x, &err), CJM_EUSAGE);
}

/* EVPI = E[max(0, D)] - max(0, E D) for D ~ normal(mu, sigma):
 * sigma phi(mu / sigma) - |mu| Phi(-|mu| / sigma). */
static void test_voi_closed_form(void **state)
{
    (void)state;
    const char *path = CJM_SOURCE_DIR "/tests/scenarios/voi.lua";
    cjm_load_options lo = {0};
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    s.runs = 4000;
    s.threads = 2;
    cjm_voi_options o = {.bootstrap = 50};
    cjm_decision *x = NULL;
    cjm_error err;
    assert_int_equal(cjm_voi(path, &lo, &s, &o, &x, &err), CJM_OK);
    double mu = 300, sigma = 1000;
    double want =
        sigma * exp(-0.5 * (mu / sigma) * (mu / sigma)) / sqrt(2 * 3.14159265358979323846) -
        fabs(mu) * 0.5 * erfc(fabs(mu) / sigma / sqrt(2));
    tu_check_z("voi: EVPI against its closed form", value(x, "evpi"), want, value(x, "evpi_se"), 0);
    int cost = row_named(x, "variants.campaign.costs.campaign.once");
    int ads = row_named(x, "cohort.cost_per_prospect");
    assert_true(cost >= 0 && ads >= 0);
    double e_cost, e_ads;
    assert_int_equal(cjm_decision_row_value(x, cost, "evppi", &e_cost), CJM_OK);
    assert_int_equal(cjm_decision_row_value(x, ads, "evppi", &e_ads), CJM_OK);
    /* D is linear in the campaign's cost: the regression is exact */
    tu_assert_float("voi: EVPPI of the input that carries D = EVPI", e_cost, value(x, "evpi"));
    /* the ads' cost is the same in both options: it changes no choice */
    assert_true(fabs(e_ads) <= 1e-6 * value(x, "evpi"));
    assert_true(cost < ads); /* ranked: research the campaign's cost first */
    cjm_decision_free(&x);
}

/* The estimators alone: two options, D = x exactly. */
static void test_evppi_estimator(void **state)
{
    (void)state;
    enum { R = 1000 };
    double *nb = malloc(2 * R * sizeof *nb), *x = malloc(R * sizeof *x), se;
    for (int r = 0; r < R; r++) {
        x[r] = (r + 0.5) / R * 2 - 1; /* uniform on (-1, 1): E max(0, D) = 1/4 */
        nb[r] = 0;
        nb[R + r] = x[r];
    }
    tu_assert_float("evpi of D ~ U(-1, 1)", cjm_evpi(nb, 2, R, &se), 0.25);
    tu_assert_float("evppi of D itself", cjm_evppi(nb, 2, R, x, 1, 1), 0.25);
    assert_true(isnan(cjm_evppi(nb, 2, 5, x, 1, 1))); /* too few runs to fit a cubic */
    free(nb);
    free(x);
}

/* Through the binary: the table, JSON, and the exit statuses. */
static void test_commands(void **state)
{
    (void)state;
    char *out, *err;
    int rc =
        tu_run_cjm("optimize tests/scenarios/knapsack.lua --budget 30000 --runs 4", &out, &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "B + C"));
    assert_non_null(strstr(out, "the greedy set is 10,000.00 below the best"));
    free(out), free(err);
    rc = tu_run_cjm("optimize tests/scenarios/knapsack.lua --runs 4", &out, &err);
    assert_int_equal(rc, 2); /* no --budget */
    assert_non_null(strstr(err, "--budget"));
    free(out), free(err);
    rc = tu_run_cjm("goal scenarios/beauty_clinic.lua --engine exact --runs 1 --param "
                    "transitions.consult.client --target conversion=0.9",
                    &out, &err);
    assert_int_equal(rc, 1); /* out of reach */
    assert_non_null(strstr(err, "out of reach"));
    free(out), free(err);
    rc = tu_run_cjm("goal scenarios/beauty_clinic.lua --param transitions.consult.client "
                    "--target nosuch=1",
                    &out, &err);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, "unknown metric 'nosuch'"));
    free(out), free(err);
    rc = tu_run_cjm("voi tests/scenarios/voi.lua --runs 200 --bootstrap 20 --format json", &out,
                    &err);
    assert_int_equal(rc, 0);
    assert_non_null(strstr(out, "\"analysis\": \"voi\""));
    assert_non_null(strstr(out, "\"evpi\""));
    free(out), free(err);
    rc = tu_run_cjm("voi scenarios/pram_online.lua", &out, &err);
    assert_int_equal(rc, 1); /* per-customer probabilities: no exact net benefits */
    assert_non_null(strstr(err, "voi needs it"));
    free(out), free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_goal_closed_form),
        cmocka_unit_test(test_goal_agent_interval),
        cmocka_unit_test(test_optimize_beats_greedy),
        cmocka_unit_test(test_voi_closed_form),
        cmocka_unit_test(test_evppi_estimator),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
