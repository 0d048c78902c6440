/* script.h: everything that touches Lua. The sandboxed state, protected calls,
 * the scenario loader and the evaluation of function-valued probabilities all
 * live behind this header; engines never see a lua_State. */
#ifndef CJM_SCRIPT_H
#define CJM_SCRIPT_H

#include "cjm.h"
#include "model.h"

typedef struct cjm_script cjm_script;

void cjm_script_free(cjm_script **s);

/* A step of loading that reads the scenario (compiling, tabulating). */
typedef cjm_status (*cjm_script_step)(cjm_script *s, void *arg, cjm_error *err);

/* Runs step(s, arg, err) inside a protected Lua call: the loader's C code
 * expects no Lua error, so one that comes all the same (a case the loader
 * missed, Lua out of memory) becomes this status and one line, "file:
 * internal error reading the scenario: ...", never an abort. */
cjm_status cjm_script_protect(cjm_script *s, cjm_script_step step, void *arg, cjm_error *err);

/* Applies overrides, fixes and a variant, then reads the scenario table into m
 * (which takes ownership of the script, for function probabilities). */
cjm_status cjm_script_compile(cjm_script *s, const cjm_load_options *opts, cjm_model *m,
                              cjm_error *err);

/* What one call of a scenario function gave: its value, and whether it read
 * c.dwell (the steps since the customer entered its stage) or the loyalty
 * context (c.member, c.tier, c.points). */
typedef struct cjm_eval {
    double value;
    int read_dwell, read_loyalty;
} cjm_eval;

/* Calls the function probability of edge e for (step t, segment g, dwell d,
 * loyalty context c: 0 a non-member, see model.h) into ev, checking it
 * returns a number in [0, 1]. */
cjm_status cjm_script_eval_prob(cjm_script *s, const cjm_model *m, int e, int g, int t, int dwell,
                                int c, cjm_eval *ev, cjm_error *err);

/* The same for the purchases per step of stage s (a number in [0, 1e6]). */
cjm_status cjm_script_eval_rate(cjm_script *s, const cjm_model *m, int stage, int g, int t,
                                int dwell, int c, cjm_eval *ev, cjm_error *err);

/* The same for loyalty.join at (t, g) (a probability). */
cjm_status cjm_script_eval_join(cjm_script *s, const cjm_model *m, int g, int t, cjm_eval *ev,
                                cjm_error *err);

/* Calls the arrivals function(t) of the model into *v (a number >= 0). */
cjm_status cjm_script_eval_arrivals(cjm_script *s, const cjm_model *m, int t, double *v,
                                    cjm_error *err);

/* Evaluates every probability and the arrivals for steps [0, horizon) into
 * m's tables and checks each stage's outgoing sums (cjm_model_finish_tables):
 * the only place function probabilities are called. */
cjm_status cjm_script_tabulate(cjm_script *s, cjm_model *m, int horizon, cjm_error *err);

/* The scenario's source text and the line that a scenario path is written on
 * (0 if it cannot be found), for error messages. */
int cjm_script_line_of(const cjm_script *s, const char *path);
const char *cjm_script_file(const cjm_script *s);

/* The SHA-256 of the scenario file, as 64 hex digits. */
const char *cjm_script_sha256(const cjm_script *s);

#endif
