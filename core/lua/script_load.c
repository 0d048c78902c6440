/* script_load.c: reads the scenario table into a compiled cjm_model.
 *
 * Every value is checked where it is read, and every error names the file, the
 * line the path is written on and the scenario path. Tables are walked in
 * sorted key order so that the model (and any error) never depends on Lua's
 * hash order, which varies from run to run. */
#include "script_internal.h"

#include "suggest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cjm_loader loader;

static const char *const top_keys[] = {"name",     "description", "step",        "horizon",
                                       "cohort",   "segments",    "stages",      "transitions",
                                       "barriers", "variants",    "acquisition", "costs",
                                       "discount", "loyalty",     NULL};
static const char *const cohort_keys[] = {"size", "cost_per_prospect", "arrivals", NULL};
static const char *const acquisition_keys[] = {"budget_per_step", "cost_per_prospect", NULL};
static const char *const stage_keys[] = {"name",
                                         "cost",
                                         "revenue",
                                         "cost_per_step",
                                         "revenue_per_step",
                                         "cogs",
                                         "cogs_per_step",
                                         "converts",
                                         "final",
                                         "min_steps",
                                         "refers",
                                         "referral_cost",
                                         "refers_to",
                                         "purchases",
                                         "basket",
                                         "basket_cogs",
                                         "purchase_cost",
                                         "refers_segment",
                                         NULL};
static const char *const segment_keys[] = {"name", "share", NULL};
static const char *const no_keys[] = {NULL};

static int in_list(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0) return 1;
    return 0;
}

char *cjm_path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s%s%s", a, *a ? "." : "", b);
    return p;
}

/* Rejects keys outside `allowed` in the table at idx; integer keys 1..n_array
 * are allowed too (a stage's name is its first array item). Of several
 * unknown keys it names the first in alphabetical order: the order of
 * lua_next depends on the Lua state's hash seed, which differs from run to
 * run, and the same file must give the same message. */
cjm_status cjm_loader_check_keys(loader *ld, int idx, const char *path, const char *const *allowed,
                                 lua_Integer n_array)
{
    lua_State *L = ld->L;
    idx = lua_absindex(L, idx);
    int n = 0, others;
    char **keys = cjm_script_sorted_keys(L, idx, &n, &others);
    if (!keys) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int i = 0; i < n && st == CJM_OK; i++) {
        if (in_list(keys[i], allowed)) continue;
        char *p = cjm_path_join(path, keys[i]), hint[256];
        size_t count = 0;
        while (allowed[count]) count++;
        cjm_suggest_hint(hint, sizeof hint, keys[i], "a typo? keys", allowed, count);
        st = cjm_script_fail_at(ld->s, ld->err, p, "unknown key%s", *hint ? hint : " (a typo?)");
        free(p);
    }
    cjm_script_free_keys(keys, n);
    if (st != CJM_OK || !others) return st;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1); /* stack: key */
        if (lua_type(L, -1) != LUA_TSTRING &&
            (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n_array)) {
            lua_pop(L, 1);
            return cjm_script_fail_at(ld->s, ld->err, path, "unexpected entry %s",
                                      "(only named keys are allowed here)");
        }
    }
    return CJM_OK;
}

const char *cjm_loader_stage_hint(const cjm_loader *ld, const char *word, char *buf, size_t n)
{
    const char *names[CJM_MAX_STAGES];
    int count = ld->m->stage_count < CJM_MAX_STAGES ? ld->m->stage_count : CJM_MAX_STAGES;
    for (int s = 0; s < count; s++) names[s] = ld->m->stages[s].name;
    return cjm_suggest_hint(buf, n, word, "stages", names, (size_t)count);
}

static cjm_status check_number(loader *ld, const char *p, double v, double lo, double hi,
                               int integral)
{
    if (!isfinite(v)) return cjm_script_fail_at(ld->s, ld->err, p, "%g is not a finite number", v);
    if (v < lo || v > hi)
        return cjm_script_fail_at(ld->s, ld->err, p, "%.17g is out of range [%g, %g]", v, lo, hi);
    if (integral && v != floor(v))
        return cjm_script_fail_at(ld->s, ld->err, p, "%.17g must be a whole number", v);
    return CJM_OK;
}

/* Reads the optional number t[key] (table at idx) into *out, default def,
 * requiring lo <= value <= hi and, if integral, an integer. With a slot the
 * number is an input of the model and may be a distribution. */
cjm_status cjm_loader_number(loader *ld, int idx, const char *key, const char *path, double def,
                             double lo, double hi, int integral, const cjm_slot *slot, double *out)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, idx, key);
    char *p = cjm_path_join(path, key);
    cjm_status st = CJM_OK;
    *out = def;
    if (type == LUA_TNUMBER) {
        *out = lua_tonumber(L, -1);
        st = check_number(ld, p, *out, lo, hi, integral);
        if (st == CJM_OK && slot) st = cjm_loader_input(ld, p, slot, lo, hi, integral, out);
    } else if (cjm_script_is_dist(L, -1)) {
        st = slot ? cjm_loader_input(ld, p, slot, lo, hi, integral, out)
                  : cjm_script_fail_at(ld->s, ld->err, p, "cannot be uncertain: give a number");
    } else if (type != LUA_TNIL) {
        st = cjm_script_fail_at(ld->s, ld->err, p, "expected a number, got %s",
                                lua_typename(L, type));
    }
    free(p);
    lua_pop(L, 1);
    return st;
}

static cjm_status get_bool(loader *ld, int idx, const char *key, const char *path, bool *out)
{
    int type = lua_getfield(ld->L, idx, key);
    cjm_status st = CJM_OK;
    *out = false;
    if (type == LUA_TBOOLEAN)
        *out = lua_toboolean(ld->L, -1);
    else if (type != LUA_TNIL) {
        char *p = cjm_path_join(path, key);
        st = cjm_script_fail_at(ld->s, ld->err, p, "expected true or false, got %s",
                                lua_typename(ld->L, type));
        free(p);
    }
    lua_pop(ld->L, 1);
    return st;
}

