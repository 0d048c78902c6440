/* csv.c: the CSV reader (csv.h): one pass over the text, fields copied
 * unquoted into one buffer, each with its line and column. */
#include "csv.h"
#include "error.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct field {
    size_t off; /* into buf */
    int line, column, quoted;
} field;

typedef struct parser {
    const char *name, *p, *end;
    int line;
    const char *line_start;
    char sep;
    char *buf;
    size_t used;
    field *f;
    size_t nf, cap;
} parser;

static int column_of(const parser *ps, const char *at)
{
    return (int)(at - ps->line_start) + 1;
}

static cjm_status nomem(const parser *ps, cjm_error *err)
{
    return cjm_error_set(err, CJM_ENOMEM, "%s: out of memory reading the file", ps->name);
}

static cjm_status push_field(parser *ps, size_t off, int line, int col, int quoted, cjm_error *err)
{
    if (ps->nf == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 256;
        if (cap > CJM_CSV_MAX_FIELDS)
            return cjm_error_set(err, CJM_ESCENARIO, "%s:%d: more than %d fields", ps->name, line,
                                 CJM_CSV_MAX_FIELDS);
        field *f = realloc(ps->f, cap * sizeof *f);
        if (!f) return nomem(ps, err);
        ps->f = f;
        ps->cap = cap;
    }
    ps->f[ps->nf++] = (field){off, line, col, quoted};
    return CJM_OK;
}

static int at_record_end(const parser *ps)
{
    return ps->p == ps->end || *ps->p == '\n' ||
           (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n');
}

/* A quoted field, ps->p at its opening quote. */
static cjm_status quoted_field(parser *ps, cjm_error *err)
{
    int line = ps->line, col = column_of(ps, ps->p);
    ps->p++;
    for (;;) {
        if (ps->p == ps->end)
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s:%d:%d: a quoted field is never closed (a '\"' is missing)",
                                 ps->name, line, col);
        char ch = *ps->p++;
        if (ch == '"') {
            if (ps->p < ps->end && *ps->p == '"') {
                ps->buf[ps->used++] = '"';
                ps->p++;
                continue;
            }
            break;
        }
        if (ch == '\n') {
            ps->line++;
            ps->line_start = ps->p;
        }
        if (ch == '\0')
            return cjm_error_set(err, CJM_ESCENARIO, "%s:%d:%d: a NUL byte (is this a text file?)",
                                 ps->name, ps->line, column_of(ps, ps->p - 1));
        ps->buf[ps->used++] = ch;
    }
    if (ps->p < ps->end && *ps->p != ps->sep && !at_record_end(ps))
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s:%d:%d: '%c' after a closing quote (expected '%c' or the end of "
                             "the line)",
                             ps->name, ps->line, column_of(ps, ps->p), *ps->p, ps->sep);
    return CJM_OK;
}

/* An unquoted field, up to the separator or the end of the record. */
static cjm_status plain_field(parser *ps, cjm_error *err)
{
    while (ps->p < ps->end && *ps->p != ps->sep && !at_record_end(ps)) {
        char ch = *ps->p;
        if (ch == '"')
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s:%d:%d: a '\"' inside an unquoted field (quote the whole "
                                 "field and double the quote)",
                                 ps->name, ps->line, column_of(ps, ps->p));
        if (ch == '\0')
            return cjm_error_set(err, CJM_ESCENARIO, "%s:%d:%d: a NUL byte (is this a text file?)",
                                 ps->name, ps->line, column_of(ps, ps->p));
        if (ch == '\r')
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s:%d:%d: a carriage return not followed by a line feed",
                                 ps->name, ps->line, column_of(ps, ps->p));
        ps->buf[ps->used++] = ch;
        ps->p++;
    }
    return CJM_OK;
}

/* The separator: sep, or from the header line. */
static char detect_sep(const char *p, const char *end, char sep)
{
    if (sep) return sep;
    int semi = 0, comma = 0;
    for (; p < end && *p != '\n'; p++) semi += *p == ';', comma += *p == ',';
    return semi && !comma ? ';' : ',';
}

static char *trimmed_dup(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    char *d = malloc(n + 1);
    if (d) memcpy(d, s, n), d[n] = '\0';
    return d;
}

