/* cjm: the command line. It parses arguments and prints; everything else is
 * in libcjm (core/). */

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: cjm COMMAND FILE [options]\n"
    "\n"
    "Simulates a customer journey scenario (a Lua file) and reports conversion,\n"
    "CAC, LTV, retention, revenue, cost and profit, with 95% intervals.\n"
    "\n"
    "commands:\n"
    "  run FILE      simulate the scenario and report its metrics\n"
    "  check FILE    validate the scenario and describe the model\n"
    "  compare FILE [VARIANT...]\n"
    "                the baseline against each variant (all of them if none is named),\n"
    "                side by side, with differences, ROI and P(profit up)\n"
    "  fixes FILE    every fix alone against the baseline, ranked by the change in\n"
    "                profit, then the best combination found greedily\n"
    "  sweep FILE --param PATH=FROM:TO:STEPS ...   the metrics over a grid of values\n"
    "  tornado FILE [--swing 20%] [--metric M] [--param PATH ...]   one input at a time\n"
    "  morris FILE [--trajectories R] [--levels 4] [--param PATH=LO:HI ...]   screening\n"
    "  sobol FILE [--samples N] [--design random|sobol] [--param PATH=LO:HI ...]\n"
    "                variance-based indices\n"
    "                (see docs/sensitivity.md; --quiet hides the progress bar)\n"
    "  goal FILE --param PATH --target METRIC=VALUE [--range LO:HI]\n"
    "                the input's value at which the metric reaches the target\n"
    "  optimize FILE --budget B [--metric M]   the best fixes whose cost fits B\n"
    "  voi FILE [VARIANT...] [--group NAME=PATH,PATH ...]\n"
    "                what information on the uncertain inputs is worth (EVPI, EVPPI)\n"
    "                (see docs/decisions.md)\n"
    "  run FILE --shard I/N -o PART   only the I-th of N shares of the runs, as a\n"
    "                partial result; merge PART... [-o FILE] [--format F] then writes\n"
    "                what the whole run writes, byte for byte (see docs/scale.md)\n"
    "  report FILE [VARIANT...] -o REPORT.html [--fixes]\n"
    "                one self-contained HTML page with charts and their tables: the\n"
    "                journey, funnel, retention, cash flow, profit across runs,\n"
    "                variants, fixes, loyalty (cjm report --help; docs/report.md)\n"
    "  fit sbg FILE.csv [--periods N]   shifted-beta-geometric retention fitted to\n"
    "                a survival table (t,alive) or customers (tenure,churned)\n"
    "  fit bgnbd FILE.csv   BG/NBD fitted to frequency,recency,T per customer\n"
    "                (maximum likelihood, standard errors, a scenario fragment;\n"
    "                --fragment prints the fragment alone; see docs/fitting.md)\n"
    "  fit paths FILE.csv [--prior A] [-o journey.lua]   a runnable scenario from\n"
    "                journey paths (path;total_conversions;...): a Markov chain whose\n"
    "                rows are cjm.dirichlet posteriors (--format json|csv: the counts)\n"
    "  attribution FILE.csv   removal effects of each channel, computed exactly from\n"
    "                the paths' Markov chain, and first-touch, last-touch, linear\n"
    "\n"
    "options (run, compare, fixes, report):\n"
    "  --engine agent|exact|cohort\n"
    "                         agent: simulate every customer (default);\n"
    "                         exact: expected values, no sampling;\n"
    "                         cohort: sample the counts in each stage (same distribution\n"
    "                         as agent, cost independent of the cohort size; not for\n"
    "                         cjm.per_customer)\n"
    "  --runs R               independent runs (default 100)\n"
    "  --customers N          cohort size (default: the scenario's)\n"
    "  --horizon H            steps to simulate (default: the scenario's)\n"
    "  --seed S               random seed (default 1)\n"
    "  --threads K            worker threads (default: every core; results do not depend on it)\n"
    "  --set PATH=VALUE       override a scenario value, e.g. --set "
    "transitions.aware.consider=0.3\n"
    "                         (repeatable)\n"
    "  --format table|json|csv  output format (default table)\n"
    "  -o FILE                write the report to FILE instead of standard output; a file\n"
    "                         is replaced only when the report is complete\n"
    "  --variant NAME         run a variant of the scenario (run; the baseline for compare)\n"
    "  --fix BARRIER          apply a barrier's fix (repeatable)\n"
    "  --lua-memory MB        memory cap for the scenario's Lua code (default 256)\n"
    "  --sampling random|lhs  how uncertain inputs are drawn across runs: plain random\n"
    "                         (default) or Latin hypercube\n"
    "  --precision METRIC=REL (run, compare, fixes, sweep) double the runs until the 95%\n"
    "                         interval is within +-REL of the mean (of every difference,\n"
    "                         in comparisons), e.g. conversion=1%; --max-runs N (100000)\n"
    "  --runs-out FILE.csv    (run) one row per run: the uncertain inputs' draws and the\n"
    "                         run's metrics\n"
    "\n"
    "Comparisons use common random numbers: each customer draws the same random\n"
    "numbers in every arm, so a difference is far more precise than either side.\n"
    "\n"
    "  cjm --help, cjm --version\n"
    "\n"
    "Exit status: 0 success, 1 bad scenario (or a failure while running), 2 bad usage.\n";

