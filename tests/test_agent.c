/* The agent engine against the exact engine: every mean, on fixed seeds,
 * within the family-wise threshold of its standard error (testutil.h); and
 * the same bytes for any number of threads. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testutil.h"

static void compare_file(const char *rel, int runs, int64_t customers, uint64_t seed)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CJM_SOURCE_DIR, rel);
    cjm_model *m = NULL;
    cjm_error err = {0};
    if (cjm_model_load(path, NULL, &m, &err) != CJM_OK) fail_msg("%s", err.msg);
    tu_compare_engines(m, runs, customers, seed);
    cjm_model_free(&m);
}

static void test_issue_example(void **state)
{
    (void)state;
    compare_file("tests/scenarios/issue_example.lua", 200, 5000, 1);
    compare_file("tests/scenarios/issue_example.lua", 50, 20000, 77);
}

static void test_cycles_and_costs(void **state)
{
    (void)state;
    compare_file("tests/scenarios/cycles.lua", 200, 4000, 3);
}

static void test_examples(void **state)
{
    (void)state;
    static const char *const files[] = {
        "scenarios/beauty_clinic.lua", "scenarios/online_school.lua", "scenarios/wedding_salon.lua",
        "scenarios/b2b_software.lua"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        compare_file(files[i], 200, 5000, 11 + i);
}

/* The pram shop has per-customer churn (agent engine only) and referrals:
 * it runs, its referrals convert, and the exact engine says why it cannot. */
static void test_pram_example(void **state)
{
    (void)state;
    cjm_model *m = NULL;
    cjm_error err;
    if (cjm_model_load(CJM_SOURCE_DIR "/scenarios/pram_online.lua", NULL, &m, &err) != CJM_OK)
        fail_msg("%s", err.msg);
    cjm_settings s = cjm_settings_default();
    s.runs = 20;
    s.customers = 5000;
    cjm_metrics mt;
    cjm_result *r = tu_run(m, &s, &mt);
    assert_true(mt.m[CJM_M_REFERRED].mean > 0);
    assert_true(mt.m[CJM_M_CONVERTED_REFERRED].mean > 0);
    cjm_result_free(&r);
    cjm_metrics_free(&mt);
    s.engine = CJM_ENGINE_EXACT;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EUSAGE);
    assert_non_null(strstr(err.msg, "the exact engine cannot compute per-customer probabilities"));
    cjm_model_free(&m);
}

static char *report_json(const cjm_model *m, int threads)
{
    cjm_settings s = cjm_settings_default();
    s.runs = 7;
    s.customers = 10000; /* three blocks per run, the last one partial */
    s.threads = threads;
    return tu_report_json(m, &s);
}

static void test_same_bytes_any_threads(void **state)
{
    (void)state;
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(
        cjm_model_load(CJM_SOURCE_DIR "/tests/scenarios/issue_example.lua", NULL, &m, &err),
        CJM_OK);
    char *one = report_json(m, 1), *two = report_json(m, 2), *three = report_json(m, 3);
    char *again = report_json(m, 1);
    assert_string_equal(one, two);
    assert_string_equal(one, three);
    assert_string_equal(one, again);
    free(one);
    free(two);
    free(three);
    free(again);
    cjm_model_free(&m);
}

/* Different seeds give different results (the seed is really used). */
static void test_seed_matters(void **state)
{
    (void)state;
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(
        cjm_model_load(CJM_SOURCE_DIR "/tests/scenarios/issue_example.lua", NULL, &m, &err),
        CJM_OK);
    cjm_settings s = cjm_settings_default();
    s.runs = 3;
    cjm_metrics a, b;
    cjm_result *ra = tu_run(m, &s, &a);
    s.seed = 2;
    cjm_result *rb = tu_run(m, &s, &b);
    assert_true(a.m[CJM_M_CONVERTED].mean != b.m[CJM_M_CONVERTED].mean);
    cjm_result_free(&ra);
    cjm_result_free(&rb);
    cjm_metrics_free(&a);
    cjm_metrics_free(&b);
    cjm_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_example),
        cmocka_unit_test(test_cycles_and_costs),
        cmocka_unit_test(test_examples),
        cmocka_unit_test(test_pram_example),
        cmocka_unit_test(test_same_bytes_any_threads),
        cmocka_unit_test(test_seed_matters),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