static cjm_status get_string(loader *ld, int idx, const char *key, const char *def, char **out)
{
    int type = lua_getfield(ld->L, idx, key);
    cjm_status st = CJM_OK;
    if (type == LUA_TNIL)
        *out = strdup(def);
    else if (type != LUA_TSTRING)
        st = cjm_script_fail_at(ld->s, ld->err, key, "expected a string, got %s",
                                lua_typename(ld->L, type));
    else
        *out = strdup(lua_tostring(ld->L, -1));
    lua_pop(ld->L, 1);
    if (st == CJM_OK && !*out) st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    return st;
}

/* A stage or segment name is used in paths ("stages.client.revenue") and in
 * barrier specs ("a -> b"), so it may not contain dots, spaces or arrows. */
int cjm_loader_valid_name(const char *name)
{
    if (!*name) return 0;
    for (const char *c = name; *c; c++)
        if (*c == '.' || *c == ' ' || *c == ',' || *c == '"' || *c == '\'' || *c == '>' ||
            (unsigned char)*c < 32)
            return 0;
    return 1;
}

/* The name of an entry { "name", ... } or { name = "..." } at idx, or NULL. */
const char *cjm_loader_entry_name(lua_State *L, int idx)
{
    if (lua_rawgeti(L, idx, 1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_getfield(L, idx, "name");
    }
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    lua_pop(L, 1); /* the string stays alive: it is referenced by the table */
    return name;
}

static cjm_status read_top(loader *ld, int idx)
{
    cjm_model *m = ld->m;
    double v;
    cjm_status st;
    if ((st = cjm_loader_check_keys(ld, idx, "", top_keys, 0)) != CJM_OK) return st;
    if ((st = get_string(ld, idx, "name", "unnamed scenario", &m->name)) != CJM_OK) return st;
    if ((st = get_string(ld, idx, "step", "step", &m->step_name)) != CJM_OK) return st;
    if (lua_getfield(ld->L, idx, "horizon") == LUA_TNIL)
        return cjm_script_fail(ld->s, ld->err, 0, "horizon",
                               "missing: how many steps to simulate (e.g. horizon = 52)");
    lua_pop(ld->L, 1);
    if ((st = cjm_loader_number(ld, idx, "horizon", "", 0, 1, CJM_MAX_HORIZON, 1, NULL, &v)) !=
        CJM_OK)
        return st;
    m->horizon = (int)v;
    return CJM_OK;
}

/* An arrivals spec at the top of the stack: a number per step or function(t). */
static cjm_status read_arrivals_spec(loader *ld, const char *path, int budget)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    m->arrivals_path = path;
    m->arrivals_line = cjm_script_line_of(ld->s, path);
    m->arrivals_budget = budget;
    m->has_arrivals = true;
    if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        ld->s->arrivals_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        return CJM_OK;
    }
    double v = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(v) || v < 0)
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "expected a number >= 0 per step or a function(t)");
    m->arrivals_value = v;
    return CJM_OK;
}

/* acquisition = { budget_per_step = ..., cost_per_prospect = ... }: prospects
 * arrive as the budget is spent. */
static cjm_status read_acquisition(loader *ld, int idx)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, idx, "acquisition");
    int a = lua_gettop(L);
    cjm_status st = CJM_OK;
    static const cjm_slot cpp_slot = {CJM_SLOT_COST_PER_PROSPECT, 0, 0, 0};
    if (type != LUA_TNIL && type != LUA_TTABLE)
        st = cjm_script_fail_at(ld->s, ld->err, "acquisition",
                                "expected { budget_per_step = ..., cost_per_prospect = ... }");
    if (type == LUA_TTABLE) {
        st = cjm_loader_check_keys(ld, a, "acquisition", acquisition_keys, 0);
        if (st == CJM_OK && ld->m->has_arrivals)
            st = cjm_script_fail_at(ld->s, ld->err, "acquisition",
                                    "give either cohort.arrivals or acquisition, not both");
        if (st == CJM_OK && lua_getfield(L, a, "cost_per_prospect") == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, "acquisition",
                                    "acquisition.cost_per_prospect is missing: what one prospect "
                                    "costs");
        lua_settop(L, a);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, a, "cost_per_prospect", "acquisition", 0, 1e-9, HUGE_VAL, 0,
                                   &cpp_slot, &ld->m->cost_per_prospect);
        if (st == CJM_OK && lua_getfield(L, a, "budget_per_step") == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, "acquisition", "budget_per_step is missing");
        else if (st == CJM_OK)
            st = read_arrivals_spec(ld, "acquisition.budget_per_step", 1);
    }
    lua_settop(L, a - 1);
    return st;
}

static cjm_status read_cohort(loader *ld, int idx)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, idx, "cohort");
    lua_getfield(L, idx, "acquisition");
    int acquisition = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (type == LUA_TNIL && acquisition) {
        lua_pop(L, 1);
        return read_acquisition(ld, idx);
    }
    if (type != LUA_TTABLE) {
        lua_pop(L, 1);
        return cjm_script_fail_at(ld->s, ld->err, "cohort",
                                  "missing or not a table: cohort = { size = 10000 }");
    }
    int c = lua_gettop(L);
    double size = 0;
    cjm_status st = cjm_loader_check_keys(ld, c, "cohort", cohort_keys, 0);
    if (st == CJM_OK && lua_getfield(L, c, "arrivals") != LUA_TNIL)
        st = read_arrivals_spec(ld, "cohort.arrivals", 0);
    lua_pop(L, 1);
    if (st == CJM_OK && lua_getfield(L, c, "size") == LUA_TNIL && !ld->m->has_arrivals &&
        !acquisition)
        st = cjm_script_fail_at(ld->s, ld->err, "cohort",
                                "size is missing: how many prospects enter at step 0");
    else if (st == CJM_OK)
        lua_pop(L, 1);
    static const cjm_slot size_slot = {CJM_SLOT_COHORT_SIZE, 0, 0, 0};
    static const cjm_slot cpp_slot = {CJM_SLOT_COST_PER_PROSPECT, 0, 0, 0};
    double min_size = ld->m->has_arrivals || acquisition ? 0 : 1;
    if (st == CJM_OK)
        st = cjm_loader_number(ld, c, "size", "cohort", 0, min_size, 9007199254740992.0, 1,
                               &size_slot, &size);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, c, "cost_per_prospect", "cohort", 0, 0, HUGE_VAL, 0, &cpp_slot,
                               &ld->m->cost_per_prospect);
    if (st == CJM_OK) ld->m->cohort_size = (int64_t)size; /* size may be out of range */
    lua_pop(L, 1);
    if (st == CJM_OK && acquisition) st = read_acquisition(ld, idx);
    return st;
}

