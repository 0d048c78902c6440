/* script_split.c: a transitions row written as the chance of leaving and the
 * shares of those who leave,
 *
 *     consult = { leaves = 0.4, split = { client = 0.6, lost = 0.4 } },
 *
 * compiled into ordinary edges with p(edge) = leaves x share, so that every
 * engine runs it unchanged. `leaves` is read once, into the row's first
 * edge, and the other edges share what was read: a distribution is one input
 * (one draw per run for all the row's edges), a number one input, a function
 * one reference, a cjm.per_customer one draw per customer. */
#include "script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cjm_loader loader;

/* Is key k of the table at idx present and not a destination (a stage of that name)? */
static int has_key(loader *ld, int idx, const char *k)
{
    int present = lua_getfield(ld->L, idx, k) != LUA_TNIL;
    lua_pop(ld->L, 1);
    return present && cjm_model_stage_index(ld->m, k) < 0;
}

int cjm_loader_is_split(loader *ld, int idx)
{
    lua_State *L = ld->L;
    if (!lua_istable(L, idx) || cjm_script_is_dist(L, idx) || cjm_script_is_per_customer(L, idx))
        return 0;
    idx = lua_absindex(L, idx);
    return has_key(ld, idx, "split") || has_key(ld, idx, "leaves");
}

/* The shares at the top of the stack (path "transitions.FROM.split"): each
 * a destination stage with a number in [0, 1], summing to 1. */
static cjm_status read_shares(loader *ld, int from, const char *path, int *to, double *share,
                              int *n)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int tbl = lua_gettop(L), bad, count;
    if (!lua_istable(L, tbl) || cjm_script_is_dist(L, tbl))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "expected a table of shares { destination = share, ... }");
    char **keys = cjm_script_sorted_keys(L, tbl, &count, &bad);
    if (!keys) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    if (bad || count == 0)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "expected destinations by name: { client = 0.6, lost = 0.4 }");
    double sum = 0;
    for (int i = 0; i < count && st == CJM_OK; i++) {
        char *p = cjm_path_join(path, keys[i]);
        int type = lua_getfield(L, tbl, keys[i]);
        double v = lua_tonumber(L, -1);
        to[i] = cjm_model_stage_index(m, keys[i]);
        share[i] = v;
        sum += v;
        if (to[i] < 0)
            st = cjm_script_fail_at(ld->s, ld->err, p, "unknown stage '%s'", keys[i]);
        else if (to[i] == from)
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "a stage cannot move to itself (staying is the remainder)");
        else if (type != LUA_TNUMBER)
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "expected a share (a number in [0, 1]), got %s",
                                    lua_typename(L, type));
        else if (!(v >= 0 && v <= 1))
            st = cjm_script_fail_at(ld->s, ld->err, p, "share %.17g is out of range [0, 1]", v);
        lua_pop(L, 1);
        free(p);
    }
    *n = count;
    if (st == CJM_OK && fabs(sum - 1) > 1e-9)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "the shares of those leaving '%s' sum to %.12g, not 1",
                                m->stages[from].name, sum);
    cjm_script_free_keys(keys, count);
    return st;
}

/* A cjm.dirichlet entry sums with its row's other entries: it cannot be the
 * chance of leaving of a split row (nor a segment's entry of it). */
static int is_row_entry(lua_State *L, int idx)
{
    const cjm_udist *d = cjm_script_to_dist(L, idx);
    if (d) return d->dirichlet > 0;
    if (!lua_istable(L, idx) || cjm_script_is_per_customer(L, idx)) return 0;
    int found = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        const cjm_udist *e = cjm_script_to_dist(L, -1);
        found |= e && e->dirichlet > 0;
        lua_pop(L, 1);
    }
    return found;
}

/* Edge k takes what edge e0 read: kinds, constants, per-customer draws,
 * function references, and a slot (from, to of k) in each input of e0. */
static cjm_status clone_edge(loader *ld, int e0, int k)
{
    cjm_model *m = ld->m;
    const cjm_edge *a = &m->edges[e0];
    cjm_edge *b = &m->edges[k];
    int G = m->segment_count;
    memcpy(b->kind, a->kind, (size_t)G * sizeof *b->kind);
    memcpy(b->value, a->value, (size_t)G * sizeof *b->value);
    memcpy(b->pc, a->pc, (size_t)G * sizeof *b->pc);
    memcpy(ld->s->fn_ref[k], ld->s->fn_ref[e0], (size_t)G * sizeof(int));
    for (int i = 0; i < m->input_count; i++) {
        cjm_input *in = &m->inputs[i];
        int n = in->slot_count;
        for (int j = 0; j < n; j++) {
            cjm_slot sl = in->slots[j];
            if (sl.kind != CJM_SLOT_PROB || sl.a != a->from || sl.b != a->to) continue;
            cjm_slot *grown = realloc(in->slots, (size_t)(in->slot_count + 1) * sizeof *grown);
            if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
            in->slots = grown;
            sl.b = b->to;
            in->slots[in->slot_count++] = sl;
        }
    }
    return CJM_OK;
}

