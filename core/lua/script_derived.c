/* script_derived.c: derived inputs, compiled from arithmetic on
 * distributions (`u * 1.3`, `1 - u`, `u + v`, cjm.min/max; script_dist.c
 * makes the expression objects) into a postfix program over the model's
 * inputs (model.h: cjm_derived), evaluated in C once per run. Each
 * distribution in an expression is an uncertain input of its own (its
 * parent), drawn and analysed as any other; the derived input is not. */
#include "script_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The compilation of one expression: its distinct distributions (the Lua
 * table at `leaves`, list and set), then its program. */
typedef struct compile {
    cjm_loader *ld;
    int leaves, count;
    cjm_op *ops;
    int op_count;
} compile;

static cjm_status bad_expression(compile *c, const char *path)
{
    return cjm_script_fail_at(c->ld->s, c->ld->err, path,
                              "not an expression cjm made (arithmetic on distributions)");
}

/* Walks the operand at idx (depth levels below the top): collects its
 * distributions (pass 0), or emits its instructions (pass 1). The tree is
 * checked again (its sizes bound it), trusting nothing of the objects. */
static cjm_status walk(compile *c, const char *path, int idx, int pass, int depth)
{
    lua_State *L = c->ld->L;
    idx = lua_absindex(L, idx);
    if (depth > CJM_DERIVED_OPS_MAX || !lua_checkstack(L, 4)) return bad_expression(c, path);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        if (pass) c->ops[c->op_count++] = (cjm_op){CJM_OP_CONST, -1, lua_tonumber(L, idx)};
        return isfinite(lua_tonumber(L, idx)) ? CJM_OK : bad_expression(c, path);
    }
    if (cjm_script_to_dist(L, idx)) {
        lua_pushvalue(L, idx);
        if (pass == 0 && lua_rawget(L, c->leaves) == LUA_TNIL) {
            lua_pushvalue(L, idx);
            lua_rawseti(L, c->leaves, ++c->count);
            lua_pushvalue(L, idx);
            lua_pushinteger(L, c->count);
            lua_rawset(L, c->leaves);
        } else if (pass) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, c->ld->dist_map);
            lua_pushvalue(L, idx);
            lua_rawget(L, -2);
            int input = (int)lua_tointeger(L, -1) - 1;
            lua_pop(L, 2);
            c->ops[c->op_count++] = (cjm_op){CJM_OP_INPUT, input, 0};
        }
        lua_pop(L, 1);
        return CJM_OK;
    }
    const cjm_uexpr *e = cjm_script_to_expr(L, idx);
    if (!e || e->op < CJM_OP_ADD || e->op > CJM_OP_MAX || e->size > CJM_DERIVED_OPS_MAX)
        return bad_expression(c, path);
    int n = e->op == CJM_OP_NEG ? 1 : 2;
    cjm_status st = CJM_OK;
    for (int k = 1; st == CJM_OK && k <= n; k++) {
        lua_getiuservalue(L, idx, k);
        st = walk(c, path, -1, pass, depth + 1);
        lua_pop(L, 1);
    }
    if (st == CJM_OK && pass) {
        if (c->op_count >= CJM_DERIVED_OPS_MAX) return bad_expression(c, path);
        c->ops[c->op_count++] = (cjm_op){(cjm_op_kind)e->op, -1, 0};
    }
    return st;
}

/* Every distribution of the expression an input: one met before is that
 * input; a new one is a parent with no slot, at path[k] (the expression's
 * k-th distribution), its draws keyed by that path as any input's. */
static cjm_status parents(compile *c, const char *path)
{
    lua_State *L = c->ld->L;
    cjm_status st = CJM_OK;
    for (int k = 1; st == CJM_OK && k <= c->count; k++) {
        char leaf[600];
        snprintf(leaf, sizeof leaf, "%s[%d]", path, k);
        lua_rawgeti(L, c->leaves, k);
        int before = c->ld->m->input_count;
        double v;
        st = cjm_loader_input(c->ld, leaf, NULL, -HUGE_VAL, HUGE_VAL, 0, &v);
        if (st == CJM_OK && c->ld->m->input_count > before) {
            cjm_input *in = &c->ld->m->inputs[before];
            if (in->line == 0) in->line = cjm_script_line_of(c->ld->s, path);
        }
        lua_pop(L, 1);
    }
    return st;
}

/* The derived input's value from its parents' values (medians), checked
 * to be in [lo, hi] where it is used. */
