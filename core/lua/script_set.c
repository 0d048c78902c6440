/* script_set.c: overrides of scenario values by path (`--set PATH=VALUE`,
 * and a variant's `set`), applied to the scenario table before it is compiled
 * so that an overridden value goes through exactly the same checks. */
#include "script_internal.h"

#include "suggest.h"

#include <stdlib.h>
#include <string.h>

/* Keys that a scenario may leave out but that --set may still give. */
static const char *const optional_stage_keys[] = {
    "cost",  "revenue", "cost_per_step", "revenue_per_step", "cogs", "cogs_per_step", "converts",
    "final", NULL};

/* Pushes the entry of the list at idx whose name ([1] or .name) is name, or nil. */
static int push_named_entry(lua_State *L, int idx, const char *name)
{
    lua_Integer n = luaL_len(L, idx);
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, idx, i) == LUA_TTABLE) {
            int t = lua_rawgeti(L, -1, 1) == LUA_TSTRING ? LUA_TSTRING : LUA_TNIL;
            if (t == LUA_TNIL) {
                lua_pop(L, 1);
                t = lua_getfield(L, -1, "name");
            }
            int match = t == LUA_TSTRING && strcmp(lua_tostring(L, -1), name) == 0;
            lua_pop(L, 1);
            if (match) return LUA_TTABLE;
        }
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    return LUA_TNIL;
}

/* Pushes t[comp], looking lists of named entries up by name. */
static int push_child(lua_State *L, int idx, const char *comp)
{
    int type = lua_getfield(L, idx, comp);
    if (type != LUA_TNIL) return type;
    lua_pop(L, 1);
    return push_named_entry(L, idx, comp);
}

