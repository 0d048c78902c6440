/* The exact engine against chains worked out by hand (the formulas are in
 * the comments; each is a closed form, not another run of the engine). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

/* The exact engine against a closed form: the same number computed two
 * ways, to TU_FLOAT_REL (derived in testutil.h). */
static void assert_close(double got, double want)
{
    tu_assert_float("exact engine against the closed form", got, want);
}

static cjm_settings exact_settings(void)
{
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    return s;
}

/* a -(0.3)-> b (converts) -(0.2)-> lost, H = 5, 1000 prospects at 0.5.
 * P(still in a at t) = 0.7^t; conversion time tau = 1..5 w.p. 0.3 * 0.7^(tau-1).
 * Retention[k] = 0.8^k for k <= 4 (nobody converts at 0, so k = 5 is undefined). */
static const char two_stage[] =
    "return cjm.scenario {\n"
    "  horizon = 5, cohort = { size = 1000, cost_per_prospect = 0.5 },\n"
    "  stages = { { 'a', cost_per_step = 1 },\n"
    "             { 'b', converts = true, revenue = 10, revenue_per_step = 2 },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = { a = { b = 0.3 }, b = { lost = 0.2 } },\n"
    "}\n";

static void test_two_stage_chain(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(two_stage);
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    const int H = 5;
    double conv = 1 - pow(0.7, H);
    double a_steps = (1 - pow(0.7, H)) / 0.3; /* sum of 0.7^t, t < H */
    double b_steps = 0, lost = 0;
    for (int tau = 1; tau <= H; tau++) {
        double p = 0.3 * pow(0.7, tau - 1);
        for (int j = 0; j < H - tau; j++) b_steps += p * pow(0.8, j);
        lost += p * (1 - pow(0.8, H - tau));
    }
    double cost = 1000 * (0.5 + a_steps), revenue = 1000 * (10 * conv + 2 * b_steps);
    assert_close(mt.m[CJM_M_CONVERSION].mean, conv);
    assert_close(mt.m[CJM_M_CONVERTED].mean, 1000 * conv);
    assert_close(mt.m[CJM_M_COST].mean, cost);
    assert_close(mt.m[CJM_M_REVENUE].mean, revenue);
    assert_close(mt.m[CJM_M_PROFIT].mean, revenue - cost);
    assert_close(mt.m[CJM_M_CAC].mean, cost / (1000 * conv));
    assert_close(mt.m[CJM_M_LTV].mean, revenue / (1000 * conv));
    assert_close(mt.m[CJM_M_CAC].se, 0);
    for (int k = 0; k < H; k++) assert_close(mt.retention[k].mean, pow(0.8, k));
    assert_false(mt.retention[H].defined);
    assert_close(mt.reached[0].mean, 1);
    assert_close(mt.reached[1].mean, conv);
    assert_close(mt.reached[2].mean, lost);
    assert_int_equal(mt.edge_count, 2); /* a -> b: the converted; b -> lost: the lost */
    assert_close(mt.moves[0].mean, 1000 * conv);
    assert_close(mt.moves[1].mean, 1000 * lost);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* The customers on each transition of a cycle, a <-> b, by hand: 100 in a;
 * step 0: 50 go to b; step 1: 25 a -> b, 12.5 b -> a, 12.5 b -> lost (a
 * 37.5, b 50); step 2: 18.75 a -> b, 12.5 b -> a, 12.5 b -> lost. */
static void test_transitions_of_a_cycle(void **state)
{
    (void)state;
    cjm_model *m =
        tu_load_text("return cjm.scenario {\n"
                     "  horizon = 3, cohort = { size = 100 },\n"
                     "  stages = { { 'a' }, { 'b', converts = true },\n"
                     "             { 'lost', final = true } },\n"
                     "  transitions = { a = { b = 0.5 }, b = { a = 0.25, lost = 0.25 } },\n"
                     "}\n");
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    const char *paths[] = {"transitions.a.b", "transitions.b.a", "transitions.b.lost"};
    const double want[] = {93.75, 25, 25};
    assert_int_equal(mt.edge_count, 3);
    for (int k = 0; k < 3; k++) {
        int e = 0;
        while (e < m->edge_count && strcmp(m->edges[e].path, paths[k]) != 0) e++;
        assert_true(e < m->edge_count);
        assert_close(mt.moves[e].mean, want[k]);
        assert_close(mt.moves[e].se, 0);
    }
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Two segments with their own probability: conversion by H = 3 is
 * 0.6 (1 - 0.5^3) + 0.4 (1 - 0.8^3) = 0.7202. */
static void test_segments(void **state)
{
    (void)state;
    cjm_model *m =
        tu_load_text("return cjm.scenario {\n"
                     "  horizon = 3, cohort = { size = 100 },\n"
                     "  segments = { { 'young', share = 0.6 }, { 'mature', share = 0.4 } },\n"
                     "  stages = { { 'a' }, { 'b', converts = true } },\n"
                     "  transitions = { a = { b = { young = 0.5, mature = 0.2 } } },\n"
                     "}\n");
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_close(mt.m[CJM_M_CONVERSION].mean, 0.7202);
    assert_close(mt.m[CJM_M_CONVERTED].mean, 72.02);
    assert_close(mt.m[CJM_M_COST].mean, 0);
    assert_false(mt.m[CJM_M_CAC].mean != 0);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* p(t) = 0.1 + 0.05 t for segment x, 0.1 for y (equal shares), H = 4:
 * x stays unconverted with 0.9 * 0.85 * 0.8 * 0.75 = 0.459, y with 0.9^4. */
static void test_time_dependent(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text("return cjm.scenario {\n"
                                "  horizon = 4, cohort = { size = 100 },\n"
                                "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
                                "  stages = { { 'a' }, { 'b', converts = true } },\n"
                                "  transitions = { a = { b = function(c)\n"
                                "    if c.segment == 'x' then return 0.1 + 0.05 * c.t end\n"
                                "    return 0.1 end } },\n"
                                "}\n");
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_close(mt.m[CJM_M_CONVERSION].mean, 0.5 * (1 - 0.459) + 0.5 * (1 - pow(0.9, 4)));
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Certain moves a -> b -> c, H = 3: the customer pays a's cost before
 * converting, b's at conversion, c's after. Acquisition = ad + 5 + 3; the
 * lifetime revenue leaves out a's revenue (earned before converting). */
static void test_acquisition_split(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text("return cjm.scenario {\n"
                                "  horizon = 3, cohort = { size = 10, cost_per_prospect = 2 },\n"
                                "  stages = { { 'a', cost = 5, revenue = 100 }, { 'b', converts = "
                                "true, cost = 3, revenue = 20 },\n"
                                "             { 'c', cost = 7, revenue_per_step = 4 } },\n"
                                "  transitions = { a = { b = 1 }, b = { c = 1 } },\n"
                                "}\n");
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_close(mt.m[CJM_M_CAC].mean, 2 + 5 + 3);
    assert_close(mt.m[CJM_M_COST].mean, 10 * (2 + 5 + 3 + 7));
    /* c is entered at t = 2 and earns for step 2 only (steps t < H = 3) */
    assert_close(mt.m[CJM_M_LTV].mean, 20 + 4);
    assert_close(mt.m[CJM_M_REVENUE].mean, 10 * (100 + 20 + 4));
    assert_close(mt.retention[1].mean, 1);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* The first stage converts: everyone converts at 0; retention[k] = 0.9^k. */
static void test_first_stage_converts(void **state)
{
    (void)state;
    cjm_model *m =
        tu_load_text("return cjm.scenario {\n"
                     "  horizon = 6, cohort = { size = 50 },\n"
                     "  stages = { { 'member', converts = true, revenue_per_step = 1 },\n"
                     "             { 'gone', final = true } },\n"
                     "  transitions = { member = { gone = 0.1 } },\n"
                     "}\n");
    cjm_settings s = exact_settings();
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_close(mt.m[CJM_M_CONVERSION].mean, 1);
    for (int k = 0; k <= 6; k++) assert_close(mt.retention[k].mean, pow(0.9, k));
    /* revenue: sum over t < 6 of 0.9^t per customer */
    assert_close(mt.m[CJM_M_LTV].mean, (1 - pow(0.9, 6)) / 0.1);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Time in stage kept two ways must give the same values: the scenario's
 * probabilities as numbers (stages with min_steps keep n cells, the others
 * one; nothing after conversion changes with time, so retention comes from
 * the survival of one converted count), and the same numbers as functions
 * that read c.dwell (every stage keeps all H cells, and each conversion
 * time's counts move for retention). With segments, min_steps, a function
 * of time before conversion, referrals and arrivals. */
static const char layouts[] =
    "local P = %s\n"
    "return cjm.scenario {\n"
    "  horizon = 30, cohort = { size = 1000, cost_per_prospect = 1,\n"
    "    arrivals = function(t) return 10 + t end },\n"
    "  segments = { { 'x', share = 0.6 }, { 'y', share = 0.4 } },\n"
    "  stages = { { 'lead' }, { 'trial', min_steps = 4, cost = 5 },\n"
    "             { 'client', converts = true, revenue = 50, revenue_per_step = 2 },\n"
    "             { 'made', min_steps = 3 }, { 'fan', refers = 0.05 },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = {\n"
    "    lead = { trial = function(c) return c.t < 10 and 0.3 or 0.1 end, lost = P(0.05) },\n"
    "    trial = { client = P(0.4), lost = P(0.1) },\n"
    "    client = { made = P(0.3), lost = P(0.05) },\n"
    "    made = { fan = P(0.5), client = P(0.2) },\n"
    "    fan = { lost = P(0.1) },\n"
    "  },\n"
    "}\n";

/* got and want agree, both undefined (NaN) or to TU_FLOAT_REL. */
static void assert_same(double got, double want)
{
    if (isnan(want))
        assert_true(isnan(got));
    else
        tu_assert_float("time in stage kept two ways", got, want);
}

static void test_time_in_stage_layouts(void **state)
{
    (void)state;
    char a[2048], b[2048];
    snprintf(a, sizeof a, layouts, "function(x) return x end");
    snprintf(b, sizeof b, layouts, "function(x) return function(c) return x + 0 * c.dwell end end");
    cjm_model *ma = tu_load_text(a), *mb = tu_load_text(b);
    assert_int_equal(ma->dwell_count, 0);
    assert_true(mb->dwell_count > 0);
    cjm_settings s = exact_settings();
    cjm_metrics ta, tb;
    cjm_result *ra = tu_run(ma, &s, &ta), *rb = tu_run(mb, &s, &tb);
    for (int i = 0; i < CJM_M_COUNT; i++) assert_same(ta.m[i].mean, tb.m[i].mean);
    for (int st = 0; st < ma->stage_count; st++)
        assert_same(ta.reached[st].mean, tb.reached[st].mean);
    for (int k = 0; k <= ta.horizon; k++) assert_same(ta.retention[k].mean, tb.retention[k].mean);
    for (int e = 0; e < ta.edge_count; e++) assert_same(ta.moves[e].mean, tb.moves[e].mean);
    assert_true(ta.m[CJM_M_REFERRED].mean > 1); /* the referrals count */
    assert_true(ta.retention[20].mean > 0.01);  /* and retention is not trivial */
    cjm_result_free(&ra), cjm_result_free(&rb);
    cjm_metrics_free(&ta), cjm_metrics_free(&tb);
    cjm_model_free(&ma), cjm_model_free(&mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_stage_chain),        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_transitions_of_a_cycle), cmocka_unit_test(test_time_dependent),
        cmocka_unit_test(test_acquisition_split),      cmocka_unit_test(test_first_stage_converts),
        cmocka_unit_test(test_time_in_stage_layouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
