/* script_dist.c: the module's objects, made in C so that a scenario can
 * neither forge nor edit them: distributions (cjm.uniform(), ...,
 * cjm.discrete{}), the rows of cjm.dirichlet{}, per-customer distributions
 * (cjm.per_customer()) and correlation groups (cjm.correlate()). Each is a userdata whose metatable
 * is protected (getmetatable gives its name); its numbers are copied and
 * checked when it is made, and checked again when the loader reads it
 * (script_inputs.c). A correlation group, a dirichlet row and a
 * per-customer distribution keep what they refer to in user values, which
 * no scenario can reach. */
#include "script_internal.h"

#include "script_limits.h"
#include "special.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIEW_MT "cjm.numbers"

/* The names of each kind's parameters, in the constructor's order. */
static const char *const param_names[][3] = {
    [CJM_DIST_UNIFORM] = {"lo", "hi", NULL}, [CJM_DIST_TRIANGULAR] = {"lo", "mode", "hi"},
    [CJM_DIST_PERT] = {"lo", "mode", "hi"},  [CJM_DIST_BETA] = {"a", "b", NULL},
    [CJM_DIST_NORMAL] = {"mu", "sd", NULL},  [CJM_DIST_LOGNORMAL] = {"mu", "sigma", NULL},
    [CJM_DIST_GAMMA] = {"k", "theta", NULL}, [CJM_DIST_DISCRETE] = {NULL, NULL, NULL},
};

int cjm_dist_arity(cjm_dist_kind kind)
{
    int k = 0;
    while (k < 3 && param_names[kind][k]) k++;
    return k;
}

int cjm_dist_problem(const cjm_udist *d, char *msg, size_t n)
{
    const double *p = d->p;
    int k = cjm_dist_arity(d->kind);
    for (int i = 0; i < k; i++)
        if (!isfinite(p[i]))
            return snprintf(msg, n, "%s must be a finite number (got %g)", param_names[d->kind][i],
                            p[i]),
                   1;
    switch (d->kind) {
    case CJM_DIST_UNIFORM:
        if (!(p[0] < p[1])) return snprintf(msg, n, "lo must be below hi (got %g, %g)", p[0], p[1]);
        return 0;
    case CJM_DIST_TRIANGULAR:
    case CJM_DIST_PERT:
        if (!(p[0] < p[2])) return snprintf(msg, n, "lo must be below hi (got %g, %g)", p[0], p[2]);
        if (!(p[1] >= p[0] && p[1] <= p[2]))
            return snprintf(msg, n, "mode %g is outside [lo, hi] = [%g, %g]", p[1], p[0], p[2]);
        return 0;
    case CJM_DIST_BETA:
        if (!(p[0] > 0)) return snprintf(msg, n, "a must be > 0 (got %g)", p[0]);
        if (!(p[1] > 0)) return snprintf(msg, n, "b must be > 0 (got %g)", p[1]);
        for (int i = 0; i < 2; i++)
            if (p[i] > CJM_BETA_SHAPE_MAX)
                return snprintf(msg, n,
                                "%s must be at most %g (got %g): cjm cannot compute a beta this "
                                "concentrated; a normal with its mean and sd is as good there",
                                param_names[d->kind][i], CJM_BETA_SHAPE_MAX, p[i]);
        return 0;
    case CJM_DIST_NORMAL:
        if (!(p[1] > 0)) return snprintf(msg, n, "sd must be > 0 (got %g)", p[1]);
        return 0;
    case CJM_DIST_LOGNORMAL:
        if (!(p[1] > 0)) return snprintf(msg, n, "sigma must be > 0 (got %g)", p[1]);
        return 0;
    case CJM_DIST_GAMMA:
        if (!(p[0] > 0)) return snprintf(msg, n, "k (shape) must be > 0 (got %g)", p[0]);
        if (!(p[1] > 0)) return snprintf(msg, n, "theta (scale) must be > 0 (got %g)", p[1]);
        return 0;
    case CJM_DIST_DISCRETE: {
        if (d->n < 1 || d->n > CJM_DISCRETE_MAX)
            return snprintf(msg, n, "values must be a list of 1 to %d numbers (got %d)",
                            CJM_DISCRETE_MAX, d->n);
        const double *v = d->data, *w = d->data + d->n;
        int positive = 0;
        for (int i = 0; i < d->n; i++) {
            if (!isfinite(v[i]))
                return snprintf(msg, n, "values[%d] must be a finite number (got %g)", i + 1, v[i]);
            if (!isfinite(w[i]))
                return snprintf(msg, n, "weights[%d] must be a finite number (got %g)", i + 1,
                                w[i]);
            if (!(w[i] >= 0))
                return snprintf(msg, n, "weights[%d] must be >= 0 (got %g)", i + 1, w[i]);
            positive |= w[i] > 0;
        }
        if (!positive) return snprintf(msg, n, "the weights sum to 0"), 1;
        return 0;
    }
    }
    return snprintf(msg, n, "not a distribution cjm knows"), 1;
}

