/* report_json.c: the JSON document, built with jansson (MIT, Debian's
 * libjansson-dev) rather than by hand, so escaping is always right. */
#include "report.h"

#include <math.h>

json_t *cjm_json_number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *cjm_json_summary(const cjm_summary *s)
{
    return json_pack("{s:o, s:o, s:[o, o], s:o, s:o, s:o}", "mean", cjm_json_number(s->mean), "se",
                     cjm_json_number(s->se), "ci95", cjm_json_number(s->lo), cjm_json_number(s->hi),
                     "p5", cjm_json_number(s->p5), "p50", cjm_json_number(s->p50), "p95",
                     cjm_json_number(s->p95));
}

static json_t *json_metrics(const cjm_metrics *mt)
{
    json_t *obj = json_object();
    for (int i = 0; i < CJM_M_COUNT; i++)
        json_object_set_new(obj, cjm_metric_infos[i].name, cjm_json_summary(&mt->m[i]));
    return obj;
}

static json_t *json_funnel(const cjm_result *r, const cjm_metrics *mt)
{
    json_t *arr = json_array();
    for (int s = 0; s < r->stage_count; s++)
        json_array_append_new(arr, json_pack("{s:s, s:o}", "stage", r->model->stages[s].name,
                                             "reached", cjm_json_summary(&mt->reached[s])));
    return arr;
}

static json_t *json_retention(const cjm_metrics *mt)
{
    json_t *arr = json_array();
    for (int k = 0; k <= mt->horizon; k++) {
        const cjm_summary *s = &mt->retention[k];
        json_array_append_new(arr,
                              json_pack("{s:i, s:o, s:o, s:[o, o]}", "k", k, "mean",
                                        cjm_json_number(s->mean), "se", cjm_json_number(s->se),
                                        "ci95", cjm_json_number(s->lo), cjm_json_number(s->hi)));
    }
    return arr;
}

static json_t *json_arrivals(const cjm_metrics *mt)
{
    json_t *arr = json_array();
    for (int t = 0; t < mt->horizon; t++)
        json_array_append_new(arr, json_pack("{s:i, s:o, s:o}", "t", t, "prospects",
                                             cjm_json_summary(&mt->arrived[t]), "conversion",
                                             cjm_json_summary(&mt->arrival_conversion[t])));
    return arr;
}

/* {"organic": {"prospects": summary, ...}, "referred": {...}} */
static json_t *json_sources(const cjm_metrics *mt)
{
    json_t *doc = json_object();
    for (int src = 0; src < CJM_SOURCES; src++) {
        json_t *o = json_object();
        for (int k = 0; k < CJM_SOURCE_FIELDS; k++)
            json_object_set_new(o, cjm_source_fields[k].name,
                                cjm_json_summary(cjm_source_field(&mt->sources[src], k)));
        json_object_set_new(doc, cjm_source_names[src], o);
    }
    return doc;
}

/* {"mean","se","ci95"} of a series entry. */
static json_t *json_brief(const cjm_summary *s)
{
    return json_pack("{s:o, s:o, s:[o, o]}", "mean", cjm_json_number(s->mean), "se",
                     cjm_json_number(s->se), "ci95", cjm_json_number(s->lo),
                     cjm_json_number(s->hi));
}

static json_t *json_cashflow(const cjm_metrics *mt)
{
    json_t *steps = json_array();
    for (int t = 0; t <= mt->horizon; t++) {
        json_t *row = json_pack("{s:i}", "t", t);
        for (int k = 0; k < CJM_CF_SERIES; k++)
            json_object_set_new(row, cjm_cashflow_names[k], json_brief(&mt->cashflow[k][t]));
        json_array_append_new(steps, row);
    }
    json_t *payback =
        json_pack("{s:o, s:o}", "step", mt->payback >= 0 ? json_integer(mt->payback) : json_null(),
                  "share_paid_back", cjm_json_number(mt->share_paid_back));
    return json_pack("{s:o, s:o}", "payback", payback, "steps", steps);
}

/* The customers who took each transition (edge), with its stages. */
static json_t *json_transitions(const cjm_result *r, const cjm_metrics *mt)
{
    const cjm_model *m = r->model;
    json_t *arr = json_array();
    for (int e = 0; e < mt->edge_count; e++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o}", "path", m->edges[e].path,
                                             "from", m->stages[m->edges[e].from].name, "to",
                                             m->stages[m->edges[e].to].name, "customers",
                                             cjm_json_summary(&mt->moves[e])));
    return arr;
}

static const char *const line_groups[] = {"ads",        "stage",    "fix",
                                          "fixed_cost", "referral", "loyalty"};
_Static_assert(sizeof line_groups / sizeof *line_groups == CJM_LINE_LOYALTY + 1,
               "a name for every line group");
static const char *const money_kinds[CJM_MONEY_KINDS] = {"revenue", "cogs", "cost"};

static json_t *json_breakdown(const cjm_result *r, const cjm_metrics *mt)
{
    json_t *arr = json_array();
    for (int i = 0; i < mt->line_count; i++) {
        json_t *line = cjm_json_summary(&mt->lines[i]);
        json_object_set_new(line, "line", json_string(r->lines[i].path));
        json_object_set_new(line, "kind", json_string(money_kinds[r->lines[i].kind]));
        json_object_set_new(line, "group", json_string(line_groups[r->lines[i].group]));
        json_array_append_new(arr, line);
    }
    return arr;
}

json_t *cjm_json_header(const cjm_model *m, const cjm_settings *s)
{
    json_t *doc = json_pack("{s:s, s:i}", "cjm", cjm_version(), "schema", 1);
    json_object_set_new(
        doc, "scenario",
        json_pack("{s:s, s:s, s:s}", "name", m->name, "file", m->file, "sha256", m->sha256));
    json_object_set_new(doc, "settings",
                        json_pack("{s:s, s:i, s:I, s:i, s:I}", "engine", cjm_engine_name(s->engine),
                                  "runs", s->runs, "customers", (json_int_t)s->customers, "horizon",
                                  s->horizon, "seed", (json_int_t)s->seed));
    if (s->draws == CJM_DRAWS_STAY && s->engine == CJM_ENGINE_AGENT) /* step: left out, as before */
        json_object_set_new(json_object_get(doc, "settings"), "draws", json_string("stay"));
    return doc;
}

json_t *cjm_json_run(const cjm_result *r, const cjm_metrics *mt)
{
    json_t *doc = cjm_json_header(r->model, &r->settings);
    json_object_set_new(doc, "metrics", json_metrics(mt));
    json_object_set_new(doc, "funnel", json_funnel(r, mt));
    json_object_set_new(doc, "retention", json_retention(mt));
    if (mt->by_arrival) json_object_set_new(doc, "arrivals", json_arrivals(mt));
    if (mt->by_source) json_object_set_new(doc, "by_source", json_sources(mt));
    json_object_set_new(doc, "cashflow", json_cashflow(mt));
    json_object_set_new(doc, "breakdown", json_breakdown(r, mt));
    json_object_set_new(doc, "transitions", json_transitions(r, mt));
    if (mt->loyalty.present) json_object_set_new(doc, "loyalty", cjm_json_loyalty(r, mt));
    return doc;
}

cjm_status cjm_json_write(json_t *doc, FILE *f, cjm_error *err)
{
    if (!doc) return cjm_error_set(err, CJM_ENOMEM, "out of memory building the JSON report");
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
    fputc('\n', f);
    json_decref(doc);
    return rc == 0 ? CJM_OK : cjm_error_set(err, CJM_EIO, "cannot write the JSON report");
}
