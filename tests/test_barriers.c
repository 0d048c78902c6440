/* Barriers, fixes and variants: the arithmetic against hand-worked chains,
 * agent deltas against exact ones, the variance reduction of common random
 * numbers, the ranking of `fixes`, and the errors for bad names and values. */
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

#include "compare.h"
#include "testutil.h"

/* The exact engine against a closed form: the same number computed two ways
 * (TU_FLOAT_REL). */
static void assert_close(double got, double want)
{
    tu_assert_float("exact engine against the closed form", got, want);
}

/* a -(0.5)-> b over 4 steps, 100 prospects, two equal segments x and y; the
 * barrier's lines are spliced in. */
static char *chain(const char *barrier, const char *variants)
{
    static const char fmt[] =
        "return cjm.scenario {\n"
        "  horizon = 4, cohort = { size = 100 },\n"
        "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
        "  stages = { { 'a' }, { 'b', converts = true, revenue = 10 }, { 'c' } },\n"
        "  transitions = { a = { b = 0.5 }, b = { c = 0.5 } },\n"
        "  barriers = { wall = { %s } },\n"
        "  variants = { %s },\n"
        "}\n";
    size_t n = sizeof fmt + strlen(barrier) + strlen(variants);
    char *text = malloc(n);
    snprintf(text, n, fmt, barrier, variants);
    return text;
}

static double exact_metric(const char *lua, const char *variant, const char *fix, int metric)
{
    char *path = tu_write_temp(lua);
    const char *fixes[] = {fix};
    cjm_load_options o = {.fixes = fixes, .fix_count = fix ? 1 : 0, .variant = variant};
    cjm_model *m = NULL;
    cjm_error err;
    if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    double v = mt.m[metric].mean;
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
    unlink(path);
    free(path);
    return v;
}

static double conversion(const char *barrier, const char *fix)
{
    char *lua = chain(barrier, "");
    double v = exact_metric(lua, NULL, fix, CJM_M_CONVERSION);
    free(lua);
    return v;
}

static void test_effect_and_efficacy(void **state)
{
    (void)state;
    const char *b = "on = 'a -> b', effect = 0.6, fix = { efficacy = 0.5 }";
    assert_close(conversion(b, NULL), 1 - pow(1 - 0.3, 4));   /* 0.5 x 0.6 */
    assert_close(conversion(b, "wall"), 1 - pow(1 - 0.4, 4)); /* 0.6 + 0.4 x 0.5 = 0.8 */
    const char *full = "on = { 'a -> b' }, effect = 0.6, fix = {}";
    assert_close(conversion(full, "wall"), 1 - pow(0.5, 4)); /* efficacy 1: no barrier */
}

static void test_time_window_and_launch(void **state)
{
    (void)state;
    /* stands at steps 1 and 2: p = 0.5, 0.3, 0.3, 0.5 */
    assert_close(conversion("on = 'a -> b', effect = 0.6, from = 1, to = 3", NULL),
                 1 - 0.5 * 0.7 * 0.7 * 0.5);
    /* fix launched at step 2: p = 0.3, 0.3, 0.5, 0.5 */
    assert_close(conversion("on = 'a -> b', effect = 0.6, fix = { from = 2 }", "wall"),
                 1 - 0.7 * 0.7 * 0.5 * 0.5);
}

static void test_segment_list(void **state)
{
    (void)state;
    assert_close(conversion("on = 'a -> b', effect = 0.6, segments = { 'x' }", NULL),
                 0.5 * (1 - pow(0.7, 4)) + 0.5 * (1 - pow(0.5, 4)));
}

/* Fix costs: a barrier before conversion is an acquisition cost, after it a
 * retention cost. 100 prospects: one-off 100 + 2 per prospect = 300. */