static cjm_status read_segment(loader *ld, int idx, int g, double *share_sum)
{
    cjm_model *m = ld->m;
    const char *name = cjm_loader_entry_name(ld->L, idx);
    char path[64];
    snprintf(path, sizeof path, "segments[%d]", g + 1);
    if (!name || !cjm_loader_valid_name(name))
        return cjm_script_fail_at(
            ld->s, ld->err, "segments",
            "%s needs a name without dots or spaces: { \"young\", share = 0.6 }", path);
    if (cjm_model_segment_index(m, name) >= 0)
        return cjm_script_fail_at(ld->s, ld->err, "segments", "segment '%s' is named twice", name);
    m->segment_names[g] = strdup(name);
    char *p = cjm_path_join("segments", name);
    cjm_status st = cjm_loader_check_keys(ld, idx, p, segment_keys, 1);
    if (st == CJM_OK && lua_getfield(ld->L, idx, "share") == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, p, "share is missing");
    else if (st == CJM_OK)
        lua_pop(ld->L, 1);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "share", p, 0, 0, 1, 0, NULL, &m->segment_share[g]);
    free(p);
    *share_sum += m->segment_share[g];
    return st;
}

static cjm_status alloc_segments(cjm_model *m, int n, cjm_error *err)
{
    m->segment_count = n;
    m->segment_names = calloc((size_t)n, sizeof *m->segment_names);
    m->segment_share = calloc((size_t)n, sizeof *m->segment_share);
    if (!m->segment_names || !m->segment_share)
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    return CJM_OK;
}

static cjm_status read_segments(loader *ld, int idx)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int type = lua_getfield(L, idx, "segments");
    cjm_status st = CJM_OK;
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        if ((st = alloc_segments(m, 1, ld->err)) != CJM_OK) return st;
        m->segment_names[0] = strdup("all");
        m->segment_share[0] = 1;
        return m->segment_names[0] ? CJM_OK : cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    }
    int n = type == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    if (n < 1 || n > CJM_MAX_SEGMENTS) {
        lua_pop(L, 1);
        return cjm_script_fail_at(
            ld->s, ld->err, "segments",
            "expected a list of 1 to %d segments: { { \"young\", share = 0.6 }, ... }",
            CJM_MAX_SEGMENTS);
    }
    int list = lua_gettop(L);
    m->has_segments = true;
    m->segments_line = cjm_script_line_of(ld->s, "segments");
    double sum = 0;
    if ((st = alloc_segments(m, n, ld->err)) != CJM_OK) goto done;
    if ((st = cjm_loader_check_keys(ld, list, "segments", no_keys, n)) != CJM_OK) goto done;
    for (int g = 0; g < n && st == CJM_OK; g++) {
        if (lua_rawgeti(L, list, g + 1) != LUA_TTABLE)
            st = cjm_script_fail_at(ld->s, ld->err, "segments", "entry %d is not a table", g + 1);
        else
            st = read_segment(ld, lua_gettop(L), g, &sum);
        lua_pop(L, 1);
    }
    if (st == CJM_OK && fabs(sum - 1) > 1e-9)
        st = cjm_script_fail_at(ld->s, ld->err, "segments", "shares sum to %.12g, not 1", sum);
done:
    lua_pop(L, 1);
    return st;
}

static cjm_status read_stage(loader *ld, int idx, int s)
{
    cjm_stage *st_ = &ld->m->stages[s];
    const char *name = cjm_loader_entry_name(ld->L, idx);
    if (!name || !cjm_loader_valid_name(name))
        return cjm_script_fail_at(ld->s, ld->err, "stages",
                                  "stage %d needs a name without dots or spaces: { \"aware\" }",
                                  s + 1);
    if (cjm_model_stage_index(ld->m, name) >= 0)
        return cjm_script_fail_at(ld->s, ld->err, "stages", "stage '%s' is named twice", name);
    if (!(st_->name = strdup(name))) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    char *p = cjm_path_join("stages", name);
    cjm_status st = cjm_loader_check_keys(ld, idx, p, stage_keys, 1);
    if (st == CJM_OK) st = cjm_loader_stage_money(ld, idx, s, p);
    if (st == CJM_OK) st = get_bool(ld, idx, "converts", p, &st_->converts);
    if (st == CJM_OK) st = get_bool(ld, idx, "final", p, &st_->final);
    if (st == CJM_OK) st = cjm_loader_stage_purchases(ld, idx, s, p);
    double min_steps = 0;
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "min_steps", p, 0, 0, CJM_MAX_HORIZON, 1, NULL, &min_steps);
    if (st == CJM_OK) st_->min_steps = (int)min_steps; /* else it may be out of range */
    ld->m->has_min_steps |= st_->min_steps > 0;
    if (st == CJM_OK) st = cjm_loader_stage_refers(ld, idx, s, p);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "referral_cost", p, 0, 0, HUGE_VAL, 0, NULL,
                               &st_->referral_cost);
    ld->m->has_referrals |= st_->refers > 0;
    free(p);
    return st;
}

