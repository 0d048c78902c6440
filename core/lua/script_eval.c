/* script_eval.c: calls a function-valued probability for one (step, segment).
 * The engines never call this: cjm_script_tabulate() does, once per cell. */
#include "script_internal.h"

#include <math.h>
#include <string.h>

/* c.dwell is served by __index so that reading it can be noticed: only the
 * functions that read it are tabulated by time in stage. */
static int context_index(lua_State *L)
{
    cjm_script *s = lua_touserdata(L, lua_upvalueindex(1));
    const char *key = lua_tostring(L, 2);
    if (key && strcmp(key, "dwell") == 0) {
        s->dwell_read = 1;
        lua_pushinteger(L, s->dwell_now);
        return 1;
    }
    return luaL_error(L, "c.%s does not exist (c has t, segment and dwell)", key ? key : "?");
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

cjm_status cjm_script_eval_prob(cjm_script *s, const cjm_model *m, int edge, int g, int t,
                                int dwell, double *p, int *read_dwell, cjm_error *err)
{
    lua_State *L = s->L;
    const cjm_edge *e = &m->edges[edge];
    int ref = s->fn_ref[edge][g];
    char where[256];
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    push_context(s, m, g, t);
    s->dwell_now = dwell;
    s->dwell_read = 0;
    cjm_error inner;
    cjm_status st = cjm_script_pcall(s, 1, 1, NULL, &inner);
    *read_dwell = s->dwell_read;
    if (s->dwell_read)
        snprintf(where, sizeof where, "%s: at step %d, segment %s, dwell %d", e->path, t,
                 m->segment_names[g], dwell);
    else
        snprintf(where, sizeof where, "%s: at step %d, segment %s", e->path, t,
                 m->segment_names[g]);
    if (st != CJM_OK) return cjm_error_set(err, inner.code, "%s (%s)", inner.msg, where);
    int type = lua_type(L, -1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    int line = function_line(L, ref);
    if (type != LUA_TNUMBER)
        return cjm_script_fail(s, err, line, NULL, "%s: the function returned %s, not a number",
                               where, lua_typename(L, type));
    if (!(v >= 0 && v <= 1))
        return cjm_script_fail(s, err, line, NULL,
                               "%s: the function returned %.17g, not a probability in [0, 1]",
                               where, v);
    *p = v;
    return CJM_OK;
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
