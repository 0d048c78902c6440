/* script.c: the sandboxed Lua state, protected calls, reading the scenario
 * file, and finding the line a scenario path is written on. */
#include "script_internal.h"

#include "script_limits.h"
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
 * non-string error objects into text. After a breach of a limit it runs no
 * scenario code (__tostring): the breach is reported instead. stack: msg -> msg */
static int msghandler(lua_State *L)
{
    if (cjm_limits_breached(L)) return 1;
    if (lua_type(L, 1) != LUA_TSTRING) {
        if (!luaL_callmeta(L, 1, "__tostring") || lua_type(L, -1) != LUA_TSTRING)
            lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
        lua_replace(L, 1);
        lua_settop(L, 1);
    }
    /* Lua gives no line for an error raised in C ("C stack overflow"), nor
     * for error(msg, 0) or an error object: say where the scenario was. */
    const char *msg = lua_tostring(L, 1);
    size_t head = strcspn(msg, ":\n");
    size_t digits = msg[head] == ':' ? strspn(msg + head + 1, "0123456789") : 0;
    char at[512];
    if ((!digits || msg[head + 1 + digits] != ':') && cjm_limits_where(L, at, sizeof at))
        lua_pushfstring(L, "%s %s", at, msg);
    return 1;
}

cjm_status cjm_script_pcall(cjm_script *s, int nargs, int nres, const char *what, cjm_error *err)
{
    lua_State *L = s->L;
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, msghandler); /* stack: fn, args..., handler */
    lua_insert(L, base);              /* stack: handler, fn, args... */
    cjm_limits_enter(L);
    int status = lua_pcall(L, nargs, nres, base);
    cjm_error limit;
    cjm_status breach = cjm_limits_leave(L, &limit);
    lua_remove(L, base);
    if (breach != CJM_OK) { /* whatever the scenario made of it, the breach is the error */
        lua_pop(L, status == LUA_OK ? nres : 1);
        return cjm_error_set(err, breach, "%s%s", what ? what : "", limit.msg);
    }
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

/* load(chunk [, chunkname [, mode [, env]]]): text only. Binary chunks
 * (string.dump) are refused whatever the mode says; a reader function is not
 * accepted; the chunk's environment is the sandbox unless env is given. */
