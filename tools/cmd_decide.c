/* cmd_decide.c: the decision commands (goal, optimize, voi). They parse
 * their options and print; the analyses are in core/analyses/decisions.c. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int parse_number(const char *opt, const char *text, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(*out))
        return cli_usage_error("%s: expected a number, got '%s'", opt, text);
    return 0;
}

/* Writes the analysis to -o (or standard output), opened before the work. */
typedef cjm_status (*decide_fn)(const cli *c, const cjm_load_options *lo, const void *o,
                                cjm_decision **x, cjm_error *err);

static int run_decision(cli *c, decide_fn fn, const void *o)
{
    cjm_load_options lo = cli_load_options(c);
    cjm_error err = {0};
    cjm_decision *x = NULL;
    cli_out out;
    cli_out_init(&out, "-o", c->output);
    int rc = cli_out_open(&out, 1, c->file);
    if (rc) return rc;
    if (fn(c, &lo, o, &x, &err) != CJM_OK) {
        cli_out_discard(&out);
        return cli_fail(&err);
    }
    cjm_status st = cjm_report_decision(x, c->format, out.f, &err);
    rc = cli_out_close(&out, st == CJM_OK ? NULL : &err);
    cjm_decision_free(&x);
    return rc;
}

static cjm_status goal(const cli *c, const cjm_load_options *lo, const void *o, cjm_decision **x,
                       cjm_error *err)
{
    return cjm_goal(c->file, lo, &c->settings, o, x, err);
}

/* --param PATH --target METRIC=VALUE [--range LO:HI] */
static int cmd_goal(cli *c)
{
    cjm_goal_options o = {.param = cli_extra(c, "--param")};
    const char *target = cli_extra(c, "--target"), *range = cli_extra(c, "--range");
    if (!o.param) return cli_usage_error("goal: --param PATH is required (the input to move)");
    if (!target)
        return cli_usage_error("goal: --target METRIC=VALUE is required (e.g. profit=1000000)");
    const char *eq = strchr(target, '=');
    if (!eq || eq == target)
        return cli_usage_error("goal: --target: expected METRIC=VALUE, got '%s'", target);
    char metric[64];
    snprintf(metric, sizeof metric, "%.*s", (int)(eq - target), target);
    o.metric = metric;
    int rc = parse_number("--target", eq + 1, &o.target);
    if (!rc && range) {
        const char *colon = strchr(range, ':');
        char lo[64];
        if (!colon) return cli_usage_error("goal: --range: expected LO:HI, got '%s'", range);
        snprintf(lo, sizeof lo, "%.*s", (int)(colon - range), range);
        o.ranged = 1;
        rc = parse_number("--range", lo, &o.lo);
        if (!rc) rc = parse_number("--range", colon + 1, &o.hi);
    }
    return rc ? rc : run_decision(c, goal, &o);
}

static cjm_status optimize(const cli *c, const cjm_load_options *lo, const void *o,
                           cjm_decision **x, cjm_error *err)
{
    return cjm_optimize(c->file, lo, &c->settings, o, x, err);
}

/* --budget B [--metric M] [--search-runs N] */
static int cmd_optimize(cli *c)
{
    cjm_optimize_options o = {.metric = cli_extra(c, "--metric")};
    const char *budget = cli_extra(c, "--budget"), *runs = cli_extra(c, "--search-runs");
    if (!budget) return cli_usage_error("optimize: --budget B is required (the most to spend)");
    int rc = parse_number("--budget", budget, &o.budget);
    long long n;
    if (!rc && runs) {
        rc = cli_parse_int("--search-runs", runs, 1, 1000000, &n);
        o.search_runs = (int)n;
    }
    return rc ? rc : run_decision(c, optimize, &o);
}

static cjm_status voi(const cli *c, const cjm_load_options *lo, const void *o, cjm_decision **x,
                      cjm_error *err)
{
    return cjm_voi(c->file, lo, &c->settings, o, x, err);
}

/* [VARIANT...] [--metric M] [--group NAME=PATH,PATH ...] [--bootstrap N];
 * 1000 runs of the inputs' draws unless --runs says otherwise. */
static int cmd_voi(cli *c)
{
    const char *groups[CLI_MAX];
    cjm_voi_options o = {.metric = cli_extra(c, "--metric"),
                         .variants = c->names,
                         .variant_count = c->name_count,
                         .groups = groups};
    for (int i = 0; i < c->extra_count; i++)
        if (strcmp(c->extra[i].name, "--group") == 0) groups[o.group_count++] = c->extra[i].value;
    long long n;
    const char *boot = cli_extra(c, "--bootstrap"), *runs = cli_extra(c, "--runs");
    c->settings.runs = 1000;
    if (runs && cli_parse_int("--runs", runs, 2, 10000000, &n)) return CJM_EUSAGE;
    if (runs) c->settings.runs = (int)n;
    if (boot && cli_parse_int("--bootstrap", boot, 10, 1000000, &n)) return CJM_EUSAGE;
    if (boot) o.bootstrap = (int)n;
    return run_decision(c, voi, &o);
}

static const char *const goal_options[] = {"--param", "--target", "--range", NULL};
static const char *const optimize_options[] = {"--budget", "--metric", "--search-runs", NULL};
static const char *const voi_options[] = {"--metric", "--group", "--bootstrap", "--runs", NULL};

const cli_command cli_decision_commands[] = {
    {"goal", cmd_goal, goal_options, NULL, 0, NULL},
    {"optimize", cmd_optimize, optimize_options, NULL, 0, NULL},
    {"voi", cmd_voi, voi_options, NULL, 1, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