int cjm_corr_problem(const cjm_ugroup *g, char *msg, size_t len)
{
    int n = g->n;
    if (n < 2 || n > CJM_CORRELATE_MAX)
        return snprintf(msg, len, "expects a list of 2 to %d distributions (got %d)",
                        CJM_CORRELATE_MAX, n),
               1;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double r = g->matrix[i * n + j];
            if (!(r >= -1 && r <= 1))
                return snprintf(msg, len, "matrix[%d][%d] must be a number in [-1, 1] (got %g)",
                                i + 1, j + 1, r),
                       1;
            if (i == j && r != 1)
                return snprintf(msg, len, "matrix[%d][%d] must be 1 (got %g)", i + 1, i + 1, r), 1;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (g->matrix[i * n + j] != g->matrix[j * n + i])
                return snprintf(msg, len, "the matrix is not symmetric at [%d][%d]", i + 1, j + 1),
                       1;
    return 0;
}

cjm_udist *cjm_script_to_dist(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, CJM_DIST_MT);
}

int cjm_script_is_dist(lua_State *L, int idx)
{
    return cjm_script_to_dist(L, idx) != NULL || cjm_script_to_expr(L, idx) != NULL;
}

cjm_uexpr *cjm_script_to_expr(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, CJM_EXPR_MT);
}

int cjm_script_is_per_customer(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, CJM_PER_CUSTOMER_MT) != NULL;
}

/* ---- making them ---- */

/* Raises "cjm.NAME: message" at the scenario's line (the caller's). */
static int raise(lua_State *L, const char *fname, const char *msg)
{
    return luaL_error(L, "cjm.%s: %s", fname, msg);
}

/* Argument i as a finite number, or an error naming it. */
static double number_arg(lua_State *L, const char *fname, const char *name, int i)
{
    if (lua_type(L, i) == LUA_TNUMBER && isfinite(lua_tonumber(L, i))) return lua_tonumber(L, i);
    char msg[160];
    snprintf(msg, sizeof msg, "%s must be a finite number (got %s)", name,
             lua_isnoneornil(L, i) ? "nil" : luaL_tolstring(L, i, NULL));
    return raise(L, fname, msg);
}

/* The line of the scenario code that called the constructor, or 0. */
static int line_of_caller(lua_State *L)
{
    lua_Debug ar;
    return lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar) && ar.currentline > 0
               ? ar.currentline
               : 0;
}

/* Is name an identifier ([A-Za-z_][A-Za-z0-9_]*) of at most
 * CJM_INPUT_NAME_MAX characters? */
