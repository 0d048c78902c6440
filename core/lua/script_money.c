/* script_money.c: the scenario's accounts: each stage's amounts (cost,
 * revenue, cogs, on entry and per step; a number, a table by segment or a
 * distribution), fixed costs (at the top level, in variants, in fixes) and
 * discounting. Every number is checked where it is read and every error
 * names the file, the line and the scenario path. */
#include "script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cjm_loader loader;

/* The stage keys in the order their inputs are registered (the first four
 * as they always were), with the amount each one is. */
/* A stage's amounts in the order they are read (their inputs' order);
 * each one's key is cjm_amount_key(amount). */
static const int stage_amounts[] = {
    CJM_AMOUNT(CJM_ON_ENTRY, CJM_COST),        CJM_AMOUNT(CJM_ON_ENTRY, CJM_REVENUE),
    CJM_AMOUNT(CJM_PER_STEP, CJM_COST),        CJM_AMOUNT(CJM_PER_STEP, CJM_REVENUE),
    CJM_AMOUNT(CJM_ON_ENTRY, CJM_COGS),        CJM_AMOUNT(CJM_PER_STEP, CJM_COGS),
    CJM_AMOUNT(CJM_PER_PURCHASE, CJM_REVENUE), CJM_AMOUNT(CJM_PER_PURCHASE, CJM_COGS),
    CJM_AMOUNT(CJM_PER_PURCHASE, CJM_COST),
};

static void set_amount(cjm_model *m, int s, int g, int j, double v)
{
    for (int k = g < 0 ? 0 : g; k < (g < 0 ? m->segment_count : g + 1); k++)
        m->money[((size_t)s * m->segment_count + k) * CJM_AMOUNTS + j] = v;
}

/* { young = 12, mature = 20 }: every segment, no other key. stack: table */
static cjm_status read_amount_table(loader *ld, int s, int j, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int tbl = lua_gettop(L);
    const char **names = malloc((size_t)(m->segment_count + 1) * sizeof *names);
    if (!names) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int g = 0; g < m->segment_count; g++) names[g] = m->segment_names[g];
    names[m->segment_count] = NULL;
    cjm_status st = m->has_segments ? cjm_loader_check_keys(ld, tbl, path, names, 0)
                                    : cjm_script_fail_at(ld->s, ld->err, path,
                                                         "a table by segment, but the scenario "
                                                         "has no segments: give a number");
    free(names);
    for (int g = 0; g < m->segment_count && st == CJM_OK; g++) {
        cjm_slot slot = {CJM_SLOT_STAGE, s, j, g};
        double v = 0;
        if (lua_getfield(L, tbl, m->segment_names[g]) == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, path, "no amount for segment '%s'",
                                    m->segment_names[g]);
        lua_pop(L, 1);
        if (st == CJM_OK)
            st =
                cjm_loader_number(ld, tbl, m->segment_names[g], path, 0, 0, HUGE_VAL, 0, &slot, &v);
        set_amount(m, s, g, j, v);
    }
    return st;
}

static cjm_status read_amount(loader *ld, int idx, int s, int k, const char *path)
{
    lua_State *L = ld->L;
    int j = stage_amounts[k];
    const char *key = cjm_amount_key(j);
    int type = lua_getfield(L, idx, key);
    cjm_status st = CJM_OK;
    if (type == LUA_TTABLE && !cjm_script_is_dist(L, -1)) {
        char *p = cjm_path_join(path, key);
        st = p ? read_amount_table(ld, s, j, p)
               : cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
        free(p);
        lua_pop(L, 1);
        return st;
    }
    lua_pop(L, 1);
    cjm_slot slot = {CJM_SLOT_STAGE, s, j, -1};
    double v = 0;
    st = cjm_loader_number(ld, idx, key, path, 0, 0, HUGE_VAL, 0, &slot, &v);
    set_amount(ld->m, s, -1, j, v);
    return st;
}