static cjm_status first_value(cjm_loader *ld, cjm_derived *d, const char *path)
{
    const cjm_model *m = ld->m;
    double *values = malloc((size_t)(m->input_count + 1) * sizeof *values);
    if (!values) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    for (int i = 0; i < m->input_count; i++) values[i] = m->inputs[i].value;
    d->value = cjm_derived_eval(d, values);
    free(values);
    if (d->integral) d->value = floor(d->value + 0.5);
    if (!(d->value >= d->lim_lo && d->value <= d->lim_hi))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "%s is %.12g at its parents' medians, outside [%g, %g]", d->text,
                                  d->value, d->lim_lo, d->lim_hi);
    return CJM_OK;
}

static cjm_status add_derived_slot(cjm_loader *ld, cjm_derived *d, const cjm_slot *slot)
{
    if (!slot) return CJM_OK;
    cjm_slot *grown = realloc(d->slots, (size_t)(d->slot_count + 1) * sizeof *grown);
    if (!grown) return cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    d->slots = grown;
    d->slots[d->slot_count++] = *slot;
    return CJM_OK;
}

/* An expression met before: one more slot, its range narrowed. */
static cjm_status known_derived(cjm_loader *ld, int k, const char *path, const cjm_slot *slot,
                                double lo, double hi, int integral, double *value)
{
    cjm_derived *d = &ld->m->derived_inputs[k];
    d->lim_lo = fmax(d->lim_lo, lo), d->lim_hi = fmin(d->lim_hi, hi);
    if (integral && d->value != floor(d->value))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "%s (used at %s too) is %.17g: it must be a whole number here",
                                  d->text, d->path, d->value);
    d->integral |= integral;
    if (!(d->value >= lo && d->value <= hi))
        return cjm_script_fail_at(ld->s, ld->err, path,
                                  "%s (used at %s too) is %.17g at its parents' medians, "
                                  "outside [%g, %g]",
                                  d->text, d->path, d->value, lo, hi);
    *value = d->value;
    return add_derived_slot(ld, d, slot);
}

static cjm_derived *new_derived(cjm_loader *ld)
{
    cjm_model *m = ld->m;
    cjm_derived *grown =
        realloc(m->derived_inputs, (size_t)(m->derived_input_count + 1) * sizeof *grown);
    if (!grown) return NULL;
    m->derived_inputs = grown;
    cjm_derived *d = &grown[m->derived_input_count++];
    memset(d, 0, sizeof *d);
    return d;
}

cjm_status cjm_loader_derived(cjm_loader *ld, const char *path, const cjm_slot *slot, double lo,
                              double hi, int integral, double *value)
{
    lua_State *L = ld->L;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map);
    lua_pushvalue(L, top);
    int known = (int)lua_tointeger(L, (lua_rawget(L, -2), -1));
    lua_pop(L, 2);
    if (known < 0) return known_derived(ld, -known - 1, path, slot, lo, hi, integral, value);
    compile c = {ld, 0, 0, NULL, 0};
    lua_newtable(L);
    c.leaves = lua_gettop(L);
    cjm_status st = walk(&c, path, top, 0, 0);
    if (st == CJM_OK) st = parents(&c, path);
    cjm_derived *d = st == CJM_OK ? new_derived(ld) : NULL;
    if (st == CJM_OK && !d) st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    if (d) {
        d->ops = c.ops = malloc(CJM_DERIVED_OPS_MAX * sizeof *c.ops);
        d->path = strdup(path);
        d->text = strdup(cjm_script_expr_text(L, top));
        lua_pop(L, 1);
        d->line = cjm_script_line_of(ld->s, path);
        d->lim_lo = lo, d->lim_hi = hi;
        d->integral = integral;
        if (!d->ops || !d->path || !d->text)
            st = cjm_error_set(ld->err, CJM_ENOMEM, "out of memory");
    }
    if (st == CJM_OK) st = walk(&c, path, top, 1, 0);
    if (st == CJM_OK) d->op_count = c.op_count;
    if (st == CJM_OK) st = first_value(ld, d, path);
    if (st == CJM_OK) st = add_derived_slot(ld, d, slot);
    lua_settop(L, top);
    if (st != CJM_OK) return st;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ld->dist_map); /* expression -> -(index + 1) */
    lua_pushvalue(L, top);
    lua_pushinteger(L, -ld->m->derived_input_count);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    *value = d->value;
    return CJM_OK;
}
