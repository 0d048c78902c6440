/* script_lex.c: where each key of the scenario is written.
 *
 * Lua keeps no line numbers for table fields, yet a message such as
 * "clinic.lua:17: transitions.consider.consult: ..." is what lets a planner
 * find the mistake. So the source (already compiled by Lua, hence valid) is
 * read once by a small tokenizer that follows the nesting of table
 * constructors and records, for every field, its key (or its position and the
 * name the entry gives itself, `{ "consult", cost = 12 }`) and its line, under
 * the field whose value the constructor is. A scenario path is then found by
 * walking that tree, so "transitions.b.c" is the `c` written inside the table
 * that is the value of `b` inside `transitions`, never an earlier `b`
 * elsewhere. The same tree shows a key written twice in one constructor
 * (Lua silently keeps the last). */
#include "script_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { TOK_EOF, TOK_NAME, TOK_STRING, TOK_NUMBER, TOK_OTHER };

typedef struct token {
    enum tok_kind kind;
    const char *text; /* names and short strings: the contents */
    size_t len;
    int line;
    char punct; /* TOK_OTHER: the character */
} token;

typedef struct lexer {
    const char *p, *end;
    int line;
} lexer;

/* One field of a table constructor, or a constructor outside any (a root). */
typedef struct key_node {
    const char *key, *entry; /* key; the name an entry gives itself; NULL if none */
    size_t key_len, entry_len;
    const char *alias; /* the value is a bare name: `transitions = t` */
    size_t alias_len;
    int index; /* a positional field's position (1-based), else 0 */
    int line, parent, first, last, next;
} key_node;

struct cjm_keys {
    key_node *n;
    int count, cap;
    int *roots; /* the nodes without a parent, in order */
    int root_count;
};

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

/* A quoted string; escaped newlines ("\<newline>", "\z") count as lines. */
static void lex_quoted(lexer *lx, token *t)
{
    char quote = *lx->p++;
    t->text = lx->p;
    while (lx->p < lx->end && *lx->p != quote) {
        if (*lx->p == '\\' && lx->p + 1 < lx->end) lx->p++;
        if (*lx->p == '\n') lx->line++;
        lx->p++;
    }
    t->len = (size_t)(lx->p - t->text);
    if (lx->p < lx->end) lx->p++;
}

/* A numeral (3, 0.5, 1e-3, 0x1p4): letters, digits, dots and exponent signs. */
static void lex_number(lexer *lx)
{
    const char *start = lx->p;
    int hex = lx->p + 1 < lx->end && lx->p[0] == '0' && (lx->p[1] == 'x' || lx->p[1] == 'X');
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (isalnum((unsigned char)c) || c == '.' || c == '_') {
            lx->p++;
        } else if ((c == '+' || c == '-') && lx->p > start &&
                   strchr(hex ? "pP" : "eE", lx->p[-1]) != NULL) {
            lx->p++;
        } else {
            break;
        }
    }
}

static void next_token(lexer *lx, token *t)
{
    skip_space_and_comments(lx);
    t->line = lx->line;
    t->kind = TOK_EOF;
    t->len = 0;
    if (lx->p >= lx->end) return;
    char c = *lx->p;
    int level;
    size_t open;
    if (isalpha((unsigned char)c) || c == '_') {
        t->kind = TOK_NAME;
        t->text = lx->p;
        while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_')) lx->p++;
        t->len = (size_t)(lx->p - t->text);
    } else if (isdigit((unsigned char)c) ||
               (c == '.' && lx->p + 1 < lx->end && isdigit((unsigned char)lx->p[1]))) {
        t->kind = TOK_NUMBER;
        lex_number(lx);
    } else if (c == '"' || c == '\'') {
        t->kind = TOK_STRING;
        lex_quoted(lx, t);
    } else if ((open = long_bracket(lx->p, lx->end, &level)) > 0) {
        t->kind = TOK_STRING; /* its text is not compared: len stays 0 */
        lx->p += open;
        t->text = lx->p;
        skip_long(lx, level);
    } else {
        t->kind = TOK_OTHER;
        t->punct = c;
        lx->p++;
    }
}

