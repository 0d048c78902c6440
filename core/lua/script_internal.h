/* Shared between the script*.c files only: the script object and the helpers
 * the loader, the overrides and the evaluator use. */
#ifndef CJM_SCRIPT_INTERNAL_H
#define CJM_SCRIPT_INTERNAL_H

#include "dist.h"
#include "script.h"

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>

struct cjm_script {
    lua_State *L;
    char *file;   /* the path as given */
    char *source; /* the file's text, for locating lines */
    size_t source_len;
    struct cjm_keys *keys; /* where each key of the source is written (script_lex.c) */
    char sha256[65];
    int scenario_ref; /* the table the scenario returned */
    int ctx_ref;      /* the context table passed to probability functions */
    int ctx_ready;    /* its metatable (for c.dwell) is set */
    int dwell_now;    /* the value c.dwell gives */
    int dwell_read;   /* set when a function reads c.dwell */
    /* Function probabilities: registry references by edge (the model's
     * order once the loader has sorted them) and segment, LUA_NOREF where
     * the probability is not a function. The model never sees them. */
    int **fn_ref;         /* [edge][segment] */
    int fn_ref_count;     /* edges */
    int arrivals_ref;     /* cohort.arrivals or acquisition.budget_per_step as function(t) */
    int *rate_ref;        /* [stage][segment]: purchases as a function, or LUA_NOREF */
    int *refers_ref;      /* [stage][segment]: refers as a function, or LUA_NOREF */
    double *refers_value; /* [stage][segment]: refers as a number (or a distribution's median) */
    int join_ref[CJM_MAX_SEGMENTS];      /* loyalty.join as a function, or LUA_NOREF */
    double join_value[CJM_MAX_SEGMENTS]; /* loyalty.join as a number */
    /* The loyalty context a function sees (c.member, c.tier, c.points), and
     * whether it read it. */
    int ctx_member, ctx_tier;
    int64_t ctx_points;
    int loyalty_read, points_read;
    const char *tier_names[CJM_MAX_TIERS]; /* the model's, for c.tier */
};

/* The keys of a scenario's source, by table constructor: built once the
 * source has compiled (so it is valid Lua), for locating paths. */
typedef struct cjm_keys cjm_keys;
cjm_status cjm_keys_build(const char *src, size_t len, cjm_keys **out); /* CJM_ENOMEM or OK */
void cjm_keys_free(cjm_keys **k);

/* The line where path ("transitions.b.c", "stages.lead.cost", "segments[2]",
 * "variants.x.set.cohort.size") is written: the key of its last component
 * found by walking the constructors from the top, so an earlier key of the
 * same name elsewhere is never taken; when only a prefix of the path is
 * written, that prefix's line; 0 when not even its first component is. */
int cjm_keys_line(const cjm_keys *k, const char *path);

/* The first key written twice in one table constructor (by the line of its
 * second writing): 1 with the table's path ("" for a top-level table), the
 * key and both lines; 0 if none; -1 out of memory. */
int cjm_keys_duplicate(const cjm_keys *k, char *path, size_t size, char *key, size_t key_size,
                       int *first, int *second);

/* Runs the function below nargs arguments on the stack under a message handler.
 * On failure fills err with the error's first line (prefixed by `what` if not
 * NULL) and pops it; on success leaves nres results. */
cjm_status cjm_script_pcall(cjm_script *s, int nargs, int nres, const char *what, cjm_error *err);

