/* Output a planner reads right (issue 17, item 5), through the real cjm
 * binary: differences of shares in percentage points, no "-0.00", names
 * never cut, the header counting arriving and referred prospects in every
 * engine, the settings block atop CSV, and the results by source of a
 * scenario with referrals (worked by hand, and the sampling engines
 * against them family-wise). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "testutil.h"

/* a -(p)-> b (converts, 10 on entry) -(0.2)-> lost, 1000 prospects, H = 5:
 * conversion 1 - (1 - p)^5 (the barrier is on b -> lost). The variants move p to 0.4 (+9.03 pp), to
 * a hair below 0.3 (a difference of -1.5e-10: it must print 0.00 pp), and add a cost of 0.001
 * (profit -0.001: 0.00, not -0.00). */
static const char chain[] =
    "return cjm.scenario { name = 'chain', horizon = 5,\n"
    "  cohort = { size = 1000, cost_per_prospect = 0.5 },\n"
    "  stages = { { 'a', cost_per_step = 1 }, { 'b', converts = true, revenue = 10 },\n"
    "             { 'lost', final = true } },\n"
    "  transitions = { a = { b = 0.3 }, b = { lost = 0.2 } },\n"
    "  barriers = { the_booking_form_asks_for_a_phone_number_nobody_has = {\n"
    "    on = 'b -> lost', effect = 0.5, fix = { cost = 5 } } },\n"
    "  variants = {\n"
    "    faster = { set = { ['transitions.a.b'] = 0.4 } },\n"
    "    a_hair_slower = { set = { ['transitions.a.b'] = 0.2999999999 } },\n"
    "    a_variant_whose_name_is_much_longer_than_sixteen = { costs = { tiny = { once = 0.001 } } "
    "},\n"
    "  } }\n";

/* 1000 leads at 0.5 over H = 3; each buyer refers 0.1 friends (into lead,
 * at the next step if it is before H) and is done a step later. Organic:
 * 500 + 250 + 125 = 875 converted of 1000; referred: 50 arrive at step 2
 * (the first buyers' referrals; the second's would enter at 3 = H), 25
 * convert. Revenue 100 each; CAC organic 2 x 1000 / 875, referred 10. */
static const char referrals[] =
    "return cjm.scenario { name = 'referrals by hand', horizon = 3,\n"
    "  cohort = { size = 1000, cost_per_prospect = 2 },\n"
    "  stages = { { 'lead' },\n"
    "    { 'buyer', converts = true, revenue = 100, refers = 0.1, referral_cost = 10 },\n"
    "    { 'done', final = true } },\n"
    "  transitions = { lead = { buyer = 0.5 }, buyer = { done = 1 } },\n"
    "  variants = { dearer_ads = { set = { ['cohort.cost_per_prospect'] = 3 } } } }\n";

/* Nobody at the start: 100 prospects arrive at each of the 5 steps. */
static const char arrivals[] =
    "return cjm.scenario { name = 'arrivals', horizon = 5,\n"
    "  cohort = { size = 0, cost_per_prospect = 2, arrivals = 100 },\n"
    "  stages = { { 'lead' }, { 'buyer', converts = true, revenue = 100 },\n"
    "             { 'done', final = true } },\n"
    "  transitions = { lead = { buyer = 0.5 }, buyer = { done = 0.5 } } }\n";

static char *cjm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs cjm with the arguments (which must succeed); its standard output. */
static char *cjm(const char *fmt, ...)
{
    char args[2048], *out, *err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    if (tu_run_cjm(args, &out, &err) != 0) fail_msg("cjm %s: %s", args, err);
    free(err);
    return out;
}

/* The line of text that contains needle (fails without one), malloc'd. */
static char *line_with(const char *text, const char *needle)
{
    const char *p = strstr(text, needle);
    if (!p) fail_msg("no '%s' in:\n%s", needle, text);
    const char *start = p;
    while (start > text && start[-1] != '\n') start--;
    return strndup(start, strcspn(start, "\n"));
}

static void assert_no(const char *text, const char *needle)
{
    if (strstr(text, needle)) fail_msg("'%s' in:\n%s", needle, text);
}

/* ---- percentage points ---- */

