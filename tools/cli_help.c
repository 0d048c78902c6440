/* cli_help.c: the help of every command, as data: `cjm COMMAND --help`,
 * `cjm help COMMAND` and the man page cjm(1) (`cjm help --man`, which the
 * build runs to write cjm.1) are printed from these tables, so that they
 * say the same and cannot drift from each other. test_cli checks that each
 * command's help names every option its table accepts. */
#include "cli.h"

#include <string.h>

/* The options every scenario command accepts (tools/cjm.c parses them). */
static const cli_help_option run_opts[] = {
    {"--engine", "agent|exact|cohort",
     "agent: simulate every customer (default); exact: expected values, no sampling; cohort: "
     "sample the counts in each stage (same distribution as agent, cost independent of the "
     "cohort size; not for cjm.per_customer)"},
    {"--runs", "R", "independent runs (default 100)"},
    {"--customers", "N", "cohort size (default: the scenario's)"},
    {"--horizon", "H", "steps to simulate (default: the scenario's)"},
    {"--seed", "S", "random seed (default 1)"},
    {"--threads", "K", "worker threads (default: every core; results do not depend on it)"},
    {"--set", "PATH=VALUE",
     "override a scenario value, e.g. --set transitions.aware.consider=0.3 (repeatable)"},
    {"--variant", "NAME", "run a variant of the scenario (for compare: the baseline)"},
    {"--fix", "BARRIER", "apply a barrier's fix (repeatable)"},
    {"--sampling", "random|lhs",
     "how uncertain inputs are drawn across runs: plain random (default) or Latin hypercube"},
    {"--lua-memory", "MB", "memory cap for the scenario's Lua code (default 256)"},
    {"--format", "table|json|csv", "output format (default table)"},
    {"-o", "FILE",
     "write to FILE instead of standard output (also --output); a file is replaced only when "
     "the output is complete"},
    {NULL, NULL, NULL},
};

/* What check, fit, attribution and merge take of them. */
static const char *const load_names[] = {"--set",    "--variant",    "--fix", "--horizon",
                                         "--format", "--lua-memory", "-o",    NULL};
static const char *const out_names[] = {"--format", "-o", NULL};

