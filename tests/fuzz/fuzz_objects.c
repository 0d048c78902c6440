/* fuzz_objects.c: libFuzzer harness for the module's objects (issue 14).
 *
 * A fixed scenario builds one object of every kind (the eight
 * distributions, a per-customer one, a correlation group) and uses them as
 * probabilities, money and per-customer probabilities. The input, four
 * bytes an edit, chooses edits that the scenario makes to them after they
 * are built: assignments to their fields and to their lists' entries,
 * rawset, setmetatable, their metatables, the correlation matrix, forged
 * look-alikes, new objects from extreme numbers, each in a pcall so that
 * the next edit runs too. The text is loaded; a failure must be one line
 * with a status, and a model must run (the agent engine, 2 runs).
 *
 * The oracle: the objects are read-only, so when every edit chosen was an
 * edit of an existing object (not a replacement), the model must have
 * exactly the inputs (kinds, parameters, discrete values and cumulative
 * weights) and correlation matrices of the scenario without edits. */
#include "cjm.h"
#include "model.h"
#include "script_limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EDITS 64

static const char head[] =
    "local o = { cjm.uniform(0.01, 0.02), cjm.triangular(0.01, 0.015, 0.03),\n"
    "  cjm.pert(0.005, 0.01, 0.02), cjm.beta(2, 300), cjm.normal(50, 5), cjm.lognormal(1, 0.5),\n"
    "  cjm.gamma(2, 3), cjm.discrete{{0.01, 0.02}, {1, 3}} }\n"
    "o[9] = cjm.per_customer(cjm.beta(1, 20))\n"
    "local m = {{1, 0.5}, {0.5, 1}}\n"
    "o[10] = cjm.correlate({o[1], o[4]}, m)\n"
    "local v = { 0, -5, 0/0, 1/0, -1/0, 1e308, -1e308, 0.5, 2, 1e-300, {}, 'abcdefgh', true,\n"
    "  o[1], o[9], m, function() return 0.5 end, setmetatable({}, {__index = function() return 1 "
    "end}),\n"
    "  2^31, -0.0, {0.5}, {{1, 0}, {0, 1}}, 1e15, 1e16, nil }\n"
    "local f = { 'kind', 'params', 'values', 'weights', 'dist', 'correlation', 'per_customer',\n"
    "  'n', 1, 2, 3, 0, '__index', 'matrix', 'line', 'dists' }\n"
    "local function at(t) return o[(t % 10) + 1] end\n";

static const char tail[] =
    "return cjm.scenario {\n"
    "  horizon = 4, cohort = { size = 20 },\n"
    "  stages = { { 'a', cost_per_step = o[6] }, { 'b', revenue = o[5], cogs = o[7] },\n"
    "    { 'c', converts = true }, { 'd', final = true } },\n"
    "  transitions = {\n"
    "    a = { b = o[1], c = o[2], d = o[3] },\n"
    "    b = { c = o[4], d = o[8] },\n"
    "    c = { d = o[9] },\n"
    "  },\n"
    "}\n";

/* The edits: %s is the target, %d a field, %v a value (each an index
 * expression); those marked pure only try to change existing objects. */
static const struct {
    const char *code;
    int pure;
} edits[] = {
    {"at(T)[f[F]] = v[V]", 1},
    {"at(T).params[F] = v[V]", 1},
    {"at(T).values[F] = v[V]", 1},
    {"at(T).weights[F] = v[V]", 1},
    {"rawset(at(T), f[F], v[V])", 1},
    {"setmetatable(at(T), v[V])", 1},
    {"getmetatable(at(T))[f[F]] = v[V]", 1},
    {"m[F % 3][T % 3] = v[V]", 1},
    {"local x = at(T); local s = tostring(x) .. tostring(x.kind) .. #x.params", 1},
    {"for k, y in ipairs(at(T).params) do at(T).params[k] = v[V] end", 1},
    {"at(T).params = nil", 1},
    {"o[T % 10 + 1] = v[V]", 0},
    {"o[T % 10 + 1] = cjm.per_customer(at(F))", 0},
    {"o[T % 10 + 1] = setmetatable({dist = v[V], kind = 'beta', params = {1, 2}}, "
     "getmetatable(at(F)))",
     0},
    {"o[T % 10 + 1] = cjm.discrete{{v[V], 0.02}, {v[F % 25 + 1], 1}}", 0},
    {"o[T % 10 + 1] = cjm.beta(v[V], v[F % 25 + 1])", 0},
    {"o[T % 10 + 1] = cjm.uniform(v[V], v[F % 25 + 1])", 0},
    {"cjm.correlate({at(T), at(F)}, {{1, v[V]}, {v[V], 1}})", 0},
    {"o[T % 10 + 1] = cjm.correlate({at(T), at(F), at(V)}, v[22])", 0},
};
#define EDIT_KINDS (sizeof edits / sizeof edits[0])

