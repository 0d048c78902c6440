/* test_lanes.c: the agent engine's vectorised kernel (core/agent_lanes.c)
 * gives the same bytes as the scalar loop, which test_agent checks against
 * the exact engine; and it runs exactly for the models it covers. */
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

#include "agent_lanes.h"
#include "result.h"
#include "testutil.h"

/* Three segments x eight stages (24 cells, past the 16 of one register),
 * stages with 1 to 5 edges, two whose edges sum to 1 (one with a zero edge
 * after them), one that cannot be left, money per step in a converting stage
 * and a final one, min_steps
 * (its only edge has probability 0), a converting stage left backwards, a
 * final stage with revenue, arrivals, a function that is constant in time and
 * a barrier that stands throughout. */
static const char *wide_lua =
    "return cjm.scenario {\n"
    "  name = 'lanes: wide cells', horizon = 40,\n"
    "  cohort = { size = 30000, cost_per_prospect = 1, arrivals = 500 },\n"
    "  segments = { { 'a', share = 0.5 }, { 'b', share = 0.3 }, { 'c', share = 0.2 } },\n"
    "  stages = {\n"
    "    { 's0' }, { 's1', cost = 2 }, { 's2', revenue = 3, min_steps = 3 },\n"
    "    { 's3', converts = true, revenue = 50, revenue_per_step = 1 },\n"
    "    { 's4', revenue_per_step = 4 },\n"
    "    { 'stuck', cost_per_step = 1 }, { 'won', final = true, revenue = 7 },\n"
    "    { 'lost', final = true, cost_per_step = 0.5 },\n"
    "  },\n"
    "  transitions = {\n"
    "    s0 = { s1 = { a = 0.3, b = 0.2, c = 0.25 }, s2 = 0.1, lost = 0.05, stuck = 0.02 },\n"
    "    s1 = { s0 = 0.1, s2 = 0.3, s3 = 0.2, lost = 0.4 },\n"
    "    s2 = { s3 = 0.7, s1 = 0.3, won = 0 },\n"
    "    s3 = { s4 = 0.5, won = 0.1, lost = 0.1, s1 = 0.1, s2 = 0.05 },\n"
    "    s4 = { s3 = 0.1, won = 0.05, lost = function(c) return 0.03 end },\n"
    "    stuck = { s0 = 0 },\n"
    "  },\n"
    "  barriers = { slow_reply = { on = 's1 -> s3', effect = 0.5,\n"
    "                              fix = { cost = 100, efficacy = 0.8 } } },\n"
    "  variants = { fixed = { fixes = { 'slow_reply' } } },\n"
    "}\n";

/* The first stage converts; a horizon shorter than most stays. */
static const char *short_lua =
    "return cjm.scenario {\n"
    "  name = 'lanes: first stage converts', horizon = 5,\n"
    "  cohort = { size = 9000 },\n"
    "  stages = { { 'buy', converts = true, revenue = 10, revenue_per_step = 2 },\n"
    "             { 'again', revenue = 5 },\n"
    "             { 'gone', final = true } },\n"
    "  transitions = { buy = { again = 0.4 }, again = { buy = 0.3, gone = 0.7 } },\n"
    "}\n";

/* Probabilities that change with time, customers who move often: the
 * kernel with gathers. A barrier for some weeks, a stage whose edges sum to 1
 * in some weeks, money per step in the converting stage and a final one. */
static const char *seasonal_lua =
    "return cjm.scenario {\n"
    "  name = 'lanes: seasonal', horizon = 30, cohort = { size = 5000, arrivals = 100 },\n"
    "  stages = { { 'a' }, { 'b', converts = true, revenue_per_step = 3 },\n"
    "             { 'c', cost = 1, min_steps = 2 },\n"
    "             { 'won', final = true, revenue_per_step = 1 }, { 'lost', final = true } },\n"
    "  transitions = {\n"
    "    a = { b = function(c) return 0.1 + 0.01 * (c.t % 4) end, lost = 0.1, c = 0.05 },\n"
    "    b = { lost = 0.2, c = 0.1 },\n"
    "    c = { won = function(c) return c.t < 10 and 0.6 or 0.3 end, a = 0.4, lost = 0 },\n"
    "  },\n"
    "  barriers = { slow = { on = 'a -> b', effect = 0.5, from = 5, to = 12 } },\n"
    "}\n";

