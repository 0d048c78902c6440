/* Hostile scenarios (issue 14), through the real cjm binary: module objects
 * that a scenario tries to forge or edit, and parameters the constructors
 * must refuse. Each must end with one line on standard error naming the
 * file and line, and exit status 1: never a crash, an abort or numbers from
 * edited parameters. In a wanted substring "@" stands for the scenario's
 * path. */
#include <float.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "model.h"
#include "report.h"
#include "testutil.h"

/* Line 1 is the case's own code; the scenario starts on line 2, and its
 * probability (P) is on line 6. */
#define SCENARIO(PRE, P)                                                                           \
    PRE "\n"                                                                                       \
        "return cjm.scenario {\n"                                                                  \
        "  horizon = 3, cohort = { size = 10 },\n"                                                 \
        "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true } },\n"               \
        "  transitions = {\n"                                                                      \
        "    a = { b = " P " },\n"                                                                 \
        "  },\n"                                                                                   \
        "}\n"
/* A scenario whose first stage is A, with EXTRA after its transitions (line 5). */
#define PLAIN(A, EXTRA)                                                                            \
    "return cjm.scenario {\n"                                                                      \
    "  horizon = 3, cohort = { size = 10 },\n"                                                     \
    "  stages = { " A ", { 'b', converts = true }, { 'c', final = true } },\n"                     \
    "  transitions = { a = { b = 0.3 } },\n" EXTRA "}\n"
#define D "local d = cjm.discrete{{0.1}, {1}}; "
#define AB "local a, b = cjm.uniform(0.1, 0.3), cjm.uniform(0.2, 0.4); "
#define TWO_INPUTS "a, c = b"
#define RUN "run %s --runs 3 --customers 50"
#define CHANGE "cjm: cannot change "
#define READ_ONLY ": the module's objects are read-only once made (make a new one)"

typedef struct hcase {
    const char *name;
    const char *lua;
    const char *args;
    const char *want[3];
} hcase;