static void test_percentage_points(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain);
    char *out = cjm("compare %s faster --engine exact", path);
    /* 0.6^5 - 0.7^5 = 0.09031: shares' differences in pp, the values in % */
    char *conv = line_with(strstr(out, "differences"), "conversion");
    assert_non_null(strstr(conv, "+9.03 pp"));
    free(conv);
    conv = line_with(out, "conversion");
    assert_non_null(strstr(conv, "83.19%"));
    free(conv);
    free(out);
    out = cjm("compare %s faster --runs 20 --customers 2000", path); /* the interval too */
    conv = line_with(strstr(out, "differences"), "conversion");
    assert_non_null(strstr(conv, " pp  [+"));
    assert_non_null(strstr(conv, " pp, +"));
    assert_no(conv, "%");
    free(conv);
    conv = line_with(strstr(out, "differences"), "retained at horizon");
    assert_non_null(strstr(conv, " pp"));
    free(conv), free(out);
    out = cjm("fixes %s --engine exact", path);
    conv = line_with(strstr(out, "each fix alone"), "conversion");
    assert_non_null(strstr(conv, " pp"));
    free(conv), free(out);
    /* Morris effects of a share: p from 0.2 to 0.4 moves conversion by
     * (0.8^5 - 0.6^5) = 24.992 pp over the whole range, linearly enough */
    out = cjm("morris %s --engine exact --metric conversion --param transitions.a.b=0.2:0.4 "
              "--trajectories 4",
              path);
    char *row = line_with(out, "transitions.a.b");
    assert_non_null(strstr(row, " pp"));
    assert_no(row, "%");
    free(row), free(out);
    /* JSON keeps raw numbers: a share's difference as a fraction */
    out = cjm("compare %s faster --engine exact --format json", path);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    json_t *arm = json_array_get(json_object_get(doc, "variants"), 0);
    double d = json_real_value(
        json_object_get(json_object_get(json_object_get(arm, "delta"), "conversion"), "mean"));
    tu_assert_float("delta conversion", d, pow(0.7, 5) - pow(0.6, 5));
    json_decref(doc);
    free(out);
    unlink(path), free(path);
}

/* ---- no -0.00 ---- */

static void test_no_negative_zero(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain);
    static const char *const formats[] = {"table", "csv"};
    for (int f = 0; f < 2; f++) {
        char *out = cjm("compare %s a_hair_slower a_variant_whose_name_is_much_longer_than_sixteen "
                        "--engine exact --format %s",
                        path, formats[f]);
        if (f == 0) assert_no(out, "-0.00"); /* CSV has raw numbers: -0.001 */
        assert_no(out, ",-0,");
        assert_no(out, ",-0\n");
        if (f == 0) {
            /* -1.5e-10 of conversion and -0.001 of profit: zero, unsigned */
            char *block = strstr(out, "\n  a_hair_slower\n");
            assert_non_null(block);
            char *conv = line_with(block, "conversion");
            assert_non_null(strstr(conv, " 0.00 pp"));
            free(conv);
            block = strstr(out, "\n  a_variant_whose_name_is_much_longer_than_sixteen\n");
            assert_non_null(block);
            char *profit = line_with(block, "    profit");
            assert_non_null(strstr(profit, " 0.00"));
            assert_no(profit, "+0.00");
            free(profit);
        }
        free(out);
    }
    char *out = cjm("compare %s a_hair_slower --runs 10 --customers 500", path);
    assert_no(out, "-0.00");
    free(out);
    /* an undefined value keeps its "-": one run has no interval */
    out = cjm("run %s --runs 1", path);
    char *conv = line_with(out, "  conversion");
    assert_non_null(strstr(conv, "%  -  "));
    free(conv), free(out);
    unlink(path), free(path);
}

/* ---- names never cut ---- */

static void test_long_names(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain);
    const char *variant = "a_variant_whose_name_is_much_longer_than_sixteen";
    char *out = cjm("compare %s faster %s --engine exact", path, variant);
    /* the side-by-side header names every arm in full, right-aligned over
     * columns as wide as the longest name */
    char *head = line_with(out, "baseline");
    assert_non_null(strstr(head, variant));
    size_t w = strlen(variant);
    char *conv = line_with(out, "  conversion");
    assert_int_equal(strlen(head), strlen(conv));
    assert_int_equal(strlen(head), 2 + 20 + 3 * (1 + w));
    free(head), free(conv), free(out);
    const char *fix = "the_booking_form_asks_for_a_phone_number_nobody_has";
    out = cjm("fixes %s --engine exact", path);
    head = line_with(out, "baseline");
    assert_non_null(strstr(head, fix));
    free(head), free(out);
    unlink(path), free(path);
}

