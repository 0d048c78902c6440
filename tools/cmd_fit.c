/* cmd_fit.c: `cjm fit sbg|bgnbd FILE`: models fitted to data
 * (docs/fitting.md). It parses and prints; the fitting is in
 * core/analyses/fit.c. */
#include "cli.h"

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

static int cmd_fit(cli *c)
{
    const char *kind = c->file;
    if (c->name_count != 1)
        return c->name_count ? cli_usage_error("fit %s: one data file, got %d", kind, c->name_count)
                             : cli_usage_error("fit %s: which data file?", kind);
    const char *data = c->names[0];
    if (strcmp(kind, "sbg") == 0) return fit_model(c, cjm_fit_sbg, data);
    if (strcmp(kind, "bgnbd") == 0) {
        if (cli_extra(c, "--periods")) return cli_usage_error("--periods is for fit sbg");
        return fit_model(c, cjm_fit_bgnbd, data);
    }
    return cli_usage_error("fit: expected sbg or bgnbd, got '%s'", kind);
}

static const char *const fit_options[] = {"--periods", NULL};
static const char *const fit_flags[] = {"--fragment", NULL};

const cli_command cli_fit_commands[] = {
    {"fit", cmd_fit, fit_options, fit_flags, 1},
    {NULL, NULL, NULL, NULL, 0},
};
