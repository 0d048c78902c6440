/* The planner's P&L: cogs, fixed costs, discounting, the cash flow, payback
 * and the breakdown, against amounts worked out by hand (each closed form is
 * in the comments), the identities in every run of every engine on every
 * example, and the agent and cohort engines against the exact one within a
 * family-wise tolerance (testutil.h: every comparison of the program is
 * judged together by tu_fw_verdict). */
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

#include "special.h"
#include "testutil.h"

/* Closed forms are evaluated in double precision, as is the engine
 * (TU_FLOAT_REL, testutil.h, says why 1e-9 relative). */
static void assert_close(const char *what, double got, double want)
{
    tu_assert_float(what, got, want);
}

static cjm_settings engine_settings(cjm_engine_kind e, int runs, int64_t customers)
{
    cjm_settings s = cjm_settings_default();
    s.engine = e;
    s.runs = runs;
    s.customers = customers;
    s.threads = 2;
    return s;
}

static cjm_result *run_exact(const char *lua, cjm_metrics *mt, cjm_model **m)
{
    *m = tu_load_text(lua);
    cjm_settings s = engine_settings(CJM_ENGINE_EXACT, 1, 0);
    return tu_run(*m, &s, mt);
}

#define CHAIN(AMOUNT)                                                                              \
    "return cjm.scenario {\n"                                                                      \
    "  horizon = 5, cohort = { size = 1000, cost_per_prospect = 0.5 },\n"                          \
    "  stages = { { 'a', cost_per_step = 1 },\n"                                                   \
    "             { 'b', converts = true, revenue = 100, " AMOUNT " = 40 },\n"                     \
    "             { 'lost', final = true } },\n"                                                   \
    "  transitions = { a = { b = 0.3 }, b = { lost = 0.2 } },\n"                                   \
    "}\n"

/* a -(0.3)-> b (converts) -(0.2)-> lost, H = 5: b's 40 on entry as cogs or
 * as a cost. Converted = 1000 (1 - 0.7^5), each entering b once; a's steps
 * sum to 1000 (1 - 0.7^5) / 0.3. As cogs the 40 is in cost and profit but
 * not in CAC; as a cost it is in CAC (paid at conversion). */
static void test_cogs_leave_cac(void **state)
{
    (void)state;
    cjm_metrics mc, mk;
    cjm_model *m1, *m2;
    cjm_result *rc = run_exact(CHAIN("cogs"), &mc, &m1);
    cjm_result *rk = run_exact(CHAIN("cost"), &mk, &m2);
    double conv = 1000 * (1 - pow(0.7, 5)), a_steps = conv / 0.3;
    double acq = 500 + a_steps;
    assert_close("cac (cogs)", mc.m[CJM_M_CAC].mean, acq / conv);
    assert_close("cac (cost)", mk.m[CJM_M_CAC].mean, (acq + 40 * conv) / conv);
    assert_close("cost", mc.m[CJM_M_COST].mean, mk.m[CJM_M_COST].mean);
    assert_close("cost", mc.m[CJM_M_COST].mean, acq + 40 * conv);
    assert_close("profit", mc.m[CJM_M_PROFIT].mean, mk.m[CJM_M_PROFIT].mean);
    assert_close("gross margin", mc.m[CJM_M_GROSS_MARGIN].mean, 60 * conv);
    assert_close("gross margin (no cogs)", mk.m[CJM_M_GROSS_MARGIN].mean, 100 * conv);
    assert_close("ltv margin", mc.m[CJM_M_LTV_MARGIN].mean, 60);
    assert_close("ltv / cac", mc.m[CJM_M_LTV_CAC].mean, 60 / (acq / conv));
    assert_true(m1->has_cogs && !m2->has_cogs);
    cjm_result_free(&rc), cjm_result_free(&rk);
    cjm_metrics_free(&mc), cjm_metrics_free(&mk);
    cjm_model_free(&m1), cjm_model_free(&m2);
}

/* One prospect, nothing to buy: only the fixed costs move money. A platform
 * fee of 3,200 a month over 12 months is 38,400, paid at t = 0..11; a launch
 * of 5,000 once at t = 3; a fee that starts at 6 and stops before 9 is paid
 * three times. */
static const char fees[] = "return cjm.scenario {\n"
                           "  step = 'month', horizon = 12, cohort = { size = 1 },\n"
                           "  stages = { { 'client', converts = true } },\n"
                           "  transitions = {},\n"
                           "  costs = {\n"
                           "    platform = { per_step = 3200 },\n"
                           "    launch = { once = 5000, at = 3, role = 'acquisition' },\n"
                           "    summer = { per_step = 100, from = 6, to = 9 },\n"
                           "  },\n"
                           "}\n";