/* Probabilities that change with time, customers who stay long: the scalar
 * loop is the faster there. */
static const char *slow_lua =
    "return cjm.scenario {\n"
    "  name = 'lanes: slow', horizon = 40, cohort = { size = 5000 },\n"
    "  stages = { { 'a' }, { 'b', converts = true }, { 'lost', final = true } },\n"
    "  transitions = { a = { b = function(c) return 0.01 + 0.001 * (c.t % 4) end, lost = 0.002 },\n"
    "                  b = { lost = 0.01 } },\n"
    "}\n";

static char *report_json(const cjm_model *m, int threads, int runs, int64_t customers)
{
    cjm_settings s = cjm_settings_default();
    s.simd = tu_simd;
    s.runs = runs;
    s.customers = customers;
    s.threads = threads;
    return tu_report_json(m, &s);
}

/* Prints the lines where two reports differ (- scalar, + kernel). */
static void show_difference(const char *a, const char *b)
{
    for (int line = 1; *a || *b; line++) {
        size_t na = strcspn(a, "\n"), nb = strcspn(b, "\n");
        if (na != nb || memcmp(a, b, na) != 0)
            fprintf(stderr, "line %d:\n- %.*s\n+ %.*s\n", line, (int)na, a, (int)nb, b);
        a += na + (a[na] != 0);
        b += nb + (b[nb] != 0);
    }
}

/* True when the agent engine runs the model through the vectorised kernel. */
static bool runs_kernel(const cjm_model *m, int64_t customers)
{
    cjm_settings s = cjm_settings_default();
    s.simd = tu_simd;
    s.runs = 3;
    s.customers = customers;
    cjm_result *r = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_OK);
    bool used = cjm_engine_agent_vectorised(r);
    cjm_result_free(&r);
    return used;
}

/* Sets the kernel choice of every run here (testutil's tu_simd, which
 * tu_compare_engines uses too); returns the choice before, to pass back. */
static cjm_simd set_simd(cjm_simd choice)
{
    cjm_simd before = tu_simd;
    tu_simd = choice;
    return before;
}

/* The JSON report with the kernel turned off (CJM_SIMD_OFF) and on, for 1 and
 * 3 threads: all the same. Returns whether the kernel ran. Where they differ,
 * prints the scenario's text (lua, if given) and the lines that do. */
static bool same_bytes_shown(const cjm_model *m, int runs, int64_t customers, const char *lua)
{
    cjm_simd before = set_simd(CJM_SIMD_OFF);
    char *scalar = report_json(m, 1, runs, customers);
    set_simd(before);
    char *one = report_json(m, 1, runs, customers), *three = report_json(m, 3, runs, customers);
    for (int k = 0; k < 2; k++) {
        const char *kernel = k ? three : one;
        if (strcmp(scalar, kernel) == 0) continue;
        fprintf(stderr,
                "the scalar loop and the kernel (%d thread%s, %d runs x %lld customers) "
                "differ for\n%s",
                k ? 3 : 1, k ? "s" : "", runs, (long long)customers, lua ? lua : "(a model)\n");
        show_difference(scalar, kernel);
    }
    assert_string_equal(scalar, one);
    assert_string_equal(scalar, three);
    free(scalar);
    free(one);
    free(three);
    return runs_kernel(m, customers);
}

static bool same_bytes(const cjm_model *m, int runs, int64_t customers)
{
    return same_bytes_shown(m, runs, customers, NULL);
}

/* Loads a scenario's text under a variant (NULL: none), printing the text if
 * it does not load. */
static cjm_model *load_variant(const char *lua, const char *variant)
{
    char *path = tu_write_temp(lua);
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_load_options opts = {0};
    opts.variant = variant;
    cjm_status st = cjm_model_load(path, &opts, &m, &err);
    if (st != CJM_OK) fprintf(stderr, "%s\ndoes not load: %s\n", lua, err.msg);
    unlink(path);
    free(path);
    assert_int_equal(st, CJM_OK);
    return m;
}

