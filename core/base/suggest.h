/* suggest.h: "did you mean" for a misspelt name. Plain C, no allocation. */
#ifndef CJM_SUGGEST_H
#define CJM_SUGGEST_H

#include "cjm.h"

#include <stddef.h>

/* cjm_suggest (public: the command line uses it too) is declared in cjm.h. */

/* Writes a hint for the unknown word into buf (size size, always
 * terminated): " (did you mean 'consult'?)" when a name is near, else
 * " (what: a, b, c)" listing the names when there are 1 to 8 of them, else
 * "". Returns buf, for use in a message's arguments. */
const char *cjm_suggest_hint(char *buf, size_t size, const char *word, const char *what,
                             const char *const *names, size_t n);

#endif