static cjm_status check_stage_roles(loader *ld)
{
    cjm_model *m = ld->m;
    int converts = 0;
    for (int s = 0; s < m->stage_count; s++) converts += m->stages[s].converts;
    if (!converts)
        return cjm_script_fail_at(ld->s, ld->err, "stages",
                                  "no stage has converts = true: mark the stage whose first entry "
                                  "counts as a conversion");
    if (m->stages[0].final)
        return cjm_script_fail_at(
            ld->s, ld->err, "stages",
            "the first stage '%s' is final: every prospect would be stuck there",
            m->stages[0].name);
    return CJM_OK;
}

/* refers_to names a stage, so it is read once every stage is known. */
static cjm_status read_referral_targets(loader *ld, int list)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    cjm_status st = CJM_OK;
    for (int s = 0; s < m->stage_count && st == CJM_OK; s++) {
        lua_rawgeti(L, list, s + 1);
        int type = lua_getfield(L, -1, "refers_to");
        char *p = cjm_path_join("stages", m->stages[s].name);
        char *q = p ? cjm_path_join(p, "refers_to") : NULL;
        int to = type == LUA_TSTRING ? cjm_model_stage_index(m, lua_tostring(L, -1)) : -1;
        char hint[512];
        if (type != LUA_TNIL && to < 0)
            st = cjm_script_fail_at(
                ld->s, ld->err, q, "expected the name of a stage%s",
                type == LUA_TSTRING
                    ? cjm_loader_stage_hint(ld, lua_tostring(L, -1), hint, sizeof hint)
                    : "");
        else if (to >= 0 && m->stages[to].final)
            st = cjm_script_fail_at(ld->s, ld->err, q,
                                    "referred prospects cannot start in a final stage");
        m->stages[s].refers_to = to < 0 ? 0 : to;
        free(p);
        free(q);
        lua_pop(L, 2);
    }
    return st;
}

static cjm_status read_stages(loader *ld, int idx)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int type = lua_getfield(L, idx, "stages");
    int n = type == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    if (n < 1 || n > CJM_MAX_STAGES) {
        lua_pop(L, 1);
        return cjm_script_fail_at(ld->s, ld->err, "stages",
                                  "expected a list of 1 to %d stages: { { \"aware\" }, ... }",
                                  CJM_MAX_STAGES);
    }
    int list = lua_gettop(L);
    cjm_status st = cjm_loader_check_keys(ld, list, "stages", no_keys, n);
    m->stages = calloc((size_t)n, sizeof *m->stages);
    m->money = calloc((size_t)n * m->segment_count * CJM_AMOUNTS, sizeof *m->money);
    m->rates = calloc((size_t)n * m->segment_count, sizeof *m->rates);
    ld->s->rate_ref = malloc((size_t)n * m->segment_count * sizeof *ld->s->rate_ref);
    ld->s->refers_ref = malloc((size_t)n * m->segment_count * sizeof *ld->s->refers_ref);
    ld->s->refers_value = calloc((size_t)n * m->segment_count, sizeof *ld->s->refers_value);
    if (!m->stages || !m->money || !m->rates || !ld->s->rate_ref || !ld->s->refers_ref ||
        !ld->s->refers_value)
        st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int i = 0; st == CJM_OK && i < n * m->segment_count; i++)
        ld->s->rate_ref[i] = ld->s->refers_ref[i] = LUA_NOREF;
    for (int s = 0; s < n && st == CJM_OK; s++) {
        m->stage_count = s + 1;
        if (lua_rawgeti(L, list, s + 1) != LUA_TTABLE)
            st = cjm_script_fail_at(ld->s, ld->err, "stages", "entry %d is not a table", s + 1);
        else
            st = read_stage(ld, lua_gettop(L), s);
        lua_pop(L, 1);
    }
    if (st == CJM_OK) st = read_referral_targets(ld, list);
    lua_pop(L, 1);
    return st == CJM_OK ? check_stage_roles(ld) : st;
}

/* Reads one probability (a number, a distribution or a function) for segment
 * g of edge e, or for every segment when g is -1. */
static cjm_status read_prob_value(loader *ld, cjm_edge *e, int g, const char *path)
{
    lua_State *L = ld->L;
    int type = lua_type(L, -1);
    int g0 = g < 0 ? 0 : g, g1 = g < 0 ? ld->m->segment_count : g + 1;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        int ref = luaL_ref(L, LUA_REGISTRYINDEX);
        int *refs = ld->s->fn_ref[e - ld->m->edges];
        for (int k = g0; k < g1; k++) e->kind[k] = CJM_PROB_FUNCTION, refs[k] = ref;
        return CJM_OK;
    }
    if (cjm_script_is_per_customer(L, -1)) {
        int pc = cjm_loader_per_customer(ld, path);
        if (pc < 0) return ld->err->code;
        for (int k = g0; k < g1; k++) e->kind[k] = CJM_PROB_PER_CUSTOMER, e->pc[k] = pc;
        return CJM_OK;
    }
    double v = lua_tonumber(L, -1);
    if (type != LUA_TNUMBER && !cjm_script_is_dist(L, -1))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "expected a probability (a number, a table by segment, a "
                                  "distribution or a function), got %s",
                                  lua_typename(L, type));
    if (type == LUA_TNUMBER && !(v >= 0 && v <= 1))
        return cjm_script_fail_at(ld->s, ld->err, path, "probability %.17g is %s", v,
                                  v < 0   ? "below 0"
                                  : v > 1 ? "above 1"
                                          : "not a number");
    cjm_slot slot = {CJM_SLOT_PROB, e->from, e->to, g};
    cjm_status st = cjm_loader_input(ld, path, &slot, 0, 1, 0, &v);
    for (int k = g0; k < g1; k++) e->kind[k] = CJM_PROB_CONST, e->value[k] = v;
    return st;
}