const char *cli_extra(const cli *c, const char *name)
{
    for (int i = c->extra_count - 1; i >= 0; i--)
        if (strcmp(c->extra[i].name, name) == 0) return c->extra[i].value;
    return NULL;
}

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("cjm: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (cjm --help for usage)\n", stderr);
    va_end(ap);
    return CJM_EUSAGE;
}

int cli_parse_int(const char *opt, const char *text, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        char range[96];
        snprintf(range, sizeof range, "a whole number from %lld to %lld", lo, hi);
        fprintf(stderr, "cjm: %s: expected %s, got '%s' (cjm --help for usage)\n", opt, range,
                text);
        return CJM_EUSAGE;
    }
    *out = v;
    return 0;
}

static int parse_set(cli *c, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || !eq[1])
        return cli_usage_error("--set: expected PATH=VALUE, got '%s'", text);
    if (c->set_count == CLI_MAX) return cli_usage_error("--set: more than %d overrides", CLI_MAX);
    char *path = strndup(text, (size_t)(eq - text));
    if (!path) return cli_usage_error("out of memory");
    c->sets[c->set_count++] = (cjm_override){path, eq + 1};
    return 0;
}

static int parse_engine(cli *c, const char *v)
{
    if (strcmp(v, "agent") == 0)
        c->settings.engine = CJM_ENGINE_AGENT;
    else if (strcmp(v, "exact") == 0)
        c->settings.engine = CJM_ENGINE_EXACT;
    else if (strcmp(v, "cohort") == 0)
        c->settings.engine = CJM_ENGINE_COHORT;
    else
        return cli_usage_error("--engine: expected agent or exact or cohort, got '%s'", v);
    return 0;
}

/* One option with its value; returns 0, or an exit status. */
static int parse_option(cli *c, const char *opt, const char *v)
{
    long long n;
    int rc = 0;
    if (strcmp(opt, "--engine") == 0) return parse_engine(c, v);
    if (strcmp(opt, "--runs") == 0) {
        if (!(rc = cli_parse_int(opt, v, 1, 10000000, &n))) c->settings.runs = (int)n;
    } else if (strcmp(opt, "--customers") == 0) {
        if (!(rc = cli_parse_int(opt, v, 1, 1LL << 53, &n))) c->settings.customers = n;
    } else if (strcmp(opt, "--horizon") == 0) {
        if (!(rc = cli_parse_int(opt, v, 1, 100000, &n))) c->horizon = (int)n;
    } else if (strcmp(opt, "--seed") == 0) {
        if (!(rc = cli_parse_int(opt, v, 0, 0x7fffffffffffffffLL, &n)))
            c->settings.seed = (uint64_t)n;
    } else if (strcmp(opt, "--threads") == 0) {
        if (!(rc = cli_parse_int(opt, v, 1, 1024, &n))) c->settings.threads = (int)n;
    } else if (strcmp(opt, "--set") == 0) {
        rc = parse_set(c, v);
    } else if (strcmp(opt, "--format") == 0) {
        if (cjm_format_parse(v, &c->format))
            rc =
                cli_usage_error("--format: expected table, json, csv, dot or mermaid, got '%s'", v);
    } else if (strcmp(opt, "--sampling") == 0) {
        if (cjm_sampling_parse(v, &c->settings.sampling))
            rc = cli_usage_error("--sampling: expected random or lhs, got '%s'", v);
    } else if (strcmp(opt, "--lua-memory") == 0) {
        if (!(rc = cli_parse_int(opt, v, 1, 1 << 20, &n))) c->lua_memory = (size_t)n << 20;
    } else if (strcmp(opt, "--fix") == 0) {
        if (c->fix_count == CLI_MAX) return cli_usage_error("--fix: more than %d fixes", CLI_MAX);
        c->fixes[c->fix_count++] = v;
    } else if (strcmp(opt, "--variant") == 0) {
        c->variant = v;
    } else if (strcmp(opt, "-o") == 0 || strcmp(opt, "--output") == 0) {
        c->output = v;
    } else {
        rc = cli_usage_error("unknown option '%s'", opt);
    }
    return rc;
}

