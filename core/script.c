/* script.c: the sandboxed Lua state, protected calls, reading the scenario
 * file, and finding the line a scenario path is written on. */
#include "script_internal.h"

#include "sha256.h"

#include <lualib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct cjm_embedded {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct cjm_embedded cjm_embedded_scripts[];

cjm_status cjm_error_set(cjm_error *err, cjm_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

static void vfail(const cjm_script *s, cjm_error *err, int line, const char *path, const char *fmt,
                  va_list ap)
{
    char msg[768];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char where[256];
    if (line > 0)
        snprintf(where, sizeof where, "%s:%d:", s->file, line);
    else
        snprintf(where, sizeof where, "%s:", s->file);
    if (path && *path)
        cjm_error_set(err, CJM_ESCENARIO, "%s %s: %s", where, path, msg);
    else
        cjm_error_set(err, CJM_ESCENARIO, "%s %s", where, msg);
}

cjm_status cjm_script_fail(const cjm_script *s, cjm_error *err, int line, const char *path,
                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(s, err, line, path, fmt, ap);
    va_end(ap);
    return CJM_ESCENARIO;
}

cjm_status cjm_script_fail_at(const cjm_script *s, cjm_error *err, const char *path,
                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(s, err, cjm_script_line_of(s, path), path, fmt, ap);
    va_end(ap);
    return CJM_ESCENARIO;
}

/* Message handler: keeps only the message (one line for the user), turning
 * non-string error objects into text. stack: msg -> msg */
static int msghandler(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING) return 1;
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    return 1;
}

cjm_status cjm_script_pcall(cjm_script *s, int nargs, int nres, const char *what, cjm_error *err)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msghandler); /* stack: fn, args..., handler */
    lua_insert(L, base);              /* stack: handler, fn, args... */
    int status = lua_pcall(L, nargs, nres, base);
    lua_remove(L, base);
    if (status == LUA_OK) return CJM_OK;
    const char *msg = lua_tostring(L, -1);
    size_t line_len = strcspn(msg ? msg : "", "\n");
    cjm_status code = status == LUA_ERRMEM ? CJM_ENOMEM : CJM_ESCENARIO;
    if (what)
        cjm_error_set(err, code, "%s%.*s", what, (int)line_len, msg ? msg : "?");
    else
        cjm_error_set(err, code, "%.*s", (int)line_len, msg ? msg : "?");
    lua_pop(L, 1);
    return code;
}

/* require: serves only the cjm module (and other scripts/ modules), from the
 * copies embedded in the binary. stack: name -> module */
static int sandbox_require(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, name) != LUA_TNIL) return 1;
    lua_pop(L, 1);
    for (const struct cjm_embedded *e = cjm_embedded_scripts; e->name; e++) {
        if (strcmp(e->name, name) != 0) continue;
        char chunk[128];
        snprintf(chunk, sizeof chunk, "=[cjm %s]", name);
        if (luaL_loadbufferx(L, e->text, e->len, chunk, "t") != LUA_OK) return lua_error(L);
        lua_pushstring(L, name);
        lua_call(L, 1, 1);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_pushboolean(L, 1);
        }
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, name); /* package.loaded[name] = module */
        return 1;
    }
    return luaL_error(L, "module '%s' is not available to scenarios (only cjm)", name);
}

/* Reading an undefined global is almost always a typo in a scenario. */
static int strict_index(lua_State *L)
{
    return luaL_error(L, "undefined global '%s'", lua_tostring(L, 2));
}

static int sandbox_print(lua_State *L)
{
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        fputs(luaL_tolstring(L, i, NULL), stderr);
        fputs(i < n ? "\t" : "\n", stderr);
        lua_pop(L, 1);
    }
    return 0;
}

static const char *const removed_globals[] = {"dofile",  "loadfile",       "load",
                                              "require", "collectgarbage", NULL};

/* Opens only the allowed libraries; no io, os, debug or package. */
static void open_sandbox(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    for (const char *const *g = removed_globals; *g; g++) {
        lua_pushnil(L);
        lua_setglobal(L, *g);
    }
    lua_register(L, "require", sandbox_require);
    lua_register(L, "print", sandbox_print);
    /* math.random must be reproducible: a fixed seed, the same on every run. */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 20261124);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}

