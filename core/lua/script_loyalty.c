/* script_loyalty.c: repeat purchases (a stage's `purchases`) and the
 * loyalty program (`loyalty = { ... }`, docs/loyalty.md), read into the
 * model. Functions are kept as registry references in the script, for
 * tabulate.c; every number is checked where it is read, every error names
 * the file, the line and the scenario path (and the tier). */
#include "script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cjm_loader loader;

#define MAX_PURCHASES 1e6 /* a rate per step; far above any shop's */

/* One rate for segment g (every segment when g < 0): a number, a
 * distribution or a function. stack: value */
static cjm_status read_rate_value(loader *ld, int s, int g, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int G = m->segment_count, g0 = g < 0 ? 0 : g, g1 = g < 0 ? G : g + 1;
    if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        int ref = luaL_ref(L, LUA_REGISTRYINDEX);
        for (int k = g0; k < g1; k++) {
            m->rates[(size_t)s * G + k].kind = CJM_PROB_FUNCTION;
            ld->s->rate_ref[(size_t)s * G + k] = ref;
        }
        return CJM_OK;
    }
    double v = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER && !cjm_script_is_dist(L, -1))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "expected purchases per step (a number, a table by segment, a "
                                  "distribution or a function), got %s",
                                  luaL_typename(L, -1));
    if (lua_type(L, -1) == LUA_TNUMBER && !(v >= 0 && v <= MAX_PURCHASES))
        return cjm_script_fail_at(ld->s, ld->err, path, "%.17g is out of range [0, %g]", v,
                                  MAX_PURCHASES);
    cjm_slot slot = {CJM_SLOT_PURCHASES, s, 0, g};
    cjm_status st = cjm_loader_input(ld, path, &slot, 0, MAX_PURCHASES, 0, &v);
    for (int k = g0; k < g1; k++) m->rates[(size_t)s * G + k] = (cjm_rate){CJM_PROB_CONST, v};
    m->has_purchases |= st == CJM_OK && v > 0;
    return st;
}

/* { young = 0.5, mature = 1.2 }: every segment, no other key. stack: table */
static cjm_status read_rate_table(loader *ld, int s, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int tbl = lua_gettop(L);
    cjm_status st = CJM_OK;
    if (!m->has_segments)
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "a table by segment, but the scenario has no segments");
    lua_pushnil(L);
    while (st == CJM_OK && lua_next(L, tbl)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING || cjm_model_segment_index(m, lua_tostring(L, -1)) < 0) {
            st = cjm_script_fail_at(ld->s, ld->err, path, "'%s' is not a segment",
                                    lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
            lua_pop(L, 1);
        }
    }
    for (int g = 0; g < m->segment_count && st == CJM_OK; g++) {
        char *p = cjm_path_join(path, m->segment_names[g]);
        if (lua_getfield(L, tbl, m->segment_names[g]) == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, path, "no purchases for segment '%s'",
                                    m->segment_names[g]);
        else
            st = read_rate_value(ld, s, g, p);
        lua_pop(L, 1);
        free(p);
    }
    return st;
}

cjm_status cjm_loader_stage_purchases(loader *ld, int idx, int s, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int type = lua_getfield(L, idx, "purchases");
    char *p = cjm_path_join(path, "purchases");
    cjm_status st = CJM_OK;
    if (!p) st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK && type != LUA_TNIL && m->stages[s].final)
        st = cjm_script_fail_at(ld->s, ld->err, p,
                                "a final stage makes no purchases (nothing happens there)");
    else if (st == CJM_OK && type == LUA_TTABLE && !cjm_script_is_dist(L, -1))
        st = read_rate_table(ld, s, p);
    else if (st == CJM_OK && type != LUA_TNIL)
        st = read_rate_value(ld, s, -1, p);
    if (type == LUA_TFUNCTION) m->has_purchases = true;
    for (int g = 0; g < m->segment_count; g++)
        m->has_purchases |= m->rates[(size_t)s * m->segment_count + g].kind == CJM_PROB_FUNCTION;
    lua_pop(L, 1);
    free(p);
    return st;
}

/* ---- the program ---- */

