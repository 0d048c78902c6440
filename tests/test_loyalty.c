/* Repeat purchases and the loyalty program under the agent engine, against
 * closed forms worked out by hand (in the comments): a stamp card whose
 * redemptions follow the Poisson law, tier qualification and downgrade,
 * expiry; the points balance in every run; a program nobody joins against
 * no program; the messages for bad programs. Statistical checks are judged
 * family-wise over the program (testutil.h, tu_fw_verdict). */
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

/* A sampled mean (over `runs` runs) against its closed form, recorded
 * family-wise (testutil.h). */
static void within(const char *what, const cjm_summary *got, double want, int runs)
{
    tu_check_z(what, got->mean, want, got->se, runs - 1);
}

static double poisson_pmf(int n, double mu)
{
    return exp(n * log(mu) - mu - lgamma(n + 1.0));
}

static cjm_result *run_agent(const char *lua, int runs, int64_t customers, cjm_metrics *mt,
                             cjm_model **m)
{
    *m = tu_load_text(lua);
    cjm_settings s = cjm_settings_default();
    s.runs = runs;
    s.customers = customers;
    s.threads = 2;
    s.seed = 7;
    return tu_run(*m, &s, mt);
}

/* A stamp card: everyone converts on arrival and joins at step 0 (join = 1),
 * buys Poisson(0.8) a step for H = 12 steps and never leaves; ten stamps
 * earn a reward. Each customer's purchases are N ~ Poisson(9.6): it redeems
 * floor(N / 10) rewards and keeps N mod 10 stamps. */
static const char stamp_card[] =
    "return cjm.scenario {\n"
    "  horizon = 12, cohort = { size = 1000 },\n"
    "  stages = { { 'regular', converts = true, purchases = 0.8, basket = 3 } },\n"
    "  transitions = {},\n"
    "  loyalty = { join = 1, rewards = { { at = 10, cost = 2 } } },\n"
    "}\n";

