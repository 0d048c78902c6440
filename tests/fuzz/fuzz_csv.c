/* fuzz_csv.c: libFuzzer harness for the data readers (csv.c, and what reads
 * tables through it: cjm fit sbg / bgnbd / paths, cjm attribution).
 *
 * The input is a data file's text. It is parsed in memory; then written to a
 * file and read by each fit and by the attribution, whose reports are written
 * into memory. A failure must be one nonempty line with a status
 * (cjm_error's promise), or the harness aborts. BG/NBD's search is only run
 * on 200 rows or fewer, so that one input stays fast. */
#include "cjm.h"
#include "csv.h"

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
    snprintf(path, sizeof path, "%s/cjm_fuzz_csv_%d.csv", dir, (int)getpid());
    atexit(remove_file);
    return 0;
}

static void check_error(const cjm_error *err, cjm_status st)
{
    if (st == CJM_OK || err->code != st || !err->msg[0] || strchr(err->msg, '\n')) {
        fprintf(stderr, "bad error: status %d, code %d, message '%s'\n", st, err->code, err->msg);
        abort();
    }
}

static FILE *mem(char **buf, size_t *len)
{
    FILE *f = open_memstream(buf, len);
    if (!f) abort();
    return f;
}

static void fit(cjm_status (*fn)(const char *, const cjm_fit_options *, cjm_fit **, cjm_error *))
{
    cjm_fit *x = NULL;
    cjm_error err = {0};
    cjm_status st = fn(path, NULL, &x, &err);
    if (st != CJM_OK) {
        check_error(&err, st);
        if (x) abort();
        return;
    }
    static const cjm_format formats[] = {CJM_FORMAT_TABLE, CJM_FORMAT_JSON, CJM_FORMAT_CSV};
    for (size_t i = 0; i < 3; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = mem(&buf, &len);
        if (cjm_report_fit(x, formats[i], f, &err) != CJM_OK) abort();
        fclose(f);
        free(buf);
    }
    cjm_fit_free(&x);
}

static void paths(void)
{
    cjm_paths *p = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_attribution(path, NULL, &p, &err);
    if (st != CJM_OK) {
        check_error(&err, st);
        if (p) abort();
        /* the fit alone may still succeed (nothing converts) */
        if ((st = cjm_paths_fit(path, NULL, &p, &err)) != CJM_OK) {
            check_error(&err, st);
            return;
        }
    }
    static const cjm_format formats[] = {CJM_FORMAT_TABLE, CJM_FORMAT_JSON, CJM_FORMAT_CSV};
    for (size_t i = 0; i < 3; i++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = mem(&buf, &len);
        if (cjm_report_paths(p, formats[i], f, &err) != CJM_OK) abort();
        st = cjm_report_attribution(p, formats[i], f, &err);
        if (st != CJM_OK) check_error(&err, st);
        fclose(f);
        free(buf);
    }
    cjm_paths_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cjm_csv *t = NULL;
    cjm_error err = {0};
    cjm_status st = cjm_csv_parse("fuzz.csv", (const char *)data, size, 0, &t, &err);
    int rows = 0;
    if (st != CJM_OK) {
        check_error(&err, st);
        if (t) abort();
    } else {
        rows = t->rows;
        for (int r = 0; r < t->rows; r++)
            for (int c = 0; c < t->cols; c++) {
                double v;
                st = cjm_csv_number(t, r, c, &v, &err);
                if (st != CJM_OK) check_error(&err, st);
                if (!cjm_csv_cell(t, r, c)) abort();
            }
        cjm_csv_free(&t);
    }
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size && fwrite(data, 1, size, f) != size) abort();
    fclose(f);
    fit(cjm_fit_sbg);
    if (rows <= 200) fit(cjm_fit_bgnbd);
    paths();
    return 0;
}
