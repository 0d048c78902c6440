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
