/* Journey paths into a chain (cjm fit paths) and cjm.dirichlet rows.
 *
 * Exact checks: counts of a hand-worked file (ChannelAttribution's rules:
 * conversions + nulls weigh each transition of a path, a repeat counts
 * once), the Dirichlet posterior's parameters, the scenario that is written
 * loads and its rows sum to 1 in every run. Statistical checks (fixed seeds,
 * judged family-wise by tu_fw_verdict): a cjm.dirichlet row's moments, and
 * the round trip: journeys drawn from a known chain, fitted, recover every
 * transition probability within its posterior standard deviation. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "rng.h"
#include "testutil.h"

static char *write_data(const char *text)
{
    char *path = tu_write_temp(text);
    return path;
}

static cjm_paths *fit_text(const char *text, double prior, char **path)
{
    *path = write_data(text);
    cjm_paths_options o = {.prior = prior};
    cjm_paths *p = NULL;
    cjm_error err = {0};
    if (cjm_paths_fit(*path, &o, &p, &err) != CJM_OK) fail_msg("%s", err.msg);
    return p;
}

/* Hand-worked: three rows.
 *   a > b > a ; 1 conversion, 2 nulls -> weight 3 on start>a, a>b, b>a; a>conv 1, a>null 2
 *   b > b > c ; 0, 4                  -> start>b 4, b>c 4 (b>b counts once); c>null 4
 *   c         ; 2, 0 (value 10)       -> start>c 2; c>conv 2 */