/* The longest horizons, a prospect arriving every 1,000 steps (a format: the
 * horizon). */
static const char *long_lua =
    "return cjm.scenario {\n"
    "  name = 'lanes: long horizon', horizon = %d,\n"
    "  cohort = { size = 3, arrivals = 0.001 },\n"
    "  stages = { { 'a', cost_per_step = 0.001 },\n"
    "             { 'b', converts = true, revenue_per_step = 0.01, min_steps = 3 },\n"
    "             { 'c', revenue = 2, cost_per_step = 0.002 },\n"
    "             { 'won', final = true, revenue_per_step = 0.5 }, { 'lost', final = true } },\n"
    "  transitions = { a = { b = 0.001, lost = 0.0001 }, b = { c = 0.5, won = 0.5 },\n"
    "                  c = { b = 0.001, lost = 0.00005 } },\n"
    "}\n";

/* Where the CPU has AVX-512, the kernel runs for the models it covers, and
 * only for those; with AVX2 only, for those among them whose thresholds do
 * not change with time; elsewhere the scalar loop runs everything. */
static void test_kernel_covers(void **state)
{
    (void)state;
    int level = cjm_lanes_available(tu_simd);
    bool cpu = level != 0;
    const char *texts[] = {wide_lua, short_lua, seasonal_lua};
    for (int i = 0; i < 3; i++) {
        cjm_model *m = tu_load_text(texts[i]);
        bool timed = texts[i] == seasonal_lua;
        assert_int_equal(same_bytes(m, 3, 20000), cpu && (!timed || level == CJM_LANES_AVX512));
        cjm_model_free(&m);
    }
    cjm_model *m = tu_load_text(slow_lua);
    assert_false(same_bytes(m, 3, 5000));
    cjm_model_free(&m);
    m = load_variant(wide_lua, "fixed");
    assert_int_equal(same_bytes(m, 3, 20000), cpu);
    cjm_model_free(&m);
    /* an end record holds steps in 16 bits: longer horizons run the scalar
     * loop; at the longest the kernel takes, customers arrive all along it,
     * stay long, convert and end in a final stage with money per step */
    char text[1024];
    snprintf(text, sizeof text, long_lua, CJM_LANES_MAX_HORIZON - 1);
    m = tu_load_text(text);
    assert_int_equal(same_bytes(m, 1, 30), cpu);
    cjm_model_free(&m);
    snprintf(text, sizeof text, long_lua, CJM_LANES_MAX_HORIZON);
    m = tu_load_text(text);
    assert_false(runs_kernel(m, 30));
    cjm_model_free(&m);
    assert_false(cjm_lanes_available(CJM_SIMD_OFF));
}

/* The example scenarios and the benchmark's model: the same bytes either way
 * (those the kernel does not cover run the scalar loop both times). */
static void test_same_bytes_files(void **state)
{
    (void)state;
    const char *files[] = {"tools/bench/journey.lua",           "tools/bench/journey_fn.lua",
                           "scenarios/beauty_clinic.lua",       "scenarios/online_school.lua",
                           "scenarios/wedding_salon.lua",       "scenarios/b2b_software.lua",
                           "tests/scenarios/issue_example.lua", "tests/scenarios/cycles.lua",
                           "tests/scenarios/two_stage.lua"};
    int covered = 0;
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", CJM_SOURCE_DIR, files[i]);
        cjm_model *m = NULL;
        cjm_error err;
        assert_int_equal(cjm_model_load(path, NULL, &m, &err), CJM_OK);
        covered += same_bytes(m, 4, 9000);
        cjm_model_free(&m);
    }
    fprintf(stderr, "vectorised kernel ran for %d of %zu files\n", covered,
            sizeof files / sizeof *files);
    /* the benchmark's two files at least */
    if (cjm_lanes_available(tu_simd)) assert_true(covered >= 2);
}

/* With the kernel: agent vs exact on every metric, the funnel and retention
 * (testutil's comparison, family-wise over this program). */
