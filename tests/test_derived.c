/* Named and derived inputs (issue 17, item 6), through the real cjm binary:
 * a derived input's draws are its parents' (exactly f(parents) in every
 * run, correlation 1 for a linear one), the exact engine's results follow
 * the derived value as a hand computation says, names are shown in check,
 * --runs-out, tornado, Morris and Sobol and address --param, sensitivity
 * analyses vary the parents only, and the errors: duplicate names, bad
 * names and options, a derived probability drawn outside [0, 1]. */
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

#include "testutil.h"

/* lead -> buyer with q = 1.3 u per step (and to gone with g) over exactly
 * 2 steps: conversion is q + (1 - q - g) q in every run (the exact engine). The revenue is a sum
 * and a product of two named inputs, and `gone` a min. */
static const char scenario[] =
    "local u = cjm.pert(0.2, 0.3, 0.5, { name = 'member_frequency' })\n"
    "local v = cjm.uniform(10, 20, { name = 'basket' })\n"
    "local w = cjm.discrete({ { 1, 2, 4 } }, { name = 'visits' })\n"
    "return cjm.scenario {\n"
    "  horizon = 2, cohort = { size = 1000 },\n"
    "  stages = { { 'lead' },\n"
    "    { 'buyer', converts = true, revenue = (v + 1) * w - v / w, cost = -(-v) },\n"
    "    { 'gone' } },\n"
    "  transitions = { lead = { buyer = u * 1.3, gone = cjm.min(1 - u * 1.3, 0.1) } },\n"
    "}\n";

typedef struct table {
    int rows, cols;
    char **head;
    double *x; /* [rows][cols] */
} table;

/* Reads a CSV of numbers with a header line (empty cells: NaN). */
static table read_csv(const char *path)
{
    char *text = tu_read_file(path);
    assert_non_null(text);
    table t = {0, 0, NULL, NULL};
    char *line = strtok(text, "\n");
    while (line && line[0] == '#') line = strtok(NULL, "\n"); /* the settings block */
    assert_non_null(line);
    for (char *c = line; c; c = strchr(c, ',')) {
        if (*c == ',') c++;
        t.head = realloc(t.head, (size_t)(t.cols + 1) * sizeof *t.head);
        size_t n = strcspn(c, ",");
        t.head[t.cols] = strndup(c, n);
        t.cols++;
    }
    char **lines = NULL;
    for (char *l = strtok(NULL, "\n"); l; l = strtok(NULL, "\n")) {
        lines = realloc(lines, (size_t)(t.rows + 1) * sizeof *lines);
        lines[t.rows++] = l;
    }
    t.x = calloc((size_t)t.rows * t.cols, sizeof *t.x);
    for (int r = 0; r < t.rows; r++) {
        char *c = lines[r];
        for (int k = 0; k < t.cols; k++) {
            size_t n = strcspn(c, ",");
            t.x[(size_t)r * t.cols + k] = n ? strtod(c, NULL) : (double)NAN;
            c += n + (c[n] == ',');
        }
    }
    free(lines);
    free(text);
    return t;
}

static int column(const table *t, const char *name)
{
    for (int k = 0; k < t->cols; k++)
        if (strcmp(t->head[k], name) == 0) return k;
    fail_msg("no column %s", name);
    return -1;
}

static double at(const table *t, int r, int k)
{
    return t->x[(size_t)r * t->cols + k];
}

static void table_free(table *t)
{
    for (int k = 0; k < t->cols; k++) free(t->head[k]);
    free(t->head);
    free(t->x);
}

/* CSV numbers have 12 significant digits: a value computed from printed
 * ones agrees to a few parts in 1e12. */
static void assert_close(double got, double want)
{
    if (!(fabs(got - want) <= 1e-10 * fmax(1, fabs(want))))
        fail_msg("got %.17g, want %.17g", got, want);
}

static int run_on(const char *lua, const char *args, char **out, char **err)
{
    char *path = tu_write_temp(lua);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, args, path);
    int rc = tu_run_cjm(cmd, out, err);
    unlink(path);
    free(path);
    return rc;
}

/* Every run's derived values are f(its parents' draws), exactly; the exact
 * engine's conversion is q + (1 - q - g) q for that run's q and g; 1.3 u and u
 * have correlation 1. */
