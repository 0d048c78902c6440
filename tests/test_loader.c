/* Every bad scenario of the foundation issue gets one line naming the file,
 * the line, the scenario path and, for functions, the step and segment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "testutil.h"

/* A valid scenario, one line per item, with {A}..{D} replaced by each case. */
#define HEAD "return cjm.scenario {\n" /* line 1 */
#define GOOD_STAGES                                                                                \
    "  stages = { { 'aware' }, { 'consider' }, { 'client', converts = true }, { 'lost', final = "  \
    "true } },\n"

typedef struct bad_case {
    const char *name;
    const char *lua;
    const char *want[3]; /* substrings the message must contain */
} bad_case;

static const bad_case cases[] = {
    {"syntax error", HEAD "  horizon = ,\n}\n", {":2:", "unexpected symbol"}},
    {"runtime error", "local x = nil + 1\n", {":1:", "attempt to perform arithmetic"}},
    {"unknown stage",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { nowhere = 0.2 },\n  },\n}\n",
     {":5:", "transitions.aware.nowhere", "unknown stage 'nowhere'"}},
    {"probability below 0",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = -0.1 },\n  },\n}\n",
     {":5:", "transitions.aware.consider", "below 0"}},
    {"probability above 1",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = 0.5 },\n    consider = { client = 1.2 },\n  "
          "},\n}\n",
     {":6:", "transitions.consider.client", "above 1"}},
    {"sum above 1",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = 0.7, lost = 0.4 },\n  },\n}\n",
     {":5:", "transitions.aware", "sum to 1.1"}},
    {"sum above 1 at a step, for a segment",
     HEAD "  horizon = 10, cohort = { size = 10 },\n"
          "  segments = { { 'young', share = 0.5 }, { 'old', share = 0.5 } },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = function(c) return c.t * 0.1 end,\n"
          "              lost = { young = 0.5, old = 0.1 } },\n  },\n}\n",
     {"transitions.aware", "at step 6, segment young", "sum to 1.1"}},
    {"shares do not sum to 1",
     HEAD "  horizon = 5, cohort = { size = 10 },\n"
          "  segments = { { 'young', share = 0.5 }, { 'old', share = 0.4 } },\n" GOOD_STAGES
          "  transitions = { aware = { consider = 0.5 } },\n}\n",
     {":3:", "segments", "sum to 0.9"}},
    {"missing horizon",
     HEAD "  cohort = { size = 10 },\n" GOOD_STAGES "  transitions = {},\n}\n",
     {"horizon", "missing"}},
    {"horizon zero",
     HEAD "  horizon = 0, cohort = { size = 10 },\n" GOOD_STAGES "  transitions = {},\n}\n",
     {":2:", "horizon", "out of range"}},
    {"horizon not whole",
     HEAD "  horizon = 2.5, cohort = { size = 10 },\n" GOOD_STAGES "  transitions = {},\n}\n",
     {":2:", "horizon", "whole number"}},
    {"missing cohort size",
     HEAD "  horizon = 5,\n  cohort = { cost_per_prospect = 1 },\n" GOOD_STAGES
          "  transitions = {},\n}\n",
     {":3:", "cohort", "size is missing"}},
    {"cohort size negative",
     HEAD "  horizon = 5,\n  cohort = { size = -4 },\n" GOOD_STAGES "  transitions = {},\n}\n",
     {":3:", "cohort.size", "out of range"}},
    {"function returns nil",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = function(c) end },\n  },\n}\n",
     {":5:", "transitions.aware.consider", "at step 0, segment all: the function returned nil"}},
    {"function returns a string",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = function(c) return 'half' end },\n  },\n}\n",
     {":5:", "transitions.aware.consider", "returned string, not a number"}},
    {"function leaves [0, 1] at a step",
     HEAD
     "  horizon = 9, cohort = { size = 10 },\n" GOOD_STAGES
     "  transitions = {\n    aware = { consider = function(c) return c.t / 4 end },\n  },\n}\n",
     {":5:", "at step 5, segment all", "returned 1.25, not a probability"}},
    {"function raises an error",
     HEAD "  horizon = 9, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = function(c)\n"
          "      if c.t == 3 then error('no data for week 3') end return 0.1 end },\n  },\n}\n",
     {":6:", "no data for week 3", "transitions.aware.consider: at step 3, segment all"}},
    {"NaN from a function",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = function(c) return 0/0 end },\n  },\n}\n",
     {":5:", "at step 0", "not a probability"}},
    {"io is not available", "local f = io.open('/etc/passwd')\n", {":1:", "undefined global 'io'"}},
    {"os.execute is not available", "os.execute('true')\n", {":1:", "undefined global 'os'"}},
    {"loadfile is not available",
     "loadfile('/etc/passwd')\n",
     {":1:", "undefined global 'loadfile'"}},
    {"dofile is not available", "dofile('/etc/passwd')\n", {":1:", "undefined global 'dofile'"}},
    {"require of another module",
     "local os = require 'os'\n",
     {":1:", "module 'os' is not available"}},
    {"require io", "require('io')\n", {":1:", "not available to scenarios"}},
    {"a typo in a key",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {},\n  varaints = {},\n}\n",
     {":5:", "varaints", "unknown key"}},
    {"a typo in a stage key",
     HEAD "  horizon = 5, cohort = { size = 10 },\n"
          "  stages = { { 'a' },\n    { 'b', converts = true, revnue = 3 } },\n"
          "  transitions = {},\n}\n",
     {":4:", "stages.b.revnue", "unknown key"}},
    {"not a scenario", "return 42\n", {"return cjm.scenario", "returned number"}},
    {"segment table misses a segment",
     HEAD "  horizon = 5, cohort = { size = 10 },\n"
          "  segments = { { 'young', share = 0.5 }, { 'old', share = 0.5 } },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = { young = 0.1 } },\n  },\n}\n",
     {":6:", "transitions.aware.consider", "no probability for segment 'old'"}},
    {"segment table names an unknown segment",
     HEAD "  horizon = 5, cohort = { size = 10 },\n"
          "  segments = { { 'young', share = 0.5 }, { 'old', share = 0.5 } },\n" GOOD_STAGES
          "  transitions = {\n    aware = { consider = { young = 0.1, old = 0.1, kids = 0.2 } },\n "
          " },\n}\n",
     {":6:", "'kids' is not a segment"}},
    {"leaving a final stage",
     HEAD "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
          "  transitions = {\n    lost = { aware = 0.1 },\n  },\n}\n",
     {":5:", "transitions.lost", "final: nothing leaves it"}},
    {"no converting stage",
     HEAD "  horizon = 5, cohort = { size = 10 },\n  stages = { { 'a' }, { 'b' } },\n"
          "  transitions = {},\n}\n",
     {":3:", "stages", "no stage has converts = true"}},
    {"a stage named twice",
     HEAD "  horizon = 5, cohort = { size = 10 },\n"
          "  stages = { { 'a' }, { 'a', converts = true } },\n  transitions = {},\n}\n",
     {":3:", "named twice"}},
    {"an undefined global in a function",
     HEAD
     "  horizon = 5, cohort = { size = 10 },\n" GOOD_STAGES
     "  transitions = {\n    aware = { consider = function(c) return base_rate end },\n  },\n}\n",
     {":5:", "undefined global 'base_rate'", "at step 0, segment all"}},
};

