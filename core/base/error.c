/* error.c: errors are values: a status and one line of text. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

cjm_status cjm_error_set(cjm_error *err, cjm_status code, const char *fmt, ...)
{
    if (err) {
        char raw[sizeof err->msg]; /* not err->msg: an argument may be err->msg itself */
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        /* One line: control characters (a key "a\nb" in a scenario) are shown escaped. */
        size_t n = 0;
        for (const unsigned char *p = (const unsigned char *)raw; *p && n + 5 < sizeof err->msg;
             p++) {
            if (*p == '\n')
                n += (size_t)snprintf(err->msg + n, 3, "\\n");
            else if (*p < 32 || *p == 127)
                n += (size_t)snprintf(err->msg + n, 5, "\\x%02x", *p);
            else
                err->msg[n++] = (char)*p;
        }
        err->msg[n] = '\0';
        err->code = code;
    }
    return code;
}
