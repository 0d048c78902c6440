/* script_inputs.c: the numbers of a scenario as inputs, for sensitivity
 * analyses, and the uncertain ones (distributions, drawn once per run), with
 * their correlation groups. */
#include "script_internal.h"

#include "sampling.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PINNED_KEY "cjm.pinned"

/* The value at idx pinned (in the table at pinned): a distribution, or
 * every distribution in an expression (its size bounds the depth). */
static void pin_leaves(lua_State *L, int pinned, int idx, int depth)
{
    if (cjm_script_to_expr(L, idx) && depth < CJM_DERIVED_OPS_MAX && lua_checkstack(L, 2)) {
        for (int k = 1; k <= 2; k++) {
            lua_getiuservalue(L, idx, k);
            pin_leaves(L, pinned, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        return;
    }
    if (!cjm_script_to_dist(L, idx)) return;
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, pinned);
}

void cjm_script_note_pinned(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, PINNED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, PINNED_KEY);
    }
    lua_insert(L, -2); /* stack: pinned, dist */
    pin_leaves(L, lua_gettop(L) - 1, lua_gettop(L), 0);
    lua_pop(L, 2);
}

int cjm_script_set_named(lua_State *L, const char *name, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, CJM_NAMED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    int found = lua_getfield(L, -1, name) != LUA_TNIL; /* stack: named, dist */
    if (!found || lua_type(L, idx) != LUA_TNUMBER) {
        lua_pop(L, 2);
        return found ? -1 : 0;
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, CJM_OVERRIDES_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, CJM_OVERRIDES_KEY);
    }
    lua_pushvalue(L, -2);
    lua_pushvalue(L, idx);
    lua_rawset(L, -3); /* overrides[dist] = number */
    lua_pop(L, 3);
    return 1;
}

/* The number --set NAME=VALUE gave the distribution at idx, into *v; 0 if none. */
static int overridden(lua_State *L, int idx, double *v)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, CJM_OVERRIDES_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushvalue(L, idx);
    int found = lua_rawget(L, -2) == LUA_TNUMBER;
    if (found) *v = lua_tonumber(L, -1);
    lua_pop(L, 2);
    return found;
}

static int is_pinned(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, PINNED_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return 0;
    }
    lua_pushvalue(L, idx);
    int pinned = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return pinned;
}