static void test_kernel_vs_exact(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text(wide_lua);
    tu_compare_engines(m, 200, 30000, 7);
    cjm_model_free(&m);
    m = tu_load_text(short_lua);
    tu_compare_engines(m, 200, 9000, 8);
    cjm_model_free(&m);
    m = tu_load_text(seasonal_lua);
    tu_compare_engines(m, 200, 20000, 9);
    cjm_model_free(&m);
}

/* Random models for test_random_models, from a small xorshift64* generator
 * (not rand(): the same models with every libc). */
#define GEN_STAGES 12

typedef struct gen {
    uint64_t s;
    FILE *f; /* the scenario's text */
    int G, S, H;
    bool named;       /* segments are written: tables by segment may name them */
    bool slow;        /* every stage is left rarely: time-varying thresholds go scalar */
    bool timed_ok;    /* probabilities may be functions of c.t */
    bool maybe_timed; /* some threshold may change with time */
    bool timed;       /* some threshold certainly does */
    bool draws_ok;    /* amounts and probabilities may be distributions */
    bool uncertain;   /* some input is drawn per run: each run has its own plan */
    int max_degree;
} gen;

static uint64_t gen_next(gen *g)
{
    g->s ^= g->s >> 12;
    g->s ^= g->s << 25;
    g->s ^= g->s >> 27;
    return g->s * 0x2545f4914f6cdd1dull;
}

static int gen_int(gen *g, int lo, int hi)
{
    return lo + (int)(gen_next(g) % (uint64_t)(hi - lo + 1));
}

static double gen_unit(gen *g)
{
    return (double)(gen_next(g) >> 11) * 0x1p-53;
}

static bool gen_chance(gen *g, double p)
{
    return gen_unit(g) < p;
}

/* How many significant digits a number gets: few, or all 17. */
static int gen_digits(gen *g)
{
    return gen_chance(g, 0.5) ? 17 : gen_int(g, 1, 4);
}

/* x as the text with that many significant digits reads it. */
static double rounded(double x, int digits)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.*g", digits, x);
    return strtod(buf, NULL);
}

/* x rounded, but not above most, nor below 0. */
static double at_most(double x, int digits, double most)
{
    double r = rounded(x, digits);
    r = r > most ? most : r;
    return r > 0 ? r : 0;
}

/* Writes x as the shortest text that reads back as x (90, not 9e+01). */
static void put_num(FILE *f, double x)
{
    char buf[40];
    for (int d = 1; d <= 17; d++) {
        snprintf(buf, sizeof buf, "%.*g", d, x);
        if (strtod(buf, NULL) == x) break;
    }
    for (int d = 0; strchr(buf, 'e') && x >= 1e-4 && d <= 20; d++) {
        char fixed[64];
        snprintf(fixed, sizeof fixed, "%.*f", d, x);
        if (strtod(fixed, NULL) == x && strlen(fixed) < sizeof buf) strcpy(buf, fixed);
    }
    fputs(buf, f);
}

/* ", key = amount" for a stage's money: often left out, sometimes 0, rarely
 * drawn per run. */
static void put_money(gen *g, const char *key)
{
    int r = gen_int(g, 0, 19);
    if (r < 10) return;
    fprintf(g->f, ", %s = ", key);
    if (r == 19 && g->draws_ok) {
        double lo = rounded(50 * gen_unit(g), 3);
        fputs("cjm.triangular(", g->f);
        put_num(g->f, lo);
        fputs(", ", g->f);
        put_num(g->f, lo + 1);
        fputs(", ", g->f);
        put_num(g->f, lo + 10);
        fputs(")", g->f);
        g->uncertain = true;
        return;
    }
    put_num(g->f, r <= 11 ? 0 : rounded(gen_unit(g) * 100, gen_int(g, 1, 6)));
}

/* Writes a probability that is at most p at every step and in every segment:
 * a number, a table by segment, a function of c.t, c.segment or nothing, or
 * (rarely) a distribution drawn per run. Returns whether it is the number p. */