static void test_fix_costs(void **state)
{
    (void)state;
    char *before =
        chain("on = 'a -> b', effect = 0.6, fix = { cost = 100, cost_per_customer = 2 }", "");
    char *after =
        chain("on = 'b -> c', effect = 0.6, fix = { cost = 100, cost_per_customer = 2 }", "");
    double conv = 100 * (1 - pow(0.5, 4));
    assert_close(exact_metric(before, NULL, "wall", CJM_M_COST), 300);
    assert_close(exact_metric(before, NULL, "wall", CJM_M_CAC), 300 / conv);
    assert_close(exact_metric(after, NULL, "wall", CJM_M_COST), 300);
    assert_close(exact_metric(after, NULL, "wall", CJM_M_CAC), 0);
    assert_close(exact_metric(after, NULL, NULL, CJM_M_COST), 0);
    free(before);
    free(after);
}

/* A variant's set and fixes, and one based on another. */
static void test_variants(void **state)
{
    (void)state;
    char *lua = chain("on = 'a -> b', effect = 0.6, fix = { cost = 50 }",
                      "fixed = { fixes = { 'wall' } },\n"
                      "    faster = { set = { ['transitions.a.b'] = 0.75 } },\n"
                      "    both = { based_on = 'faster', fixes = { 'wall' } },\n"
                      "    both_dearer = { based_on = 'both', set = { ['cohort.size'] = 200 } }");
    assert_close(exact_metric(lua, "fixed", NULL, CJM_M_CONVERSION), 1 - pow(0.5, 4));
    assert_close(exact_metric(lua, "faster", NULL, CJM_M_CONVERSION), 1 - pow(1 - 0.45, 4));
    assert_close(exact_metric(lua, "both", NULL, CJM_M_CONVERSION), 1 - pow(0.25, 4));
    assert_close(exact_metric(lua, "both_dearer", NULL, CJM_M_CONVERTED), 200 * (1 - pow(0.25, 4)));
    assert_close(exact_metric(lua, "both_dearer", NULL, CJM_M_COST), 50);
    free(lua);
}

static cjm_comparison *compare_file(const char *path, cjm_engine_kind engine, int runs, int fixes)
{
    cjm_settings s = cjm_settings_default();
    s.engine = engine;
    s.runs = runs;
    cjm_load_options o = {0};
    cjm_comparison *c = NULL;
    cjm_error err;
    cjm_status st = fixes ? cjm_compare_fixes(path, &o, &s, &c, &err)
                          : cjm_compare_variants(path, &o, NULL, 0, &s, &c, &err);
    if (st != CJM_OK) fail_msg("%s", err.msg);
    return c;
}

/* Agent deltas agree with the exact deltas: family-wise on the agent's
 * paired standard error (199 degrees of freedom); a delta that does not vary
 * across runs (the arm changes nothing it counts) is the exact one to within
 * TU_FLOAT_REL. */
static void test_agent_deltas_match_exact(void **state)
{
    (void)state;
    const char *path = CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua";
    cjm_comparison *a = compare_file(path, CJM_ENGINE_AGENT, 200, 0);
    cjm_comparison *e = compare_file(path, CJM_ENGINE_EXACT, 1, 0);
    assert_int_equal(a->arm_count, e->arm_count);
    int checked = 0;
    for (int i = 0; i < a->arm_count; i++)
        for (int m = 0; m < CJM_M_COUNT; m++) {
            const cjm_summary *da = &a->arms[i].delta[m], *de = &e->arms[i].delta[m];
            assert_string_equal(a->arms[i].name, e->arms[i].name);
            char what[128];
            snprintf(what, sizeof what, "beauty_clinic delta %s, %s", a->arms[i].name,
                     cjm_metric_infos[m].name);
            if (!da->defined || !de->defined) {
                if (da->defined != de->defined) fail_msg("%s: defined for one engine only", what);
            } else if (da->se == 0) {
                tu_assert_float(what, da->mean, de->mean);
            } else {
                tu_check_z(what, da->mean, de->mean, da->se, 199);
            }
            checked++;
        }
    assert_true(checked >= 5 * CJM_M_COUNT);
    cjm_comparison_free(&a);
    cjm_comparison_free(&e);
}