cjm_status cjm_loader_stage_money(loader *ld, int idx, int s, const char *path)
{
    cjm_status st = CJM_OK;
    for (size_t k = 0; k < sizeof stage_amounts / sizeof stage_amounts[0] && st == CJM_OK; k++)
        st = read_amount(ld, idx, s, (int)k, path);
    return st;
}

/* ---- fixed costs ---- */

static const char *const fixed_cost_keys[] = {"once", "at",      "per_step", "from",        "to",
                                              "role", "variant", "fix",      "description", NULL};

/* role = "acquisition" | "retention" (default: `dflt`). */
static cjm_status read_role(loader *ld, int idx, const char *path, bool dflt, bool *acquisition)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, idx, "role");
    const char *role = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    cjm_status st = CJM_OK;
    *acquisition = dflt;
    if (role && strcmp(role, "acquisition") == 0)
        *acquisition = true;
    else if (role && strcmp(role, "retention") == 0)
        *acquisition = false;
    else if (type != LUA_TNIL) {
        char *p = cjm_path_join(path, "role");
        st = cjm_script_fail_at(ld->s, ld->err, p, "expected \"acquisition\" or \"retention\"");
        free(p);
    }
    lua_pop(L, 1);
    return st;
}

static cjm_status read_fixed_cost(loader *ld, int idx, cjm_fixed_cost *fc, const char *path)
{
    lua_State *L = ld->L;
    int k = (int)(fc - ld->m->fixed_costs);
    double at = 0, from = 0, to = CJM_MAX_HORIZON + 1;
    cjm_status st = lua_istable(L, idx) && !cjm_script_is_dist(L, idx)
                        ? cjm_loader_check_keys(ld, idx, path, fixed_cost_keys, 0)
                        : cjm_script_fail_at(ld->s, ld->err, path,
                                             "expected { once = ..., at = ... } or { per_step "
                                             "= ..., from = ..., to = ... }");
    int has_once = 0, has_step = 0;
    if (st == CJM_OK) {
        has_once = lua_getfield(L, idx, "once") != LUA_TNIL;
        has_step = lua_getfield(L, idx, "per_step") != LUA_TNIL;
        lua_pop(L, 2);
        if (!has_once && !has_step)
            st = cjm_script_fail_at(ld->s, ld->err, path,
                                    "give once (a one-off amount) or per_step (an amount each "
                                    "step), or both");
    }
    cjm_slot once = {CJM_SLOT_FIXED_COST, k, 0, 0}, step = {CJM_SLOT_FIXED_COST, k, 1, 0};
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "once", path, 0, 0, HUGE_VAL, 0, &once, &fc->once);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "at", path, 0, 0, CJM_MAX_HORIZON, 1, NULL, &at);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "per_step", path, 0, 0, HUGE_VAL, 0, &step, &fc->per_step);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "from", path, 0, 0, CJM_MAX_HORIZON, 1, NULL, &from);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, idx, "to", path, CJM_MAX_HORIZON + 1, 0, CJM_MAX_HORIZON + 1, 1,
                               NULL, &to);
    if (st == CJM_OK && to < from) {
        char *p = cjm_path_join(path, "to");
        st = cjm_script_fail_at(ld->s, ld->err, p, "%g is before from = %g (from <= to)", to, from);
        free(p);
    }
    fc->at = (int)at, fc->from = (int)from, fc->to = (int)to;
    if (st == CJM_OK)
        st = read_role(ld, idx, path, fc->barrier >= 0 && ld->m->barriers[fc->barrier].acquisition,
                       &fc->acquisition);
    return st;
}

/* The names of the scenario's variants, or of its barriers with a fix, for
 * messages: "a, b, c" into buf. */
static void list_names(char *buf, size_t n, char *const *names, int count, const cjm_model *m)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < count && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? ", " : "", names[i]);
    if (count == 0) snprintf(buf, n, "none");
    (void)m;
}