static const hcase cases[] = {
    /* ---- editing a distribution (the reproducers of issue 14) ---- */
    {"values emptied, used as a probability",
     SCENARIO(D "d.values = {}", "d"),
     RUN,
     {"@:1: " CHANGE "discrete(1 values, 0.1..0.1)" READ_ONLY}},
    {"values a string", SCENARIO(D "d.values = 'abcdefgh'", "d"), RUN, {"@:1: " CHANGE "discrete"}},
    {"weights removed", SCENARIO(D "d.weights = nil", "d"), RUN, {"@:1: " CHANGE "discrete"}},
    {"params replaced",
     SCENARIO("cjm.beta(1, 2).params = 7", "0.5"),
     RUN,
     {"@:1: " CHANGE "beta(1, 2)" READ_ONLY}},
    {"a parameter edited",
     SCENARIO("local d = cjm.beta(1, 2); d.params[1] = -5", "d"),
     RUN,
     {"@:1: " CHANGE "the params of beta(1, 2)" READ_ONLY}},
    {"uniform edited to lo > hi",
     SCENARIO("local d = cjm.uniform(0.1, 0.2); d.params[1] = 0.9", "d"),
     RUN,
     {"@:1: " CHANGE "the params of uniform(0.1, 0.2)"}},
    {"a weight made negative",
     SCENARIO("local d = cjm.discrete{{0.1, 0.2}, {1, 1}}; d.weights[1] = -1", "d"),
     RUN,
     {"@:1: " CHANGE "the weights of discrete(2 values, 0.1..0.2)"}},
    {"a value edited",
     SCENARIO(D "d.values[1] = 7", "d"),
     RUN,
     {"@:1: " CHANGE "the values of discrete"}},
    {"the kind changed", SCENARIO(D "d.kind = 'beta'", "d"), RUN, {"@:1: " CHANGE "discrete"}},
    {"a new field", SCENARIO(D "d.correlation = {}", "d"), RUN, {"@:1: " CHANGE "discrete"}},
    {"rawset on a distribution",
     SCENARIO(D "rawset(d, 'values', {})", "d"),
     RUN,
     {"@:1: bad argument #1 to 'rawset' (table expected, got cjm.distribution)"}},
    {"its metatable changed",
     SCENARIO(D "getmetatable(d).__index = print", "d"),
     RUN,
     {"@:1: attempt to index a string value"}},
    {"setmetatable on a distribution",
     SCENARIO(D "setmetatable(d, {})", "d"),
     RUN,
     {"@:1: bad argument #1 to 'setmetatable' (table expected, got cjm.distribution)"}},
    /* ---- forging ---- */
    {"a forged per-customer probability",
     SCENARIO("local p = setmetatable({dist = 0.5}, cjm._per_customer_mt)", "p"),
     RUN,
     {"@:6: transitions.a.b: 'dist' is not a segment"}},
    {"a forged per-customer with the real metatable",
     SCENARIO("local p = setmetatable({dist = 0.5}, "
              "getmetatable(cjm.per_customer(cjm.beta(1, 2))))",
              "p"),
     RUN,
     {"@:1: bad argument #2 to 'setmetatable' (nil or table expected, got string)"}},
    {"a forged distribution",
     SCENARIO("local d = setmetatable({kind = 'beta', params = {1, 2}}, "
              "getmetatable(cjm.beta(1, 2)))",
              "d"),
     RUN,
     {"@:1: bad argument #2 to 'setmetatable' (nil or table expected, got string)"}},
    {"a distribution as a plain table",
     SCENARIO("local d = {kind = 'discrete', values = {}, weights = {}}", "d"),
     RUN,
     {"@:6: transitions.a.b: 'kind' is not a segment"}},
    {"a constructor replaced",
     SCENARIO("cjm.beta = function() return {kind = 'beta', params = {-1, 2}} end; "
              "local d = cjm.beta(1, 2)",
              "d"),
     RUN,
     {"@:6: transitions.a.b: 'kind' is not a segment"}},
    {"a per-customer edited",
     SCENARIO("local p = cjm.per_customer(cjm.beta(1, 2)); p.dist = 0.5", "p"),
     RUN,
     {"@:1: " CHANGE "cjm.per_customer(beta(1, 2))" READ_ONLY}},
    {"per_customer of a table",
     SCENARIO("local p = cjm.per_customer({kind = 'beta', params = {1, 2}})", "p"),
     RUN,
     {"@:1: cjm.per_customer: expects a distribution"}},
    {"a per-customer in a correlation",
     SCENARIO(AB "cjm.per_customer(a); cjm.correlate({a, b}, {{1, 0.5}, {0.5, 1}})", "a"),
     RUN,
     {"@:1: cjm.correlate: entry 1 is drawn per customer, not per run"}},
    {"a correlated distribution per customer",
     SCENARIO(AB "cjm.correlate({a, b}, {{1, 0.5}, {0.5, 1}}); cjm.per_customer(a)", "a"),
     RUN,
     {"@:1: cjm.per_customer: a correlated distribution is drawn per run"}},
    /* ---- parameters the constructors refuse ---- */
    {"uniform lo > hi",
     SCENARIO("local d = cjm.uniform(5, 1)", "0.5"),
     RUN,
     {"@:1: cjm.uniform: lo must be below hi (got 5, 1)"}},
    {"a negative weight",
     SCENARIO("local d = cjm.discrete{{1, 2}, {-1, 2}}", "0.5"),
     RUN,
     {"@:1: cjm.discrete: weights[1] must be >= 0 (got -1)"}},
    {"an infinite weight",
     SCENARIO("local d = cjm.discrete{{1, 2}, {1/0, 2}}", "0.5"),
     RUN,
     {"@:1: cjm.discrete: weights[1] must be a finite number (got inf)"}},
    {"a value that is a string",
     SCENARIO("local d = cjm.discrete{{'1', 2}}", "0.5"),
     RUN,
     {"@:1: cjm.discrete: values[1] must be a finite number (got 1)"}},
    {"a missing parameter",
     SCENARIO("local d = cjm.beta(1)", "0.5"),
     RUN,
     {"@:1: cjm.beta: b must be a finite number (got nil)"}},
    {"a NaN parameter",
     SCENARIO("local d = cjm.normal(0/0, 1)", "0.5"),
     RUN,
     {"@:1: cjm.normal: mu must be a finite number"}},
    {"a NaN in a matrix",
     SCENARIO(AB "cjm.correlate({a, b}, {{1, 0/0}, {0/0, 1}})", TWO_INPUTS),
     RUN,
     {"@:1: cjm.correlate: matrix[1][2] must be a number in [-1, 1]"}},
    {"an asymmetric matrix",
     SCENARIO(AB "cjm.correlate({a, b}, {{1, 0.5}, {0.4, 1}})", TWO_INPUTS),
     RUN,
     {"@:1: cjm.correlate: the matrix is not symmetric at [1][2]"}},
    {"a matrix entry that is a string",
     SCENARIO(AB "cjm.correlate({a, b}, {{1, '0.5'}, {0.5, 1}})", TWO_INPUTS),
     RUN,
     {"@:1: cjm.correlate: matrix[1][2] must be a number in [-1, 1] (got 0.5)"}},
    {"a distribution correlated with itself",
     SCENARIO(AB "cjm.correlate({a, a}, {{1, 0.5}, {0.5, 1}})", TWO_INPUTS),
     RUN,
     {"@:1: cjm.correlate: entry 2 is listed twice"}},
    {"a row too short",
     SCENARIO(AB "cjm.correlate({a, b}, {{1}, {0.5, 1}})", TWO_INPUTS),
     RUN,
     {"@:1: cjm.correlate: row 1 of the matrix must have 2 numbers"}},
    {"too many values",
     SCENARIO("local v = {}; for i = 1, 1000001 do v[i] = i end; local d = cjm.discrete{v}", "0.5"),
     RUN,
     {"@:1: cjm.discrete: at most 1000000 values (got 1000001)"}},
    /* ---- C calls that the hook cannot interrupt ---- */
    {"a beta too concentrated to compute",
     SCENARIO("local d = cjm.beta(1e300, 1e300)", "d"),
     RUN,
     {"@:1: cjm.beta: a must be at most 1e+15 (got 1e+300): cjm cannot compute a beta this "
      "concentrated"}},
    {"a beta with one huge shape",
     SCENARIO("local d = cjm.beta(1, 1e300)", "d"),
     "check %s",
     {"@:1: cjm.beta: b must be at most 1e+15 (got 1e+300)"}},
    {"sorting a length that __len makes up",
     SCENARIO("table.sort(setmetatable({}, {__len = function() return 2^31 end}))", "0.5"),
     RUN,
     {"@:1: table.sort: sorting 2147483648 elements may take about 6.7e+10 steps, more than the "
      "budget of 100000000"}},
    {"a plain find with a long pattern",
     SCENARIO("local s = ('a'):rep(2e7); s:find(('a'):rep(1e7) .. 'b', 1, true)", "0.5"),
     RUN,
     {"@:1: string.find: this pattern may take about 2e+14 steps on a subject of 20000000 bytes"}},
    {"a long pattern without specials",
     SCENARIO("local s = ('a'):rep(2e7); s:find(('a'):rep(1e7) .. 'b')", "0.5"),
     RUN,
     {"@:1: string.find: this pattern may take about 2e+14 steps"}},
    /* ---- cjm.dirichlet rows ---- */
    {"a dirichlet entry edited",
     SCENARIO("local r = cjm.dirichlet{b = 2, c = 3}; r.b.params[1] = 9", "r.b, c = r.c"),
     RUN,
     {"@:1: " CHANGE "the params of beta(2, 3)" READ_ONLY}},
    {"a dirichlet entry taken out of its returned table",
     SCENARIO("local r = cjm.dirichlet{b = 2, c = 3, x = 1}; r.x = nil", "r.b, c = r.c"),
     RUN,
     {"@:1: cjm.dirichlet: entry 'x' is not used"}},
    {"a dirichlet entry drawn per customer",
     SCENARIO("local r = cjm.dirichlet{b = 2, c = 3}; cjm.per_customer(r.b)", "r.b, c = r.c"),
     RUN,
     {"@:1: cjm.per_customer: a cjm.dirichlet entry is drawn per run, not per customer"}},
    {"a dirichlet entry correlated",
     SCENARIO("local r = cjm.dirichlet{b = 2, c = 3}; "
              "cjm.correlate({r.b, cjm.beta(1, 2)}, {{1, 0}, {0, 1}})",
              "r.b, c = r.c"),
     RUN,
     {"@:1: cjm.correlate: entry 1 is a cjm.dirichlet entry (drawn with its row)"}},
    {"dirichlet weights without names",
     SCENARIO("local r = cjm.dirichlet{2, 3}", "0.5"),
     RUN,
     {"@:1: cjm.dirichlet: keys must be names (got 1)"}},
    {"dirichlet weights too far apart",
     SCENARIO("local r = cjm.dirichlet{b = 1e20, c = 1}", "r.b, c = r.c"),
     RUN,
     {"@:1: cjm.dirichlet: b is too large beside the other weights (1e+20 of 1e+20)"}},
    {"a dirichlet weight not a number",
     SCENARIO("local r = cjm.dirichlet{b = 2, c = '3'}", "r.b, c = r.c"),
     RUN,
     {"@:1: cjm.dirichlet: c must be a finite number (got 3)"}},
    /* ---- numbers ---- */
    {"money totals that overflow",
     PLAIN("{ 'a', cost_per_step = 1e308 }", ""),
     RUN,
     {"@:3: stages.a.cost_per_step: the money total of run 1 is inf, beyond 1e+100: amounts "
      "this large cannot be summed and summarised (check the units)"}},
    {"money totals beyond 1e100",
     PLAIN("{ 'a', cost_per_step = 1e99 }", ""),
     "run %s --runs 3 --customers 50 --engine exact",
     {"@:3: stages.a.cost_per_step: the money total of run 1 is 1.095e+101, beyond 1e+100"}},
    {"the same edge twice in a barrier",
     PLAIN("{ 'a' }",
           "  barriers = {\n    wall = { on = { 'a -> b', 'a->b' }, effect = 0.5 },\n  },\n"),
     "check %s",
     {"@:6: barriers.wall.on: entry 2 (a->b) names the same transition as entry 1"}},
};

