/* suggest.c: the nearest name to a misspelt one, for "did you mean". */
#include "suggest.h"

#include <stdio.h>
#include <string.h>

#define SUGGEST_MAX 64 /* longer names are compared on their first 64 characters */

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance of a[0, la) and b[0, lb): insertions,
 * deletions, substitutions and swaps of two neighbours, each one edit. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];
    for (size_t i = 0; i <= la; i++) d[i][0] = i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    return d[la][lb];
}

const char *cjm_suggest(const char *word, const char *const *names, size_t n)
{
    if (!word || !names) return NULL;
    size_t lw = strlen(word), best_d = (size_t)-1;
    const char *best = NULL;
    lw = lw > SUGGEST_MAX ? SUGGEST_MAX : lw;
    for (size_t i = 0; i < n; i++) {
        if (!names[i]) continue;
        if (strcmp(names[i], word) == 0) return NULL;
        size_t ln = strlen(names[i]);
        ln = ln > SUGGEST_MAX ? SUGGEST_MAX : ln;
        size_t d = distance(word, lw, names[i], ln), longer = lw > ln ? lw : ln;
        if (d <= 2 && 3 * d <= longer && d < best_d) best_d = d, best = names[i];
    }
    return best;
}

const char *cjm_suggest_hint(char *buf, size_t size, const char *word, const char *what,
                             const char *const *names, size_t n)
{
    if (!size) return buf;
    buf[0] = '\0';
    const char *near = cjm_suggest(word, names, n);
    if (near) {
        snprintf(buf, size, " (did you mean '%s'?)", near);
        return buf;
    }
    if (n < 1 || n > 8) return buf;
    size_t used = (size_t)snprintf(buf, size, " (%s: ", what);
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
    if (used < size) snprintf(buf + used, size - used, ")");
    return buf;
}
