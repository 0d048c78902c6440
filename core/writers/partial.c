/* partial.c: a shard's partial result file, and the merge of the parts
 * into the whole result (docs/scale.md).
 *
 * A part holds the rows of totals of its runs exactly: numbers are written
 * with 17 significant digits, which read back to the same double, so the
 * merged result is the one the whole run makes and every writer prints the
 * same bytes from it. What a part must share with the others to be merged
 * (the scenario's hash, the command line's arguments, the settings, the
 * number of shards and the layout of a row) is written beside the rows and
 * checked. */
#include "compare.h"
#include "report.h"
#include "sensitivity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PARTIAL_FORMAT "cjm-partial"
#define PARTIAL_VERSION 1

struct cjm_partial {
    char *name; /* the file, for messages */
    json_t *doc;
    const char *command; /* into doc */
    int argc;
    const char **args; /* into doc */
    int index, count;
    int runs, run_from, run_to, width, input_count; /* run */
    int points, point_from, point_to;               /* tornado, morris, sobol */
};

static const char *const engine_names[] = {"agent", "exact", "cohort"};
static const char *const sampling_names[] = {"random", "lhs"};

static json_t *settings_json(const cjm_settings *s)
{
    json_t *o =
        json_pack("{s:s, s:i, s:I, s:i, s:I, s:s}", "engine", engine_names[s->engine], "runs",
                  s->runs, "customers", (json_int_t)s->customers, "horizon", s->horizon, "seed",
                  (json_int_t)s->seed, "sampling", sampling_names[s->sampling]);
    if (s->draws == CJM_DRAWS_STAY && s->engine == CJM_ENGINE_AGENT) /* step: left out, as before */
        json_object_set_new(o, "draws", json_string("stay"));
    return o;
}

static json_t *rows_json(const double *v, int from, int to, int width)
{
    json_t *rows = json_array();
    for (int run = from; run < to; run++) {
        json_t *row = json_array();
        for (int i = 0; i < width; i++) { /* JSON has no NaN: null */
            double x = v[(size_t)run * width + i];
            json_array_append_new(row, isfinite(x) ? json_real(x) : json_null());
        }
        json_array_append_new(rows, row);
    }
    return rows;
}

cjm_status cjm_report_partial(const cjm_result *r, const char *const *args, int argc, FILE *f,
                              cjm_error *err)
{
    const cjm_model *m = r->model;
    json_t *a = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(a, json_string(args[i]));
    int count = r->settings.shard_count > 0 ? r->settings.shard_count : 1;
    json_t *doc = json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:[i, i], s:i, s:i, s:i, s:i}", "format",
        PARTIAL_FORMAT, "version", PARTIAL_VERSION, "cjm", cjm_version(), "command", "run",
        "sha256", m->sha256, "args", a, "settings", settings_json(&r->settings), "shard",
        r->settings.shard_count > 0 ? r->settings.shard_index : 0, count, "run_from", r->run_from,
        "run_to", r->run_to, "width", r->width, "input_count", r->input_count);
    if (!doc) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    json_object_set_new(doc, "totals", rows_json(r->totals, r->run_from, r->run_to, r->width));
    if (r->input_count)
        json_object_set_new(doc, "inputs",
                            rows_json(r->inputs, r->run_from, r->run_to, r->input_count));
    int rc = json_dumpf(doc, f, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc != 0 || fputc('\n', f) == EOF || ferror(f))
        return cjm_error_set(err, CJM_EIO, "cannot write the partial result");
    return CJM_OK;
}

void cjm_partial_free(cjm_partial **pp)
{
    if (!pp || !*pp) return;
    cjm_partial *p = *pp;
    json_decref(p->doc);
    free(p->args);
    free(p->name);
    free(p);
    *pp = NULL;
}

const char *cjm_partial_command(const cjm_partial *p)
{
    return p->command;
}

int cjm_partial_arg_count(const cjm_partial *p)
{
    return p->argc;
}

const char *cjm_partial_arg(const cjm_partial *p, int i)
{
    return i >= 0 && i < p->argc ? p->args[i] : NULL;
}

static cjm_status bad(const char *path, const char *what, cjm_error *err)
{
    return cjm_error_set(err, CJM_ESCENARIO, "%s: not a cjm partial result file (%s)", path, what);
}

