/* cmd_fit.c: `cjm fit sbg|bgnbd|paths FILE`: models fitted to data
 * (docs/fitting.md). It parses and prints; the fitting is in
 * core/analyses/fit.c. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

typedef cjm_status (*fit_fn)(const char *, const cjm_fit_options *, cjm_fit **, cjm_error *);

static int fit_model(cli *c, fit_fn fn, const char *data)
{
    cjm_fit_options o = {0};
    cjm_error err;
    cjm_fit *x = NULL;
    const char *periods = cli_extra(c, "--periods");
    long long n;
    if (periods) {
        if (cli_parse_int("--periods", periods, 1, 100000, &n)) return CJM_EUSAGE;
        o.periods = (int)n;
    }
    if (c->format != CJM_FORMAT_TABLE && c->format != CJM_FORMAT_JSON &&
        c->format != CJM_FORMAT_CSV)
        return cli_usage_error("--format: a fit is written as table, json or csv");
    cli_out out;
    cli_out_init(&out, "-o", c->output);
    int rc = cli_out_open(&out, 1, data);
    if (rc) return rc;
    if (fn(data, &o, &x, &err) != CJM_OK) {
        cli_out_discard(&out);
        return cli_fail(&err);
    }
    cjm_status st = CJM_OK;
    if (cli_extra(c, "--fragment"))
        fputs(cjm_fit_fragment(x), out.f);
    else
        st = cjm_report_fit(x, c->format, out.f, &err);
    rc = cli_out_close(&out, st == CJM_OK ? NULL : &err);
    cjm_fit_free(&x);
    return rc;
}

/* cjm fit paths FILE [--prior A]: the scenario, or its counts (json, csv). */
static int fit_paths(cli *c, const char *data)
{
    cjm_paths_options o = {.ignore_null = cli_extra(c, "--ignore-null") != NULL};
    cjm_error err;
    cjm_paths *p = NULL;
    const char *prior = cli_extra(c, "--prior");
    if (prior) {
        char *end;
        o.prior = strtod(prior, &end);
        if (end == prior || *end || !(o.prior > 0 && o.prior <= 1e6))
            return cli_usage_error("--prior: expected a Dirichlet weight above 0 (e.g. 1 or 0.5), "
                                   "got '%s'",
                                   prior);
    }
    if (cli_extra(c, "--periods") || cli_extra(c, "--fragment"))
        return cli_usage_error("%s is for fit sbg and bgnbd",
                               cli_extra(c, "--periods") ? "--periods" : "--fragment");
    if (c->format != CJM_FORMAT_TABLE && c->format != CJM_FORMAT_JSON &&
        c->format != CJM_FORMAT_CSV)
        return cli_usage_error("--format: fit paths writes a scenario (table), json or csv");
    cli_out out;
    cli_out_init(&out, "-o", c->output);
    int rc = cli_out_open(&out, 1, data);
    if (rc) return rc;
    if (cjm_paths_fit(data, &o, &p, &err) != CJM_OK) {
        cli_out_discard(&out);
        return cli_fail(&err);
    }
    cjm_status st = cjm_report_paths(p, c->format, out.f, &err);
    rc = cli_out_close(&out, st == CJM_OK ? NULL : &err);
    cjm_paths_free(&p);
    return rc;
}

static int cmd_fit(cli *c)
{
    const char *kind = c->file;
    if (c->name_count != 1)
        return c->name_count ? cli_usage_error("fit %s: one data file, got %d", kind, c->name_count)
                             : cli_usage_error("fit %s: which data file?", kind);
    const char *data = c->names[0];
    if (strcmp(kind, "paths") == 0) return fit_paths(c, data);
    if (cli_extra(c, "--prior") || cli_extra(c, "--ignore-null"))
        return cli_usage_error("%s is for fit paths",
                               cli_extra(c, "--prior") ? "--prior" : "--ignore-null");
    if (strcmp(kind, "sbg") == 0) return fit_model(c, cjm_fit_sbg, data);
    if (strcmp(kind, "bgnbd") == 0) {
        if (cli_extra(c, "--periods")) return cli_usage_error("--periods is for fit sbg");
        return fit_model(c, cjm_fit_bgnbd, data);
    }
    return cli_usage_error("fit: expected sbg, bgnbd or paths, got '%s'", kind);
}

/* cjm attribution FILE: removal effects and heuristics. */
static int cmd_attribution(cli *c)
{
    cjm_error err;
    cjm_paths *p = NULL;
    if (c->format != CJM_FORMAT_TABLE && c->format != CJM_FORMAT_JSON &&
        c->format != CJM_FORMAT_CSV)
        return cli_usage_error("--format: attribution is written as table, json or csv");
    cli_out out;
    cli_out_init(&out, "-o", c->output);
    int rc = cli_out_open(&out, 1, c->file);
    if (rc) return rc;
    cjm_paths_options o = {.ignore_null = cli_extra(c, "--ignore-null") != NULL};
    if (cjm_attribution(c->file, &o, &p, &err) != CJM_OK) {
        cli_out_discard(&out);
        return cli_fail(&err);
    }
    cjm_status st = cjm_report_attribution(p, c->format, out.f, &err);
    rc = cli_out_close(&out, st == CJM_OK ? NULL : &err);
    cjm_paths_free(&p);
    return rc;
}

static const char *const fit_options[] = {"--periods", "--prior", NULL};
static const char *const fit_flags[] = {"--fragment", "--ignore-null", NULL};
static const char *const ignore_null_flag[] = {"--ignore-null", NULL};

const cli_command cli_fit_commands[] = {
    {"fit", cmd_fit, fit_options, fit_flags, 1, NULL},
    {"attribution", cmd_attribution, NULL, ignore_null_flag, 0, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
