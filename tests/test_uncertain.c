/* Uncertain inputs: distributions drawn once per run, Latin hypercube,
 * rank correlation, and the errors for bad parameters. */
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

#include "sampling.h"
#include "special.h"
#include "testutil.h"

static const char one_step[] = "local p = cjm.beta(30, 70)\n"
                               "return cjm.scenario {\n"
                               "  horizon = 1, cohort = { size = 10000 },\n"
                               "  stages = { { 'lead' }, { 'buyer', converts = true } },\n"
                               "  transitions = { lead = { buyer = p } },\n"
                               "}\n";

static cjm_result *run_text(const char *lua, cjm_engine_kind engine, int runs, cjm_sampling method,
                            cjm_model **m, cjm_metrics *mt)
{
    *m = tu_load_text(lua);
    cjm_settings s = cjm_settings_default();
    s.engine = engine;
    s.runs = runs;
    s.sampling = method;
    return tu_run(*m, &s, mt);
}

/* The density of beta(a, b) at x. */
static double beta_pdf(double a, double b, double x)
{
    return exp((a - 1) * log(x) + (b - 1) * log1p(-x) - cjm_lbeta(a, b));
}

/* The sample q-quantile of n draws of a density f: asymptotically normal,
 * with standard error sqrt(q (1 - q) / n) / f(x_q). */
static void check_quantile(const char *what, double got, double q, int n, double xq)
{
    tu_check_z(what, got, xq, sqrt(q * (1 - q) / n) / beta_pdf(30, 70, xq), 0);
}

/* Conversion across runs: with the exact engine each run's conversion is its
 * draw of p ~ beta(30, 70); with the agent engine a binomial proportion of
 * 10000 around it, whose variance p (1 - p) / 10^4 = 2.1e-5 is 1% of the
 * beta's (2.08e-3): that moves the 5th and 95th percentiles by about 0.0004,
 * a fifth of their standard errors (0.0022), so the beta's are the targets
 * for both. The mean (a ratio of totals) is E[p] = 0.3. */
