#define _POSIX_C_SOURCE 200809L
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
