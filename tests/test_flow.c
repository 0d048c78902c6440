/* The language's flow forms (issue 17, item 6): split rows (`leaves` and
 * `split`), barriers that redirect what they block, and referrals written
 * in any probability form or inheriting the referrer's segment. Each is
 * checked against a hand-worked chain, the exact engine against the agent
 * (family-wise) and the cohort engine, and for its located messages. */
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

/* The exact engine's metrics of the scenario text. */
static cjm_result *exact(const cjm_model *m, int runs, cjm_metrics *mt)
{
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    s.runs = runs;
    return tu_run(m, &s, mt);
}

static double exact_metric(const char *lua, int metric)
{
    cjm_model *m = tu_load_text(lua);
    cjm_metrics mt;
    cjm_result *r = exact(m, 1, &mt);
    double v = mt.m[metric].mean;
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
    return v;
}

/* The cohort engine's mean of a metric against the exact value, family-wise. */
static void cohort_vs_exact(const char *what, const cjm_model *m, int metric, double want)
{
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_COHORT;
    s.runs = 40;
    s.seed = 17;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    tu_check_z(what, mt.m[metric].mean, want, mt.m[metric].se, s.runs - 1);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
}

/* Two scenarios that are the same model: every metric and stage reached of
 * the exact engine equal (TU_FLOAT_REL), defined for both or neither. */
static void same_model(const char *a, const char *b)
{
    cjm_model *ma = tu_load_text(a), *mb = tu_load_text(b);
    cjm_metrics xa, xb;
    cjm_result *ra = exact(ma, 1, &xa), *rb = exact(mb, 1, &xb);
    for (int i = 0; i < CJM_M_COUNT; i++) {
        assert_int_equal(xa.m[i].defined, xb.m[i].defined);
        if (xa.m[i].defined) tu_assert_float(cjm_metric_infos[i].name, xa.m[i].mean, xb.m[i].mean);
    }
    for (int st = 0; st < ma->stage_count; st++)
        tu_assert_float(ma->stages[st].name, xa.reached[st].mean, xb.reached[st].mean);
    cjm_result_free(&ra), cjm_result_free(&rb);
    cjm_metrics_free(&xa), cjm_metrics_free(&xb);
    cjm_model_free(&ma), cjm_model_free(&mb);
}

/* Every load error: one line, naming the file, with the wanted text. */
static void expect_error(const char *lua, const char *want)
{
    char msg[512];
    if (tu_load_error(lua, msg, sizeof msg) != CJM_ESCENARIO || !strstr(msg, want) ||
        strchr(msg, '\n'))
        fail_msg("message '%s', want '%s'", msg, want);
}

/* ---- split rows ---- */

#define SPLIT_HEAD                                                                                 \
    "return cjm.scenario {\n"                                                                      \
    "  horizon = 6, cohort = { size = 1000, cost_per_prospect = 2 },\n"                            \
    "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"                               \
    "  stages = { { 'consult' }, { 'client', converts = true, revenue = 100 },\n"                  \
    "             { 'lost', final = true } },\n"

/* consult = { leaves = 0.4, split = { client = 0.6, lost = 0.4 } }: per step
 * 0.4 x 0.6 = 0.24 become clients, 0.16 are lost, 0.6 stay. Over H = 6
 * steps, P(client) = 0.24 x (1 - 0.6^6) / (1 - 0.6) = 0.6 x (1 - 0.6^6) =
 * 0.5720064 and P(lost) = 0.4 x (1 - 0.6^6) = 0.3813376; absorbing
 * (H -> inf): 0.6 and 0.4, the shares. */
static void test_split_hand_worked(void **state)
{
    (void)state;
    const char *split = SPLIT_HEAD "  transitions = { consult = { leaves = 0.4, split = { client "
                                   "= 0.6, lost = 0.4 } } },\n}\n";
    const char *plain =
        SPLIT_HEAD "  transitions = { consult = { client = 0.24, lost = 0.16 } },\n}\n";
    tu_assert_float("split conversion", exact_metric(split, CJM_M_CONVERSION),
                    0.6 * (1 - pow(0.6, 6)));
    same_model(split, plain);
    cjm_model *m = tu_load_text(split);
    cjm_metrics mt;
    cjm_result *r = exact(m, 1, &mt);
    tu_assert_float("reached lost", mt.reached[2].mean, 0.4 * (1 - pow(0.6, 6)));
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
    /* a long horizon reaches the absorbing probabilities: the shares */
    const char *longer = "return cjm.scenario {\n"
                         "  horizon = 200, cohort = { size = 1000 },\n"
                         "  stages = { { 'consult' }, { 'client', converts = true },\n"
                         "             { 'lost', final = true }, { 'other' } },\n"
                         "  transitions = { consult = { leaves = 0.3, split = { client = 0.5, "
                         "lost = 0.3, other = 0.2 } } },\n}\n";
    tu_assert_float("absorbing share", exact_metric(longer, CJM_M_CONVERSION), 0.5);
}