static cjm_status read_args(cjm_partial *p, cjm_error *err)
{
    json_t *a = json_object_get(p->doc, "args");
    if (!json_is_array(a)) return bad(p->name, "no \"args\"", err);
    p->argc = (int)json_array_size(a);
    p->args = calloc((size_t)p->argc + 1, sizeof *p->args);
    if (!p->args) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < p->argc; i++) {
        p->args[i] = json_string_value(json_array_get(a, (size_t)i));
        if (!p->args[i]) return bad(p->name, "an argument is not a string", err);
    }
    return CJM_OK;
}

cjm_status cjm_partial_read(const char *path, cjm_partial **out, cjm_error *err)
{
    *out = NULL;
    cjm_partial *p = calloc(1, sizeof *p);
    if (!p || !(p->name = strdup(path))) {
        free(p);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    }
    json_error_t je;
    p->doc = json_load_file(path, 0, &je);
    cjm_status st = CJM_OK;
    const char *format = NULL;
    int version = 0;
    if (!p->doc)
        st = cjm_error_set(err, CJM_EIO, "%s:%d: cannot read the partial result: %s", path, je.line,
                           je.text);
    else if (json_unpack(p->doc, "{s:s, s:i, s:s, s:[i, i]}", "format", &format, "version",
                         &version, "command", &p->command, "shard", &p->index, &p->count) != 0 ||
             strcmp(format, PARTIAL_FORMAT) != 0)
        st = bad(path, "its header is missing or wrong", err);
    else if (strcmp(p->command, "run") == 0 &&
             json_unpack(p->doc, "{s:i, s:i, s:i, s:i, s:{s:i}}", "run_from", &p->run_from,
                         "run_to", &p->run_to, "width", &p->width, "input_count", &p->input_count,
                         "settings", "runs", &p->runs) != 0)
        st = bad(path, "its runs are not described", err);
    else if (strcmp(p->command, "compare") == 0 &&
             (!json_is_array(json_object_get(p->doc, "arms")) ||
              json_unpack(p->doc, "{s:{s:i}}", "settings", "runs", &p->runs) != 0))
        st = bad(path, "its arms are not described", err);
    else if (strcmp(p->command, "run") != 0 && strcmp(p->command, "compare") != 0 &&
             json_unpack(p->doc, "{s:i, s:i, s:i}", "points", &p->points, "point_from",
                         &p->point_from, "point_to", &p->point_to) != 0)
        st = bad(path, "its points are not described", err);
    else if (version != PARTIAL_VERSION)
        st = cjm_error_set(err, CJM_ESCENARIO,
                           "%s: a partial result of version %d; this cjm reads version %d", path,
                           version, PARTIAL_VERSION);
    if (st == CJM_OK) st = read_args(p, err);
    if (st != CJM_OK) {
        cjm_partial_free(&p);
        return st;
    }
    *out = p;
    return CJM_OK;
}

/* Does part p belong with the first part q and the merged result r? */
static cjm_status check_part(const cjm_partial *p, const cjm_partial *q, const cjm_result *r,
                             cjm_error *err)
{
    const char *sha = json_string_value(json_object_get(p->doc, "sha256"));
    if (!sha || strcmp(sha, r->model->sha256) != 0)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: made from another version of the scenario %s (its sha256 "
                             "differs): run every shard on the same file",
                             p->name, r->model->file);
    if (!json_equal(json_object_get(p->doc, "args"), json_object_get(q->doc, "args")))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: made by another command line than %s (the arguments differ)",
                             p->name, q->name);
    json_t *want = settings_json(&r->settings);
    int same = json_equal(json_object_get(p->doc, "settings"), want);
    json_decref(want);
    if (!same)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: made with other settings than the merge's (engine, runs, "
                             "customers, horizon, seed, sampling)",
                             p->name);
    if (p->count != q->count)
        return cjm_error_set(err, CJM_ESCENARIO, "%s: shard %d of %d, but %s is one of %d", p->name,
                             p->index + 1, p->count, q->name, q->count);
    int from = (int)((int64_t)r->runs * p->index / p->count);
    int to = (int)((int64_t)r->runs * (p->index + 1) / p->count);
    if (p->index < 0 || p->index >= p->count || p->run_from != from || p->run_to != to ||
        p->width != r->width || p->input_count != r->input_count)
        return bad(p->name, "its shard's runs or row layout do not match the scenario", err);
    return CJM_OK;
}