static char *fill(const char *text, const char *token, const char *path)
{
    size_t tl = strlen(token), n = strlen(text) + 1;
    for (const char *p = strstr(text, token); p; p = strstr(p + tl, token)) n += strlen(path);
    char *out = malloc(n), *w = out;
    assert_non_null(out);
    for (const char *p = text; *p;) {
        if (strncmp(p, token, tl) == 0) {
            w += sprintf(w, "%s", path);
            p += tl;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    return out;
}

/* The report with its file's name and the line of its SHA-256 taken out. */
static char *without_file(const char *report, const char *path)
{
    char *r = fill(report, path, "S"), *sha = strstr(r, "\"sha256\"");
    assert_non_null(sha);
    char *end = strchr(sha, '\n');
    assert_non_null(end);
    memmove(sha, end, strlen(end) + 1);
    return r;
}

/* Runs cjm on the text; returns the status, standard output and error. */
static int run_text(const char *lua, const char *args, char **out, char **err, char **path)
{
    *path = tu_write_temp(lua);
    assert_non_null(*path);
    char *cmd = fill(args, "%s", *path);
    int status = tu_run_cjm(cmd, out, err);
    free(cmd);
    return status;
}

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const hcase *c = &cases[i];
        char *out, *err, *path;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int status = run_text(c->lua, c->args, &out, &err, &path);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        if (took > 10) fail_msg("%s: took %.1f s", c->name, took);
        if (status != 1) fail_msg("%s: exit status %d, want 1; stderr: %s", c->name, status, err);
        if (out && out[0]) fail_msg("%s: printed to standard output: %s", c->name, out);
        const char *nl = strchr(err, '\n');
        if (!nl || nl[1]) fail_msg("%s: not one line on standard error: '%s'", c->name, err);
        for (int k = 0; k < 3 && c->want[k]; k++) {
            char *want = fill(c->want[k], "@", path);
            if (!strstr(err, want)) fail_msg("%s: '%s' lacks '%s'", c->name, err, want);
            free(want);
        }
        unlink(path);
        free(path);
        free(out);
        free(err);
    }
}