/* Records into the table: the header, then rows of as many fields. */
static cjm_status build(parser *ps, size_t *rec_start, size_t nrec, cjm_csv *t, cjm_error *err)
{
    size_t cols = rec_start[1] - rec_start[0];
    t->cols = (int)cols;
    t->rows = (int)(nrec - 1);
    t->header = calloc(cols, sizeof *t->header);
    t->cell = malloc((nrec - 1) * cols * sizeof *t->cell + 1);
    t->line = malloc(nrec * cols * sizeof *t->line);
    t->column = malloc(nrec * cols * sizeof *t->column);
    if (!t->header || !t->cell || !t->line || !t->column) return nomem(ps, err);
    for (size_t r = 0; r < nrec; r++) {
        size_t n = rec_start[r + 1] - rec_start[r];
        const field *f = ps->f + rec_start[r];
        if (n != cols)
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s:%d: %zu field%s, expected %zu as in the header (separator "
                                 "'%c')",
                                 ps->name, f[0].line, n, n == 1 ? "" : "s", cols, ps->sep);
        for (size_t c = 0; c < cols; c++) {
            t->line[r * cols + c] = f[c].line;
            t->column[r * cols + c] = f[c].column;
            if (r == 0) {
                if (!(t->header[c] = trimmed_dup(t->buf + f[c].off))) return nomem(ps, err);
                if (!t->header[c][0])
                    return cjm_error_set(err, CJM_ESCENARIO, "%s:%d:%d: an empty column name",
                                         ps->name, f[c].line, f[c].column);
                for (size_t d = 0; d < c; d++)
                    if (strcmp(t->header[d], t->header[c]) == 0)
                        return cjm_error_set(err, CJM_ESCENARIO,
                                             "%s:%d:%d: column '%s' appears twice", ps->name,
                                             f[c].line, f[c].column, t->header[c]);
            } else {
                t->cell[(r - 1) * cols + c] = t->buf + f[c].off;
            }
        }
    }
    return CJM_OK;
}

static cjm_status parse_records(parser *ps, size_t **rec_out, size_t *nrec_out, cjm_error *err)
{
    size_t *rec = NULL, nrec = 0, cap = 0;
    cjm_status st = CJM_OK;
    while (ps->p < ps->end) {
        size_t first = ps->nf;
        int blank = 1;
        for (;;) {
            int line = ps->line, col = column_of(ps, ps->p);
            int quoted = ps->p < ps->end && *ps->p == '"';
            size_t off = ps->used;
            if ((st = quoted ? quoted_field(ps, err) : plain_field(ps, err))) goto out;
            ps->buf[ps->used++] = '\0';
            if (quoted || ps->used - off > 1 || (ps->p < ps->end && *ps->p == ps->sep)) blank = 0;
            if ((st = push_field(ps, off, line, col, quoted, err))) goto out;
            if (ps->p < ps->end && *ps->p == ps->sep) {
                ps->p++;
                continue;
            }
            break;
        }
        /* the end of the record */
        if (ps->p < ps->end && *ps->p == '\r') ps->p++;
        if (ps->p < ps->end && *ps->p == '\n') {
            ps->p++;
            ps->line++;
            ps->line_start = ps->p;
        }
        if (blank) {
            ps->nf = first;
            continue;
        }
        if (nrec + 2 > cap) {
            cap = cap ? cap * 2 : 64;
            size_t *r = realloc(rec, cap * sizeof *r);
            if (!r) {
                st = nomem(ps, err);
                goto out;
            }
            rec = r;
        }
        rec[nrec++] = first;
    }
out:
    if (st == CJM_OK && rec) rec[nrec] = ps->nf;
    *rec_out = rec;
    *nrec_out = nrec;
    return st;
}

cjm_status cjm_csv_parse(const char *name, const char *text, size_t n, char sep, cjm_csv **out,
                         cjm_error *err)
{
    *out = NULL;
    if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) text += 3, n -= 3;
    parser ps = {.name = name, .p = text, .end = text + n, .line = 1, .line_start = text};
    ps.sep = detect_sep(text, text + n, sep);
    cjm_csv *t = calloc(1, sizeof *t);
    ps.buf = malloc(n * 2 + 2);
    size_t *rec = NULL, nrec = 0;
    cjm_status st = CJM_OK;
    if (!t || !ps.buf || !(t->name = strdup(name))) {
        st = nomem(&ps, err);
        goto out;
    }
    if ((st = parse_records(&ps, &rec, &nrec, err))) goto out;
    if (nrec == 0) {
        st = cjm_error_set(err, CJM_ESCENARIO, "%s: no header line (the file is empty)", name);
        goto out;
    }
    t->buf = ps.buf;
    ps.buf = NULL;
    st = build(&ps, rec, nrec, t, err);