static token peek(const lexer *lx)
{
    lexer probe = *lx;
    token t;
    next_token(&probe, &t);
    return t;
}

static int is_punct(const token *t, char c)
{
    return t->kind == TOK_OTHER && t->punct == c;
}

static int is_word(const token *t, const char *w)
{
    return t->kind == TOK_NAME && t->len == strlen(w) && memcmp(t->text, w, t->len) == 0;
}

/* Does the next token end a field (",", ";" or "}")? */
static int ends_field(const token *t)
{
    return is_punct(t, ',') || is_punct(t, ';') || is_punct(t, '}');
}

/* Is the lexer looking at "=" but not "=="? */
static int at_assign(const lexer *lx)
{
    lexer probe = *lx;
    skip_space_and_comments(&probe);
    return probe.p < probe.end && *probe.p == '=' &&
           (probe.p + 1 >= probe.end || probe.p[1] != '=');
}

/* ---- the tree ---- */

static int add_node(cjm_keys *k, int parent, int line)
{
    if (k->count == k->cap) {
        int cap = k->cap ? 2 * k->cap : 64;
        key_node *grown = realloc(k->n, (size_t)cap * sizeof *grown);
        if (!grown) return -1;
        k->n = grown;
        k->cap = cap;
    }
    int id = k->count++;
    key_node *n = &k->n[id];
    memset(n, 0, sizeof *n);
    n->line = line;
    n->parent = parent;
    n->first = n->last = n->next = -1;
    if (parent >= 0) {
        key_node *p = &k->n[parent];
        if (p->last >= 0)
            k->n[p->last].next = id;
        else
            p->first = id;
        p->last = id;
    }
    return id;
}

enum frame_kind { F_TABLE, F_GROUP, F_BLOCK };
/* Where in a field: its start, its value's first token, after a name (or
 * after a dot or colon) of a call such as cjm.dirichlet { ... }, the rest. */
enum field_state { S_FIELD, S_VALUE, S_CALL, S_CALL_DOT, S_REST };

typedef struct frame {
    enum frame_kind kind;
    char close;       /* F_GROUP: ')' or ']' */
    int node;         /* F_TABLE: its node */
    int state;        /* F_TABLE: where in a field */
    int pending;      /* F_TABLE: the field being read */
    int positional;   /* F_TABLE: positional fields so far */
    int pending_name; /* F_TABLE: the pending field's key is "name" */
} frame;

typedef struct builder {
    cjm_keys *k;
    lexer lx;
    frame *f;
    int depth, cap;
    token prev, prev2; /* at the top level: for `name = {` */
} builder;

static int push(builder *b, frame fr)
{
    if (b->depth == b->cap) {
        int cap = b->cap ? 2 * b->cap : 32;
        frame *grown = realloc(b->f, (size_t)cap * sizeof *grown);
        if (!grown) return -1;
        b->f = grown;
        b->cap = cap;
    }
    b->f[b->depth++] = fr;
    return 0;
}

static int push_table(builder *b, int node)
{
    return node < 0 ? -1 : push(b, (frame){F_TABLE, 0, node, S_FIELD, -1, 0, 0});
}

/* A constructor that is not the value of a field: a root, named after the
 * variable it is assigned to at the top level (`local transitions = {`). */
static int open_root(builder *b, const token *t)
{
    int id = add_node(b->k, -1, t->line);
    if (id < 0) return -1;
    if (b->depth == 0 && is_punct(&b->prev, '=') && b->prev2.kind == TOK_NAME) {
        b->k->n[id].key = b->prev2.text;
        b->k->n[id].key_len = b->prev2.len;
    }
    return push_table(b, id);
}