static cjm_model *baseline;

static void check_error(const cjm_error *err, cjm_status st)
{
    if (st == CJM_OK || err->code != st || !err->msg[0] || strchr(err->msg, '\n')) {
        fprintf(stderr, "bad error: status %d, code %d, message '%s'\n", st, err->code, err->msg);
        abort();
    }
}

static cjm_status load_text(const char *text, cjm_model **m, cjm_error *err)
{
    cjm_load_options opts = {0};
    opts.lua_memory = (size_t)64 << 20;
    return cjm_model_load_buffer("objects.lua", text, strlen(text), &opts, m, err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cjm_limits_set_defaults(100000, 2.0);
    size_t n = sizeof head + sizeof tail;
    char *text = malloc(n);
    if (!text) abort();
    snprintf(text, n, "%s%s", head, tail);
    cjm_error err = {0};
    if (load_text(text, &baseline, &err) != CJM_OK) {
        fprintf(stderr, "the scenario without edits does not load: %s\n", err.msg);
        abort();
    }
    free(text);
    return 0;
}

static int same_dist(const cjm_dist *a, const cjm_dist *b)
{
    if (a->kind != b->kind || memcmp(a->p, b->p, sizeof a->p) != 0 || a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (a->values[i] != b->values[i] || a->cum[i] != b->cum[i]) return 0;
    return 1;
}

/* The inputs and groups of m are those of the baseline. */
static void check_unchanged(const cjm_model *m)
{
    const cjm_model *b = baseline;
    int same = m->input_count == b->input_count && m->uncertain_count == b->uncertain_count &&
               m->group_count == b->group_count && m->per_customer_count == b->per_customer_count;
    for (int i = 0; same && i < m->input_count; i++)
        same = m->inputs[i].uncertain == b->inputs[i].uncertain &&
               (!m->inputs[i].uncertain || same_dist(&m->inputs[i].dist, &b->inputs[i].dist));
    for (int i = 0; same && i < m->per_customer_count; i++)
        same = same_dist(&m->per_customer[i].dist, &b->per_customer[i].dist);
    for (int g = 0; same && g < m->group_count; g++) {
        int k = m->groups[g].size;
        same = k == b->groups[g].size && memcmp(m->groups[g].matrix, b->groups[g].matrix,
                                                (size_t)k * k * sizeof(double)) == 0;
    }
    if (!same) {
        fprintf(stderr, "edits of read-only objects changed the model\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t count = size / 4 > MAX_EDITS ? MAX_EDITS : size / 4;
    size_t cap = sizeof head + sizeof tail + count * 200 + 1;
    char *text = malloc(cap), *w = text;
    if (!text) abort();
    w += snprintf(w, cap, "%s", head);
    int pure = 1;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *b = data + 4 * i;
        size_t kind = b[0] % EDIT_KINDS;
        pure &= edits[kind].pure;
        char code[160], *c = code;
        for (const char *p = edits[kind].code; *p && c < code + sizeof code - 8; p++) {
            if (*p == 'T' || *p == 'F' || *p == 'V') { /* the byte chosen for it */
                int x = *p == 'T' ? b[1] : *p == 'F' ? b[2] : b[3];
                c += snprintf(c, 8, "%d", *p == 'F' ? x % 16 + 1 : *p == 'V' ? x % 25 + 1 : x);
            } else {
                *c++ = *p;
            }
        }
        *c = '\0';
        w += snprintf(w, cap - (size_t)(w - text), "pcall(function() %s end)\n", code);
    }
    snprintf(w, cap - (size_t)(w - text), "%s", tail);

    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_status st = load_text(text, &m, &err);
    free(text);
    if (st != CJM_OK) {
        check_error(&err, st);
        if (m) abort();
        return 0;
    }
    if (pure) check_unchanged(m);
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_AGENT;
    s.runs = 2;
    s.threads = 1;
    cjm_result *r = NULL;
    st = cjm_run(m, &s, &r, &err);
    if (st != CJM_OK)
        check_error(&err, st);
    else
        cjm_result_free(&r);
    cjm_model_free(&m);
    return 0;
}