/* leaves by segment, as a function of c.t: the same model as the plain row
 * written with p = leaves x share, in every metric. */
static void test_split_forms(void **state)
{
    (void)state;
    const char *split = SPLIT_HEAD
        "  transitions = { consult = { leaves = { x = 0.5, y = function(c) return 0.1 + 0.02 * "
        "c.t end },\n"
        "                             split = { client = 0.75, lost = 0.25 } } },\n}\n";
    const char *plain = SPLIT_HEAD
        "  transitions = { consult = { client = { x = 0.375, y = function(c) return 0.75 * (0.1 "
        "+ 0.02 * c.t) end },\n"
        "                             lost = { x = 0.125, y = function(c) return 0.25 * (0.1 + "
        "0.02 * c.t) end } } },\n}\n";
    same_model(split, plain);
    /* a share 0.75 of those leaving become clients in each segment (shares 0.5):
     * x leaves 0.5 a step, P = 0.75 x (1 - 0.5^6) = 0.73828125; y leaves
     * 0.1 + 0.02 t, P = 0.75 x (1 - prod_t (0.9 - 0.02 t)) = 0.46847...; the
     * mean, 0.6033939882 */
    double stay = 1;
    for (int t = 0; t < 6; t++) stay *= 1 - (0.1 + 0.02 * t);
    tu_assert_float("by hand", exact_metric(split, CJM_M_CONVERSION),
                    0.5 * 0.75 * (1 - pow(0.5, 6)) + 0.5 * 0.75 * (1 - stay));
}

static const char split_uncertain[] =
    SPLIT_HEAD "  transitions = { consult = { leaves = cjm.beta(4, 6), split = { client = 0.6, "
               "lost = 0.4 } } },\n}\n";

/* A distribution for leaves is one input: every run draws it once, and all
 * the row's edges take that draw times their share. */
static void test_split_one_draw(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(split_uncertain);
    assert_int_equal(m->uncertain_count, 1);
    enum { R = 50 };
    double x[R];
    cjm_error err;
    assert_int_equal(cjm_sample_inputs(m, R, 5, CJM_SAMPLING_RANDOM, x, &err), CJM_OK);
    for (int i = 0; i < R; i++) {
        cjm_model *in = NULL;
        assert_int_equal(cjm_model_instance(m, &x[i], &in, &err), CJM_OK);
        for (int e = 0; e < in->edge_count; e++) {
            double share = in->stages[in->edges[e].to].name[0] == 'c' ? 0.6 : 0.4;
            for (int g = 0; g < 2; g++)
                tu_assert_float("leaves x share", cjm_model_raw_prob(in, 3, g, e), x[i] * share);
        }
        cjm_model_free(&in);
    }
    /* the exact engine per run: conversion = 0.6 x (1 - (1 - L)^6) */
    cjm_metrics mt;
    cjm_result *r = exact(m, R, &mt);
    assert_int_equal(cjm_sample_inputs(m, R, 1, CJM_SAMPLING_RANDOM, x, &err), CJM_OK);
    for (int i = 0; i < R; i++)
        tu_assert_float("run by hand", cjm_result_row(r, i)[CJM_T_CONVERTED] / 1000,
                        0.6 * (1 - pow(1 - x[i], 6)));
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    tu_compare_engines(m, 400, 400, 3);
    cjm_model_free(&m);
}

/* leaves = cjm.per_customer(beta(2, 8)): each customer draws one L for the
 * row, so P(client) = 0.6 x (1 - E[(1 - L)^6]), and E[(1 - L)^6] =
 * B(2, 14) / B(2, 8) = (1/210) / (1/72) = 72/210: 0.394285714... (draws
 * apart for the two edges would give about 0.411). The agent engine,
 * family-wise. */
