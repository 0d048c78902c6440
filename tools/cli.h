/* cli.h: what the cjm program's commands share: the parsed command line,
 * errors, loading, and atomic output. The commands only parse and print;
 * everything else is in libcjm. */
#ifndef CJM_CLI_H
#define CJM_CLI_H

#include "cjm.h"

#include <stdio.h>
#include <sys/types.h>

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
    const char *help;           /* cjm COMMAND --help (NULL: cjm --help's text) */
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
    int argc; /* the arguments after the command */
    char **argv;
    /* merge: the parts whose values an analysis takes instead of evaluating */
    const cjm_partial *const *merge_parts;
    int merge_count;
};

/* --shard I/N (I from 1) as index (from 0) and count; 0 or the exit status. */
int cli_parse_shard(const char *text, int *index, int *count);

/* The command line's arguments a part records (not -o, --shard, --format,
 * --threads, --quiet) into out[c->argc]; returns how many. */
int cli_recorded_args(const cli *c, const char **out);

/* Parses the arguments args[0..n) as command `command`'s into c (which it
 * initialises with the defaults and the token); 0 or the exit status. */
int cli_parse_command(cli *c, const char *command, int n, char **args, cjm_cancel *cancel);

/* run --shard I/N: the shard's runs as a partial result file (cmd_shard.c). */
int cli_run_shard(cli *c);

/* compare --shard I/N -o PART, and compare's parts at a merge
 * (c->merge_parts); fixes refuses --shard (usage). */
int cli_compare_shard(cli *c);

/* The shard commands (merge), in cmd_shard.c. */
extern const cli_command cli_shard_commands[];

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

/* A tornado's --param, --swing and --metric, parsed as cjm tornado parses
 * them (for cjm report --tornado); NULL with *rc the exit status. */
typedef struct sens_cli sens_cli;
sens_cli *cli_tornado_parse(const cli *c, int *rc);
const cjm_sens_options *cli_sens_options(const sens_cli *s);
void cli_sens_free(sens_cli *s);

/* main under mpirun (tools/mpi.c, the -DCJM_MPI=ON build): the ranks share
 * the work of run, compare, tornado, morris and sobol as shards and rank 0 merges;
 * whole is the one-process main. */
int cli_mpi_main(int argc, char **argv, int (*whole)(int, char **));

/* An output: -o, --runs-out or standard output (cli_out.c; the rules are in
 * docs/hardening.md, "Output safety"). A regular file, or a path that does
 * not exist yet, is replaced atomically through a temporary file next to it
 * (a symlink is followed to its target); anything else (a FIFO, a device,
 * /dev/stdout) is written through. Every write, sync and close is checked. */
typedef struct cli_out {
    FILE *f;            /* write here while open */
    const char *option; /* "-o", "--runs-out" (NULL: standard output) */
    const char *path;   /* as given (NULL: standard output) */
    /* the rest is cli_out.c's */
    int kind, fd, dup_of, slot, err, exists, dropping;
    char *target, *tmp; /* the file written or replaced; its temporary file */
    dev_t dev;          /* the file's identity, when it exists */
    ino_t ino;
    mode_t mode; /* the replaced file's mode and owner */
    uid_t uid;
    gid_t gid;
} cli_out;

/* An output for option and path (path NULL: standard output), not open. */
void cli_out_init(cli_out *o, const char *option, const char *path);

/* Opens outs[0..n-1]. Two of them that are one file, or one that is the
 * scenario file, are bad usage (exit status 2); a path that cannot be written
 * is status 1. Returns 0 with all open, or the status after one message on
 * standard error with none open. */
int cli_out_open(cli_out *outs, int n, const char *scenario);

/* Closes o. err is the writer's failure (NULL: none). Returns 0 when every
 * byte reached the output and a replaced file is in place; otherwise prints
 * one message and returns the exit status, and a replaced file is left as it
 * was: a failed write, sync, close or rename (1, naming the output and the
 * error; it takes the place of the writer's own message), the writer's error
 * (its status), or Ctrl-C while writing (130). */
int cli_out_close(cli_out *o, const cjm_error *err);

/* Closes o without keeping anything (nothing more is written to it). */
void cli_out_discard(cli_out *o);

/* Handlers for the signals that end the program (SIGHUP, SIGINT, SIGTERM,
 * SIGPIPE, ...; not those ignored or handled already): each removes the
 * temporary files, then takes its default action. The first SIGINT only
 * requests cancel (the run stops and the command exits 130). Restore puts
 * back what was there, so that no handler reaches cancel once it is freed. */
void cli_signals_install(cjm_cancel *cancel);
void cli_signals_restore(void);

/* Gives a closed descriptor 0, 1 or 2 a placeholder, so that no file opened
 * later takes its number, and writing to it still fails. */
void cli_std_fds_reserve(void);

/* The sensitivity commands (sweep, tornado, morris, sobol), in cmd_sensitivity.c. */
extern const cli_command cli_sensitivity_commands[];

/* The decision commands (goal, optimize, voi), in cmd_decide.c. */
extern const cli_command cli_decision_commands[];

/* cjm report (cmd_report.c). */
extern const cli_command cli_report_commands[];

/* The commands that fit models to data (fit), in cmd_fit.c. */
extern const cli_command cli_fit_commands[];

#endif