static const char *const loyalty_keys[] = {
    "join",    "eligible", "join_cost", "member_cost_per_step", "points",
    "rewards", "tiers",    "benefits",  "description",          NULL};
static const char *const points_keys[] = {"per_purchase", "per_unit",    "expire_after",
                                          "cap",          "description", NULL};
static const char *const reward_keys[] = {"at", "cost", "description", NULL};
static const char *const tier_keys[] = {"name", "qualify", "keep", "description", NULL};
static const char *const rule_keys[] = {"purchases", "within", NULL};
static const char *const benefit_keys[] = {"purchases", "basket", "points", "on", NULL};

/* join for segment g (every segment when g < 0). stack: value */
static cjm_status read_join_value(loader *ld, int g, const char *path)
{
    lua_State *L = ld->L;
    cjm_script *s = ld->s;
    int G = ld->m->segment_count, g0 = g < 0 ? 0 : g, g1 = g < 0 ? G : g + 1;
    if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        int ref = luaL_ref(L, LUA_REGISTRYINDEX);
        for (int k = g0; k < g1; k++) s->join_ref[k] = ref;
        return CJM_OK;
    }
    double v = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER && !cjm_script_is_dist(L, -1))
        return cjm_script_fail_at(s, ld->err, path,
                                  "expected a probability (a number, a table by segment, a "
                                  "distribution or a function of c.t and c.segment), got %s",
                                  luaL_typename(L, -1));
    if (lua_type(L, -1) == LUA_TNUMBER && !(v >= 0 && v <= 1))
        return cjm_script_fail_at(s, ld->err, path, "probability %.17g is out of [0, 1]", v);
    cjm_slot slot = {CJM_SLOT_LOYALTY, 0, 0, g};
    cjm_status st = cjm_loader_input(ld, path, &slot, 0, 1, 0, &v);
    for (int k = g0; k < g1; k++) s->join_value[k] = v;
    return st;
}

static cjm_status read_join(loader *ld, int lt)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int type = lua_getfield(L, lt, "join");
    cjm_status st = CJM_OK;
    if (type == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty",
                                "join is missing: the probability per step that a converted "
                                "customer joins (0 turns the program off)");
    else if (type != LUA_TTABLE || cjm_script_is_dist(L, -1))
        st = read_join_value(ld, -1, "loyalty.join");
    else if (!m->has_segments)
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty.join",
                                "a table by segment, but the scenario has no segments");
    for (int g = 0;
         type == LUA_TTABLE && st == CJM_OK && g < m->segment_count && !cjm_script_is_dist(L, -1);
         g++) {
        char *p = cjm_path_join("loyalty.join", m->segment_names[g]);
        if (lua_getfield(L, -1, m->segment_names[g]) == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, "loyalty.join",
                                    "no probability for segment '%s'", m->segment_names[g]);
        else
            st = read_join_value(ld, g, p);
        lua_pop(L, 1);
        free(p);
    }
    lua_pop(L, 1);
    return st;
}

/* eligible = { stage, ... }; default: every non-final stage from the first
 * converting one on. */
static cjm_status read_eligible(loader *ld, int lt)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    cjm_loyalty *l = &m->loyalty;
    l->eligible = calloc((size_t)m->stage_count, 1);
    if (!l->eligible) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    int type = lua_getfield(L, lt, "eligible");
    cjm_status st = CJM_OK;
    if (type == LUA_TNIL) {
        int from = 0;
        while (from < m->stage_count && !m->stages[from].converts) from++;
        for (int s = from; s < m->stage_count; s++) l->eligible[s] = !m->stages[s].final;
    } else if (type != LUA_TTABLE) {
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty.eligible",
                                "expected a list of stage names");
    }
    lua_Integer n = type == LUA_TTABLE ? luaL_len(L, -1) : 0;
    for (lua_Integer i = 1; i <= n && st == CJM_OK; i++) {
        int s = lua_rawgeti(L, -1, i) == LUA_TSTRING ? cjm_model_stage_index(m, lua_tostring(L, -1))
                                                     : -1;
        if (s < 0)
            st = cjm_script_fail_at(ld->s, ld->err, "loyalty.eligible",
                                    "entry %lld is not a stage name", (long long)i);
        else if (m->stages[s].final)
            st = cjm_script_fail_at(ld->s, ld->err, "loyalty.eligible",
                                    "'%s' is final: nobody there can join", m->stages[s].name);
        else
            l->eligible[s] = 1;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return st;
}