/* `variant = "v"`: the cost counts only in that variant (and those based on
 * it); `fix = "barrier"`: only when that barrier's fix is applied. Sets
 * *counts to 0 for a cost of a variant not loaded. */
static cjm_status read_owner(loader *ld, int idx, cjm_fixed_cost *fc, const cjm_fix_list *fixes,
                             int *counts)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    cjm_status st = CJM_OK;
    char names[512], *p = NULL;
    *counts = 1;
    int type = lua_getfield(L, idx, "variant");
    if (type != LUA_TNIL) {
        const char *v = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int known = 0;
        for (int i = 0; v && i < m->variant_count; i++)
            known |= strcmp(m->variant_names[i], v) == 0;
        p = cjm_path_join(fc->path, "variant");
        list_names(names, sizeof names, m->variant_names, m->variant_count, m);
        if (!known)
            st = cjm_script_fail_at(ld->s, ld->err, p, "'%s' is not a variant (variants: %s)",
                                    v ? v : "?", names);
        *counts = 0;
        for (int i = 0; st == CJM_OK && i < fixes->variant_count; i++)
            *counts |= strcmp(fixes->variants[i], v) == 0;
        free(p);
    }
    lua_pop(L, 1);
    type = lua_getfield(L, idx, "fix");
    if (st == CJM_OK && type != LUA_TNIL) {
        const char *b = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        int k = b ? cjm_model_barrier_index(m, b) : -1;
        p = cjm_path_join(fc->path, "fix");
        if (k < 0 || !m->barriers[k].has_fix) {
            size_t o = 0;
            names[0] = '\0';
            for (int i = 0; i < m->barrier_count && o < sizeof names; i++)
                if (m->barriers[i].has_fix)
                    o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", o ? ", " : "",
                                          m->barriers[i].name);
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "'%s' is not a barrier with a fix (barriers with fixes: %s)",
                                    b ? b : "?", o ? names : "none");
        }
        fc->barrier = k;
        free(p);
    }
    lua_pop(L, 1);
    return st;
}