static bool put_prob(gen *g, double p, bool nest)
{
    FILE *f = g->f;
    int form = gen_int(g, 0, 39), d = gen_digits(g);
    if (form <= 19 || p == 0) {
        put_num(f, p);
        return true;
    }
    double lo = at_most(p * gen_unit(g), d, p);
    if (form == 39 && lo < p && g->draws_ok) {
        fputs("cjm.uniform(", f);
        put_num(f, lo);
        fputs(", ", f);
        put_num(f, p);
        fputs(")", f);
        g->uncertain = true;
        return false;
    }
    form /= 4;
    if (form <= 6 && nest && g->named) { /* each entry p, 0, below p, or a function */
        fputs("{ ", f);
        for (int k = 0; k < g->G; k++) {
            fprintf(f, "%sg%d = ", k ? ", " : "", k);
            int r = gen_int(g, 0, 4);
            double q = r == 0 ? p : r == 1 ? 0 : at_most(p * gen_unit(g), d, p);
            if (r == 4)
                put_prob(g, q, false);
            else
                put_num(f, q);
        }
        fputs(" }", f);
        return false;
    }
    if (form <= 8 && g->timed_ok && g->H > 1) {
        g->maybe_timed = true;
        if (gen_chance(g, 0.5)) { /* periodic: a + b (t mod period), at most a + b (period - 1) */
            int period = gen_int(g, 2, 5);
            double a = at_most(p * 0.8 * gen_unit(g), d, p);
            double b = rounded((p - a) / (period - 1), d);
            if (a + b * (period - 1) > p) b = (p - a) / (period - 1);
            while (a + b * (period - 1) > p) b = nextafter(b, 0);
            fputs("function(c) return ", f);
            put_num(f, a);
            fputs(" + ", f);
            put_num(f, b);
            fprintf(f, " * (c.t %% %d) end", period);
            g->timed |= b >= 1e-7; /* more than 2^-32 */
        } else {                   /* a step */
            int until = gen_int(g, 1, g->H - 1);
            double x = p, y = at_most(p * gen_unit(g), d, p);
            if (gen_chance(g, 0.5)) {
                x = y;
                y = p;
            }
            fprintf(f, "function(c) return c.t < %d and ", until);
            put_num(f, x);
            fputs(" or ", f);
            put_num(f, y);
            fputs(" end", f);
            g->timed |= fabs(x - y) >= 1e-7;
        }
        return false;
    }
    fputs("function(c) return ", f);
    if (g->named && gen_chance(g, 0.5)) {
        fprintf(f, "c.segment == 'g%d' and ", gen_int(g, 0, g->G - 1));
        put_num(f, p);
        fputs(" or ", f);
        put_num(f, at_most(p * gen_unit(g), d, p));
    } else {
        put_num(f, p);
    }
    fputs(" end", f);
    return false;
}

/* The probabilities out of a stage with k edges, summing to at most 1: any
 * sum, exactly 1 (in decimals or in sixteenths), just below 1, small (slow
 * models); sometimes with an edge of 0 or one too small for a 32-bit draw. */
static void stage_probs(gen *g, int k, double *p)
{
    int mode = g->slow ? 9 : gen_int(g, 0, 19), d = gen_digits(g);
    double w[CJM_MAX_STAGES], total = 0, prefix = 0;
    for (int j = 0; j < k; j++) total += w[j] = gen_unit(g) + 0.01;
    if (mode <= 2) { /* exactly 1: the last edge takes the rest */
        for (int j = 0; j + 1 < k; j++) prefix += p[j] = at_most(w[j] / total, d, 1 - prefix);
        p[k - 1] = prefix < 1 ? 1 - prefix : 0; /* the sum may be 1 + 2^-52 */
    } else if (mode == 3) {                     /* sixteenths that sum to 1 */
        int left = 16;
        for (int j = 0; j + 1 < k; j++) {
            int n = gen_int(g, 0, left);
            p[j] = n / 16.0;
            left -= n;
        }
        p[k - 1] = left / 16.0;
    } else {
        double budget = mode == 4   ? 1 - 1e-10
                        : g->slow   ? 0.001 + 0.04 * gen_unit(g)
                        : mode <= 6 ? 0.05 * gen_unit(g)
                                    : 0.98 * gen_unit(g);
        for (int j = 0; j < k; j++)
            prefix += p[j] = at_most(budget * w[j] / total, mode == 4 ? 17 : d, budget - prefix);
    }
    if (gen_chance(g, 0.15)) p[gen_int(g, 0, k - 1)] = 0;
    int tiny = gen_int(g, 0, k - 1);
    if (gen_chance(g, 0.05) && p[tiny] > 1e-11) p[tiny] = 1e-11;
}

