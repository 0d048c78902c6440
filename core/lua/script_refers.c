/* script_refers.c: a stage's referrals. `refers` (expected referred
 * prospects per customer per step) takes any form a rate takes: a number, a
 * table by segment, a distribution (drawn once per run) or a function of
 * c.t and c.segment; tabulated into m->refers by (step, segment, stage).
 * `refers_segment = "same"` gives referred prospects the referrer's
 * segment instead of one drawn by the shares. */
#include "script_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef cjm_loader loader;

#define MAX_REFERS 1e6

/* The largest value input slot (REFERS, s, g) can take: an uncertain
 * input's top of range, else its value. */
static double input_top(const cjm_model *m, int s, int g, double v)
{
    for (int i = 0; i < m->input_count; i++) {
        const cjm_input *in = &m->inputs[i];
        for (int k = 0; k < in->slot_count; k++) {
            const cjm_slot *sl = &in->slots[k];
            if (sl->kind == CJM_SLOT_REFERS && sl->a == s && sl->c == g)
                return in->uncertain ? in->hi : v;
        }
    }
    return v;
}

/* One rate for segment g (every segment when g < 0). stack: value */
static cjm_status read_value(loader *ld, int s, int g, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int G = m->segment_count, g0 = g < 0 ? 0 : g, g1 = g < 0 ? G : g + 1;
    if (lua_type(L, -1) == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        int ref = luaL_ref(L, LUA_REGISTRYINDEX);
        for (int k = g0; k < g1; k++) ld->s->refers_ref[(size_t)s * G + k] = ref;
        return CJM_OK;
    }
    double v = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER && !cjm_script_is_dist(L, -1))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "expected prospects per customer per step (a number, a table "
                                  "by segment, a distribution or a function), got %s",
                                  cjm_script_is_per_customer(L, -1) ? "cjm.per_customer"
                                                                    : luaL_typename(L, -1));
    if (lua_type(L, -1) == LUA_TNUMBER && !(v >= 0 && v <= MAX_REFERS))
        return cjm_script_fail_at(ld->s, ld->err, path, "%.17g is out of range [0, %g]", v,
                                  MAX_REFERS);
    /* a distribution is an input; a number is not (as before rates could be
     * uncertain: sensitivity analyses keep the inputs they had) */
    cjm_slot slot = {CJM_SLOT_REFERS, s, 0, g};
    cjm_status st = lua_type(L, -1) == LUA_TNUMBER
                        ? CJM_OK
                        : cjm_loader_input(ld, path, &slot, 0, MAX_REFERS, 0, &v);
    double top = st == CJM_OK ? input_top(m, s, g, v) : 0;
    for (int k = g0; k < g1; k++) ld->s->refers_value[(size_t)s * G + k] = v;
    if (top > m->stages[s].refers) m->stages[s].refers = top;
    return st;
}

/* { young = 0.2, mature = 0.1 }: every segment, no other key. stack: table */
static cjm_status read_table(loader *ld, int s, const char *path)
{
    lua_State *L = ld->L;
    cjm_model *m = ld->m;
    int tbl = lua_gettop(L), n = 0, others;
    if (!m->has_segments)
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "a table by segment, but the scenario has no segments");
    char **keys = cjm_script_sorted_keys(L, tbl, &n, &others);
    if (!keys) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int i = 0; i < n && st == CJM_OK; i++)
        if (cjm_model_segment_index(m, keys[i]) < 0)
            st = cjm_script_fail_at(ld->s, ld->err, path, "'%s' is not a segment", keys[i]);
    if (st == CJM_OK && others)
        st = cjm_script_fail_at(ld->s, ld->err, path, "keys must be segment names");
    cjm_script_free_keys(keys, n);
    for (int g = 0; g < m->segment_count && st == CJM_OK; g++) {
        char *p = cjm_path_join(path, m->segment_names[g]);
        if (lua_getfield(L, tbl, m->segment_names[g]) == LUA_TNIL)
            st = cjm_script_fail_at(ld->s, ld->err, path, "no rate for segment '%s'",
                                    m->segment_names[g]);
        else
            st = read_value(ld, s, g, p);
        lua_pop(L, 1);
        free(p);
    }
    return st;
}

static cjm_status read_segment_rule(loader *ld, int idx, int s, const char *path)
{
    lua_State *L = ld->L;
    int type = lua_getfield(L, idx, "refers_segment");
    const char *v = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    cjm_status st = CJM_OK;
    if (type != LUA_TNIL && (!v || (strcmp(v, "same") != 0 && strcmp(v, "shares") != 0))) {
        char *p = cjm_path_join(path, "refers_segment");
        st = cjm_script_fail_at(ld->s, ld->err, p,
                                "expected \"same\" (the referrer's segment) or \"shares\" (drawn "
                                "by the segments' shares, the default)");
        free(p);
    }
    ld->m->stages[s].refers_same = v && strcmp(v, "same") == 0;
    lua_pop(L, 1);
    return st;
}

cjm_status cjm_loader_stage_refers(loader *ld, int idx, int s, const char *path)
{
    lua_State *L = ld->L;
    ld->m->stages[s].refers = 0;
    cjm_status st = read_segment_rule(ld, idx, s, path);
    int type = lua_getfield(L, idx, "refers");
    char *p = cjm_path_join(path, "refers");
    if (!p) st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK && type != LUA_TNIL) {
        if (type == LUA_TTABLE && !cjm_script_is_dist(L, -1) && !cjm_script_is_per_customer(L, -1))
            st = read_table(ld, s, p);
        else
            st = read_value(ld, s, -1, p);
    }
    lua_pop(L, 1);
    free(p);
    return st;
}

/* Stage s's rates for segment g at every step (a function: evaluated, and
 * it may read c.t and c.segment only). */
static cjm_status tabulate_one(cjm_script *s, cjm_model *m, int st, int g, cjm_error *err)
{
    int G = m->segment_count, S = m->stage_count;
    int ref = s->refers_ref[(size_t)st * G + g];
    for (int t = 0; t < m->prob_horizon; t++) {
        cjm_eval ev = {s->refers_value[(size_t)st * G + g], 0, 0};
        if (ref != LUA_NOREF) {
            cjm_status rc = cjm_script_eval_refers(s, m, st, g, t, &ev, err);
            if (rc != CJM_OK) return rc;
            if (ev.read_dwell || ev.read_loyalty) {
                char path[200];
                snprintf(path, sizeof path, "stages.%s.refers", m->stages[st].name);
                return cjm_script_fail_at(s, err, path,
                                          "a function of c.t and c.segment only (referrals "
                                          "depend on neither time in stage nor the program)");
            }
            if (ev.value > m->stages[st].refers) m->stages[st].refers = ev.value;
        }
        m->refers[((size_t)t * G + g) * S + st] = ev.value;
    }
    return CJM_OK;
}

cjm_status cjm_script_tabulate_refers(cjm_script *s, cjm_model *m, cjm_error *err)
{
    int G = m->segment_count, S = m->stage_count;
    free(m->refers);
    m->refers = calloc((size_t)m->prob_horizon * G * S, sizeof *m->refers);
    if (!m->refers) return cjm_error_set(err, CJM_ENOMEM, "out of memory for the referrals");
    for (int st = 0; st < S; st++)
        for (int g = 0; g < G; g++) {
            cjm_status rc = tabulate_one(s, m, st, g, err);
            if (rc != CJM_OK) return rc;
        }
    for (int st = 0; st < S; st++) m->has_referrals |= m->stages[st].refers > 0;
    return CJM_OK;
}
