/* test_api_load.c: loading through include/cjm.h alone (built without any
 * internal header, linked with the shared library): from a buffer as from a
 * file, the errors and their one-line messages, the Lua limits as load
 * options, the cancellation token, the version and the status strings. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cjm.h"

#define SCN CJM_SOURCE_DIR "/tests/scenarios/"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static char *report(const cjm_model *m, const cjm_settings *s, cjm_format fmt)
{
    cjm_result *r = NULL;
    cjm_error err;
    if (cjm_run(m, s, &r, &err) != CJM_OK) fail_msg("run: %s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(cjm_report_run(r, fmt, f, &err), CJM_OK);
    fclose(f);
    cjm_result_free(&r);
    return buf;
}

/* The text of a file, loaded as a buffer under the file's own name, is the
 * same model: the same report, byte for byte (sha256 included). */
static void test_buffer_same_as_file(void **state)
{
    (void)state;
    const char *path = SCN "issue_example.lua";
    size_t len;
    char *text = read_file(path, &len);
    cjm_model *a = NULL, *b = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load(path, NULL, &a, &err), CJM_OK);
    assert_int_equal(cjm_model_load_buffer(path, text, len, NULL, &b, &err), CJM_OK);
    assert_string_equal(cjm_model_sha256(a), cjm_model_sha256(b));
    cjm_settings s = cjm_settings_default();
    s.runs = 3;
    s.customers = 2000;
    char *ra = report(a, &s, CJM_FORMAT_JSON), *rb = report(b, &s, CJM_FORMAT_JSON);
    assert_string_equal(ra, rb);
    free(ra), free(rb);
    cjm_model_free(&b);
    /* under another name: the reports name it */
    assert_int_equal(cjm_model_load_buffer("memory:journey", text, len, NULL, &b, &err), CJM_OK);
    assert_string_equal(cjm_model_file(b), "memory:journey");
    rb = report(b, &s, CJM_FORMAT_TABLE);
    assert_non_null(strstr(rb, "scenario memory:journey (sha256 "));
    free(rb);
    cjm_model_free(&a), cjm_model_free(&b);
    free(text);
}

/* Only len bytes are read: the text need not end with a NUL. */
static void test_buffer_length(void **state)
{
    (void)state;
    static const char text[] = "return cjm.scenario { horizon = 2, cohort = { size = 10 },\n"
                               "  stages = { { 'a', converts = true } }, transitions = {} }GARBAGE";
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load_buffer("cut", text, strlen(text) - 7, NULL, &m, &err), CJM_OK);
    cjm_model_free(&m);
    assert_int_equal(cjm_model_load_buffer("whole", text, strlen(text), NULL, &m, &err),
                     CJM_ESCENARIO);
    assert_null(m);
    assert_true(strncmp(err.msg, "whole:2:", 8) == 0);
}

/* Every error: its status and one line naming the buffer (or file). */
static void test_errors_name_the_source(void **state)
{
    (void)state;
    static const struct {
        const char *text, *want;
        cjm_status st;
    } cases[] = {
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true } },\n"
         "  transitions = { a = { b = 1.5 } } }\n",
         "plan.lua:3: transitions.a.b: ", CJM_ESCENARIO},
        {"return 42\n", "plan.lua: the file must end with `return cjm.scenario { ... }`",
         CJM_ESCENARIO},
        {"return cjm.scenario {\n  horizon = 'long' }\n", "plan.lua:2: horizon: ", CJM_ESCENARIO},
        {"x = = 1\n", "plan.lua:1: ", CJM_ESCENARIO},
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  stages = { { 'a' } }, transitions = {} }\n",
         "plan.lua", CJM_ESCENARIO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cjm_model *m = NULL;
        cjm_error err = {0};
        cjm_status st =
            cjm_model_load_buffer("plan.lua", cases[i].text, strlen(cases[i].text), NULL, &m, &err);
        if (st != cases[i].st || strncmp(err.msg, cases[i].want, strlen(cases[i].want)) != 0 ||
            strchr(err.msg, '\n'))
            fail_msg("case %zu: status %d (%s), '%s' does not start with '%s'", i, st,
                     cjm_status_string(st), err.msg, cases[i].want);
        assert_int_equal(err.code, st);
        assert_null(m);
    }
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load("/nonexistent/plan.lua", NULL, &m, &err), CJM_ESCENARIO);
    assert_string_equal(err.msg, "/nonexistent/plan.lua: cannot open the scenario file");
    assert_int_equal(cjm_model_load_buffer(NULL, "x = = 1", 7, NULL, &m, &err), CJM_ESCENARIO);
    assert_true(strncmp(err.msg, "(buffer):1:", 11) == 0);
    assert_int_equal(cjm_model_load_buffer("none", NULL, 0, NULL, &m, &err), CJM_EUSAGE);
    assert_string_equal(err.msg, "none: no scenario text given");
    cjm_load_options bad = {.lua_seconds = -1};
    assert_int_equal(cjm_model_load(SCN "two_stage.lua", &bad, &m, &err), CJM_EUSAGE);
    assert_non_null(strstr(err.msg, "lua_seconds"));
    assert_null(m);
}

