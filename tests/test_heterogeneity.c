/* People who differ and arrive over time: per-customer probabilities (the
 * shifted-beta-geometric curve), time in stage, min_steps, arrivals and
 * referrals, against closed forms and the exact engine. */
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

/* Fader and Hardie (2007): with churn probabilities beta(0.704, 1.182) across
 * customers, the share surviving t periods is S(t) = B(a, b + t) / B(a, b).
 * Everyone converts at step 0 (the first stage converts), so retention[t] is
 * the share of the 10^6 customers alive at t: each is alive with
 * probability S(t) independently of the others (each draws its own churn
 * probability), a binomial proportion with standard error
 * sqrt(S (1 - S) / 10^6), known. */
static void test_shifted_beta_geometric(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(
        "return cjm.scenario {\n"
        "  horizon = 12, cohort = { size = 1000000 },\n"
        "  stages = { { 'customer', converts = true }, { 'gone', final = true } },\n"
        "  transitions = { customer = { gone = cjm.per_customer(cjm.beta(0.704, 1.182)) } },\n"
        "}\n");
    cjm_settings s = cjm_settings_default();
    s.runs = 1;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    for (int t = 1; t <= 12; t++) {
        double want = exp(cjm_lbeta(0.704, 1.182 + t) - cjm_lbeta(0.704, 1.182));
        char what[64];
        snprintf(what, sizeof what, "shifted-beta-geometric retention[%d]", t);
        tu_check_z(what, mt.retention[t].mean, want, sqrt(want * (1 - want) / 1e6), 0);
    }
    /* the curve flattens: the year-on-year survival rises (the leavers go first) */
    assert_true(mt.retention[12].mean / mt.retention[11].mean >
                mt.retention[2].mean / mt.retention[1].mean);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* The sBG log-likelihood of Fader and Hardie's Table 1 (regular customers,
 * years 1-7: n_t survivors of 1000 after t years): the churners of year t
 * with P(T = t) = B(a + 1, b + t - 1) / B(a, b), the survivors of year 7 with
 * S(7) = B(a, b + 7) / B(a, b). */
static double sbg_loglik(double a, double b)
{
    static const double n[] = {1000, 631, 468, 382, 326, 289, 262, 241};
    double ll = n[7] * (cjm_lbeta(a, b + 7) - cjm_lbeta(a, b));
    for (int t = 1; t <= 7; t++)
        ll += (n[t - 1] - n[t]) * (cjm_lbeta(a + 1, b + t - 1) - cjm_lbeta(a, b));
    return ll;
}

/* The published fit, alpha = 0.704 and beta = 1.182 (shared/data), is the
 * maximum of that likelihood: Newton's method from the published point, with
 * central differences (step 1e-4: their error, ~1e-8 of the curvature,
 * moves the optimum by far less than the tolerance), converges to a maximum
 * within half a unit of the published figures' third decimal, their
 * rounding. */
static void test_sbg_fit_matches_published(void **state)
{
    (void)state;
    double a = 0.704, b = 1.182, h = 1e-4, step = 1;
    for (int it = 0; it < 20 && step > 1e-10; it++) {
        double f = sbg_loglik(a, b);
        double ga = (sbg_loglik(a + h, b) - sbg_loglik(a - h, b)) / (2 * h);
        double gb = (sbg_loglik(a, b + h) - sbg_loglik(a, b - h)) / (2 * h);
        double haa = (sbg_loglik(a + h, b) - 2 * f + sbg_loglik(a - h, b)) / (h * h);
        double hbb = (sbg_loglik(a, b + h) - 2 * f + sbg_loglik(a, b - h)) / (h * h);
        double hab = (sbg_loglik(a + h, b + h) - sbg_loglik(a + h, b - h) -
                      sbg_loglik(a - h, b + h) + sbg_loglik(a - h, b - h)) /
                     (4 * h * h);
        double det = haa * hbb - hab * hab;
        assert_true(det > 0 && haa < 0); /* a maximum */
        double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        a -= da, b -= db;
        step = fabs(da) + fabs(db);
    }
    /* converged: the differences round by ~eps |ll| / h = 2e-9 in the gradient,
     * which over curvatures of 200 to 1100 leaves a jitter below 1e-10 */
    assert_true(step <= 1e-8);
    if (!(fabs(a - 0.704) <= 0.0005 && fabs(b - 1.182) <= 0.0005))
        fail_msg("the sBG maximum is alpha %.5f, beta %.5f; published 0.704, 1.182", a, b);
}

static void test_exact_refuses_per_customer(void **state)
{
    (void)state;
    cjm_model *m =
        tu_load_text("return cjm.scenario {\n"
                     "  horizon = 3, cohort = { size = 10 },\n"
                     "  stages = { { 'a', converts = true }, { 'gone', final = true } },\n"
                     "  transitions = { a = { gone = cjm.per_customer(cjm.beta(1, 2)) } },\n"
                     "}\n");
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_result *r = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EUSAGE);
    assert_non_null(strstr(err.msg, ":4: transitions.a.gone: the exact engine cannot compute "
                                    "per-customer probabilities"));
    cjm_model_free(&m);
}