out:
    free(rec);
    free(ps.f);
    free(ps.buf);
    if (st != CJM_OK)
        cjm_csv_free(&t);
    else
        *out = t;
    return st;
}

cjm_status cjm_csv_read(const char *path, char sep, cjm_csv **out, cjm_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return cjm_error_set(err, CJM_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    cjm_status st = CJM_OK;
    while (text) {
        n += fread(text + n, 1, cap - n, f);
        if (n < cap) break;
        if (cap >= CJM_CSV_MAX_BYTES) {
            st = cjm_error_set(err, CJM_ESCENARIO, "%s: larger than %zu MiB", path,
                               CJM_CSV_MAX_BYTES >> 20);
            break;
        }
        char *t = realloc(text, cap * 2);
        if (!t) free(text);
        text = t;
        cap *= 2;
    }
    if (!text)
        st = cjm_error_set(err, CJM_ENOMEM, "%s: out of memory reading the file", path);
    else if (st == CJM_OK && ferror(f))
        st = cjm_error_set(err, CJM_EIO, "%s: cannot read: %s", path, strerror(errno));
    fclose(f);
    if (st == CJM_OK) st = cjm_csv_parse(path, text, n, sep, out, err);
    free(text);
    return st;
}

void cjm_csv_free(cjm_csv **tp)
{
    cjm_csv *t = tp ? *tp : NULL;
    if (!t) return;
    if (t->header)
        for (int c = 0; c < t->cols; c++) free(t->header[c]);
    free(t->header);
    free(t->cell);
    free(t->line);
    free(t->column);
    free(t->buf);
    free(t->name);
    free(t);
    *tp = NULL;
}

int cjm_csv_find(const cjm_csv *t, const char *name)
{
    for (int c = 0; c < t->cols; c++)
        if (strcmp(t->header[c], name) == 0) return c;
    return -1;
}

cjm_status cjm_csv_require(const cjm_csv *t, const char *name, int *col, cjm_error *err)
{
    if ((*col = cjm_csv_find(t, name)) >= 0) return CJM_OK;
    char have[512];
    size_t n = 0;
    have[0] = '\0';
    for (int c = 0; c < t->cols && n + 8 < sizeof have; c++)
        n += (size_t)snprintf(have + n, sizeof have - n, "%s%s", c ? ", " : "", t->header[c]);
    if (n >= sizeof have) snprintf(have + sizeof have - 5, 5, "...");
    return cjm_error_set(err, CJM_ESCENARIO, "%s:1: no column '%s' (the header has: %s)", t->name,
                         name, have);
}

cjm_status cjm_csv_error(const cjm_csv *t, int row, int col, cjm_error *err, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t i = (size_t)(row + 1) * (size_t)t->cols + (size_t)col;
    return cjm_error_set(err, CJM_ESCENARIO, "%s:%d:%d: column '%s': %s", t->name, t->line[i],
                         t->column[i], t->header[col], what);
}

cjm_status cjm_csv_number(const cjm_csv *t, int row, int col, double *out, cjm_error *err)
{
    const char *s = cjm_csv_cell(t, row, col), *p = s;
    while (*p == ' ' || *p == '\t') p++;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    while (end != p && (*end == ' ' || *end == '\t')) end++;
    /* strtod also reads "inf", "nan" and hexadecimal: only decimal numbers here */
    int decimal = 1;
    for (const char *q = p; q < end; q++)
        if (!strchr("0123456789+-.eE ", *q)) decimal = 0;
    if (end == p || *end || !decimal || !isfinite(v) || errno == ERANGE) {
        if (!*s) return cjm_csv_error(t, row, col, err, "expected a number, got an empty field");
        return cjm_csv_error(t, row, col, err, "expected a number, got '%.40s'", s);
    }
    *out = v;
    return CJM_OK;
}