/* One edge per share, the first reading `leaves` (on top of the stack). */
static cjm_status add_split_edges(loader *ld, int from, const char *path, const int *to,
                                  const double *share, int n)
{
    cjm_model *m = ld->m;
    int e0 = m->edge_count, G = m->segment_count;
    char *leaves = cjm_path_join(path, "leaves");
    cjm_status st = leaves ? CJM_OK : cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int k = 0; k < n && st == CJM_OK; k++) {
        char edge_path[400];
        snprintf(edge_path, sizeof edge_path, "%s.split.%s", path, m->stages[to[k]].name);
        st = cjm_loader_new_edge(ld, from, to[k], edge_path);
        if (st == CJM_OK)
            st = k == 0 ? cjm_loader_read_edge(ld, e0, leaves) : clone_edge(ld, e0, e0 + k);
    }
    for (int k = 0; k < n && st == CJM_OK; k++) {
        cjm_edge *e = &m->edges[e0 + k];
        if (!(e->share = malloc((size_t)G * sizeof *e->share)))
            st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
        for (int g = 0; g < G && st == CJM_OK; g++) {
            e->share[g] = share[k];
            e->value[g] *= share[k]; /* a constant: leaves x share */
        }
    }
    free(leaves);
    return st;
}

cjm_status cjm_loader_split(loader *ld, int from, const char *path)
{
    lua_State *L = ld->L;
    int row = lua_gettop(L), n = 0;
    cjm_status st = CJM_OK;
    int others, count;
    char **keys = cjm_script_sorted_keys(L, row, &count, &others);
    if (!keys) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < count && st == CJM_OK; i++)
        if (strcmp(keys[i], "leaves") != 0 && strcmp(keys[i], "split") != 0) {
            char *p = cjm_path_join(path, keys[i]);
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "a split row has only leaves and split (write each "
                                    "destination's share in split)");
            free(p);
        }
    cjm_script_free_keys(keys, count);
    if (st == CJM_OK && others)
        st = cjm_script_fail_at(ld->s, ld->err, path, "a split row has only leaves and split");
    char *sp = cjm_path_join(path, "split"), *lp = cjm_path_join(path, "leaves");
    int *to = malloc(CJM_MAX_STAGES * sizeof *to);
    double *share = malloc(CJM_MAX_STAGES * sizeof *share);
    if (st == CJM_OK && (!sp || !lp || !to || !share))
        st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK && lua_getfield(L, row, "split") == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "a row with leaves needs split = { destination = share, ... }");
    else if (st == CJM_OK)
        st = read_shares(ld, from, sp, to, share, &n);
    if (st == CJM_OK) lua_pop(L, 1);
    if (st == CJM_OK && lua_getfield(L, row, "leaves") == LUA_TNIL)
        st = cjm_script_fail_at(ld->s, ld->err, path,
                                "a row with split needs leaves = the probability of leaving "
                                "per step");
    else if (st == CJM_OK && is_row_entry(L, lua_gettop(L)))
        st = cjm_script_fail_at(ld->s, ld->err, lp,
                                "a cjm.dirichlet entry cannot be the probability of leaving");
    else if (st == CJM_OK)
        st = add_split_edges(ld, from, path, to, share, n);
    lua_settop(L, row);
    free(sp);
    free(lp);
    free(to);
    free(share);
    return st;
}

/* ---- a barrier that redirects what it blocks ---- */

cjm_status cjm_loader_redirect(loader *ld, int idx, cjm_barrier *b, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    b->redirect = -1;
    int type = lua_getfield(L, idx, "redirect");
    char *p = cjm_path_join(path, "redirect");
    cjm_status st = p ? CJM_OK : cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    int e = -1;
    if (st == CJM_OK && type != LUA_TNIL && type != LUA_TSTRING)
        st = cjm_script_fail_at(ld->s, ld->err, p,
                                "expected a transition \"from -> to\" that takes the share the "
                                "barrier blocks");
    else if (st == CJM_OK && type == LUA_TSTRING)
        st = cjm_loader_transition(ld, lua_tostring(L, -1), p, &e);
    for (int k = 0; k < b->edge_count && st == CJM_OK && e >= 0; k++) {
        const cjm_edge *on = &m->edges[b->edges[k]], *to = &m->edges[e];
        if (b->edges[k] == e)
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "%s -> %s is a transition the barrier stands on: redirect "
                                    "to another way out of '%s'",
                                    m->stages[to->from].name, m->stages[to->to].name,
                                    m->stages[on->from].name);
        else if (on->from != to->from)
            st = cjm_script_fail_at(ld->s, ld->err, p,
                                    "%s -> %s leaves '%s', but the barrier stands on %s -> %s: "
                                    "the blocked share must leave the stage it is blocked in",
                                    m->stages[to->from].name, m->stages[to->to].name,
                                    m->stages[to->from].name, m->stages[on->from].name,
                                    m->stages[on->to].name);
    }
    if (st == CJM_OK) {
        b->redirect = e;
        b->redirect_line = e >= 0 ? cjm_script_line_of(ld->s, p) : 0;
    }
    lua_pop(L, 1);
    free(p);
    return st;
}