static void test_counts_by_hand(void **state_)
{
    (void)state_;
    char *path;
    cjm_paths *p = fit_text("path;total_conversions;total_conversion_value;total_null\n"
                            "a > b > a;1;4;2\n"
                            "b>b >  c;0;0;4\r\n"
                            "\"c\";2;10;0\n",
                            1, &path);
    assert_int_equal(cjm_paths_state_count(p), 6);
    static const char *const names[] = {"start", "a", "b", "c", "conversion", "null"};
    for (int i = 0; i < 6; i++) assert_string_equal(cjm_paths_state(p, i), names[i]);
    assert_null(cjm_paths_state(p, 6));
    int st = 0, a = 1, b = 2, c = 3, cv = 4, nl = 5;
    static const struct {
        int from, to;
        double count;
    } want[] = {{0, 1, 3}, {0, 2, 4}, {0, 3, 2}, {1, 2, 3}, {2, 1, 3}, {1, 4, 1},
                {1, 5, 2}, {2, 3, 4}, {3, 5, 4}, {3, 4, 2}, {1, 3, 0}, {3, 1, 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (cjm_paths_count(p, want[i].from, want[i].to) != want[i].count)
            fail_msg("%s -> %s: %g, expected %g", names[want[i].from], names[want[i].to],
                     cjm_paths_count(p, want[i].from, want[i].to), want[i].count);
    /* impossible transitions */
    assert_false(cjm_paths_possible(p, a, a));
    assert_false(cjm_paths_possible(p, st, cv));
    assert_false(cjm_paths_possible(p, st, nl));
    assert_false(cjm_paths_possible(p, b, st));
    assert_false(cjm_paths_possible(p, cv, a));
    assert_false(cjm_paths_possible(p, nl, a));
    assert_true(cjm_paths_possible(p, b, nl));
    /* the posterior of a -> b: row a has b 3, c 0, conversion 1, null 2, each + 1:
     * Dirichlet(4, 1, 2, 3), whose marginal for b is beta(4, 6) */
    double pa, pb;
    cjm_paths_posterior(p, a, b, &pa, &pb);
    assert_true(pa == 4 && pb == 6);
    cjm_paths_posterior(p, st, c, &pa, &pb); /* start: a 3, b 4, c 2, + 1 each */
    assert_true(pa == 3 && pb == 9);
    cjm_paths_posterior(p, a, a, &pa, &pb);
    assert_true(isnan(pa) && isnan(pb));
    (void)c;
    /* the scenario loads, converts at the chain's rate and earns value / conversions */
    char *scn = tu_write_temp(""), args[1024], *out, *err;
    snprintf(args, sizeof args, "fit paths %s -o %s", path, scn);
    assert_int_equal(tu_run_cjm(args, &out, &err), 0);
    free(out), free(err);
    char *text = tu_read_file(scn);
    assert_non_null(strstr(text, "horizon = 4,")); /* a > b > a: 3 touches, then the end */
    assert_non_null(strstr(text, "cohort = { size = 9 },"));
    assert_non_null(strstr(text, "revenue = 4.666666667"));
    assert_non_null(strstr(text, "[\"a\"] = cjm.dirichlet{ [\"b\"] = 4, [\"c\"] = 1, "
                                 "[\"conversion\"] = 2, [\"null\"] = 3, },"));
    cjm_model *m = tu_load_text(text);
    cjm_model_free(&m);
    free(text);
    /* JSON and CSV: the counts */
    snprintf(args, sizeof args, "fit paths %s --format json", path);
    assert_int_equal(tu_run_cjm(args, &out, &err), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    assert_true(json_real_value(json_object_get(doc, "journeys")) == 9);
    assert_true(json_real_value(json_object_get(doc, "conversions")) == 3);
    assert_int_equal(json_array_size(json_object_get(doc, "states")), 6);
    json_t *t0 = json_array_get(json_object_get(doc, "transitions"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "from")), "start");
    assert_string_equal(json_string_value(json_object_get(t0, "to")), "a");
    assert_true(json_real_value(json_object_get(t0, "count")) == 3);
    assert_true(fabs(json_real_value(json_object_get(t0, "mean")) - 4.0 / 12) < 1e-12);
    json_decref(doc);
    free(out), free(err);
    /* prior 0.5: start is Dirichlet(3.5, 4.5, 2.5), a: 3.5 / 10.5 */
    snprintf(args, sizeof args, "fit paths %s --format csv --prior 0.5", path);
    assert_int_equal(tu_run_cjm(args, &out, &err), 0);
    assert_non_null(strstr(out, "from,to,count,mean,sd,beta_a,beta_b\nstart,a,3,0.333333333333,"));
    free(out), free(err);
    remove(scn), free(scn);
    cjm_paths_free(&p);
    remove(path), free(path);
}

/* Bad paths: one line with the file, line and column; exit status 1. */
static void test_bad_paths(void **state_)
{
    (void)state_;
    static const char *const bad[][2] = {
        {"path;total_conversions\n;1\n", ":2:1: column 'path': an empty path"},
        {"path;total_conversions\na >  > b;1\n", ":2:1: column 'path': path 'a >  > b': an "
                                                 "empty channel"},
        {"path;total_conversions\na > ;1\n", ":2:1: column 'path': path 'a > ': an empty "
                                             "channel"},
        {"path;total_conversions\na, b;1\n", ":2:1: column 'path': path 'a, b': channel 'a, b' "
                                             "has ',' in it (channels are joined by ' > '"},
        {"path;total_conversions\na | b;1\n", ":2:1: column 'path': path 'a | b': channel "
                                              "'a | b' has '|' in it"},
        {"path;total_conversions\na -> b;1\n", ":2:1: column 'path': path 'a -> b': channel "
                                               "'a -' has '-' in it"},
        {"path;total_conversions\nnull > a;1\n", ":2:1: column 'path': path 'null > a': a "
                                                 "channel named 'null'"},
        {"path;total_conversions\na;x\n", ":2:3: column 'total_conversions': expected a number, "
                                          "got 'x'"},
        {"path;total_conversions\na;-1\n", ":2:3: column 'total_conversions': expected a number "
                                           ">= 0, got -1"},
        {"path;conversions\na;1\n", ":1: no column 'total_conversions' (the header has: path, "
                                    "conversions)"},
        {"path;total_conversions;total_null\na;0;0\n", ": every path has 0 conversions and 0 "
                                                       "nulls"},
        {"path;total_conversions\n\"a;1\n", ":2:1: a quoted field is never closed"},
        {"path;total_conversions\n", ": no paths (the file has a header only)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *path = write_data(bad[i][0]), args[512], want[512], *out, *err;
        snprintf(args, sizeof args, "fit paths %s", path);
        snprintf(want, sizeof want, "cjm: %s%s", path, bad[i][1]);
        int rc = tu_run_cjm(args, &out, &err);
        if (rc != 1 || strncmp(err, want, strlen(want)) != 0 ||
            strchr(err, '\n') != err + strlen(err) - 1 || *out)
            fail_msg("%s: exit %d, stderr '%s', expected '%s...'", bad[i][0], rc, err, want);
        free(out), free(err);
        remove(path), free(path);
    }
    char *out, *err;
    assert_int_equal(tu_run_cjm("fit paths x.csv --prior 0", &out, &err), 2);
    assert_non_null(strstr(err, "--prior: expected a Dirichlet weight above 0"));
    free(out), free(err);
    assert_int_equal(tu_run_cjm("fit sbg x.csv --prior 1", &out, &err), 2);
    assert_non_null(strstr(err, "--prior is for fit paths"));
    free(out), free(err);
}

/* Attribution on a hand-worked chain:
 *   a > a > b ; 1 conversion (value 10), 1 null
 *   b         ; 1 conversion (value 4), 2 nulls
 *   a         ; 0, 2 nulls
 * Counts: start -> a 4, start -> b 3; a -> b 2, a -> null 2; b -> conversion 2,
 * b -> null 3. So P(a -> b) = 1/2, P(b -> conversion) = 2/5, start: a 4/7, b 3/7;
 * CR = 4/7 1/2 2/5 + 3/7 2/5 = 2/7 (the data's 2 of 7).
 * Without a: CR = 3/7 2/5 = 6/35, removal 1 - (6/35) / (2/7) = 2/5; without b: 0,
 * removal 1. Conversions: 2 x (2/5) / (7/5) = 4/7 and 2 x 1 / (7/5) = 10/7.
 * Value: every conversion comes from b, worth (10 + 4) / 2 = 7: the same removal
 * effects, value 14 x (2/5) / (7/5) = 4 and 10.
 * Heuristics: first touch a 1 (value 10), b 1 (4); last touch b 2 (14); linear:
 * row 1 has 3 touches: a 2/3 (20/3), b 1/3 (10/3); row 2: b 1 (4). */
static void test_attribution_by_hand(void **state_)
{
    (void)state_;
    char *path = write_data("path;total_conversions;total_conversion_value;total_null\n"
                            "a > a > b;1;10;1\nb;1;4;2\na;0;0;2\n");
    cjm_paths *p = NULL;
    cjm_error err;
    assert_int_equal(cjm_attribution(path, NULL, &p, &err), CJM_OK);
    cjm_attribution_row a = cjm_paths_attribution(p, 1), b = cjm_paths_attribution(p, 2);
    assert_string_equal(a.channel, "a");
    assert_string_equal(b.channel, "b");
    assert_null(cjm_paths_attribution(p, 0).channel);
    assert_null(cjm_paths_attribution(p, 3).channel);
    static const struct {
        const char *what;
        double got, want;
    } * c, checks[] = {{"removal a", 0, 0.4},
                       {"removal b", 0, 1},
                       {"markov a", 0, 4.0 / 7},
                       {"markov b", 0, 10.0 / 7},
                       {"value a", 0, 4},
                       {"value b", 0, 10},
                       {"rev a", 0, 0.4},
                       {"rev b", 0, 1},
                       {"first a", 0, 1},
                       {"first b", 0, 1},
                       {"first val a", 0, 10},
                       {"first val b", 0, 4},
                       {"last a", 0, 0},
                       {"last b", 0, 2},
                       {"last val b", 0, 14},
                       {"linear a", 0, 2.0 / 3},
                       {"linear b", 0, 4.0 / 3},
                       {"linear val a", 0, 20.0 / 3},
                       {"linear val b", 0, 22.0 / 3}};
    const double got[] = {a.removal_effect,
                          b.removal_effect,
                          a.conversions,
                          b.conversions,
                          a.value,
                          b.value,
                          a.removal_effect_value,
                          b.removal_effect_value,
                          a.first_touch,
                          b.first_touch,
                          a.first_touch_value,
                          b.first_touch_value,
                          a.last_touch,
                          b.last_touch,
                          b.last_touch_value,
                          a.linear_touch,
                          b.linear_touch,
                          a.linear_touch_value,
                          b.linear_touch_value};
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        c = &checks[i];
        tu_assert_float(c->what, got[i], c->want);
    }
    /* through the binary: JSON fields named as ChannelAttribution's */
    char args[512], *out, *er;
    snprintf(args, sizeof args, "attribution %s --format json", path);
    assert_int_equal(tu_run_cjm(args, &out, &er), 0);
    json_t *doc = json_loads(out, 0, NULL);
    assert_non_null(doc);
    tu_assert_float("CR", json_real_value(json_object_get(doc, "conversion_probability")), 2.0 / 7);
    json_t *row = json_array_get(json_object_get(doc, "channels"), 1);
    assert_string_equal(json_string_value(json_object_get(row, "channel_name")), "b");
    tu_assert_float("json b", json_real_value(json_object_get(row, "total_conversions")), 10.0 / 7);
    tu_assert_float("json b rev",
                    json_real_value(json_object_get(row, "removal_effects_conversion")), 1);
    tu_assert_float("json b linear", json_real_value(json_object_get(row, "linear_touch_value")),
                    22.0 / 3);
    json_decref(doc);
    free(out), free(er);
    snprintf(args, sizeof args, "attribution %s --format csv", path);
    assert_int_equal(tu_run_cjm(args, &out, &er), 0);
    assert_non_null(strstr(out, "channel_name,removal_effects_conversion,"));
    assert_non_null(strstr(out, "\nb,1,1,1.42857142857,10,1,4,2,14,1.33333333333,"));
    free(out), free(er);
    snprintf(args, sizeof args, "attribution %s", path);
    assert_int_equal(tu_run_cjm(args, &out, &er), 0);
    assert_non_null(strstr(out, "P(conversion) from start 28.5714%"));
    free(out), free(er);
    /* without the nulls (ChannelAttribution without var_null): only conversions
     * weigh the chain: start -> a 1, start -> b 1, a -> b 1, b -> conversion 2;
     * CR = 1; without a: 1/2 (removal 1/2); without b: 0 (1). */
    cjm_paths_free(&p);
    cjm_paths_options o = {.ignore_null = 1};
    assert_int_equal(cjm_attribution(path, &o, &p, &err), CJM_OK);
    tu_assert_float("no null: removal a", cjm_paths_attribution(p, 1).removal_effect, 0.5);
    tu_assert_float("no null: markov b", cjm_paths_attribution(p, 2).conversions, 2 * 1 / 1.5);
    cjm_paths_free(&p);
    /* nothing converts */
    remove(path), free(path);
    path = write_data("path;total_conversions;total_null\na > b;0;3\n");
    assert_int_equal(cjm_attribution(path, NULL, &p, &err), CJM_ESCENARIO);
    assert_non_null(strstr(err.msg, ": no path converts: nothing to attribute"));
    assert_int_equal(tu_run_cjm("attribution", &out, &er), 2);
    assert_non_null(strstr(er, "attribution: which paths file?"));
    free(out), free(er);
    remove(path), free(path);
}

/* On the shared data the chain's conversion probability is the data's rate
 * (maximum likelihood keeps the flow: 19,785 / 88,387), and the removal
 * effects of the attributed conversions add up to the conversions. */
static void test_attribution_shared(void **state_)
{
    (void)state_;
    cjm_paths *p = NULL;
    cjm_error err;
    assert_int_equal(
        cjm_attribution(CJM_SOURCE_DIR "/tests/data/channel_paths.csv", NULL, &p, &err), CJM_OK);
    assert_int_equal(cjm_paths_state_count(p), 15);
    double conv = 0, value = 0, first = 0, last = 0, linear = 0;
    for (int i = 1; i <= 12; i++) {
        cjm_attribution_row r = cjm_paths_attribution(p, i);
        assert_true(r.removal_effect > 0 && r.removal_effect < 1);
        conv += r.conversions, value += r.value;
        first += r.first_touch, last += r.last_touch, linear += r.linear_touch;
    }
    tu_assert_float("conversions", conv, 19785);
    tu_assert_float("first", first, 19785);
    tu_assert_float("last", last, 19785);
    tu_assert_float("linear", linear, 19785);
    assert_true(fabs(value - 74803) < 1); /* the file's values have 3 decimals */
    cjm_attribution_row alpha = cjm_paths_attribution(p, 1);
    assert_string_equal(alpha.channel, "alpha");
    cjm_paths_free(&p);
}

/* ---- cjm.dirichlet ---- */

static int column_of(const cjm_model *m, const char *path)
{
    for (int c = 0; c < m->uncertain_count; c++)
        if (strcmp(m->inputs[m->uncertain[c]].path, path) == 0) return c;
    fail_msg("no uncertain input %s", path);
    return -1;
}

/* Dirichlet(2, 5, 3): E p_i = w_i / W, E p_i p_j = w_i (w_j + [i = j]) / (W (W + 1)). */
static void test_dirichlet_moments(void **state_)
{
    (void)state_;
    cjm_model *m = tu_load_text(
        "local row = cjm.dirichlet{ buyer = 2, lost = 5, browse = 3 }\n"
        "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 10 },\n"
        "  stages = { { 'lead' }, { 'browse' }, { 'buyer', converts = true, final = true },\n"
        "             { 'lost', final = true } },\n"
        "  transitions = { lead = row, browse = { buyer = 0.1 } } }\n");
    static const char *const paths[] = {"transitions.lead.buyer", "transitions.lead.lost",
                                        "transitions.lead.browse"};
    static const double w[] = {2, 5, 3}, W = 10;
    int col[3];
    for (int i = 0; i < 3; i++) col[i] = column_of(m, paths[i]);
    int U = m->uncertain_count;
    for (int method = 0; method < 2; method++) {
        int runs = 20000;
        double *x = malloc((size_t)runs * U * sizeof *x);
        cjm_error err;
        assert_int_equal(
            cjm_sample_inputs(m, runs, 7, method ? CJM_SAMPLING_LHS : CJM_SAMPLING_RANDOM, x, &err),
            CJM_OK);
        for (int r = 0; r < runs; r++) {
            double s = 0;
            for (int i = 0; i < 3; i++) s += x[(size_t)r * U + col[i]];
            if (!(fabs(s - 1) < 1e-12)) fail_msg("run %d: the row sums to %.17g", r, s);
        }
        for (int i = 0; i < 3; i++)
            for (int j = -1; j < 3; j++) {
                if (j >= 0 && j < i) continue;
                /* j = -1: the mean of p_i; else the mean of p_i p_j */
                double sum = 0, sq = 0,
                       want = j < 0 ? w[i] / W : w[i] * (w[j] + (i == j)) / (W * (W + 1));
                for (int r = 0; r < runs; r++) {
                    double v = x[(size_t)r * U + col[i]] * (j < 0 ? 1 : x[(size_t)r * U + col[j]]);
                    sum += v, sq += v * v;
                }
                double mean = sum / runs, sd = sqrt((sq - sum * mean) / (runs - 1));
                char what[96];
                snprintf(what, sizeof what, "%s E[p%d p%d]", method ? "lhs" : "random", i, j);
                tu_check_z(what, mean, want, sd / sqrt(runs), runs - 1);
            }
        free(x);
    }
    cjm_model_free(&m);
}

static void test_dirichlet_errors(void **state_)
{
    (void)state_;
    static const char *const bad[][2] = {
        {"local d = cjm.dirichlet{ b = 1, c = 2 }\n"
         "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true } },\n"
         "  transitions = { a = { b = d.b } } }\n",
         "cjm.dirichlet: entry 'c' is not used (use every entry, as one stage's row)"},
        {"local d = cjm.dirichlet{ b = 1, c = 2 }\n"
         "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true } },\n"
         "  transitions = { a = { b = d.b }, b = { c = d.c } } }\n",
         "the entries of one cjm.dirichlet must be transitions out of one stage"},
        {"local d = cjm.dirichlet{ b = 1, c = 2 }\n"
         "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true } },\n"
         "  transitions = { a = { b = d.b, c = d.c }, b = { c = 0.2 }, }, }\n",
         NULL},
        {"local d = cjm.dirichlet{ b = 1, c = 2, x = 1 }\n"
         "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true } },\n"
         "  transitions = { a = { b = d.b, c = d.c, x = d.x } } }\n",
         "unknown stage 'x'"},
        {"local d = cjm.dirichlet{ b = 1, c = 2 }\n"
         "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 1 },\n"
         "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true },\n"
         "             { 'x', final = true } },\n"
         "  transitions = { a = { b = d.b, c = d.c, x = 1 } } }\n",
         "transitions.a.b: the other transitions out of 'a' sum to 1: they leave no room for "
         "its cjm.dirichlet row"},
        {"local d = cjm.dirichlet{ b = 1 }\nreturn 1\n",
         "cjm.dirichlet: needs two or more entries"},
        {"local d = cjm.dirichlet{ b = 1, c = 0 }\nreturn 1\n", "cjm.dirichlet: c must be > 0"},
        {"local d = cjm.dirichlet{ 1, 2 }\nreturn 1\n", "cjm.dirichlet: keys must be names"},
        {"local d = cjm.dirichlet{ b = 1, c = 2 }\nlocal e = cjm.per_customer(d.b)\nreturn 1\n",
         "a cjm.dirichlet entry is drawn per run, not per customer"},
        {"local d = cjm.dirichlet{ b = 1, c = 2 }\n"
         "cjm.correlate({ d.b, cjm.beta(1, 1) }, { { 1, 0.5 }, { 0.5, 1 } })\nreturn 1\n",
         "entry 1 is a cjm.dirichlet entry"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[1024];
        if (!bad[i][1]) { /* valid */
            cjm_model *m = tu_load_text(bad[i][0]);
            cjm_model_free(&m);
            continue;
        }
        cjm_status st = tu_load_error(bad[i][0], msg, sizeof msg);
        if (st == CJM_OK || !strstr(msg, bad[i][1]))
            fail_msg("case %zu: status %d, '%s', expected '%s'", i, st, msg, bad[i][1]);
    }
}

/* Beside other exits, or with an entry set to a number, a row shares what
 * they leave: in every run, of every variant. */
static void test_dirichlet_room(void **state_)
{
    (void)state_;
    char *scn =
        tu_write_temp("local d = cjm.dirichlet{ b = 2, c = 3, y = 5 }\n"
                      "return cjm.scenario { name = 'd', horizon = 2, cohort = { size = 10 },\n"
                      "  stages = { { 'a' }, { 'b', converts = true }, { 'c', final = true },\n"
                      "             { 'x', final = true }, { 'y', final = true } },\n"
                      "  transitions = { a = { b = d.b, c = d.c, y = d.y, x = 0.2 } },\n"
                      "  variants = { v = { set = { ['transitions.a.b'] = 0.5 } } } }\n");
    char *runs = tu_write_temp("");
    static const struct {
        const char *args;
        int entries;
        double room;
    } cases[] = {{"", 3, 0.8}, {"--variant v", 2, 0.3}, {"--set transitions.a.x=0.6", 3, 0.4}};
    for (size_t i = 0; i < 3; i++) {
        char args[1024], *out, *err;
        snprintf(args, sizeof args, "run %s %s --engine exact --runs 50 --runs-out %s", scn,
                 cases[i].args, runs);
        if (tu_run_cjm(args, &out, &err) != 0) fail_msg("%s: %s", args, err);
        free(out), free(err);
        char *text = tu_read_file(runs), *line = text;
        while (*line == '#') line = strchr(line, '\n') + 1; /* the settings block */
        line = strchr(line, '\n') + 1;                      /* the column names */
        for (int r = 0; r < 50; r++) {
            double v[3] = {0};
            int n = sscanf(line, "%*d,%lf,%lf,%lf", &v[0], &v[1], &v[2]);
            assert_true(n >= cases[i].entries);
            double sum = 0;
            for (int k = 0; k < cases[i].entries; k++) sum += v[k];
            /* --runs-out prints 12 significant digits: 3 values round by 5e-13 each */
            if (!(fabs(sum - cases[i].room) < 2e-12))
                fail_msg("%s run %d: the row sums to %.17g, expected %g", cases[i].args, r + 1, sum,
                         cases[i].room);
            line = strchr(line, '\n') + 1;
        }
        free(text);
    }
    remove(runs), free(runs);
    remove(scn), free(scn);
}

/* ---- the round trip ---- */

/* A known chain over start, a, b, c, conversion, null. */
static const double chain[4][6] = {
    {0, 0.5, 0.3, 0.2, 0, 0},     /* start */
    {0, 0, 0.2, 0.1, 0.2, 0.5},   /* a */
    {0, 0.3, 0, 0.1, 0.1, 0.5},   /* b */
    {0, 0.2, 0.25, 0, 0.3, 0.25}, /* c */
};

static void test_round_trip(void **state_)
{
    (void)state_;
    static const char *const names[] = {"start", "a", "b", "c", "conversion", "null"};
    char *path = tu_write_temp("");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("path;total_conversions;total_null\n", f);
    cjm_rng rng;
    cjm_rng_seed(&rng, 2026, 19);
    for (int k = 0; k < 20000; k++) {
        int s = 0, first = 1;
        for (;;) {
            double u = cjm_rng_uniform(&rng), acc = 0;
            int to = 5;
            for (int j = 0; j < 6; j++)
                if (u < (acc += chain[s][j])) {
                    to = j;
                    break;
                }
            if (to >= 4) {
                fprintf(f, ";%d;%d\n", to == 4, to == 5);
                break;
            }
            fprintf(f, "%s%s", first ? "" : " > ", names[to]);
            first = 0;
            s = to;
        }
    }
    fclose(f);
    cjm_paths_options o = {.prior = 1};
    cjm_paths *p = NULL;
    cjm_error err;
    assert_int_equal(cjm_paths_fit(path, &o, &p, &err), CJM_OK);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 6; j++) {
            if (!cjm_paths_possible(p, i, j)) continue;
            double a, b;
            cjm_paths_posterior(p, i, j, &a, &b);
            char what[64];
            snprintf(what, sizeof what, "%s -> %s", names[i], names[j]);
            tu_check_z(what, a / (a + b), chain[i][j],
                       sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))), 0);
        }
    cjm_paths_free(&p);
    remove(path), free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_by_hand),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_dirichlet_moments),
        cmocka_unit_test(test_dirichlet_errors),
        cmocka_unit_test(test_dirichlet_room),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_attribution_by_hand),
        cmocka_unit_test(test_attribution_shared),
        cmocka_unit_test(tu_fw_verdict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
