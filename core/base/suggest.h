/* suggest.h: "did you mean" for a misspelt name. Plain C, no allocation. */
#ifndef CJM_SUGGEST_H
#define CJM_SUGGEST_H

#include <stddef.h>

/* The name of names[0 .. n-1] nearest to word in optimal-string-alignment
 * (Damerau-Levenshtein) distance, if close enough to be a slip: at most 2
 * edits, and at most a third of the longer name (so "a" never suggests
 * "b"). Of equally near names the first listed; NULL if none is near or
 * word is one of the names. */
const char *cjm_suggest(const char *word, const char *const *names, size_t n);

/* Writes a hint for the unknown word into buf (size size, always
 * terminated): " (did you mean 'consult'?)" when a name is near, else
 * " (what: a, b, c)" listing the names when there are 1 to 8 of them, else
 * "". Returns buf, for use in a message's arguments. */
const char *cjm_suggest_hint(char *buf, size_t size, const char *word, const char *what,
                             const char *const *names, size_t n);

#endif
