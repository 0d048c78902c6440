/* suggest.h: "did you mean" for a misspelt name. */
#ifndef CJM_SUGGEST_H
#define CJM_SUGGEST_H

#include "cjm.h"

/* cjm_suggest is declared in cjm.h (the command line uses it too). */

#endif