static const cli_help_option run_own[] = {
    {"--precision", "METRIC=REL",
     "double the runs until the 95% interval is within +-REL of the mean, e.g. conversion=1%"},
    {"--max-runs", "N", "the most runs --precision may reach (default 100000)"},
    {"--runs-out", "FILE.csv", "one row per run: the uncertain inputs' draws and the metrics"},
    {"--shard", "I/N",
     "only the I-th of N shares of the runs, as a partial result for merge (-o PART)"},
    {"--quiet", NULL,
     "no progress bar (it is drawn on standard error only when that is a terminal)"},
    {NULL, NULL, NULL},
};
static const cli_help_option compare_own[] = {
    {"--precision", "METRIC=REL",
     "double the runs until the 95% interval of every difference is within +-REL"},
    {"--max-runs", "N", "the most runs --precision may reach (default 100000)"},
    {"--shard", "I/N",
     "only the I-th of N shares of every arm's runs, as a partial result for merge (-o PART)"},
    {"--quiet", NULL, "no progress bar (drawn on standard error only when it is a terminal)"},
    {NULL, NULL, NULL},
};
static const cli_help_option sweep_own[] = {
    {"--param", "PATH=FROM:TO:STEPS",
     "an input and its grid, e.g. transitions.a.b=0.05:0.2:4 (repeatable)"},
    {"--metric", "M", "the metric to show (default: all)"},
    {"--precision", "METRIC=REL", "runs at each point until the interval is within +-REL"},
    {"--max-runs", "N", "the most runs --precision may reach (default 100000)"},
    {"--quiet", NULL, "no progress bar"},
    {NULL, NULL, NULL},
};
static const cli_help_option tornado_own[] = {
    {"--param", "PATH[=LO:HI]", "an input to move (repeatable; default: every input)"},
    {"--metric", "M", "the metric ranked (default profit)"},
    {"--swing", "P", "how far each input moves down and up, e.g. 20% (default 20%)"},
    {"--shard", "I/N", "only the I-th of N shares of the evaluations, for merge (-o PART)"},
    {"--quiet", NULL, "no progress bar"},
    {NULL, NULL, NULL},
};
static const cli_help_option morris_own[] = {
    {"--param", "PATH[=LO:HI]", "an input and its range (repeatable; default: every input)"},
    {"--metric", "M", "the metric screened (default profit)"},
    {"--trajectories", "R", "Morris trajectories (default 10)"},
    {"--levels", "L", "grid levels, even (default 4)"},
    {"--runs", "R", "agent runs per evaluation (default 20)"},
    {"--shard", "I/N", "only the I-th of N shares of the evaluations, for merge (-o PART)"},
    {"--quiet", NULL, "no progress bar"},
    {NULL, NULL, NULL},
};
static const cli_help_option sobol_own[] = {
    {"--param", "PATH[=LO:HI]", "an input and its range (repeatable; default: every input)"},
    {"--metric", "M", "the metric analysed (default profit)"},
    {"--samples", "N", "base samples (default 1024)"},
    {"--bootstrap", "B", "bootstrap replicates for the intervals (default 1000)"},
    {"--runs", "R", "agent runs per evaluation (default 20)"},
    {"--design", "random|sobol", "the sample design (default random)"},
    {"--shard", "I/N", "only the I-th of N shares of the evaluations, for merge (-o PART)"},
    {"--quiet", NULL, "no progress bar"},
    {NULL, NULL, NULL},
};
static const cli_help_option goal_own[] = {
    {"--param", "PATH", "the input to move (required)"},
    {"--target", "METRIC=VALUE", "the value the metric must reach, e.g. profit=1000000 (required)"},
    {"--range", "LO:HI", "where to search (default: the input's valid range)"},
    {NULL, NULL, NULL},
};
static const cli_help_option optimize_own[] = {
    {"--budget", "B", "the most the fixes may cost (required)"},
    {"--metric", "M", "the metric to maximise (default profit)"},
    {"--search-runs", "N", "exact runs of each set when inputs are uncertain (default 20)"},
    {NULL, NULL, NULL},
};
static const cli_help_option voi_own[] = {
    {"--metric", "M", "the metric decided on (default profit)"},
    {"--group", "NAME=PATH,PATH", "inputs learnt together (repeatable)"},
    {"--bootstrap", "B", "resamples for the EVPPI's standard errors (default 200)"},
    {"--runs", "R", "draws of the uncertain inputs (default 1000)"},
    {NULL, NULL, NULL},
};
static const cli_help_option report_own[] = {
    {"--fixes", NULL, "add every fix alone, ranked, and the best set (as cjm fixes)"},
    {"--tornado", NULL, "add each input moved down and up by 20%, ranked (as cjm tornado)"},
    {"--metric", "M",
     "a histogram of M across runs beside profit's, and the tornado's metric (default profit)"},
    {"--param", "PATH[=LO:HI]",
     "the tornado's inputs (repeatable; default: every input), as cjm tornado"},
    {"--swing", "P", "the tornado's swing, e.g. 10% (default 20%)"},
    {"--quiet", NULL, "no progress bar"},
    {NULL, NULL, NULL},
};
static const cli_help_option fit_own[] = {
    {"--periods", "N", "sbg: fit t = 1..N of a survival table only (default: every row)"},
    {"--fragment", NULL, "sbg, bgnbd: print the scenario fragment alone"},
    {"--prior", "A", "paths: the Dirichlet weight added to every transition (default 1)"},
    {"--ignore-null", NULL, "paths: leave out the paths that end without a conversion"},
    {NULL, NULL, NULL},
};
static const cli_help_option attribution_own[] = {
    {"--ignore-null", NULL, "leave out the paths that end without a conversion"},
    {NULL, NULL, NULL},
};
static const cli_help_option merge_own[] = {
    {"--runs-out", "FILE.csv", "(merging run parts) one row per run, as run --runs-out"},
    {NULL, NULL, NULL},
};
static const cli_help_option none[] = {{NULL, NULL, NULL}};

#define ALL_RUN ((const char *const *)1) /* every option of run_opts */