static cjm_status fill(const cjm_partial *p, const char *key, double *v, int width, cjm_error *err)
{
    json_t *rows = json_object_get(p->doc, key);
    if (width == 0) return CJM_OK;
    if (!json_is_array(rows) || (int)json_array_size(rows) != p->run_to - p->run_from)
        return bad(p->name, "its rows are missing", err);
    for (int k = 0; k < p->run_to - p->run_from; k++) {
        json_t *row = json_array_get(rows, (size_t)k);
        if (!json_is_array(row) || (int)json_array_size(row) != width)
            return bad(p->name, "a row has the wrong length", err);
        for (int i = 0; i < width; i++) {
            json_t *x = json_array_get(row, (size_t)i);
            if (!json_is_number(x) && !json_is_null(x))
                return bad(p->name, "a total is not a number", err);
            v[(size_t)(p->run_from + k) * width + i] =
                json_is_null(x) ? CJM_NAN : json_number_value(x);
        }
    }
    return CJM_OK;
}

/* At least one part, and every part made by `cjm command`. */
static cjm_status parts_of(const char *command, const cjm_partial *const *parts, int n,
                           cjm_error *err)
{
    if (n < 1) return cjm_error_set(err, CJM_EUSAGE, "merge: no partial results given");
    for (int i = 0; i < n; i++)
        if (strcmp(parts[i]->command, command) != 0)
            return cjm_error_set(err, CJM_ESCENARIO, "%s: a part of `cjm %s`, not of `cjm %s`",
                                 parts[i]->name, parts[i]->command, command);
    return CJM_OK;
}

cjm_status cjm_merge(const cjm_model *m, const cjm_settings *s, const cjm_partial *const *parts,
                     int n, cjm_result **out, cjm_error *err)
{
    *out = NULL;
    cjm_status st = parts_of("run", parts, n, err);
    if (st != CJM_OK) return st;
    cjm_settings whole = *s;
    whole.shard_index = whole.shard_count = 0;
    cjm_result *r = NULL;
    st = cjm_run_prepare(m, &whole, &r, err);
    int N = parts[0]->count;
    const cjm_partial **seen = st == CJM_OK ? calloc((size_t)N + 1, sizeof *seen) : NULL;
    if (st == CJM_OK && !seen) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; st == CJM_OK && i < n; i++) {
        const cjm_partial *p = parts[i];
        st = check_part(p, parts[0], r, err);
        if (st == CJM_OK && seen[p->index])
            st = cjm_error_set(err, CJM_ESCENARIO, "%s and %s are both shard %d of %d",
                               seen[p->index]->name, p->name, p->index + 1, N);
        if (st == CJM_OK) seen[p->index] = p;
        if (st == CJM_OK) st = fill(p, "totals", r->totals, r->width, err);
        /* the inputs' draws are the merge's own (the same seed): check them */
        double *inputs =
            r->input_count ? malloc((size_t)r->runs * r->input_count * sizeof *inputs) : NULL;
        if (st == CJM_OK && r->input_count && !inputs)
            st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
        if (st == CJM_OK) st = fill(p, "inputs", inputs, r->input_count, err);
        for (int run = p->run_from; st == CJM_OK && inputs && run < p->run_to; run++)
            if (memcmp(inputs + (size_t)run * r->input_count,
                       r->inputs + (size_t)run * r->input_count,
                       (size_t)r->input_count * sizeof *inputs) != 0)
                st = cjm_error_set(err, CJM_ESCENARIO,
                                   "%s: its draws of the uncertain inputs differ from this "
                                   "machine's (another build of cjm?)",
                                   p->name);
        free(inputs);
    }
    for (int i = 0; st == CJM_OK && i < N; i++)
        if (!seen[i])
            st = cjm_error_set(err, CJM_ESCENARIO,
                               "merge: shard %d of %d is missing (%d part%s given)", i + 1, N, n,
                               n == 1 ? "" : "s");
    free(seen);
    if (st != CJM_OK) {
        cjm_result_free(&r);
        return st;
    }
    *out = r;
    return CJM_OK;
}

/* ---- compare: every arm's rows of the shard's runs ---- */

static json_t *arm_json(const cjm_arm *a)
{
    const cjm_result *r = a->result;
    json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i}", "name", a->name, "run_from", r->run_from,
                          "run_to", r->run_to, "width", r->width, "input_count", r->input_count);
    if (!o) return NULL;
    json_object_set_new(o, "totals", rows_json(r->totals, r->run_from, r->run_to, r->width));
    if (r->input_count)
        json_object_set_new(o, "inputs",
                            rows_json(r->inputs, r->run_from, r->run_to, r->input_count));
    return o;
}

