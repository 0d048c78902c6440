/* script_variant.c: applies a variant of the scenario (its `set` overrides and
 * its fixes, after those of the variant it is based on) to the scenario table
 * before it is compiled, so a variant goes through every check a scenario does. */
#include "script_internal.h"

#include "suggest.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VARIANT_DEPTH 32

static const char *const variant_keys[] = {"fixes", "set",         "based_on",
                                           "costs", "description", NULL};

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "the variants are a, b, c" for the variants table at index t, sorted (a
 * table's order is not), the first 16 of them. */
static void variant_names(lua_State *L, int t, char *buf, size_t n)
{
    enum { SHOWN = 16 };
    const char *names[SHOWN];
    int count = 0, more = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) { /* the keys stay alive in the table */
        if (lua_type(L, -2) == LUA_TSTRING) {
            if (count < SHOWN)
                names[count++] = lua_tostring(L, -2);
            else
                more++;
        }
        lua_pop(L, 1);
    }
    qsort(names, (size_t)count, sizeof *names, by_name);
    size_t o = (size_t)snprintf(buf, n, "the variants are");
    for (int i = 0; i < count && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : " ", names[i]);
    if (more && o < n) snprintf(buf + o, n - o, " and %d more", more);
}

cjm_status cjm_fix_list_add(cjm_fix_list *l, const char *name, const char *origin, cjm_error *err)
{
    char **names = realloc(l->names, (size_t)(l->count + 1) * sizeof *names);
    if (names) l->names = names;
    char **origins = realloc(l->origins, (size_t)(l->count + 1) * sizeof *origins);
    if (origins) l->origins = origins;
    if (!names || !origins) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    l->names[l->count] = strdup(name);
    l->origins[l->count] = strdup(origin);
    l->count++;
    if (!l->names[l->count - 1] || !l->origins[l->count - 1])
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    return CJM_OK;
}

void cjm_fix_list_free(cjm_fix_list *l)
{
    for (int i = 0; i < l->count; i++) {
        free(l->names[i]);
        free(l->origins[i]);
    }
    for (int i = 0; i < l->variant_count; i++) free(l->variants[i]);
    free(l->names);
    free(l->origins);
    free(l->variants);
    memset(l, 0, sizeof *l);
}

static size_t n_variant_keys(void)
{
    size_t n = 0;
    while (variant_keys[n]) n++;
    return n;
}

static cjm_status check_variant_keys(cjm_script *s, int v, const char *path, cjm_error *err)
{
    lua_State *L = s->L;
    int n, bad;
    char **keys = cjm_script_sorted_keys(L, v, &n, &bad);
    if (!keys) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    if (bad) st = cjm_script_fail_at(s, err, path, "expected named keys: fixes, set, based_on");
    for (int i = 0; i < n && st == CJM_OK; i++) {
        int known = 0;
        for (const char *const *k = variant_keys; *k; k++) known |= strcmp(*k, keys[i]) == 0;
        const char *near = known ? NULL : cjm_suggest(keys[i], variant_keys, n_variant_keys());
        if (!known)
            st = cjm_script_fail_at(s, err, path,
                                    "unknown key '%s' (%s%s%sa variant has fixes, set, "
                                    "based_on, costs, description)",
                                    keys[i], near ? "did you mean '" : "", near ? near : "",
                                    near ? "'? " : "");
    }
    cjm_script_free_keys(keys, n);
    return st;
}

static cjm_status apply_sets(cjm_script *s, int scn, int v, const char *name, cjm_error *err)
{
    lua_State *L = s->L;
    char path[320], origin[300];
    snprintf(path, sizeof path, "variants.%s.set", name);
    snprintf(origin, sizeof origin, "variant %s: set", name);
    int type = lua_getfield(L, v, "set");
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return CJM_OK;
    }
    int n = 0, bad = 0;
    char **keys = type == LUA_TTABLE ? cjm_script_sorted_keys(L, -1, &n, &bad) : NULL;
    cjm_status st = CJM_OK;
    if (type != LUA_TTABLE || bad)
        st = cjm_script_fail_at(s, err, path, "expected { [\"path.to.value\"] = value, ... }");
    for (int i = 0; i < n && st == CJM_OK; i++) {
        lua_getfield(L, -1, keys[i]); /* stack: set, value */
        char *at = cjm_path_join(path, keys[i]);
        st = at ? cjm_script_set_path(s, scn, keys[i], origin, at, err)
                : (lua_pop(L, 1), cjm_error_set(err, CJM_ENOMEM, "out of memory"));
        free(at);
    }
    cjm_script_free_keys(keys, n);
    lua_pop(L, 1);
    return st;
}