static const char *const common_options[] = {
    "--engine",  "--runs",    "--customers", "--horizon",    "--seed",
    "--threads", "--set",     "--format",    "-o",           "--output",
    "--fix",     "--variant", "--sampling",  "--lua-memory", NULL};

static int in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0) return 1;
    return 0;
}

static int add_extra(cli *c, const char *name, const char *value)
{
    if (c->extra_count == CLI_MAX) return cli_usage_error("too many options");
    c->extra[c->extra_count++] = (cli_option){name, value};
    return 0;
}

static int add_positional(cli *c, const char *a)
{
    if (!c->file) {
        c->file = a;
        return 0;
    }
    if (!c->cmd->takes_names || c->name_count == CLI_MAX)
        return cli_usage_error("unexpected argument '%s'", a);
    c->names[c->name_count++] = a;
    return 0;
}

/* One option at argv[*i] (with its value, as --opt=value or the next word). */
static int parse_one(cli *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *eq = strchr(a, '='), *value;
    char opt[64];
    if (strncmp(a, "--", 2) == 0 && eq) {
        snprintf(opt, sizeof opt, "%.*s", (int)(eq - a), a);
        value = eq + 1;
    } else {
        snprintf(opt, sizeof opt, "%s", a);
        value = NULL;
    }
    for (const char *const *f = c->cmd->flags; f && *f; f++)
        if (strcmp(*f, opt) == 0)
            return value ? cli_usage_error("%s takes no value", *f) : add_extra(c, *f, "");
    int common = in_list(common_options, opt), extra = in_list(c->cmd->options, opt);
    if (!common && !extra) return cli_usage_error("unknown option '%s'", opt);
    if (!value) {
        if (*i + 1 >= argc) return cli_usage_error("%s needs a value", a);
        value = argv[++*i];
    }
    if (extra) {
        for (const char *const *o = c->cmd->options; *o; o++)
            if (strcmp(*o, opt) == 0) return add_extra(c, *o, value);
    }
    return parse_option(c, opt, value);
}

static int parse_args(cli *c, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        int rc = argv[i][0] != '-' || !argv[i][1] ? add_positional(c, argv[i])
                                                  : parse_one(c, argc, argv, &i);
        if (rc) return rc;
    }
    if (!c->file)
        return strcmp(c->cmd->name, "fit") == 0
                   ? cli_usage_error("fit: which model (sbg, bgnbd or paths) and data file?")
               : strcmp(c->cmd->name, "attribution") == 0
                   ? cli_usage_error("attribution: which paths file?")
                   : cli_usage_error("%s: which scenario file?", c->cmd->name);
    return 0;
}

int cli_fail(const cjm_error *err)
{
    fprintf(stderr, "cjm: %s\n", err->msg);
    return err->code == CJM_EUSAGE ? 2 : err->code == CJM_EINTERRUPT ? 130 : 1;
}

cjm_load_options cli_load_options(const cli *c)
{
    return (cjm_load_options){.sets = c->sets,
                              .set_count = c->set_count,
                              .fixes = c->fixes,
                              .fix_count = c->fix_count,
                              .variant = c->variant,
                              .horizon = c->horizon,
                              .lua_memory = c->lua_memory,
                              .cancel = c->settings.cancel};
}

static int load(const cli *c, cjm_model **m, cjm_error *err)
{
    cjm_load_options opts = cli_load_options(c);
    return cjm_model_load(c->file, &opts, m, err) == CJM_OK ? 0 : cli_fail(err);
}

/* The report's output: -o FILE, or standard output. */
static void report_out(const cli *c, cli_out *o)
{
    cli_out_init(o, "-o", c->output);
}