static void test_runs_out_shared_draws(void **state)
{
    (void)state;
    char runs[] = "/tmp/cjm_derived_XXXXXX";
    int fd = mkstemp(runs);
    assert_true(fd >= 0);
    close(fd);
    char args[256], *out, *err;
    snprintf(args, sizeof args, "run %%s --engine exact --runs 300 --runs-out %s", runs);
    assert_int_equal(run_on(scenario, args, &out, &err), 0);
    free(out), free(err);
    table t = read_csv(runs);
    unlink(runs);
    assert_int_equal(t.rows, 300);
    int cu = column(&t, "member_frequency"), cv = column(&t, "basket"), cw = column(&t, "visits"),
        cq = column(&t, "transitions.lead.buyer"), cg = column(&t, "transitions.lead.gone"),
        cr = column(&t, "stages.buyer.revenue"), cc = column(&t, "stages.buyer.cost"),
        cconv = column(&t, "conversion");
    double su = 0, sq = 0, suu = 0, sqq = 0, suq = 0;
    for (int r = 0; r < t.rows; r++) {
        double u = at(&t, r, cu), v = at(&t, r, cv), w = at(&t, r, cw), q = at(&t, r, cq);
        assert_close(q, u * 1.3);
        assert_close(at(&t, r, cg), fmin(1 - u * 1.3, 0.1));
        assert_close(at(&t, r, cr), (v + 1) * w - v / w);
        assert_close(at(&t, r, cc), v);
        double g = at(&t, r, cg); /* buyer at step 1, or stayed and buyer at step 2 */
        assert_close(at(&t, r, cconv), q + (1 - q - g) * q);
        su += u, sq += q, suu += u * u, sqq += q * q, suq += u * q;
    }
    double n = t.rows, cov = suq / n - su / n * sq / n;
    double corr = cov / sqrt((suu / n - su / n * su / n) * (sqq / n - sq / n * sq / n));
    if (!(corr > 1 - 1e-9)) fail_msg("correlation of u and 1.3 u: %.17g", corr);
    /* the draws are random: u takes many values, not one */
    assert_true(suu / n - su / n * su / n > 1e-4);
    table_free(&t);
}

/* Names in check (with the path) and the derived inputs listed. */
static void test_check_lists_names(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(run_on(scenario, "check %s", &out, &err), 0);
    assert_non_null(strstr(out, "member_frequency (transitions.lead.buyer[1])"));
    assert_non_null(strstr(out, "basket (stages.buyer.cost[1])"));
    assert_non_null(strstr(out, "derived inputs"));
    assert_non_null(strstr(out, "= member_frequency * 1.3"));
    assert_non_null(strstr(out, "= min(1 - member_frequency * 1.3, 0.1)"));
    assert_non_null(strstr(out, "= (basket + 1) * visits - basket / visits"));
    assert_non_null(strstr(out, "= -(-basket)"));
    free(out), free(err);
}

/* Is label a row of the analysis's text output (a line starting with two
 * spaces then label then a space)? */
static int has_row(const char *out, const char *label)
{
    char want[128];
    snprintf(want, sizeof want, "\n  %s ", label);
    return strstr(out, want) != NULL;
}

/* Tornado, Morris and Sobol vary the parents, under their names; no
 * derived input is a factor. --param addresses an input by its name. */
static void test_sensitivity_parents_only(void **state)
{
    (void)state;
    static const char *const commands[] = {
        "tornado %s --engine exact --runs 4",
        "morris %s --engine exact --runs 2 --trajectories 4",
        "sobol %s --engine exact --runs 2 --samples 64",
    };
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        char *out, *err;
        assert_int_equal(run_on(scenario, commands[i], &out, &err), 0);
        assert_true(has_row(out, "member_frequency"));
        assert_true(has_row(out, "basket"));
        assert_true(has_row(out, "visits"));
        assert_false(has_row(out, "transitions.lead.buyer"));
        assert_false(has_row(out, "transitions.lead.gone"));
        assert_false(has_row(out, "stages.buyer.revenue"));
        assert_false(has_row(out, "transitions.lead.buyer[1]"));
        free(out), free(err);
    }
    char *out, *err;
    assert_int_equal(
        run_on(scenario, "tornado %s --engine exact --runs 4 --param member_frequency", &out, &err),
        0);
    assert_true(has_row(out, "member_frequency"));
    assert_false(has_row(out, "basket"));
    free(out), free(err);
    assert_int_equal(run_on(scenario, "tornado %s --param transitions.lead.buyer", &out, &err), 2);
    assert_non_null(strstr(err, "--param transitions.lead.buyer: a derived input "
                                "(member_frequency * 1.3), not an input of its own"));
    free(out), free(err);
}

/* Moving the parent moves the derived input: the tornado's ends for u are
 * the exact engine's profit at 1.3 u_lo and 1.3 u_hi, which a run with the
 * parent --set to those values gives too. */
