/* report_fit.c: a fitted model (cjm fit sbg / bgnbd) as a table, JSON or
 * CSV (docs/fitting.md). */
#include "fit.h"
#include "report.h"

#include <math.h>
#include <string.h>

static const char *model_title(const char *model)
{
    return strcmp(model, "sbg") == 0 ? "sBG (shifted-beta-geometric retention)"
                                     : "BG/NBD (beta-geometric / negative binomial purchases)";
}

static void table(const cjm_fit *x, FILE *f)
{
    fprintf(f, "%s fitted to %s\n", model_title(x->model), x->file);
    fprintf(f, "data: %s\n", x->data);
    fprintf(f, "log-likelihood: %.4f\n\n", x->loglik);
    fprintf(f, "%-10s %12s %12s   %s\n", "parameter", "estimate", "se", "95% interval");
    for (int i = 0; i < x->nparams; i++) {
        cjm_fit_param p = cjm_fit_param_at(x, i);
        fprintf(f, "%-10s %12.6g %12.4g   [%.4g, %.4g]\n", p.name, p.estimate, p.se, p.lo, p.hi);
    }
    fputs("\nscenario fragment:\n", f);
    fputs(x->fragment, f);
}

static json_t *json_fit(const cjm_fit *x)
{
    json_t *doc = json_pack("{s:s, s:i}", "cjm", cjm_version(), "schema", 1);
    json_object_set_new(doc, "fit", json_string(x->model));
    json_object_set_new(doc, "file", json_string(x->file));
    json_object_set_new(doc, "data", json_string(x->data));
    json_object_set_new(doc, "observations", json_integer(x->observations));
    json_object_set_new(doc, "log_likelihood", cjm_json_number(x->loglik));
    json_t *params = json_object();
    for (int i = 0; i < x->nparams; i++) {
        cjm_fit_param p = cjm_fit_param_at(x, i);
        json_object_set_new(params, p.name,
                            json_pack("{s:o, s:o, s:[o, o]}", "estimate",
                                      cjm_json_number(p.estimate), "se", cjm_json_number(p.se),
                                      "ci95", cjm_json_number(p.lo), cjm_json_number(p.hi)));
    }
    json_object_set_new(doc, "parameters", params);
    json_object_set_new(doc, "fragment", json_string(x->fragment));
    return doc;
}

static void csv_number(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.12g", v);
    else
        fputs(",", f);
}

static void csv(const cjm_fit *x, FILE *f)
{
    fputs("parameter,estimate,se,ci95_lo,ci95_hi\n", f);
    for (int i = 0; i < x->nparams; i++) {
        cjm_fit_param p = cjm_fit_param_at(x, i);
        fputs(p.name, f);
        csv_number(f, p.estimate);
        csv_number(f, p.se);
        csv_number(f, p.lo);
        csv_number(f, p.hi);
        fputc('\n', f);
    }
    fputs("log_likelihood", f);
    csv_number(f, x->loglik);
    fputs(",,,\n", f);
}

cjm_status cjm_report_fit(const cjm_fit *x, cjm_format fmt, FILE *f, cjm_error *err)
{
    if (fmt == CJM_FORMAT_JSON) return cjm_json_write(json_fit(x), f, err);
    if (fmt == CJM_FORMAT_CSV)
        csv(x, f);
    else if (fmt == CJM_FORMAT_TABLE)
        table(x, f);
    else
        return cjm_error_set(err, CJM_EUSAGE, "--format: a fit is written as table, json or csv");
    if (ferror(f)) return cjm_error_set(err, CJM_EIO, "cannot write the report");
    return CJM_OK;
}