static cjm_status load_text(const char *text, const cjm_load_options *o, cjm_error *err)
{
    cjm_model *m = NULL;
    cjm_status st = cjm_model_load_buffer("limits.lua", text, strlen(text), o, &m, err);
    cjm_model_free(&m);
    return st;
}

static const char endless[] = "local n = 0\n"
                              "while true do n = n + 1 end\n";

/* The Lua limits of one load: instructions, seconds, memory. */
static void test_lua_limits(void **state)
{
    (void)state;
    cjm_error err;
    cjm_load_options o = {.lua_instructions = 100000};
    assert_int_equal(load_text(endless, &o, &err), CJM_ESCENARIO);
    assert_string_equal(err.msg, "limits.lua:2: instruction limit of 100000 exceeded "
                                 "(an endless loop?)");
    o = (cjm_load_options){.lua_instructions = UINT64_MAX, .lua_seconds = 0.2};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(load_text(endless, &o, &err), CJM_ESCENARIO);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_string_equal(err.msg, "limits.lua:2: time limit of 0.2 s exceeded (an endless loop?)");
    /* it stopped near the limit (the bound is loose: the machine is shared) */
    assert_true(t1.tv_sec - t0.tv_sec < 30);
    o = (cjm_load_options){.lua_memory = 4 << 20};
    assert_int_equal(load_text("local t = {}\n"
                               "for i = 1, 1e8 do t[i] = {} end\n",
                               &o, &err),
                     CJM_ESCENARIO);
    assert_string_equal(err.msg, "limits.lua:2: memory limit of 4 MiB exceeded "
                                 "(--lua-memory raises it)");
    /* the defaults: a scenario within them loads */
    o = (cjm_load_options){0};
    assert_int_equal(load_text("local n = 0\nfor i = 1, 1e6 do n = n + i end\n"
                               "return cjm.scenario { horizon = 2, cohort = { size = 1 },\n"
                               "  stages = { { 'a', converts = true } }, transitions = {} }\n",
                               &o, &err),
                     CJM_OK);
}

/* The cancellation token: a load or run given a cancelled token stops with
 * CJM_EINTERRUPT; others (and NULL tokens) are not affected. */
static void test_cancel_token(void **state)
{
    (void)state;
    cjm_cancel_request(NULL); /* NULL tokens are never cancelled */
    assert_false(cjm_cancel_requested(NULL));
    cjm_cancel_free(NULL);
    cjm_cancel *c = cjm_cancel_new(), *other = cjm_cancel_new();
    assert_non_null(c);
    assert_false(cjm_cancel_requested(c));
    cjm_cancel_request(c);
    assert_true(cjm_cancel_requested(c));
    assert_false(cjm_cancel_requested(other));
    cjm_error err;
    cjm_load_options o = {.cancel = c};
    assert_int_equal(load_text(endless, &o, &err), CJM_EINTERRUPT);
    assert_string_equal(err.msg, "interrupted");
    cjm_model *m = NULL;
    assert_int_equal(cjm_model_load(SCN "two_stage.lua", NULL, &m, &err), CJM_OK);
    cjm_settings s = cjm_settings_default();
    s.cancel = c;
    cjm_result *r = NULL;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EINTERRUPT);
    assert_null(r);
    s.cancel = other;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_OK);
    cjm_result_free(&r);
    cjm_model_free(&m);
    cjm_cancel_free(&c);
    assert_null(c);
    cjm_cancel_free(&other);
}

