/* example.c: a program outside the tree, built against an installed libcjm
 * with `cc example.c $(pkg-config --cflags --libs cjm)` (or CMake's
 * find_package(cjm) and cjm::cjm) by tests/install/run.sh. It loads the
 * scenario given (and the same text from a buffer), runs the exact engine
 * and prints a few numbers through the accessors. */
#include <cjm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const cjm_error *err)
{
    fprintf(stderr, "example: %s (%s)\n", err->msg, cjm_status_string(err->code));
    return 1;
}

/* The scenario's text, for cjm_model_load_buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(1 << 16) : NULL;
    *len = buf ? fread(buf, 1, 1 << 16, f) : 0;
    if (f) fclose(f);
    return buf;
}

static int report(const cjm_model *m)
{
    cjm_settings s = cjm_settings_default();
    s.engine = CJM_ENGINE_EXACT;
    cjm_result *r = NULL;
    cjm_error err;
    if (cjm_run(m, &s, &r, &err) != CJM_OK) return fail(&err);
    printf("%s (%s):", cjm_model_name(m), cjm_model_file(m));
    for (int i = 0; i < cjm_metric_count(); i++) {
        cjm_value v;
        if (cjm_result_metric(r, i, &v) != CJM_OK) return 1;
        if (strcmp(v.name, "conversion") == 0 || strcmp(v.name, "profit") == 0)
            printf(" %s %.6f%s", v.name, v.mean, v.exact ? " (exact)" : "");
    }
    cjm_value last;
    int n = cjm_result_series_length(r, "funnel");
    if (cjm_result_series(r, "funnel", n - 1, &last) != CJM_OK) return 1;
    printf("; reached %s %.6f\n", last.name, last.mean);
    cjm_result_free(&r);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: example SCENARIO.lua\n");
        return 2;
    }
    printf("libcjm %s (header %s)\n", cjm_version(), CJM_VERSION);
    cjm_model *m = NULL;
    cjm_error err;
    if (cjm_model_load(argv[1], NULL, &m, &err) != CJM_OK) return fail(&err);
    int rc = report(m);
    cjm_model_free(&m);
    size_t len;
    char *text = slurp(argv[1], &len);
    if (!text) return 1;
    if (rc == 0 && cjm_model_load_buffer("buffer.lua", text, len, NULL, &m, &err) != CJM_OK)
        rc = fail(&err);
    if (rc == 0) rc = report(m);
    cjm_model_free(&m);
    free(text);
    return rc;
}