static cjm_status collect_fixes(cjm_script *s, int v, const char *name, cjm_fix_list *fixes,
                                cjm_error *err)
{
    lua_State *L = s->L;
    char path[320];
    snprintf(path, sizeof path, "variants.%s.fixes", name);
    int type = lua_getfield(L, v, "fixes");
    cjm_status st = CJM_OK;
    if (type != LUA_TNIL && type != LUA_TTABLE)
        st = cjm_script_fail_at(s, err, path, "expected a list of barrier names");
    lua_Integer n = type == LUA_TTABLE ? luaL_len(L, -1) : 0;
    for (lua_Integer i = 1; i <= n && st == CJM_OK; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TSTRING)
            st = cjm_script_fail_at(s, err, path, "entry %lld is not a barrier name", (long long)i);
        else
            st = cjm_fix_list_add(fixes, lua_tostring(L, -1), path, err);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return st;
}

static cjm_status apply_named(cjm_script *s, int scn, const char *name, cjm_fix_list *fixes,
                              int depth, cjm_error *err);

/* The variant applied (after those it is based on): its fixed costs count. */
static cjm_status note_variant(cjm_fix_list *l, const char *name, cjm_error *err)
{
    char **grown = realloc(l->variants, (size_t)(l->variant_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    l->variants = grown;
    if (!(l->variants[l->variant_count] = strdup(name)))
        return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    l->variant_count++;
    return CJM_OK;
}

static cjm_status apply_base(cjm_script *s, int scn, int v, const char *name, cjm_fix_list *fixes,
                             int depth, cjm_error *err)
{
    lua_State *L = s->L;
    char path[320];
    snprintf(path, sizeof path, "variants.%s.based_on", name);
    int type = lua_getfield(L, v, "based_on");
    cjm_status st = CJM_OK;
    if (type == LUA_TSTRING && depth >= MAX_VARIANT_DEPTH)
        st = cjm_script_fail_at(s, err, path, "variants are based on each other in a cycle");
    else if (type == LUA_TSTRING)
        st = apply_named(s, scn, lua_tostring(L, -1), fixes, depth + 1, err);
    else if (type != LUA_TNIL)
        st = cjm_script_fail_at(s, err, path, "expected the name of another variant");
    lua_pop(L, 1);
    return st;
}

static cjm_status apply_named(cjm_script *s, int scn, const char *name, cjm_fix_list *fixes,
                              int depth, cjm_error *err)
{
    lua_State *L = s->L;
    if (!lua_checkstack(L, 16)) /* each level of based_on holds a few slots */
        return cjm_error_set(err, CJM_ENOMEM, "out of Lua stack applying variant '%s'", name);
    if (lua_getfield(L, scn, "variants") != LUA_TTABLE) {
        lua_pop(L, 1);
        return cjm_script_fail(s, err, 0, NULL, "variant '%s': the scenario has no variants", name);
    }
    if (lua_getfield(L, -1, name) != LUA_TTABLE) {
        char names[400];
        variant_names(L, lua_absindex(L, -2), names, sizeof names);
        cjm_status st =
            cjm_script_fail_at(s, err, "variants", "no variant named '%s' (%s)", name, names);
        lua_pop(L, 2);
        return st;
    }
    int v = lua_gettop(L);
    char path[300];
    snprintf(path, sizeof path, "variants.%s", name);
    cjm_status st = check_variant_keys(s, v, path, err);
    if (st == CJM_OK) st = apply_base(s, scn, v, name, fixes, depth, err);
    if (st == CJM_OK) st = apply_sets(s, scn, v, name, err);
    if (st == CJM_OK) st = collect_fixes(s, v, name, fixes, err);
    if (st == CJM_OK) st = note_variant(fixes, name, err);
    lua_pop(L, 2);
    return st;
}

cjm_status cjm_script_apply_variant(cjm_script *s, int scn, const char *name, cjm_fix_list *fixes,
                                    cjm_error *err)
{
    return apply_named(s, scn, name, fixes, 0, err);
}