/* A request from another thread stops a long run at its next block. */
static void *cancel_later(void *arg)
{
    struct timespec pause = {0, 100 * 1000 * 1000};
    nanosleep(&pause, NULL);
    cjm_cancel_request(arg);
    return NULL;
}

static void test_cancel_from_another_thread(void **state)
{
    (void)state;
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load(SCN "issue_example.lua", NULL, &m, &err), CJM_OK);
    cjm_cancel *c = cjm_cancel_new();
    cjm_settings s = cjm_settings_default();
    s.cancel = c;
    s.runs = 100000; /* hours of work: it must be the request that ends it */
    s.customers = 100000;
    s.threads = 2;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, cancel_later, c), 0);
    cjm_result *r = NULL;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EINTERRUPT);
    assert_string_equal(err.msg, "interrupted");
    assert_null(r);
    pthread_join(t, NULL);
    cjm_cancel_free(&c);
    cjm_model_free(&m);
}

/* The version: the macros, the library's string and the Lua module's agree. */
static void test_version(void **state)
{
    (void)state;
    char want[64];
    snprintf(want, sizeof want, "%d.%d.%d", CJM_VERSION_MAJOR, CJM_VERSION_MINOR,
             CJM_VERSION_PATCH);
    assert_string_equal(CJM_VERSION, want);
    assert_string_equal(cjm_version(), CJM_VERSION);
    static const char text[] =
        "return cjm.scenario { name = 'v' .. cjm.version .. (require 'cjm').version,\n"
        "  horizon = 2, cohort = { size = 1 }, stages = { { 'a', converts = true } },\n"
        "  transitions = {} }\n";
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load_buffer("v.lua", text, strlen(text), NULL, &m, &err), CJM_OK);
    snprintf(want, sizeof want, "v%s%s", CJM_VERSION, CJM_VERSION);
    assert_string_equal(cjm_model_name(m), want);
    cjm_model_free(&m);
}

static void test_status_strings(void **state)
{
    (void)state;
    static const struct {
        cjm_status st;
        const char *text;
    } cases[] = {
        {CJM_OK, "ok"},
        {CJM_ESCENARIO, "bad scenario"},
        {CJM_EUSAGE, "bad usage"},
        {CJM_ENOMEM, "out of memory"},
        {CJM_EIO, "input or output failed"},
        {CJM_EINTERRUPT, "interrupted"},
        {(cjm_status)99, "unknown status"},
        {(cjm_status)-1, "unknown status"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_string_equal(cjm_status_string(cases[i].st), cases[i].text);
}

/* Bad settings: one line, CJM_EUSAGE. */
static void test_bad_settings(void **state)
{
    (void)state;
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load(SCN "two_stage.lua", NULL, &m, &err), CJM_OK);
    cjm_settings s = cjm_settings_default();
    s.runs = 0;
    cjm_result *r = NULL;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EUSAGE);
    assert_string_equal(err.msg, "runs must be at least 1");
    s = cjm_settings_default();
    s.horizon = 6;
    assert_int_equal(cjm_run(m, &s, &r, &err), CJM_EUSAGE);
    assert_string_equal(err.msg, "horizon 6 is beyond the 5 steps tabulated for this model");
    assert_null(r);
    /* every kernel choice gives the same bytes */
    s = cjm_settings_default();
    s.runs = 3;
    char *want = report(m, &s, CJM_FORMAT_CSV);
    static const cjm_simd choices[] = {CJM_SIMD_OFF, CJM_SIMD_AVX2, CJM_SIMD_AVX512};
    for (size_t i = 0; i < sizeof choices / sizeof *choices; i++) {
        s.simd = choices[i];
        char *got = report(m, &s, CJM_FORMAT_CSV);
        assert_string_equal(want, got);
        free(got);
    }
    free(want);
    cjm_model_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer_same_as_file),
        cmocka_unit_test(test_buffer_length),
        cmocka_unit_test(test_errors_name_the_source),
        cmocka_unit_test(test_lua_limits),
        cmocka_unit_test(test_cancel_token),
        cmocka_unit_test(test_cancel_from_another_thread),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_status_strings),
        cmocka_unit_test(test_bad_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
