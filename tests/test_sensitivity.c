/* Sensitivity analyses: Sobol and Morris against closed forms for a product
 * of independent uniforms, a tornado whose order is known, sweep points that
 * are byte-for-byte `cjm run --set`, --precision's doubling, and the errors
 * for bad options. */
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

#include "compare.h"
#include "sensitivity.h"
#include "testutil.h"

/* a -> b -> c -> d (converts) over exactly 3 steps: a customer converts only
 * by moving at every step, so conversion = p1 p2 p3 exactly. */
static const char chain[] =
    "local p1, p2, p3 = cjm.uniform(0.2, 0.9), cjm.uniform(0.5, 0.7), cjm.uniform(0.1, 0.6)\n"
    "return cjm.scenario {\n"
    "  horizon = 3, cohort = { size = 1000 },\n"
    "  stages = { { 'a' }, { 'b' }, { 'c' }, { 'd', converts = true, final = true } },\n"
    "  transitions = { a = { b = p1 }, b = { c = p2 }, c = { d = p3 } },\n"
    "}\n";
static const char *const chain_paths[] = {"transitions.a.b", "transitions.b.c", "transitions.c.d"};
static const double chain_lo[] = {0.2, 0.5, 0.1}, chain_hi[] = {0.9, 0.7, 0.6};

typedef cjm_status (*analysis_fn)(const char *, const cjm_load_options *, const cjm_settings *,
                                  const cjm_sens_options *, cjm_sensitivity **, cjm_error *);

static cjm_sensitivity *analyse(analysis_fn fn, const char *lua, cjm_engine_kind engine,
                                const cjm_sens_options *o)
{
    char *path = tu_write_temp(lua);
    cjm_load_options base = {0};
    cjm_settings s = cjm_settings_default();
    s.engine = engine;
    cjm_sensitivity *x = NULL;
    cjm_error err = {0};
    cjm_status st = fn(path, &base, &s, o, &x, &err);
    unlink(path);
    free(path);
    if (st != CJM_OK) fail_msg("analysis failed: %s", err.msg);
    return x;
}

static const cjm_sens_row *row_of(const cjm_sensitivity *x, const char *path)
{
    for (int i = 0; i < x->row_count; i++)
        if (strcmp(x->rows[i].path, path) == 0) return &x->rows[i];
    fail_msg("no row for %s", path);
    return NULL;
}

/* ---- Sobol ---- */

/* Y = p1 p2 p3 with independent p_i; m_i = E p_i, v_i = Var p_i, s_i = E p_i^2
 * = v_i + m_i^2 (for U(lo, hi): m = (lo + hi)/2, v = (hi - lo)^2/12).
 *   V    = E Y^2 - (E Y)^2 = prod s_j - prod m_j^2
 *   V_i  = Var E[Y | p_i] = Var(p_i prod_{j!=i} m_j) = v_i prod_{j!=i} m_j^2
 *   V_Ti = V - Var E[Y | p_~i], and E[Y | p_~i] = m_i prod_{j!=i} p_j, so
 *          Var E[Y | p_~i] = m_i^2 (prod_{j!=i} s_j - prod_{j!=i} m_j^2), and
 *          V_Ti = prod s_j - m_i^2 prod_{j!=i} s_j = v_i prod_{j!=i} s_j. */
static void product_indices(double *s1, double *st)
{
    double m[3], v[3], s[3], prod_s = 1, prod_m2 = 1;
    for (int i = 0; i < 3; i++) {
        m[i] = (chain_lo[i] + chain_hi[i]) / 2;
        v[i] = pow(chain_hi[i] - chain_lo[i], 2) / 12;
        s[i] = v[i] + m[i] * m[i];
        prod_s *= s[i], prod_m2 *= m[i] * m[i];
    }
    double V = prod_s - prod_m2;
    for (int i = 0; i < 3; i++) {
        s1[i] = v[i] * prod_m2 / (m[i] * m[i]) / V;
        st[i] = v[i] * prod_s / s[i] / V;
    }
}

