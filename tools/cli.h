/* cli.h: what the cjm program's commands share: the parsed command line,
 * errors, loading, and atomic output. The commands only parse and print;
 * everything else is in libcjm. */
#ifndef CJM_CLI_H
#define CJM_CLI_H

#include "cjm.h"

#include <stdio.h>

#define CLI_MAX 256

typedef struct cli cli;

/* A command. Options beyond the common ones are declared here and collected
 * in cli.extra for the command to read with cli_extra(). */
typedef struct cli_command {
    const char *name;
    int (*run)(cli *c);
    const char *const *options; /* extra options taking a value, NULL-terminated (or NULL) */
    const char *const *flags;   /* extra options without a value (or NULL) */
    int takes_names;            /* extra positional arguments after FILE */
} cli_command;

typedef struct cli_option {
    const char *name, *value; /* value is "" for a flag */
} cli_option;

struct cli {
    const cli_command *cmd;
    const char *file, *output;
    cjm_settings settings;
    cjm_format format;
    cjm_override sets[CLI_MAX];
    int set_count;
    const char *fixes[CLI_MAX];
    int fix_count;
    const char *variant;
    const char *names[CLI_MAX]; /* positional arguments after FILE */
    int name_count;
    int horizon;
    size_t lua_memory; /* --lua-memory, in bytes (0: the default) */
    cli_option extra[CLI_MAX];
    int extra_count;
};

/* The last value given for an extra option or flag, or NULL. */
const char *cli_extra(const cli *c, const char *name);

/* Prints "cjm: ..." (one line) and returns the exit status for bad usage, 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a library error and returns its exit status (2 usage, 1 otherwise). */
int cli_fail(const cjm_error *err);

/* Parses a whole number for option opt within [lo, hi]; 0 or exit status 2. */
int cli_parse_int(const char *opt, const char *text, long long lo, long long hi, long long *out);

/* The load options the command line asks for. */
cjm_load_options cli_load_options(const cli *c);

/* Writes through a temporary file renamed into place, so that a failure
 * leaves any existing output untouched; no -o: standard output. */
typedef struct cli_out {
    FILE *f;
    char *tmp;
    const char *final;
} cli_out;

int cli_out_open(cli_out *o, const char *path);
/* Closes; renames into place only if ok. Returns 1 when all went well. */
int cli_out_close(cli_out *o, int ok);

/* The sensitivity commands (sweep, tornado, morris, sobol), in cmd_sensitivity.c. */
extern const cli_command cli_sensitivity_commands[];

#endif
