/* version.c: the library's version and its statuses in words. */
#include "cjm.h"

const char *cjm_version(void)
{
    return CJM_VERSION;
}

const char *cjm_status_string(cjm_status st)
{
    switch (st) {
    case CJM_OK:
        return "ok";
    case CJM_ESCENARIO:
        return "bad scenario";
    case CJM_EUSAGE:
        return "bad usage";
    case CJM_ENOMEM:
        return "out of memory";
    case CJM_EIO:
        return "input or output failed";
    case CJM_EINTERRUPT:
        return "interrupted";
    }
    return "unknown status";
}