/* A fix that changes one probability a little: with common random numbers
 * the standard error of the difference is at most a third of either side's.
 * (A property, not an estimate: on this seed the ratio is 0.20-0.22; the
 * ratio of two standard errors from the same 200 runs is known to about
 * sqrt(2 / (2 x 199)) = 7% of itself, so 1/3 is log(0.333 / 0.215) / 0.07 =
 * 6 of its standard errors away.) */
static void test_common_random_numbers(void **state)
{
    (void)state;
    char *lua = tu_write_temp(
        "return cjm.scenario {\n"
        "  horizon = 26, cohort = { size = 5000, cost_per_prospect = 1 },\n"
        "  stages = { { 'aware' }, { 'consider' }, { 'buy', converts = true, revenue = 40 },\n"
        "             { 'loyal', revenue_per_step = 5 }, { 'lost', final = true } },\n"
        "  transitions = { aware = { consider = 0.2, lost = 0.1 }, consider = { buy = 0.1, lost = "
        "0.05 },\n"
        "                  buy = { loyal = 0.3, lost = 0.2 }, loyal = { lost = 0.08 } },\n"
        "  barriers = { slow_reply = { on = 'consider -> buy', effect = 0.95, fix = { cost = 10 } "
        "} },\n"
        "  variants = { replied = { fixes = { 'slow_reply' } } },\n"
        "}\n");
    cjm_comparison *c = compare_file(lua, CJM_ENGINE_AGENT, 200, 0);
    static const int metrics[] = {CJM_M_CONVERSION, CJM_M_REVENUE, CJM_M_PROFIT};
    for (size_t i = 0; i < 3; i++) {
        int m = metrics[i];
        double sd = c->arms[0].delta[m].se, sb = c->base.metrics.m[m].se,
               sv = c->arms[0].metrics.m[m].se;
        fprintf(stderr, "common random numbers, %s: se of the difference / se of a side = %.3f\n",
                cjm_metric_infos[m].name, sd / fmin(sb, sv));
        if (!(sd <= sb / 3 && sd <= sv / 3))
            fail_msg("%s: se of the difference %g, of the sides %g and %g",
                     cjm_metric_infos[m].name, sd, sb, sv);
    }
    assert_true(c->arms[0].p_profit_up > 0.5);
    cjm_comparison_free(&c);
    unlink(lua);
    free(lua);
}

/* Three fixes of known worth: `big` (x0.5 removed) > `small` (x0.9) > `dear`
 * (costs more than it brings). Ranked in that order; greedy takes big + small. */
static void test_fixes_ranking(void **state)
{
    (void)state;
    char *lua =
        tu_write_temp("return cjm.scenario {\n"
                      "  horizon = 10, cohort = { size = 1000 },\n"
                      "  stages = { { 'a' }, { 'b' }, { 'c', converts = true, revenue = 100 } },\n"
                      "  transitions = { a = { b = 0.3 }, b = { c = 0.3 } },\n"
                      "  barriers = {\n"
                      "    small = { on = 'b -> c', effect = 0.9, fix = { cost = 10 } },\n"
                      "    dear = { on = 'a -> b', effect = 0.98, fix = { cost = 100000 } },\n"
                      "    big = { on = 'a -> b', effect = 0.5, fix = { cost = 10 } },\n"
                      "  },\n"
                      "}\n");
    cjm_comparison *c = compare_file(lua, CJM_ENGINE_EXACT, 1, 1);
    assert_int_equal(c->arm_count, 3);
    assert_string_equal(c->arms[0].name, "big");
    assert_string_equal(c->arms[1].name, "small");
    assert_string_equal(c->arms[2].name, "dear");
    assert_true(c->arms[2].delta[CJM_M_PROFIT].mean < 0);
    assert_non_null(c->best);
    assert_string_equal(c->best->name, "big + small");
    cjm_comparison_free(&c);
    unlink(lua);
    free(lua);
}

typedef struct bad {
    const char *barrier, *variants, *variant, *fix, *want;
} bad;

