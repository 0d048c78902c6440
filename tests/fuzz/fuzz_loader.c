/* fuzz_loader.c: libFuzzer harness for the scenario loader.
 *
 * The input is a scenario's text. It is written to a file, loaded; if it
 * loads, it is described, run with every engine (2 runs x 50 customers) and
 * reported in every format, into memory. A failure must be one nonempty line
 * with a status (cjm_error's promise), or the harness aborts.
 *
 * The budget is 10^5 instructions per call and 2 s (not 10^8 and 60 s) and
 * the Lua memory 64 MiB, so that endless loops end fast; the horizon is
 * capped at 30 steps so that a run stays cheap. */
#include "cjm.h"
#include "script_limits.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[128];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/cjm_fuzz_loader_%d.lua", dir, (int)getpid());
    atexit(remove_file);
    cjm_limits_set_defaults(100000, 2.0);
    return 0;
}

static void check_error(const cjm_error *err, cjm_status st)
{
    if (st == CJM_OK || err->code != st || !err->msg[0] || strchr(err->msg, '\n')) {
        fprintf(stderr, "bad error: status %d, code %d, message '%s'\n", st, err->code, err->msg);
        abort();
    }
}

static void report(const cjm_result *r)
{
    static const cjm_format formats[] = {CJM_FORMAT_TABLE, CJM_FORMAT_JSON, CJM_FORMAT_CSV};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) abort();
        cjm_error err = {0};
        cjm_status st = cjm_report_run(r, formats[i], f, &err);
        if (st != CJM_OK) check_error(&err, st);
        fclose(f);
        free(buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);

    cjm_load_options opts = {0};
    opts.horizon = 30;
    opts.lua_memory = (size_t)64 << 20;
    cjm_model *m = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_model_load(path, &opts, &m, &err);
    if (st != CJM_OK) {
        check_error(&err, st);
        if (m) abort();
        return 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) abort();
    cjm_model_describe(m, mem);
    fclose(mem);
    free(buf);

    static const cjm_engine_kind engines[] = {CJM_ENGINE_EXACT, CJM_ENGINE_AGENT,
                                              CJM_ENGINE_COHORT};
    for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
        cjm_settings s = cjm_settings_default();
        s.engine = engines[i];
        s.runs = 2;
        s.customers = 50;
        s.threads = 1;
        cjm_result *r = NULL;
        err = (cjm_error){0};
        st = cjm_run(m, &s, &r, &err);
        if (st == CJM_OK)
            report(r);
        else
            check_error(&err, st);
        cjm_result_free(&r);
    }
    cjm_model_free(&m);
    return 0;
}