static int is_identifier(const char *name, size_t len)
{
    if (len == 0 || len > CJM_INPUT_NAME_MAX ||
        !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_')) return 0;
    return 1;
}

/* The options table at argument i ({ name = "member_frequency" }), read raw
 * (no metamethod runs), into d (on top of the stack); none (nil) is no
 * option. A name is remembered (CJM_NAMED_KEY) for --set NAME=VALUE. */
static void read_options(lua_State *L, const char *fname, int i, cjm_udist *d)
{
    int dist = lua_gettop(L); /* d's userdata */
    char msg[200];
    if (lua_isnoneornil(L, i)) return;
    if (!lua_istable(L, i)) {
        snprintf(msg, sizeof msg,
                 "after the parameters comes an options table, e.g. { name = \"churn\" } "
                 "(got %s)",
                 luaL_typename(L, i));
        raise(L, fname, msg);
    }
    lua_pushnil(L);
    while (lua_next(L, i)) {
        if (lua_type(L, -2) != LUA_TSTRING || strcmp(lua_tostring(L, -2), "name") != 0) {
            lua_pushvalue(L, -2);
            snprintf(msg, sizeof msg, "unknown option '%.64s' (the options: name)",
                     luaL_tolstring(L, -1, NULL));
            raise(L, fname, msg);
        }
        lua_pop(L, 1);
    }
    lua_pushstring(L, "name");
    if (lua_rawget(L, i) == LUA_TNIL) return (void)lua_pop(L, 1);
    size_t len = 0;
    const char *name = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (!name || !is_identifier(name, len)) {
        snprintf(msg, sizeof msg,
                 "name must be an identifier of letters, digits and _ (at most %d, not starting "
                 "with a digit), e.g. member_frequency (got %.64s)",
                 CJM_INPUT_NAME_MAX, luaL_tolstring(L, -1, NULL));
        raise(L, fname, msg);
    }
    memcpy(d->name, name, len + 1);
    lua_pop(L, 1);
    /* the first distribution of each name, for --set NAME=VALUE */
    if (lua_getfield(L, LUA_REGISTRYINDEX, CJM_NAMED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, CJM_NAMED_KEY);
    }
    if (lua_getfield(L, -1, d->name) == LUA_TNIL) {
        lua_pushvalue(L, dist);
        lua_setfield(L, -3, d->name);
    }
    lua_pop(L, 2);
}

static cjm_udist *push_dist(lua_State *L, cjm_dist_kind kind, int n)
{
    size_t size = sizeof(cjm_udist) + (size_t)2 * (size_t)n * sizeof(double);
    cjm_udist *d = lua_newuserdatauv(L, size, 2);
    memset(d, 0, size);
    d->kind = kind;
    d->n = n;
    d->line = line_of_caller(L);
    luaL_setmetatable(L, CJM_DIST_MT);
    return d;
}

/* cjm.uniform(lo, hi) and the other kinds with parameters: the kind is the
 * upvalue. */
static int make_params(lua_State *L)
{
    cjm_dist_kind kind = (cjm_dist_kind)lua_tointeger(L, lua_upvalueindex(1));
    const char *fname = cjm_dist_kind_name(kind);
    double p[3] = {0, 0, 0};
    int k = cjm_dist_arity(kind);
    lua_settop(L, k + 1); /* the parameters, then the options or nil */
    for (int i = 0; i < k; i++) p[i] = number_arg(L, fname, param_names[kind][i], i + 1);
    cjm_udist *d = push_dist(L, kind, 0);
    memcpy(d->p, p, sizeof p);
    char msg[256];
    if (cjm_dist_problem(d, msg, sizeof msg)) return raise(L, fname, msg);
    read_options(L, fname, k + 1, d);
    return 1;
}

/* t[1] or t[key]: the list at idx, raw (no metamethod runs). */
static int get_list(lua_State *L, int t, const char *key, int i)
{
    if (lua_getfield(L, t, key) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_rawgeti(L, t, i);
    }
    return lua_type(L, -1);
}

/* cjm.discrete{ {values...}, {weights...} } or cjm.discrete{ values = {...}, weights = {...} } */
static int make_discrete(lua_State *L)
{
    if (!lua_istable(L, 1)) return raise(L, "discrete", "expects { values, weights }");
    lua_settop(L, 2);
    if (!lua_isnil(L, 2) && !lua_istable(L, 2))
        return raise(L, "discrete", "the options (e.g. { name = \"size\" }) must be a table");
    lua_insert(L, 1);                                                        /* stack: options, t */
    int vt = get_list(L, 2, "values", 1), wt = get_list(L, 2, "weights", 2); /* stack: o, t, v, w */
    lua_Unsigned nv = vt == LUA_TTABLE ? lua_rawlen(L, 3) : 0;
    lua_Unsigned nw = wt == LUA_TTABLE ? lua_rawlen(L, 4) : 0;
    if (nv == 0) return raise(L, "discrete", "values must be a non-empty list");
    if (nv > CJM_DISCRETE_MAX) {
        char msg[128];
        snprintf(msg, sizeof msg, "at most %d values (got %llu)", CJM_DISCRETE_MAX,
                 (unsigned long long)nv);
        return raise(L, "discrete", msg);
    }
    if (wt != LUA_TNIL && wt != LUA_TTABLE)
        return raise(L, "discrete", "weights must be a list of numbers");
    if (nw != 0 && nw != nv) {
        char msg[128];
        snprintf(msg, sizeof msg, "%llu values but %llu weights", (unsigned long long)nv,
                 (unsigned long long)nw);
        return raise(L, "discrete", msg);
    }
    int n = (int)nv;
    cjm_limits_charge(L, (uint64_t)n);
    cjm_udist *d = push_dist(L, CJM_DIST_DISCRETE, n); /* stack: o, t, v, w, d */
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "values[%d]", i + 1);
        lua_rawgeti(L, 3, i + 1);
        d->data[i] = number_arg(L, "discrete", name, 6);
        lua_pop(L, 1);
        if (nw == 0) {
            d->data[n + i] = 1;
            continue;
        }
        snprintf(name, sizeof name, "weights[%d]", i + 1);
        lua_rawgeti(L, 4, i + 1);
        d->data[n + i] = number_arg(L, "discrete", name, 6);
        lua_pop(L, 1);
    }
    char msg[256];
    if (cjm_dist_problem(d, msg, sizeof msg)) return raise(L, "discrete", msg);
    read_options(L, "discrete", 1, d);
    return 1;
}