static void test_bad_names_and_values(void **state)
{
    (void)state;
    static const bad cases[] = {
        {"on = 'a -> z', effect = 0.5", "", NULL, NULL, "barriers.wall.on: unknown stage 'z'"},
        {"on = 'b -> a', effect = 0.5", "", NULL, NULL, "there is no transition b -> a"},
        {"on = 'a b', effect = 0.5", "", NULL, NULL, "is not a transition"},
        {"on = 'a -> b', effect = 0", "", NULL, NULL, "barriers.wall.effect: must be above 0"},
        {"on = 'a -> b', effect = 1.5", "", NULL, NULL,
         "barriers.wall.effect: 1.5 is out of range"},
        {"on = 'a -> b'", "", NULL, NULL, "effect is missing"},
        {"on = 'a -> b', effect = 0.5, fix = { efficacy = 2 }", "", NULL, NULL,
         "barriers.wall.fix.efficacy: 2 is out of range"},
        {"on = 'a -> b', effect = 0.5, fix = { cots = 2 }", "", NULL, NULL,
         "barriers.wall.fix.cots: unknown key"},
        {"on = 'a -> b', effect = 0.5, segments = { 'z' }", "", NULL, NULL,
         "barriers.wall.segments: entry 1 is not a segment name"},
        {"on = 'a -> b', effect = 0.5, from = 3, to = 2", "", NULL, NULL,
         "barriers.wall.to: 2 is out of range"},
        {"on = 'a -> b', effect = 0.5, fix = {}", "", NULL, "door",
         "--fix: 'door' is not a barrier"},
        {"on = 'a -> b', effect = 0.5", "", NULL, "wall", "barrier 'wall' has no fix"},
        {"on = 'a -> b', effect = 0.5", "v = { fixes = { 'door' } }", "v", NULL,
         "variants.v.fixes: 'door' is not a barrier"},
        {"on = 'a -> b', effect = 0.5", "v = { based_on = 'w' }, w = { based_on = 'v' }", "v", NULL,
         "cycle"},
        {"on = 'a -> b', effect = 0.5", "v = { based_on = 'nope' }", "v", NULL,
         "no variant named 'nope'"},
        {"on = 'a -> b', effect = 0.5", "v = {}", "w", NULL,
         "no variant named 'w' (the variants are v)"},
        {"on = 'a -> b', effect = 0.5", "z = {}, v = {}, m = {}", "w", NULL,
         "no variant named 'w' (the variants are m, v, z)"},
        {"on = 'a -> b', effect = 0.5", "v = { set = { ['transitions.a.q'] = 1 } }", "v", NULL,
         "variant v: set transitions.a.q: no such value"},
        {"on = 'a -> b', effect = 0.5", "v = { set = { ['transitions.a.b'] = 3 } }", "v", NULL,
         "transitions.a.b: probability 3 is above 1"},
        {"on = 'a -> b', effect = 0.5", "v = { fixe = {} }", "v", NULL,
         "variants.v: unknown key 'fixe'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *lua = chain(cases[i].barrier, cases[i].variants);
        char *path = tu_write_temp(lua);
        const char *fixes[] = {cases[i].fix};
        cjm_load_options o = {
            .fixes = fixes, .fix_count = cases[i].fix ? 1 : 0, .variant = cases[i].variant};
        cjm_model *m = NULL;
        cjm_error err = {0};
        cjm_status st = cjm_model_load(path, &o, &m, &err);
        if (st != CJM_ESCENARIO || !strstr(err.msg, cases[i].want) || strchr(err.msg, '\n'))
            fail_msg("case %zu: status %d, message '%s', want '%s'", i, st, err.msg, cases[i].want);
        if (strncmp(err.msg, path, strlen(path)) != 0)
            fail_msg("case %zu: '%s' does not name the file", i, err.msg);
        cjm_model_free(&m);
        unlink(path);
        free(path);
        free(lua);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_effect_and_efficacy),
        cmocka_unit_test(test_time_window_and_launch),
        cmocka_unit_test(test_segment_list),
        cmocka_unit_test(test_fix_costs),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_agent_deltas_match_exact),
        cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_fixes_ranking),
        cmocka_unit_test(test_bad_names_and_values),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
