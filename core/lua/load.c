/* load.c: a scenario file (or text) into a compiled model: open the
 * sandbox, run the scenario, read its table, tabulate its functions, close
 * Lua. The model that comes out is plain C data. */
#include "script_limits.h"

#include <stdlib.h>
#include <string.h>

cjm_status cjm_model_load(const char *path, const cjm_load_options *opts, cjm_model **out,
                          cjm_error *err)
{
    *out = NULL;
    cjm_model *m = calloc(1, sizeof *m);
    if (!m) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_script *s = NULL;
    cjm_status st = cjm_script_open_limited(path, opts ? opts->lua_memory : 0,
                                            opts ? opts->cancel : NULL, &s, err);
    if (st == CJM_OK) st = cjm_script_compile(s, opts, m, err);
    if (st == CJM_OK && !(m->file = strdup(path)))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    if (st == CJM_OK) {
        memcpy(m->sha256, cjm_script_sha256(s), sizeof m->sha256);
        if (opts && opts->horizon > 0) m->horizon = opts->horizon;
        st = cjm_script_tabulate(s, m, m->horizon, err);
    }
    cjm_script_free(&s);
    if (st != CJM_OK) {
        cjm_model_free(&m);
        return st;
    }
    *out = m;
    return CJM_OK;
}