static cjm_status read_points(loader *ld, int lt)
{
    lua_State *L = ld->L;
    cjm_loyalty *l = &ld->m->loyalty;
    int type = lua_getfield(L, lt, "points");
    int pt = lua_gettop(L);
    double per_purchase = 1, expire = 0, cap = 0;
    static const cjm_slot unit = {CJM_SLOT_LOYALTY, 0, 3, 0};
    cjm_status st = CJM_OK;
    l->cap = INT64_MAX;
    if (type != LUA_TNIL && type != LUA_TTABLE)
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty.points",
                                "expected { per_purchase = 1, expire_after = 26, cap = 100 }");
    if (type == LUA_TTABLE) {
        st = cjm_loader_check_keys(ld, pt, "loyalty.points", points_keys, 0);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, pt, "per_purchase", "loyalty.points", 1, 0, 1e6, 1, NULL,
                                   &per_purchase);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, pt, "per_unit", "loyalty.points", 0, 0, 1e6, 0, &unit,
                                   &l->per_unit);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, pt, "expire_after", "loyalty.points", 0, 0, CJM_MAX_HORIZON,
                                   1, NULL, &expire);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, pt, "cap", "loyalty.points", 0, 1, 1e12, 1, NULL, &cap);
    }
    l->per_purchase = (int)per_purchase;
    l->expire_after = (int)expire;
    if (cap > 0) l->cap = (int64_t)cap;
    lua_settop(L, pt - 1);
    return st;
}

static cjm_status read_reward(loader *ld, int idx, int r, const char *path)
{
    cjm_loyalty *l = &ld->m->loyalty;
    double at = 0;
    cjm_slot slot = {CJM_SLOT_LOYALTY, 0, 4 + r, 0};
    cjm_status st = lua_istable(ld->L, idx) ? cjm_loader_check_keys(ld, idx, path, reward_keys, 0)
                                            : cjm_script_fail_at(ld->s, ld->err, path,
                                                                 "expected { at = 10, cost = 3 }");
    if (st == CJM_OK && lua_getfield(ld->L, idx, "at") == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, path, "at is missing: the points a reward takes");
    lua_settop(ld->L, idx);
    if (st == CJM_OK) st = cjm_loader_number(ld, idx, "at", path, 0, 1, 1e12, 1, NULL, &at);
    if (st == CJM_OK)
        st =
            cjm_loader_number(ld, idx, "cost", path, 0, 0, HUGE_VAL, 0, &slot, &l->rewards[r].cost);
    l->rewards[r].at = (int)at;
    if (st == CJM_OK && (int64_t)at > l->cap)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "at = %g is above points.cap = %lld: the reward can never be "
                                "reached",
                                at, (long long)l->cap);
    return st;
}

static cjm_status read_rewards(loader *ld, int lt)
{
    lua_State *L = ld->L;
    cjm_loyalty *l = &ld->m->loyalty;
    int type = lua_getfield(L, lt, "rewards");
    int n = type == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    cjm_status st = CJM_OK;
    if ((type != LUA_TNIL && type != LUA_TTABLE) || n > CJM_MAX_REWARDS)
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty.rewards",
                                "expected a list of up to %d rewards: { { at = 10, cost = 3 } }",
                                CJM_MAX_REWARDS);
    for (int r = 0; r < n && st == CJM_OK; r++) {
        char path[64];
        snprintf(path, sizeof path, "loyalty.rewards[%d]", r + 1);
        lua_rawgeti(L, -1, r + 1);
        st = read_reward(ld, lua_gettop(L), r, path);
        lua_pop(L, 1);
        l->reward_count = r + 1;
    }
    lua_pop(L, 1);
    /* in order, so that reward r's cost is slot 4 + r and the smallest is first */
    for (int r = 1; st == CJM_OK && r < l->reward_count; r++)
        if (l->rewards[r].at <= l->rewards[r - 1].at)
            st = cjm_script_fail_at(ld->s, ld->err, "loyalty.rewards",
                                    "list rewards by increasing `at` (entry %d has at = %d, the "
                                    "one before it %d)",
                                    r + 1, l->rewards[r].at, l->rewards[r - 1].at);
    return st;
}