/* An edit that the scenario catches (pcall) changes nothing: the run gives
 * the same bytes as the scenario without it. So does editing a correlation
 * matrix after cjm.correlate (it was copied) or a list given to a
 * constructor. */
static void test_edits_change_nothing(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {SCENARIO("local d = cjm.beta(2, 8)", "d"),
         SCENARIO("local d = cjm.beta(2, 8); pcall(function() d.params[1] = 50 end); "
                  "pcall(function() d.params = {50, 1} end)",
                  "d")},
        {SCENARIO(AB "local m = {{1, 0.6}, {0.6, 1}}; cjm.correlate({a, b}, m)", TWO_INPUTS),
         SCENARIO(AB "local m = {{1, 0.6}, {0.6, 1}}; cjm.correlate({a, b}, m); "
                     "m[1][2] = 0/0; m[2][1] = -7; m[1] = nil",
                  TWO_INPUTS)},
        {SCENARIO("local d = cjm.discrete{{0.1, 0.3}, {1, 3}}", "d"),
         SCENARIO("local v, w = {0.1, 0.3}, {1, 3}; local d = cjm.discrete{v, w}; "
                  "v[1] = 0.9; w[1] = -1; w[3] = 5",
                  "d")},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        char *out[2], *err[2], *path[2];
        for (int k = 0; k < 2; k++) {
            int status = run_text(pairs[i][k], "run %s --runs 20 --customers 200 --format json",
                                  &out[k], &err[k], &path[k]);
            if (status != 0) fail_msg("pair %zu, scenario %d: status %d: %s", i, k, status, err[k]);
        }
        /* the reports name their file and its hash; compare them without */
        char *a = without_file(out[0], path[0]), *b = without_file(out[1], path[1]);
        if (strcmp(a, b) != 0) fail_msg("pair %zu: the edit changed the report", i);
        free(a), free(b);
        for (int k = 0; k < 2; k++) unlink(path[k]), free(path[k]), free(out[k]), free(err[k]);
    }
}