/* A written transition that a barrier may stand on. */
typedef struct gen_edge {
    int from, to;
    double plain; /* its probability, if written as a number; else -1 */
} gen_edge;

/* One random scenario's text; wide: more than 32 (segment, stage) cells. */
static void gen_model(gen *g, int index, bool wide)
{
    FILE *f = g->f;
    g->G = wide ? gen_int(g, 3, 4) : gen_int(g, 1, 4);
    g->S = wide ? gen_int(g, 32 / g->G + 1, GEN_STAGES)
                : gen_int(g, 2, 32 / g->G < GEN_STAGES ? 32 / g->G : GEN_STAGES);
    g->H = index % 23 == 0       ? 1
           : index % 23 == 1     ? 2
           : gen_chance(g, 0.15) ? gen_int(g, 3, 5)
                                 : gen_int(g, 3, 60);
    g->slow = gen_chance(g, 0.2);
    g->timed_ok = gen_chance(g, g->slow ? 0.7 : 0.4);
    g->maybe_timed = g->timed = g->uncertain = false;
    g->draws_ok = gen_chance(g, 0.1);
    g->max_degree = 0;
    g->named = g->G > 1 || gen_chance(g, 0.5);
    fprintf(f, "return cjm.scenario {\n  name = 'random model %d', horizon = %d,\n", index, g->H);
    fputs("  cohort = { size = 1000", f);
    if (gen_chance(g, 0.3)) {
        fputs(", cost_per_prospect = ", f);
        put_num(f, rounded(5 * gen_unit(g), 3));
    }
    if (gen_chance(g, 0.15)) {
        fputs(", arrivals = ", f);
        put_num(f, rounded(20 * gen_unit(g), gen_int(g, 1, 4)));
    } else if (gen_chance(g, 0.1)) {
        fprintf(f, ", arrivals = function(t) return (t %% %d) * ", gen_int(g, 2, 5));
        put_num(f, rounded(6 * gen_unit(g), 2));
        fputs(" end", f);
    }
    fputs(" },\n", f);
    if (g->named) {
        int w[4], total = 0;
        for (int k = 0; k < g->G; k++) total += w[k] = gen_chance(g, 0.1) ? 0 : gen_int(g, 1, 9);
        if (total == 0) total = w[0] = 1;
        fputs("  segments = {", f);
        for (int k = 0; k < g->G; k++) {
            fprintf(f, " { 'g%d', share = ", k);
            put_num(f, (double)w[k] / total);
            fputs(" },", f);
        }
        fputs(" },\n", f);
    }
    bool final[GEN_STAGES], converts[GEN_STAGES], any = false;
    for (int s = 0; s < g->S; s++) {
        final[s] = s > 0 && gen_chance(g, 0.3);
        converts[s] = gen_chance(g, s == 0 ? 0.2 : final[s] ? 0.15 : 0.25);
        any |= converts[s];
    }
    if (!any) converts[gen_int(g, 0, g->S - 1)] = true;
    fputs("  stages = {\n", f);
    for (int s = 0; s < g->S; s++) {
        fprintf(f, "    { 's%d'%s%s", s, final[s] ? ", final = true" : "",
                converts[s] ? ", converts = true" : "");
        put_money(g, "cost");
        put_money(g, "revenue");
        put_money(g, "cost_per_step");
        put_money(g, "revenue_per_step");
        if (!final[s] && gen_chance(g, 0.15)) fprintf(f, ", min_steps = %d", gen_int(g, 0, 4));
        fputs(" },\n", f);
    }
    fputs("  },\n  transitions = {\n", f);
    gen_edge edges[GEN_STAGES * GEN_STAGES];
    int n_edges = 0;
    /* now and then a stage with more edges than the kernel takes */
    int crowded = g->S > 9 && gen_chance(g, 0.1) ? gen_int(g, 0, g->S - 1) : -1;
    for (int s = 0; s < g->S; s++) {
        if (final[s]) continue;
        int most = g->S - 1 < CJM_LANES_DEGREE ? g->S - 1 : CJM_LANES_DEGREE;
        int k = s == crowded          ? gen_int(g, CJM_LANES_DEGREE + 1, g->S - 1)
                : gen_chance(g, 0.15) ? 0
                                      : gen_int(g, 1, most);
        if (k > g->max_degree) g->max_degree = k;
        if (k == 0) { /* kept to the horizon */
            if (gen_chance(g, 0.5)) fprintf(f, "    s%d = {},\n", s);
            continue;
        }
        int to[GEN_STAGES], n = 0;
        for (int d = 0; d < g->S; d++)
            if (d != s) to[n++] = d;
        for (int j = 0; j < k; j++) { /* k distinct destinations */
            int pick = gen_int(g, j, n - 1), keep = to[j];
            to[j] = to[pick];
            to[pick] = keep;
        }
        double p[CJM_MAX_STAGES];
        stage_probs(g, k, p);
        fprintf(f, "    s%d = {", s);
        for (int j = 0; j < k; j++) {
            fprintf(f, "%s s%d = ", j ? "," : "", to[j]);
            bool plain = put_prob(g, p[j], true);
            edges[n_edges++] = (gen_edge){s, to[j], plain ? p[j] : -1};
        }
        fputs(" },\n", f);
    }
    fputs("  },\n", f);
    if (n_edges > 0 && gen_chance(g, 0.35)) {
        fputs("  barriers = {\n", f);
        for (int b = 0, count = gen_int(g, 1, 2); b < count; b++) {
            gen_edge e = edges[gen_int(g, 0, n_edges - 1)];
            double effect = rounded(0.1 + 0.8 * gen_unit(g), gen_int(g, 1, 3));
            fprintf(f, "    b%d = { on = 's%d -> s%d', effect = ", b, e.from, e.to);
            put_num(f, effect);
            int window = gen_int(g, 0, 3), from = 0, until = INT32_MAX;
            if (window == 1) from = gen_int(g, 0, g->H);
            if (window == 2) until = gen_int(g, 1, g->H + 2);
            if (window == 3) {
                from = gen_int(g, 0, g->H - 1);
                until = gen_int(g, from + 1, g->H + 2);
            }
            if (window == 1 || window == 3) fprintf(f, ", from = %d", from);
            if (window >= 2) fprintf(f, ", to = %d", until);
            if (g->named && gen_chance(g, 0.3))
                fprintf(f, ", segments = { 'g%d' }", gen_int(g, 0, g->G - 1));
            fputs(" },\n", f);
            g->maybe_timed |= window > 0;
            g->timed |= e.plain >= 1e-6 && ((from > 0 && from < g->H) || until < g->H);
        }
        fputs("  },\n", f);
    }
    fputs("}\n", f);
}