static void test_bad_scenarios(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char msg[1024];
        cjm_status st = tu_load_error(cases[i].lua, msg, sizeof msg);
        if (st != CJM_ESCENARIO) fail_msg("%s: status %d, message '%s'", cases[i].name, st, msg);
        if (strncmp(msg, "/tmp/cjm_test_", 14) != 0)
            fail_msg("%s: the message does not start with the file: '%s'", cases[i].name, msg);
        if (strchr(msg, '\n')) fail_msg("%s: more than one line: '%s'", cases[i].name, msg);
        for (int k = 0; k < 3 && cases[i].want[k]; k++)
            if (!strstr(msg, cases[i].want[k]))
                fail_msg("%s: '%s' lacks '%s'", cases[i].name, msg, cases[i].want[k]);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load("/nonexistent/x.lua", NULL, &m, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.lua: cannot open"));
    assert_null(m);
}

/* The module is reachable both as a global and through require. */
static void test_require_cjm(void **state)
{
    (void)state;
    cjm_model *m = tu_load_text("local c = require 'cjm'\n"
                                "assert(c == cjm)\n"
                                "return c.scenario { horizon = 2, cohort = { size = 1 },\n"
                                "  stages = { { 'a' }, { 'b', converts = true } },\n"
                                "  transitions = { a = { b = 0.5 } } }\n");
    assert_int_equal(m->stage_count, 2);
    assert_int_equal(m->edge_count, 1);
    cjm_model_free(&m);
}

static void test_overrides(void **state)
{
    (void)state;
    const char *text = "return cjm.scenario { horizon = 2, cohort = { size = 5 },\n"
                       "  stages = { { 'a' }, { 'b', converts = true } },\n"
                       "  transitions = { a = { b = function(c) return 0.5 end } } }\n";
    char *path = tu_write_temp(text);
    cjm_override sets[] = {
        {"transitions.a.b", "0.25"}, {"stages.b.revenue", "7"}, {"cohort.size", "9"}};
    cjm_load_options opts = {.sets = sets, .set_count = 3};
    cjm_model *m = NULL;
    cjm_error err;
    assert_int_equal(cjm_model_load(path, &opts, &m, &err), CJM_OK);
    assert_true(m->prob[0] == 0.25);
    assert_true(cjm_stage_amount(m, 1, 0, CJM_AMOUNT(CJM_ON_ENTRY, CJM_REVENUE)) == 7);
    assert_int_equal(m->cohort_size, 9);
    cjm_model_free(&m);
    cjm_override bad[] = {{"transitions.a.c", "0.1"}};
    opts = (cjm_load_options){.sets = bad, .set_count = 1};
    assert_int_equal(cjm_model_load(path, &opts, &m, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, "--set transitions.a.c: no such value"));
    cjm_override typed[] = {{"cohort.size", "many"}};
    opts = (cjm_load_options){.sets = typed, .set_count = 1};
    assert_int_equal(cjm_model_load(path, &opts, &m, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, "cannot replace a number with a string"));
    cjm_override range[] = {{"transitions.a.b", "1.5"}};
    opts = (cjm_load_options){.sets = range, .set_count = 1};
    assert_int_equal(cjm_model_load(path, &opts, &m, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, "transitions.a.b: probability 1.5 is above 1"));
    unlink(path);
    free(path);
}

/* math.random in a scenario is reproducible: two loads, same numbers. */
static void test_math_random_is_fixed(void **state)
{
    (void)state;
    const char *text = "local p = math.random() * 0.5\n"
                       "return cjm.scenario { horizon = 2, cohort = { size = 1 },\n"
                       "  stages = { { 'a' }, { 'b', converts = true } },\n"
                       "  transitions = { a = { b = p } } }\n";
    cjm_model *a = tu_load_text(text), *b = tu_load_text(text);
    assert_true(a->prob[0] == b->prob[0]);
    cjm_model_free(&a);
    cjm_model_free(&b);
}

/* Several unknown keys, or several keys that are not segments: the message
 * names the same one on every load (the first in alphabetical order), not
 * whichever Lua's hash order, seeded anew for each state, gives first. */
static void test_several_mistakes_one_message(void **state)
{
    (void)state;
    static const char *const mistakes[][2] = {
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 }, zeta = 1, alpha = 2,\n"
         "  mid = 3, stages = { { 'a' }, { 'b', converts = true } }, transitions = {} }\n",
         ":1: alpha: unknown key (a typo?)"},
        {"return cjm.scenario { horizon = 3, cohort = { size = 1 },\n"
         "  segments = { { 'x', share = 0.5 }, { 'y', share = 0.5 } },\n"
         "  stages = { { 'a' }, { 'b', converts = true } },\n"
         "  transitions = { a = { b = { x = 0.1, y = 0.2, zz = 0.3, qq = 0.4, kk = 0.5 } } } }\n",
         "transitions.a.b: 'kk' is not a segment"},
    };
    for (size_t c = 0; c < sizeof mistakes / sizeof *mistakes; c++)
        for (int i = 0; i < 40; i++) {
            char msg[1024];
            assert_int_equal(tu_load_error(mistakes[c][0], msg, sizeof msg), CJM_ESCENARIO);
            if (!strstr(msg, mistakes[c][1]))
                fail_msg("case %zu, load %d: '%s' lacks '%s'", c, i, msg, mistakes[c][1]);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_scenarios),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_require_cjm),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_math_random_is_fixed),
        cmocka_unit_test(test_several_mistakes_one_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
