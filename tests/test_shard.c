/* Shards through the binary: `run --shard I/N` for N = 1, 3 and 7 on every
 * example scenario (agent engine; the exact engine over uncertain inputs;
 * the cohort engine), merged in shuffled order, give the whole run's bytes
 * in JSON, table and CSV and its --runs-out file; merge refuses a missing,
 * duplicated or foreign part with one line and exit status 1. */
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

static char dir[64];

static int cjm(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *last_err;

/* Runs the binary with the formatted arguments; keeps its stderr. */
static int cjm(const char *fmt, ...)
{
    char args[4096], *out;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    free(last_err);
    int rc = tu_run_cjm(args, &out, &last_err);
    free(out);
    return rc;
}

static void assert_same_file(const char *a, const char *b)
{
    char *x = tu_read_file(a), *y = tu_read_file(b);
    assert_non_null(x);
    assert_non_null(y);
    if (strcmp(x, y) != 0) fail_msg("%s and %s differ", a, b);
    free(x);
    free(y);
}

/* Shards of `run FILE OPTS` merged (in the order 3, 1, 2, ... rotated)
 * against the whole run, in each format. */
static void check_sharded(const char *file, const char *opts, int n)
{
    static const char *const formats[] = {"json", "table", "csv"};
    assert_int_equal(cjm("run %s %s --runs-out %s/whole.csv --format json -o %s/whole.json", file,
                         opts, dir, dir),
                     0);
    for (int i = 1; i <= n; i++)
        if (cjm("run %s %s --shard %d/%d --threads 1 -o %s/part%d.json", file, opts, i, n, dir, i))
            fail_msg("shard %d/%d of %s: %s", i, n, file, last_err);
    char parts[1024] = "";
    size_t o = 0;
    for (int k = 0; k < n; k++) /* shuffled: starting from the middle */
        o += (size_t)snprintf(parts + o, sizeof parts - o, " %s/part%d.json", dir,
                              (k + n / 2) % n + 1);
    for (int f = 0; f < 3; f++) {
        char whole[128], merged[128];
        snprintf(whole, sizeof whole, "%s/whole.%s", dir, formats[f]);
        snprintf(merged, sizeof merged, "%s/merged.%s", dir, formats[f]);
        if (f > 0)
            assert_int_equal(cjm("run %s %s --format %s -o %s", file, opts, formats[f], whole), 0);
        if (cjm("merge%s --format %s -o %s --runs-out %s/merged.csv.runs", parts, formats[f],
                merged, dir))
            fail_msg("merge of %s: %s", file, last_err);
        assert_same_file(whole, merged);
        char runs[128];
        snprintf(runs, sizeof runs, "%s/merged.csv.runs", dir);
        char whole_runs[128];
        snprintf(whole_runs, sizeof whole_runs, "%s/whole.csv", dir);
        if (f == 0) assert_same_file(whole_runs, runs);
    }
}

static const char *const examples[] = {
    "scenarios/beauty_clinic.lua",      "scenarios/wedding_salon.lua", "scenarios/b2b_software.lua",
    "scenarios/online_school.lua",      "scenarios/pram_online.lua",   "scenarios/coffee_shop.lua",
    "scenarios/beauty_clinic_club.lua",
};

static void test_every_example(void **state)
{
    (void)state;
    for (size_t e = 0; e < sizeof examples / sizeof *examples; e++) {
        check_sharded(examples[e], "--runs 14 --customers 1500", 3);
        check_sharded(examples[e], "--runs 14 --customers 1500", 7);
    }
    check_sharded("scenarios/beauty_clinic.lua", "--runs 5 --customers 1500", 1);
}

static void test_other_engines(void **state)
{
    (void)state;
    check_sharded("scenarios/online_school.lua", "--engine exact --runs 21", 7);
    check_sharded("scenarios/online_school.lua", "--engine cohort --runs 9 --sampling lhs", 3);
    check_sharded("scenarios/beauty_clinic.lua", "--engine cohort --runs 6 --variant both_fixes",
                  3);
}

/* An analysis's (or a comparison's) shards merged against it run whole. */
static void check_analysis(const char *cmd, int n)
{
    static const char *const formats[] = {"json", "table", "csv"};
    const char *quiet = strncmp(cmd, "compare", 7) == 0 ? "" : " --quiet";
    for (int i = 1; i <= n; i++)
        if (cjm("%s%s --shard %d/%d -o %s/a%d.json", cmd, quiet, i, n, dir, i))
            fail_msg("shard %d/%d of %s: %s", i, n, cmd, last_err);
    char parts[1024] = "";
    size_t o = 0;
    for (int k = 0; k < n; k++)
        o += (size_t)snprintf(parts + o, sizeof parts - o, " %s/a%d.json", dir, (k + 1) % n + 1);
    for (int f = 0; f < 3; f++) {
        char whole[128], merged[128];
        snprintf(whole, sizeof whole, "%s/awhole.%s", dir, formats[f]);
        snprintf(merged, sizeof merged, "%s/amerged.%s", dir, formats[f]);
        assert_int_equal(cjm("%s%s --format %s -o %s", cmd, quiet, formats[f], whole), 0);
        if (cjm("merge%s --format %s -o %s", parts, formats[f], merged))
            fail_msg("merge of %s: %s", cmd, last_err);
        assert_same_file(whole, merged);
    }
}

static void test_analyses(void **state)
{
    (void)state;
    check_analysis("tornado scenarios/beauty_clinic.lua --runs 4 --customers 1000", 3);
    check_analysis("tornado scenarios/online_school.lua --engine exact", 7);
    check_analysis("morris scenarios/online_school.lua --runs 3 --customers 800 --trajectories 4",
                   3);
    check_analysis("sobol scenarios/beauty_clinic.lua --engine exact --runs 1 --samples 64 "
                   "--param transitions.consult.client=0.3:0.55 "
                   "--param stages.consult.cost=500:1200 --design sobol",
                   7);
    /* a run's part and an analysis's do not mix; sweep has no shards yet */
    assert_int_equal(cjm("run scenarios/beauty_clinic.lua --runs 3 --shard 1/2 -o %s/m1.json", dir),
                     0);
    assert_int_equal(cjm("merge %s/a1.json %s/m1.json", dir, dir), 1);
    assert_non_null(strstr(last_err, "a part of `cjm run`"));
    assert_int_equal(cjm("sweep scenarios/beauty_clinic.lua --param transitions.consult.client="
                         "0.3:0.5:3 --shard 1/2 -o %s/w.json",
                         dir),
                     2);
}

/* compare: every arm's rows of a shard's runs; fixes refuses --shard. */
static void test_compare(void **state)
{
    (void)state;
    check_analysis("compare scenarios/beauty_clinic.lua --runs 7 --customers 1000", 3);
    check_analysis("compare scenarios/online_school.lua --runs 5 --customers 800 --threads 2", 5);
    check_analysis("compare scenarios/coffee_shop.lua --runs 4 --customers 500 --horizon 26", 2);
    check_analysis("compare scenarios/b2b_software.lua --engine exact",
                   3); /* 1 run: empty shards */
    check_analysis("compare scenarios/beauty_clinic.lua --engine cohort --runs 6 both_fixes "
                   "--set transitions.consult.client=0.5",
                   4);
    /* parts of another comparison, a run's part, a missing shard, fixes */
    assert_int_equal(
        cjm("compare scenarios/beauty_clinic.lua --runs 4 --shard 1/2 -o %s/c1.json", dir), 0);
    assert_int_equal(
        cjm("compare scenarios/beauty_clinic.lua --runs 4 --shard 2/2 -o %s/c2.json", dir), 0);
    assert_int_equal(cjm("merge %s/c1.json", dir), 1);
    assert_non_null(strstr(last_err, "shard 2 of 2 is missing"));
    assert_int_equal(cjm("merge %s/c1.json %s/c1.json", dir, dir), 1);
    assert_non_null(strstr(last_err, "are both shard 1 of 2"));
    assert_int_equal(cjm("run scenarios/beauty_clinic.lua --runs 4 --shard 2/2 -o %s/r2.json", dir),
                     0);
    assert_int_equal(cjm("merge %s/c1.json %s/r2.json", dir, dir), 1);
    assert_non_null(strstr(last_err, "not of `cjm compare`"));
    assert_int_equal(
        cjm("fixes scenarios/beauty_clinic.lua --runs 4 --shard 1/2 -o %s/f.json", dir), 2);
    assert_non_null(strstr(last_err, "--shard is not supported"));
    assert_int_equal(cjm("compare scenarios/beauty_clinic.lua --runs 4 --shard 1/2"), 2);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *f = "scenarios/beauty_clinic.lua", *opts = "--runs 6 --customers 500";
    for (int i = 1; i <= 3; i++)
        assert_int_equal(cjm("run %s %s --shard %d/3 -o %s/r%d.json", f, opts, i, dir, i), 0);
    assert_int_equal(cjm("merge %s/r1.json %s/r3.json", dir, dir), 1);
    assert_non_null(strstr(last_err, "shard 2 of 3 is missing"));
    assert_int_equal(cjm("merge %s/r1.json %s/r2.json %s/r2.json %s/r3.json", dir, dir, dir, dir),
                     1);
    assert_non_null(strstr(last_err, "are both shard 2 of 3"));
    assert_int_equal(cjm("run %s %s --seed 9 --shard 2/3 -o %s/s2.json", f, opts, dir), 0);
    assert_int_equal(cjm("merge %s/r1.json %s/s2.json %s/r3.json", dir, dir, dir), 1);
    assert_non_null(strstr(last_err, "another command line"));
    assert_int_equal(cjm("run %s %s --shard 2/4 -o %s/q2.json", f, opts, dir), 0);
    assert_int_equal(cjm("merge %s/r1.json %s/q2.json %s/r3.json", dir, dir, dir), 1);
    assert_non_null(strstr(last_err, "shard 2 of 4"));
    /* the scenario edited between the shards and the merge */
    char *text = tu_read_file(f), copy[128];
    snprintf(copy, sizeof copy, "%s/clinic.lua", dir);
    FILE *w = fopen(copy, "w");
    fputs(text, w);
    fclose(w);
    assert_int_equal(cjm("run %s %s --shard 1/2 -o %s/e1.json", copy, opts, dir), 0);
    assert_int_equal(cjm("run %s %s --shard 2/2 -o %s/e2.json", copy, opts, dir), 0);
    w = fopen(copy, "a");
    fputs("-- edited\n", w);
    fclose(w);
    assert_int_equal(cjm("merge %s/e1.json %s/e2.json", dir, dir), 1);
    assert_non_null(strstr(last_err, "another version of the scenario"));
    free(text);
    /* not a partial file; usage */
    assert_int_equal(cjm("merge %s", f), 1);
    assert_non_null(strstr(last_err, "cannot read the partial result"));
    assert_int_equal(cjm("run %s %s --shard 2/3", f, opts), 2);
    assert_non_null(strstr(last_err, "-o PART is required"));
    assert_int_equal(cjm("run %s %s --shard 4/3 -o %s/x.json", f, opts, dir), 2);
    /* more shards than runs: the extra shards are empty, the merge whole */
    char whole[512], merged[512], parts[4096] = "";
    snprintf(whole, sizeof whole, "%s/few.whole", dir);
    snprintf(merged, sizeof merged, "%s/few.merged", dir);
    assert_int_equal(cjm("run %s --runs 2 --format csv -o %s", f, whole), 0);
    for (int i = 1; i <= 5; i++) {
        size_t len = strlen(parts);
        snprintf(parts + len, sizeof parts - len, " %s/few%d.json", dir, i);
        assert_int_equal(cjm("run %s --runs 2 --shard %d/5 -o %s/few%d.json", f, i, dir, i), 0);
    }
    assert_int_equal(cjm("merge%s --format csv -o %s", parts, merged), 0);
    assert_same_file(whole, merged);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cjm_shard_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    free(last_err);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_example), cmocka_unit_test(test_other_engines),
        cmocka_unit_test(test_analyses),      cmocka_unit_test(test_compare),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