/* ---- the header counts arriving and referred prospects ---- */

static void test_header_counts(void **state)
{
    (void)state;
    char *path = tu_write_temp(arrivals);
    const char *want = "500 customers (0 at the start + 500 arriving)";
    static const char *const engines[] = {"agent", "cohort", "exact"};
    for (int e = 0; e < 3; e++) {
        char *out = cjm("run %s --engine %s --runs 3", path, engines[e]);
        char *second = line_with(out, "engine");
        if (!strstr(second, want)) fail_msg("%s: '%s'", engines[e], second);
        free(second), free(out);
    }
    char *out = cjm("run %s --engine exact", path);
    char *line = line_with(out, "engine");
    assert_non_null(strstr(line, want));
    free(line);
    free(out);
    out = cjm("run %s --customers 50 --runs 3", path); /* --customers: the start */
    assert_non_null(strstr(out, "550 customers (50 at the start + 500 arriving)"));
    free(out);
    out = cjm("tornado %s --engine exact --metric conversion", path);
    assert_non_null(strstr(out, want));
    free(out);
    unlink(path), free(path);
    path = tu_write_temp(referrals);
    out = cjm("run %s --engine exact", path);
    assert_non_null(strstr(out, "1000 customers + 50 referred, 3 steps"));
    free(out);
    out = cjm("compare %s --engine exact --runs 1", path);
    assert_non_null(strstr(out, "1000 customers + 50 referred"));
    free(out);
    out = cjm("run %s --runs 4", path); /* a mean over the runs */
    char *second = line_with(out, "engine");
    assert_non_null(strstr(second, "4 runs x 1000 customers + "));
    assert_non_null(strstr(second, " referred, 3 steps"));
    free(second), free(out);
    unlink(path), free(path);
}

/* ---- the settings block atop CSV ---- */

/* The value of "# key: " in text's leading comment lines (malloc'd). */
static char *block_value(const char *text, const char *key)
{
    char want[64];
    snprintf(want, sizeof want, "# %s: ", key);
    for (const char *p = text; *p == '#'; p = strchr(p, '\n') + 1)
        if (strncmp(p, want, strlen(want)) == 0)
            return strndup(p + strlen(want), strcspn(p + strlen(want), "\n"));
    fail_msg("no '%s' in the block of:\n%.400s", want, text);
    return NULL;
}

static void check_block(const char *csv, const char *sha, const char *engine, const char *runs,
                        const char *columns)
{
    assert_true(strncmp(csv, "# cjm: ", 7) == 0);
    const char *fields[][2] = {{"scenario", "chain"}, {"sha256", sha},  {"engine", engine},
                               {"runs", runs},        {"horizon", "5"}, {"seed", "3"}};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        char *v = block_value(csv, fields[i][0]);
        if (strcmp(v, fields[i][1]) != 0)
            fail_msg("%s: '%s', want '%s'", fields[i][0], v, fields[i][1]);
        free(v);
    }
    const char *p = csv;
    while (*p == '#') p = strchr(p, '\n') + 1;
    assert_true(strncmp(p, columns, strlen(columns)) == 0); /* then the columns */
}

static void test_csv_block(void **state)
{
    (void)state;
    char *path = tu_write_temp(chain), *runs = tu_write_temp("");
    char *js = cjm("run %s --format json --runs 4 --seed 3", path);
    json_t *doc = json_loads(js, 0, NULL);
    const char *sha =
        json_string_value(json_object_get(json_object_get(doc, "scenario"), "sha256"));
    char *out = cjm("run %s --format csv --runs 4 --seed 3 --runs-out %s", path, runs);
    check_block(out, sha, "agent", "4", "metric,key,mean,");
    free(out);
    out = tu_read_file(runs);
    check_block(out, sha, "agent", "4", "run,conversion,");
    free(out);
    out = cjm("compare %s faster --format csv --runs 4 --seed 3", path);
    check_block(out, sha, "agent", "4", "role,arm,metric,");
    free(out);
    out = cjm("fixes %s --format csv --engine exact --seed 3", path);
    check_block(out, sha, "exact", "1", "role,arm,metric,");
    free(out);
    out = cjm("tornado %s --format csv --engine exact --seed 3", path);
    check_block(out, sha, "exact", "1", "path,value,");
    free(out);
    json_decref(doc);
    free(js);
    unlink(runs), free(runs);
    unlink(path), free(path);
}

/* ---- results by source ---- */