static int is_stage_name(lua_State *L, int scenario_idx, const char *name)
{
    if (lua_getfield(L, scenario_idx, "stages") != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int found = push_named_entry(L, lua_gettop(L), name) == LUA_TTABLE;
    lua_pop(L, 2);
    return found;
}

static int count_dots(const char *p)
{
    int n = 0;
    for (; *p; p++) n += *p == '.';
    return n;
}

/* May a path that the scenario does not write be set? Only where the language
 * has a default: a stage's amounts and flags, the cohort's cost, and a new
 * transition between two existing stages. */
static int may_add(lua_State *L, int scenario_idx, const char *path, const char *key)
{
    int depth = count_dots(path);
    if (strncmp(path, "stages.", 7) == 0 && depth == 2) {
        for (const char *const *k = optional_stage_keys; *k; k++)
            if (strcmp(*k, key) == 0) return 1;
        return 0;
    }
    if (strcmp(path, "cohort.cost_per_prospect") == 0) return 1;
    if (strncmp(path, "transitions.", 12) == 0 && depth == 2)
        return is_stage_name(L, scenario_idx, key);
    return 0;
}

/* Is the new value (type nt) allowed to replace the old (type ot) at path? A
 * probability may replace a function or a per-segment table; otherwise the
 * type stays what the scenario wrote. */
static int compatible(const char *path, int ot, int nt, int old_is_dist)
{
    if (old_is_dist) return nt == LUA_TNUMBER; /* pin an uncertain input to a value */
    if (ot == LUA_TNIL || ot == nt) return ot != LUA_TTABLE;
    int is_prob = strncmp(path, "transitions.", 12) == 0;
    return nt == LUA_TNUMBER && is_prob && (ot == LUA_TFUNCTION || ot == LUA_TTABLE);
}

/* A hint for the component word, not found in the table at idx: the key (or
 * the named entry, in a list such as stages) meant, or the names when few. */
static const char *child_hint(lua_State *L, int idx, const char *word, char *buf, size_t size)
{
    int n = 0, others = 0;
    buf[0] = '\0';
    char **keys = cjm_script_sorted_keys(L, idx, &n, &others);
    if (!keys) return buf;
    const char *names[64];
    int count = 0;
    for (int i = 0; i < n && count < 64; i++) names[count++] = keys[i];
    lua_Integer len = n ? 0 : luaL_len(L, idx);
    for (lua_Integer i = 1; i <= len && count < 64; i++) {
        if (lua_rawgeti(L, idx, i) == LUA_TTABLE) {
            if (lua_rawgeti(L, -1, 1) != LUA_TSTRING) {
                lua_pop(L, 1);
                lua_getfield(L, -1, "name");
            }
            if (lua_type(L, -1) == LUA_TSTRING) names[count++] = lua_tostring(L, -1);
            lua_pop(L, 1); /* the name stays alive: the entry holds it */
        }
        lua_pop(L, 1);
    }
    cjm_suggest_hint(buf, size, word, n ? "keys" : "entries", names, (size_t)count);
    cjm_script_free_keys(keys, n);
    return buf;
}

static cjm_status walk_to_parent(cjm_script *s, int scenario_idx, const char *path,
                                 const char *origin, int line, const char **key, cjm_error *err)
{
    lua_State *L = s->L;
    lua_pushvalue(L, scenario_idx);
    const char *comp = path;
    const char *dot;
    while ((dot = strchr(comp, '.')) != NULL) {
        char part[256];
        snprintf(part, sizeof part, "%.*s", (int)(dot - comp), comp);
        int type = push_child(L, lua_gettop(L), part);
        if (type != LUA_TTABLE) {
            char hint[512];
            lua_pop(L, 1);
            child_hint(L, lua_gettop(L), part, hint, sizeof hint);
            lua_pop(L, 1);
            return cjm_script_fail(s, err, line, NULL, "%s %s: '%.*s' is not in the scenario%s",
                                   origin, path, (int)(dot - path), path, hint);
        }
        lua_remove(L, -2);
        comp = dot + 1;
    }
    *key = comp;
    return CJM_OK;
}

cjm_status cjm_script_set_path(cjm_script *s, int scenario_idx, const char *path,
                               const char *origin, const char *at, cjm_error *err)
{
    lua_State *L = s->L;
    int value = lua_gettop(L);
    const char *key = NULL;
    if (!*path || path[strlen(path) - 1] == '.') {
        lua_pop(L, 1);
        return cjm_script_fail(s, err, 0, NULL, "%s '%s': not a scenario path", origin, path);
    }
    /* a dotless path that is no top-level key: a named input's name */
    int named = 0;
    if (!strchr(path, '.')) {
        int top = lua_getfield(L, scenario_idx, path);
        lua_pop(L, 1);
        if (top == LUA_TNIL) named = cjm_script_set_named(L, path, value);
    }
    if (named) {
        lua_pop(L, 1);
        return named > 0 ? CJM_OK
                         : cjm_script_fail(s, err, 0, NULL,
                                           "%s %s: a named input takes a number (it replaces "
                                           "the distribution wherever it is used)",
                                           origin, path);
    }
    int line = at ? cjm_script_line_of(s, at) : 0;
    if (walk_to_parent(s, scenario_idx, path, origin, line, &key, err) != CJM_OK) {
        lua_pop(L, 1);
        return CJM_ESCENARIO;
    }
    int parent = lua_gettop(L);
    int ot = lua_getfield(L, parent, key), nt = lua_type(L, value);
    int old_is_dist = cjm_script_is_dist(L, -1);
    if (cjm_script_is_per_customer(L, -1)) ot = LUA_TTABLE; /* a probability replaces it */
    if (old_is_dist && nt == LUA_TNUMBER)
        cjm_script_note_pinned(L); /* pops the old value */
    else
        lua_pop(L, 1);
    cjm_status st = CJM_OK;
    if (!at) line = cjm_script_line_of(s, path);
    char hint[512];
    if (ot == LUA_TNIL && !may_add(L, scenario_idx, path, key))
        st = cjm_script_fail(s, err, line, NULL, "%s %s: no such value in the scenario%s", origin,
                             path, child_hint(L, parent, key, hint, sizeof hint));
    else if (!compatible(path, ot, nt, old_is_dist))
        st = cjm_script_fail(s, err, line, NULL, "%s %s: cannot replace a %s with a %s", origin,
                             path, lua_typename(L, ot), lua_typename(L, nt));
    if (st == CJM_OK) {
        lua_pushvalue(L, value);
        lua_setfield(L, parent, key);
    }
    lua_settop(L, value - 1);
    return st;
}

/* The Lua value a --set text stands for: a number, true/false, or a string. */
static void push_text_value(lua_State *L, const char *text)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        lua_pushboolean(L, text[0] == 't');
    else if (lua_stringtonumber(L, text) == 0)
        lua_pushstring(L, text);
}

cjm_status cjm_script_apply_sets(cjm_script *s, const cjm_load_options *opts, cjm_error *err)
{
    int scenario_idx = lua_gettop(s->L);
    for (int i = 0; opts && i < opts->set_count; i++) {
        push_text_value(s->L, opts->sets[i].value);
        cjm_status st =
            cjm_script_set_path(s, scenario_idx, opts->sets[i].path, "--set", NULL, err);
        if (st != CJM_OK) return st;
    }
    return CJM_OK;
}