/* The exact engine has no noise, so the only error is the sampling of the
 * N = 4096 rows. Each index is compared with its closed form family-wise on
 * the estimator's standard error, which the bootstrap's 95% interval gives:
 * (hi - lo) / (2 x 1.96), from 1000 resamples of the rows (known to about
 * 2% of itself: the normal is used). (A closed form inside the 95% interval,
 * as before, is a 5% test per index, not a family-wise one.) */
static void test_sobol_product(void **state)
{
    (void)state;
    cjm_sens_options o = {.metric = "conversion", .samples = 4096};
    cjm_sensitivity *x = analyse(cjm_sobol, chain, CJM_ENGINE_EXACT, &o);
    double s1[3], st[3];
    product_indices(s1, st);
    assert_int_equal(x->row_count, 3);
    assert_int_equal(x->evaluations, 4096 * 5);
    for (int i = 0; i < 3; i++) {
        const cjm_sens_row *r = row_of(x, chain_paths[i]);
        char what[96];
        snprintf(what, sizeof what, "sobol S1 %s", r->path);
        tu_check_z(what, r->s1, s1[i], (r->s1_hi - r->s1_lo) / (2 * 1.96), 0);
        snprintf(what, sizeof what, "sobol ST %s", r->path);
        tu_check_z(what, r->st, st[i], (r->st_hi - r->st_lo) / (2 * 1.96), 0);
        assert_true(r->s1_lo <= r->s1 && r->s1 <= r->s1_hi);
        assert_true(r->st_lo <= r->st && r->st <= r->st_hi);
    }
    /* ranked by total effect: c.d (0.57), a.b (0.47), b.c (0.04) */
    assert_string_equal(x->rows[0].path, "transitions.c.d");
    assert_string_equal(x->rows[2].path, "transitions.b.c");
    cjm_sensitivity_free(&x);
}

/* The RMS error of S1 and ST against their closed forms over `seeds`
 * designs of n rows (each seed: its own random points, or its own digital
 * shift of the Sobol' sequence). */
static double sobol_rmse(cjm_design design, int n, int seeds)
{
    double s1[3], st[3], sq = 0;
    int m = 0;
    product_indices(s1, st);
    char *path = tu_write_temp(chain);
    for (int seed = 1; seed <= seeds; seed++) {
        cjm_load_options base = {0};
        cjm_settings s = cjm_settings_default();
        s.engine = CJM_ENGINE_EXACT;
        s.runs = 1;
        s.seed = (uint64_t)seed;
        cjm_sens_options o = {
            .metric = "conversion", .samples = n, .bootstrap = 10, .design = design};
        cjm_sensitivity *x = NULL;
        cjm_error err;
        if (cjm_sobol(path, &base, &s, &o, &x, &err) != CJM_OK) fail_msg("sobol: %s", err.msg);
        for (int i = 0; i < 3; i++) {
            const cjm_sens_row *r = row_of(x, chain_paths[i]);
            sq += pow(r->s1 - s1[i], 2) + pow(r->st - st[i], 2);
            m += 2;
        }
        assert_int_equal(x->conv_count, 4);
        assert_int_equal(x->conv_samples[3], n);
        assert_true(x->rows[0].conv_st[3] == x->rows[0].st); /* the last is all N rows */
        cjm_sensitivity_free(&x);
    }
    unlink(path);
    free(path);
    return sqrt(sq / m);
}

/* The Sobol' design converges faster: at N = 256 rows, over 8 designs each,
 * its RMS error against the closed forms is at most half the random
 * design's (measured: see the printed figures). */
static void test_sobol_design_converges(void **state)
{
    (void)state;
    double random = sobol_rmse(CJM_DESIGN_RANDOM, 256, 8),
           sobol = sobol_rmse(CJM_DESIGN_SOBOL, 256, 8);
    printf("sobol indices, N = 256, RMS error over 8 designs: random %.4f, Sobol' sequence %.4f "
           "(%.1fx smaller)\n",
           random, sobol, random / sobol);
    assert_true(2 * sobol <= random);
}

/* The estimators on hand-made values: Y = x1 alone (S1 = ST = 1 for x1, 0
 * for x2), whatever the resampling. */