/* Tokens outside a field's start: groups, function bodies, nested roots. */
static int other_token(builder *b, const token *t)
{
    frame *top = b->depth ? &b->f[b->depth - 1] : NULL;
    if (is_punct(t, '{')) return open_root(b, t);
    if (is_punct(t, '(')) return push(b, (frame){F_GROUP, ')', 0, 0, 0, 0, 0});
    if (is_punct(t, '[')) return push(b, (frame){F_GROUP, ']', 0, 0, 0, 0, 0});
    if (top && top->kind == F_GROUP && is_punct(t, top->close)) return b->depth--, 0;
    if (is_word(t, "function") || ((!top || top->kind == F_BLOCK) &&
                                   (is_word(t, "if") || is_word(t, "do") || is_word(t, "repeat"))))
        return push(b, (frame){F_BLOCK, 0, 0, 0, 0, 0, 0});
    if (top && top->kind == F_BLOCK && (is_word(t, "end") || is_word(t, "until"))) b->depth--;
    return 0;
}

/* The first token of a field's value: a constructor nested as its value, a
 * bare name (followed later), an entry's name, or anything else. */
static int value_token(builder *b, frame *fr, const token *t)
{
    key_node *n = &b->k->n[fr->pending];
    token after = peek(&b->lx);
    fr->state = S_REST;
    if (is_punct(t, '{')) return push_table(b, fr->pending);
    if (t->kind == TOK_NAME && ends_field(&after)) {
        n->alias = t->text;
        n->alias_len = t->len;
    } else if (t->kind == TOK_NAME && !is_word(t, "function")) {
        fr->state = S_CALL;
        return 0;
    } else if (t->kind == TOK_STRING && t->len && ends_field(&after)) {
        /* a positional string names itself ("a -> b" in a list); the first,
         * or name = "...", names the table it is in: { "lead", cost = 1 } */
        key_node *table = &b->k->n[fr->node];
        if (n->index) n->entry = t->text, n->entry_len = t->len;
        if ((n->index == 1 || fr->pending_name) && !table->entry) {
            table->entry = t->text;
            table->entry_len = t->len;
            if (n->index == 1) table->line = t->line;
        }
    }
    return other_token(b, t);
}

/* A token where a field starts: `name =`, `["name"] =`, `}` or a positional value. */
static int field_token(builder *b, frame *fr, const token *t)
{
    if (is_punct(t, '}')) return b->depth--, 0;
    const char *key = NULL;
    size_t key_len = 0;
    if (t->kind == TOK_NAME && at_assign(&b->lx)) {
        key = t->text, key_len = t->len;
        token eq;
        next_token(&b->lx, &eq);
    } else if (is_punct(t, '[')) {
        lexer probe = b->lx;
        token s, close;
        next_token(&probe, &s);
        next_token(&probe, &close);
        if (s.kind != TOK_STRING || !s.len || !is_punct(&close, ']') || !at_assign(&probe)) {
            fr->state = S_REST; /* a computed key: [expr] = value */
            return other_token(b, t);
        }
        token eq;
        next_token(&probe, &eq);
        b->lx = probe;
        key = s.text, key_len = s.len;
    }
    int id = add_node(b->k, fr->node, t->line);
    if (id < 0) return -1;
    fr->pending = id;
    fr->pending_name = key && key_len == 4 && memcmp(key, "name", 4) == 0;
    if (key) {
        b->k->n[id].key = key;
        b->k->n[id].key_len = key_len;
        fr->state = S_VALUE;
        return 0;
    }
    b->k->n[id].index = ++fr->positional;
    return value_token(b, fr, t);
}

