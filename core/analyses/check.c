/* check.c: what `cjm check` validates beyond one load: each variant and
 * each fix, applied as compare applies them. */
#include "cjm.h"
#include "model.h"

#include <stdlib.h>
#include <string.h>

/* Loads the scenario with each variant in turn (the load is thrown away). */
static cjm_status check_variants(const char *path, const cjm_load_options *opts, const cjm_model *m,
                                 cjm_error *err)
{
    int n = cjm_model_count(m, "variants");
    for (int v = 0; v < n; v++) {
        cjm_load_options o = *opts;
        o.variant = cjm_model_item(m, "variants", v);
        cjm_model *with = NULL;
        cjm_status st = cjm_model_load(path, &o, &with, err);
        cjm_model_free(&with);
        if (st != CJM_OK) return st;
    }
    return CJM_OK;
}

/* Applies each barrier's fix alone on top of m's, as compare --fixes does. */
static cjm_status check_fixes(const cjm_model *m, cjm_error *err)
{
    unsigned char *fixed = malloc((size_t)m->barrier_count + 1);
    if (!fixed) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    cjm_status st = CJM_OK;
    for (int b = 0; b < m->barrier_count && st == CJM_OK; b++) {
        if (!m->barriers[b].has_fix || m->barriers[b].fixed) continue;
        for (int k = 0; k < m->barrier_count; k++) fixed[k] = m->barriers[k].fixed;
        fixed[b] = 1;
        cjm_model *with = NULL;
        st = cjm_model_with_fixes(m, fixed, &with, err);
        cjm_model_free(&with);
    }
    free(fixed);
    return st;
}

cjm_status cjm_model_check_changes(const char *path, const cjm_load_options *opts,
                                   const cjm_model *m, cjm_error *err)
{
    cjm_load_options none = {0};
    cjm_status st = check_variants(path, opts ? opts : &none, m, err);
    return st == CJM_OK ? check_fixes(m, err) : st;
}