cjm_status cjm_report_partial_comparison(const cjm_comparison *c, const char *const *args, int argc,
                                         FILE *f, cjm_error *err)
{
    const cjm_result *r = c->base.result;
    if (c->kind != CJM_COMPARE_VARIANTS || r->settings.shard_count < 1)
        return cjm_error_set(err, CJM_EUSAGE,
                             "a partial result needs a shard's comparison of variants");
    json_t *a = json_array(), *arms = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(a, json_string(args[i]));
    json_array_append_new(arms, arm_json(&c->base));
    for (int i = 0; i < c->arm_count; i++) json_array_append_new(arms, arm_json(&c->arms[i]));
    json_t *doc =
        json_pack("{s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:[i, i], s:o}", "format", PARTIAL_FORMAT,
                  "version", PARTIAL_VERSION, "cjm", cjm_version(), "command", "compare", "sha256",
                  r->model->sha256, "args", a, "settings", settings_json(&r->settings), "shard",
                  r->settings.shard_index, r->settings.shard_count, "arms", arms);
    if (!doc) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    int rc = json_dumpf(doc, f, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc != 0 || fputc('\n', f) == EOF || ferror(f))
        return cjm_error_set(err, CJM_EIO, "cannot write the partial result");
    return CJM_OK;
}

/* Part p's rows of one arm as a run's part of its own (what cjm_merge
 * reads): p's header, the arm's rows; q->name says which arm. */
static cjm_status arm_part(const cjm_partial *p, int arm, cjm_partial *q, cjm_error *err)
{
    json_t *arms = json_object_get(p->doc, "arms"), *a = json_array_get(arms, (size_t)arm);
    const char *name = NULL;
    memset(q, 0, sizeof *q);
    if (!json_is_object(a) ||
        json_unpack(a, "{s:s, s:i, s:i, s:i, s:i}", "name", &name, "run_from", &q->run_from,
                    "run_to", &q->run_to, "width", &q->width, "input_count", &q->input_count) != 0)
        return bad(p->name, "an arm is missing or not described", err);
    size_t len = strlen(p->name) + strlen(name) + 16;
    q->name = malloc(len);
    q->doc = json_object();
    if (!q->name || !q->doc) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    snprintf(q->name, len, "%s (arm %s)", p->name, name);
    static const char *const header[] = {"sha256", "args", "settings"};
    for (int i = 0; i < 3; i++)
        json_object_set(q->doc, header[i], json_object_get(p->doc, header[i]));
    json_object_set(q->doc, "totals", json_object_get(a, "totals"));
    if (json_object_get(a, "inputs"))
        json_object_set(q->doc, "inputs", json_object_get(a, "inputs"));
    q->command = "run", q->index = p->index, q->count = p->count, q->runs = p->runs;
    return CJM_OK;
}

typedef struct compare_merge {
    const cjm_partial *const *parts;
    int n;
} compare_merge;

/* The comparison's runner at the merge: arm's rows from every part. */
static cjm_status merge_arm(void *ctx, int arm, const cjm_model *m, const cjm_settings *s,
                            cjm_result **out, cjm_error *err)
{
    const compare_merge *cm = ctx;
    cjm_partial *subs = calloc((size_t)cm->n, sizeof *subs);
    const cjm_partial **views = calloc((size_t)cm->n, sizeof *views);
    cjm_status st = subs && views ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; st == CJM_OK && i < cm->n; i++) {
        st = arm_part(cm->parts[i], arm, &subs[i], err);
        views[i] = &subs[i];
    }
    if (st == CJM_OK) st = cjm_merge(m, s, views, cm->n, out, err);
    for (int i = 0; subs && i < cm->n; i++) {
        json_decref(subs[i].doc);
        free(subs[i].name);
    }
    free(subs);
    free(views);
    return st;
}

/* Every part holds one arm per arm of the comparison, in its order. */
static cjm_status check_arms(const cjm_comparison *c, const cjm_partial *const *parts, int n,
                             cjm_error *err)
{
    for (int i = 0; i < n; i++) {
        json_t *arms = json_object_get(parts[i]->doc, "arms");
        if ((int)json_array_size(arms) != c->arm_count + 1)
            return bad(parts[i]->name, "its arms are not the comparison's", err);
        for (int k = 0; k <= c->arm_count; k++) {
            const char *want = k == 0 ? c->base.name : c->arms[k - 1].name;
            const char *got =
                json_string_value(json_object_get(json_array_get(arms, (size_t)k), "name"));
            if (!got || strcmp(got, want) != 0)
                return bad(parts[i]->name, "its arms are not the comparison's", err);
        }
    }
    return CJM_OK;
}