static void test_tornado_follows_parent(void **state)
{
    (void)state;
    static const char one[] =
        "local u = cjm.uniform(0.2, 0.4, { name = 'share' })\n"
        "return cjm.scenario {\n"
        "  horizon = 1, cohort = { size = 1000 },\n"
        "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = 10 } },\n"
        "  transitions = { lead = { buyer = 1 - u } },\n"
        "}\n";
    char *out, *err;
    assert_int_equal(run_on(one, "tornado %s --engine exact --param share", &out, &err), 0);
    /* uniform(0.2, 0.4): p5 = 0.21, p95 = 0.39; profit = 1000 x 10 x (1 - u) */
    const char *row = strstr(out, "\n  share ");
    assert_non_null(row);
    assert_non_null(strstr(row, "7,900.00"));
    assert_non_null(strstr(row, "6,100.00"));
    free(out), free(err);
}

static void expect_error(const char *lua, const char *args, const char *a, const char *b)
{
    char *out, *err;
    assert_int_equal(run_on(lua, args, &out, &err), 1);
    if (!strstr(err, a) || (b && !strstr(err, b)))
        fail_msg("stderr %s lacks '%s' / '%s'", err, a, b ? b : "");
    int lines = 0;
    for (const char *c = err; *c; c++) lines += *c == '\n';
    if (lines != 1) fail_msg("not one line: %s", err);
    free(out), free(err);
}

#define TWO(A, B)                                                                                  \
    A "\n" B "\n"                                                                                  \
      "return cjm.scenario {\n"                                                                    \
      "  horizon = 2, cohort = { size = 10 },\n"                                                   \
      "  stages = { { 'a' }, { 'b', converts = true, revenue = v }, { 'c' } },\n"                  \
      "  transitions = { a = { b = u } },\n"                                                       \
      "}\n"

/* Duplicate names are refused with both lines; a name must be an
 * identifier, not another input's path; options are checked. */
static void test_name_errors(void **state)
{
    (void)state;
    expect_error(TWO("local u = cjm.beta(2, 5, { name = 'x' })",
                     "local v = cjm.uniform(1, 2, { name = 'x' })"),
                 "check %s", ":1: transitions.a.b: the name 'x' is given to two distributions",
                 "here and at line 2 (stages.b.revenue)");
    expect_error(TWO("local u = cjm.beta(2, 5, { name = '1x' })", "local v = 1"), "check %s",
                 ":1: cjm.beta: name must be an identifier", NULL);
    expect_error(TWO("local u = cjm.beta(2, 5, { name = 'x.y' })", "local v = 1"), "check %s",
                 ":1: cjm.beta: name must be an identifier", NULL);
    expect_error(TWO("local u = cjm.beta(2, 5, { nmae = 'x' })", "local v = 1"), "check %s",
                 ":1: cjm.beta: unknown option 'nmae' (the options: name)", NULL);
    expect_error(TWO("local u = cjm.beta(2, 5, 'x')", "local v = 1"), "check %s",
                 ":1: cjm.beta: after the parameters comes an options table", NULL);
    expect_error(TWO("local u = cjm.beta(2, 5, { name = 'stages.b.revenue' })", "local v = 1"),
                 "check %s", ":1: cjm.beta: name must be an identifier", NULL);
    /* the same object used twice is one input, not a duplicate */
    char *out, *err;
    assert_int_equal(run_on(TWO("local u = cjm.beta(2, 5, { name = 'x' })", "local v = u * 100"),
                            "check %s", &out, &err),
                     0);
    free(out), free(err);
}

/* A derived probability drawn outside [0, 1] in some run: an error naming
 * the path, the run and the value; not clamped. At the medians it is in
 * range, so the load (check) accepts it. */
static void test_derived_out_of_range(void **state)
{
    (void)state;
    static const char *const lua =
        TWO("local u = cjm.uniform(0.5, 0.9, { name = 'x' }) * 1.3", "local v = 1");
    char *out, *err;
    assert_int_equal(run_on(lua, "check %s", &out, &err), 0);
    free(out), free(err);
    expect_error(lua, "run %s --runs 50", ":6: transitions.a.b: x * 1.3 is ", " in run ");
    expect_error(lua, "run %s --runs 50", "outside [0, 1]", "not clamped");
    /* outside at the medians: refused on load */
    expect_error(TWO("local u = cjm.uniform(0.5, 0.9) * 2", "local v = 1"), "check %s",
                 ":6: transitions.a.b: uniform(0.5, 0.9) * 2 is 1.4 at its parents' medians, "
                 "outside [0, 1]",
                 NULL);
}

/* --set NAME=VALUE replaces a named distribution wherever it is used, in
 * expressions too: the exact engine's conversion is then the hand value
 * q + (1 - q - g) q with q = 1.3 x 0.2 = 0.26, g = min(1 - q, 0.1) = 0.1:
 * 0.4264. A correlated member set by name leaves its group. */
