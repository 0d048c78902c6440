/* cmd_report.c: `cjm report FILE [VARIANT...] -o report.html`, the HTML
 * report (docs/report.md). It runs what the page shows (the scenario, the
 * named variants against the baseline, --fixes) and hands the results to
 * the writer, cjm_report_html. */
#include "cli.h"

#include <string.h>

const char cli_report_help[] =
    "usage: cjm report FILE [VARIANT...] -o REPORT.html [--fixes] [--tornado]\n"
    "                  [--metric M] [--param PATH[=LO:HI]]... [--swing S] [run options]\n"
    "\n"
    "Writes one self-contained HTML page (no network request of any kind: the\n"
    "charting library, Apache ECharts, is inlined) with the scenario, its file's\n"
    "sha256, engine, seed and settings at the top, and interactive charts, each\n"
    "with its numbers in a table beside it:\n"
    "  - the journey as a Sankey diagram: expected customers on every transition;\n"
    "  - the funnel; retention by time since conversion, with its 95% interval;\n"
    "  - cash flow and cumulative profit by step, with the payback step;\n"
    "  - profit across runs (a histogram of the runs' values), and --metric M's;\n"
    "  - with VARIANT names: each variant against the baseline, with intervals\n"
    "    (common random numbers, as cjm compare);\n"
    "  - with --fixes: every fix alone, ranked, and the best set, with ROI (as\n"
    "    cjm fixes; it runs the scenario once per fix);\n"
    "  - with a loyalty program: members, tiers and points;\n"
    "  - with --tornado: each input moved down and up by 20% (--swing S), or\n"
    "    the inputs --param names (over LO:HI when given), ranked by its\n"
    "    effect on profit (--metric M for another metric; as cjm tornado: two\n"
    "    runs of the scenario per input).\n"
    "The same inputs give the same bytes (no timestamps).\n"
    "\n"
    "options: -o FILE (required), --fixes, --tornado, --metric M (its histogram\n"
    "beside profit's, and the tornado's metric; default profit), the tornado's\n"
    "--param and --swing (as cjm tornado), and those of run: --engine, --runs, "
    "--customers, --horizon,\n"
    "--seed, --threads, --set PATH=VALUE, --fix BARRIER, --variant NAME (the\n"
    "baseline), --sampling, --lua-memory (cjm --help).\n"
    "\n"
    "Exit status: 0 success, 1 bad scenario (or a failure while running or\n"
    "writing, or an unknown variant), 2 bad usage (no -o, an unknown option).\n";

static int cmd_report(cli *c)
{
    if (!c->output) return cli_usage_error("report: where to? give -o FILE.html");
    if (c->format != CJM_FORMAT_TABLE)
        return cli_usage_error("report: it writes HTML; --format is not one of its options");
    cjm_error err;
    cjm_load_options opts = cli_load_options(c);
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    cjm_comparison *variants = NULL, *fixes = NULL;
    cjm_sensitivity *tornado = NULL;
    const char *metric = cli_extra(c, "--metric");
    if (metric && cjm_metric_find(metric) < 0)
        return cli_usage_error("--metric: no metric named '%s' (cjm report --help)", metric);
    int rc = 0, torn = cli_extra(c, "--tornado") != NULL;
    if (!torn && (cli_extra(c, "--param") || cli_extra(c, "--swing")))
        return cli_usage_error("report: --param and --swing are the tornado's: add --tornado");
    sens_cli *so = torn ? cli_tornado_parse(c, &rc) : NULL;
    if (rc) return rc;
    cli_out o;
    cli_out_init(&o, "-o", c->output);
    if ((rc = cli_out_open(&o, 1, c->file))) {
        cli_sens_free(so);
        return rc;
    }
    cjm_status st;
    if (c->name_count > 0)
        st = cjm_compare_variants(c->file, &opts, c->names, c->name_count, &c->settings, &variants,
                                  &err);
    else if ((st = cjm_model_load(c->file, &opts, &m, &err)) == CJM_OK)
        st = cjm_run(m, &c->settings, &r, &err);
    if (st == CJM_OK && cli_extra(c, "--fixes"))
        st = cjm_compare_fixes(c->file, &opts, &c->settings, &fixes, &err);
    if (st == CJM_OK && so)
        st = cjm_tornado(c->file, &opts, &c->settings, cli_sens_options(so), &tornado, &err);
    if (st != CJM_OK) {
        cli_out_discard(&o);
        rc = cli_fail(&err);
    } else {
        cjm_html_report rep = {variants ? cjm_comparison_arm_result(variants, 0) : r,
                               variants,
                               fixes,
                               &opts,
                               tornado,
                               metric};
        st = cjm_report_html(&rep, o.f, &err);
        rc = cli_out_close(&o, st == CJM_OK ? NULL : &err);
    }
    cjm_sensitivity_free(&tornado);
    cli_sens_free(so);
    cjm_comparison_free(&fixes);
    cjm_comparison_free(&variants);
    cjm_result_free(&r);
    cjm_model_free(&m);
    return rc;
}

static const char *const report_flags[] = {"--fixes", "--tornado", NULL};
static const char *const report_options[] = {"--metric", "--param", "--swing", NULL};

const cli_command cli_report_commands[] = {
    {"report", cmd_report, report_options, report_flags, 1, cli_report_help},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