/* "file:line: path: message" (line 0: no line), as a CJM_ESCENARIO error. */
cjm_status cjm_script_fail(const cjm_script *s, cjm_error *err, int line, const char *path,
                           const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The same, locating the line of path in the source. */
cjm_status cjm_script_fail_at(const cjm_script *s, cjm_error *err, const char *path,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Applies --set style overrides to the scenario table on top of the stack. */
cjm_status cjm_script_apply_sets(cjm_script *s, const cjm_load_options *opts, cjm_error *err);

/* Sets path to the Lua value on top of the stack (popped); origin names the
 * source of the change for messages ("--set", "variant cheaper_ads"), at the
 * scenario path whose line the messages name (a variant's key,
 * "variants.cheaper_ads.set.cohort.size"; NULL: path's own line). */
cjm_status cjm_script_set_path(cjm_script *s, int scenario_idx, const char *path,
                               const char *origin, const char *at, cjm_error *err);

/* Barrier names whose fixes apply, each with where it was asked for, and
 * the variants applied (the one loaded and those it is based on, deepest
 * first), whose fixed costs count. */
typedef struct cjm_fix_list {
    char **names, **origins;
    int count;
    char **variants;
    int variant_count;
} cjm_fix_list;

cjm_status cjm_fix_list_add(cjm_fix_list *l, const char *name, const char *origin, cjm_error *err);
void cjm_fix_list_free(cjm_fix_list *l);

/* Applies variant `name` (and those it is based on) to the scenario at scn:
 * its overrides now, its fixes into the list. */
cjm_status cjm_script_apply_variant(cjm_script *s, int scn, const char *name, cjm_fix_list *fixes,
                                    cjm_error *err);

/* The state of one compilation of a scenario table into a model. */
typedef struct cjm_loader {
    cjm_script *s;
    lua_State *L;
    cjm_model *m;
    cjm_error *err;
    int dist_map; /* registry ref: distribution table -> input index + 1 */
} cjm_loader;

/* Rejects keys outside `allowed` in the table at idx; integer keys 1..n_array
 * are allowed too (a stage's name is its first array item). */
cjm_status cjm_loader_check_keys(cjm_loader *ld, int idx, const char *path,
                                 const char *const *allowed, lua_Integer n_array);

/* Reads the optional number t[key] (table at idx) into *out, default def,
 * requiring lo <= value <= hi and, if integral, an integer. With a slot the
 * number is an input of the model and may be a distribution. */
cjm_status cjm_loader_number(cjm_loader *ld, int idx, const char *key, const char *path, double def,
                             double lo, double hi, int integral, const cjm_slot *slot, double *out);

/* The names of the table t[key] (t at idx; the table is pushed, nil leaves
 * *names NULL), in the order the file writes them (prefix.NAME is each one's
 * scenario path). */
cjm_status cjm_loader_named_entries(cjm_loader *ld, int idx, const char *key, const char *prefix,
                                    const char *usage, char ***names, int *n);

/* The money keys of stage s (table at idx, path "stages.NAME"): cost,
 * revenue, cogs and their _per_step forms, each a number, a table by
 * segment or a distribution (script_money.c). */
cjm_status cjm_loader_stage_money(cjm_loader *ld, int idx, int s, const char *path);

/* Fixed costs: the scenario's `costs`, those of the applied fixes and of
 * the variants in the list (script_money.c). */
cjm_status cjm_loader_fixed_costs(cjm_loader *ld, int scn, const cjm_fix_list *fixes);

/* A stage's `purchases` (script_loyalty.c). */
cjm_status cjm_loader_stage_purchases(cjm_loader *ld, int idx, int s, const char *path);

/* The `loyalty` block (script_loyalty.c). */
cjm_status cjm_loader_loyalty(cjm_loader *ld, int scn);

/* Appends edge from -> to (scenario path `path`) to the model with no
 * probability yet; the edge is the model's last. */
cjm_status cjm_loader_new_edge(cjm_loader *ld, int from, int to, const char *path);
/* Reads the probability on top of the stack (a number, a table by segment, a
 * distribution, a function or cjm.per_customer) into edge `edge`, its inputs
 * at path. */
cjm_status cjm_loader_read_edge(cjm_loader *ld, int edge, const char *path);
/* Is the transitions row at idx the split form { leaves = p, split = {...} }? */
int cjm_loader_is_split(cjm_loader *ld, int idx);
/* Reads the split row on top of the stack, out of stage `from` (path
 * "transitions.FROM"), into one edge per share (script_split.c). */
cjm_status cjm_loader_split(cjm_loader *ld, int from, const char *path);
/* A barrier's optional `redirect = "a -> c"` (barrier table at idx, path
 * "barriers.NAME"): a transition out of the stage its `on` transitions
 * leave, not one of them; b->redirect is its edge, or -1 (script_split.c). */
cjm_status cjm_loader_redirect(cjm_loader *ld, int idx, cjm_barrier *b, const char *path);
/* A stage's `refers` (a number, a table by segment, a distribution or a
 * function of c.t and c.segment) and `refers_segment` (script_refers.c). */
cjm_status cjm_loader_stage_refers(cjm_loader *ld, int idx, int s, const char *path);
/* The referral rates by (step, segment, stage) into m->refers, and each
 * stage's largest (script_refers.c). */
cjm_status cjm_script_tabulate_refers(cjm_script *s, cjm_model *m, cjm_error *err);
/* Calls stage's refers function for (t, g), checking it returns a rate in
 * [0, 1e6] (script_eval.c). */
cjm_status cjm_script_eval_refers(cjm_script *s, const cjm_model *m, int stage, int g, int t,
                                  cjm_eval *ev, cjm_error *err);
/* "a -> b" (stage names may hold hyphens) into that transition's edge. */
cjm_status cjm_loader_transition(cjm_loader *ld, const char *text, const char *path, int *edge);

/* A stage, segment or tier name: no dots, spaces, arrows or quotes. */
int cjm_loader_valid_name(const char *name);

/* A hint after "unknown stage 'word'": the stage meant, or the stages when
 * few (cjm_suggest_hint). Returns buf. */
const char *cjm_loader_stage_hint(const cjm_loader *ld, const char *word, char *buf, size_t n);

/* The name of an entry { "name", ... } or { name = "..." } at idx, or NULL. */
const char *cjm_loader_entry_name(lua_State *L, int idx);

/* `discount = { rate = ... }` and the length of the scenario's step in years. */
cjm_status cjm_loader_discount(cjm_loader *ld, int scn);

/* "a.b" from "a" and "b" (malloc'd; "b" alone when a is empty). */
char *cjm_path_join(const char *a, const char *b);

/* The module's objects (script_dist.c): userdata with protected metatables,
 * kept in the registry under these names. */
#define CJM_DIST_MT "cjm.distribution"
#define CJM_PER_CUSTOMER_MT "cjm.per_customer"
#define CJM_GROUP_MT "cjm.correlation"
#define CJM_DISCRETE_MAX 1000000 /* values of one cjm.discrete */
#define CJM_CORRELATE_MAX 1000   /* distributions in one cjm.correlate */
#define CJM_DIRICHLET_MT "cjm.dirichlet"
#define CJM_DIRICHLET_MAX 1000 /* entries of one cjm.dirichlet */
#define CJM_INPUT_NAME_MAX 63  /* characters of an input's name */

/* A distribution as cjm.beta() and the like make it; its first user value
 * is its correlation group (a cjm_ugroup) or nil, its second its
 * cjm.dirichlet row (a cjm_urow) or nil. */
typedef struct cjm_udist {
    cjm_dist_kind kind;
    double p[3];                       /* the parameters, in the constructor's order */
    int n;                             /* discrete: the number of values */
    int per_customer;                  /* given to cjm.per_customer() */
    int dirichlet;                     /* entry number (from 1) in its cjm.dirichlet row, or 0 */
    int line;                          /* of the constructor's call */
    char name[CJM_INPUT_NAME_MAX + 1]; /* its `name` option (an identifier), or "" */
    double data[];                     /* discrete: n values, then n weights, as written */
} cjm_udist;

/* Arithmetic on distributions (`u * 1.3`, `1 - u`, `u + v`, cjm.min/max): a
 * node of an expression tree. Its user values are its operands (numbers,
 * distributions or expressions), the first alone for CJM_OP_NEG; `size` is
 * the number of instructions it compiles to (at most CJM_DERIVED_OPS_MAX,
 * which bounds its depth too). */
#define CJM_EXPR_MT "cjm.expression"
typedef struct cjm_uexpr {
    int op; /* a cjm_op_kind: ADD .. MAX */
    int size;
} cjm_uexpr;

/* The expression at idx, or NULL. */
cjm_uexpr *cjm_script_to_expr(lua_State *L, int idx);

/* The text of the expression or distribution at idx ("member_frequency *
 * 1.3", "pert(1, 2, 3) + 1"), pushed. */
const char *cjm_script_expr_text(lua_State *L, int idx);

/* A correlation group; its user value is the list of its members. */
typedef struct cjm_ugroup {
    int n, line;     /* members; the line of the cjm.correlate call */
    double matrix[]; /* n x n, row-major */
} cjm_ugroup;

/* A cjm.dirichlet row: its first user value is the list of its members
 * (beta marginals, in the order of their names), its second the list of
 * their names (sorted). */
typedef struct cjm_urow {
    int n, line; /* entries; the line of the cjm.dirichlet call */
} cjm_urow;

/* The distribution at idx, or NULL. */
cjm_udist *cjm_script_to_dist(lua_State *L, int idx);

/* Is the value at idx a distribution made by cjm.beta() and the like, or an
 * expression over them (an uncertain value drawn once per run)? */
int cjm_script_is_dist(lua_State *L, int idx);

/* The number of parameters of a kind (discrete: 0). */
int cjm_dist_arity(cjm_dist_kind kind);

/* Nonzero, with what is wrong in msg, if d's numbers are not a valid
 * distribution of its kind ("lo must be below hi (got 5, 1)"). */
int cjm_dist_problem(const cjm_udist *d, char *msg, size_t n);

/* The same for a correlation group's matrix. */
int cjm_corr_problem(const cjm_ugroup *g, char *msg, size_t n);

/* Adds the constructors (cjm.uniform, ..., cjm.discrete, cjm.dirichlet,
 * cjm.per_customer, cjm.correlate) to the module table on top of the stack. */
void cjm_script_dist_open(lua_State *L);

/* Registry tables: name -> the first distribution given it; distribution ->
 * the number --set NAME=VALUE (or a variant's set) gives it. */
#define CJM_NAMED_KEY "cjm.named"
#define CJM_OVERRIDES_KEY "cjm.overrides"

/* --set NAME=VALUE for a named distribution: the value at idx (a number)
 * replaces the distribution wherever it is used, in expressions too.
 * Returns 1 if name is a distribution's name and the value a number, -1 if
 * it is a name but the value no number, 0 if no distribution has it. */
int cjm_script_set_named(lua_State *L, const char *name, int idx);

/* Remembers the distribution on top of the stack (popped) as pinned to a
 * number by --set or a variant: its correlation group then goes on without it. */
void cjm_script_note_pinned(lua_State *L);

/* Is the value at idx a cjm.per_customer(...)? */
int cjm_script_is_per_customer(lua_State *L, int idx);

/* Reads the cjm.per_customer(...) at the top of the stack into the model's
 * per_customer list; returns its index, or -1 with err filled. */
int cjm_loader_per_customer(cjm_loader *ld, const char *path);

/* Registers a number of the scenario as an input at path with its slot: the
 * value on top of the stack is a number or a distribution (checked to stay in
 * [lo, hi]). *value gets the number, or the distribution's median. */
cjm_status cjm_loader_input(cjm_loader *ld, const char *path, const cjm_slot *slot, double lo,
                            double hi, int integral, double *value);

/* The same for an expression over distributions on top of the stack (a
 * derived input, script_derived.c); slot NULL: none. */
cjm_status cjm_loader_derived(cjm_loader *ld, const char *path, const cjm_slot *slot, double lo,
                              double hi, int integral, double *value);

/* After everything is read: correlation groups, and the sums of uncertain
 * probabilities at their highest. */
cjm_status cjm_loader_finish_inputs(cjm_loader *ld);

/* Adds the cjm module's C functions to the module table on top of the stack. */
void cjm_script_module_extend(lua_State *L);

/* Collects the string keys of the table at idx, sorted; other keys (and
 * strings holding a NUL byte, which C would read cut short) are reported
 * through *bad_key (1 if any). Caller frees the array and strings. */
char **cjm_script_sorted_keys(lua_State *L, int idx, int *count, int *bad_key);
void cjm_script_free_keys(char **keys, int count);

#endif