static const cli_help helps[] = {
    {"run", "FILE [options]", "simulate the scenario and report its metrics",
     "Simulates the scenario (or computes it, --engine exact) and reports conversion, CAC, "
     "LTV, retention, revenue, cost and profit with 95% intervals across the runs.",
     run_own, ALL_RUN, "cjm run scenarios/coffee_shop.lua --runs 200 --variant program"},
    {"check", "FILE [options]", "validate the scenario and describe the model",
     "Loads the scenario (with --set, --variant, --fix), describes its stages, transitions "
     "and discounting, and says ok; --format dot or mermaid draws the journey map instead.",
     none, load_names, "cjm check scenarios/coffee_shop.lua --format mermaid"},
    {"compare", "FILE [VARIANT...] [options]", "the baseline against each variant",
     "Runs the baseline and each named variant (every variant if none is named) with common "
     "random numbers, side by side, with the differences, ROI and P(profit up).",
     compare_own, ALL_RUN, "cjm compare scenarios/coffee_shop.lua program --runs 200"},
    {"fixes", "FILE [options]", "every fix alone against the baseline, ranked",
     "Runs every barrier's fix alone against the baseline, ranks them by the change in profit, "
     "then finds the best combination greedily.",
     compare_own, ALL_RUN, "cjm fixes scenarios/beauty_clinic.lua --runs 100"},
    {"sweep", "FILE --param PATH=FROM:TO:STEPS ... [options]", "the metrics over a grid of values",
     "Runs the scenario at every point of the grid of the --param values.", sweep_own, ALL_RUN,
     "cjm sweep scenarios/coffee_shop.lua --param transitions.passerby.first_cup=0.04:0.08:5"},
    {"tornado", "FILE [--param PATH ...] [options]", "each input moved down and up, ranked",
     "Moves one input at a time down and up by the swing and ranks the inputs by their effect "
     "on the metric (see docs/sensitivity.md).",
     tornado_own, ALL_RUN, "cjm tornado scenarios/coffee_shop.lua --swing 10% --metric ltv"},
    {"morris", "FILE [--param PATH=LO:HI ...] [options]", "Morris screening of the inputs",
     "Elementary effects over trajectories of a grid: which inputs matter, and which interact "
     "(see docs/sensitivity.md).",
     morris_own, ALL_RUN, "cjm morris scenarios/coffee_shop.lua --trajectories 20"},
    {"sobol", "FILE [--param PATH=LO:HI ...] [options]", "variance-based (Sobol) indices",
     "First-order and total Sobol indices of each input, with bootstrap intervals (see "
     "docs/sensitivity.md).",
     sobol_own, ALL_RUN, "cjm sobol scenarios/coffee_shop.lua --samples 256 --design sobol"},
    {"goal", "FILE --param PATH --target METRIC=VALUE [options]",
     "the input's value at which the metric reaches the target",
     "Searches the input's range for the value at which the metric reaches the target (see "
     "docs/decisions.md).",
     goal_own, ALL_RUN,
     "cjm goal scenarios/coffee_shop.lua --param transitions.passerby.first_cup --target "
     "profit=0"},
    {"optimize", "FILE --budget B [options]", "the best fixes whose cost fits the budget",
     "Finds the set of fixes with the highest metric whose cost fits the budget, by the exact "
     "engine over every set, and the greedy set (see docs/decisions.md).",
     optimize_own, ALL_RUN, "cjm optimize scenarios/beauty_clinic.lua --budget 5000"},
    {"voi", "FILE [VARIANT...] [options]", "what information on the uncertain inputs is worth",
     "The expected value of perfect information (EVPI) and of each input or group (EVPPI) for "
     "choosing between the baseline and the variants (see docs/decisions.md).",
     voi_own, ALL_RUN, "cjm voi scenarios/coffee_shop.lua --group demand=cohort.size"},
    {"report", "FILE [VARIANT...] -o REPORT.html [options]",
     "one self-contained HTML page with charts and their tables",
     "Writes one HTML page (no network request: Apache ECharts is inlined) with the scenario, "
     "its sha256 and settings, and charts each with its numbers beside it: the journey as a "
     "Sankey diagram, the funnel, retention, cash flow and cumulative profit, profit across "
     "runs; with VARIANT names each variant against the baseline; --fixes and --tornado add "
     "those analyses; a loyalty program its members, tiers and points. The same inputs give "
     "the same bytes. -o is required; --format is not an option (see docs/report.md).",
     report_own, ALL_RUN, "cjm report scenarios/coffee_shop.lua program -o report.html --fixes"},
    {"fit", "sbg|bgnbd|paths DATA.csv [options]", "models fitted to data",
     "sbg: shifted-beta-geometric retention fitted to a survival table (t,alive) or to "
     "customers (tenure,churned); bgnbd: BG/NBD fitted to frequency,recency,T per customer "
     "(maximum likelihood, standard errors, a scenario fragment); paths: a runnable scenario "
     "from journey paths (path;total_conversions;...), a Markov chain whose rows are "
     "cjm.dirichlet posteriors (--format json|csv: the counts). See docs/fitting.md.",
     fit_own, out_names, "cjm fit sbg tests/data/sbg_regular.csv --fragment"},
    {"attribution", "PATHS.csv [options]", "channel attribution from journey paths",
     "Removal effects of each channel, computed exactly from the paths' Markov chain, and "
     "first-touch, last-touch and linear attribution.",
     attribution_own, out_names, "cjm attribution tests/data/channel_paths.csv --format csv"},
    {"merge", "PART... [options]",
     "join the partial results of run, tornado, morris or sobol --shard",
     "Reads every part written by --shard I/N -o PART and writes what the whole command "
     "writes, byte for byte (see docs/scale.md).",
     merge_own, out_names, "cjm merge part1 part2 part3 -o result.json --format json"},
    {"list", "FILE variants|fixes|barriers|inputs|uncertain|stages|segments|metrics",
     "names, one a line (for scripts and shell completion)",
     "Prints the scenario's names of one kind, one a line: variants, fixes (the barriers with "
     "a fix), barriers, inputs (every number a sensitivity analysis may move, by path), "
     "uncertain, stages, segments, metrics. Without a scenario: `cjm list commands`, `cjm "
     "list metrics`, `cjm list options COMMAND` (every option it takes), `cjm list flags "
     "COMMAND` (those that take no value).",
     none, NULL, "cjm list scenarios/coffee_shop.lua variants"},
    {"help", "[COMMAND]", "the help of a command",
     "Prints the help of COMMAND (as cjm COMMAND "
     "--help), or the list of commands.",
     none, NULL, "cjm help compare"},
    {NULL, NULL, NULL, NULL, NULL, NULL, NULL},
};

