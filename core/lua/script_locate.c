/* script_locate.c: finds the line a scenario path is written on.
 *
 * Lua keeps no line numbers for table fields, yet a message such as
 * "clinic.lua:17: transitions.consider.consult: ..." is what lets a planner
 * find the mistake. So we scan the source with a small Lua tokenizer and look
 * for each path component in turn, as a key (`name =`, `["name"] =`) or as a
 * string naming an entry (`{ "consult", cost = 12 }`). */
#include "script_internal.h"

#include <ctype.h>
#include <string.h>

enum tok_kind { TOK_EOF, TOK_NAME, TOK_STRING, TOK_OTHER };

typedef struct token {
    enum tok_kind kind;
    const char *text; /* for names and strings: the contents */
    size_t len;
    int line;
    char punct; /* for TOK_OTHER: its first character */
} token;

typedef struct lexer {
    const char *p, *end;
    int line;
} lexer;

/* Length of a long bracket opener "[==[" at p (0 if none); *level gets the '='s. */
static size_t long_bracket(const char *p, const char *end, int *level)
{
    if (p >= end || *p != '[') return 0;
    const char *q = p + 1;
    while (q < end && *q == '=') q++;
    if (q >= end || *q != '[') return 0;
    *level = (int)(q - p - 1);
    return (size_t)(q - p + 1);
}

static void skip_long(lexer *lx, int level)
{
    while (lx->p < lx->end) {
        if (*lx->p == '\n') lx->line++;
        if (*lx->p == ']') {
            const char *q = lx->p + 1;
            while (q < lx->end && *q == '=') q++;
            if (q < lx->end && *q == ']' && q - lx->p - 1 == level) {
                lx->p = q + 1;
                return;
            }
        }
        lx->p++;
    }
}

static void skip_space_and_comments(lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == '\n') {
            lx->line++;
            lx->p++;
        } else if (isspace((unsigned char)c)) {
            lx->p++;
        } else if (c == '-' && lx->p + 1 < lx->end && lx->p[1] == '-') {
            int level;
            size_t open = long_bracket(lx->p + 2, lx->end, &level);
            lx->p += 2 + open;
            if (open)
                skip_long(lx, level);
            else
                while (lx->p < lx->end && *lx->p != '\n') lx->p++;
        } else {
            return;
        }
    }
}

static void lex_quoted(lexer *lx, token *t)
{
    char quote = *lx->p++;
    t->text = lx->p;
    while (lx->p < lx->end && *lx->p != quote && *lx->p != '\n') {
        if (*lx->p == '\\' && lx->p + 1 < lx->end) lx->p++;
        lx->p++;
    }
    t->len = (size_t)(lx->p - t->text);
    if (lx->p < lx->end) lx->p++;
}

static void next_token(lexer *lx, token *t)
{
    skip_space_and_comments(lx);
    t->line = lx->line;
    t->kind = TOK_EOF;
    if (lx->p >= lx->end) return;
    char c = *lx->p;
    int level;
    size_t open;
    if (isalpha((unsigned char)c) || c == '_') {
        t->kind = TOK_NAME;
        t->text = lx->p;
        while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_')) lx->p++;
        t->len = (size_t)(lx->p - t->text);
    } else if (c == '"' || c == '\'') {
        t->kind = TOK_STRING;
        lex_quoted(lx, t);
    } else if ((open = long_bracket(lx->p, lx->end, &level)) > 0) {
        t->kind = TOK_STRING;
        lx->p += open;
        t->text = lx->p;
        skip_long(lx, level);
        t->len = 0;
    } else {
        t->kind = TOK_OTHER;
        t->punct = c;
        lx->p++;
    }
}

static int token_is(const token *t, const char *name, size_t len)
{
    return (t->kind == TOK_NAME || t->kind == TOK_STRING) && t->len == len &&
           memcmp(t->text, name, len) == 0;
}

/* Is the lexer (just past a name) looking at "=" but not "=="? */
static int followed_by_assign(const lexer *lx)
{
    lexer probe = *lx;
    skip_space_and_comments(&probe);
    return probe.p < probe.end && *probe.p == '=' &&
           (probe.p + 1 >= probe.end || probe.p[1] != '=');
}

/* Advances lx past the next mention of name (key or entry string); returns its
 * line, or 0 if there is none. */
static int find_component(lexer *lx, const char *name, size_t len)
{
    token t, prev = {0};
    for (next_token(lx, &t); t.kind != TOK_EOF; prev = t, next_token(lx, &t)) {
        if (!token_is(&t, name, len)) continue;
        if (t.kind == TOK_NAME && followed_by_assign(lx)) return t.line;
        if (t.kind == TOK_STRING) {
            if (prev.kind == TOK_OTHER && prev.punct == '[') {
                lexer probe = *lx;
                token close;
                next_token(&probe, &close);
                if (close.kind == TOK_OTHER && close.punct == ']' && followed_by_assign(&probe))
                    return t.line;
            } else {
                return t.line;
            }
        }
    }
    return 0;
}

int cjm_script_line_of(const cjm_script *s, const char *path)
{
    if (!s || !s->source || !path) return 0;
    lexer lx = {s->source, s->source + s->source_len, 1};
    int line = 0;
    const char *comp = path;
    while (*comp) {
        size_t len = strcspn(comp, ".");
        int found = find_component(&lx, comp, len);
        if (!found) break;
        line = found;
        comp += len;
        if (*comp == '.') comp++;
    }
    return line;
}
