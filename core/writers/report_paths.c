/* report_paths.c: journey paths counted as a chain (cjm fit paths): the
 * runnable scenario, or the counts as JSON or CSV (docs/fitting.md). */
#include "paths.h"
#include "report.h"

#include <math.h>
#include <string.h>

/* The scenario: one stage per state, each row a cjm.dirichlet posterior. */
static void scenario(const cjm_paths *p, FILE *f)
{
    int S = p->nstates;
    long long size = llround(p->journeys);
    fprintf(f, "--[[\nJourneys fitted by `cjm fit paths` from %s:\n", p->file);
    fprintf(f, "  %d rows, %.0f journeys: %.0f conversions, %.0f without one", p->rows, p->journeys,
            p->conversions, p->journeys - p->conversions);
    if (p->has_value) fprintf(f, "; conversion value %.6g", p->value);
    fprintf(f,
            ".\n  A first-order Markov chain as ChannelAttribution counts it: start -> the "
            "channels\n  of a path in order -> conversion or null; a channel repeated in a "
            "row counts once.\n  Each stage's row is the Dirichlet posterior of its counts "
            "with a prior of %g on\n  every possible transition: cjm.dirichlet{ to = count "
            "+ %g } (each entry\n  beta(count + %g, row total - count - %g)). One step is one "
            "touch; the horizon is\n  the longest path (%d channels) + 1.\n]]\n",
            p->prior, p->prior, p->prior, p->prior, p->max_len);
    fprintf(f, "return cjm.scenario {\n  name = \"Journeys from %s\",\n  step = \"touchpoint\",\n",
            p->file);
    fprintf(f, "  horizon = %d,\n  cohort = { size = %lld },\n  stages = {\n", p->max_len + 1,
            size > 0 ? size : 1);
    for (int i = 0; i < S - 2; i++) fprintf(f, "    { \"%s\" },\n", p->names[i]);
    fputs("    { \"conversion\", converts = true, final = true", f);
    if (p->has_value && p->conversions > 0)
        fprintf(f, ", revenue = %.10g", p->value / p->conversions);
    fputs(" },\n    { \"null\", final = true },\n  },\n  transitions = {\n", f);
    for (int i = 0; i < S - 2; i++) {
        fprintf(f, "    [\"%s\"] = cjm.dirichlet{", p->names[i]);
        for (int j = 0; j < S; j++) {
            if (!cjm_paths_possible(p, i, j)) continue;
            fprintf(f, " [\"%s\"] = %.10g,", p->names[j], cjm_paths_count(p, i, j) + p->prior);
        }
        fputs(" },\n", f);
    }
    fputs("  },\n}\n", f);
}

static json_t *json_paths(const cjm_paths *p)
{
    json_t *doc = json_pack("{s:s, s:i}", "cjm", cjm_version(), "schema", 1);
    json_object_set_new(doc, "fit", json_string("paths"));
    json_object_set_new(doc, "file", json_string(p->file));
    json_object_set_new(doc, "rows", json_integer(p->rows));
    json_object_set_new(doc, "journeys", cjm_json_number(p->journeys));
    json_object_set_new(doc, "conversions", cjm_json_number(p->conversions));
    if (p->has_value) json_object_set_new(doc, "value", cjm_json_number(p->value));
    json_object_set_new(doc, "prior", cjm_json_number(p->prior));
    json_object_set_new(doc, "max_length", json_integer(p->max_len));
    json_t *states = json_array(), *tr = json_array();
    for (int i = 0; i < p->nstates; i++) json_array_append_new(states, json_string(p->names[i]));
    for (int i = 0; i < p->nstates; i++)
        for (int j = 0; j < p->nstates; j++) {
            if (!cjm_paths_possible(p, i, j)) continue;
            double a, b;
            cjm_paths_posterior(p, i, j, &a, &b);
            json_array_append_new(
                tr, json_pack("{s:s, s:s, s:o, s:o, s:o, s:[o, o]}", "from", p->names[i], "to",
                              p->names[j], "count", cjm_json_number(cjm_paths_count(p, i, j)),
                              "mean", cjm_json_number(a / (a + b)), "sd",
                              cjm_json_number(sqrt(a * b / ((a + b) * (a + b) * (a + b + 1)))),
                              "beta", cjm_json_number(a), cjm_json_number(b)));
        }
    json_object_set_new(doc, "states", states);
    json_object_set_new(doc, "transitions", tr);
    return doc;
}

static void csv_paths(const cjm_paths *p, FILE *f)
{
    fputs("from,to,count,mean,sd,beta_a,beta_b\n", f);
    for (int i = 0; i < p->nstates; i++)
        for (int j = 0; j < p->nstates; j++) {
            if (!cjm_paths_possible(p, i, j)) continue;
            double a, b;
            cjm_paths_posterior(p, i, j, &a, &b);
            fprintf(f, "%s,%s,%.12g,%.12g,%.12g,%.12g,%.12g\n", p->names[i], p->names[j],
                    cjm_paths_count(p, i, j), a / (a + b),
                    sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))), a, b);
        }
}

