/* csv.h: reading a delimited text file (CSV, or ';'-separated) into a table
 * of strings, with the line and column of every field kept for messages.
 *
 * The format is RFC 4180's: fields separated by one character, records by
 * LF or CRLF, a field in double quotes may hold the separator, quotes
 * (doubled) and line breaks. A UTF-8 byte-order mark is skipped. The first
 * record is the header; blank lines are skipped; every record must have as
 * many fields as the header. Errors are one line:
 * "FILE:LINE:COLUMN: what is wrong". Plain C: no Lua, no allocation after
 * reading. */
#ifndef CJM_CSV_H
#define CJM_CSV_H

#include "cjm.h"

#include <stddef.h>

typedef struct cjm_csv {
    char *name;    /* the file as given, for messages */
    int cols;      /* fields per record */
    int rows;      /* records after the header */
    char **header; /* cols names */
    char **cell;   /* rows * cols fields, cell[r * cols + c] */
    int *line;     /* (rows + 1) * cols: the line of each field; the header's first */
    int *column;   /* likewise, its column (1-based, in bytes) */
    char *buf;     /* owns every string */
} cjm_csv;

/* The largest file read (bytes), and the most fields. */
#define CJM_CSV_MAX_BYTES ((size_t)1 << 30)
#define CJM_CSV_MAX_FIELDS (1 << 26)

/* Reads path. sep is the separator, or 0: ';' if the header line has one and
 * no ',', else ','. */
cjm_status cjm_csv_read(const char *path, char sep, cjm_csv **out, cjm_error *err);

/* The same, from text[0..n-1] (name labels the messages). */
cjm_status cjm_csv_parse(const char *name, const char *text, size_t n, char sep, cjm_csv **out,
                         cjm_error *err);

void cjm_csv_free(cjm_csv **t);

/* The index of the column named name (exact, after trimming spaces), or -1. */
int cjm_csv_find(const cjm_csv *t, const char *name);

/* The index of a column that must be there; otherwise an error naming the
 * file, the column and the columns it has. */
cjm_status cjm_csv_require(const cjm_csv *t, const char *name, int *col, cjm_error *err);

/* The field at (row, col), a finite number (surrounding spaces allowed);
 * otherwise "FILE:LINE:COLUMN: column 'NAME': expected a number, got '...'". */
cjm_status cjm_csv_number(const cjm_csv *t, int row, int col, double *out, cjm_error *err);

/* An error about the field at (row, col): "FILE:LINE:COLUMN: column 'NAME': "
 * followed by the message. Returns CJM_ESCENARIO. */
cjm_status cjm_csv_error(const cjm_csv *t, int row, int col, cjm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static inline const char *cjm_csv_cell(const cjm_csv *t, int row, int col)
{
    return t->cell[(size_t)row * (size_t)t->cols + (size_t)col];
}

#endif
