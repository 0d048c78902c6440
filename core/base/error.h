/* error.h: filling a cjm_error (one line: file, line, scenario path, what
 * is wrong), for every layer. */
#ifndef CJM_ERROR_H
#define CJM_ERROR_H

#include "cjm.h"

/* printf-style: formats into err->msg (control characters escaped, so the
 * message stays one line), sets err->code; err may be NULL. Returns code. */
cjm_status cjm_error_set(cjm_error *err, cjm_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