static int table_token(builder *b, const token *t)
{
    frame *fr = &b->f[b->depth - 1];
    if (fr->state == S_FIELD) return field_token(b, fr, t);
    if (fr->state == S_VALUE) return value_token(b, fr, t);
    if (fr->state == S_CALL || fr->state == S_CALL_DOT) {
        /* the table a call like cjm.dirichlet { buyer = 12 } takes is the value's */
        int after_name = fr->state == S_CALL;
        fr->state = S_REST;
        if (after_name && is_punct(t, '{')) return push_table(b, fr->pending);
        if (after_name && (is_punct(t, '.') || is_punct(t, ':'))) {
            fr->state = S_CALL_DOT;
            return 0;
        }
        if (!after_name && t->kind == TOK_NAME) {
            fr->state = S_CALL;
            return 0;
        }
    }
    if (is_punct(t, ',') || is_punct(t, ';')) {
        fr->state = S_FIELD;
        return 0;
    }
    if (is_punct(t, '}')) return b->depth--, 0;
    return other_token(b, t);
}

static int list_roots(cjm_keys *k)
{
    k->roots = malloc((size_t)(k->count ? k->count : 1) * sizeof *k->roots);
    if (!k->roots) return -1;
    for (int i = 0; i < k->count; i++)
        if (k->n[i].parent < 0) k->roots[k->root_count++] = i;
    return 0;
}

void cjm_keys_free(cjm_keys **k)
{
    if (!k || !*k) return;
    free((*k)->roots);
    free((*k)->n);
    free(*k);
    *k = NULL;
}

cjm_status cjm_keys_build(const char *src, size_t len, cjm_keys **out)
{
    *out = calloc(1, sizeof **out);
    builder b = {.k = *out, .lx = {src, src + len, 1}};
    int rc = *out ? 0 : -1;
    token t;
    for (next_token(&b.lx, &t); rc == 0 && t.kind != TOK_EOF; next_token(&b.lx, &t)) {
        if (b.depth && b.f[b.depth - 1].kind == F_TABLE)
            rc = table_token(&b, &t);
        else
            rc = other_token(&b, &t);
        b.prev2 = b.prev;
        b.prev = t;
    }
    free(b.f);
    if (rc == 0) rc = list_roots(*out);
    if (rc != 0) {
        cjm_keys_free(out);
        return CJM_ENOMEM;
    }
    return CJM_OK;
}

/* ---- finding a path ---- */

/* If rest starts with the component s (then '.', '[' or its end), its length.
 * s is source text and may hold a NUL byte (a key "a\0b" written raw): rest
 * must be at least len long before the bytes are compared, or a match up to
 * the NUL would read past rest's end (found by fuzz_loader). */
static size_t match_text(const char *rest, const char *s, size_t len)
{
    if (!s || !len || strnlen(rest, len) < len || memcmp(rest, s, len) != 0) return 0;
    char c = rest[len];
    return c == '\0' || c == '.' || c == '[' ? len : 0;
}

/* The component of rest that names node n: its key, its entry name or "[i]". */
static size_t match_node(const key_node *n, const char *rest)
{
    size_t m = match_text(rest, n->key, n->key_len);
    if (!m) m = match_text(rest, n->entry, n->entry_len);
    if (!m && n->index && rest[0] == '[') {
        char *end;
        long i = strtol(rest + 1, &end, 10);
        if (i == n->index && *end == ']') m = (size_t)(end + 1 - rest);
    }
    return m;
}

typedef struct best {
    size_t consumed;
    int line;
} best;

static void walk(const cjm_keys *k, int parent, const char *path, size_t done, int depth, best *b);

/* Node n matched path up to done: note it, and look further inside it (and
 * inside the top-level table its bare-name value refers to). */
static void matched(const cjm_keys *k, int n, const char *path, size_t done, int depth, best *b)
{
    if (done > b->consumed) b->consumed = done, b->line = k->n[n].line;
    if (path[done] == '.') done++;
    if (!path[done] || depth > 32) return;
    walk(k, n, path, done, depth + 1, b);
    const key_node *x = &k->n[n];
    for (int i = 0; x->alias && i < k->root_count; i++) {
        const key_node *r = &k->n[k->roots[i]];
        if (r->key && r->key_len == x->alias_len && memcmp(r->key, x->alias, x->alias_len) == 0)
            walk(k, k->roots[i], path, done, depth + 1, b);
    }
}