/* A consultation that gets likelier the longer it waits, and a trial nobody
 * leaves before 3 steps: agent against exact. */
static const char dwell_scenario[] =
    "return cjm.scenario {\n"
    "  horizon = 20, cohort = { size = 3000, cost_per_prospect = 1 },\n"
    "  segments = { { 'x', share = 0.7 }, { 'y', share = 0.3 } },\n"
    "  stages = { { 'lead' }, { 'booked', cost_per_step = 1 }, { 'trial', min_steps = 3, cost = 5 "
    "},\n"
    "             { 'client', converts = true, revenue = 50, revenue_per_step = 2 },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = {\n"
    "    lead = { booked = 0.2, lost = 0.05 },\n"
    "    booked = { trial = function(c) return math.min(0.1 + 0.05 * c.dwell, 0.6) end,\n"
    "               lost = function(c) return c.segment == 'x' and 0.02 or 0.05 end },\n"
    "    trial = { client = 0.4, lost = 0.1 },\n"
    "    client = { lost = function(c) return 0.05 + 0.01 * math.min(c.dwell, 10) end },\n"
    "  },\n"
    "}\n";

static void test_dwell_and_min_steps_agent_vs_exact(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(dwell_scenario);
    assert_int_equal(m->dwell_count, 2);
    tu_compare_engines(m, 200, 3000, 5);
    cjm_model_free(&m);
}

/* min_steps by hand: a -> b with probability 1, but nobody leaves a before 3
 * steps: everyone converts at step 3 exactly. */
static void test_min_steps_by_hand(void **state)
{
    (void)state;
    for (int H = 2; H <= 4; H++) {
        char text[512];
        snprintf(text, sizeof text,
                 "return cjm.scenario { horizon = %d, cohort = { size = 100 },\n"
                 "  stages = { { 'a', min_steps = 3 }, { 'b', converts = true } },\n"
                 "  transitions = { a = { b = 1 } } }\n",
                 H);
        cjm_model *m = tu_load_text(text);
        cjm_settings s = cjm_settings_default();
        cjm_metrics ma, me;
        cjm_result *ra = tu_run(m, &s, &ma);
        s.engine = CJM_ENGINE_EXACT;
        cjm_result *re = tu_run(m, &s, &me);
        double want = H >= 3 ? 1 : 0;
        assert_true(ma.m[CJM_M_CONVERSION].mean == want); /* counts: exactly */
        tu_assert_float("min_steps conversion", me.m[CJM_M_CONVERSION].mean, want);
        cjm_result_free(&ra), cjm_result_free(&re);
        cjm_metrics_free(&ma), cjm_metrics_free(&me);
        cjm_model_free(&m);
    }
}

static const char arrivals_scenario[] =
    "return cjm.scenario {\n"
    "  horizon = 12, cohort = { size = 500, cost_per_prospect = 2,\n"
    "    arrivals = function(t) return 100 + 10 * t end },\n"
    "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = 30 }, { 'lost', final = true } "
    "},\n"
    "  transitions = { lead = { buyer = 0.1, lost = 0.05 }, buyer = { lost = 0.1 } },\n"
    "}\n";

/* Arrivals: 500 at once plus 100 + 10 t at each step t < 12. */
static void test_arrivals(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(arrivals_scenario);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    double prospects = 500 + 12 * 100 + 10 * 66, converted = 0;
    /* a prospect arriving at a converts by H with 1 - 0.85^(H - a), times 0.1/0.15 */
    for (int a = 0; a < 12; a++)
        converted += (a == 0 ? 600 : 100 + 10 * a) * (1 - pow(0.85, 12 - a)) * (0.1 / 0.15);
    tu_assert_float("arrivals: prospects", cjm_result_row(r, 0)[CJM_T_PROSPECTS], prospects);
    tu_assert_float("arrivals: converted", mt.m[CJM_M_CONVERTED].mean, converted);
    tu_assert_float("arrivals: cost", mt.m[CJM_M_COST].mean, 2 * prospects);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    tu_compare_engines(m, 200, 0, 7);
    cjm_model_free(&m);
}