static void test_split_per_customer(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(SPLIT_HEAD "  transitions = { consult = { leaves = "
                                           "cjm.per_customer(cjm.beta(2, 8)), split = { client "
                                           "= 0.6, lost = 0.4 } } },\n}\n");
    cjm_settings s = cjm_settings_default();
    s.runs = 20;
    s.customers = 100000;
    s.seed = 9;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    tu_check_z("per-customer leaves: conversion", mt.m[CJM_M_CONVERSION].mean,
               0.6 * (1 - 72.0 / 210), mt.m[CJM_M_CONVERSION].se, s.runs - 1);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

static void test_split_errors(void **state)
{
    (void)state;
    static const struct {
        const char *row, *want;
    } cases[] = {
        {"leaves = 0.4, split = { client = 0.6, lost = 0.3 }",
         ":7: transitions.consult.split: the shares of those leaving 'consult' sum to 0.9, not 1"},
        {"leaves = 0.4", "transitions.consult: a row with leaves needs split"},
        {"split = { client = 1 }", "transitions.consult: a row with split needs leaves"},
        {"leaves = 1.5, split = { client = 1 }", "transitions.consult.leaves: probability 1.5 is "
                                                 "above 1"},
        {"leaves = 0.4, split = { client = 0.6, lost = 'x' }",
         "transitions.consult.split.lost: expected a share (a number in [0, 1]), got string"},
        {"leaves = 0.4, split = { client = 1.2, lost = -0.2 }",
         "transitions.consult.split.client: share 1.2 is out of range [0, 1]"},
        {"leaves = 0.4, split = { client = 0.6, lots = 0.4 }",
         "transitions.consult.split.lots: unknown stage 'lots'"},
        {"leaves = 0.4, split = { client = 0.6, consult = 0.4 }",
         "transitions.consult.split.consult: a stage cannot move to itself"},
        {"leaves = 0.4, split = { client = 1 }, lost = 0.1",
         "transitions.consult.lost: a split row has only leaves and split"},
        {"leaves = 0.4, split = 1", "transitions.consult.split: expected a table of shares"},
        {"leaves = function(c) return 2 end, split = { client = 1 }",
         "transitions.consult.leaves: at step 0, segment x: the function returned 2"},
        {"leaves = cjm.dirichlet{ a = 1, b = 2 }.a, split = { client = 1 }",
         "transitions.consult.leaves: a cjm.dirichlet entry cannot be the probability of leaving"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char lua[1024];
        snprintf(lua, sizeof lua, SPLIT_HEAD "  transitions = {\n    consult = { %s },\n  },\n}\n",
                 cases[i].row);
        expect_error(lua, cases[i].want);
    }
}

/* ---- barriers that redirect ---- */

/* fitting1: buyer 0.5, fitting2 0.1, lost 0.2 (stays 0.2); fitting2: buyer
 * 0.4, lost 0.3 (stays 0.3). The barrier no_stock (effect 0.6) on
 * fitting1 -> buyer blocks 0.5 x 0.4 = 0.2 a step. Absorbing probabilities
 * (horizon 200: what is left, below 0.3^200, is nothing):
 *   P2 = P(buyer | fitting2) = 0.4 / 0.7 = 4/7;
 *   redirected to fitting2: P1 = (0.3 + 0.3 x 4/7) / 0.8 = 3.3 / 5.6 = 0.58928571...;
 *   kept in the stage (no redirect): P1 = (0.3 + 0.1 x 4/7) / 0.6 = 2.5 / 4.2 = 0.5952381...;
 *   fixed: P1 = (0.5 + 0.1 x 4/7) / 0.8 = 3.9 / 5.6 = 0.69642857...;
 *   reached fitting2 with the redirect: (0.1 + 0.2) / 0.8 = 0.375. */
static char *fitting(const char *barrier, int horizon)
{
    static const char fmt[] =
        "return cjm.scenario {\n"
        "  horizon = %d, cohort = { size = 1000 },\n"
        "  stages = { { 'fitting1' }, { 'buyer', converts = true, revenue = 100 },\n"
        "             { 'fitting2' }, { 'lost', final = true } },\n"
        "  transitions = {\n"
        "    fitting1 = { buyer = 0.5, fitting2 = 0.1, lost = 0.2 },\n"
        "    fitting2 = { buyer = 0.4, lost = 0.3 },\n"
        "  },\n"
        "  barriers = {\n"
        "    no_stock = { %s },\n"
        "  },\n"
        "}\n";
    size_t n = sizeof fmt + strlen(barrier) + 16;
    char *text = malloc(n);
    snprintf(text, n, fmt, horizon, barrier);
    return text;
}

static double fitting_metric(const char *barrier, const char *fix, int metric, int reached)
{
    char *lua = fitting(barrier, 200), *path = tu_write_temp(lua);
    const char *fixes[] = {fix};
    cjm_load_options o = {.fixes = fixes, .fix_count = fix ? 1 : 0};
    cjm_model *m = NULL;
    cjm_error err;
    if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
    cjm_metrics mt;
    cjm_result *r = exact(m, 1, &mt);
    double v = reached >= 0 ? mt.reached[reached].mean : mt.m[metric].mean;
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
    unlink(path);
    free(path);
    free(lua);
    return v;
}

static void test_redirect_hand_worked(void **state)
{
    (void)state;
    const char *red = "on = 'fitting1 -> buyer', effect = 0.6, redirect = 'fitting1 -> "
                      "fitting2', fix = { cost = 10 }";
    const char *keep = "on = 'fitting1 -> buyer', effect = 0.6, fix = { cost = 10 }";
    tu_assert_float("redirected", fitting_metric(red, NULL, CJM_M_CONVERSION, -1), 3.3 / 5.6);
    tu_assert_float("kept", fitting_metric(keep, NULL, CJM_M_CONVERSION, -1), 2.5 / 4.2);
    tu_assert_float("fixed", fitting_metric(red, "no_stock", CJM_M_CONVERSION, -1), 3.9 / 5.6);
    tu_assert_float("reached fitting2", fitting_metric(red, NULL, 0, 2), 0.3 / 0.8);
    /* a fix of efficacy 0.5: multiplier 0.8, 0.1 redirected:
     * P1 = (0.4 + 0.2 x 4/7) / 0.8 = 3.6 / 5.6 */
    const char *half = "on = 'fitting1 -> buyer', effect = 0.6, redirect = 'fitting1 -> "
                       "fitting2', fix = { efficacy = 0.5 }";
    tu_assert_float("half fixed", fitting_metric(half, "no_stock", CJM_M_CONVERSION, -1),
                    3.6 / 5.6);
}

/* The three engines agree on a redirect standing in a window, for one
 * segment, with an uncertain effect. */
static void test_redirect_engines(void **state)
{
    (void)state;
    const char *lua = "return cjm.scenario {\n"
                      "  name = 'redirect engines', horizon = 12, cohort = { size = 1000 },\n"
                      "  segments = { { 'x', share = 0.4 }, { 'y', share = 0.6 } },\n"
                      "  stages = { { 'fitting1' }, { 'buyer', converts = true, revenue = 100 },\n"
                      "             { 'fitting2' }, { 'lost', final = true } },\n"
                      "  transitions = {\n"
                      "    fitting1 = { buyer = 0.3, fitting2 = 0.05, lost = 0.1 },\n"
                      "    fitting2 = { buyer = 0.2, lost = 0.1 },\n"
                      "  },\n"
                      "  barriers = { no_stock = { on = 'fitting1 -> buyer', effect = "
                      "cjm.uniform(0.3, 0.7),\n"
                      "               from = 2, to = 8, segments = { 'y' }, redirect = 'fitting1 "
                      "-> fitting2' } },\n"
                      "}\n";
    cjm_model *m = tu_load_text(lua);
    tu_compare_engines(m, 400, 400, 11);
    /* the cohort engine against the exact engine's runs with the same seed,
     * so the same draws of the effect */
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    s.runs = 40;
    s.seed = 17;
    cjm_metrics me;
    cjm_result *re = tu_run(m, &s, &me);
    cohort_vs_exact("cohort: conversion", m, CJM_M_CONVERSION, me.m[CJM_M_CONVERSION].mean);
    cjm_result_free(&re);
    cjm_metrics_free(&me);
    cjm_model_free(&m);
}

static void test_redirect_errors(void **state)
{
    (void)state;
    static const struct {
        const char *barrier, *want;
    } cases[] = {
        {"on = 'fitting1 -> buyer', effect = 0.5, redirect = 'fitting1 -> fitting3'",
         ":10: barriers.no_stock.redirect: unknown stage 'fitting3'"},
        {"on = 'fitting1 -> buyer', effect = 0.5, redirect = 'fitting2 -> lost'",
         "barriers.no_stock.redirect: fitting2 -> lost leaves 'fitting2', but the barrier stands "
         "on fitting1 -> buyer"},
        {"on = 'fitting1 -> buyer', effect = 0.5, redirect = 'fitting1 -> buyer'",
         "barriers.no_stock.redirect: fitting1 -> buyer is a transition the barrier stands on"},
        {"on = 'fitting1 -> buyer', effect = 0.5, redirect = 'buyer -> lost'",
         "barriers.no_stock.redirect: there is no transition buyer -> lost in transitions"},
        {"on = 'fitting1 -> buyer', effect = 0.5, redirect = 'fitting1'",
         "barriers.no_stock.redirect: 'fitting1' is not a transition"},
        {"on = 'fitting1 -> buyer', effect = 0.5, redirect = { 'fitting1 -> lost' }",
         "barriers.no_stock.redirect: expected a transition \"from -> to\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *lua = fitting(cases[i].barrier, 5);
        expect_error(lua, cases[i].want);
        free(lua);
    }
    expect_error("return cjm.scenario {\n"
                 "  horizon = 5, cohort = { size = 10 },\n"
                 "  stages = { { 'a' }, { 'b', converts = true }, { 'c' } },\n"
                 "  transitions = { a = { b = function(c) return 0.1 * c.dwell end, c = 0.1 } },\n"
                 "  barriers = { w = { on = 'a -> b', effect = 0.5,\n"
                 "                     redirect = 'a -> c' } },\n"
                 "}\n",
                 ":6: barriers.w.redirect: a blocked share moves only between transitions whose "
                 "probability is the same for every customer");
}

/* ---- referrals in any rate form, and the referrer's segment ---- */

/* Stage 'a' (first, converting, no way out) refers; horizon 4, 500 + 500
 * prospects in segments x and y; x refers 0.1 a step, y 0.1 x (t + 1).
 * Referrals made at step t enter at t + 1 < 4 (so at steps 0, 1, 2) and
 * refer too. Same segment: x: 500 x ((1.1)^3 - 1) = 165.5; y: 500 x 0.1 =
 * 50, then 550 x 0.2 = 110, then 660 x 0.3 = 198: 358; in all 523.5. By the
 * shares: step 0 makes 50 + 50 = 100, so 550 + 550; step 1: 55 + 110 =
 * 165, so x 632.5, y 632.5; step 2: 63.25 + 189.75 = 253: 518 in all. */
static char *referring(const char *refers, const char *rule)
{
    static const char fmt[] = "return cjm.scenario {\n"
                              "  name = 'referring', horizon = 4, cohort = { size = 1000 },\n"
                              "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
                              "  stages = { { 'a', converts = true, refers = %s%s },\n"
                              "             { 'lost', final = true } },\n"
                              "  transitions = { a = { lost = 0 } },\n"
                              "}\n";
    size_t n = sizeof fmt + strlen(refers) + strlen(rule);
    char *text = malloc(n);
    snprintf(text, n, fmt, refers, rule);
    return text;
}

static double referred(const char *refers, const char *rule)
{
    char *lua = referring(refers, rule);
    double v = exact_metric(lua, CJM_M_REFERRED);
    free(lua);
    return v;
}

static void test_refers_forms(void **state)
{
    (void)state;
    const char *fn = "{ x = 0.1, y = function(c) return 0.1 * (c.t + 1) end }";
    tu_assert_float("same segment", referred(fn, ", refers_segment = 'same'"), 523.5);
    tu_assert_float("by the shares", referred(fn, ""), 518);
    tu_assert_float("shares said", referred(fn, ", refers_segment = 'shares'"), 518);
    /* a number, a function of c.segment: 1000 x ((1.1)^3 - 1) = 331 */
    tu_assert_float("number", referred("0.1", ""), 331);
    tu_assert_float("function of the segment",
                    referred("function(c) return c.segment == 'x' and 0.1 or 0.2 end",
                             ", refers_segment = 'same'"),
                    500 * (pow(1.1, 3) - 1) + 500 * (pow(1.2, 3) - 1));
    /* a distribution: each run's referrals 1000 x ((1 + r)^3 - 1) with its draw r */
    char *lua = referring("cjm.uniform(0.1, 0.3)", "");
    cjm_model *m = tu_load_text(lua);
    enum { R = 30 };
    double x[R];
    cjm_error err;
    assert_int_equal(cjm_sample_inputs(m, R, 1, CJM_SAMPLING_RANDOM, x, &err), CJM_OK);
    cjm_metrics mt;
    cjm_result *r = exact(m, R, &mt);
    for (int i = 0; i < R; i++)
        tu_assert_float("run by hand", cjm_result_row(r, i)[CJM_T_PROSPECTS] - 1000,
                        1000 * (pow(1 + x[i], 3) - 1));
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    tu_compare_engines(m, 200, 1000, 5);
    cjm_model_free(&m);
    free(lua);
}

/* Segments that behave differently: only x (a share 0.2) refers, 0.5 a
 * step, into 'b', from which x moves to the converting 'c' with
 * probability 1 a step and y never. Horizon 3: the 200 x customers refer
 * 100 at step 0 and 100 at step 1 (those of step 2 would enter at 3 = H);
 * they enter b at steps 1 and 2 and move to c in that step (a move in step
 * 2, the last, counts). Same segment: all 200 are x and convert, 1000 +
 * 200 = 1200 converted; by the shares 20% are x: 1000 + 40 = 1040. */
static const char inherit_fmt[] =
    "return cjm.scenario {\n"
    "  name = 'inherit', horizon = %d, cohort = { size = 1000 },\n"
    "  segments = { { 'x', share = 0.2 }, { 'y', share = 0.8 } },\n"
    "  stages = { { 'a', converts = true, refers = { x = 0.5, y = 0 }, refers_to = 'b'%s },\n"
    "             { 'b' }, { 'c', converts = true, revenue = 10 } },\n"
    "  transitions = { b = { c = { x = %s, y = 0 } } },\n"
    "}\n";

static cjm_model *inherit(int horizon, const char *rule, const char *p)
{
    char lua[1024];
    snprintf(lua, sizeof lua, inherit_fmt, horizon, rule, p);
    return tu_load_text(lua);
}

static void test_refers_same_segment(void **state)
{
    (void)state;
    const char *rules[] = {", refers_segment = 'same'", ""};
    const double converted[] = {1200, 1040};
    for (int k = 0; k < 2; k++) {
        cjm_model *m = inherit(3, rules[k], "1");
        cjm_metrics mt;
        cjm_result *r = exact(m, 1, &mt);
        tu_assert_float("converted", mt.m[CJM_M_CONVERTED].mean, converted[k]);
        tu_assert_float("referred", mt.m[CJM_M_REFERRED].mean, 200);
        cjm_result_free(&r);
        cjm_metrics_free(&mt);
        cjm_model_free(&m);
    }
    /* the agent and the cohort engines against the exact one, longer */
    cjm_model *m = inherit(10, rules[0], "0.3");
    tu_compare_engines(m, 200, 1000, 7);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_metrics me;
    cjm_result *re = tu_run(m, &s, &me);
    cohort_vs_exact("cohort: converted by referral", m, CJM_M_CONVERTED_REFERRED,
                    me.m[CJM_M_CONVERTED_REFERRED].mean);
    cohort_vs_exact("cohort: referred", m, CJM_M_REFERRED, me.m[CJM_M_REFERRED].mean);
    cjm_result_free(&re);
    cjm_metrics_free(&me);
    cjm_model_free(&m);
}

static void test_refers_errors(void **state)
{
    (void)state;
    static const struct {
        const char *refers, *rule, *want;
    } cases[] = {
        {"0.1", ", refers_segment = 'parent'",
         ":4: stages.a.refers_segment: expected \"same\" (the referrer's segment) or \"shares\""},
        {"{ x = 0.1 }", "", ":4: stages.a.refers: no rate for segment 'y'"},
        {"{ x = 0.1, y = 0.1, z = 0 }", "", "stages.a.refers: 'z' is not a segment"},
        {"-1", "", "stages.a.refers: -1 is out of range [0, 1e+06]"},
        {"'many'", "", "stages.a.refers: expected prospects per customer per step"},
        {"cjm.per_customer(cjm.beta(1, 2))", "", "got cjm.per_customer"},
        {"function(c) return -0.5 end", "",
         "stages.a.refers: at step 0, segment x: the function returned -0.5, not a rate"},
        {"function(c) return 0.01 * c.dwell end", "",
         "stages.a.refers: a function of c.t and c.segment only"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *lua = referring(cases[i].refers, cases[i].rule);
        expect_error(lua, cases[i].want);
        free(lua);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_hand_worked), cmocka_unit_test(test_split_forms),
        cmocka_unit_test(test_split_one_draw),    cmocka_unit_test(test_split_per_customer),
        cmocka_unit_test(test_split_errors),      cmocka_unit_test(test_redirect_hand_worked),
        cmocka_unit_test(test_redirect_engines),  cmocka_unit_test(test_redirect_errors),
        cmocka_unit_test(test_refers_forms),      cmocka_unit_test(test_refers_same_segment),
        cmocka_unit_test(test_refers_errors),     cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