/* qualify = { purchases = n, within = w }, into *n and the window. */
static cjm_status read_rule(loader *ld, int tier_idx, const char *key, const char *path, int *n,
                            int *within)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, tier_idx, key);
    int rt = lua_gettop(L);
    char *p = cjm_path_join(path, key);
    double purchases = 0, w = 0;
    cjm_status st = CJM_OK;
    if (type != LUA_TNIL && type != LUA_TTABLE)
        st = cjm_script_fail_at(ld->s, ld->err, p, "expected { purchases = 40, within = 52 }");
    if (type == LUA_TTABLE) {
        st = cjm_loader_check_keys(ld, rt, p, rule_keys, 0);
        if (st == CJM_OK && (lua_getfield(L, rt, "purchases") == LUA_TNIL ||
                             lua_getfield(L, rt, "within") == LUA_TNIL))
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "give purchases (how many) and within (in how many steps)");
        lua_settop(L, rt);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, rt, "purchases", p, 0, 1, 1e6, 1, NULL, &purchases);
        if (st == CJM_OK)
            st = cjm_loader_number(ld, rt, "within", p, 0, 1, CJM_MAX_HORIZON, 1, NULL, &w);
    }
    *n = (int)purchases;
    *within = (int)w;
    lua_settop(L, rt - 1);
    free(p);
    return st;
}

static cjm_status set_review(loader *ld, const char *path, const char *key, int within)
{
    cjm_loyalty *l = &ld->m->loyalty;
    if (within == 0) return CJM_OK;
    if (l->review == 0) l->review = within;
    if (l->review == within) return CJM_OK;
    char *p = cjm_path_join(path, key);
    cjm_status st = cjm_script_fail_at(ld->s, ld->err, p,
                                       "within = %d, but another tier rule reviews every %d steps: "
                                       "members are reviewed on one window (every `within` steps "
                                       "from joining), so every rule must use the same",
                                       within, l->review);
    free(p);
    return st;
}

static cjm_status read_tier(loader *ld, int idx, int k, const char *list_path)
{
    cjm_loyalty *l = &ld->m->loyalty;
    cjm_tier *t = &l->tiers[k];
    const char *name = lua_istable(ld->L, idx) ? cjm_loader_entry_name(ld->L, idx) : NULL;
    if (!name || !cjm_loader_valid_name(name))
        return cjm_script_fail_at(ld->s, ld->err, list_path,
                                  "tier %d needs a name: { \"gold\", qualify = { ... } }", k + 1);
    for (int j = 0; j < k; j++)
        if (strcmp(l->tiers[j].name, name) == 0)
            return cjm_script_fail_at(ld->s, ld->err, list_path, "tier '%s' is named twice", name);
    if (!(t->name = strdup(name))) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    l->tier_count = k + 1;
    char path[200];
    snprintf(path, sizeof path, "loyalty.tiers.%s", name);
    int wq = 0, wk = 0;
    cjm_status st = cjm_loader_check_keys(ld, idx, path, tier_keys, 1);
    if (st == CJM_OK) st = read_rule(ld, idx, "qualify", path, &t->qualify, &wq);
    if (st == CJM_OK) st = read_rule(ld, idx, "keep", path, &t->keep, &wk);
    if (st == CJM_OK && k == 0 && t->qualify > 0)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "the first tier is the one a member joins: it has no qualify rule");
    if (st == CJM_OK && k > 0 && t->qualify == 0)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "tier '%s' has no rule: give qualify = { purchases = n, within "
                                "= w } (how a member moves up into it)",
                                name);
    if (st == CJM_OK) st = set_review(ld, path, "qualify", wq);
    if (st == CJM_OK) st = set_review(ld, path, "keep", wk);
    return st;
}