static cjm_status add_fixed_cost(loader *ld, const char *path, int barrier, cjm_fixed_cost **out)
{
    cjm_model *m = ld->m;
    cjm_fixed_cost *grown =
        realloc(m->fixed_costs, (size_t)(m->fixed_cost_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    m->fixed_costs = grown;
    cjm_fixed_cost *fc = &m->fixed_costs[m->fixed_cost_count];
    memset(fc, 0, sizeof *fc);
    fc->barrier = barrier;
    if (!(fc->path = strdup(path))) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    fc->line = cjm_script_line_of(ld->s, path);
    m->fixed_cost_count++;
    *out = fc;
    return CJM_OK;
}

/* The fixed costs of the table t.costs (t at idx), paths prefix.NAME; the
 * top-level table's entries may name their variant or fix. */
static cjm_status read_cost_table(loader *ld, int idx, const char *prefix, int barrier,
                                  const cjm_fix_list *fixes)
{
    lua_State *L = ld->L;
    char **names;
    int n;
    cjm_status st = cjm_loader_named_entries(
        ld, idx, "costs", prefix, "{ NAME = { once = ..., per_step = ... }, ... }", &names, &n);
    int tbl = lua_gettop(L);
    for (int i = 0; i < n && st == CJM_OK; i++) {
        char *p = cjm_path_join(prefix, names[i]);
        cjm_fixed_cost *fc = NULL;
        st = p ? add_fixed_cost(ld, p, barrier, &fc)
               : cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
        lua_getfield(L, tbl, names[i]);
        int counts = 1;
        if (st == CJM_OK && fixes && lua_istable(L, -1))
            st = read_owner(ld, lua_gettop(L), fc, fixes, &counts);
        if (st == CJM_OK && !counts) /* another variant's: read when that one is loaded */
            free(fc->path), ld->m->fixed_cost_count--;
        else if (st == CJM_OK)
            st = read_fixed_cost(ld, lua_gettop(L), fc, p);
        lua_pop(L, 1);
        free(p);
    }
    cjm_script_free_keys(names, n);
    lua_settop(L, tbl - 1);
    return st;
}

/* scn.key1.key2[.key3] pushed (nil if any step is missing or not a table). */
static int push_path(lua_State *L, int scn, const char *k1, const char *k2, const char *k3)
{
    int top = lua_gettop(L);
    const char *keys[] = {k1, k2, k3};
    lua_pushvalue(L, scn);
    for (int i = 0; i < 3 && keys[i]; i++) {
        if (!lua_istable(L, -1) || lua_getfield(L, -1, keys[i]) == LUA_TNIL) {
            lua_settop(L, top);
            lua_pushnil(L);
            return 0;
        }
        lua_remove(L, -2);
    }
    return lua_istable(L, -1);
}

cjm_status cjm_loader_fixed_costs(loader *ld, int scn, const cjm_fix_list *fixes)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    cjm_status st = read_cost_table(ld, scn, "costs", -1, fixes);
    for (int i = 0; i < fixes->variant_count && st == CJM_OK; i++) {
        char prefix[320];
        snprintf(prefix, sizeof prefix, "variants.%s.costs", fixes->variants[i]);
        if (push_path(L, scn, "variants", fixes->variants[i], NULL))
            st = read_cost_table(ld, lua_gettop(L), prefix, -1, NULL);
        lua_pop(L, 1);
    }
    for (int b = 0; b < m->barrier_count && st == CJM_OK; b++) {
        char prefix[320];
        snprintf(prefix, sizeof prefix, "barriers.%s.fix.costs", m->barriers[b].name);
        if (push_path(L, scn, "barriers", m->barriers[b].name, "fix"))
            st = read_cost_table(ld, lua_gettop(L), prefix, b, NULL);
        lua_pop(L, 1);
    }
    return st;
}

/* ---- discounting ---- */

static const struct {
    const char *name;
    double years;
} step_lengths[] = {
    {"day", 1 / 365.25}, {"week", 7 / 365.25}, {"month", 1 / 12.0}, {"quarter", 0.25}, {"year", 1},
};

static double step_years(const char *step)
{
    for (size_t i = 0; i < sizeof step_lengths / sizeof step_lengths[0]; i++)
        if (strcmp(step, step_lengths[i].name) == 0) return step_lengths[i].years;
    return 0;
}

static const char *const discount_keys[] = {"rate", "description", NULL};

cjm_status cjm_loader_discount(loader *ld, int scn)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    m->step_years = step_years(m->step_name);
    int type = lua_getfield(L, scn, "discount");
    int d = lua_gettop(L);
    cjm_status st = CJM_OK;
    static const cjm_slot slot = {CJM_SLOT_DISCOUNT, 0, 0, 0};
    if (type == LUA_TNIL) goto done;
    m->has_discount = true;
    if (type != LUA_TTABLE || cjm_script_is_dist(L, d)) {
        st = cjm_script_fail_at(ld->s, ld->err, "discount",
                                "expected { rate = 0.10 } (a yearly rate)");
        goto done;
    }
    st = cjm_loader_check_keys(ld, d, "discount", discount_keys, 0);
    if (st == CJM_OK && lua_getfield(L, d, "rate") == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, "discount",
                                "rate is missing: the yearly discount rate, e.g. rate = 0.10");
    lua_settop(L, d);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, d, "rate", "discount", 0, 0, 10, 0, &slot, &m->discount_rate);
    if (st == CJM_OK && m->step_years == 0)
        st = cjm_script_fail_at(ld->s, ld->err, "discount",
                                "discounting needs a step of known length: step = \"day\", "
                                "\"week\", \"month\", \"quarter\" or \"year\" (this scenario's "
                                "step is \"%s\")",
                                m->step_name);
done:
    lua_settop(L, d - 1);
    return st;
}