cjm_status cjm_merge_comparison(const char *path, const cjm_load_options *base,
                                const char *const *variants, int count, const cjm_settings *s,
                                const cjm_partial *const *parts, int n, cjm_comparison **out,
                                cjm_error *err)
{
    *out = NULL;
    cjm_status st = parts_of("compare", parts, n, err);
    if (st != CJM_OK) return st;
    cjm_settings whole = *s;
    whole.shard_index = whole.shard_count = 0;
    compare_merge cm = {parts, n};
    cjm_comparison *c = NULL;
    st = cjm_compare_variants_with(path, base, variants, count, &whole, merge_arm, &cm, &c, err);
    if (st == CJM_OK) st = check_arms(c, parts, n, err);
    if (st != CJM_OK) {
        cjm_comparison_free(&c);
        return st;
    }
    *out = c;
    return CJM_OK;
}

/* ---- tornado, morris, sobol ---- */

cjm_status cjm_report_partial_sensitivity(const cjm_sensitivity *x, const char *const *args,
                                          int argc, FILE *f, cjm_error *err)
{
    static const char *const kinds[] = {"sweep", "tornado", "morris", "sobol"};
    if (x->shard_count < 1 || !x->shard_y)
        return cjm_error_set(err, CJM_EUSAGE, "a partial result needs a shard's analysis");
    json_t *a = json_array(), *y = json_array(), *e = json_array();
    for (int i = 0; i < argc; i++) json_array_append_new(a, json_string(args[i]));
    for (int i = 0; i < x->shard_to - x->shard_from; i++) {
        double v = x->shard_y[i];
        json_array_append_new(y, isfinite(v) ? json_real(v) : json_null());
        json_array_append_new(e,
                              x->shard_errors[i] ? json_string(x->shard_errors[i]) : json_null());
    }
    json_t *doc = json_pack(
        "{s:s, s:i, s:s, s:s, s:s, s:o, s:o, s:[i, i], s:i, s:i, s:i, s:o, s:o}", "format",
        PARTIAL_FORMAT, "version", PARTIAL_VERSION, "cjm", cjm_version(), "command", kinds[x->kind],
        "sha256", x->model->sha256, "args", a, "settings", settings_json(&x->shard_ran), "shard",
        x->shard_index, x->shard_count, "points", x->shard_points, "point_from", x->shard_from,
        "point_to", x->shard_to, "y", y, "errors", e);
    if (!doc) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    int rc = json_dumpf(doc, f, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(doc);
    if (rc != 0 || fputc('\n', f) == EOF || ferror(f))
        return cjm_error_set(err, CJM_EIO, "cannot write the partial result");
    return CJM_OK;
}

/* The settings a part's evaluations ran with, back from JSON. */
static cjm_status part_settings(const cjm_partial *p, cjm_settings *s, cjm_error *err)
{
    const char *engine, *sampling;
    json_int_t customers, seed;
    if (json_unpack(json_object_get(p->doc, "settings"), "{s:s, s:i, s:I, s:i, s:I, s:s}", "engine",
                    &engine, "runs", &s->runs, "customers", &customers, "horizon", &s->horizon,
                    "seed", &seed, "sampling", &sampling) != 0)
        return bad(p->name, "its settings are missing", err);
    s->customers = customers, s->seed = (uint64_t)seed;
    s->engine = strcmp(engine, "exact") == 0    ? CJM_ENGINE_EXACT
                : strcmp(engine, "cohort") == 0 ? CJM_ENGINE_COHORT
                                                : CJM_ENGINE_AGENT;
    s->sampling = strcmp(sampling, "lhs") == 0 ? CJM_SAMPLING_LHS : CJM_SAMPLING_RANDOM;
    const char *draws =
        json_string_value(json_object_get(json_object_get(p->doc, "settings"), "draws"));
    s->draws = draws && strcmp(draws, "stay") == 0 ? CJM_DRAWS_STAY : CJM_DRAWS_STEP;
    return CJM_OK;
}

/* Does part p belong with the first part q of an analysis's shards? */
static cjm_status check_analysis_part(const cjm_partial *p, const cjm_partial *q, cjm_error *err)
{
    const char *sha = json_string_value(json_object_get(p->doc, "sha256"));
    const char *sha0 = json_string_value(json_object_get(q->doc, "sha256"));
    if (strcmp(p->command, q->command) != 0)
        return cjm_error_set(err, CJM_ESCENARIO, "%s: a part of `cjm %s`, %s one of `cjm %s`",
                             p->name, p->command, q->name, q->command);
    if (!sha || !sha0 || strcmp(sha, sha0) != 0)
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: made from another version of the scenario than %s", p->name,
                             q->name);
    if (!json_equal(json_object_get(p->doc, "args"), json_object_get(q->doc, "args")))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: made by another command line than %s (the arguments differ)",
                             p->name, q->name);
    if (p->count != q->count || p->points != q->points)
        return cjm_error_set(err, CJM_ESCENARIO, "%s: shard %d of %d, but %s is one of %d", p->name,
                             p->index + 1, p->count, q->name, q->count);
    int from = (int)((int64_t)p->points * p->index / p->count);
    int to = (int)((int64_t)p->points * (p->index + 1) / p->count);
    if (p->index < 0 || p->index >= p->count || p->point_from != from || p->point_to != to ||
        (int)json_array_size(json_object_get(p->doc, "y")) != to - from ||
        (int)json_array_size(json_object_get(p->doc, "errors")) != to - from)
        return bad(p->name, "its shard's points do not match", err);
    return CJM_OK;
}