const cli_help *cli_help_find(const char *name)
{
    for (const cli_help *h = helps; h->name; h++)
        if (strcmp(h->name, name) == 0) return h;
    return NULL;
}

const cli_help *cli_help_all(void)
{
    return helps;
}

/* Calls fn for each common option h's command takes (in run_opts' order). */
void cli_help_common(const cli_help *h, void (*fn)(void *ctx, const cli_help_option *o), void *ctx)
{
    if (!h->common) return;
    for (const cli_help_option *o = run_opts; o->name; o++) {
        int take = h->common == ALL_RUN;
        for (const char *const *n = take ? NULL : h->common; n && *n && !take; n++)
            take = strcmp(*n, o->name) == 0;
        if (take) fn(ctx, o);
    }
}

/* Writes text wrapped at 78 columns, every line indented by indent. */
static void wrap(FILE *f, const char *text, int indent, int first_col)
{
    int col = first_col;
    for (const char *p = text; *p;) {
        while (*p == ' ') p++;
        size_t len = strcspn(p, " ");
        if (!len) break;
        if (col > indent && col + 1 + (int)len > 78)
            fprintf(f, "\n%*s", indent, ""), col = indent;
        else if (col > indent)
            fputc(' ', f), col++;
        while (col < indent) fputc(' ', f), col++;
        fprintf(f, "%.*s", (int)len, p);
        col += (int)len;
        p += len;
    }
    fputc('\n', f);
}