static cjm_status read_tiers(loader *ld, int lt)
{
    lua_State *L = ld->L;
    cjm_loyalty *l = &ld->m->loyalty;
    int type = lua_getfield(L, lt, "tiers");
    int n = type == LUA_TTABLE ? (int)luaL_len(L, -1) : 0;
    cjm_status st = CJM_OK;
    if ((type != LUA_TNIL && (type != LUA_TTABLE || n < 1)) || n > CJM_MAX_TIERS)
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty.tiers",
                                "expected a list of 1 to %d tiers: { { \"silver\" }, { \"gold\", "
                                "qualify = { purchases = 40, within = 52 } } }",
                                CJM_MAX_TIERS);
    for (int k = 0; k < n && st == CJM_OK; k++) {
        lua_rawgeti(L, -1, k + 1);
        st = read_tier(ld, lua_gettop(L), k, "loyalty.tiers");
        lua_pop(L, 1);
    }
    if (st == CJM_OK && n == 0) {
        l->tier_count = 1;
        if (!(l->tiers[0].name = strdup("member")))
            st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    }
    lua_pop(L, 1);
    for (int k = 0; k < l->tier_count && st == CJM_OK; k++) {
        cjm_tier *t = &l->tiers[k];
        for (int b = 0; b < CJM_BENEFITS; b++) t->benefit[b] = 1;
        t->on = malloc((size_t)(ld->m->edge_count + 1) * sizeof *t->on);
        if (!t->on) st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
        for (int e = 0; t->on && e <= ld->m->edge_count; e++) t->on[e] = 1;
        l->counter_cap = t->qualify > l->counter_cap ? t->qualify : l->counter_cap;
        l->counter_cap = t->keep > l->counter_cap ? t->keep : l->counter_cap;
    }
    return st;
}

static int tier_index(const cjm_loyalty *l, const char *name)
{
    for (int k = 0; k < l->tier_count; k++)
        if (strcmp(l->tiers[k].name, name) == 0) return k;
    return -1;
}

/* on = { ["a -> b"] = 0.5 }: the tier's multipliers of those transitions. */
static cjm_status read_benefit_on(loader *ld, int bt, cjm_tier *t, const char *path)
{
    lua_State *L = ld->L;
    if (lua_getfield(L, bt, "on") == LUA_TNIL) {
        lua_pop(L, 1);
        return CJM_OK;
    }
    int ot = lua_gettop(L), n = 0, bad = 0;
    char *p = cjm_path_join(path, "on");
    char **keys = lua_istable(L, ot) ? cjm_script_sorted_keys(L, ot, &n, &bad) : NULL;
    cjm_status st = CJM_OK;
    if (!keys || bad)
        st = cjm_script_fail_at(ld->s, ld->err, p,
                                "expected { [\"regular -> lapsed\"] = 0.5, ... }: transitions "
                                "and their multipliers");
    for (int i = 0; i < n && st == CJM_OK; i++) {
        int e;
        double x = 0;
        st = cjm_loader_transition(ld, keys[i], p, &e);
        if (st == CJM_OK) st = cjm_loader_number(ld, ot, keys[i], p, 1, 0, 1e6, 0, NULL, &x);
        if (st == CJM_OK) t->on[e] = x;
    }
    cjm_script_free_keys(keys, n);
    lua_settop(L, ot - 1);
    free(p);
    return st;
}