static void test_fixed_costs(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_exact(fees, &mt, &m);
    assert_close("cost", mt.m[CJM_M_COST].mean, 38400 + 5000 + 300);
    assert_close("cac", mt.m[CJM_M_CAC].mean, 5000); /* the launch only: 1 converted */
    for (int t = 0; t <= 12; t++) {
        double want = (t < 12 ? 3200 : 0) + (t == 3 ? 5000 : 0) + (t >= 6 && t < 9 ? 100 : 0);
        assert_close("cost at t", mt.cashflow[CJM_CF_COST][t].mean, want);
    }
    assert_int_equal(r->line_count, 4); /* ad spend, then the costs in file order */
    assert_string_equal(r->lines[1].path, "costs.platform");
    assert_close("platform line", mt.lines[1].mean, 38400);
    assert_string_equal(r->lines[2].path, "costs.launch");
    assert_string_equal(r->lines[3].path, "costs.summer");
    assert_int_equal(mt.payback, -1);
    assert_close("never paid back", mt.share_paid_back, 0);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Discounting at 10% a year, monthly steps: v = 1.1^(-1/12) per step. A
 * one-off 1,000 at t = 12 is worth 1000 / 1.1; 100 a step for t = 0..11 is
 * 100 (1 - v^12) / (1 - v); ten customers converting at 0 who each earn 5 a
 * step give 50 (1 - v^12) / (1 - v), and a discounted LTV of a tenth of it. */
static const char discounted[] =
    "return cjm.scenario {\n"
    "  step = 'month', horizon = 12, cohort = { size = 10 },\n"
    "  discount = { rate = 0.10 },\n"
    "  stages = { { 'client', converts = true, revenue_per_step = 5 } },\n"
    "  transitions = {},\n"
    "  costs = { once = { once = 1000, at = 12 },\n"
    "            stream = { per_step = 100 } },\n"
    "}\n";

static void test_discounting(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_exact(discounted, &mt, &m);
    double v = pow(1.1, -1.0 / 12), annuity = (1 - pow(v, 12)) / (1 - v);
    assert_close("step years", m->step_years, 1.0 / 12);
    assert_close("npv", mt.m[CJM_M_NPV].mean, 50 * annuity - 1000 / 1.1 - 100 * annuity);
    assert_close("profit", mt.m[CJM_M_PROFIT].mean, 600 - 1000 - 1200);
    assert_close("ltv discounted", mt.m[CJM_M_LTV_DISCOUNTED].mean, 5 * annuity);
    assert_close("ltv", mt.m[CJM_M_LTV].mean, 60);
    double cumulative = 0;
    for (int t = 0; t <= 12; t++) {
        double paid = (t < 12 ? 50 - 100 : 0) - (t == 12 ? 1000 : 0);
        cumulative += paid * pow(v, t);
        assert_close("discounted at t", mt.cashflow[CJM_CF_DISCOUNTED][t].mean, paid * pow(v, t));
        assert_close("cumulative discounted", mt.cashflow[CJM_CF_CUMULATIVE_DISCOUNTED][t].mean,
                     cumulative);
    }
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Ten prospects at 50 each (-500 at t = 0), all converting at once and
 * earning `PER` a step each: cumulative profit at t is -500 + 10 PER (t + 1).
 * With 12 it first reaches 0 at t = 4 (600 >= 500; 480 at t = 3); with 1 it
 * never does within 10 steps. */
#define PAYBACK(PER)                                                                               \
    "return cjm.scenario {\n"                                                                      \
    "  horizon = 10, cohort = { size = 10, cost_per_prospect = 50 },\n"                            \
    "  stages = { { 'client', converts = true, revenue_per_step = " PER " } },\n"                  \
    "  transitions = {},\n"                                                                        \
    "}\n"

static void test_payback(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_exact(PAYBACK("12"), &mt, &m);
    assert_int_equal(mt.payback, 4);
    assert_close("paid back", mt.share_paid_back, 1);
    assert_close("cumulative at 3", mt.cashflow[CJM_CF_CUMULATIVE][3].mean, -20);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
    r = run_exact(PAYBACK("1"), &mt, &m);
    assert_int_equal(mt.payback, -1);
    assert_close("not paid back", mt.share_paid_back, 0);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* Amounts by segment: 30% pay 10 on entry and 2 a step, 70% pay 20 and 1;
 * all convert at 0 and stay H = 4 steps: revenue = N (0.3 (10 + 8) + 0.7
 * (20 + 4)); with cogs of 3 a step for the first segment only. */
static const char by_segment[] =
    "return cjm.scenario {\n"
    "  horizon = 4, cohort = { size = 1000 },\n"
    "  segments = { { 'x', share = 0.3 }, { 'y', share = 0.7 } },\n"
    "  stages = { { 'client', converts = true, revenue = { x = 10, y = 20 },\n"
    "               revenue_per_step = { x = 2, y = 1 }, cogs_per_step = { x = 3, y = 0 } } },\n"
    "  transitions = {},\n"
    "}\n";

static void test_amounts_by_segment(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_exact(by_segment, &mt, &m);
    assert_true(m->money_by_segment);
    assert_close("revenue", mt.m[CJM_M_REVENUE].mean, 1000 * (0.3 * 18 + 0.7 * 24));
    assert_close("cogs", mt.m[CJM_M_REVENUE].mean - mt.m[CJM_M_GROSS_MARGIN].mean, 1000 * 0.3 * 12);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* In every run: the breakdown's lines are the totals (the same sums in the
 * same order: equal), the cash flow's sums are the totals up to the
 * rounding of sums in another order (1e-9 relative of the sum of absolute
 * amounts, far above the 2^-53 per term that rounding costs). */
static void check_identities(const char *what, const cjm_result *r)
{
    const cjm_row_layout *w = &r->row;
    for (int run = 0; run < r->runs; run++) {
        const double *row = cjm_result_row(r, run);
        double lines[CJM_MONEY_KINDS] = {0}, flow[3] = {0}, scale = 0, npv = 0, all_cost = 0;
        for (int i = 0; i < r->line_count; i++) {
            lines[r->lines[i].kind] += row[w->lines + i];
            if (r->lines[i].kind != CJM_REVENUE) all_cost += row[w->lines + i];
        }
        for (int t = 0; t <= r->horizon; t++) {
            flow[0] += row[w->revenue_t + t];
            flow[1] += row[w->cost_t + t];
            flow[2] += row[w->cogs_t + t];
            npv += row[w->dprofit_t + t];
            scale += fabs(row[w->revenue_t + t]) + fabs(row[w->cost_t + t]);
        }
        if (lines[CJM_REVENUE] != row[CJM_T_REVENUE] || all_cost != row[CJM_T_COST] ||
            lines[CJM_COGS] != row[CJM_T_COGS])
            fail_msg("%s run %d: lines %.17g %.17g %.17g, totals %.17g %.17g %.17g", what, run,
                     lines[CJM_REVENUE], lines[CJM_COST], lines[CJM_COGS], row[CJM_T_REVENUE],
                     row[CJM_T_COST], row[CJM_T_COGS]);
        double tol = 1e-9 * (scale > 1 ? scale : 1);
        if (fabs(flow[0] - row[CJM_T_REVENUE]) > tol || fabs(flow[1] - row[CJM_T_COST]) > tol ||
            fabs(flow[2] - row[CJM_T_COGS]) > tol || fabs(npv - row[CJM_T_NPV]) > tol)
            fail_msg("%s run %d: cash flow %.17g %.17g %.17g npv %.17g, totals %.17g %.17g "
                     "%.17g npv %.17g",
                     what, run, flow[0], flow[1], flow[2], npv, row[CJM_T_REVENUE], row[CJM_T_COST],
                     row[CJM_T_COGS], row[CJM_T_NPV]);
    }
}

static const char *const example_files[] = {
    "scenarios/beauty_clinic.lua",   "scenarios/wedding_salon.lua",
    "scenarios/b2b_software.lua",    "scenarios/online_school.lua",
    "scenarios/pram_online.lua",     "tests/scenarios/cycles.lua",
    "tests/scenarios/two_stage.lua", "tests/scenarios/issue_example.lua",
    "tests/scenarios/pnl.lua",
};

static cjm_model *load_file(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CJM_SOURCE_DIR, rel);
    cjm_model *m = NULL;
    cjm_error err = {0};
    if (cjm_model_load(path, NULL, &m, &err) != CJM_OK) fail_msg("%s: %s", rel, err.msg);
    return m;
}

static void test_identities_everywhere(void **state)
{
    (void)state;
    const cjm_engine_kind engines[] = {CJM_ENGINE_AGENT, CJM_ENGINE_EXACT, CJM_ENGINE_COHORT};
    for (size_t f = 0; f < sizeof example_files / sizeof example_files[0]; f++) {
        cjm_model *m = load_file(example_files[f]);
        for (int e = 0; e < 3; e++) {
            if (engines[e] != CJM_ENGINE_AGENT && m->per_customer_count > 0) continue;
            cjm_settings s = engine_settings(engines[e], 5, 2000);
            cjm_result *r = NULL;
            cjm_error err = {0};
            if (cjm_run(m, &s, &r, &err) != CJM_OK) fail_msg("%s: %s", example_files[f], err.msg);
            char what[320];
            snprintf(what, sizeof what, "%s (engine %d)", example_files[f], e);
            check_identities(what, r);
            cjm_result_free(&r);
        }
        cjm_model_free(&m);
    }
}

/* ---- the sampling engines against the exact one ---- */

/* A sampled summary against the exact value, recorded family-wise (a
 * summary without spread must be the exact value). */
static void family_check(const char *what, const cjm_summary *sampled, const cjm_summary *exact,
                         int runs)
{
    if (!exact->defined) return;
    if (sampled->se == 0 || !isfinite(sampled->se)) {
        tu_assert_float(what, sampled->mean, exact->mean);
        return;
    }
    tu_check_z(what, sampled->mean, exact->mean, sampled->se, runs - 1);
}

/* The P&L metrics, the cash flow at every step and the breakdown's lines. */
static void compare_pnl(const char *engine, const cjm_result *ra, const cjm_metrics *ma,
                        const cjm_metrics *me)
{
    const int metrics[] = {CJM_M_GROSS_MARGIN, CJM_M_LTV_MARGIN, CJM_M_LTV_CAC, CJM_M_NPV,
                           CJM_M_LTV_DISCOUNTED};
    char what[320];
    for (int i = 0; i < 5; i++) {
        snprintf(what, sizeof what, "%s %s", engine, cjm_metric_infos[metrics[i]].name);
        family_check(what, &ma->m[metrics[i]], &me->m[metrics[i]], ra->runs);
    }
    const int series[] = {CJM_CF_REVENUE, CJM_CF_COGS, CJM_CF_COST, CJM_CF_DISCOUNTED};
    for (int k = 0; k < 4; k++)
        for (int t = 0; t <= ma->horizon; t++) {
            snprintf(what, sizeof what, "%s cashflow %s[%d]", engine, cjm_cashflow_names[series[k]],
                     t);
            family_check(what, &ma->cashflow[series[k]][t], &me->cashflow[series[k]][t], ra->runs);
        }
    for (int i = 0; i < ra->line_count; i++) {
        snprintf(what, sizeof what, "%s line %s", engine, ra->lines[i].path);
        family_check(what, &ma->lines[i], &me->lines[i], ra->runs);
    }
}

/* tests/scenarios/pnl.lua (segments with their own amounts, cogs, fixed costs
 * of every kind, discounting, referrals) under the agent and cohort engines:
 * every P&L quantity against the exact value, judged family-wise. */
static void test_engines_agree(void **state)
{
    (void)state;
    cjm_model *m = load_file("tests/scenarios/pnl.lua");
    cjm_settings s = engine_settings(CJM_ENGINE_EXACT, 1, 4000);
    cjm_metrics me, ma, mc;
    cjm_result *re = tu_run(m, &s, &me);
    s = engine_settings(CJM_ENGINE_AGENT, 400, 4000);
    s.seed = 11;
    cjm_result *ra = tu_run(m, &s, &ma);
    s.engine = CJM_ENGINE_COHORT;
    cjm_result *rc = tu_run(m, &s, &mc);
    compare_pnl("agent", ra, &ma, &me);
    compare_pnl("cohort", rc, &mc, &me);
    cjm_result_free(&re), cjm_result_free(&ra), cjm_result_free(&rc);
    cjm_metrics_free(&me), cjm_metrics_free(&ma), cjm_metrics_free(&mc);
    cjm_model_free(&m);
}

/* ---- bad input: one line, file and line, exit status 1 ---- */

static void expect_error(const char *lua, const char *want)
{
    char msg[1024];
    cjm_status st = tu_load_error(lua, msg, sizeof msg);
    if (st != CJM_ESCENARIO) fail_msg("status %d (%s), want a scenario error", st, msg);
    if (!strstr(msg, want)) fail_msg("message '%s' lacks '%s'", msg, want);
    if (!strstr(msg, ".lua:")) fail_msg("message '%s' names no file and line", msg);
}

#define WITH(TOP)                                                                                  \
    "return cjm.scenario {\n"                                                                      \
    "  step = 'month', horizon = 12, cohort = { size = 1 },\n"                                     \
    "  stages = { { 'client', converts = true }, { 'lost', final = true } },\n"                    \
    "  transitions = { client = { lost = 0.1 } },\n"                                               \
    "  barriers = { slow = { on = 'client -> lost', effect = 0.9, fix = { cost = 1 } } },\n"       \
    "  variants = { promo = { set = { ['cohort.size'] = 2 } } },\n" TOP "\n"                       \
    "}\n"

static void test_bad_input(void **state)
{
    (void)state;
    expect_error(WITH("discount = { rate = -0.1 },"),
                 "discount.rate: -0.10000000000000001 is out of range");
    expect_error(WITH("costs = { fee = { per_step = 1, from = 5, to = 2 } },"),
                 "costs.fee.to: 2 is before from = 5");
    expect_error(WITH("costs = { fee = { variant = 'nosuch', once = 1 } },"),
                 "costs.fee.variant: 'nosuch' is not a variant (variants: promo)");
    expect_error(WITH("costs = { fee = { fix = 'fast', once = 1 } },"),
                 "costs.fee.fix: 'fast' is not a barrier with a fix (barriers with fixes: slow)");
    expect_error(WITH("costs = { fee = { at = 3 } },"), "costs.fee: give once");
    expect_error(WITH("costs = { fee = { once = 1, rol = 'x' } },"), "costs.fee.rol: unknown key");
    expect_error(WITH("costs = { fee = { once = 1, role = 'marketing' } },"),
                 "costs.fee.role: expected \"acquisition\" or \"retention\"");
    /* Lua would keep the second step silently: refused, both lines named */
    expect_error(WITH("discount = { rate = 0.1 }, step = 'session',"),
                 ":7: key 'step' written twice: lines 2 and 7");
    expect_error("return cjm.scenario { step = 'session', horizon = 12, cohort = { size = 1 },\n"
                 "  stages = { { 'client', converts = true }, { 'lost', final = true } },\n"
                 "  transitions = { client = { lost = 0.1 } }, discount = { rate = 0.1 } }\n",
                 "discounting needs a step of known length");
    expect_error(WITH("discount = { },"), "discount: rate is missing");
    expect_error("return cjm.scenario { horizon = 2, cohort = { size = 1 },\n"
                 "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
                 "  stages = { { 'a', converts = true, cogs = { x = 1, z = 2 } } },\n"
                 "  transitions = {} }\n",
                 "stages.a.cogs.z: unknown key");
    expect_error("return cjm.scenario { horizon = 2, cohort = { size = 1 },\n"
                 "  stages = { { 'a', converts = true, cogs = -1 } }, transitions = {} }\n",
                 "stages.a.cogs: -1 is out of range");
}

/* A variant's fixed costs count in that variant only; a fix's when applied. */
static void test_owned_costs(void **state)
{
    (void)state;
    const char *lua = WITH("costs = { ads = { variant = 'promo', once = 7 },\n"
                           "          crm = { fix = 'slow', per_step = 2 } },");
    char *path = tu_write_temp(lua);
    cjm_model *base = NULL, *promo = NULL, *fixed = NULL;
    cjm_error err = {0};
    cjm_load_options o = {0};
    assert_int_equal(cjm_model_load(path, &o, &base, &err), CJM_OK);
    o.variant = "promo";
    assert_int_equal(cjm_model_load(path, &o, &promo, &err), CJM_OK);
    const char *fixes[] = {"slow"};
    o.variant = NULL;
    o.fixes = fixes;
    o.fix_count = 1;
    assert_int_equal(cjm_model_load(path, &o, &fixed, &err), CJM_OK);
    cjm_settings s = engine_settings(CJM_ENGINE_EXACT, 1, 0);
    cjm_metrics mb, mp, mf;
    cjm_result *rb = tu_run(base, &s, &mb), *rp = tu_run(promo, &s, &mp),
               *rf = tu_run(fixed, &s, &mf);
    assert_close("promo costs 7 more", mp.m[CJM_M_COST].mean - mb.m[CJM_M_COST].mean, 7);
    assert_close("the fix costs 1 + 2 x 12", mf.m[CJM_M_COST].mean - mb.m[CJM_M_COST].mean, 25);
    cjm_result_free(&rb), cjm_result_free(&rp), cjm_result_free(&rf);
    cjm_metrics_free(&mb), cjm_metrics_free(&mp), cjm_metrics_free(&mf);
    cjm_model_free(&base), cjm_model_free(&promo), cjm_model_free(&fixed);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cogs_leave_cac),     cmocka_unit_test(test_fixed_costs),
        cmocka_unit_test(test_discounting),        cmocka_unit_test(test_payback),
        cmocka_unit_test(test_amounts_by_segment), cmocka_unit_test(test_identities_everywhere),
        cmocka_unit_test(test_engines_agree),      cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_owned_costs),        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
