/* test_lanes.c: the agent engine's vectorised kernel (core/agent_lanes.c)
 * gives the same bytes as the scalar loop, which test_agent checks against
 * the exact engine; and it runs exactly for the models it covers. */
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
 * and a final one
 * (its only edge has probability 0), a converting stage left backwards, a
 * final stage with revenue, arrivals, a function that is constant in time and
 * a barrier that stands throughout. */
static const char *wide_lua =
    "return cjm.scenario {\n"
    "  name = 'lanes: wide cells', horizon = 40,\n"
    "  cohort = { size = 30000, cost_per_prospect = 1, arrivals = 500 },\n"
    "  segments = { { 'a', share = 0.5 }, { 'b', share = 0.3 }, { 'c', share = 0.2 } },\n"
    "  stages = {\n"
    "    { 's0' }, { 's1', cost = 2 }, { 's2', revenue = 3 },\n"
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
    "  stages = { { 'a' }, { 'b', converts = true, revenue_per_step = 3 }, { 'c', cost = 1 },\n"
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
    s.runs = runs;
    s.customers = customers;
    s.threads = threads;
    cjm_result *r = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cjm_report_run(r, CJM_FORMAT_JSON, f, &err), CJM_OK);
    fclose(f);
    cjm_result_free(&r);
    return buf;
}

/* The JSON report with the kernel turned off (CJM_SIMD=0) and on, for 1 and
 * 3 threads: all four the same. Returns whether the kernel ran. */
static bool same_bytes(const cjm_model *m, int runs, int64_t customers)
{
    setenv("CJM_SIMD", "0", 1);
    char *scalar = report_json(m, 1, runs, customers);
    unsetenv("CJM_SIMD");
    char *one = report_json(m, 1, runs, customers), *three = report_json(m, 3, runs, customers);
    assert_string_equal(scalar, one);
    assert_string_equal(scalar, three);
    free(scalar);
    free(one);
    free(three);
    cjm_settings s = cjm_settings_default();
    s.runs = 3;
    s.customers = customers;
    cjm_result *r = NULL;
    cjm_error err;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_OK);
    bool used = cjm_engine_agent_vectorised(r);
    cjm_result_free(&r);
    return used;
}

static cjm_model *load_variant(const char *lua, const char *variant)
{
    char *path = tu_write_temp(lua);
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_load_options opts = {0};
    opts.variant = variant;
    cjm_status st = cjm_model_load(path, &opts, &m, &err);
    unlink(path);
    free(path);
    assert_int_equal(st, CJM_OK);
    return m;
}

/* Where the CPU has AVX-512, the kernel runs for the models it covers, and
 * only for those; elsewhere the scalar loop runs everything. */
static void test_kernel_covers(void **state)
{
    (void)state;
    bool cpu = cjm_lanes_available();
    const char *texts[] = {wide_lua, short_lua, seasonal_lua};
    for (int i = 0; i < 3; i++) {
        cjm_model *m = tu_load_text(texts[i]);
        assert_int_equal(same_bytes(m, 3, 20000), cpu);
        cjm_model_free(&m);
    }
    cjm_model *m = tu_load_text(slow_lua);
    assert_false(same_bytes(m, 3, 5000));
    cjm_model_free(&m);
    m = load_variant(wide_lua, "fixed");
    assert_int_equal(same_bytes(m, 3, 20000), cpu);
    cjm_model_free(&m);
    setenv("CJM_SIMD", "0", 1);
    assert_false(cjm_lanes_available());
    unsetenv("CJM_SIMD");
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
    if (cjm_lanes_available()) assert_true(covered >= 2);
}

/* With the kernel: agent vs exact within 4 SE on every metric, the funnel and
 * retention (testutil's comparison). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_covers),
        cmocka_unit_test(test_same_bytes_files),
        cmocka_unit_test(test_kernel_vs_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