/* What a scenario may read: kind, params, values, weights, tostring. */
static void test_reading(void **state)
{
    (void)state;
    char *out, *err, *path;
    int status = run_text(
        SCENARIO("local d, e = cjm.discrete{{0.3, 0.1}, {1, 3}}, cjm.pert(0, 0.2, 1); "
                 "assert(d.kind == 'discrete' and #d.values == 2 and d.values[1] == 0.3 and "
                 "d.weights[2] == 3 and d.values[3] == nil and #d.params == 0 and "
                 "e.kind == 'pert' and #e.params == 3 and e.params[2] == 0.2 and e.nothing == nil "
                 "and tostring(e) == 'pert(0, 0.2, 1)' and "
                 "tostring(d) == 'discrete(2 values, 0.1..0.3)' and "
                 "getmetatable(e) == 'cjm.distribution' and type(e) == 'userdata'); "
                 "local s = 0; for _, x in ipairs(e.params) do s = s + x end; assert(s == 1.2)",
                 "d"),
        "check %s", &out, &err, &path);
    if (status != 0) fail_msg("status %d: %s", status, err);
    unlink(path);
    free(path), free(out), free(err);
}

/* Weights normalised without overflow: {1e308, 1e308} is one half each
 * (their sum, 2e308, is infinite in doubles). */