static void test_sobol_estimator_additive(void **state)
{
    (void)state;
    enum { N = 64, K = 2 };
    double y[N * (K + 2)], a[N], b[N], s1[K], st[K];
    for (int j = 0; j < N; j++) a[j] = sin(j * 1.3), b[j] = cos(j * 0.7);
    for (int j = 0; j < N; j++) {
        y[j] = a[j];         /* f(A) */
        y[N + j] = b[j];     /* f(B) */
        y[2 * N + j] = b[j]; /* A_B^(1): x1 from B */
        y[3 * N + j] = a[j]; /* A_B^(2): x1 still from A */
    }
    cjm_sobol_indices(y, N, K, NULL, s1, st);
    /* ST_1 = mean (a - b)^2 / 2V: 1 only in expectation; S1_2 = 1 - mean (b - a)^2 / 2V.
     * The identities hold to the rounding of sums of 64 terms of order 1:
     * below 64 x 1.1e-16 = 7e-15; 1e-12 leaves a factor of 100. */
    assert_true(fabs(s1[0] - 1) < 1e-12);
    assert_true(fabs(st[1]) < 1e-12);
    assert_true(fabs(s1[1] + st[0] - 1) < 1e-12);
}

/* ---- Morris ---- */

/* EE_i = (Y(u + Delta e_i) - Y(u)) / Delta. For a uniform input on its
 * 5th..95th percentiles, p_i = lo + (0.05 + 0.9 u)(hi - lo), and Y is linear
 * in p_i, so EE_i = 0.9 (hi_i - lo_i) prod_{j!=i} p_j at the trajectory's
 * point. Each other factor is there at the start or the end of its own move;
 * both are uniform over the p levels {0, 1/3, 2/3, 1} (the start is in the
 * lower half moving up or the upper half moving down, with equal chance), and
 * independent across factors, so E p_j = lo_j + 0.5 (hi_j - lo_j) = m_j and
 * mu*_i = mu_i = 0.9 (hi_i - lo_i) prod_{j!=i} m_j (every EE is positive). */
static void test_morris_product(void **state)
{
    (void)state;
    enum { R = 1000 };
    cjm_sens_options o = {.metric = "conversion", .trajectories = R, .levels = 4};
    cjm_sensitivity *x = analyse(cjm_morris, chain, CJM_ENGINE_EXACT, &o);
    double m[3], want[3];
    for (int i = 0; i < 3; i++) m[i] = (chain_lo[i] + chain_hi[i]) / 2;
    for (int i = 0; i < 3; i++)
        want[i] = 0.9 * (chain_hi[i] - chain_lo[i]) * m[(i + 1) % 3] * m[(i + 2) % 3];
    assert_int_equal(x->evaluations, R * 4);
    for (int i = 0; i < 3; i++) {
        const cjm_sens_row *r = row_of(x, chain_paths[i]);
        /* the R trajectories are independent: mu* is a mean of R effects with
         * standard deviation sigma (R - 1 degrees of freedom) */
        char what[96];
        snprintf(what, sizeof what, "morris mu* %s", r->path);
        tu_check_z(what, r->mu_star, want[i], r->sigma / sqrt(R), R - 1);
        /* every effect is positive: mu and mu* sum the same values (1e-12:
         * the rounding of two sums of 1000 terms of order 0.1, ~1e-14) */
        assert_true(fabs(r->mu - r->mu_star) < 1e-12);
    }
    /* analytical ranking: c.d 0.1485 > a.b 0.1323 > b.c 0.0347 */
    assert_string_equal(x->rows[0].path, "transitions.c.d");
    assert_string_equal(x->rows[1].path, "transitions.a.b");
    assert_string_equal(x->rows[2].path, "transitions.b.c");
    cjm_sensitivity_free(&x);
}

/* --param PATH=LO:HI alone: the other uncertain inputs are held at their
 * medians (0.6 and 0.35), so every effect is (0.9 - 0.2) x 0.6 x 0.35. */