static int sandbox_load(lua_State *L)
{
    size_t len;
    if (lua_type(L, 1) == LUA_TFUNCTION)
        return luaL_error(L, "load: a scenario may load strings only, not a reader function");
    const char *text = luaL_checklstring(L, 1, &len);
    const char *chunkname = luaL_optstring(L, 2, text);
    const char *mode = luaL_optstring(L, 3, "bt");
    int env = lua_isnone(L, 4) ? 0 : 4;
    lua_pushnil(L);
    if (!strchr(mode, 't')) {
        lua_pushliteral(L, "binary chunks cannot be loaded in a scenario");
        return 2;
    }
    if (luaL_loadbufferx(L, text, len, chunkname, "t") != LUA_OK) return 2; /* nil, message */
    if (env) {
        lua_pushvalue(L, env);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

/* setmetatable without finalizers: __gc would run scenario code at any later
 * allocation, with hooks off (so outside the instruction budget). */
static int sandbox_setmetatable(lua_State *L)
{
    int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (type == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc (finalizers) is not available to scenarios");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* The message handler that xpcall installs: the scenario's own handler, unless
 * a limit was breached. A breach raised from the count hook reaches the
 * handler while Lua has hooks switched off, so a handler that looped there
 * could not be stopped; after a breach it is not called at all. */
static int guarded_handler(lua_State *L)
{
    if (cjm_limits_breached(L)) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* xpcall(f, msgh, ...) with msgh behind guarded_handler. */
static int sandbox_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guarded_handler, 1);
    lua_replace(L, 2);     /* stack: f, handler, args... */
    lua_pushboolean(L, 1); /* the first result when all goes well */
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2); /* stack: f, handler, true, f, args... */
    if (lua_pcall(L, n - 2, LUA_MULTRET, 2) != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2; /* false, the error */
    }
    return lua_gettop(L) - 2; /* true, the results */
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
    lua_register(L, "load", sandbox_load);
    lua_register(L, "setmetatable", sandbox_setmetatable);
    lua_register(L, "xpcall", sandbox_xpcall);
    cjm_limits_open_guards(L);
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

/* The scenario's text given in the load options, copied (NUL-terminated, for
 * locating lines). */
static cjm_status copy_source(cjm_script *s, const char *text, size_t len, cjm_error *err)
{
    s->source = malloc(len + 1);
    if (!s->source) return cjm_error_set(err, CJM_ENOMEM, "%s: out of memory reading it", s->file);
    memcpy(s->source, text, len);
    s->source[len] = '\0';
    s->source_len = len;
    cjm_sha256_hex(text, len, s->sha256);
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

/* ---- the scenario must be plain data ----
 *
 * The loader reads the scenario with ordinary table accesses, outside any
 * protected call. A metamethod there would run scenario code where an error
 * (or a breach of a limit) cannot be caught, so every table reachable from the
 * scenario must have no metamethod that a read, a write or a length could run. */

enum { SEEN = 2, QUEUE, PARENT, KEY };
static const char *const active_events[] = {"__index", "__newindex", "__len",  "__eq", "__lt",
                                            "__le",    "__concat",   "__call", NULL};

/* Queues the table at idx (reached from queue entry parent by the key at key_idx, 0: none). */
static void enqueue(lua_State *L, int idx, lua_Integer parent, int key_idx, lua_Integer *n)
{
    idx = lua_absindex(L, idx);
    lua_pushvalue(L, idx);
    int seen = lua_rawget(L, SEEN) != LUA_TNIL;
    lua_pop(L, 1);
    if (seen) return;
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, SEEN);
    lua_pushvalue(L, idx);
    lua_rawseti(L, QUEUE, ++*n);
    lua_pushinteger(L, parent);
    lua_rawseti(L, PARENT, *n);
    if (key_idx) {
        lua_pushvalue(L, key_idx);
        lua_rawseti(L, KEY, *n);
    }
}

/* The dotted path of queue entry i ("stages.client"): string keys, and list
 * entries by their name ([1]). stack: -> path */
static void push_queue_path(lua_State *L, lua_Integer i)
{
    lua_Integer chain[32];
    int depth = 0;
    while (i > 1 && depth < 32) {
        chain[depth++] = i;
        lua_rawgeti(L, PARENT, i);
        i = lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    int first = 1;
    while (depth-- > 0) {
        int type = lua_rawgeti(L, KEY, chain[depth]);
        if (type == LUA_TNUMBER) { /* a list entry: its name, if it has one */
            lua_pop(L, 1);
            lua_rawgeti(L, QUEUE, chain[depth]);
            type = lua_rawgeti(L, -1, 1);
            lua_remove(L, -2);
        }
        if (type == LUA_TSTRING) {
            if (!first) luaL_addchar(&b, '.');
            luaL_addvalue(&b);
            first = 0;
        } else {
            lua_pop(L, 1);
        }
    }
    luaL_pushresult(&b);
}

/* stack: scenario -> nothing, or path, event */
static int find_active_metamethod(lua_State *L)
{
    lua_settop(L, 1);
    for (int i = SEEN; i <= KEY; i++) lua_newtable(L);
    lua_Integer n = 0;
    enqueue(L, 1, 0, 0, &n);
    lua_pushliteral(L, ""); /* strings have a metatable too, which --set paths never reach */
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "__index");
        if (lua_rawget(L, -2) == LUA_TTABLE) enqueue(L, -1, 1, 0, &n);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    for (lua_Integer head = 1; head <= n; head++) {
        lua_rawgeti(L, QUEUE, head);
        int t = lua_gettop(L);
        if (lua_getmetatable(L, t)) {
            for (const char *const *ev = active_events; *ev; ev++) {
                lua_pushstring(L, *ev);
                int type = lua_rawget(L, -2);
                int table_ok = type == LUA_TTABLE &&
                               (strcmp(*ev, "__index") == 0 || strcmp(*ev, "__newindex") == 0);
                if (type == LUA_TNIL || table_ok) {
                    if (table_ok) enqueue(L, -1, head, 0, &n); /* __index/__newindex table */
                    lua_pop(L, 1);
                    continue;
                }
                push_queue_path(L, head);
                lua_pushstring(L, *ev);
                return 2;
            }
            lua_pop(L, 1);
        }
        lua_pushnil(L);
        while (lua_next(L, t)) {
            if (lua_type(L, -1) == LUA_TTABLE) enqueue(L, -1, head, lua_gettop(L) - 1, &n);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    return 0;
}

static cjm_status check_plain_data(cjm_script *s, cjm_error *err)
{
    lua_State *L = s->L;
    lua_pushcfunction(L, find_active_metamethod);
    lua_pushvalue(L, -2);
    if (cjm_script_pcall(s, 1, 2, NULL, err) != CJM_OK) return err->code;
    cjm_status st = CJM_OK;
    if (lua_isstring(L, -1))
        st = cjm_script_fail_at(s, err, lua_tostring(L, -2),
                                "a table here has a %s metamethod; the scenario must be plain "
                                "data (tables, numbers, strings, booleans and functions)",
                                lua_tostring(L, -1));
    lua_pop(L, 2);
    return st;
}

/* Indexes where the source's keys are written, refusing a key written twice
 * in one table constructor: Lua would keep the last without a word. */
static cjm_status index_keys(cjm_script *s, cjm_error *err)
{
    if (cjm_keys_build(s->source, s->source_len, &s->keys) != CJM_OK)
        return cjm_error_set(err, CJM_ENOMEM, "%s: out of memory reading it", s->file);
    char path[256], key[128];
    int first, second;
    int dup = cjm_keys_duplicate(s->keys, path, sizeof path, key, sizeof key, &first, &second);
    if (dup < 0) return cjm_error_set(err, CJM_ENOMEM, "%s: out of memory reading it", s->file);
    if (dup == 0) return CJM_OK;
    if (first == second)
        return cjm_script_fail(s, err, second, path, "key '%s' written twice on line %d", key,
                               second);
    return cjm_script_fail(s, err, second, path, "key '%s' written twice: lines %d and %d", key,
                           first, second);
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
    if (index_keys(s, err) != CJM_OK) {
        lua_pop(L, 1);
        return err->code;
    }
    if (cjm_script_pcall(s, 0, 1, NULL, err) != CJM_OK) return err->code;
    if (!lua_istable(L, -1)) {
        cjm_script_fail(s, err, 0, NULL,
                        "the file must end with `return cjm.scenario { ... }` (it returned %s)",
                        luaL_typename(L, -1));
        lua_pop(L, 1);
        return CJM_ESCENARIO;
    }
    if (check_plain_data(s, err) != CJM_OK) {
        lua_pop(L, 1);
        return err->code;
    }
    s->scenario_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return CJM_OK;
}

cjm_status cjm_script_open_limited(const char *path, const cjm_load_options *opts, cjm_script **out,
                                   cjm_error *err)
{
    *out = NULL;
    cjm_script *s = calloc(1, sizeof *s);
    if (!s) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    s->scenario_ref = s->ctx_ref = s->arrivals_ref = LUA_NOREF;
    for (int g = 0; g < CJM_MAX_SEGMENTS; g++) s->join_ref[g] = LUA_NOREF;
    s->file = strdup(path);
    s->L = s->file ? cjm_limits_newstate(opts, path) : NULL;
    cjm_status st = CJM_ENOMEM;
    if (!s->file || !s->L) {
        cjm_error_set(err, st, "out of memory creating the Lua state");
        goto fail;
    }
    open_sandbox(s->L);
    st = opts && opts->text ? copy_source(s, opts->text, opts->text_len, err)
                            : read_source(s, path, err);
    if (st != CJM_OK) goto fail;
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
    cjm_limits_close(s->L);
    for (int e = 0; e < s->fn_ref_count; e++) free(s->fn_ref[e]);
    free(s->fn_ref);
    free(s->rate_ref);
    free(s->refers_ref);
    free(s->refers_value);
    free(s->file);
    free(s->source);
    cjm_keys_free(&s->keys);
    free(s);
    *sp = NULL;
}

typedef struct protected_step {
    cjm_script *s;
    cjm_script_step step;
    void *arg;
    cjm_error *err;
    cjm_status st;
} protected_step;

static int run_step(lua_State *L)
{
    protected_step *p = lua_touserdata(L, 1);
    lua_pop(L, 1);
    p->st = p->step(p->s, p->arg, p->err);
    return 0;
}

cjm_status cjm_script_protect(cjm_script *s, cjm_script_step step, void *arg, cjm_error *err)
{
    lua_State *L = s->L;
    protected_step p = {s, step, arg, err, CJM_OK};
    int top = lua_gettop(L);
    lua_pushcfunction(L, run_step);
    lua_pushlightuserdata(L, &p);
    int status = lua_pcall(L, 1, 0, 0);
    if (status == LUA_OK) return p.st;
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    cjm_status code = status == LUA_ERRMEM ? CJM_ENOMEM : CJM_ESCENARIO;
    cjm_error_set(err, code, "%s: internal error reading the scenario: %.*s", s->file,
                  (int)strcspn(msg, "\n"), msg);
    lua_settop(L, top);
    return code;
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
        size_t len = 0;
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (!s || strlen(s) != len) { /* a number, or a string with a NUL byte in it */
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
