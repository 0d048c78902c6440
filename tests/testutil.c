
#define _DEFAULT_SOURCE
#include "testutil.h"

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
