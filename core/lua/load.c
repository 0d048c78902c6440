/* load.c: a scenario file (or text) into a compiled model: open the
 * sandbox, run the scenario, read its table, tabulate its functions, close
 * Lua. The model that comes out is plain data. */
#include "script_limits.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The load options' own mistakes, before any Lua runs. */
static cjm_status check_options(const char *path, const cjm_load_options *opts, cjm_error *err)
{
    if (!path) return cjm_error_set(err, CJM_EUSAGE, "no scenario path (or name) given");
    if (!opts) return CJM_OK;
    if (!(opts->lua_seconds >= 0) || isinf(opts->lua_seconds))
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s: lua_seconds must be a finite number of seconds >= 0 (0: the "
                             "default), got %g",
                             path, opts->lua_seconds);
    if (opts->text_len > 0 && !opts->text)
        return cjm_error_set(err, CJM_EUSAGE, "%s: text_len is %zu but there is no text", path,
                             opts->text_len);
    return CJM_OK;
}

/* The loader and the tabulation run protected (cjm_script_protect). */
typedef struct compile_args {
    const cjm_load_options *opts;
    cjm_model *m;
} compile_args;

static cjm_status compile_step(cjm_script *s, void *arg, cjm_error *err)
{
    compile_args *ca = arg;
    return cjm_script_compile(s, ca->opts, ca->m, err);
}

static cjm_status tabulate_step(cjm_script *s, void *arg, cjm_error *err)
{
    cjm_model *m = arg;
    return cjm_script_tabulate(s, m, m->horizon, err);
}

cjm_status cjm_model_load(const char *path, const cjm_load_options *opts, cjm_model **out,
                          cjm_error *err)
{
    *out = NULL;
    cjm_status st = check_options(path, opts, err);
    if (st != CJM_OK) return st;
    cjm_model *m = calloc(1, sizeof *m);
    if (!m) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_script *s = NULL;
    st = cjm_script_open_limited(path, opts, &s, err);
    compile_args ca = {opts, m};
    if (st == CJM_OK) st = cjm_script_protect(s, compile_step, &ca, err);
    if (st == CJM_OK && !(m->file = strdup(path)))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK) {
        memcpy(m->sha256, cjm_script_sha256(s), sizeof m->sha256);
        if (opts && opts->horizon > 0) m->horizon = opts->horizon;
        st = cjm_script_protect(s, tabulate_step, m, err);
    }
    cjm_script_free(&s);
    if (st != CJM_OK) {
        cjm_model_free(&m);
        return st;
    }
    *out = m;
    return CJM_OK;
}

cjm_status cjm_model_load_buffer(const char *name, const char *text, size_t len,
                                 const cjm_load_options *opts, cjm_model **out, cjm_error *err)
{
    cjm_load_options o = opts ? *opts : (cjm_load_options){0};
    if (!name) name = "(buffer)";
    if (!text) {
        *out = NULL;
        return cjm_error_set(err, CJM_EUSAGE, "%s: no scenario text given", name);
    }
    o.text = text;
    o.text_len = len;
    return cjm_model_load(name, &o, out, err);
}