static int cmd_check(cli *c)
{
    cjm_error err;
    cjm_model *m;
    cli_out o;
    report_out(c, &o);
    int rc = cli_out_open(&o, 1, c->file);
    if (rc) return rc;
    if ((rc = load(c, &m, &err))) {
        cli_out_discard(&o);
        return rc;
    }
    if (c->format == CJM_FORMAT_DOT || c->format == CJM_FORMAT_MERMAID) {
        cjm_status st = cjm_model_graph(m, c->format, o.f, &err);
        cjm_model_free(&m);
        return cli_out_close(&o, st == CJM_OK ? NULL : &err);
    }
    cjm_model_describe(m, o.f);
    fputs("ok: the scenario is valid\n", o.f);
    cjm_model_free(&m);
    return cli_out_close(&o, NULL);
}

/* --precision METRIC=REL and --max-runs N (run, compare, fixes). */
static int parse_precision(const cli *c, cjm_precision *p)
{
    const char *text = cli_extra(c, "--precision"), *max = cli_extra(c, "--max-runs");
    cjm_error err;
    long long n = 0;
    memset(p, 0, sizeof *p);
    if (text && cjm_precision_parse(text, p, &err) != 0) return cli_fail(&err);
    if (max && cli_parse_int("--max-runs", max, 1, 10000000, &n)) return CJM_EUSAGE;
    p->max_runs = (int)n;
    return 0;
}

static cjm_status compare(cli *c, cjm_precision *p, cjm_comparison **cmp, cjm_error *err)
{
    cjm_load_options opts = cli_load_options(c);
    int fixes = strcmp(c->cmd->name, "fixes") == 0;
    if (p->metric[0])
        return cjm_compare_precise(c->file, &opts, c->names, c->name_count, fixes, &c->settings, p,
                                   cmp, err);
    if (fixes) return cjm_compare_fixes(c->file, &opts, &c->settings, cmp, err);
    return cjm_compare_variants(c->file, &opts, c->names, c->name_count, &c->settings, cmp, err);
}

static int cmd_compare(cli *c)
{
    if (c->merge_parts || cli_extra(c, "--shard")) return cli_compare_shard(c);
    cjm_error err;
    cjm_comparison *cmp = NULL;
    cjm_precision p;
    cli_out o;
    report_out(c, &o);
    int rc = parse_precision(c, &p);
    if (!rc) rc = cli_out_open(&o, 1, c->file);
    if (rc) return rc;
    if (compare(c, &p, &cmp, &err) != CJM_OK) {
        cli_out_discard(&o);
        return cli_fail(&err);
    }
    cjm_status st = cjm_report_comparison_precise(cmp, &p, c->format, o.f, &err);
    rc = cli_out_close(&o, st == CJM_OK ? NULL : &err);
    cjm_comparison_free(&cmp);
    return rc;
}

/* The report, then --runs-out's one row per run (out[1], when n is 2). */
static int write_run(const cli *c, const cjm_result *r, const cjm_precision *p, cli_out *out, int n)
{
    cjm_error err;
    cjm_status st = cjm_report_run_precise(r, p, c->format, out[0].f, &err);
    int rc = cli_out_close(&out[0], st == CJM_OK ? NULL : &err);
    if (n < 2) return rc;
    if (rc) {
        cli_out_discard(&out[1]);
        return rc;
    }
    st = cjm_report_runs_csv(r, out[1].f, &err);
    return cli_out_close(&out[1], st == CJM_OK ? NULL : &err);
}

/* Both outputs are open before the run, so that one that cannot be written
 * is found before the work, not after. */
static int cmd_run(cli *c)
{
    cjm_error err;
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    cjm_precision p;
    cli_out out[2];
    const char *runs_out = cli_extra(c, "--runs-out");
    int n = runs_out ? 2 : 1;
    if (cli_extra(c, "--shard")) return cli_run_shard(c);
    report_out(c, &out[0]);
    cli_out_init(&out[1], "--runs-out", runs_out);
    int rc = parse_precision(c, &p);
    if (!rc) rc = cli_out_open(out, n, c->file);
    if (rc) return rc;
    rc = load(c, &m, &err);
    if (!rc && (p.metric[0] ? cjm_run_precise(m, &c->settings, &p, &r, &err)
                            : cjm_run(m, &c->settings, &r, &err)) != CJM_OK)
        rc = cli_fail(&err);
    if (rc)
        for (int i = 0; i < n; i++) cli_out_discard(&out[i]);
    else
        rc = write_run(c, r, &p, out, n);
    cjm_result_free(&r);
    cjm_model_free(&m);
    return rc;
}