static double field(json_t *src, const char *name)
{
    return json_number_value(json_object_get(json_object_get(src, name), "mean"));
}

static double field_se(json_t *src, const char *name)
{
    return json_number_value(json_object_get(json_object_get(src, name), "se"));
}

static const struct {
    const char *name;
    double organic, referred;
} by_hand[] = {
    {"prospects", 1000, 50},  {"converted", 875, 25}, {"conversion", 0.875, 0.5},
    {"revenue", 87500, 2500}, {"ltv", 100, 100},      {"cac", 2000.0 / 875, 10},
};

static void test_by_source_by_hand(void **state)
{
    (void)state;
    char *path = tu_write_temp(referrals);
    char *out = cjm("run %s --engine exact --format json", path);
    json_t *doc = json_loads(out, 0, NULL);
    json_t *bs = json_object_get(doc, "by_source");
    assert_non_null(bs);
    for (size_t i = 0; i < sizeof by_hand / sizeof *by_hand; i++) {
        tu_assert_float(by_hand[i].name, field(json_object_get(bs, "organic"), by_hand[i].name),
                        by_hand[i].organic);
        tu_assert_float(by_hand[i].name, field(json_object_get(bs, "referred"), by_hand[i].name),
                        by_hand[i].referred);
    }
    /* the sources add up to the totals; the CACs are the headline's */
    json_t *m = json_object_get(doc, "metrics");
    tu_assert_float("converted", field(m, "converted"), 900);
    tu_assert_float("revenue", field(m, "revenue"), 90000);
    tu_assert_float("cac_organic", field(m, "cac_organic"), 2000.0 / 875);
    json_decref(doc);
    free(out);
    out = cjm("run %s --engine exact", path);
    char *section = strstr(out, "\nby source:");
    assert_non_null(section);
    char *conv = line_with(section, "  conversion");
    assert_non_null(strstr(conv, "87.50%"));
    assert_non_null(strstr(conv, "50.00%"));
    free(conv);
    char *rev = line_with(section, "  revenue");
    assert_non_null(strstr(rev, "87,500.00"));
    assert_non_null(strstr(rev, "2,500.00"));
    free(rev), free(out);
    out = cjm("run %s --engine exact --format csv", path);
    assert_non_null(strstr(out, "\nby_source_conversion,referred,0.5,0,"));
    assert_non_null(strstr(out, "\nby_source_revenue,organic,87500,0,"));
    free(out);
    /* without referrals there is no such section */
    char *plain = tu_write_temp(arrivals);
    out = cjm("run %s --engine exact", plain);
    assert_no(out, "by source");
    free(out);
    out = cjm("run %s --engine exact --format json", plain);
    assert_no(out, "by_source");
    free(out);
    unlink(plain), free(plain);
    unlink(path), free(path);
}

/* The agent and cohort engines' means by source against the hand-worked
 * values, z = (mean - exact) / se on runs - 1 degrees of freedom. */
static void test_by_source_sampled(void **state)
{
    (void)state;
    char *path = tu_write_temp(referrals);
    static const char *const engines[] = {"agent", "cohort"};
    for (int e = 0; e < 2; e++) {
        char *out = cjm("run %s --engine %s --runs 200 --seed 11 --format json", path, engines[e]);
        json_t *doc = json_loads(out, 0, NULL);
        json_t *bs = json_object_get(doc, "by_source");
        for (size_t i = 0; i < sizeof by_hand / sizeof *by_hand; i++)
            for (int src = 0; src < 2; src++) {
                json_t *s = json_object_get(bs, src ? "referred" : "organic");
                double want = src ? by_hand[i].referred : by_hand[i].organic;
                double got = field(s, by_hand[i].name), se = field_se(s, by_hand[i].name);
                char what[96];
                snprintf(what, sizeof what, "%s %s %s", engines[e], src ? "referred" : "organic",
                         by_hand[i].name);
                if (se > 0)
                    tu_check_z(what, got, want, se, 199);
                else
                    tu_assert_float(what, got, want); /* organic prospects: 1000 in every run */
            }
        json_decref(doc);
        free(out);
    }
    unlink(path), free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_percentage_points), cmocka_unit_test(test_no_negative_zero),
        cmocka_unit_test(test_long_names),        cmocka_unit_test(test_header_counts),
        cmocka_unit_test(test_csv_block),         cmocka_unit_test(test_by_source_by_hand),
        cmocka_unit_test(test_by_source_sampled), cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