/* A per-segment table { young = 0.12, mature = 0.08 }: every segment, no other key. */
static cjm_status read_prob_table(loader *ld, cjm_edge *e, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int tbl = lua_gettop(L), n = 0, others;
    cjm_status st = CJM_OK;
    char **keys = cjm_script_sorted_keys(L, tbl, &n, &others); /* the same key named every run */
    if (!keys) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    const char *bad = others ? "?" : NULL;
    for (int i = 0; i < n && !bad; i++)
        if (cjm_model_segment_index(m, keys[i]) < 0) bad = keys[i];
    if (bad)
        st = cjm_script_fail_at(ld->s, ld->err, path, "'%s' is not a segment (segments: %s%s)", bad,
                                m->segment_names[0], m->segment_count > 1 ? ", ..." : "");
    cjm_script_free_keys(keys, n);
    for (int g = 0; g < m->segment_count && st == CJM_OK; g++) {
        char *p = cjm_path_join(path, m->segment_names[g]);
        if (lua_getfield(L, tbl, m->segment_names[g]) == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, path, "no probability for segment '%s'",
                                    m->segment_names[g]);
        else
            st = read_prob_value(ld, e, g, p);
        lua_pop(L, 1);
        free(p);
    }
    return st;
}

/* A new edge's slot in the script's function references, all LUA_NOREF. */
static int *add_fn_refs(cjm_script *s, int G)
{
    int **grown = realloc(s->fn_ref, (size_t)(s->fn_ref_count + 1) * sizeof *grown);
    if (!grown) return NULL;
    s->fn_ref = grown;
    int *refs = malloc((size_t)G * sizeof *refs);
    if (!refs) return NULL;
    for (int g = 0; g < G; g++) refs[g] = LUA_NOREF;
    return s->fn_ref[s->fn_ref_count++] = refs;
}

cjm_status cjm_loader_new_edge(loader *ld, int from, int to, const char *path)
{
    cjm_model *m = ld->m;
    cjm_edge *grown = realloc(m->edges, (size_t)(m->edge_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    m->edges = grown;
    if (!add_fn_refs(ld->s, m->segment_count))
        return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    cjm_edge *e = &m->edges[m->edge_count++];
    memset(e, 0, sizeof *e);
    e->from = from;
    e->to = to;
    e->path = strdup(path);
    e->line = cjm_script_line_of(ld->s, path);
    int G = m->segment_count;
    e->kind = calloc((size_t)G, sizeof *e->kind);
    e->value = calloc((size_t)G, sizeof *e->value);
    e->pc = calloc((size_t)G, sizeof *e->pc);
    e->dwell_index = -1;
    e->loyalty_index = -1;
    if (!e->path || !e->kind || !e->value || !e->pc)
        return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    return CJM_OK;
}

cjm_status cjm_loader_read_edge(loader *ld, int edge, const char *path)
{
    cjm_edge *e = &ld->m->edges[edge];
    /* stack: spec */
    if (lua_istable(ld->L, -1) && !cjm_script_is_dist(ld->L, -1) &&
        !cjm_script_is_per_customer(ld->L, -1))
        return read_prob_table(ld, e, path);
    return read_prob_value(ld, e, -1, path);
}

static cjm_status add_edge(loader *ld, int from, int to, const char *path)
{
    cjm_status st = cjm_loader_new_edge(ld, from, to, path);
    return st == CJM_OK ? cjm_loader_read_edge(ld, ld->m->edge_count - 1, path) : st;
}

static cjm_status read_destinations(loader *ld, int from, const char *from_path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int tbl = lua_gettop(L), n, bad;
    char **keys = cjm_script_sorted_keys(L, tbl, &n, &bad);
    if (!keys) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    char hint[512];
    if (bad) st = cjm_script_fail_at(ld->s, ld->err, from_path, "destinations must be stage names");
    for (int i = 0; i < n && st == CJM_OK; i++) {
        char *p = cjm_path_join(from_path, keys[i]);
        int to = cjm_model_stage_index(m, keys[i]);
        if (to < 0)
            st = cjm_script_fail_at(ld->s, ld->err, p, "unknown stage '%s'%s", keys[i],
                                    cjm_loader_stage_hint(ld, keys[i], hint, sizeof hint));
        else if (to == from)
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "a stage cannot move to itself (staying is the remainder)");
        lua_getfield(L, tbl, keys[i]);
        if (st == CJM_OK) st = add_edge(ld, from, to, p);
        lua_pop(L, 1);
        free(p);
    }
    cjm_script_free_keys(keys, n);
    return st;
}

static cjm_status read_transition_source(loader *ld, const char *name)
{
    cjm_model *m = ld->m;
    char *p = cjm_path_join("transitions", name);
    int from = cjm_model_stage_index(m, name);
    cjm_status st = CJM_OK;
    char hint[512];
    if (from < 0)
        st = cjm_script_fail_at(ld->s, ld->err, p, "unknown stage '%s'%s", name,
                                cjm_loader_stage_hint(ld, name, hint, sizeof hint));
    else if (m->stages[from].final)
        st = cjm_script_fail_at(ld->s, ld->err, p, "stage '%s' is final: nothing leaves it", name);
    else if (!lua_istable(ld->L, -1))
        st =
            cjm_script_fail_at(ld->s, ld->err, p, "expected a table { destination = probability }");
    else {
        m->stages[from].out_line = cjm_script_line_of(ld->s, p);
        st = cjm_loader_is_split(ld, -1) ? cjm_loader_split(ld, from, p)
                                         : read_destinations(ld, from, p);
    }
    free(p);
    return st;
}

/* An edge with its function references, sorted together. */
typedef struct edge_refs {
    cjm_edge edge;
    int *refs;
} edge_refs;

static int compare_edges(const void *a, const void *b)
{
    const cjm_edge *x = &((const edge_refs *)a)->edge, *y = &((const edge_refs *)b)->edge;
    return x->from != y->from ? x->from - y->from : x->to - y->to;
}

/* Orders the edges by (from, to) stage, their function references with them. */
static cjm_status sort_edges(loader *ld)
{
    cjm_model *m = ld->m;
    int E = m->edge_count;
    edge_refs *tmp = malloc((size_t)(E ? E : 1) * sizeof *tmp);
    if (!tmp) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int e = 0; e < E; e++) tmp[e] = (edge_refs){m->edges[e], ld->s->fn_ref[e]};
    qsort(tmp, (size_t)E, sizeof *tmp, compare_edges);
    for (int e = 0; e < E; e++) m->edges[e] = tmp[e].edge, ld->s->fn_ref[e] = tmp[e].refs;
    free(tmp);
    return CJM_OK;
}

