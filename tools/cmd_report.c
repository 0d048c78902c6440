/* cmd_report.c: `cjm report FILE [VARIANT...] -o report.html`, the HTML
 * report (docs/report.md). It runs what the page shows (the scenario, the
 * named variants against the baseline, --fixes) and hands the results to
 * the writer, cjm_report_html. */
#include "cli.h"

#include <string.h>

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
    cli_progress bar;
    cli_progress_use(c, &bar, 0);
    if (c->name_count > 0)
        st = cjm_compare_variants(c->file, &opts, c->names, c->name_count, &c->settings, &variants,
                                  &err);
    else if ((st = cjm_model_load(c->file, &opts, &m, &err)) == CJM_OK)
        st = cjm_run(m, &c->settings, &r, &err);
    if (st == CJM_OK && cli_extra(c, "--fixes"))
        st = cjm_compare_fixes(c->file, &opts, &c->settings, &fixes, &err);
    if (st == CJM_OK && so) {
        cjm_sens_options sopt = *cli_sens_options(so);
        sopt.progress = c->settings.progress ? cli_progress_draw : NULL;
        sopt.progress_ctx = &bar;
        c->settings.progress = NULL; /* the tornado's evaluations run in parallel */
        cli_progress_restart(&bar);
        st = cjm_tornado(c->file, &opts, &c->settings, &sopt, &tornado, &err);
    }
    cli_progress_clear(&bar);
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

static const char *const report_flags[] = {"--fixes", "--tornado", "--quiet", NULL};
static const char *const report_options[] = {"--metric", "--param", "--swing", NULL};

const cli_command cli_report_commands[] = {
    {"report", cmd_report, report_options, report_flags, 1, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