/* Customers per run: often not a multiple of 8 or of a block (4096). */
static int64_t gen_customers(gen *g)
{
    static const int64_t some[] = {1,    2,    7,    8,    9,    15,   17,   100, 1001,
                                   4095, 4096, 4097, 5003, 8191, 8192, 8193, 9000};
    if (gen_chance(g, 0.6)) return some[gen_int(g, 0, sizeof some / sizeof *some - 1)];
    return gen_int(g, 1, 9000);
}

/* Random models, the scalar loop against the kernel: 1 to 4 segments, 2 to
 * 12 stages (a tenth with more than 32 cells), 0 to 8 edges out of a stage
 * (rarely more), sums of 1 and zero edges, conversion anywhere, money,
 * horizons of 1 and 2, arrivals, tables by segment, functions of time (moving
 * often or rarely), barriers with windows, now and then inputs drawn per run.
 * A model whose thresholds certainly change with time and that ran the kernel
 * ran it with gathers. CJM_TEST_VERBOSE=1 prints every model; CJM_TEST_SEED=n
 * makes other ones. */
static void test_random_models(void **state)
{
    (void)state;
    enum { MODELS = 300 };
    bool verbose = getenv("CJM_TEST_VERBOSE") != NULL;
    const char *seed = getenv("CJM_TEST_SEED"); /* other models, to look further */
    gen g = {.s = seed ? strtoull(seed, NULL, 0) * 0x9e3779b97f4a7c15ull + 1
                       : 0x853c49e6748fea9bull};
    int level = cjm_lanes_available(tu_simd);
    bool cpu = level != 0;
    int kernel = 0, timed = 0, scalar = 0, timed_scalar = 0;
    for (int i = 0; i < MODELS; i++) {
        char *lua = NULL;
        size_t len = 0;
        g.f = open_memstream(&lua, &len);
        bool wide = i % 10 == 9;
        gen_model(&g, i, wide);
        fclose(g.f);
        int runs = gen_int(&g, 2, 3);
        int64_t customers = gen_customers(&g);
        if (verbose)
            fprintf(stderr, "model %d, %d runs x %lld customers:\n%s", i, runs,
                    (long long)customers, lua);
        cjm_model *m = load_variant(lua, NULL);
        bool used = same_bytes_shown(m, runs, customers, lua);
        cjm_model_free(&m);
        bool fits = !wide && g.max_degree <= CJM_LANES_DEGREE;
        if (verbose)
            fprintf(stderr, "model %d: %s%s\n", i, used ? "kernel" : "scalar",
                    g.timed ? ", thresholds change with time" : "");
        /* the kernel runs where the model is one it takes and the CPU has
         * AVX-512 or AVX2, always when the thresholds are fixed (permutes);
         * with AVX2 only, never when they change with time */
        bool must_not = !fits || !cpu || (level == CJM_LANES_AVX2 && g.timed);
        bool must = !must_not && !g.maybe_timed && !g.uncertain;
        if ((must_not && used) || (must && !used))
            fprintf(stderr, "%sthe kernel %s for model %d\n", lua, used ? "ran" : "did not run", i);
        if (must_not) assert_false(used);
        if (must) assert_true(used);
        kernel += used;
        timed += used && g.timed;
        scalar += !used;
        timed_scalar += !used && g.timed && fits;
        free(lua);
    }
    fprintf(stderr,
            "random models: %d, the kernel ran for %d (%d with thresholds that change with time), "
            "the scalar loop for %d (%d of them for thresholds that change with time)\n",
            MODELS, kernel, timed, scalar, timed_scalar);
    if (cpu) {
        assert_true(3 * kernel >= MODELS);
        assert_true(scalar >= 1);
        assert_true(timed_scalar >= 1);
    }
    if (level == CJM_LANES_AVX512) assert_true(timed >= 1);
    if (level == CJM_LANES_AVX2) assert_int_equal(timed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_covers),
        cmocka_unit_test(test_same_bytes_files),
        cmocka_unit_test(test_kernel_vs_exact),
        cmocka_unit_test(test_random_models),
    };
    /* the kernel this CPU runs by default, then the AVX2 one if it has that
     * and it is not the default (an AVX-512 CPU runs both) */
    int failed = cmocka_run_group_tests_name("default kernel", tests, NULL, NULL);
    int level = cjm_lanes_available(CJM_SIMD_AUTO);
    set_simd(CJM_SIMD_AVX2);
    if (level == CJM_LANES_AVX512) {
        if (cjm_lanes_available(tu_simd) != CJM_LANES_AVX2) {
            fprintf(stderr, "CJM_SIMD_AVX2 did not choose the AVX2 kernel\n");
            failed++;
        }
        failed += cmocka_run_group_tests_name("AVX2 kernel", tests, NULL, NULL);
    }
    /* every kernel's comparisons with the exact engine, judged together */
    const struct CMUnitTest verdict[] = {cmocka_unit_test(tu_fw_verdict)};
    failed += cmocka_run_group_tests_name("family-wise", verdict, NULL, NULL);
    return failed;
}