static cjm_status index_edges(loader *ld)
{
    cjm_model *m = ld->m;
    cjm_status st = sort_edges(ld);
    if (st != CJM_OK) return st;
    m->edge_start = calloc((size_t)m->stage_count + 1, sizeof *m->edge_start);
    if (!m->edge_start) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int e = 0; e < m->edge_count; e++) m->edge_start[m->edges[e].from + 1]++;
    for (int s = 0; s < m->stage_count; s++) m->edge_start[s + 1] += m->edge_start[s];
    return CJM_OK;
}

static cjm_status read_transitions(loader *ld, int idx)
{
    lua_State *L = ld->L;
    if (lua_getfield(L, idx, "transitions") != LUA_TTABLE) {
        lua_pop(L, 1);
        return cjm_script_fail_at(
            ld->s, ld->err, "transitions",
            "missing or not a table: transitions = { aware = { consider = 0.2 } }");
    }
    int tbl = lua_gettop(L), n, bad;
    char **keys = cjm_script_sorted_keys(L, tbl, &n, &bad);
    cjm_status st = keys ? CJM_OK : cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK && bad)
        st = cjm_script_fail_at(ld->s, ld->err, "transitions", "keys must be stage names");
    for (int i = 0; i < n && st == CJM_OK; i++) {
        lua_getfield(L, tbl, keys[i]);
        st = read_transition_source(ld, keys[i]);
        lua_pop(L, 1);
    }
    cjm_script_free_keys(keys, n);
    lua_pop(L, 1);
    return st == CJM_OK ? index_edges(ld) : st;
}

static cjm_status read_barriers_and_variants(loader *ld, int scn, const cjm_fix_list *fixes);

/* Variant first, then --set (the command line wins), then --fix. */
static cjm_status apply_changes(cjm_script *s, int scn, const cjm_load_options *opts,
                                cjm_fix_list *fixes, cjm_error *err)
{
    cjm_status st = CJM_OK;
    if (opts && opts->variant) st = cjm_script_apply_variant(s, scn, opts->variant, fixes, err);
    if (st == CJM_OK) st = cjm_script_apply_sets(s, opts, err);
    for (int i = 0; st == CJM_OK && opts && i < opts->fix_count; i++)
        st = cjm_fix_list_add(fixes, opts->fixes[i], "--fix", err);
    return st;
}

cjm_status cjm_script_compile(cjm_script *s, const cjm_load_options *opts, cjm_model *m,
                              cjm_error *err)
{
    loader ld = {s, s->L, m, err, LUA_NOREF};
    lua_State *L = s->L;
    cjm_fix_list fixes = {0};
    lua_newtable(L);
    ld.dist_map = luaL_ref(L, LUA_REGISTRYINDEX);
    if (!lua_checkstack(L, 64)) /* the loader nests a few tables deep; never more */
        return cjm_error_set(err, CJM_ENOMEM, "out of Lua stack");
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->scenario_ref); /* stack: scenario */
    int idx = lua_gettop(L);
    cjm_status st = apply_changes(s, idx, opts, &fixes, err);
    if (st == CJM_OK) st = read_top(&ld, idx);
    if (st == CJM_OK) st = read_cohort(&ld, idx);
    if (st == CJM_OK) st = read_segments(&ld, idx);
    if (st == CJM_OK) st = read_stages(&ld, idx);
    if (st == CJM_OK) st = read_transitions(&ld, idx);
    if (st == CJM_OK) st = read_barriers_and_variants(&ld, idx, &fixes);
    if (st == CJM_OK) st = cjm_loader_fixed_costs(&ld, idx, &fixes);
    if (st == CJM_OK) st = cjm_loader_discount(&ld, idx);
    if (st == CJM_OK) st = cjm_loader_loyalty(&ld, idx);
    if (st == CJM_OK) st = cjm_loader_finish_inputs(&ld);
    if (st == CJM_OK) st = cjm_model_index_money(m, err);
    if (st == CJM_OK && opts && opts->variant && !(m->variant = strdup(opts->variant)))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_fix_list_free(&fixes);
    lua_settop(L, idx - 1);
    luaL_unref(L, LUA_REGISTRYINDEX, ld.dist_map);
    return st;
}

/* ---- barriers, fixes and the list of variants ---- */

static const char *const barrier_keys[] = {"on",  "effect",      "from",     "to", "segments",
                                           "fix", "description", "redirect", NULL};
static const char *const fix_keys[] = {"cost",  "cost_per_customer", "efficacy", "from",
                                       "costs", "description",       NULL};

/* Copies text[0, len) without surrounding blanks into out (size n). */
static void trimmed(const char *text, size_t len, char *out, size_t n)
{
    while (len > 0 && (*text == ' ' || *text == '\t')) text++, len--;
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t')) len--;
    snprintf(out, n, "%.*s", (int)(len < n - 1 ? len : n - 1), text);
}