static cjm_status install_cjm_global(cjm_script *s, cjm_error *err)
{
    lua_State *L = s->L;
    lua_pushcfunction(L, sandbox_require);
    lua_pushstring(L, "cjm");
    if (cjm_script_pcall(s, 1, 1, "cjm module: ", err) != CJM_OK) return err->code;
    cjm_script_module_extend(L); /* the module's C functions */
    lua_setglobal(L, "cjm");
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushcfunction(L, strict_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    return CJM_OK;
}

static cjm_status read_source(cjm_script *s, const char *path, cjm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return cjm_error_set(err, CJM_ESCENARIO, "%s: cannot open the scenario file", path);
    size_t cap = 1 << 14, len = 0, n;
    char *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) free(buf);
            buf = grown;
            cap *= 2;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf) return cjm_error_set(err, CJM_ENOMEM, "%s: out of memory reading it", path);
    if (bad) {
        free(buf);
        return cjm_error_set(err, CJM_ESCENARIO, "%s: cannot read the scenario file", path);
    }
    s->source = buf;
    s->source_len = len;
    cjm_sha256_hex(buf, len, s->sha256);
    return CJM_OK;
}

/* Runs the chunk; it must return the table cjm.scenario{} made. */
static cjm_status run_scenario(cjm_script *s, cjm_error *err)
{
    lua_State *L = s->L;
    char chunk[512];
    snprintf(chunk, sizeof chunk, "@%s", s->file);
    if (luaL_loadbufferx(L, s->source, s->source_len, chunk, "t") != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        cjm_error_set(err, CJM_ESCENARIO, "%.*s", (int)strcspn(msg, "\n"), msg);
        lua_pop(L, 1);
        return CJM_ESCENARIO;
    }
    if (cjm_script_pcall(s, 0, 1, NULL, err) != CJM_OK) return err->code;
    if (!lua_istable(L, -1)) {
        cjm_script_fail(s, err, 0, NULL,
                        "the file must end with `return cjm.scenario { ... }` (it returned %s)",
                        luaL_typename(L, -1));
        lua_pop(L, 1);
        return CJM_ESCENARIO;
    }
    s->scenario_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return CJM_OK;
}

cjm_status cjm_script_open(const char *path, cjm_script **out, cjm_error *err)
{
    *out = NULL;
    cjm_script *s = calloc(1, sizeof *s);
    if (!s) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    s->scenario_ref = s->ctx_ref = LUA_NOREF;
    s->file = strdup(path);
    s->L = luaL_newstate();
    cjm_status st = CJM_ENOMEM;
    if (!s->file || !s->L) {
        cjm_error_set(err, st, "out of memory creating the Lua state");
        goto fail;
    }
    open_sandbox(s->L);
    if ((st = read_source(s, path, err)) != CJM_OK) goto fail;
    if ((st = install_cjm_global(s, err)) != CJM_OK) goto fail;
    if ((st = run_scenario(s, err)) != CJM_OK) goto fail;
    lua_newtable(s->L);
    s->ctx_ref = luaL_ref(s->L, LUA_REGISTRYINDEX);
    *out = s;
    return CJM_OK;
fail:
    cjm_script_free(&s);
    return st;
}

void cjm_script_free(cjm_script **sp)
{
    if (!sp || !*sp) return;
    cjm_script *s = *sp;
    if (s->L) lua_close(s->L);
    free(s->file);
    free(s->source);
    free(s);
    *sp = NULL;
}

const char *cjm_script_file(const cjm_script *s)
{
    return s->file;
}

const char *cjm_script_sha256(const cjm_script *s)
{
    return s->sha256;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **cjm_script_sorted_keys(lua_State *L, int idx, int *count, int *bad_key)
{
    idx = lua_absindex(L, idx);
    int n = 0, cap = 8;
    char **keys = malloc(cap * sizeof *keys);
    *bad_key = 0;
    lua_pushnil(L);
    while (keys && lua_next(L, idx)) {
        lua_pop(L, 1); /* stack: key */
        if (lua_type(L, -1) != LUA_TSTRING) {
            *bad_key = 1;
            continue;
        }
        if (n == cap) {
            char **grown = realloc(keys, (cap *= 2) * sizeof *keys);
            if (!grown) cjm_script_free_keys(keys, n);
            keys = grown;
        }
        if (keys) keys[n++] = strdup(lua_tostring(L, -1));
    }
    if (!keys) return NULL;
    qsort(keys, n, sizeof *keys, compare_strings);
    *count = n;
    return keys;
}

void cjm_script_free_keys(char **keys, int count)
{
    if (!keys) return;
    for (int i = 0; i < count; i++) free(keys[i]);
    free(keys);
}