static void print_option(void *ctx, const cli_help_option *o)
{
    FILE *f = ctx;
    int n = fprintf(f, "  %s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    if (n > 24) fprintf(f, "\n%*s", 26, ""), n = 26;
    wrap(f, o->text, 26, n);
}

void cli_help_print(const cli_help *h, FILE *f)
{
    fprintf(f, "usage: cjm %s %s\n\n", h->name, h->synopsis);
    wrap(f, h->description, 0, 0);
    if (h->options[0].name) {
        fputs("\noptions:\n", f);
        for (const cli_help_option *o = h->options; o->name; o++) print_option(f, o);
    }
    if (h->common) {
        fputs(h->common == ALL_RUN ? "\nrun options:\n" : "\nand of the common options:\n", f);
        cli_help_common(h, print_option, f);
    }
    fprintf(f, "\nexample:\n  %s\n", h->example);
    fputs("\nExit status: 0 success, 1 bad scenario (or a failure while running or writing),\n"
          "2 bad usage (an unknown option, variant or fix), 130 interrupted.\n",
          f);
}

/* ---- the man page ---- */

/* Text with roff's special characters escaped (a backslash, a leading dot
 * or quote, a hyphen as \-). */
static void roff(FILE *f, const char *text)
{
    if (*text == '.' || *text == '\'') fputs("\\&", f);
    for (const char *p = text; *p; p++) {
        if (*p == '\\')
            fputs("\\e", f);
        else if (*p == '-')
            fputs("\\-", f);
        else
            fputc(*p, f);
    }
}

static void man_option(void *ctx, const cli_help_option *o)
{
    FILE *f = ctx;
    fputs(".TP\n.B ", f);
    roff(f, o->name);
    if (o->arg) fputs(" ", f), fputs("\\fI", f), roff(f, o->arg), fputs("\\fR", f);
    fputc('\n', f);
    roff(f, o->text);
    fputc('\n', f);
}

static void man_command(FILE *f, const cli_help *h)
{
    fputs(".SS \"cjm ", f);
    roff(f, h->name);
    fputs(" ", f);
    roff(f, h->synopsis);
    fputs("\"\n", f);
    roff(f, h->description);
    fputc('\n', f);
    for (const cli_help_option *o = h->options; o->name; o++) man_option(f, o);
    if (h->common && h->common != ALL_RUN) {
        fputs(".PP\nAnd of the common options: ", f);
        for (const char *const *n = h->common; *n; n++)
            fprintf(f, "%s\\fB", n == h->common ? "" : ", "), roff(f, *n), fputs("\\fR", f);
        fputs(".\n", f);
    } else if (h->common) {
        fputs(".PP\nAnd the run options (see OPTIONS).\n", f);
    }
    fputs(".PP\nExample:\n.RS\n.nf\n", f);
    roff(f, h->example);
    fputs("\n.fi\n.RE\n", f);
}

void cli_help_man(FILE *f, const char *version)
{
    fprintf(f, ".TH CJM 1 \"\" \"cjm %s\" \"User Commands\"\n", version);
    fputs(".SH NAME\ncjm \\- customer journey Monte Carlo simulator\n"
          ".SH SYNOPSIS\n.B cjm\n\\fICOMMAND\\fR \\fIFILE\\fR [\\fIoptions\\fR]\n"
          ".br\n.B cjm help\n[\\fICOMMAND\\fR]\n"
          ".SH DESCRIPTION\ncjm simulates a customer journey scenario (a Lua file) and reports "
          "conversion, CAC, LTV, retention, revenue, cost and profit, with 95% intervals. "
          "Comparisons use common random numbers: each customer draws the same random numbers "
          "in every arm.\n.SH COMMANDS\n",
          f);
    for (const cli_help *h = helps; h->name; h++) man_command(f, h);
    fputs(".SH OPTIONS\nThe run options, which every scenario command takes:\n", f);
    for (const cli_help_option *o = run_opts; o->name; o++) man_option(f, o);
    fputs(".SH ENVIRONMENT\n.TP\n.B CJM_SIMD\n0, avx2 or avx512: the agent engine's vector "
          "kernel at most (the output is the same bytes for every choice).\n"
          ".SH EXIT STATUS\n0 success; 1 a bad scenario, or a failure while running or "
          "writing; 2 bad usage (an unknown command, option, variant or fix, a bad option "
          "value); 130 interrupted by Ctrl\\-C.\n"
          ".SH FILES\nShell completion: share/bash-completion/completions/cjm and "
          "share/zsh/site-functions/_cjm.\n"
          ".SH SEE ALSO\nThe scenario language and every analysis: docs/*.md in the source "
          "tree.\n",
          f);
}