static cjm_status add_slot(cjm_loader *ld, cjm_input *in, const cjm_slot *slot)
{
    if (!slot) return CJM_OK; /* a parent of a derived input, used only there */
    cjm_slot *grown = realloc(in->slots, (size_t)(in->slot_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    in->slots = grown;
    in->slots[in->slot_count++] = *slot;
    return CJM_OK;
}

static cjm_input *new_input(cjm_loader *ld, const char *path)
{
    cjm_model *m = ld->m;
    cjm_input *grown = realloc(m->inputs, (size_t)(m->input_count + 1) * sizeof *grown);
    if (!grown) return NULL;
    m->inputs = grown;
    cjm_input *in = &m->inputs[m->input_count];
    memset(in, 0, sizeof *in);
    in->group = -1;
    in->dirichlet = -1;
    in->path = strdup(path);
    in->line = cjm_script_line_of(ld->s, path);
    if (!in->path) return NULL;
    m->input_count++;
    return in;
}

static int compare_pairs(const void *a, const void *b)
{
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return (x > y) - (x < y);
}

/* Values sorted ascending, with cumulative normalised weights. The weights
 * are scaled by the largest first, so that their sum cannot overflow
 * ({1e308, 1e308} is {1, 1}); u is then in [0, n]. */
static cjm_status read_discrete(cjm_loader *ld, const cjm_udist *u, cjm_dist *d)
{
    int n = u->n;
    double *pairs = malloc((size_t)n * 2 * sizeof *pairs), top = 0, total = 0;
    d->values = malloc((size_t)n * sizeof *d->values);
    d->cum = malloc((size_t)n * sizeof *d->cum);
    if (!pairs || !d->values || !d->cum) {
        free(pairs);
        return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++) top = fmax(top, u->data[n + i]);
    for (int i = 0; i < n; i++) {
        pairs[2 * i] = u->data[i];
        total += pairs[2 * i + 1] = u->data[n + i] / top;
    }
    qsort(pairs, (size_t)n, 2 * sizeof *pairs, compare_pairs);
    double acc = 0;
    for (int i = 0; i < n; i++) {
        d->values[i] = pairs[2 * i];
        d->cum[i] = (acc += pairs[2 * i + 1]) / total;
    }
    d->cum[n - 1] = 1;
    d->n = n;
    free(pairs);
    return CJM_OK;
}

/* The distribution at idx into d, its numbers checked again (the object is
 * read-only, but the loader trusts nothing it did not check itself). */
static cjm_status read_dist(cjm_loader *ld, int idx, cjm_dist *d, const char *path)
{
    const cjm_udist *u = cjm_script_to_dist(ld->L, idx);
    if (!u) return cjm_script_fail_at(ld->s, ld->err, path, "not a distribution cjm knows");
    char msg[256];
    if (cjm_dist_problem(u, msg, sizeof msg))
        return cjm_script_fail_at(ld->s, ld->err, path, "cjm.%s: %s", cjm_dist_kind_name(u->kind),
                                  msg);
    d->kind = u->kind;
    memcpy(d->p, u->p, sizeof d->p);
    return d->kind == CJM_DIST_DISCRETE ? read_discrete(ld, u, d) : CJM_OK;
}

/* The distribution at idx, about to become an input at path: its name (if
 * any) must be no other input's (the distributions' lines both named). */
static cjm_status check_name(cjm_loader *ld, int idx, const char *path)
{
    lua_State *L = ld->L;
    const cjm_udist *d = cjm_script_to_dist(L, idx);
    if (!d || !d->name[0]) return CJM_OK;
    for (int i = 0; i < ld->m->input_count; i++) {
        const cjm_input *in = &ld->m->inputs[i];
        if (!in->name || strcmp(in->name, d->name) != 0) continue;
        lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
        lua_rawgeti(L, -1, i + 1);
        const cjm_udist *first = cjm_script_to_dist(L, -1);
        int line = first ? first->line : in->line;
        lua_pop(L, 2);
        return cjm_script_fail(ld->s, ld->err, d->line, path,
                               "the name '%s' is given to two distributions, here and at line %d "
                               "(%s): names must be unique",
                               d->name, line, in->path);
    }
    return CJM_OK;
}

/* A named distribution set to a number (--set NAME=VALUE), input i, used
 * at path too: the number must fit there. */
static cjm_status named_number(cjm_loader *ld, int i, const char *path, const cjm_slot *slot,
                               double lo, double hi, int integral, double *value)
{
    cjm_input *in = &ld->m->inputs[i];
    if (!(in->value >= lo && in->value <= hi) || (integral && in->value != floor(in->value)))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "%s = %.17g (set by name) is out of range [%g, %g]%s here",
                                  in->name, in->value, lo, hi, integral ? " or not whole" : "");
    in->lim_lo = fmax(in->lim_lo, lo), in->lim_hi = fmin(in->lim_hi, hi);
    in->lo = in->lim_lo, in->hi = in->lim_hi;
    in->integral |= integral;
    *value = in->value;
    return add_slot(ld, in, slot);
}

/* The named distribution on top of the stack, set to v by name: a plain
 * number input at path (the same input wherever the distribution is). */
static cjm_status new_named_number(cjm_loader *ld, const char *path, const cjm_slot *slot, double v,
                                   double lo, double hi, int integral, double *value)
{
    lua_State *L = ld->L;
    cjm_input *in = new_input(ld, path);
    if (!in) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    const cjm_udist *d = cjm_script_to_dist(L, -1);
    if (!(in->name = strdup(d->name))) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    in->value = v;
    in->lim_lo = in->lo = -HUGE_VAL, in->lim_hi = in->hi = HUGE_VAL;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
    lua_pushvalue(L, -2);
    lua_pushinteger(L, ld->m->input_count);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    return named_number(ld, ld->m->input_count - 1, path, slot, lo, hi, integral, value);
}

/* An uncertain input: the distribution at the top of the stack. A
 * distribution object met before is the same input, with one more slot;
 * without a slot (NULL) it is a parent of a derived input. */
static cjm_status uncertain_input(cjm_loader *ld, const char *path, const cjm_slot *slot, double lo,
                                  double hi, int integral, double *value)
{
    lua_State *L = ld->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
    lua_pushvalue(L, -2);
    int known = (int)lua_tointeger(L, (lua_rawget(L, -2), -1));
    lua_pop(L, 2);
    if (known > 0 && !ld->m->inputs[known - 1].uncertain) /* set by name */
        return named_number(ld, known - 1, path, slot, lo, hi, integral, value);
    if (known > 0) {
        cjm_input *in = &ld->m->inputs[known - 1];
        *value = in->value;
        in->lim_lo = lo > in->lim_lo ? lo : in->lim_lo;
        in->lim_hi = hi < in->lim_hi ? hi : in->lim_hi;
        if (in->lo < lo || in->hi > hi)
            return cjm_script_fail_at(ld->s, ld->err, path,
                                      "the distribution of %s is used here too, but its range "
                                      "does not fit [%g, %g]",
                                      in->path, lo, hi);
        return add_slot(ld, in, slot);
    }
    cjm_status st = check_name(ld, lua_gettop(L), path);
    if (st != CJM_OK) return st;
    double set;
    if (overridden(L, -1, &set))
        return new_named_number(ld, path, slot, set, lo, hi, integral, value);
    cjm_input *in = new_input(ld, path);
    if (!in) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    in->uncertain = true;
    in->integral = integral;
    in->lim_lo = lo, in->lim_hi = hi;
    const cjm_udist *ud = cjm_script_to_dist(L, -1);
    if (ud && ud->name[0] && !(in->name = strdup(ud->name)))
        return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    st = read_dist(ld, lua_gettop(L), &in->dist, path);
    if (st != CJM_OK) return st;
    double dlo = 0, dhi = 0;
    char desc[96];
    cjm_dist_support(&in->dist, &dlo, &dhi);
    cjm_dist_describe(&in->dist, desc, sizeof desc);
    /* A distribution must stay in range but for a tail of 1e-9 on each side
     * (so normal(100, 10) may be a price); draws in that tail are clamped. */
    double qlo = cjm_dist_quantile(&in->dist, CJM_TAIL),
           qhi = cjm_dist_quantile(&in->dist, 1 - CJM_TAIL);
    if (qlo < lo || qhi > hi)
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "%s can fall outside [%g, %g]; choose a distribution that "
                                  "stays inside (beta for a probability; lognormal or gamma "
                                  "for an amount)",
                                  desc, lo, hi);
    in->lo = dlo > lo ? dlo : lo, in->hi = dhi < hi ? dhi : hi;
    in->value = cjm_dist_quantile(&in->dist, 0.5);
    if (integral) in->value = floor(in->value + 0.5);
    *value = in->value;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map); /* both ways: dist <-> index */
    lua_pushvalue(L, -2);
    lua_pushinteger(L, ld->m->input_count);
    lua_rawset(L, -3);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, ld->m->input_count);
    lua_pop(L, 1);
    return add_slot(ld, in, slot);
}