/* Parses "a -> b" (stage names may hold hyphens) into that transition's edge. */
cjm_status cjm_loader_transition(loader *ld, const char *text, const char *path, int *edge)
{
    const char *arrow = strstr(text, "->");
    char from[128], to[128], hint[512];
    if (!arrow)
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "'%s' is not a transition: write \"from -> to\"", text);
    trimmed(text, (size_t)(arrow - text), from, sizeof from);
    trimmed(arrow + 2, strlen(arrow + 2), to, sizeof to);
    int a = cjm_model_stage_index(ld->m, from), b = cjm_model_stage_index(ld->m, to);
    if (!*from || !*to)
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "'%s' is not a transition: write \"from -> to\"", text);
    if (a < 0 || b < 0)
        return cjm_script_fail_at(ld->s, ld->err, path, "unknown stage '%s'%s", a < 0 ? from : to,
                                  cjm_loader_stage_hint(ld, a < 0 ? from : to, hint, sizeof hint));
    for (int e = ld->m->edge_start[a]; e < ld->m->edge_start[a + 1]; e++)
        if (ld->m->edges[e].to == b) {
            *edge = e;
            return CJM_OK;
        }
    return cjm_script_fail_at(ld->s, ld->err, path,
                              "there is no transition %s -> %s in transitions", from, to);
}

static cjm_status read_barrier_on(loader *ld, int idx, cjm_barrier *b, const char *path)
{
    lua_State *L = ld->L;
    char *p = cjm_path_join(path, "on");
    int type = lua_getfield(L, idx, "on");
    int n = type == LUA_TSTRING ? 1 : type == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    cjm_status st = CJM_OK;
    if (n < 1)
        st = cjm_script_fail_at(ld->s, ld->err, p,
                                "expected a transition \"a -> b\" or a list of them");
    b->edges = calloc((size_t)(n > 0 ? n : 1), sizeof *b->edges);
    if (!b->edges && st == CJM_OK) st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < n && st == CJM_OK; i++) {
        if (type == LUA_TTABLE && lua_rawgeti(L, -1, i + 1) != LUA_TSTRING)
            st = cjm_script_fail_at(ld->s, ld->err, p, "entry %d is not \"a -> b\"", i + 1);
        else
            st = cjm_loader_transition(ld, lua_tostring(L, -1), p, &b->edges[i]);
        for (int j = 0; j < i && st == CJM_OK; j++) /* one edge twice would apply twice */
            if (b->edges[j] == b->edges[i])
                st = cjm_script_fail_at(ld->s, ld->err, p,
                                        "entry %d (%s) names the same transition as entry %d",
                                        i + 1, lua_tostring(L, -1), j + 1);
        if (type == LUA_TTABLE) lua_pop(L, 1);
        b->edge_count = i + 1;
    }
    lua_pop(L, 1);
    free(p);
    return st;
}

static cjm_status read_barrier_segments(loader *ld, int idx, cjm_barrier *b, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    b->segments = malloc((size_t)m->segment_count);
    if (!b->segments) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    int type = lua_getfield(L, idx, "segments");
    memset(b->segments, type == LUA_TNIL, (size_t)m->segment_count);
    char *p = cjm_path_join(path, "segments");
    cjm_status st = CJM_OK;
    if (type != LUA_TNIL && (type != LUA_TTABLE || !m->has_segments))
        st = cjm_script_fail_at(ld->s, ld->err, p,
                                m->has_segments ? "expected a list of segment names"
                                                : "the scenario has no segments");
    lua_Integer n = type == LUA_TTABLE ? luaL_len(L, -1) : 0;
    for (lua_Integer i = 1; i <= n && st == CJM_OK; i++) {
        int g = lua_rawgeti(L, -1, i) == LUA_TSTRING
                    ? cjm_model_segment_index(m, lua_tostring(L, -1))
                    : -1;
        if (g < 0)
            st = cjm_script_fail_at(ld->s, ld->err, p, "entry %lld is not a segment name",
                                    (long long)i);
        else
            b->segments[g] = 1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    free(p);
    return st;
}

static cjm_status read_fix(loader *ld, int idx, cjm_barrier *b, const char *path)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, idx, "fix");
    char *p = cjm_path_join(path, "fix");
    int f = lua_gettop(L);
    double from;
    cjm_status st = CJM_OK;
    b->has_fix = type == LUA_TTABLE;
    if (type != LUA_TNIL && type != LUA_TTABLE)
        st = cjm_script_fail_at(ld->s, ld->err, p, "expected { cost = ..., efficacy = ... }");
    if (b->has_fix) {
        st = cjm_loader_check_keys(ld, f, p, fix_keys, 0);
        cjm_slot slot = {CJM_SLOT_BARRIER, (int)(b - ld->m->barriers), 1, 0};
        if (st == CJM_OK)
            st = cjm_loader_number(ld, f, "cost", p, 0, 0, HUGE_VAL, 0, &slot, &b->fix_cost);
        slot.b = 2;
        if (st == CJM_OK)
            st = cjm_loader_number(ld, f, "cost_per_customer", p, 0, 0, HUGE_VAL, 0, &slot,
                                   &b->fix_cost_per_customer);
        slot.b = 3;
        if (st == CJM_OK)
            st = cjm_loader_number(ld, f, "efficacy", p, 1, 0, 1, 0, &slot, &b->efficacy);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, f, "from", p, 0, 0, CJM_MAX_HORIZON, 1, NULL, &from);
        if (st == CJM_OK) b->fix_from = (int)from;
    }
    lua_pop(L, 1);
    free(p);
    return st;
}

static cjm_status read_barrier(loader *ld, int idx, cjm_barrier *b, const char *path)
{
    double from, to;
    cjm_status st =
        lua_istable(ld->L, idx)
            ? cjm_loader_check_keys(ld, idx, path, barrier_keys, 0)
            : cjm_script_fail_at(ld->s, ld->err, path,
                                 "expected { on = \"a -> b\", effect = 0.7, fix = {...} }");
    if (st == CJM_OK && lua_getfield(ld->L, idx, "effect") == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "effect is missing: what the probability is multiplied by");
    else if (st == CJM_OK)
        lua_pop(ld->L, 1);
    cjm_slot effect_slot = {CJM_SLOT_BARRIER, (int)(b - ld->m->barriers), 0, 0};
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "effect", path, 1, 0, 1, 0, &effect_slot, &b->effect);
    if (st == CJM_OK && b->effect <= 0) {
        char *p = cjm_path_join(path, "effect");
        st = cjm_script_fail_at(ld->s, ld->err, p, "must be above 0 (0 < effect <= 1)");
        free(p);
    }
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "from", path, 0, 0, CJM_MAX_HORIZON, 1, NULL, &from);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "to", path, CJM_MAX_HORIZON + 1, from + 1,
                               CJM_MAX_HORIZON + 1, 1, NULL, &to);
    if (st == CJM_OK) b->from = (int)from, b->to = (int)to; /* else they may be out of range */
    if (st == CJM_OK) st = read_barrier_on(ld, idx, b, path);
    if (st == CJM_OK) st = read_barrier_segments(ld, idx, b, path);
    if (st == CJM_OK) st = read_fix(ld, idx, b, path);
    if (st == CJM_OK) st = cjm_loader_redirect(ld, idx, b, path);
    return st;
}

