
#define _DEFAULT_SOURCE
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

char *tu_read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            }
            buf = grown;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

char *tu_write_temp(const char *text)
{
    char tmpl[] = "/tmp/cjm_test_XXXXXX.lua";
    int fd = mkstemps(tmpl, 4);
    if (fd < 0) return NULL;
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        return NULL;
    }
    close(fd);
    return strdup(tmpl);
}

int tu_run_cjm(const char *args, char **out, char **err)
{
    char outp[] = "/tmp/cjm_out_XXXXXX", errp[] = "/tmp/cjm_err_XXXXXX";
    int fo = mkstemp(outp), fe = mkstemp(errp);
    close(fo);
    close(fe);
    size_t cap = strlen(args) + strlen(CJM_BINARY) + 2 * sizeof outp + 32;
    char *cmd = malloc(cap);
    snprintf(cmd, cap, "%s %s >%s 2>%s", CJM_BINARY, args, outp, errp);
    int status = system(cmd);
    free(cmd);
    *out = tu_read_file(outp);
    *err = tu_read_file(errp);
    unlink(outp);
    unlink(errp);
    if (status == -1 || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

cjm_model *tu_load_text(const char *lua)
{
    char *path = tu_write_temp(lua);
    assert_non_null(path);
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_model_load(path, NULL, &m, &err);
    if (st != CJM_OK) fprintf(stderr, "load failed: %s\n", err.msg);
    unlink(path);
    free(path);
    assert_int_equal(st, CJM_OK);
    return m;
}

cjm_status tu_load_error(const char *lua, char *msg, size_t n)
{
    char *path = tu_write_temp(lua);
    assert_non_null(path);
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_model_load(path, NULL, &m, &err);
    snprintf(msg, n, "%s", err.msg);
    cjm_model_free(&m);
    unlink(path);
    free(path);
    return st;
}

char *tu_report_json(const cjm_model *m, const cjm_settings *s)
{
    cjm_result *r = NULL;
    cjm_error err = {0};
    if (cjm_run(m, s, &r, &err) != CJM_OK) fail_msg("run failed: %s", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(cjm_report_run(r, CJM_FORMAT_JSON, f, &err), CJM_OK);
    fclose(f);
    cjm_result_free(&r);
    return buf;
}

cjm_result *tu_run(const cjm_model *m, const cjm_settings *s, cjm_metrics *mt)
{
    cjm_result *r = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_run(m, s, &r, &err);
    if (st != CJM_OK) fprintf(stderr, "run failed: %s\n", err.msg);
    assert_int_equal(st, CJM_OK);
    assert_int_equal(cjm_metrics_compute(r, mt, &err), CJM_OK);
    return r;
}

int tu_engine_checks;
cjm_simd tu_simd = CJM_SIMD_AUTO;

static void within_4se(const char *what, const cjm_summary *agent, const cjm_summary *exact)
{
    tu_engine_checks++;
    if (!exact->defined) {
        assert_false(agent->defined && agent->mean != 0);
        return;
    }
    double diff = fabs(agent->mean - exact->mean);
    double tol = agent->se > 0 ? 4 * agent->se : 1e-9 * fmax(1, fabs(exact->mean));
    if (!(diff <= tol))
        fail_msg("%s: agent %.10g (se %.3g), exact %.10g: %.1f SE apart", what, agent->mean,
                 agent->se, exact->mean, diff / agent->se);
}

/* Retention[k] is compared where the delta method's normal approximation
 * holds: at least 1000 converted customers observed k steps on, over all runs. */
static double retention_denominator(const cjm_result *r, int k)
{
    double sum = 0;
    for (int i = 0; i < r->runs; i++)
        sum += cjm_result_row(r, i)[CJM_T_FIXED + r->stage_count + r->horizon + 1 + k];
    return sum;
}

void tu_compare_engines(const cjm_model *m, int runs, int64_t customers, uint64_t seed)
{
    cjm_settings s = cjm_settings_default();
    s.runs = runs;
    s.customers = customers;
    s.seed = seed;
    s.simd = tu_simd;
    cjm_metrics ma, me;
    cjm_result *ra = tu_run(m, &s, &ma);
    s.engine = CJM_ENGINE_EXACT;
    cjm_result *re = tu_run(m, &s, &me);
    for (int i = 0; i < CJM_M_COUNT; i++) within_4se(cjm_metric_infos[i].name, &ma.m[i], &me.m[i]);
    for (int st = 0; st < m->stage_count; st++)
        within_4se(m->stages[st].name, &ma.reached[st], &me.reached[st]);
    for (int k = 0; k <= ma.horizon; k++) {
        if (retention_denominator(ra, k) < 1000) continue;
        char what[32];
        snprintf(what, sizeof what, "retention[%d]", k);
        within_4se(what, &ma.retention[k], &me.retention[k]);
    }
    cjm_result_free(&ra);
    cjm_result_free(&re);
    cjm_metrics_free(&ma);
    cjm_metrics_free(&me);
}
