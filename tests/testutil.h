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

#endif