static void test_huge_weights(void **state)
{
    (void)state;
    cjm_model *m =
        tu_load_text(SCENARIO("local d = cjm.discrete{{0.1, 0.9}, {1e308, 1e308}}", "d"));
    assert_int_equal(m->uncertain_count, 1);
    const cjm_dist *d = &m->inputs[m->uncertain[0]].dist;
    assert_int_equal(d->n, 2);
    assert_true(d->cum[0] == 0.5);
    assert_true(d->cum[1] == 1);
    cjm_model_free(&m);
    m = tu_load_text(
        SCENARIO("local d = cjm.discrete{{0.9, 0.1, 0.5}, {1e308, 1e-300, 3e307}}", "d"));
    d = &m->inputs[m->uncertain[0]].dist; /* sorted: 0.1, 0.5, 0.9 */
    double total = 1e-300 / 1e308 + 0.3 + 1;
    assert_true(d->values[0] == 0.1 && d->values[2] == 0.9);
    assert_true(d->cum[0] == (1e-300 / 1e308) / total);
    assert_true(d->cum[1] == (1e-300 / 1e308 + 0.3) / total);
    cjm_model_free(&m);
}

/* Numbers in tables: fixed with grouped thousands while a double holds all
 * their digits, scientific beyond (1e13), never cut to a buffer. */
static void test_table_numbers(void **state)
{
    (void)state;
    static const struct {
        double v;
        cjm_unit unit;
        const char *want;
    } fmts[] = {
        {1.5e9, CJM_UNIT_MONEY, "1,500,000,000.00"},
        {9999999999999.0, CJM_UNIT_MONEY, "9,999,999,999,999.00"},
        {1e13, CJM_UNIT_MONEY, "1e+13"},
        {9.7e264, CJM_UNIT_MONEY, "9.7e+264"},
        {-1.23456789e20, CJM_UNIT_MONEY, "-1.23457e+20"},
        {-DBL_MAX, CJM_UNIT_MONEY, "-1.79769e+308"},
        {123456789012345.0, CJM_UNIT_COUNT, "1.23457e+14"},
        {1234.56, CJM_UNIT_COUNT, "1,234.6"},
        {1e300, CJM_UNIT_RATIO, "1e+300"},
        {2.5, CJM_UNIT_RATIO, "2.50"},
        {1e300, CJM_UNIT_SHARE, "1e+302%"},
        {0.125, CJM_UNIT_SHARE, "12.50%"},
    };
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        char buf[40];
        cjm_format_value(buf, sizeof buf, fmts[i].v, fmts[i].unit);
        if (strcmp(buf, fmts[i].want) != 0)
            fail_msg("%.17g: '%s', want '%s'", fmts[i].v, buf, fmts[i].want);
    }
    /* Through cjm: a cost of 1e50 per step, every field whole. */
    char *out, *err, *path;
    int status = run_text(PLAIN("{ 'a', cost_per_step = 1e50 }", ""),
                          "run %s --runs 3 --customers 50 --engine exact", &out, &err, &path);
    if (status != 0) fail_msg("status %d: %s", status, err);
    const char *cost = strstr(out, "\n  cost ");
    assert_non_null(cost);
    char want[200];
    snprintf(want, sizeof want, "%.6g", 1e50 * 50 * (1 + 0.7 + 0.49)); /* 1.095e+52 */
    const char *nl = strchr(cost + 1, '\n');
    if (!strstr(cost, want) || strstr(cost, want) > nl)
        fail_msg("the cost line lacks %s: %.*s", want, (int)(nl - cost), cost);
    unlink(path);
    free(path), free(out), free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused),       cmocka_unit_test(test_edits_change_nothing),
        cmocka_unit_test(test_reading),       cmocka_unit_test(test_huge_weights),
        cmocka_unit_test(test_table_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