static void test_morris_param_range(void **state)
{
    (void)state;
    cjm_sens_param p = {"transitions.a.b", 0.2, 0.9, 0, 1};
    cjm_sens_options o = {
        .params = &p, .param_count = 1, .metric = "conversion", .trajectories = 5};
    cjm_sensitivity *x = analyse(cjm_morris, chain, CJM_ENGINE_EXACT, &o);
    assert_int_equal(x->row_count, 1);
    assert_int_equal(x->pinned, 2);
    /* exact values: each effect is (Y(u + Delta) - Y(u)) / Delta of a product
     * of three numbers below 1, rounding by ~1e-16 / Delta = 1.5e-16 */
    assert_true(fabs(x->rows[0].mu_star - 0.7 * 0.6 * 0.35) < 1e-12);
    assert_true(x->rows[0].sigma < 1e-12);
    cjm_sensitivity_free(&x);
}

/* ---- tornado ---- */

/* profit = N (p (revenue - cost) - cost_per_prospect) = 1000 (0.5 x 70 - 10)
 * = 25000. A 20% swing moves it by: revenue 100 -> +-20 x 0.5 x 1000 =
 * +-10000; p 0.5 -> +-0.1 x 70 x 1000 = +-7000; cost 30 -> +-6 x 500 =
 * -+3000; cost per prospect 10 -> +-2 x 1000 = -+2000. The exact engine
 * computes these one-step figures in a handful of operations: they agree
 * with the hand values to a few ulps, ~1e-11 on money in the tens of
 * thousands and 1e-16 on values below 1, so the tests allow 1e-6 and 1e-12. */
static const char shop[] = "return cjm.scenario {\n"
                           "  horizon = 1, cohort = { size = 1000, cost_per_prospect = 10 },\n"
                           "  stages = { { 'lead' },\n"
                           "    { 'buyer', converts = true, revenue = 100, cost = 30 },\n"
                           "    { 'gone', final = true } },\n"
                           "  transitions = { lead = { buyer = 0.5, gone = 0.4 } },\n"
                           "}\n";

static void test_tornado_order(void **state)
{
    (void)state;
    cjm_sens_options o = {0};
    cjm_sensitivity *x = analyse(cjm_tornado, shop, CJM_ENGINE_EXACT, &o);
    static const char *const order[] = {"stages.buyer.revenue", "transitions.lead.buyer",
                                        "stages.buyer.cost", "cohort.cost_per_prospect"};
    static const double width[] = {20000, 14000, 6000, 4000};
    assert_true(fabs(x->baseline - 25000) < 1e-6);
    for (int i = 0; i < 4; i++) {
        assert_string_equal(x->rows[i].path, order[i]);
        assert_true(fabs(x->rows[i].width - width[i]) < 1e-6);
    }
    const cjm_sens_row *p = row_of(x, "transitions.lead.buyer");
    assert_true(fabs(p->lo - 0.4) < 1e-12 && fabs(p->hi - 0.6) < 1e-12);
    assert_true(fabs(p->metric_lo - 18000) < 1e-6 && fabs(p->metric_hi - 32000) < 1e-6);
    const cjm_sens_row *cost = row_of(x, "stages.buyer.cost"); /* cost up: profit down */
    assert_true(cost->metric_hi < cost->metric_lo);
    for (int i = 0; i < x->row_count; i++) /* structural: left out */
        assert_string_not_equal(x->rows[i].path, "cohort.size");
    cjm_sensitivity_free(&x);
}

/* A 100% swing: probabilities stay in [0, 1]; lead -> buyer at 1 (or lead ->
 * gone at 0.8) pushes the stage's outgoing sum past 1, which the scenario
 * refuses: that point is reported with the loader's message, and the rest of
 * the chart stands. Revenue 0 .. 200 moves profit from 1000 (0.5 x -30 - 10)
 * to 1000 (0.5 x 170 - 10). */