cjm_status cjm_report_paths(const cjm_paths *p, cjm_format fmt, FILE *f, cjm_error *err)
{
    if (fmt == CJM_FORMAT_JSON) return cjm_json_write(json_paths(p), f, err);
    if (fmt == CJM_FORMAT_CSV)
        csv_paths(p, f);
    else if (fmt == CJM_FORMAT_TABLE)
        scenario(p, f);
    else
        return cjm_error_set(err, CJM_EUSAGE, "--format: fit paths writes a scenario, json or csv");
    if (ferror(f)) return cjm_error_set(err, CJM_EIO, "cannot write the report");
    return CJM_OK;
}

/* ---- attribution ---- */

static const char *const attr_fields[] = {"channel_name",
                                          "removal_effects_conversion",
                                          "removal_effects_conversion_value",
                                          "total_conversions",
                                          "total_conversion_value",
                                          "first_touch_conversions",
                                          "first_touch_value",
                                          "last_touch_conversions",
                                          "last_touch_value",
                                          "linear_touch_conversions",
                                          "linear_touch_value"};

static void attr_values(const cjm_attribution_row *r, double *v)
{
    const double x[] = {
        r->removal_effect, r->removal_effect_value, r->conversions, r->value,
        r->first_touch,    r->first_touch_value,    r->last_touch,  r->last_touch_value,
        r->linear_touch,   r->linear_touch_value};
    memcpy(v, x, sizeof x);
}

static void table_attribution(const cjm_paths *p, FILE *f)
{
    int C = p->nstates - 3;
    fprintf(f, "attribution of %s: %.0f journeys, %.6g conversions", p->file, p->journeys,
            p->conversions);
    if (p->has_value) fprintf(f, ", value %.6g", p->value);
    fprintf(f,
            ", %d channels\nMarkov chain (first order, exact absorption): P(conversion) from "
            "start %.4f%%\n\n",
            C, 100 * p->cr);
    fprintf(f, "%-16s %9s %12s %12s %12s %12s %12s\n", "channel", "removal", "markov",
            "markov value", "first touch", "last touch", "linear");
    for (int i = 1; i <= C; i++) {
        cjm_attribution_row r = cjm_paths_attribution(p, i);
        fprintf(f, "%-16s %8.4f%% %12.2f %12.2f %12.2f %12.2f %12.2f\n", r.channel,
                100 * r.removal_effect, r.conversions, r.value, r.first_touch, r.last_touch,
                r.linear_touch);
    }
}

static json_t *json_attribution(const cjm_paths *p)
{
    json_t *doc = json_pack("{s:s, s:i}", "cjm", cjm_version(), "schema", 1);
    json_object_set_new(doc, "attribution", json_string("markov"));
    json_object_set_new(doc, "file", json_string(p->file));
    json_object_set_new(doc, "journeys", cjm_json_number(p->journeys));
    json_object_set_new(doc, "conversions", cjm_json_number(p->conversions));
    json_object_set_new(doc, "value", cjm_json_number(p->value));
    json_object_set_new(doc, "conversion_probability", cjm_json_number(p->cr));
    json_object_set_new(doc, "expected_value", cjm_json_number(p->ev));
    json_t *rows = json_array();
    for (int i = 1; i <= p->nstates - 3; i++) {
        cjm_attribution_row r = cjm_paths_attribution(p, i);
        double v[10];
        attr_values(&r, v);
        json_t *o = json_object();
        json_object_set_new(o, attr_fields[0], json_string(r.channel));
        for (int k = 0; k < 10; k++)
            json_object_set_new(o, attr_fields[k + 1], cjm_json_number(v[k]));
        json_array_append_new(rows, o);
    }
    json_object_set_new(doc, "channels", rows);
    return doc;
}

static void csv_attribution(const cjm_paths *p, FILE *f)
{
    for (int k = 0; k < 11; k++) fprintf(f, "%s%s", k ? "," : "", attr_fields[k]);
    fputc('\n', f);
    for (int i = 1; i <= p->nstates - 3; i++) {
        cjm_attribution_row r = cjm_paths_attribution(p, i);
        double v[10];
        attr_values(&r, v);
        fputs(r.channel, f);
        for (int k = 0; k < 10; k++) fprintf(f, ",%.12g", v[k]);
        fputc('\n', f);
    }
}

cjm_status cjm_report_attribution(const cjm_paths *p, cjm_format fmt, FILE *f, cjm_error *err)
{
    if (!p->attributed)
        return cjm_error_set(err, CJM_EUSAGE, "the paths were not attributed (cjm_attribution)");
    if (fmt == CJM_FORMAT_JSON) return cjm_json_write(json_attribution(p), f, err);
    if (fmt == CJM_FORMAT_CSV)
        csv_attribution(p, f);
    else if (fmt == CJM_FORMAT_TABLE)
        table_attribution(p, f);
    else
        return cjm_error_set(err, CJM_EUSAGE, "--format: attribution is table, json or csv");
    if (ferror(f)) return cjm_error_set(err, CJM_EIO, "cannot write the report");
    return CJM_OK;
}