/* acquisition: a budget of 300 a step at 1.5 a prospect is 200 prospects a step. */
static void test_acquisition_budget(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(
        "return cjm.scenario {\n"
        "  horizon = 10, acquisition = { budget_per_step = 300, cost_per_prospect = 1.5 },\n"
        "  stages = { { 'lead' }, { 'buyer', converts = true } },\n"
        "  transitions = { lead = { buyer = 0.2 } },\n"
        "}\n");
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_true(cjm_result_row(r, 0)[CJM_T_PROSPECTS] == 2000); /* whole prospects */
    tu_assert_float("budget: cost", mt.m[CJM_M_COST].mean, 3000);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

static const char referral_scenario[] =
    "return cjm.scenario {\n"
    "  horizon = 15, cohort = { size = 2000, cost_per_prospect = 3 },\n"
    "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
    "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = 40, cost = 2 },\n"
    "             { 'fan', refers = %s, referral_cost = 10, refers_to = 'warm' },\n"
    "             { 'warm', cost = 1 }, { 'lost', final = true } },\n"
    "  transitions = { lead = { buyer = { x = 0.1, y = 0.05 }, lost = 0.05 },\n"
    "                  warm = { buyer = 0.3, lost = 0.1 },\n"
    "                  buyer = { fan = 0.3, lost = 0.1 }, fan = { lost = 0.15 } },\n"
    "}\n";

static cjm_model *referral_model(const char *rate)
{
    char text[2048];
    snprintf(text, sizeof text, referral_scenario, rate);
    return tu_load_text(text);
}

static void test_referrals_agent_vs_exact(void **state)
{
    (void)state;
    cjm_model *m = referral_model("0.2");
    tu_compare_engines(m, 200, 0, 3);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_true(mt.m[CJM_M_REFERRED].mean > 10);
    assert_true(mt.m[CJM_M_CONVERTED_REFERRED].mean > 1);
    /* every referred prospect enters 'warm' (cost 1); converts into 'buyer' (cost 2) with
     * a reward of 10: their CAC is at least 12 and no ad spend is theirs */
    assert_true(mt.m[CJM_M_CAC_REFERRAL].mean > 12);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* A referral rate of zero changes nothing: the same numbers, to the bit. */
static void test_zero_referrals_change_nothing(void **state)
{
    (void)state;
    cjm_model *a = referral_model("0");
    char text[2048];
    snprintf(text, sizeof text, referral_scenario, "0");
    char *p = strstr(text, "refers = 0, referral_cost = 10, refers_to = 'warm' ");
    memmove(p, p + strlen("refers = 0, referral_cost = 10, refers_to = 'warm' "),
            strlen(p) - strlen("refers = 0, referral_cost = 10, refers_to = 'warm' ") + 1);
    cjm_model *b = tu_load_text(text);
    cjm_settings s = cjm_settings_default();
    s.runs = 20;
    cjm_metrics ma, mb;
    cjm_result *ra = tu_run(a, &s, &ma), *rb = tu_run(b, &s, &mb);
    assert_int_equal(ra->width, rb->width);
    assert_memory_equal(ra->totals, rb->totals, (size_t)ra->runs * ra->width * sizeof *ra->totals);
    cjm_result_free(&ra), cjm_result_free(&rb);
    cjm_metrics_free(&ma), cjm_metrics_free(&mb);
    cjm_model_free(&a), cjm_model_free(&b);
}

/* A rate that makes every customer bring more than one more is stopped. */
static void test_runaway_referrals(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text("return cjm.scenario {\n"
                                "  horizon = 60, cohort = { size = 5000 },\n"
                                "  stages = { { 'fan', converts = true, refers = 3 } },\n"
                                "  transitions = {},\n"
                                "}\n");
    cjm_settings s = cjm_settings_default();
    s.runs = 1;
    cjm_result *r = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, "referrals grow without bound"));
    cjm_model_free(&m);
}

static void test_bad_values(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  stages = { { 'a', min_steps = -1 }, { 'b', converts = true } }, transitions = {} }\n",
         ":2: stages.a.min_steps: -1 is out of range"},
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  stages = { { 'a', refers = 1, refers_to = 'z' }, { 'b', converts = true } },\n"
         "  transitions = {} }\n",
         ":2: stages.a.refers_to: expected the name of a stage"},
        {"return cjm.scenario { horizon = 3, cohort = { size = 1,\n"
         "  arrivals = function(t) return t - 1 end },\n"
         "  stages = { { 'a' }, { 'b', converts = true } }, transitions = {} }\n",
         ":2: cohort.arrivals: at step 0: the function returned a negative"},
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true } },\n"
         "  transitions = { a = { b = cjm.per_customer(cjm.normal(0.5, 0.1)) } } }\n",
         ":3: transitions.a.b: cjm.per_customer: normal(0.5, 0.1) can fall outside [0, 1]"},
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true } },\n"
         "  transitions = { a = { b = function(c) return c.dwel end } } }\n",
         "c.dwel does not exist"},
        {"return cjm.scenario { horizon = 3, acquisition = { budget_per_step = 10 },\n"
         "  stages = { { 'a' }, { 'b', converts = true } }, transitions = {} }\n",
         "acquisition.cost_per_prospect"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[1024];
        cjm_status st = tu_load_error(cases[i][0], msg, sizeof msg);
        if (st != CJM_ESCENARIO || !strstr(msg, cases[i][1]))
            fail_msg("case %zu: status %d, '%s' lacks '%s'", i, st, msg, cases[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shifted_beta_geometric),
        cmocka_unit_test(test_sbg_fit_matches_published),
        cmocka_unit_test(test_exact_refuses_per_customer),
        cmocka_unit_test(test_dwell_and_min_steps_agent_vs_exact),
        cmocka_unit_test(test_min_steps_by_hand),
        cmocka_unit_test(test_arrivals),
        cmocka_unit_test(test_acquisition_budget),
        cmocka_unit_test(test_referrals_agent_vs_exact),
        cmocka_unit_test(test_zero_referrals_change_nothing),
        cmocka_unit_test(test_runaway_referrals),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