static void test_stamp_card(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_agent(stamp_card, 200, 1000, &mt, &m);
    double mu = 0.8 * 12, redemptions = 0, kept = 0;
    for (int n = 0; n < 200; n++) {
        redemptions += poisson_pmf(n, mu) * (n / 10);
        kept += poisson_pmf(n, mu) * (n % 10);
    }
    within("purchases", &mt.m[CJM_M_PURCHASES], 1000 * mu, 200);
    within("points issued", &mt.loyalty.issued, 1000 * mu, 200);
    within("points redeemed", &mt.loyalty.redeemed, 1000 * 10 * redemptions, 200);
    within("points outstanding", &mt.loyalty.outstanding, 1000 * kept, 200);
    within("reward cost", &mt.loyalty.reward_cost, 1000 * 2 * redemptions, 200);
    assert_true(mt.loyalty.expired.mean == 0);
    assert_true(mt.loyalty.joined.mean == 1000);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* Two tiers reviewed every 4 steps: gold needs 3 purchases in a window and
 * keeps with 2. Purchases in a window are Poisson(4 x 0.5) = Poisson(2),
 * independent from window to window, so after the first review (time 4)
 * P(gold) = q = P(N >= 3); after the second (time 8) q P(N >= 2) + (1 - q) q.
 * Members are counted at time t before step t. */
static const char tiers[] =
    "return cjm.scenario {\n"
    "  horizon = 10, cohort = { size = 1000 },\n"
    "  stages = { { 'regular', converts = true, purchases = 0.5 } },\n"
    "  transitions = {},\n"
    "  loyalty = { join = 1,\n"
    "    tiers = { { 'silver' }, { 'gold', qualify = { purchases = 3, within = 4 },\n"
    "                                      keep = { purchases = 2, within = 4 } } } },\n"
    "}\n";

static void test_tiers(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_agent(tiers, 200, 1000, &mt, &m);
    double p0 = exp(-2), p1 = 2 * p0, p2 = 2 * p0;
    double q = 1 - p0 - p1 - p2, keep = 1 - p0 - p1;
    const cjm_summary *gold = mt.loyalty.tier_share_t + 1 * (10 + 1);
    for (int t = 1; t <= 3; t++) assert_true(gold[t].mean == 0);
    for (int t = 4; t <= 7; t++) {
        char what[32];
        snprintf(what, sizeof what, "gold at %d", t);
        within(what, &gold[t], q, 200);
    }
    within("gold at 8", &gold[8], q * keep + (1 - q) * q, 200);
    within("gold at 9", &gold[9], q * keep + (1 - q) * q, 200);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* Points earned at step 0 only (the shop sends everyone to `idle` at once):
 * Poisson(1.5) points, then no purchase. With expire_after = 3 they expire
 * at step 3 (< H = 6): E[expired] = 1.5, nothing outstanding; with 8 (> H -
 * 1) they are all outstanding. The same when idle is final. */
#define EXPIRY(AFTER, IDLE)                                                                        \
    "return cjm.scenario {\n"                                                                      \
    "  horizon = 6, cohort = { size = 2000 },\n"                                                   \
    "  stages = { { 'shop', converts = true, purchases = 1.5 }, { 'idle'" IDLE " } },\n"           \
    "  transitions = { shop = { idle = 1 } },\n"                                                   \
    "  loyalty = { join = 1, points = { expire_after = " AFTER " } },\n"                           \
    "}\n"

static void test_expiry(void **state)
{
    (void)state;
    const char *cases[] = {EXPIRY("3", ""), EXPIRY("8", ""), EXPIRY("3", ", final = true"),
                           EXPIRY("8", ", final = true")};
    for (int i = 0; i < 4; i++) {
        cjm_metrics mt;
        cjm_model *m;
        cjm_result *r = run_agent(cases[i], 100, 2000, &mt, &m);
        int expires = i % 2 == 0;
        if (expires) {
            within("expired", &mt.loyalty.expired, 2000 * 1.5, 100);
            assert_true(mt.loyalty.outstanding.mean == 0);
        } else {
            within("outstanding", &mt.loyalty.outstanding, 2000 * 1.5, 100);
            assert_true(mt.loyalty.expired.mean == 0);
        }
        cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
    }
}

/* A coffee shop with everything at once, for the balance of points in every
 * run and the comparison with the program off. */
#define COFFEE(JOIN)                                                                               \
    "return cjm.scenario {\n"                                                                      \
    "  step = 'week', horizon = 30, cohort = { size = 800, cost_per_prospect = 2 },\n"             \
    "  segments = { { 'student', share = 0.4 }, { 'office', share = 0.6 } },\n"                    \
    "  stages = { { 'prospect' },\n"                                                               \
    "    { 'regular', converts = true, purchases = { student = 1.2, office = 2.5 }, basket = 4,\n" \
    "      basket_cogs = 1.2 },\n"                                                                 \
    "    { 'lapsed', purchases = 0.1, basket = 4, basket_cogs = 1.2 }, { 'lost', final = true } "  \
    "},\n"                                                                                         \
    "  transitions = { prospect = { regular = 0.2, lost = 0.05 }, regular = { lapsed = 0.04 },\n"  \
    "                  lapsed = { regular = 0.05, lost = 0.1 } },\n"                               \
    "  loyalty = { join = " JOIN ", join_cost = 1, member_cost_per_step = 0.05,\n"                 \
    "    points = { per_purchase = 1, expire_after = 6 }, rewards = { { at = 10, cost = 1.5 },\n"  \
    "    { at = 25, cost = 4.5 } },\n"                                                             \
    "    tiers = { { 'silver' }, { 'gold', qualify = { purchases = 20, within = 10 },\n"           \
    "                                      keep = { purchases = 12, within = 10 } } },\n"          \
    "    benefits = { gold = { purchases = 1.2, basket = 1.1, points = 2,\n"                       \
    "                          on = { ['regular -> lapsed'] = 0.5 } } } },\n"                      \
    "}\n"

static void test_points_balance(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m;
    cjm_result *r = run_agent(COFFEE("0.3"), 30, 800, &mt, &m);
    for (int run = 0; run < r->runs; run++) {
        const double *row = cjm_result_row(r, run) + r->row.loyalty;
        assert_true(row[CJM_L_ISSUED] ==
                    row[CJM_L_REDEEMED] + row[CJM_L_EXPIRED] + row[CJM_L_OUTSTANDING]);
        assert_true(row[CJM_L_ISSUED] > 0 && row[CJM_L_REDEEMED] > 0 && row[CJM_L_EXPIRED] > 0);
    }
    double classes = 0;
    for (int c = 0; c <= mt.loyalty.tiers; c++) classes += mt.loyalty.classes[c].customers.mean;
    assert_true(fabs(classes - mt.m[CJM_M_CONVERTED].mean) < 1e-9 * classes);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* ---- the exact engine ---- */

static cjm_result *run_exact(const cjm_model *m, cjm_metrics *mt)
{
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    return tu_run(m, &s, mt);
}

/* The same summary, bit for bit (NaN included), field by field (not the
 * struct's padding). */
static int same_summary(const cjm_summary *a, const cjm_summary *b)
{
    const double x[] = {a->mean, a->se, a->lo, a->hi, a->p5, a->p50, a->p95};
    const double y[] = {b->mean, b->se, b->lo, b->hi, b->p5, b->p50, b->p95};
    return memcmp(x, y, sizeof x) == 0 && a->defined == b->defined;
}

/* join = 0: nobody joins, and every metric is the same, bit for bit, as the
 * scenario without its loyalty block, in every engine: the metrics, funnel, retention and cash flow
 * (the JSON differs only in its "loyalty" object and the program's cost lines, all 0). */
static void test_zero_join_is_no_program(void **state)
{
    (void)state;
    const char *with = COFFEE("0");
    char *without = strdup(with);
    char *cut = strstr(without, "  loyalty = {");
    assert_non_null(cut);
    strcpy(cut, "}\n");
    static const char *const engines[] = {"agent", "exact", "cohort"};
    for (int e = 0; e < 3; e++) {
        cjm_metrics a, b;
        cjm_model *ma, *mb;
        cjm_result *ra, *rb;
        if (e > 0) {
            cjm_settings s = cjm_settings_default();
            s.engine = e == 1 ? CJM_ENGINE_EXACT : CJM_ENGINE_COHORT;
            s.runs = 20;
            ma = tu_load_text(with), mb = tu_load_text(without);
            ra = tu_run(ma, &s, &a), rb = tu_run(mb, &s, &b);
        } else {
            ra = run_agent(with, 20, 800, &a, &ma);
            rb = run_agent(without, 20, 800, &b, &mb);
        }
        for (int i = 0; i < CJM_M_COUNT; i++)
            if (!same_summary(&a.m[i], &b.m[i]))
                fail_msg("%s differs: %.17g vs %.17g (%s)", cjm_metric_infos[i].name, a.m[i].mean,
                         b.m[i].mean, engines[e]);
        for (int k = 0; k <= a.horizon; k++)
            assert_true(same_summary(&a.retention[k], &b.retention[k]));
        for (int s = 0; s < a.stage_count; s++)
            assert_true(same_summary(&a.reached[s], &b.reached[s]));
        for (int c = 0; c < CJM_CF_SERIES; c++)
            for (int t = 0; t <= a.horizon; t++)
                assert_true(same_summary(&a.cashflow[c][t], &b.cashflow[c][t]));
        assert_true(a.loyalty.joined.mean == 0);
        /* everyone converted is of class 0 (never joined), with all the money */
        tu_assert_float("class 0", a.loyalty.classes[0].customers.mean, a.m[CJM_M_CONVERTED].mean);
        assert_true(a.loyalty.classes[1].customers.mean == 0);
        tu_assert_float("class 0 LTV", a.loyalty.classes[0].ltv.mean, a.m[CJM_M_LTV].mean);
        cjm_result_free(&ra), cjm_result_free(&rb), cjm_metrics_free(&a), cjm_metrics_free(&b);
        cjm_model_free(&ma), cjm_model_free(&mb);
    }
    free(without);
}

/* A goal gradient: members with 7 or more stamps of 10 buy twice as often.
 * The function is tabulated by context (no Lua per customer) and raises the
 * purchases of the same customers (common random numbers: never fewer). */
static void test_goal_gradient(void **state)
{
    (void)state;
    const char *flat =
        "return cjm.scenario { horizon = 20, cohort = { size = 500 },\n"
        "  stages = { { 'r', converts = true, purchases = 0.5 } }, transitions = {},\n"
        "  loyalty = { join = 1, rewards = { { at = 10, cost = 1 } } } }\n";
    const char *gradient =
        "return cjm.scenario { horizon = 20, cohort = { size = 500 },\n"
        "  stages = { { 'r', converts = true, purchases = function(c)\n"
        "      return (c.member and c.points >= 7) and 1.0 or 0.5 end } }, transitions = {},\n"
        "  loyalty = { join = 1, rewards = { { at = 10, cost = 1 } } } }\n";
    cjm_metrics a, b;
    cjm_model *ma, *mb;
    cjm_result *ra = run_agent(flat, 20, 500, &a, &ma);
    cjm_result *rb = run_agent(gradient, 20, 500, &b, &mb);
    assert_int_equal(mb->loyalty_table_count, 1);
    assert_int_equal(mb->loyalty_states, 1 + 1 * 10);
    for (int run = 0; run < 20; run++)
        assert_true(cjm_result_row(rb, run)[CJM_T_PURCHASES] >=
                    cjm_result_row(ra, run)[CJM_T_PURCHASES]);
    assert_true(b.loyalty.redeemed.mean > a.loyalty.redeemed.mean);
    cjm_result_free(&ra), cjm_result_free(&rb), cjm_metrics_free(&a), cjm_metrics_free(&b);
    cjm_model_free(&ma), cjm_model_free(&mb);
}

/* The stamp card's closed forms, exactly: N ~ Poisson(9.6) purchases, floor(N
 * / 10) rewards, N mod 10 stamps kept (the exact engine truncates each
 * step's Poisson where its tail is below 1e-12). */
static void test_exact_stamp_card(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m = tu_load_text(stamp_card);
    cjm_result *r = run_exact(m, &mt);
    double mu = 0.8 * 12, redemptions = 0, kept = 0;
    for (int n = 0; n < 200; n++) {
        redemptions += poisson_pmf(n, mu) * (n / 10);
        kept += poisson_pmf(n, mu) * (n % 10);
    }
    tu_assert_float("purchases", mt.m[CJM_M_PURCHASES].mean, 1000 * mu);
    tu_assert_float("points issued", mt.loyalty.issued.mean, 1000 * mu);
    tu_assert_float("points redeemed", mt.loyalty.redeemed.mean, 1000 * 10 * redemptions);
    tu_assert_float("points outstanding", mt.loyalty.outstanding.mean, 1000 * kept);
    tu_assert_float("reward cost", mt.loyalty.reward_cost.mean, 1000 * 2 * redemptions);
    tu_assert_float("expired", mt.loyalty.expired.mean, 0);
    tu_assert_float("joined", mt.loyalty.joined.mean, 1000);
    tu_assert_float("members at 12", mt.loyalty.members_t[12].mean, 1000);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* The tiers' closed forms (test_tiers), exactly. */
static void test_exact_tiers(void **state)
{
    (void)state;
    cjm_metrics mt;
    cjm_model *m = tu_load_text(tiers);
    cjm_result *r = run_exact(m, &mt);
    double p0 = exp(-2), p1 = 2 * p0, p2 = 2 * p0;
    double q = 1 - p0 - p1 - p2, keep = 1 - p0 - p1;
    const cjm_summary *gold = mt.loyalty.tier_share_t + 1 * (10 + 1);
    for (int t = 1; t <= 3; t++) tu_assert_float("gold before 4", gold[t].mean, 0);
    for (int t = 4; t <= 7; t++) tu_assert_float("gold 4 .. 7", gold[t].mean, q);
    for (int t = 8; t <= 10; t++)
        tu_assert_float("gold 8 .. 10", gold[t].mean, q * keep + (1 - q) * q);
    /* the classes: at the end (after the reviews at 4 and 8) */
    tu_assert_float("gold class", mt.loyalty.classes[2].customers.mean,
                    1000 * (q * keep + (1 - q) * q));
    tu_assert_float("gold purchases", mt.m[CJM_M_PURCHASES].mean, 1000 * 0.5 * 10);
    cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
}

/* Expiry's closed forms (test_expiry), exactly: Poisson(1.5) points at step
 * 0, all expired or all outstanding. */
static void test_exact_expiry(void **state)
{
    (void)state;
    const char *cases[] = {EXPIRY("3", ""), EXPIRY("8", ""), EXPIRY("3", ", final = true"),
                           EXPIRY("8", ", final = true")};
    for (int i = 0; i < 4; i++) {
        cjm_metrics mt;
        cjm_model *m = tu_load_text(cases[i]);
        cjm_result *r = run_exact(m, &mt);
        int expires = i % 2 == 0;
        tu_assert_float("expired", mt.loyalty.expired.mean, expires ? 2000 * 1.5 : 0);
        tu_assert_float("outstanding", mt.loyalty.outstanding.mean, expires ? 0 : 2000 * 1.5);
        tu_assert_float("issued", mt.loyalty.issued.mean, 2000 * 1.5);
        cjm_result_free(&r), cjm_metrics_free(&mt), cjm_model_free(&m);
    }
}

/* A transition that reads the context: members lapse less. */
static const char context_edge[] =
    "return cjm.scenario { horizon = 16, cohort = { size = 2000 },\n"
    "  stages = { { 'regular', converts = true, purchases = 1.2, basket = 5 },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = { regular = { lost = function(c)\n"
    "    if not c.member then return 0.2 end\n"
    "    return c.points >= 3 and 0.02 or 0.08 end } },\n"
    "  loyalty = { join = 0.3, points = { expire_after = 3 }, rewards = { { at = 5, cost = 2 } } "
    "},\n"
    "}\n";

/* Everything at once: arrivals, segments, min_steps, a purchase rate that
 * reads c.dwell, referrals, money by segment, a join
 * function, points per unit with a cap and two rewards, tiers, and a
 * transition that reads the context. */
static const char kitchen_sink[] =
    "return cjm.scenario {\n"
    "  horizon = 14,\n"
    "  cohort = { size = 600, cost_per_prospect = 1, arrivals = function(t) return t < 6 and 40 or "
    "0 end },\n"
    "  segments = { { 'a', share = 0.5 }, { 'b', share = 0.5 } },\n"
    "  stages = {\n"
    "    { 'lead' },\n"
    "    { 'trial', converts = true, min_steps = 2, revenue = { a = 3, b = 5 },\n"
    "      purchases = function(c) return 0.4 + 0.1 * math.min(c.dwell, 3) end, basket = 7 },\n"
    "    { 'fan', refers = 0.05, purchases = 1, basket = { a = 6, b = 9 },\n"
    "      basket_cogs = 2 },\n"
    "    { 'idle', purchases = 0.1, basket = 6 },\n"
    "    { 'gone', final = true },\n"
    "  },\n"
    "  transitions = {\n"
    "    lead = { trial = 0.3, gone = 0.05 },\n"
    "    trial = { fan = 0.4, gone = 0.1 },\n"
    "    fan = { idle = function(c) if c.member and c.points >= 6 then return 0.02 end return 0.08 "
    "end },\n"
    "    idle = { fan = 0.1, gone = 0.1 },\n"
    "  },\n"
    "  loyalty = {\n"
    "    join = function(c) return c.segment == 'a' and 0.4 or 0.2 end,\n"
    "    eligible = { 'trial', 'fan', 'idle' },\n"
    "    join_cost = 1, member_cost_per_step = 0.1,\n"
    "    points = { per_purchase = 1, per_unit = 0.25, expire_after = 4, cap = 14 },\n"
    "    rewards = { { at = 8, cost = 3 }, { at = 12, cost = 5 } },\n"
    "    tiers = { { 'basic' }, { 'plus', qualify = { purchases = 4, within = 5 }, keep = { "
    "purchases = 2, within = 5 } } },\n"
    "    benefits = { plus = { purchases = 1.3, basket = 1.1, points = 1.5, on = { ['idle -> "
    "gone'] = 0.5 } } },\n"
    "  },\n"
    "}\n";

/* A cap without rewards (the balance stops at 9 with 2 points a purchase),
 * expiry and a final stage. */
static const char capped[] =
    "return cjm.scenario { horizon = 12, cohort = { size = 1000 },\n"
    "  stages = { { 'r', converts = true, purchases = 1.5, basket = 2 }, { 'x', final = true } },\n"
    "  transitions = { r = { x = 0.05 } },\n"
    "  loyalty = { join = 0.5, points = { per_purchase = 2, cap = 9, expire_after = 3 } },\n"
    "}\n";

/* The agent engine against the exact engine on every loyalty scenario here,
 * family-wise: every metric, the funnel, retention and the program's
 * figures (tu_compare_engines). */
static void test_engines_agree(void **state)
{
    (void)state;
    const char *flat =
        "return cjm.scenario { horizon = 20, cohort = { size = 500 },\n"
        "  stages = { { 'r', converts = true, purchases = 0.5 } }, transitions = {},\n"
        "  loyalty = { join = 1, rewards = { { at = 10, cost = 1 } } } }\n";
    const char *gradient =
        "return cjm.scenario { horizon = 20, cohort = { size = 500 },\n"
        "  stages = { { 'r', converts = true, purchases = function(c)\n"
        "      return (c.member and c.points >= 7) and 1.0 or 0.5 end } }, transitions = {},\n"
        "  loyalty = { join = 1, rewards = { { at = 10, cost = 1 } } } }\n";
    /* an input drawn per run: the exact engine's value of each run's draw */
    char uncertain[sizeof stamp_card + 64];
    snprintf(uncertain, sizeof uncertain, "%s", stamp_card);
    char *rate = strstr(uncertain, "purchases = 0.8");
    assert_non_null(rate);
    memmove(rate + strlen("purchases = cjm.uniform(0.6, 1)"), rate + strlen("purchases = 0.8"),
            strlen(rate + strlen("purchases = 0.8")) + 1);
    memcpy(rate, "purchases = cjm.uniform(0.6, 1)", strlen("purchases = cjm.uniform(0.6, 1)"));
    const char *cases[] = {stamp_card,
                           tiers,
                           EXPIRY("3", ""),
                           EXPIRY("8", ""),
                           EXPIRY("3", ", final = true"),
                           EXPIRY("8", ", final = true"),
                           COFFEE("0.3"),
                           COFFEE("0"),
                           flat,
                           gradient,
                           context_edge,
                           kitchen_sink,
                           uncertain,
                           capped};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cjm_model *m = tu_load_text(cases[i]);
        tu_compare_engines(m, 40, 2000, 11 + i);
        cjm_model_free(&m);
    }
}

/* The two example scenarios with their programs on, over 30 weeks (their
 * yearly reviews make the full horizon's state too large for the exact
 * engine: it refuses, naming the size). */
static void test_examples_agree(void **state)
{
    (void)state;
    const char *files[][2] = {{"scenarios/coffee_shop.lua", "program"},
                              {"scenarios/beauty_clinic_club.lua", "club"}};
    for (int i = 0; i < 2; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", CJM_SOURCE_DIR, files[i][0]);
        cjm_load_options o = {.variant = files[i][1]};
        cjm_model *m = NULL;
        cjm_error err = {0};
        if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
        cjm_settings s = cjm_settings_default();
        s.engine = CJM_ENGINE_EXACT;
        cjm_result *r = NULL;
        cjm_status st = cjm_run(m, &s, &r, &err);
        if (st != CJM_EUSAGE || !strstr(err.msg, "the exact engine would track") ||
            !strstr(err.msg, "loyalty states"))
            fail_msg("%s: status %d, '%s'", path, st, err.msg);
        cjm_model_free(&m);
        o.horizon = 30;
        if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
        tu_compare_engines(m, 40, 0, 31 + i);
        cjm_model_free(&m);
    }
}

/* ---- bad programs: one line with file, line, path (and tier, step) ---- */

static void expect_error(const char *lua, const char *want)
{
    char msg[1024];
    cjm_status st = tu_load_error(lua, msg, sizeof msg);
    if (st != CJM_ESCENARIO) fail_msg("status %d (%s), want a scenario error", st, msg);
    if (!strstr(msg, want)) fail_msg("message '%s' lacks '%s'", msg, want);
    if (!strstr(msg, ".lua:")) fail_msg("message '%s' names no file and line", msg);
    if (strchr(msg, '\n')) fail_msg("message '%s' is more than one line", msg);
}

#define PROGRAM(X)                                                                                 \
    "return cjm.scenario { horizon = 30, cohort = { size = 10 },\n"                                \
    "  stages = { { 'regular', converts = true, purchases = 1 }, { 'lapsed' },\n"                  \
    "             { 'lost', final = true } },\n"                                                   \
    "  transitions = { regular = { lapsed = function(c) return c.t >= 12 and 0.8 or 0.1 end },\n"  \
    "                  lapsed = { lost = 0.5 } },\n"                                               \
    "  loyalty = { " X " },\n"                                                                     \
    "}\n"

static void test_bad_programs(void **state)
{
    (void)state;
    expect_error(PROGRAM("join = 0.1, points = { cap = 50 }, rewards = { { at = 60, cost = 1 } }"),
                 "loyalty.rewards[1]: at = 60 is above points.cap = 50");
    expect_error(PROGRAM("join = 0.1, tiers = { { 'silver' }, { 'gold' } }"),
                 "loyalty.tiers.gold: tier 'gold' has no rule");
    expect_error(PROGRAM("join = 0.1, tiers = { { 'silver' } }, benefits = { platinum = {} }"),
                 "loyalty.benefits.platinum: 'platinum' is not a tier (tiers: silver)");
    expect_error(PROGRAM("join = 0.1, tiers = { { 'silver' }, { 'gold', qualify = { purchases = "
                         "5, within = 4 } } }, benefits = { gold = { on = { ['regular -> "
                         "lapsed'] = 2 } } }"),
                 "members of tier gold leave 'regular' with probabilities that sum to 1.6 "
                 "(above 1) at step 12");
    expect_error(PROGRAM("join = 0.1, rewards = { { at = 10 }, { at = 5 } }"),
                 "list rewards by increasing `at`");
    expect_error(PROGRAM("join = 0.1, tiers = { { 'silver', qualify = { purchases = 2, within = "
                         "4 } } }"),
                 "the first tier is the one a member joins");
    expect_error(PROGRAM("join = 0.1, tiers = { { 's' }, { 'g', qualify = { purchases = 2, "
                         "within = 4 }, keep = { purchases = 1, within = 8 } } }"),
                 "loyalty.tiers.g.keep: within = 8, but another tier rule reviews every 4 steps");
    expect_error(PROGRAM("points = { per_purchase = 1 }"), "loyalty: join is missing");
    expect_error(PROGRAM("join = 1.5"), "loyalty.join: probability 1.5 is out of [0, 1]");
    expect_error(PROGRAM("join = 0.1, eligible = { 'lost' }"), "loyalty.eligible: 'lost' is final");
    expect_error(PROGRAM("join = 0.1, tiers = { { 'silver' } }, benefits = { silver = { baskt = 2 "
                         "} }"),
                 "loyalty.benefits.silver.baskt: unknown key");
    expect_error("return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
                 "  stages = { { 'a', converts = true, purchases = function(c) return c.points "
                 "end } }, transitions = {}, loyalty = { join = 1 } }\n",
                 "c.points needs a bounded balance");
    expect_error("return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
                 "  stages = { { 'a', converts = true }, { 'z', final = true, purchases = 1 } },\n"
                 "  transitions = { a = { z = 0.1 } } }\n",
                 "stages.z.purchases: a final stage makes no purchases");
    expect_error("return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
                 "  stages = { { 'a', converts = true, purchases = -1 } }, transitions = {} }\n",
                 "stages.a.purchases: -1 is out of range");
}

/* The program against the program off (a variant), with common random
 * numbers: the difference is far more precise than either side. */
static void test_compare_with_program_off(void **state)
{
    (void)state;
    char *lua = malloc(8192);
    snprintf(lua, 8192, "%s", COFFEE("0.3"));
    char *end = strrchr(lua, '}');
    strcpy(end, "  variants = { off = { set = { ['loyalty.join'] = 0 } } },\n}\n");
    char *path = tu_write_temp(lua);
    cjm_comparison *c = NULL;
    cjm_error err = {0};
    cjm_load_options o = {0};
    cjm_settings s = cjm_settings_default();
    s.runs = 40;
    const char *arms[] = {"off"};
    cjm_status st = cjm_compare_variants(path, &o, arms, 1, &s, &c, &err);
    if (st != CJM_OK) fail_msg("%s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cjm_report_comparison(c, CJM_FORMAT_JSON, f, &err), CJM_OK);
    fclose(f);
    assert_non_null(strstr(buf, "\"off\""));
    assert_non_null(strstr(buf, "\"group\": \"loyalty\"")); /* the program's cost lines */
    free(buf);
    cjm_comparison_free(&c);
    unlink(path);
    free(path);
    free(lua);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamp_card),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_points_balance),
        cmocka_unit_test(test_zero_join_is_no_program),
        cmocka_unit_test(test_goal_gradient),
        cmocka_unit_test(test_bad_programs),
        cmocka_unit_test(test_compare_with_program_off),
        cmocka_unit_test(test_exact_stamp_card),
        cmocka_unit_test(test_exact_tiers),
        cmocka_unit_test(test_exact_expiry),
        cmocka_unit_test(test_engines_agree),
        cmocka_unit_test(test_examples_agree),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
