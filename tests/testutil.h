/* Helpers shared by the tests: running the cjm binary, reading files. */
#ifndef CJM_TESTUTIL_H
#define CJM_TESTUTIL_H

#include <stddef.h>

/* Runs `CJM_BINARY args` through the shell; captures stdout and stderr
 * (each malloc'd, NUL-terminated; free them) and returns the exit status. */
int tu_run_cjm(const char *args, char **out, char **err);

/* Reads a whole file into a malloc'd NUL-terminated string, or NULL. */
char *tu_read_file(const char *path);

/* Writes text to a fresh temporary .lua file; returns its malloc'd path. */
char *tu_write_temp(const char *text);

#include "cjm.h"
#include "metrics.h"

/* Loads a scenario written in the test (fails the test on error). */
cjm_model *tu_load_text(const char *lua);

/* Loads, expecting failure: returns the status and copies the message. */
cjm_status tu_load_error(const char *lua, char *msg, size_t n);

/* Runs the model with settings and returns its JSON report (fails on error;
 * free it). */
char *tu_report_json(const cjm_model *m, const cjm_settings *s);

/* Runs the model with settings and computes the metrics (fails on error). */
cjm_result *tu_run(const cjm_model *m, const cjm_settings *s, cjm_metrics *mt);

/* Runs m with the agent engine (runs x customers, seed) and the exact engine
 * and checks every mean within 4 agent standard errors (retention where at
 * least 1000 converted customers are observed). Counts into tu_engine_checks. */
void tu_compare_engines(const cjm_model *m, int runs, int64_t customers, uint64_t seed);
extern int tu_engine_checks;

/* The kernel choice tu_compare_engines runs the agent engine with
 * (CJM_SIMD_AUTO unless a test sets it). */
extern cjm_simd tu_simd;

#endif