static const char *const run_options[] = {"--runs-out", "--precision", "--max-runs", "--shard",
                                          NULL};
static const char *const compare_options[] = {"--precision", "--max-runs", "--shard", NULL};

static const cli_command core_commands[] = {
    {"run", cmd_run, run_options, NULL, 0, NULL},
    {"check", cmd_check, NULL, NULL, 0, NULL},
    {"compare", cmd_compare, compare_options, NULL, 1, NULL},
    {"fixes", cmd_compare, compare_options, NULL, 0, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};

static const cli_command *find_command(const char *name)
{
    const cli_command *lists[] = {core_commands,         cli_sensitivity_commands,
                                  cli_decision_commands, cli_shard_commands,
                                  cli_report_commands,   cli_fit_commands};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++)
        for (const cli_command *cmd = lists[l]; cmd->name; cmd++)
            if (strcmp(cmd->name, name) == 0) return cmd;
    return NULL;
}

/* CJM_SIMD chooses the agent engine's kernel: 0 none (the scalar loop), avx2
 * or avx512 at most that one; unset or anything else, the best the CPU has.
 * The output is the same bytes for every choice. */
static cjm_simd simd_from_environment(void)
{
    const char *v = getenv("CJM_SIMD");
    if (!v) return CJM_SIMD_AUTO;
    if (strcmp(v, "0") == 0) return CJM_SIMD_OFF;
    if (strcmp(v, "avx2") == 0) return CJM_SIMD_AVX2;
    if (strcmp(v, "avx512") == 0) return CJM_SIMD_AVX512;
    return CJM_SIMD_AUTO;
}

/* Ctrl-C asks the run to stop through this token (tools/cli_out.c's SIGINT
 * handler); the run then exits with status 130, leaving any -o file as it
 * was; a second Ctrl-C stops at once. */
static cjm_cancel *interrupt_token;

/* Standard output for --help and --version, checked like any output. */
static int print_text(const char *text)
{
    cli_out o;
    cli_out_init(&o, NULL, NULL);
    int rc = cli_out_open(&o, 1, NULL);
    if (rc) return rc;
    fputs(text, o.f);
    return cli_out_close(&o, NULL);
}

int cli_parse_command(cli *c, const char *command, int n, char **args, cjm_cancel *cancel)
{
    *c = (cli){.settings = cjm_settings_default(), .format = CJM_FORMAT_TABLE};
    c->settings.cancel = cancel;
    c->settings.simd = simd_from_environment();
    if (!(c->cmd = find_command(command))) return cli_usage_error("unknown command '%s'", command);
    c->argc = n;
    c->argv = args;
    return parse_args(c, n, args);
}

/* The command line, run with the interrupt token in place. */
static int run_command(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0)
        return print_text(usage_text);
    if (strcmp(argv[1], "--version") == 0) {
        char text[64];
        snprintf(text, sizeof text, "cjm %s\n", cjm_version());
        return print_text(text);
    }
    const cli_command *cmd = find_command(argv[1]);
    if (cmd && cmd->help && argc == 3 &&
        (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
        return print_text(cmd->help);
    cli c;
    int rc = cli_parse_command(&c, argv[1], argc - 2, argv + 2, interrupt_token);
    if (rc == 0 && (c.format == CJM_FORMAT_DOT || c.format == CJM_FORMAT_MERMAID) &&
        strcmp(c.cmd->name, "check") != 0)
        rc = cli_usage_error("--format %s draws the journey map: it is for check only",
                             c.format == CJM_FORMAT_DOT ? "dot" : "mermaid");
    if (rc == 0) rc = c.cmd->run(&c);
    for (int i = 0; i < c.set_count; i++) free((char *)c.sets[i].path);
    return rc;
}

/* The token is freed before returning (the fuzzer calls main many times in
 * one process), once the signal handlers that reach it are gone. */
static int cli_main(int argc, char **argv)
{
    cli_std_fds_reserve();
    interrupt_token = cjm_cancel_new();
    if (!interrupt_token) return cli_usage_error("out of memory");
    cli_signals_install(interrupt_token);
    int rc = run_command(argc, argv);
    cli_signals_restore();
    cjm_cancel_free(&interrupt_token);
    return rc;
}

#ifdef CJM_MPI
/* Under mpirun the ranks share the work (tools/mpi.c). */
int main(int argc, char **argv)
{
    return cli_mpi_main(argc, argv, cli_main);
}
#else
int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
#endif