static void test_tornado_clamp_and_refused(void **state)
{
    (void)state;
    cjm_sens_param prm[3] = {{"transitions.lead.buyer", 0, 0, 0, 0},
                             {"transitions.lead.gone", 0, 0, 0, 0},
                             {"stages.buyer.revenue", 0, 0, 0, 0}};
    cjm_sens_options o = {.params = prm, .param_count = 3, .swing = 1};
    cjm_sensitivity *x = analyse(cjm_tornado, shop, CJM_ENGINE_EXACT, &o);
    const cjm_sens_row *b = row_of(x, "transitions.lead.buyer");
    assert_true(b->lo == 0 && b->hi == 1);
    assert_non_null(b->error);
    assert_non_null(strstr(b->error, "high: "));
    assert_non_null(strstr(b->error, "above 1"));
    assert_true(isnan(b->metric_hi) && fabs(b->metric_lo + 10000) < 1e-6);
    const cjm_sens_row *g = row_of(x, "transitions.lead.gone");
    assert_true(g->lo == 0 && fabs(g->hi - 0.8) < 1e-12);
    assert_non_null(g->error);
    const cjm_sens_row *r = &x->rows[0]; /* refused points rank last */
    assert_string_equal(r->path, "stages.buyer.revenue");
    assert_null(r->error);
    assert_true(fabs(r->metric_lo + 25000) < 1e-6 && fabs(r->metric_hi - 75000) < 1e-6);
    cjm_sensitivity_free(&x);
}

/* An uncertain input swings to its 5th and 95th percentiles (closed-form
 * quantiles of a uniform: a few ulps, so 1e-12). */
static void test_tornado_uncertain(void **state)
{
    (void)state;
    cjm_sens_options o = {.metric = "conversion"};
    cjm_sensitivity *x = analyse(cjm_tornado, chain, CJM_ENGINE_EXACT, &o);
    const cjm_sens_row *r = row_of(x, "transitions.b.c");
    assert_true(r->uncertain);
    assert_true(fabs(r->lo - (0.5 + 0.05 * 0.2)) < 1e-12);
    assert_true(fabs(r->hi - (0.5 + 0.95 * 0.2)) < 1e-12);
    cjm_sensitivity_free(&x);
}

/* One distribution written in two places is one input: moving it moves
 * both (conversion = p (p + 0.5) / 2 over two equal segments; values below
 * 1 from a few operations: 1e-12 is a thousand ulps). */
static void test_tornado_shared_distribution(void **state)
{
    (void)state;
    static const char lua[] =
        "local p = cjm.uniform(0.2, 0.8)\n"
        "return cjm.scenario {\n"
        "  horizon = 2, cohort = { size = 1000 },\n"
        "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
        "  stages = { { 'a' }, { 'b' }, { 'c', converts = true, final = true } },\n"
        "  transitions = { a = { b = p }, b = { c = { x = p, y = 0.5 } } },\n"
        "}\n";
    cjm_sens_param prm = {"transitions.a.b", 0, 0, 0, 0};
    cjm_sens_options o = {.params = &prm, .param_count = 1, .metric = "conversion"};
    cjm_sensitivity *x = analyse(cjm_tornado, lua, CJM_ENGINE_EXACT, &o);
    const cjm_sens_row *r = &x->rows[0];
    assert_true(fabs(r->lo - 0.23) < 1e-12 && fabs(r->hi - 0.77) < 1e-12);
    assert_true(fabs(r->metric_lo - 0.23 * 0.73 / 2) < 1e-12);
    assert_true(fabs(r->metric_hi - 0.77 * 1.27 / 2) < 1e-12);
    cjm_sensitivity_free(&x);
}

/* ---- the command line ---- */

#define BEAUTY CJM_SOURCE_DIR "/scenarios/beauty_clinic.lua"

static json_t *run_json(const char *args)
{
    char *out, *err;
    int rc = tu_run_cjm(args, &out, &err);
    if (rc != 0) fail_msg("cjm %s: exit %d: %s", args, rc, err);
    json_error_t jerr;
    json_t *doc = json_loads(out, 0, &jerr);
    if (!doc) fail_msg("cjm %s: not JSON: %s", args, jerr.text);
    free(out), free(err);
    return doc;
}