static cjm_status read_benefits(loader *ld, int lt)
{
    lua_State *L = ld->L;
    cjm_loyalty *l = &ld->m->loyalty;
    int type = lua_getfield(L, lt, "benefits");
    int bt = lua_gettop(L), n = 0, bad = 0;
    char **keys = type == LUA_TTABLE ? cjm_script_sorted_keys(L, bt, &n, &bad) : NULL;
    cjm_status st = CJM_OK;
    if ((type != LUA_TNIL && type != LUA_TTABLE) || bad || (type == LUA_TTABLE && !keys))
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty.benefits",
                                "expected { TIER = { purchases = 1.5, basket = 1.1, points = 2, "
                                "on = { ... } } }");
    static const char *const names[CJM_BENEFITS] = {"purchases", "basket", "points"};
    for (int i = 0; i < n && st == CJM_OK; i++) {
        char path[200], list[400];
        int k = tier_index(l, keys[i]);
        snprintf(path, sizeof path, "loyalty.benefits.%s", keys[i]);
        size_t o = 0;
        for (int j = 0; j < l->tier_count; j++)
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", j ? ", " : "",
                                  l->tiers[j].name);
        if (k < 0) {
            st = cjm_script_fail_at(ld->s, ld->err, path, "'%s' is not a tier (tiers: %s)", keys[i],
                                    list);
            break;
        }
        lua_getfield(L, bt, keys[i]);
        int one = lua_gettop(L);
        st = lua_istable(L, one)
                 ? cjm_loader_check_keys(ld, one, path, benefit_keys, 0)
                 : cjm_script_fail_at(ld->s, ld->err, path, "expected { purchases = 1.5, ... }");
        for (int b = 0; b < CJM_BENEFITS && st == CJM_OK; b++)
            st = cjm_loader_number(ld, one, names[b], path, 1, 0, 1e6, 0, NULL,
                                   &l->tiers[k].benefit[b]);
        if (st == CJM_OK) st = read_benefit_on(ld, one, &l->tiers[k], path);
        lua_settop(L, one - 1);
    }
    cjm_script_free_keys(keys, n);
    lua_settop(L, bt - 1);
    return st;
}

/* What the engines derive from the rules: the balance's bound after
 * redemptions, the context's size, the cheapest reward's cost per point. */
static void derive(cjm_model *m)
{
    cjm_loyalty *l = &m->loyalty;
    l->balance_cap = l->reward_count       ? l->rewards[0].at
                     : l->cap == INT64_MAX ? INT64_MAX
                                           : l->cap + 1;
    l->point_cost = 0;
    for (int r = 0; r < l->reward_count; r++) {
        double c = l->rewards[r].cost / l->rewards[r].at;
        if (r == 0 || c < l->point_cost) l->point_cost = c;
    }
    m->loyalty_points = l->balance_cap == INT64_MAX ? 1 : (int)l->balance_cap;
    m->loyalty_states = 1 + l->tier_count * m->loyalty_points;
}

#define MAX_LOYALTY_STATES 100000

cjm_status cjm_loader_loyalty(loader *ld, int scn)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    cjm_loyalty *l = &m->loyalty;
    m->loyalty_states = m->loyalty_points = 1;
    int type = lua_getfield(L, scn, "loyalty");
    int lt = lua_gettop(L);
    cjm_status st = CJM_OK;
    if (type == LUA_TNIL) goto done;
    l->present = true;
    l->line = cjm_script_line_of(ld->s, "loyalty");
    if (type != LUA_TTABLE) {
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty",
                                "expected { join = 0.3, points = { ... }, rewards = { ... } }");
        goto done;
    }
    static const cjm_slot join_cost = {CJM_SLOT_LOYALTY, 0, 1, 0};
    static const cjm_slot member_cost = {CJM_SLOT_LOYALTY, 0, 2, 0};
    st = cjm_loader_check_keys(ld, lt, "loyalty", loyalty_keys, 0);
    if (st == CJM_OK) st = read_join(ld, lt);
    if (st == CJM_OK) st = read_eligible(ld, lt);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, lt, "join_cost", "loyalty", 0, 0, HUGE_VAL, 0, &join_cost,
                               &l->join_cost);
    if (st == CJM_OK)
        st = cjm_loader_number(ld, lt, "member_cost_per_step", "loyalty", 0, 0, HUGE_VAL, 0,
                               &member_cost, &l->member_cost_per_step);
    if (st == CJM_OK) st = read_points(ld, lt);
    if (st == CJM_OK) st = read_rewards(ld, lt);
    if (st == CJM_OK) st = read_tiers(ld, lt);
    if (st == CJM_OK) st = read_benefits(ld, lt);
    if (st == CJM_OK) derive(m);
    if (st == CJM_OK && (double)m->loyalty_states > MAX_LOYALTY_STATES)
        st = cjm_script_fail_at(ld->s, ld->err, "loyalty",
                                "%d tiers x %d points balances are %d contexts, above the %d "
                                "the engines keep",
                                l->tier_count, m->loyalty_points, m->loyalty_states,
                                MAX_LOYALTY_STATES);
done:
    lua_settop(L, lt - 1);
    return st;
}