/* Every point's value and refusal from the parts; each shard once. */
static cjm_status gather(const cjm_partial *const *parts, int n, double *y, const char **errors,
                         cjm_error *err)
{
    const cjm_partial *q = parts[0];
    const cjm_partial **seen = calloc((size_t)q->count + 1, sizeof *seen);
    cjm_status st = seen ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int i = 0; st == CJM_OK && i < n; i++) {
        const cjm_partial *p = parts[i];
        st = check_analysis_part(p, q, err);
        if (st == CJM_OK && seen[p->index])
            st = cjm_error_set(err, CJM_ESCENARIO, "%s and %s are both shard %d of %d",
                               seen[p->index]->name, p->name, p->index + 1, q->count);
        if (st != CJM_OK) break;
        seen[p->index] = p;
        json_t *py = json_object_get(p->doc, "y"), *pe = json_object_get(p->doc, "errors");
        for (int k = 0; k < p->point_to - p->point_from; k++) {
            json_t *v = json_array_get(py, (size_t)k);
            y[p->point_from + k] = json_is_number(v) ? json_number_value(v) : CJM_NAN;
            errors[p->point_from + k] = json_string_value(json_array_get(pe, (size_t)k));
        }
    }
    for (int i = 0; st == CJM_OK && i < q->count; i++)
        if (!seen[i])
            st = cjm_error_set(err, CJM_ESCENARIO,
                               "merge: shard %d of %d is missing (%d part%s given)", i + 1,
                               q->count, n, n == 1 ? "" : "s");
    free(seen);
    return st;
}

cjm_status cjm_merge_sensitivity(cjm_sensitivity_fn fn, const char *path,
                                 const cjm_load_options *base, const cjm_settings *s,
                                 const cjm_sens_options *o, const cjm_partial *const *parts, int n,
                                 cjm_sensitivity **out, cjm_error *err)
{
    *out = NULL;
    if (n < 1) return cjm_error_set(err, CJM_EUSAGE, "merge: no partial results given");
    int points = parts[0]->points;
    double *y = malloc((size_t)(points + 1) * sizeof *y);
    const char **errors = calloc((size_t)points + 1, sizeof *errors);
    cjm_settings ran = *s;
    cjm_status st = y && errors ? CJM_OK : cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK) st = gather(parts, n, y, errors, err);
    for (int i = 0; st == CJM_OK && i < n; i++) /* as the first evaluation in order ran */
        if (parts[i]->point_from == 0) st = part_settings(parts[i], &ran, err);
    ran.cancel = NULL;
    cjm_sens_options whole = *o;
    whole.shard_index = whole.shard_count = 0;
    whole.given_y = y, whole.given_errors = errors, whole.given_ran = &ran;
    whole.given_count = points;
    cjm_settings plain = *s;
    plain.shard_index = plain.shard_count = 0;
    if (st == CJM_OK) st = fn(path, base, &plain, &whole, out, err);
    const char *sha = json_string_value(json_object_get(parts[0]->doc, "sha256"));
    if (st == CJM_OK && (!sha || strcmp(sha, (*out)->model->sha256) != 0)) {
        st = cjm_error_set(err, CJM_ESCENARIO,
                           "%s: made from another version of the scenario %s (its sha256 "
                           "differs): run every shard on the same file",
                           parts[0]->name, path);
        cjm_sensitivity_free(out);
    }
    free(y);
    free(errors);
    return st;
}