/* Stages a customer can be in before converting: reachable from the first
 * stage without entering a converting stage. */
static void mark_pre_conversion(const cjm_model *m, unsigned char *pre)
{
    memset(pre, 0, (size_t)m->stage_count);
    int stack[CJM_MAX_STAGES], top = 0;
    if (m->stages[0].converts) return;
    pre[0] = 1;
    stack[top++] = 0;
    while (top > 0) {
        int s = stack[--top];
        for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) {
            int d = m->edges[e].to;
            if (pre[d] || m->stages[d].converts) continue;
            pre[d] = 1;
            stack[top++] = d;
        }
    }
}

/* Sorts names by the line they are written on, so lists follow the file. */
static void sort_by_line(loader *ld, const char *prefix, char **names, int n)
{
    int *line = malloc((size_t)n * sizeof *line);
    if (!line) return;
    for (int i = 0; i < n; i++) {
        char *p = cjm_path_join(prefix, names[i]);
        line[i] = p ? cjm_script_line_of(ld->s, p) : 0;
        free(p);
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && line[j - 1] > line[j]; j--) {
            int tl = line[j];
            line[j] = line[j - 1];
            line[j - 1] = tl;
            char *tn = names[j];
            names[j] = names[j - 1];
            names[j - 1] = tn;
        }
    free(line);
}

static cjm_status read_barrier_list(loader *ld, int tbl, char **names, int n)
{
    cjm_model *m = ld->m;
    unsigned char pre[CJM_MAX_STAGES];
    mark_pre_conversion(m, pre);
    m->barriers = calloc((size_t)n + 1, sizeof *m->barriers);
    if (!m->barriers) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int i = 0; i < n && st == CJM_OK; i++) {
        cjm_barrier *b = &m->barriers[i];
        m->barrier_count = i + 1;
        b->name = strdup(names[i]);
        char *p = cjm_path_join("barriers", names[i]);
        lua_getfield(ld->L, tbl, names[i]);
        st = cjm_loader_valid_name(names[i])
                 ? read_barrier(ld, lua_gettop(ld->L), b, p)
                 : cjm_script_fail_at(ld->s, ld->err, p, "not a valid name");
        lua_pop(ld->L, 1);
        free(p);
        for (int k = 0; st == CJM_OK && k < b->edge_count; k++)
            b->acquisition |= pre[m->edges[b->edges[k]].from];
    }
    return st;
}

cjm_status cjm_loader_named_entries(loader *ld, int scn, const char *key, const char *prefix,
                                    const char *usage, char ***names, int *n)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, scn, key), bad = 0;
    *names = NULL;
    *n = 0;
    if (type == LUA_TTABLE && !(*names = cjm_script_sorted_keys(L, -1, n, &bad)))
        return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if ((type != LUA_TNIL && type != LUA_TTABLE) || bad)
        return cjm_script_fail_at(ld->s, ld->err, prefix, "expected %s", usage);
    sort_by_line(ld, prefix, *names, *n);
    return CJM_OK;
}

static cjm_status read_barriers(loader *ld, int scn)
{
    char **names;
    int n;
    cjm_status st =
        cjm_loader_named_entries(ld, scn, "barriers", "barriers",
                                 "{ name = { on = \"a -> b\", effect = 0.7 }, ... }", &names, &n);
    if (st == CJM_OK && n > 0) st = read_barrier_list(ld, lua_gettop(ld->L), names, n);
    cjm_script_free_keys(names, n);
    lua_pop(ld->L, 1);
    return st;
}

static cjm_status mark_fixes(loader *ld, const cjm_fix_list *fixes)
{
    cjm_model *m = ld->m;
    for (int i = 0; i < fixes->count; i++) {
        int b = cjm_model_barrier_index(m, fixes->names[i]);
        if (b < 0) {
            const char *names[64];
            char hint[512];
            int n = m->barrier_count < 64 ? m->barrier_count : 64;
            for (int k = 0; k < n; k++) names[k] = m->barriers[k].name;
            return cjm_script_fail_at(
                ld->s, ld->err, fixes->origins[i], "'%s' is not a barrier%s", fixes->names[i],
                cjm_suggest_hint(hint, sizeof hint, fixes->names[i], "barriers", names, (size_t)n));
        }
        if (!m->barriers[b].has_fix)
            return cjm_script_fail_at(ld->s, ld->err, fixes->origins[i],
                                      "barrier '%s' has no fix to apply", fixes->names[i]);
        m->barriers[b].fixed = true;
    }
    return CJM_OK;
}

static cjm_status read_variant_names(loader *ld, int scn)
{
    cjm_status st = cjm_loader_named_entries(ld, scn, "variants", "variants",
                                             "{ name = { fixes = {...}, set = {...} }, ... }",
                                             &ld->m->variant_names, &ld->m->variant_count);
    lua_pop(ld->L, 1);
    return st;
}

static cjm_status read_barriers_and_variants(loader *ld, int scn, const cjm_fix_list *fixes)
{
    cjm_status st = read_barriers(ld, scn);
    if (st == CJM_OK) st = mark_fixes(ld, fixes);
    if (st == CJM_OK) st = read_variant_names(ld, scn);
    return st;
}