static void check_beta_percentiles(cjm_engine_kind engine)
{
    cjm_model *m;
    cjm_metrics mt;
    cjm_result *r = run_text(one_step, engine, 2000, CJM_SAMPLING_RANDOM, &m, &mt);
    double q5 = cjm_beta_quantile(30, 70, 0.05), q95 = cjm_beta_quantile(30, 70, 0.95);
    const cjm_summary *c = &mt.m[CJM_M_CONVERSION];
    const char *e = engine == CJM_ENGINE_EXACT ? "exact" : "agent";
    char what[64];
    snprintf(what, sizeof what, "beta(30, 70) conversion p5 (%s)", e);
    check_quantile(what, c->p5, 0.05, 2000, q5);
    snprintf(what, sizeof what, "beta(30, 70) conversion p95 (%s)", e);
    check_quantile(what, c->p95, 0.95, 2000, q95);
    snprintf(what, sizeof what, "beta(30, 70) conversion mean (%s)", e);
    tu_check_z(what, c->mean, 0.3, c->se, 1999);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Conversion's 5th and 95th percentiles across 2000 runs are the beta's. */
static void test_beta_conversion_exact(void **state)
{
    (void)state;
    check_beta_percentiles(CJM_ENGINE_EXACT);
}

static void test_beta_conversion_agent(void **state)
{
    (void)state;
    check_beta_percentiles(CJM_ENGINE_AGENT);
}

/* Agent and exact share each run's draws: their paired differences are pure
 * sampling noise of the customers, centred on 0 (299 degrees of freedom). */
static void test_agent_matches_exact_per_draw(void **state)
{
    (void)state;
    cjm_model *m;
    cjm_metrics ma, me;
    cjm_result *ra = run_text(one_step, CJM_ENGINE_AGENT, 300, CJM_SAMPLING_RANDOM, &m, &ma);
    cjm_settings s = ra->settings;
    s.engine = CJM_ENGINE_EXACT;
    cjm_result *re = tu_run(m, &s, &me);
    assert_int_equal(re->runs, 300);
    double d[300];
    for (int i = 0; i < 300; i++) {
        assert_true(ra->inputs[i] == re->inputs[i]);
        d[i] = cjm_result_row(ra, i)[CJM_T_CONVERTED] - cjm_result_row(re, i)[CJM_T_CONVERTED];
    }
    cjm_summary diff = cjm_summarize(d, 300, 1);
    tu_check_z("agent - exact converted, paired by draw", diff.mean, 0, diff.se, 299);
    cjm_result_free(&ra);
    cjm_result_free(&re);
    cjm_metrics_free(&ma);
    cjm_metrics_free(&me);
    cjm_model_free(&m);
}

static const char correlated[] =
    "local a = cjm.beta(2, 5)\n"
    "local b = cjm.lognormal(3, 0.5)\n"
    "local c = cjm.triangular(0, 1, 4)\n"
    "cjm.correlate({a, b, c}, {{1, 0.7, -0.4}, {0.7, 1, 0}, {-0.4, 0, 1}})\n"
    "return cjm.scenario {\n"
    "  horizon = 2, cohort = { size = 10, cost_per_prospect = c },\n"
    "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = b } },\n"
    "  transitions = { lead = { buyer = a } },\n"
    "}\n";

/* Spearman correlations of 2000 runs at their targets: on Fisher's z,
 * atanh(r), whose standard error for the Spearman coefficient of n normal
 * pairs is sqrt(1.06 / (n - 3)) (Fieller, Hartley and Pearson 1957). That is
 * the spread of an independent sample's; Iman-Conover fixes the scores'
 * Pearson correlation exactly, which can only narrow it (conditioning on a
 * correlated statistic), so the test errs on the safe side. */
static void check_spearman(const char *what, int method, double r, double target)
{
    char name[96];
    snprintf(name, sizeof name, "spearman %s (%s)", what, method ? "lhs" : "random");
    tu_check_z(name, atanh(r), atanh(target), sqrt(1.06 / (2000 - 3)), 0);
}

static void test_rank_correlation(void **state)
{
    (void)state;
    for (int method = 0; method < 2; method++) {
        cjm_model *m;
        cjm_metrics mt;
        cjm_result *r = run_text(correlated, CJM_ENGINE_EXACT, 2000, (cjm_sampling)method, &m, &mt);
        int col[3];
        static const char *const paths[] = {"transitions.lead.buyer", "stages.buyer.revenue",
                                            "cohort.cost_per_prospect"};
        for (int k = 0; k < 3; k++)
            for (int u = 0; u < r->input_count; u++)
                if (strcmp(m->inputs[m->uncertain[u]].path, paths[k]) == 0) col[k] = u;
        int U = r->input_count;
        double ab = cjm_spearman(r->inputs + col[0], r->inputs + col[1], 2000, U);
        double ac = cjm_spearman(r->inputs + col[0], r->inputs + col[2], 2000, U);
        double bc = cjm_spearman(r->inputs + col[1], r->inputs + col[2], 2000, U);
        check_spearman("a~b", method, ab, 0.7);
        check_spearman("a~c", method, ac, -0.4);
        check_spearman("b~c", method, bc, 0);
        cjm_result_free(&r);
        cjm_metrics_free(&mt);
        cjm_model_free(&m);
    }
}

/* Latin hypercube: each of R equal-probability strata of every input is hit
 * exactly once in R runs (also after the correlation reorders the draws). */
static void test_latin_hypercube_strata(void **state)
{
    (void)state;
    const int R = 137;
    cjm_model *m;
    cjm_metrics mt;
    cjm_result *r = run_text(correlated, CJM_ENGINE_EXACT, R, CJM_SAMPLING_LHS, &m, &mt);
    for (int u = 0; u < r->input_count; u++) {
        const cjm_input *in = &m->inputs[m->uncertain[u]];
        int hits[137] = {0};
        for (int run = 0; run < R; run++) {
            double p = cjm_dist_cdf(&in->dist, r->inputs[run * r->input_count + u]);
            int stratum = (int)floor(p * R);
            assert_true(stratum >= 0 && stratum < R);
            hits[stratum]++;
        }
        for (int k = 0; k < R; k++)
            if (hits[k] != 1) fail_msg("%s: stratum %d hit %d times", in->path, k, hits[k]);
    }
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* Random sampling does not stratify: some stratum is hit twice (137 draws
 * in 137 strata all apart: probability 137! / 137^137 ~ 1e-58). */
static void test_random_is_not_stratified(void **state)
{
    (void)state;
    const int R = 137;
    cjm_model *m;
    cjm_metrics mt;
    cjm_result *r = run_text(one_step, CJM_ENGINE_EXACT, R, CJM_SAMPLING_RANDOM, &m, &mt);
    int hits[137] = {0}, twice = 0;
    for (int run = 0; run < R; run++)
        twice += ++hits[(int)floor(cjm_dist_cdf(&m->inputs[m->uncertain[0]].dist, r->inputs[run]) *
                                   R)] == 2;
    assert_true(twice > 0);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

/* One distribution object in two places is one input: the same draw in both. */
static void test_shared_distribution(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text("local p = cjm.uniform(0.1, 0.3)\n"
                                "return cjm.scenario {\n"
                                "  horizon = 3, cohort = { size = 10 },\n"
                                "  stages = { { 'a' }, { 'b' }, { 'c', converts = true } },\n"
                                "  transitions = { a = { b = p }, b = { c = p } },\n"
                                "}\n");
    assert_int_equal(m->uncertain_count, 1);
    assert_int_equal(m->inputs[m->uncertain[0]].slot_count, 2);
    cjm_model_free(&m);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"local d = cjm.beta(0, 3)\n", ":1: cjm.beta: a must be > 0 (got 0)"},
        {"local d = cjm.beta(2, -1)\n", ":1: cjm.beta: b must be > 0"},
        {"local d = cjm.triangular(1, 5, 3)\n", ":1: cjm.triangular: mode 5 is outside [lo, hi]"},
        {"local d = cjm.pert(1, 0, 3)\n", ":1: cjm.pert: mode 0 is outside"},
        {"local d = cjm.uniform(2, 2)\n", ":1: cjm.uniform: lo must be below hi"},
        {"local d = cjm.normal(0, 0)\n", ":1: cjm.normal: sd must be > 0"},
        {"local d = cjm.gamma(1, 0/0)\n", ":1: cjm.gamma: theta must be a finite number"},
        {"local d = cjm.discrete{ {1, 2}, {1} }\n", ":1: cjm.discrete: 2 values but 1 weights"},
        {"local a, b = cjm.beta(1, 2), cjm.beta(2, 1)\n"
         "cjm.correlate({a, b}, {{1, 2}, {2, 1}})\n",
         ":2: cjm.correlate: matrix[1][2] must be a number in [-1, 1]"},
        {"local a, b = cjm.beta(1, 2), cjm.beta(2, 1)\n"
         "cjm.correlate({a, b}, {{1, 0.5}, {0.4, 1}})\n",
         ":2: cjm.correlate: the matrix is not symmetric"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[1024];
        assert_int_equal(tu_load_error(cases[i][0], msg, sizeof msg), CJM_ESCENARIO);
        if (!strstr(msg, cases[i][1])) fail_msg("'%s' lacks '%s'", msg, cases[i][1]);
    }
}

#define SCN(extra, trans)                                                                          \
    "local a, b, c = cjm.beta(1, 2), cjm.beta(2, 1), cjm.beta(2, 2)\n" extra                       \
    "return cjm.scenario {\n"                                                                      \
    "  horizon = 2, cohort = { size = 10 },\n"                                                     \
    "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"                               \
    "  stages = { { 'lead' }, { 'buyer', converts = true }, { 'gone', final = true } },\n"         \
    "  transitions = { " trans " },\n"                                                             \
    "}\n"

static void test_bad_uses(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {SCN("cjm.correlate({a, b, c}, {{1, 0.9, 0.9}, {0.9, 1, -0.9}, {0.9, -0.9, 1}})\n",
             "lead = { buyer = a, gone = { x = b, y = c } }"),
         ":2: cjm.correlate: the correlation matrix is not positive definite"},
        {SCN("", "lead = { buyer = cjm.normal(0.3, 0.1) }"),
         ":6: transitions.lead.buyer: normal(0.3, 0.1) can fall outside [0, 1]"},
        {SCN("", "lead = { buyer = a, gone = b }"),
         "(above 1) at step 0, segment x when the uncertain probabilities are at the top"},
        {SCN("cjm.correlate({a, b}, {{1, 0.5}, {0.5, 1}})\n", "lead = { buyer = a }"),
         ":2: cjm.correlate: entry 2 is not used in the scenario"},
        {"return cjm.scenario { horizon = cjm.uniform(1, 5), cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true } }, transitions = {} }\n",
         ":1: horizon: cannot be uncertain"},
        {"return cjm.scenario { horizon = 2, cohort = { size = 1 },\n"
         "  segments = { { 'x', share = cjm.uniform(0.4, 0.6) }, { 'y', share = 0.5 } },\n"
         "  stages = { { 'a' }, { 'b', converts = true } }, transitions = {} }\n",
         ":2: segments.x.share: cannot be uncertain"},
        {"return cjm.scenario { horizon = 2, cohort = { size = 1, cost_per_prospect = "
         "cjm.normal(1, 1) },\n"
         "  stages = { { 'a' }, { 'b', converts = true } }, transitions = {} }\n",
         "cohort.cost_per_prospect: normal(1, 1) can fall outside [0, inf]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[1024];
        cjm_status st = tu_load_error(cases[i][0], msg, sizeof msg);
        if (st != CJM_ESCENARIO || !strstr(msg, cases[i][1]))
            fail_msg("case %zu: status %d, '%s' lacks '%s'", i, st, msg, cases[i][1]);
    }
}

/* A variant that changes one uncertain input leaves the other inputs' draws
 * exactly as they were: common random numbers for uncertain inputs too. */
static void test_draws_keyed_by_path(void **state)
{
    (void)state;
    char *path =
        tu_write_temp("local a, b = cjm.beta(2, 5), cjm.uniform(10, 20)\n"
                      "return cjm.scenario {\n"
                      "  horizon = 2, cohort = { size = 10, cost_per_prospect = b },\n"
                      "  stages = { { 'lead' }, { 'buyer', converts = true } },\n"
                      "  transitions = { lead = { buyer = a } },\n"
                      "  variants = { pinned = { set = { ['transitions.lead.buyer'] = 0.2 } } },\n"
                      "}\n");
    cjm_load_options o = {0};
    cjm_model *base = NULL, *var = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load(path, &o, &base, &err), CJM_OK);
    o.variant = "pinned";
    assert_int_equal(cjm_model_load(path, &o, &var, &err), CJM_OK);
    assert_int_equal(base->uncertain_count, 2);
    assert_int_equal(var->uncertain_count, 1);
    double xb[50 * 2], xv[50];
    assert_int_equal(cjm_sample_inputs(base, 50, 9, CJM_SAMPLING_RANDOM, xb, &err), CJM_OK);
    assert_int_equal(cjm_sample_inputs(var, 50, 9, CJM_SAMPLING_RANDOM, xv, &err), CJM_OK);
    int cost_col =
        strcmp(base->inputs[base->uncertain[0]].path, "cohort.cost_per_prospect") == 0 ? 0 : 1;
    for (int r = 0; r < 50; r++) assert_true(xb[r * 2 + cost_col] == xv[r]);
    cjm_model_free(&base);
    cjm_model_free(&var);
    unlink(path);
    free(path);
}

/* Thread count does not change the bytes, with per-run instances too. */
static void test_threads_with_uncertainty(void **state)
{
    (void)state;
    char *path = tu_write_temp(correlated);
    char args[512], *o1, *e1, *o2, *e2;
    snprintf(args, sizeof args, "run %s --runs 70 --customers 5000 --format json --threads 1",
             path);
    assert_int_equal(tu_run_cjm(args, &o1, &e1), 0);
    snprintf(args, sizeof args, "run %s --runs 70 --customers 5000 --format json --threads 3",
             path);
    assert_int_equal(tu_run_cjm(args, &o2, &e2), 0);
    assert_string_equal(o1, o2);
    free(o1), free(e1), free(o2), free(e2);
    unlink(path);
    free(path);
}

/* --runs-out: a header with the inputs' paths, one row per run. */
static void test_runs_out(void **state)
{
    (void)state;
    char *path = tu_write_temp(correlated);
    char args[512], *out, *err;
    snprintf(args, sizeof args, "run %s --runs 12 --engine exact --runs-out %s.csv", path, path);
    assert_int_equal(tu_run_cjm(args, &out, &err), 0);
    snprintf(args, sizeof args, "%s.csv", path);
    char *csv = tu_read_file(args);
    assert_non_null(csv);
    assert_true(strncmp(csv, "# cjm: ", 7) == 0); /* the settings block, then the columns */
    char *body = strstr(csv, "\nrun,");
    assert_non_null(body);
    assert_non_null(strstr(body, "transitions.lead.buyer"));
    assert_non_null(strstr(body, ",conversion,converted,cac,ltv,retained,revenue,cost,profit,"));
    int lines = 0;
    for (char *p = body + 1; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 13);
    unlink(args);
    free(csv), free(out), free(err);
    unlink(path);
    free(path);
}

/* Pinning one correlated input to a number (--set, a variant, a tornado)
 * leaves the others correlated as before. */
static void test_pinning_a_correlated_input(void **state)
{
    (void)state;
    char *path = tu_write_temp(correlated);
    cjm_override pin[] = {{"transitions.lead.buyer", "0.3"}};
    cjm_load_options o = {.sets = pin, .set_count = 1};
    cjm_model *m = NULL;
    cjm_error err;
    if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
    assert_int_equal(m->uncertain_count, 2);
    assert_int_equal(m->group_count, 1);
    assert_int_equal(m->groups[0].size, 2);
    assert_true(m->groups[0].matrix[1] == 0 && m->groups[0].matrix[0] == 1);
    cjm_model_free(&m);
    cjm_override pin2[] = {{"transitions.lead.buyer", "0.3"}, {"stages.buyer.revenue", "20"}};
    o.sets = pin2;
    o.set_count = 2;
    if (cjm_model_load(path, &o, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
    assert_int_equal(m->group_count, 0); /* one member left: nothing to correlate */
    cjm_model_free(&m);
    unlink(path);
    free(path);
}

/* A normal may be an amount when its 1e-9 tails stay in range, and a beta
 * probability may share its stage with another exit. */
static void test_tails(void **state)
{
    (void)state;
    cjm_model *m =
        tu_load_text("local price = cjm.normal(100, 10)\n"
                     "return cjm.scenario {\n"
                     "  horizon = 3, cohort = { size = 100 },\n"
                     "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = price },\n"
                     "             { 'gone', final = true } },\n"
                     "  transitions = { lead = { buyer = cjm.beta(30, 70), gone = 0.2 } },\n"
                     "}\n");
    assert_int_equal(m->uncertain_count, 2);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    s.runs = 500;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    /* LTV is the price, drawn independently of the conversion: E = 100 */
    tu_check_z("LTV of a normal(100, 10) price", mt.m[CJM_M_LTV].mean, 100, mt.m[CJM_M_LTV].se,
               499);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    cjm_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beta_conversion_exact),
        cmocka_unit_test(test_beta_conversion_agent),
        cmocka_unit_test(test_agent_matches_exact_per_draw),
        cmocka_unit_test(test_rank_correlation),
        cmocka_unit_test(test_latin_hypercube_strata),
        cmocka_unit_test(test_random_is_not_stratified),
        cmocka_unit_test(test_shared_distribution),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_bad_uses),
        cmocka_unit_test(test_draws_keyed_by_path),
        cmocka_unit_test(test_threads_with_uncertainty),
        cmocka_unit_test(test_runs_out),
        cmocka_unit_test(test_pinning_a_correlated_input),
        cmocka_unit_test(test_tails),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
