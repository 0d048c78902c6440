/* script_eval.c: calls a function-valued probability for one (step, segment).
 * The engines never call this: cjm_script_tabulate() does, once per cell. */
#include "script_internal.h"

#include <math.h>
#include <string.h>

/* c.dwell and the loyalty context (c.member, c.tier, c.points) are served
 * by __index so that reading them can be noticed: only the functions that
 * read them are tabulated by time in stage or by context. */
static int context_index(lua_State *L)
{
    cjm_script *s = lua_touserdata(L, lua_upvalueindex(1));
    const char *key = lua_tostring(L, 2);
    if (key && strcmp(key, "dwell") == 0) {
        s->dwell_read = 1;
        lua_pushinteger(L, s->dwell_now);
        return 1;
    }
    if (key && strcmp(key, "member") == 0) {
        s->loyalty_read = 1;
        lua_pushboolean(L, s->ctx_member);
        return 1;
    }
    if (key && strcmp(key, "points") == 0) {
        s->loyalty_read = s->points_read = 1;
        lua_pushinteger(L, (lua_Integer)s->ctx_points);
        return 1;
    }
    if (key && strcmp(key, "tier") == 0) {
        s->loyalty_read = 1;
        if (s->ctx_member)
            lua_pushstring(L, s->tier_names[s->ctx_tier]);
        else
            lua_pushnil(L);
        return 1;
    }
    return luaL_error(L,
                      "c.%s does not exist (c has t, segment, dwell, and member, tier and "
                      "points for the loyalty program)",
                      key ? key : "?");
}

static void prepare_context(cjm_script *s)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ctx_ref);
    lua_newtable(L);
    lua_pushlightuserdata(L, s);
    lua_pushcclosure(L, context_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "protected"); /* so that setmetatable cannot replace it */
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    s->ctx_ready = 1;
}

/* Fills the reused context table: c.t, c.segment (c.dwell on demand). stack: -> c */
static void push_context(cjm_script *s, const cjm_model *m, int g, int t)
{
    lua_State *L = s->L;
    if (!s->ctx_ready) prepare_context(s);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->ctx_ref);
    lua_pushinteger(L, t);
    lua_setfield(L, -2, "t");
    lua_pushstring(L, m->segment_names[g]);
    lua_setfield(L, -2, "segment");
}

static int function_line(lua_State *L, int ref)
{
    lua_Debug ar;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_getinfo(L, ">S", &ar);
    return ar.linedefined;
}

/* The loyalty context c as the function sees it. */
static void set_context(cjm_script *s, const cjm_model *m, int c)
{
    s->ctx_member = c > 0;
    s->ctx_tier = c > 0 ? (c - 1) / m->loyalty_points : 0;
    s->ctx_points = c > 0 ? (c - 1) % m->loyalty_points : 0;
}

/* Calls the function ref for (t, g, dwell, context c) into *v, checking it
 * returns a number in [lo, hi]; `path` and `line` name it in messages. */
static cjm_status eval_number(cjm_script *s, const cjm_model *m, int ref, const char *path, int g,
                              int t, int dwell, int c, double lo, double hi, const char *what,
                              cjm_eval *ev, cjm_error *err)
{
    lua_State *L = s->L;
    char where[400];
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    push_context(s, m, g, t);
    s->dwell_now = dwell;
    set_context(s, m, c);
    s->dwell_read = s->loyalty_read = 0;
    cjm_error inner;
    cjm_status st = cjm_script_pcall(s, 1, 1, NULL, &inner);
    ev->read_dwell = s->dwell_read;
    ev->read_loyalty = s->loyalty_read;
    int n =
        snprintf(where, sizeof where, "%s: at step %d, segment %s", path, t, m->segment_names[g]);
    if (s->dwell_read && n > 0 && (size_t)n < sizeof where)
        n += snprintf(where + n, sizeof where - (size_t)n, ", dwell %d", dwell);
    if (c > 0 && n > 0 && (size_t)n < sizeof where)
        snprintf(where + n, sizeof where - (size_t)n, ", tier %s, points %lld",
                 s->tier_names[s->ctx_tier], (long long)s->ctx_points);
    if (st != CJM_OK) return cjm_error_set(err, inner.code, "%s (%s)", inner.msg, where);
    int type = lua_type(L, -1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    int line = function_line(L, ref);
    if (type != LUA_TNUMBER)
        return cjm_script_fail(s, err, line, NULL, "%s: the function returned %s, not a number",
                               where, lua_typename(L, type));
    if (!(v >= lo && v <= hi))
        return cjm_script_fail(s, err, line, NULL, "%s: the function returned %.17g, not %s", where,
                               v, what);
    ev->value = v;
    return CJM_OK;
}

cjm_status cjm_script_eval_prob(cjm_script *s, const cjm_model *m, int edge, int g, int t,
                                int dwell, int c, cjm_eval *ev, cjm_error *err)
{
    const cjm_edge *e = &m->edges[edge];
    char leaves[400]; /* a split row's function is its `leaves` */
    snprintf(leaves, sizeof leaves, "transitions.%s.leaves", m->stages[e->from].name);
    return eval_number(s, m, s->fn_ref[edge][g], e->share ? leaves : e->path, g, t, dwell, c, 0, 1,
                       "a probability in [0, 1]", ev, err);
}

cjm_status cjm_script_eval_rate(cjm_script *s, const cjm_model *m, int stage, int g, int t,
                                int dwell, int c, cjm_eval *ev, cjm_error *err)
{
    char path[200];
    snprintf(path, sizeof path, "stages.%s.purchases", m->stages[stage].name);
    return eval_number(s, m, s->rate_ref[(size_t)stage * m->segment_count + g], path, g, t, dwell,
                       c, 0, 1e6, "a number of purchases per step in [0, 1e6]", ev, err);
}

cjm_status cjm_script_eval_refers(cjm_script *s, const cjm_model *m, int stage, int g, int t,
                                  cjm_eval *ev, cjm_error *err)
{
    char path[200];
    snprintf(path, sizeof path, "stages.%s.refers", m->stages[stage].name);
    return eval_number(s, m, s->refers_ref[(size_t)stage * m->segment_count + g], path, g, t, 0, 0,
                       0, 1e6, "a rate of referrals per step in [0, 1e6]", ev, err);
}

cjm_status cjm_script_eval_join(cjm_script *s, const cjm_model *m, int g, int t, cjm_eval *ev,
                                cjm_error *err)
{
    return eval_number(s, m, s->join_ref[g], "loyalty.join", g, t, 0, 0, 0, 1,
                       "a probability in [0, 1]", ev, err);
}

cjm_status cjm_script_eval_arrivals(cjm_script *s, const cjm_model *m, int t, double *v,
                                    cjm_error *err)
{
    lua_State *L = s->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->arrivals_ref);
    lua_pushinteger(L, t);
    cjm_error inner;
    if (cjm_script_pcall(s, 1, 1, NULL, &inner) != CJM_OK)
        return cjm_error_set(err, inner.code, "%s (%s: at step %d)", inner.msg, m->arrivals_path,
                             t);
    int type = lua_type(L, -1);
    *v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (type != LUA_TNUMBER || !isfinite(*v) || *v < 0)
        return cjm_script_fail(
            s, err, m->arrivals_line, NULL,
            "%s: at step %d: the function returned %s, not a number >= 0", m->arrivals_path, t,
            type == LUA_TNUMBER ? "a negative or infinite number" : lua_typename(L, type));
    return CJM_OK;
}