cjm_status cjm_loader_input(cjm_loader *ld, const char *path, const cjm_slot *slot, double lo,
                            double hi, int integral, double *value)
{
    if (cjm_script_to_expr(ld->L, -1))
        return cjm_loader_derived(ld, path, slot, lo, hi, integral, value);
    if (cjm_script_is_dist(ld->L, -1))
        return uncertain_input(ld, path, slot, lo, hi, integral, value);
    cjm_input *in = new_input(ld, path);
    if (!in) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    in->value = *value = lua_tonumber(ld->L, -1);
    in->lo = in->lim_lo = lo, in->hi = in->lim_hi = hi;
    in->integral = integral;
    return add_slot(ld, in, slot);
}

/* ---- correlation groups ---- */

/* The members of the group (userdata at gt) as inputs. */
static cjm_status read_group_members(cjm_loader *ld, int gt, cjm_corr_group *g)
{
    lua_State *L = ld->L;
    const cjm_ugroup *u = luaL_testudata(L, gt, CJM_GROUP_MT);
    char msg[256];
    if (!u || lua_getiuservalue(L, gt, 1) != LUA_TTABLE || (int)lua_rawlen(L, -1) != u->n) {
        lua_pop(L, u ? 1 : 0);
        return cjm_script_fail(ld->s, ld->err, u ? u->line : 0, NULL,
                               "cjm.correlate: not a correlation group cjm made");
    }
    if (cjm_corr_problem(u, msg, sizeof msg)) {
        lua_pop(L, 1);
        return cjm_script_fail(ld->s, ld->err, u->line, NULL, "cjm.correlate: %s", msg);
    }
    g->size = u->n;
    g->inputs = calloc((size_t)g->size, sizeof *g->inputs);
    g->matrix = calloc((size_t)g->size * g->size, sizeof *g->matrix);
    cjm_status st = g->inputs && g->matrix ? CJM_OK : cjm_error_set(ld->err, CJM_ENOMEM, "oom");
    if (st == CJM_OK) memcpy(g->matrix, u->matrix, (size_t)g->size * g->size * sizeof *g->matrix);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
    for (int i = 0; st == CJM_OK && i < g->size; i++) {
        lua_rawgeti(L, -2, i + 1); /* stack: members, map, dist */
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);
        g->inputs[i] = (int)lua_tointeger(L, -1) - 1;
        lua_pop(L, 1);
        int set = g->inputs[i] >= 0 && !ld->m->inputs[g->inputs[i]].uncertain; /* by name */
        if (set) g->inputs[i] = -1; /* pinned: drop_pinned takes it out */
        if (g->inputs[i] < 0 && !set && !is_pinned(L, -1))
            st = cjm_script_fail(ld->s, ld->err, g->line, NULL,
                                 "cjm.correlate: entry %d is not used in the scenario", i + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
    return st;
}

static cjm_status check_group_matrix(cjm_loader *ld, cjm_corr_group *g)
{
    int n = g->size;
    double *l = malloc((size_t)n * n * sizeof *l);
    if (!l) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    int ok = cjm_cholesky(g->matrix, l, n);
    free(l);
    if (!ok)
        return cjm_script_fail(ld->s, ld->err, g->line, NULL,
                               "cjm.correlate: the correlation matrix is not positive definite "
                               "(no set of inputs can have these correlations together)");
    return CJM_OK;
}

/* Members pinned to numbers leave the group; the rest keep their
 * correlations (a principal submatrix of a valid matrix is valid). */
static int drop_pinned(cjm_corr_group *g)
{
    int n = g->size, k = 0, *keep = malloc((size_t)n * sizeof *keep);
    double *kept = malloc((size_t)n * n * sizeof *kept);
    if (!keep || !kept) {
        free(keep), free(kept);
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (g->inputs[i] >= 0) keep[k++] = i;
    for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++) kept[a * k + b] = g->matrix[keep[a] * n + keep[b]];
    for (int a = 0; a < k; a++) g->inputs[a] = g->inputs[keep[a]];
    memcpy(g->matrix, kept, (size_t)k * k * sizeof *kept);
    g->size = k;
    free(keep), free(kept);
    return 0;
}

static cjm_status add_group(cjm_loader *ld, int gt, int *index)
{
    cjm_model *m = ld->m;
    cjm_corr_group *grown = realloc(m->groups, (size_t)(m->group_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    m->groups = grown;
    cjm_corr_group *g = &m->groups[m->group_count++];
    memset(g, 0, sizeof *g);
    const cjm_ugroup *u = luaL_testudata(ld->L, gt, CJM_GROUP_MT);
    g->line = u ? u->line : 0;
    *index = m->group_count - 1;
    cjm_status st = read_group_members(ld, gt, g);
    if (st == CJM_OK) st = check_group_matrix(ld, g);
    if (st == CJM_OK && drop_pinned(g) != 0)
        st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK && g->size < 2) { /* nothing left to correlate */
        free(g->inputs);
        free(g->matrix);
        m->group_count--;
        *index = -1;
        return CJM_OK;
    }
    for (int i = 0; st == CJM_OK && i < g->size; i++) {
        if (m->inputs[g->inputs[i]].group >= 0)
            return cjm_script_fail(ld->s, ld->err, g->line, NULL,
                                   "cjm.correlate: entry %d is in another group", i + 1);
        m->inputs[g->inputs[i]].group = *index;
    }
    return st;
}

/* ---- cjm.dirichlet rows ---- */

/* The uncertain input at uncertain index u, the distribution at gt - 1, is
 * in the cjm.dirichlet row at gt (its second user value); rows are numbered
 * in the order first met (seen: row -> number). The row is recognised by
 * its metatable and must list the distribution as the entry it says it is. */
static cjm_status dirichlet_member(cjm_loader *ld, int seen, int gt, int u, int *rows)
{
    lua_State *L = ld->L;
    cjm_input *in = &ld->m->inputs[ld->m->uncertain[u]];
    const cjm_udist *d = cjm_script_to_dist(L, gt - 1);
    const cjm_urow *row = luaL_testudata(L, gt, CJM_DIRICHLET_MT);
    int ok = d && row && d->dirichlet >= 1 && d->dirichlet <= row->n;
    if (ok) {
        if (lua_getiuservalue(L, gt, 1) == LUA_TTABLE) { /* its members */
            lua_rawgeti(L, -1, d->dirichlet);
            ok = lua_rawequal(L, -1, gt - 1);
            lua_pop(L, 1);
        } else {
            ok = 0;
        }
        lua_pop(L, 1);
    }
    if (!ok)
        return cjm_script_fail_at(ld->s, ld->err, in->path,
                                  "cjm.dirichlet: not an entry of a row cjm made");
    lua_pushvalue(L, gt);
    if (lua_rawget(L, seen) == LUA_TNIL) {
        lua_pushvalue(L, gt);
        lua_pushinteger(L, (*rows)++);
        lua_rawset(L, seen);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, gt);
    lua_rawget(L, seen);
    in->dirichlet = (int)lua_tointeger(L, -1);
    lua_pop(L, 1);
    for (int k = 0; k < in->slot_count; k++)
        if (in->slots[k].kind != CJM_SLOT_PROB)
            return cjm_script_fail_at(ld->s, ld->err, in->path,
                                      "a cjm.dirichlet entry is a transition probability only");
    return CJM_OK;
}

/* Is (from, to) the edge of an entry of row r? */
static int row_edge(const cjm_model *m, int r, int from, int to)
{
    for (int u = 0; u < m->uncertain_count; u++) {
        const cjm_input *in = &m->inputs[m->uncertain[u]];
        if (in->dirichlet != r) continue;
        for (int k = 0; k < in->slot_count; k++)
            if (in->slots[k].a == from && in->slots[k].b == to) return 1;
    }
    return 0;
}

/* What stage `from`'s other exits leave for row r: 1 - their largest sum
 * over segments (numbers only; a function or per-customer exit leaves 1, and
 * the sum check judges). */
static double row_room(const cjm_model *m, int r, int from)
{
    double most = 0;
    for (int g = 0; g < m->segment_count; g++) {
        double sum = 0;
        for (int e = m->edge_start[from]; e < m->edge_start[from + 1]; e++) {
            const cjm_edge *ed = &m->edges[e];
            if (row_edge(m, r, from, ed->to)) continue;
            if (ed->kind[g] != CJM_PROB_CONST) return 1;
            sum += ed->value[g];
        }
        most = sum > most ? sum : most;
    }
    return 1 - most;
}

/* Every entry of a row is used, or set to a number (--set, a variant), and
 * all are transitions out of one stage; the row's room is what the stage's
 * other exits leave. */
static cjm_status check_dirichlet_rows(cjm_loader *ld, int seen, int rows)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    for (int r = 0; r < rows; r++) {
        int from = -1;
        const char *first = NULL;
        for (int u = 0; u < m->uncertain_count; u++) {
            const cjm_input *in = &m->inputs[m->uncertain[u]];
            if (in->dirichlet != r) continue;
            if (!first) first = in->path;
            for (int k = 0; k < in->slot_count; k++) {
                if (from < 0) from = in->slots[k].a;
                if (in->slots[k].a != from)
                    return cjm_script_fail_at(ld->s, ld->err, in->path,
                                              "the entries of one cjm.dirichlet must be "
                                              "transitions out of one stage (as %s)",
                                              first);
            }
        }
        lua_pushnil(L); /* the row: every member used or pinned */
        while (lua_next(L, seen)) {
            if (lua_tointeger(L, -1) != r) {
                lua_pop(L, 1);
                continue;
            }
            const cjm_urow *row = luaL_testudata(L, -2, CJM_DIRICHLET_MT); /* checked when met */
            int line = row ? row->line : 0, n = row ? row->n : 0;
            lua_getiuservalue(L, -2, 1); /* stack: row, r, members */
            lua_getiuservalue(L, -3, 2); /* stack: row, r, members, names */
            lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
            for (int i = 1; i <= n; i++) {
                lua_rawgeti(L, -3, i); /* stack: row, r, members, names, map, dist */
                lua_pushvalue(L, -1);
                int used = lua_rawget(L, -3) != LUA_TNIL;
                lua_pop(L, 1);
                if (!used && !is_pinned(L, -1)) {
                    lua_rawgeti(L, -3, i);
                    char name[128];
                    snprintf(name, sizeof name, "%s", lua_tostring(L, -1));
                    lua_pop(L, 7);
                    return cjm_script_fail(ld->s, ld->err, line, NULL,
                                           "cjm.dirichlet: entry '%s' is not used (use every "
                                           "entry, as one stage's row)",
                                           name);
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 4);
        }
        double room = from >= 0 ? row_room(m, r, from) : 1;
        if (!(room > 0))
            return cjm_script_fail_at(ld->s, ld->err, first,
                                      "the other transitions out of '%s' sum to %g: they leave "
                                      "no room for its cjm.dirichlet row",
                                      m->stages[from].name, 1 - room);
        /* the entries' written values: their means, which sum to the room (as every
         * run's draws do), not their medians */
        for (int u = 0; u < m->uncertain_count; u++) {
            cjm_input *in = &m->inputs[m->uncertain[u]];
            if (in->dirichlet != r) continue;
            in->room = room;
            in->value = room * in->dist.p[0] / (in->dist.p[0] + in->dist.p[1]);
            for (int k = 0; k < in->slot_count; k++)
                for (int e = m->edge_start[from]; e < m->edge_start[from + 1]; e++)
                    if (m->edges[e].to == in->slots[k].b)
                        for (int g = 0; g < m->segment_count; g++)
                            if (in->slots[k].c < 0 || in->slots[k].c == g)
                                m->edges[e].value[g] = in->value;
        }
    }
    return CJM_OK;
}

/* Walks the uncertain inputs in order; each correlation group is read once,
 * when its first member is met. */
static cjm_status read_groups(cjm_loader *ld)
{
    lua_State *L = ld->L;
    cjm_status st = CJM_OK;
    int rows = 0;
    lua_newtable(L); /* the cjm.dirichlet rows seen */
    int dseen = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
    lua_newtable(L); /* stack: map, seen groups */
    for (int u = 0; st == CJM_OK && u < ld->m->uncertain_count; u++) {
        lua_rawgeti(L, -2, ld->m->uncertain[u] + 1); /* stack: map, seen, dist */
        cjm_udist *d = cjm_script_to_dist(L, -1);
        if (d && d->dirichlet) {
            lua_getiuservalue(L, -1, 2); /* its row */
            st = dirichlet_member(ld, dseen, lua_gettop(L), u, &rows);
            lua_pop(L, 1);
        }
        if (!d)
            lua_pushnil(L);
        else
            lua_getiuservalue(L, -1, 1); /* its correlation group, or nil */
        if (st == CJM_OK && lua_type(L, -1) == LUA_TUSERDATA) {
            lua_pushvalue(L, -1);
            if (lua_rawget(L, -4) == LUA_TNIL) { /* stack: map, seen, dist, group, nil */
                int index;
                st = add_group(ld, lua_gettop(L) - 1, &index);
                lua_pushvalue(L, -2);
                lua_pushboolean(L, 1);
                lua_rawset(L, -6);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
    if (st == CJM_OK && rows) st = check_dirichlet_rows(ld, dseen, rows);
    lua_pop(L, 1);
    return st;
}

static cjm_status index_uncertain(cjm_loader *ld)
{
    cjm_model *m = ld->m;
    m->uncertain = malloc((size_t)(m->input_count + 1) * sizeof *m->uncertain);
    if (!m->uncertain) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < m->input_count; i++)
        if (m->inputs[i].uncertain) m->uncertain[m->uncertain_count++] = i;
    return CJM_OK;
}

cjm_status cjm_loader_finish_inputs(cjm_loader *ld)
{
    cjm_status st = index_uncertain(ld);
    if (st == CJM_OK) st = read_groups(ld);
    return st;
}

/* cjm.per_customer(dist) at the top of the stack: a distribution each
 * customer draws its own probability from. Returns its index, or -1. */
int cjm_loader_per_customer(cjm_loader *ld, const char *path)
{
    cjm_model *m = ld->m;
    cjm_per_customer *grown =
        realloc(m->per_customer, (size_t)(m->per_customer_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory"), -1;
    m->per_customer = grown;
    cjm_per_customer *pc = &m->per_customer[m->per_customer_count];
    memset(pc, 0, sizeof *pc);
    if (!cjm_script_is_per_customer(ld->L, -1))
        lua_pushnil(ld->L);
    else
        lua_getiuservalue(ld->L, -1, 1);
    cjm_status st = read_dist(ld, lua_gettop(ld->L), &pc->dist, path);
    lua_pop(ld->L, 1);
    pc->path = strdup(path);
    pc->line = cjm_script_line_of(ld->s, path);
    m->per_customer_count++;
    if (st != CJM_OK) return -1;
    if (!pc->path) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory"), -1;
    double lo, hi;
    cjm_dist_support(&pc->dist, &lo, &hi);
    if (lo < 0 || hi > 1) {
        char desc[96];
        cjm_dist_describe(&pc->dist, desc, sizeof desc);
        cjm_script_fail_at(ld->s, ld->err, path,
                           "cjm.per_customer: %s can fall outside [0, 1]; use a beta", desc);
        return -1;
    }
    return m->per_customer_count - 1;
}