static char *dump(const json_t *v)
{
    return json_dumps(v, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
}

/* Every sweep point is the run with the same --set, to the last digit: same
 * seed and settings, whatever the threads. */
static void test_sweep_equals_run(void **state)
{
    (void)state;
    json_t *sweep = run_json("sweep " BEAUTY " --runs 8 --customers 2000 --threads 2 "
                             "--set cohort.cost_per_prospect=50 "
                             "--param transitions.consult.client=0.3:0.5:3 --format json");
    json_t *points = json_object_get(sweep, "points");
    assert_int_equal(json_array_size(points), 3);
    static const char *const values[] = {"0.3", "0.4", "0.5"};
    for (int i = 0; i < 3; i++) {
        char args[512];
        snprintf(args, sizeof args,
                 "run " BEAUTY " --runs 8 --customers 2000 --threads 1 "
                 "--set cohort.cost_per_prospect=50 --set transitions.consult.client=%s "
                 "--format json",
                 values[i]);
        json_t *run = run_json(args);
        json_t *point = json_array_get(points, (size_t)i);
        char *a = dump(json_object_get(point, "metrics")),
             *b = dump(json_object_get(run, "metrics"));
        assert_string_equal(a, b);
        free(a), free(b);
        a = dump(json_object_get(sweep, "settings")), b = dump(json_object_get(run, "settings"));
        assert_string_equal(a, b);
        free(a), free(b);
        json_decref(run);
    }
    json_decref(sweep);
}

/* ---- precision ---- */

static const char one_step[] = "return cjm.scenario {\n"
                               "  horizon = 1, cohort = { size = 2000 },\n"
                               "  stages = { { 'lead' }, { 'buyer', converts = true } },\n"
                               "  transitions = { lead = { buyer = 0.3 } },\n"
                               "  variants = { better = { set = { ['transitions.lead.buyer'] = "
                               "0.33 } } },\n"
                               "}\n";

static int reached(const cjm_model *m, int runs, double rel)
{
    cjm_settings s = cjm_settings_default();
    s.runs = runs;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    const cjm_summary *c = &mt.m[CJM_M_CONVERSION];
    int ok = (c->hi - c->lo) / 2 <= rel * fabs(c->mean);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    return ok;
}

/* The runs are the first of 10, 20, 40, ... whose interval is narrow
 * enough, and the result is the plain run with that many runs. */
static void test_precision_run(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(one_step);
    cjm_settings s = cjm_settings_default();
    s.runs = 10;
    cjm_precision p = {.metric = "conversion", .rel = 0.01};
    cjm_result *r = NULL;
    cjm_error err = {0};
    assert_int_equal(cjm_run_precise(m, &s, &p, &r, &err), CJM_OK);
    assert_true(p.reached);
    assert_int_equal(p.runs, r->runs);
    int k = 0;
    while ((10 << k) < p.runs) k++;
    assert_int_equal(p.runs, 10 << k); /* a doubling of the runs asked */
    assert_true(k > 0);                /* 10 runs of 2000 are not within 1% */
    assert_true(reached(m, p.runs, 0.01));
    assert_false(reached(m, p.runs / 2, 0.01));
    s.runs = p.runs;
    cjm_result *plain = NULL;
    assert_int_equal(cjm_run(m, &s, &plain, &err), CJM_OK);
    assert_int_equal(plain->runs, r->runs);
    assert_memory_equal(plain->totals, r->totals, (size_t)r->runs * r->width * sizeof *r->totals);
    cjm_result_free(&plain);
    cjm_result_free(&r);
    /* not reachable within --max-runs: stops there and says so */
    cjm_precision tight = {.metric = "conversion", .rel = 1e-6, .max_runs = 40};
    s.runs = 10;
    assert_int_equal(cjm_run_precise(m, &s, &tight, &r, &err), CJM_OK);
    assert_false(tight.reached);
    assert_int_equal(tight.runs, 40);
    cjm_result_free(&r);
    cjm_model_free(&m);
}

/* A comparison doubles until every arm's difference is precise enough, and
 * equals the plain comparison with that many runs. */
static void test_precision_compare(void **state)
{
    (void)state;
    char *path = tu_write_temp(one_step);
    cjm_load_options base = {0};
    cjm_settings s = cjm_settings_default();
    s.runs = 10;
    cjm_precision p = {.metric = "conversion", .rel = 0.05};
    cjm_comparison *c = NULL, *plain = NULL;
    cjm_error err = {0};
    assert_int_equal(cjm_compare_precise(path, &base, NULL, 0, 0, &s, &p, &c, &err), CJM_OK);
    assert_true(p.reached);
    const cjm_summary *d = &c->arms[0].delta[CJM_M_CONVERSION];
    assert_true((d->hi - d->lo) / 2 <= 0.05 * fabs(d->mean));
    assert_int_equal(p.runs, c->base.result->runs);
    s.runs = p.runs / 2;
    assert_int_equal(cjm_compare_variants(path, &base, NULL, 0, &s, &plain, &err), CJM_OK);
    d = &plain->arms[0].delta[CJM_M_CONVERSION];
    assert_true(p.runs == 10 || (d->hi - d->lo) / 2 > 0.05 * fabs(d->mean));
    cjm_comparison_free(&plain);
    s.runs = p.runs;
    assert_int_equal(cjm_compare_variants(path, &base, NULL, 0, &s, &plain, &err), CJM_OK);
    assert_true(plain->arms[0].delta[CJM_M_CONVERSION].mean ==
                c->arms[0].delta[CJM_M_CONVERSION].mean);
    assert_true(plain->arms[0].delta[CJM_M_CONVERSION].se == c->arms[0].delta[CJM_M_CONVERSION].se);
    cjm_comparison_free(&plain);
    cjm_comparison_free(&c);
    unlink(path);
    free(path);
}

/* On the command line: settings.runs and a "precision" object in JSON, the
 * runs in the table; sweep doubles every point alike. */
static void test_precision_cli(void **state)
{
    (void)state;
    char *path = tu_write_temp(one_step), args[512], *out, *err;
    snprintf(args, sizeof args, "run %s --runs 10 --precision conversion=1%% --format json", path);
    json_t *doc = run_json(args);
    json_t *prec = json_object_get(doc, "precision");
    int runs = (int)json_integer_value(json_object_get(json_object_get(doc, "settings"), "runs"));
    assert_string_equal(json_string_value(json_object_get(prec, "metric")), "conversion");
    assert_true(json_is_true(json_object_get(prec, "reached")));
    /* 0.01 printed with 12 significant digits and read back: the nearest double */
    assert_true(fabs(json_real_value(json_object_get(prec, "rel")) - 0.01) < 1e-15);
    snprintf(args, sizeof args, "run %s --runs %d --format json", path, runs);
    json_t *plain = run_json(args);
    char *a = dump(json_object_get(doc, "metrics")), *b = dump(json_object_get(plain, "metrics"));
    assert_string_equal(a, b);
    free(a), free(b);
    json_decref(plain);
    json_decref(doc);
    snprintf(args, sizeof args, "run %s --runs 10 --precision conversion=0.01", path);
    assert_int_equal(tu_run_cjm(args, &out, &err), 0);
    char note[128];
    snprintf(note, sizeof note, "within ±1%% of its mean after %d runs", runs);
    assert_non_null(strstr(out, note));
    free(out), free(err);
    snprintf(args, sizeof args,
             "sweep %s --runs 10 --param transitions.lead.buyer=0.2:0.4:3 "
             "--precision conversion=1%% --format json",
             path);
    doc = run_json(args);
    runs = (int)json_integer_value(json_object_get(json_object_get(doc, "settings"), "runs"));
    assert_true(json_is_true(json_object_get(json_object_get(doc, "precision"), "reached")));
    assert_true(runs >= 20 && runs % 10 == 0 && ((runs / 10) & (runs / 10 - 1)) == 0);
    json_decref(doc);
    unlink(path);
    free(path);
}

/* Every command's JSON and CSV have the documented shape. */
static void test_outputs(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain), args[512], *out, *err;
    static const char *const cmds[] = {"tornado %s --engine exact --metric conversion",
                                       "morris %s --engine exact --trajectories 4",
                                       "sobol %s --engine exact --samples 16 --bootstrap 50"};
    static const char *const fields[] = {"metric_high", "mu_star", "ST_ci95"};
    for (int i = 0; i < 3; i++) {
        char cmd[256];
        snprintf(cmd, sizeof cmd, cmds[i], path);
        snprintf(args, sizeof args, "%s --format json", cmd);
        json_t *doc = run_json(args);
        json_t *first = json_array_get(json_object_get(doc, "inputs"), 0);
        assert_non_null(json_object_get(first, fields[i]));
        assert_non_null(json_object_get(first, "path"));
        assert_non_null(json_object_get(doc, "settings"));
        assert_non_null(json_object_get(doc, "metric"));
        json_decref(doc);
        snprintf(args, sizeof args, "%s --format csv", cmd);
        assert_int_equal(tu_run_cjm(args, &out, &err), 0);
        assert_true(strncmp(out, "# cjm: ", 7) == 0);       /* the settings block, */
        assert_non_null(strstr(out, "\n# seed: 1\npath,")); /* then the rows */
        assert_string_equal(err, ""); /* no progress bar when stderr is not a terminal */
        free(out), free(err);
    }
    unlink(path);
    free(path);
}

