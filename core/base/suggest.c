/* suggest.c: the nearest name to a misspelt word (suggest.h, cjm.h). */
#include "suggest.h"

#include <ctype.h>
#include <string.h>

#define SUGGEST_MAX 64 /* longer words are compared on their first 64 bytes */

/* The optimal string alignment distance between a[0..la) and b[0..lb)
 * (insertions, deletions, substitutions and swaps of neighbours, each 1;
 * letters compared without case), over the first SUGGEST_MAX bytes. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
    if (la > SUGGEST_MAX) la = SUGGEST_MAX;
    if (lb > SUGGEST_MAX) lb = SUGGEST_MAX;
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j - 1] + !same;
            if (d[i - 1][j] + 1 < v) v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* The name in names[0..n) nearest to word, if near enough to be a typo of
 * it: at most one edit for words of up to 4 characters, two up to 8, a
 * third of the length beyond; the first of equally near names. NULL when
 * none is near enough, or word is itself one of the names. */
const char *cjm_suggest(const char *word, const char *const *names, size_t n)
{
    if (!word || !names) return NULL;
    size_t lw = strlen(word), best = (size_t)-1;
    size_t limit = lw <= 4 ? 1 : lw <= 8 ? 2 : lw / 3;
    const char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!names[i]) continue;
        if (strcmp(names[i], word) == 0) return NULL;
        size_t d = distance(word, lw, names[i], strlen(names[i]));
        if (d <= limit && d < best) best = d, found = names[i];
    }
    return found;
}
