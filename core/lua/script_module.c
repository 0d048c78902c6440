/* script_module.c: the C functions of the `cjm` Lua module. */
#include "script_internal.h"

/* cjm._caller_line(level): the line the function `level` levels up is
 * running, so that Lua-side checks can say where a call was written. */
static int caller_line(lua_State *L)
{
    lua_Debug ar;
    int level = (int)luaL_optinteger(L, 1, 1);
    if (!lua_getstack(L, level, &ar) || !lua_getinfo(L, "l", &ar))
        lua_pushinteger(L, 0);
    else
        lua_pushinteger(L, ar.currentline > 0 ? ar.currentline : 0);
    return 1;
}

static const luaL_Reg module_functions[] = {
    {"_caller_line", caller_line},
    {NULL, NULL},
};

void cjm_script_module_extend(lua_State *L)
{
    luaL_setfuncs(L, module_functions, 0);
    lua_pushstring(L, cjm_version()); /* the one version: CMake's project version */
    lua_setfield(L, -2, "version");
    cjm_script_dist_open(L); /* the module's objects, made in C */
}
