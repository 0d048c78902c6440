/* script_eval.c: calls a function-valued probability for one (step, segment).
 * The engines never call this: cjm_model_tabulate() does, once per cell. */
#include "script_internal.h"

#include <math.h>

/* Fills the reused context table: c.t, c.segment. stack: -> c */
static void push_context(cjm_script *s, const cjm_model *m, int g, int t)
{
    lua_State *L = s->L;
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

cjm_status cjm_script_eval_prob(cjm_script *s, const cjm_model *m, const cjm_edge *e, int g, int t,
                                double *p, cjm_error *err)
{
    lua_State *L = s->L;
    char where[256];
    snprintf(where, sizeof where, "%s: at step %d, segment %s", e->path, t, m->segment_names[g]);
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->fn_ref[g]);
    push_context(s, m, g, t);
    cjm_error inner;
    if (cjm_script_pcall(s, 1, 1, NULL, &inner) != CJM_OK)
        return cjm_error_set(err, inner.code, "%s (%s)", inner.msg, where);
    int type = lua_type(L, -1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    int line = function_line(L, e->fn_ref[g]);
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