static void walk(const cjm_keys *k, int parent, const char *path, size_t done, int depth, best *b)
{
    for (int c = k->n[parent].first; c >= 0; c = k->n[c].next) {
        size_t m = match_node(&k->n[c], path + done);
        if (m) matched(k, c, path, done + m, depth, b);
    }
}

int cjm_keys_line(const cjm_keys *k, const char *path)
{
    if (!k || !path || !*path) return 0;
    best b = {0, 0};
    for (int i = 0; i < k->root_count; i++) {
        int r = k->roots[i];
        size_t m = k->n[r].key ? match_text(path, k->n[r].key, k->n[r].key_len) : 0;
        if (m)
            matched(k, r, path, m, 0, &b);
        else if (!k->n[r].key)
            walk(k, r, path, 0, 0, &b);
    }
    return b.line;
}

int cjm_script_line_of(const cjm_script *s, const char *path)
{
    return s ? cjm_keys_line(s->keys, path) : 0;
}

/* ---- keys written twice ---- */

static const cjm_keys *sort_keys_of; /* qsort has no context argument */

static int compare_keys(const void *a, const void *b)
{
    const key_node *x = &sort_keys_of->n[*(const int *)a], *y = &sort_keys_of->n[*(const int *)b];
    if (x->parent != y->parent) return x->parent < y->parent ? -1 : 1;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return x->line - y->line;
}

/* Appends node n's path ("stages.lead", "segments[2]") to buf. */
static void node_path(const cjm_keys *k, int n, char *buf, size_t size)
{
    if (n < 0) return;
    const key_node *x = &k->n[n];
    node_path(k, x->parent, buf, size);
    size_t used = strlen(buf);
    const char *dot = used ? "." : "";
    if (used >= size) return;
    if (x->key)
        snprintf(buf + used, size - used, "%s%.*s", dot, (int)x->key_len, x->key);
    else if (x->entry)
        snprintf(buf + used, size - used, "%s%.*s", dot, (int)x->entry_len, x->entry);
    else if (x->index)
        snprintf(buf + used, size - used, "[%d]", x->index);
}

static int same_key(const key_node *a, const key_node *b)
{
    return a->parent == b->parent && a->key_len == b->key_len &&
           memcmp(a->key, b->key, a->key_len) == 0;
}

int cjm_keys_duplicate(const cjm_keys *k, char *path, size_t size, char *key, size_t key_size,
                       int *first, int *second)
{
    int n = 0, found = -1, earlier = -1;
    int *ids = malloc((size_t)(k && k->count ? k->count : 1) * sizeof *ids);
    if (!ids) return -1;
    for (int i = 0; k && i < k->count; i++)
        if (k->n[i].key && k->n[i].parent >= 0) ids[n++] = i;
    sort_keys_of = k;
    qsort(ids, (size_t)n, sizeof *ids, compare_keys);
    /* sorted by (table, key, line): a run of one key starts with its first
     * writing, and the second is the mistake to name; of several, the one
     * written first in the file */
    for (int i = 1; i < n; i++) {
        if (!same_key(&k->n[ids[i - 1]], &k->n[ids[i]])) continue;
        if (i >= 2 && same_key(&k->n[ids[i - 2]], &k->n[ids[i]])) continue;
        if (found < 0 || k->n[ids[i]].line < k->n[found].line) found = ids[i], earlier = ids[i - 1];
    }
    free(ids);
    if (found < 0) return 0;
    path[0] = '\0';
    node_path(k, k->n[found].parent, path, size);
    snprintf(key, key_size, "%.*s", (int)k->n[found].key_len, k->n[found].key);
    *first = k->n[earlier].line;
    *second = k->n[found].line;
    return 1;
}