/* cjm.per_customer(d): the distribution is the user value. */
static int make_per_customer(lua_State *L)
{
    cjm_udist *d = cjm_script_to_dist(L, 1);
    if (!d)
        return raise(L, "per_customer",
                     "expects a distribution, e.g. cjm.per_customer(cjm.beta(0.7, 1.2))");
    if (lua_getiuservalue(L, 1, 1) != LUA_TNIL)
        return raise(L, "per_customer",
                     "a correlated distribution is drawn per run, not per customer");
    if (d->dirichlet)
        return raise(L, "per_customer", "a cjm.dirichlet entry is drawn per run, not per customer");
    d->per_customer = 1;
    lua_newuserdatauv(L, 1, 1);
    luaL_setmetatable(L, CJM_PER_CUSTOMER_MT);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

/* cjm.correlate(list, matrix): the group (line, a copy of the matrix, the
 * members in a private list) becomes each member's user value. */
static int correlate(lua_State *L)
{
    char msg[256];
    lua_Unsigned n = lua_istable(L, 1) ? lua_rawlen(L, 1) : 0;
    if (n < 2) return raise(L, "correlate", "expects a list of two or more distributions");
    if (n > CJM_CORRELATE_MAX) {
        snprintf(msg, sizeof msg, "at most %d distributions (got %llu)", CJM_CORRELATE_MAX,
                 (unsigned long long)n);
        return raise(L, "correlate", msg);
    }
    if (!lua_istable(L, 2) || lua_rawlen(L, 2) != n) {
        snprintf(msg, sizeof msg, "the matrix must have %llu rows, one per distribution",
                 (unsigned long long)n);
        return raise(L, "correlate", msg);
    }
    lua_settop(L, 2);
    cjm_limits_charge(L, (uint64_t)(n * n));
    int k = (int)n;
    cjm_ugroup *g = lua_newuserdatauv(L, sizeof *g + (size_t)k * (size_t)k * sizeof(double), 1);
    g->n = k;
    g->line = line_of_caller(L);
    luaL_setmetatable(L, CJM_GROUP_MT);
    lua_createtable(L, k, 0); /* stack: list, matrix, group, members */
    for (int i = 0; i < k; i++) {
        lua_rawgeti(L, 1, i + 1);
        cjm_udist *d = cjm_script_to_dist(L, -1);
        const char *bad = !d ? "is not a distribution"
                          : lua_getiuservalue(L, -1, 1) != LUA_TNIL
                              ? "is already in another correlation group"
                          : d->per_customer ? "is drawn per customer, not per run"
                          : d->dirichlet    ? "is a cjm.dirichlet entry (drawn with its row)"
                                            : NULL;
        if (d) lua_pop(L, 1);
        for (int j = 0; j < i && !bad; j++) {
            lua_rawgeti(L, -2, j + 1);
            if (lua_rawequal(L, -1, -2)) bad = "is listed twice";
            lua_pop(L, 1);
        }
        if (bad) {
            snprintf(msg, sizeof msg, "entry %d %s", i + 1, bad);
            return raise(L, "correlate", msg);
        }
        lua_rawseti(L, -2, i + 1);
        if (lua_rawgeti(L, 2, i + 1) != LUA_TTABLE || lua_rawlen(L, -1) != n) {
            snprintf(msg, sizeof msg, "row %d of the matrix must have %d numbers", i + 1, k);
            return raise(L, "correlate", msg);
        }
        for (int j = 0; j < k; j++) {
            int type = lua_rawgeti(L, -1, j + 1);
            g->matrix[i * k + j] = type == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
            if (type != LUA_TNUMBER) {
                snprintf(msg, sizeof msg, "matrix[%d][%d] must be a number in [-1, 1] (got %s)",
                         i + 1, j + 1, luaL_tolstring(L, -1, NULL));
                return raise(L, "correlate", msg);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    if (cjm_corr_problem(g, msg, sizeof msg)) return raise(L, "correlate", msg);
    lua_setiuservalue(L, 3, 1); /* group -> members */
    for (int i = 0; i < k; i++) {
        lua_rawgeti(L, 1, i + 1);
        lua_pushvalue(L, 3);
        lua_setiuservalue(L, -2, 1); /* member -> group */
        lua_pop(L, 1);
    }
    lua_pushvalue(L, 1);
    return 1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* cjm.dirichlet{ buyer = 12, lost = 30, ... }: probabilities that sum to 1,
 * drawn together once per run from a Dirichlet distribution with these
 * weights. Returns a table name -> distribution (beta(w, total - w), the
 * entry's marginal); the row, the members and their names are the
 * members' second user value, out of the scenario's reach. */
static int make_dirichlet(lua_State *L)
{
    char msg[256];
    if (!lua_istable(L, 1))
        return raise(L, "dirichlet", "expects a table of weights, e.g. { buyer = 12, lost = 30 }");
    lua_settop(L, 1);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) { /* raw: no metamethod runs */
        if (lua_type(L, -2) != LUA_TSTRING) {
            lua_pushvalue(L, -2);
            snprintf(msg, sizeof msg, "keys must be names (got %s)", luaL_tolstring(L, -1, NULL));
            return raise(L, "dirichlet", msg);
        }
        const char *k = lua_tostring(L, -2);
        if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1))) {
            snprintf(msg, sizeof msg, "%.64s must be a finite number (got %.64s)", k,
                     luaL_tolstring(L, -1, NULL));
            return raise(L, "dirichlet", msg);
        }
        if (!(lua_tonumber(L, -1) > 0)) {
            snprintf(msg, sizeof msg, "%.64s must be > 0 (got %g)", k, lua_tonumber(L, -1));
            return raise(L, "dirichlet", msg);
        }
        if (++n > CJM_DIRICHLET_MAX) {
            snprintf(msg, sizeof msg, "at most %d entries", CJM_DIRICHLET_MAX);
            return raise(L, "dirichlet", msg);
        }
        lua_pop(L, 1);
    }
    if (n < 2) {
        snprintf(msg, sizeof msg, "needs two or more entries (got %d)", n);
        return raise(L, "dirichlet", msg);
    }
    cjm_limits_charge(L, (uint64_t)n);
    /* the names, sorted (the keys stay alive in the argument, unchanged) */
    const char **names = lua_newuserdatauv(L, (size_t)n * sizeof *names, 0); /* stack: t, buf */
    int i = 0;
    double total = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        names[i++] = lua_tostring(L, -2);
        total += lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    qsort(names, (size_t)n, sizeof *names, by_name);
    if (!isfinite(total)) return raise(L, "dirichlet", "the weights sum to more than cjm can add");
    cjm_urow *row = lua_newuserdatauv(L, sizeof *row, 2); /* stack: t, buf, row */
    row->n = n;
    row->line = line_of_caller(L);
    luaL_setmetatable(L, CJM_DIRICHLET_MT);
    lua_createtable(L, n, 0); /* stack: t, buf, row, members */
    lua_createtable(L, n, 0); /* stack: t, buf, row, members, names */
    lua_createtable(L, 0, n); /* stack: t, buf, row, members, names, out */
    for (i = 0; i < n; i++) {
        lua_getfield(L, 1, names[i]);
        double w = lua_tonumber(L, -1);
        lua_pop(L, 1);
        cjm_udist *d = push_dist(L, CJM_DIST_BETA, 0);
        d->p[0] = w;
        d->p[1] = total - w;
        d->dirichlet = i + 1;
        if (!(d->p[1] > 0)) {
            snprintf(msg, sizeof msg,
                     "%.64s is too large beside the other weights (%g of %g): cjm cannot "
                     "compute the rest",
                     names[i], w, total);
            return raise(L, "dirichlet", msg);
        }
        if (cjm_dist_problem(d, msg, sizeof msg)) return raise(L, "dirichlet", msg);
        lua_pushvalue(L, 3);
        lua_setiuservalue(L, -2, 2); /* member -> row */
        lua_pushvalue(L, -1);
        lua_rawseti(L, 4, i + 1);
        lua_setfield(L, 6, names[i]);
        lua_pushstring(L, names[i]);
        lua_rawseti(L, 5, i + 1);
    }
    lua_pushvalue(L, 5);
    lua_setiuservalue(L, 3, 2); /* row -> names */
    lua_pushvalue(L, 4);
    lua_setiuservalue(L, 3, 1); /* row -> members */
    return 1;
}

/* ---- arithmetic on distributions: expressions ---- */

static const char *const op_symbols[] = {
    [CJM_OP_ADD] = "+", [CJM_OP_SUB] = "-",   [CJM_OP_MUL] = "*",   [CJM_OP_DIV] = "/",
    [CJM_OP_NEG] = "-", [CJM_OP_MIN] = "min", [CJM_OP_MAX] = "max",
};

/* The instructions operand idx compiles to (a number or a distribution: 1),
 * or an error naming what it is if it cannot be in arithmetic. */
static int operand_size(lua_State *L, const char *what, int idx)
{
    char msg[200];
    if (lua_type(L, idx) == LUA_TNUMBER) {
        if (isfinite(lua_tonumber(L, idx))) return 1;
        snprintf(msg, sizeof msg, "%s: %g is not a finite number", what, lua_tonumber(L, idx));
        return luaL_error(L, "cjm: %s", msg);
    }
    const cjm_udist *d = cjm_script_to_dist(L, idx);
    const cjm_uexpr *e = cjm_script_to_expr(L, idx);
    const char *bad = d && d->per_customer ? "a distribution drawn per customer (cjm.per_customer)"
                      : d && d->dirichlet  ? "a cjm.dirichlet entry (drawn with its row)"
                      : cjm_script_is_per_customer(L, idx)
                          ? "a cjm.per_customer(...) (drawn per customer, not per run)"
                      : d || e ? NULL
                               : luaL_typename(L, idx);
    if (bad) return luaL_error(L, "cjm: %s: cannot compute with %s", what, bad);
    return e ? e->size : 1;
}

/* A new expression op(a, b) (b absent for CJM_OP_NEG) from the operands at
 * ia and ib, pushed. */
static int push_expr(lua_State *L, int op, int ia, int ib)
{
    char what[64];
    snprintf(what, sizeof what, "arithmetic on distributions (%s)", op_symbols[op]);
    int size = 1 + operand_size(L, what, ia) + (op == CJM_OP_NEG ? 0 : operand_size(L, what, ib));
    if (size > CJM_DERIVED_OPS_MAX)
        return luaL_error(L, "cjm: %s: an expression may have at most %d terms", what,
                          CJM_DERIVED_OPS_MAX);
    cjm_uexpr *e = lua_newuserdatauv(L, sizeof *e, 2);
    e->op = op;
    e->size = size;
    luaL_setmetatable(L, CJM_EXPR_MT);
    lua_pushvalue(L, ia);
    lua_setiuservalue(L, -2, 1);
    if (op != CJM_OP_NEG) {
        lua_pushvalue(L, ib);
        lua_setiuservalue(L, -2, 2);
    }
    return 1;
}

static int expr_add(lua_State *L)
{
    return push_expr(L, CJM_OP_ADD, 1, 2);
}
static int expr_sub(lua_State *L)
{
    return push_expr(L, CJM_OP_SUB, 1, 2);
}
static int expr_mul(lua_State *L)
{
    return push_expr(L, CJM_OP_MUL, 1, 2);
}
static int expr_div(lua_State *L)
{
    return push_expr(L, CJM_OP_DIV, 1, 2);
}
static int expr_unm(lua_State *L)
{
    return push_expr(L, CJM_OP_NEG, 1, 1);
}

/* cjm.min(a, b, ...) and cjm.max: of numbers, the number; with a
 * distribution or an expression among them, an expression (the upvalue is
 * the op). */
static int expr_minmax(lua_State *L)
{
    int op = (int)lua_tointeger(L, lua_upvalueindex(1)), n = lua_gettop(L);
    const char *fname = op == CJM_OP_MIN ? "min" : "max";
    if (n < 1) return raise(L, fname, "expects one or more numbers or distributions");
    char what[16];
    snprintf(what, sizeof what, "cjm.%s", fname);
    for (int i = 1; i <= n; i++) operand_size(L, what, i);
    lua_pushvalue(L, 1);
    for (int i = 2; i <= n; i++) {
        int acc = lua_gettop(L);
        if (lua_type(L, acc) == LUA_TNUMBER && lua_type(L, i) == LUA_TNUMBER) {
            double a = lua_tonumber(L, acc), b = lua_tonumber(L, i);
            lua_pushnumber(L, op == CJM_OP_MIN ? fmin(a, b) : fmax(a, b));
        } else {
            push_expr(L, op, acc, i);
        }
        lua_replace(L, acc);
    }
    return 1;
}

static int precedence(int op)
{
    return op == CJM_OP_ADD || op == CJM_OP_SUB ? 1
           : op == CJM_OP_NEG                   ? 3
           : op >= CJM_OP_MIN                   ? 4
                                                : 2;
}

/* A text being built, cut (with "...") at its capacity. */
typedef struct text {
    char buf[1024];
    size_t len;
} text;

static void put(text *t, const char *s)
{
    size_t cap = sizeof t->buf - 1;
    while (*s && t->len < cap) t->buf[t->len++] = *s++;
    t->buf[t->len] = 0;
    if (*s) memcpy(t->buf + cap - 3, "...", 3);
}

static void format_dist(const cjm_udist *d, char *buf, size_t size);

/* Appends the text of operand idx (a number, a distribution (its name or
 * its description) or an expression) to t; parenthesised where the
 * parent's operator (prec; right: it is the right operand) needs it. The
 * stack is left as it was. */
static void add_text(lua_State *L, text *t, int idx, int prec, int right)
{
    idx = lua_absindex(L, idx);
    const cjm_uexpr *e = cjm_script_to_expr(L, idx);
    const cjm_udist *d = cjm_script_to_dist(L, idx);
    char buf[160];
    if (!e) {
        if (d && d->name[0])
            put(t, d->name);
        else if (d)
            format_dist(d, buf, sizeof buf), put(t, buf);
        else if (lua_type(L, idx) == LUA_TNUMBER)
            snprintf(buf, sizeof buf, prec > 0 && lua_tonumber(L, idx) < 0 ? "(%.15g)" : "%.15g",
                     lua_tonumber(L, idx)),
                put(t, buf);
        else
            put(t, "?");
        return;
    }
    int mine = precedence(e->op);
    int paren = mine < prec || (right && mine == prec && mine < 3);
    if (paren) put(t, "(");
    lua_getiuservalue(L, idx, 1);
    lua_getiuservalue(L, idx, 2); /* stack: a, b */
    if (e->op == CJM_OP_NEG) {
        put(t, "-"); /* "-(-u)", "-(u * 2)": never "--", a Lua comment */
        add_text(L, t, -2, 4, 0);
    } else if (e->op >= CJM_OP_MIN) {
        put(t, e->op == CJM_OP_MIN ? "min(" : "max(");
        add_text(L, t, -2, 0, 0);
        put(t, ", ");
        add_text(L, t, -1, 0, 0);
        put(t, ")");
    } else {
        add_text(L, t, -2, mine, 0);
        put(t, " ");
        put(t, op_symbols[e->op]);
        put(t, " ");
        add_text(L, t, -1, mine, 1);
    }
    lua_pop(L, 2);
    if (paren) put(t, ")");
}

const char *cjm_script_expr_text(lua_State *L, int idx)
{
    text t = {{0}, 0};
    add_text(L, &t, idx, 0, 0);
    return lua_pushstring(L, t.buf);
}

static int expr_tostring(lua_State *L)
{
    cjm_script_expr_text(L, 1);
    return 1;
}

/* ---- reading them from a scenario: read-only ---- */

/* A distribution's numbers (params, values, weights) as a read-only list:
 * which = 0, 1, 2; the distribution is the user value. */
static const double *view_numbers(lua_State *L, int idx, lua_Integer *len)
{
    const int *which = luaL_checkudata(L, idx, VIEW_MT);
    lua_getiuservalue(L, idx, 1);
    const cjm_udist *d = lua_touserdata(L, -1);
    lua_pop(L, 1); /* the view's user value keeps it */
    *len = *which == 0 ? cjm_dist_arity(d->kind) : d->n;
    return *which == 0 ? d->p : *which == 1 ? d->data : d->data + d->n;
}

static int view_index(lua_State *L)
{
    lua_Integer len, i = lua_isinteger(L, 2) ? lua_tointeger(L, 2) : 0;
    const double *x = view_numbers(L, 1, &len);
    if (i >= 1 && i <= len)
        lua_pushnumber(L, x[i - 1]);
    else
        lua_pushnil(L);
    return 1;
}

static int view_len(lua_State *L)
{
    lua_Integer len;
    view_numbers(L, 1, &len);
    lua_pushinteger(L, len);
    return 1;
}

static int dist_tostring(lua_State *L);

/* What the object at idx is, for a message: "beta(1, 2)", "the params of
 * beta(1, 2)", "cjm.per_customer(beta(1, 2))", "a correlation group". */
static const char *describe(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (cjm_script_to_dist(L, idx)) {
        lua_pushcfunction(L, dist_tostring);
        lua_pushvalue(L, idx);
        lua_call(L, 1, 1);
        return lua_tostring(L, -1);
    }
    const int *which = luaL_testudata(L, idx, VIEW_MT);
    if (which || cjm_script_is_per_customer(L, idx)) {
        static const char *const names[] = {"the params of %s", "the values of %s",
                                            "the weights of %s"};
        lua_getiuservalue(L, idx, 1);
        const char *inner = describe(L, -1);
        return lua_pushfstring(L, which ? names[*which] : "cjm.per_customer(%s)", inner);
    }
    if (luaL_testudata(L, idx, CJM_DIRICHLET_MT)) return "a cjm.dirichlet row";
    if (cjm_script_to_expr(L, idx)) return cjm_script_expr_text(L, idx);
    return "a correlation group";
}

static int read_only(lua_State *L)
{
    return luaL_error(L,
                      "cjm: cannot change %s: the module's objects are read-only once made "
                      "(make a new one)",
                      describe(L, 1));
}

static void push_view(lua_State *L, int which)
{
    int *w = lua_newuserdatauv(L, sizeof *w, 1);
    *w = which;
    luaL_setmetatable(L, VIEW_MT);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, 1);
}

/* d.kind, d.params, d.values, d.weights (read-only lists); anything else nil. */
static int dist_index(lua_State *L)
{
    const cjm_udist *d = luaL_checkudata(L, 1, CJM_DIST_MT);
    const char *key = lua_tostring(L, 2);
    if (lua_type(L, 2) != LUA_TSTRING)
        lua_pushnil(L);
    else if (strcmp(key, "kind") == 0)
        lua_pushstring(L, cjm_dist_kind_name(d->kind));
    else if (strcmp(key, "params") == 0)
        push_view(L, 0);
    else if (d->kind == CJM_DIST_DISCRETE && strcmp(key, "values") == 0)
        push_view(L, 1);
    else if (d->kind == CJM_DIST_DISCRETE && strcmp(key, "weights") == 0)
        push_view(L, 2);
    else
        lua_pushnil(L);
    return 1;
}

static int dist_tostring(lua_State *L)
{
    char buf[160];
    format_dist(luaL_checkudata(L, 1, CJM_DIST_MT), buf, sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

/* "beta(1, 2)", "discrete(3 values, 1..5)". */
static void format_dist(const cjm_udist *d, char *buf, size_t size)
{
    if (d->kind == CJM_DIST_DISCRETE) {
        double lo = d->data[0], hi = d->data[0];
        for (int i = 1; i < d->n; i++) lo = fmin(lo, d->data[i]), hi = fmax(hi, d->data[i]);
        snprintf(buf, size, "discrete(%d values, %.6g..%.6g)", d->n, lo, hi);
    } else if (cjm_dist_arity(d->kind) == 2) {
        snprintf(buf, size, "%s(%.6g, %.6g)", cjm_dist_kind_name(d->kind), d->p[0], d->p[1]);
    } else {
        snprintf(buf, size, "%s(%.6g, %.6g, %.6g)", cjm_dist_kind_name(d->kind), d->p[0], d->p[1],
                 d->p[2]);
    }
}

static int nothing_index(lua_State *L)
{
    lua_pushnil(L);
    return 1;
}

/* A metatable in the registry under name: read-only, protected. */
static void new_metatable(lua_State *L, const char *name, lua_CFunction index)
{
    luaL_newmetatable(L, name); /* sets __name */
    lua_pushcfunction(L, index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, read_only);
    lua_setfield(L, -2, "__newindex");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "__metatable"); /* getmetatable(d) is the name, not the table */
}

/* The arithmetic metamethods of the table on top of the stack. */
static void set_arithmetic(lua_State *L)
{
    static const luaL_Reg ops[] = {{"__add", expr_add}, {"__sub", expr_sub}, {"__mul", expr_mul},
                                   {"__div", expr_div}, {"__unm", expr_unm}, {NULL, NULL}};
    luaL_setfuncs(L, ops, 0);
}

void cjm_script_dist_open(lua_State *L)
{
    static const cjm_dist_kind kinds[] = {CJM_DIST_UNIFORM, CJM_DIST_TRIANGULAR, CJM_DIST_PERT,
                                          CJM_DIST_BETA,    CJM_DIST_NORMAL,     CJM_DIST_LOGNORMAL,
                                          CJM_DIST_GAMMA};
    new_metatable(L, CJM_DIST_MT, dist_index);
    lua_pushcfunction(L, dist_tostring);
    lua_setfield(L, -2, "__tostring");
    set_arithmetic(L);
    new_metatable(L, CJM_EXPR_MT, nothing_index);
    lua_pushcfunction(L, expr_tostring);
    lua_setfield(L, -2, "__tostring");
    set_arithmetic(L);
    new_metatable(L, VIEW_MT, view_index);
    lua_pushcfunction(L, view_len);
    lua_setfield(L, -2, "__len");
    new_metatable(L, CJM_PER_CUSTOMER_MT, nothing_index);
    new_metatable(L, CJM_GROUP_MT, nothing_index);
    new_metatable(L, CJM_DIRICHLET_MT, nothing_index);
    lua_pop(L, 6);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        lua_pushinteger(L, kinds[i]);
        lua_pushcclosure(L, make_params, 1);
        lua_setfield(L, -2, cjm_dist_kind_name(kinds[i]));
    }
    lua_pushcfunction(L, make_discrete);
    lua_setfield(L, -2, "discrete");
    lua_pushcfunction(L, make_dirichlet);
    lua_setfield(L, -2, "dirichlet");
    lua_pushcfunction(L, make_per_customer);
    lua_setfield(L, -2, "per_customer");
    lua_pushcfunction(L, correlate);
    lua_setfield(L, -2, "correlate");
    lua_pushinteger(L, CJM_OP_MIN);
    lua_pushcclosure(L, expr_minmax, 1);
    lua_setfield(L, -2, "min");
    lua_pushinteger(L, CJM_OP_MAX);
    lua_pushcclosure(L, expr_minmax, 1);
    lua_setfield(L, -2, "max");
}