static void test_set_by_name(void **state)
{
    (void)state;
    char *out, *err;
    assert_int_equal(
        run_on(scenario, "run %s --engine exact --runs 3 --set member_frequency=0.2", &out, &err),
        0);
    assert_non_null(strstr(out, "42.64%  [42.64%, 42.64%]"));
    free(out), free(err);
    expect_error(scenario, "run %s --set member_frequency=0.9",
                 ":9: transitions.lead.buyer: member_frequency * 1.3 is 1.17 at its parents' "
                 "medians, outside [0, 1]",
                 NULL);
    expect_error(scenario, "run %s --set member_frequency=abc",
                 "--set member_frequency: a named input takes a number", NULL);
    expect_error(TWO("local u = cjm.beta(2, 5, { name = 'x' })", "local v = u * 100"),
                 "check %s --set x=2",
                 ":6: transitions.a.b: x = 2 (set by name) is out of range "
                 "[0, 1] here",
                 NULL);
    static const char corr[] = "local u = cjm.beta(2, 5, { name = 'x' })\n"
                               "local w = cjm.beta(3, 5, { name = 'y' })\n"
                               "local z = cjm.beta(4, 5)\n"
                               "cjm.correlate({ u, w, z }, { { 1, 0.5, 0.2 }, { 0.5, 1, 0.1 }, "
                               "{ 0.2, 0.1, 1 } })\n"
                               "return cjm.scenario {\n"
                               "  horizon = 2, cohort = { size = 10 },\n"
                               "  stages = { { 'a' }, { 'b', converts = true }, { 'c' } },\n"
                               "  transitions = { a = { b = u * 0.5, c = w * 0.5 }, b = { c = z } "
                               "},\n"
                               "}\n";
    assert_int_equal(run_on(corr, "check %s --set x=0.1", &out, &err), 0);
    assert_null(strstr(out, "x ~"));
    assert_non_null(strstr(out, "y ~ transitions.b.c 0.1;"));
    free(out), free(err);
    /* an expression replaced by a number (by its path): its distributions
     * are pinned, as a distribution so replaced is */
    assert_int_equal(run_on(corr, "check %s --set transitions.a.b=0.1", &out, &err), 0);
    assert_null(strstr(out, "x ~"));
    assert_non_null(strstr(out, "y ~ transitions.b.c 0.1;"));
    free(out), free(err);
}

/* What cannot be in arithmetic, and the expressions' read-only objects. */
static void test_expression_errors(void **state)
{
    (void)state;
    expect_error(TWO("local u = cjm.per_customer(cjm.beta(1, 2)) * 2", "local v = 1"), "check %s",
                 ":1: attempt to perform arithmetic on a cjm.per_customer value", NULL);
    expect_error(TWO("local u = cjm.beta(1, 2) * 'x'", "local v = 1"), "check %s",
                 ":1: cjm: arithmetic on distributions (*): cannot compute with string", NULL);
    expect_error(TWO("local d = cjm.beta(1, 2); local p = cjm.per_customer(d); local u = d + 1",
                     "local v = 1"),
                 "check %s",
                 ":1: cjm: arithmetic on distributions (+): cannot compute with a "
                 "distribution drawn per customer",
                 NULL);
    expect_error(TWO("local u = cjm.dirichlet{ b = 1, c = 2 }.b * 0.5", "local v = 1"), "check %s",
                 "cannot compute with a cjm.dirichlet entry", NULL);
    expect_error(TWO("local u = cjm.beta(1, 2) * 0.5; u.x = 1", "local v = 1"), "check %s",
                 ":1: cjm: cannot change beta(1, 2) * 0.5: the module's objects are read-only",
                 NULL);
    expect_error(TWO("local u = cjm.beta(1, 2); for i = 1, 300 do u = u + 0 end", "local v = 1"),
                 "check %s",
                 ":1: cjm: arithmetic on distributions (+): an expression may have "
                 "at most 255 terms",
                 NULL);
    char *out, *err;
    assert_int_equal(
        run_on(TWO("local u = cjm.beta(1, 2) * 0.5; assert(getmetatable(u) == 'cjm.expression'); "
                   "assert(tostring(1 - u) == '1 - beta(1, 2) * 0.5'); "
                   "assert(tostring(-(u + 1)) == '-(beta(1, 2) * 0.5 + 1)'); "
                   "assert(cjm.max(1, 3, 2) == 3)",
                   "local v = 1"),
               "check %s", &out, &err),
        0);
    free(out), free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_out_shared_draws),
        cmocka_unit_test(test_check_lists_names),
        cmocka_unit_test(test_sensitivity_parents_only),
        cmocka_unit_test(test_tornado_follows_parent),
        cmocka_unit_test(test_name_errors),
        cmocka_unit_test(test_derived_out_of_range),
        cmocka_unit_test(test_expression_errors),
        cmocka_unit_test(test_set_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