/* ---- bad usage: exit 2, one line ---- */

static void expect_usage(const char *args, const char *needle)
{
    char *out, *err;
    int rc = tu_run_cjm(args, &out, &err);
    if (rc != 2 || !strstr(err, needle) || strchr(err, '\n') != err + strlen(err) - 1)
        fail_msg("cjm %s: exit %d, stderr '%s' (want 2 and '%s')", args, rc, err, needle);
    free(out), free(err);
}

static void test_bad_options(void **state)
{
    (void)state;
    char *plain = tu_write_temp(shop), *unc = tu_write_temp(chain), a[512];
#define BAD(fmt, file, needle)                                                                     \
    do {                                                                                           \
        snprintf(a, sizeof a, fmt, file);                                                          \
        expect_usage(a, needle);                                                                   \
    } while (0)
    BAD("sweep %s --param stages.nowhere.cost=1:2:3", plain, "not a numeric input");
    BAD("sweep %s --param stages.buyer.revenue=1:2", plain, "expected PATH=FROM:TO:STEPS");
    BAD("sweep %s --param stages.buyer.revenue=1:2:1", plain, "--param STEPS");
    BAD("sweep %s --param stages.buyer.revenue=a:2:3", plain, "expected PATH=FROM:TO:STEPS");
    BAD("sweep %s", plain, "give at least one --param");
    BAD("tornado %s --swing 0%%", plain, "--swing: expected a percentage in (0, 100%]");
    BAD("tornado %s --swing 150%%", plain, "--swing");
    BAD("tornado %s --swing lots", plain, "--swing");
    BAD("tornado %s --metric happiness", plain, "unknown metric 'happiness'");
    BAD("tornado %s --param cohort.nothing", plain, "not a numeric input");
    BAD("sobol %s --samples 1", unc, "--samples");
    BAD("sobol %s", plain, "sobol: the scenario has no uncertain inputs; give --param PATH=LO:HI");
    BAD("morris %s", plain, "morris: the scenario has no uncertain inputs");
    BAD("morris %s --levels 3", unc, "--levels");
    BAD("morris %s --param stages.buyer.revenue", plain, "give its range");
    BAD("morris %s --param transitions.lead.buyer=0.5:1.5", plain, "outside its range");
    BAD("sobol %s --param stages.buyer.revenue=9:3", plain, "LO must be below HI");
    BAD("run %s --precision conversion", plain, "expected METRIC=REL");
    BAD("sweep %s --param stages.buyer.revenue=1:2:3 --precision cost=0", plain,
        "REL must be a positive");
#undef BAD
    unlink(plain), unlink(unc);
    free(plain), free(unc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sobol_product),
        cmocka_unit_test(test_sobol_estimator_additive),
        cmocka_unit_test(test_sobol_design_converges),
        cmocka_unit_test(test_morris_product),
        cmocka_unit_test(test_morris_param_range),
        cmocka_unit_test(test_tornado_order),
        cmocka_unit_test(test_tornado_clamp_and_refused),
        cmocka_unit_test(test_tornado_uncertain),
        cmocka_unit_test(test_tornado_shared_distribution),
        cmocka_unit_test(test_sweep_equals_run),
        cmocka_unit_test(test_precision_run),
        cmocka_unit_test(test_precision_compare),
        cmocka_unit_test(test_precision_cli),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
