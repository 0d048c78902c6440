/* cjm: the command line. It parses arguments and prints; everything else is
 * in libcjm (core/). */

#include "cjm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SETS 256

static const char usage_text[] =
    "usage: cjm COMMAND FILE [options]\n"
    "\n"
    "Simulates a customer journey scenario (a Lua file) and reports conversion,\n"
    "CAC, LTV, retention, revenue, cost and profit, with 95% intervals.\n"
    "\n"
    "commands:\n"
    "  run FILE      simulate the scenario and report its metrics\n"
    "  check FILE    validate the scenario and describe the model\n"
    "  compare FILE [VARIANT...]\n"
    "                the baseline against each variant (all of them if none is named),\n"
    "                side by side, with differences, ROI and P(profit up)\n"
    "  fixes FILE    every fix alone against the baseline, ranked by the change in\n"
    "                profit, then the best combination found greedily\n"
    "\n"
    "options (run, compare, fixes):\n"
    "  --engine agent|exact   agent: simulate every customer (default);\n"
    "                         exact: expected values, no sampling\n"
    "  --runs R               independent runs (default 100)\n"
    "  --customers N          cohort size (default: the scenario's)\n"
    "  --horizon H            steps to simulate (default: the scenario's)\n"
    "  --seed S               random seed (default 1)\n"
    "  --threads K            worker threads (default: every core; results do not depend on it)\n"
    "  --set PATH=VALUE       override a scenario value, e.g. --set "
    "transitions.aware.consider=0.3\n"
    "                         (repeatable)\n"
    "  --format table|json|csv  output format (default table)\n"
    "  -o FILE                write the report to FILE (atomically) instead of standard output\n"
    "  --variant NAME         run a variant of the scenario (run; the baseline for compare)\n"
    "  --fix BARRIER          apply a barrier's fix (repeatable)\n"
    "\n"
    "Comparisons use common random numbers: each customer draws the same random\n"
    "numbers in every arm, so a difference is far more precise than either side.\n"
    "\n"
    "  cjm --help, cjm --version\n"
    "\n"
    "Exit status: 0 success, 1 bad scenario (or a failure while running), 2 bad usage.\n";

typedef struct cli {
    const char *command, *file, *output;
    cjm_settings settings;
    cjm_format format;
    cjm_override sets[MAX_SETS];
    int set_count;
    const char *fixes[MAX_SETS];
    int fix_count;
    const char *variant;
    const char *names[MAX_SETS]; /* compare: the variants named */
    int name_count;
    int horizon;
} cli;

static int usage_error(const char *fmt, const char *a, const char *b)
{
    fputs("cjm: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputs(" (cjm --help for usage)\n", stderr);
    return CJM_EUSAGE;
}

static int parse_int64(const char *opt, const char *text, long long lo, long long hi,
                       long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi) {
        char range[96];
        snprintf(range, sizeof range, "a whole number from %lld to %lld", lo, hi);
        fprintf(stderr, "cjm: %s: expected %s, got '%s' (cjm --help for usage)\n", opt, range,
                text);
        return CJM_EUSAGE;
    }
    *out = v;
    return 0;
}

static int parse_set(cli *c, const char *text)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || !eq[1])
        return usage_error("--set: expected PATH=VALUE, got '%s'%s", text, "");
    if (c->set_count == MAX_SETS) return usage_error("--set: more than %s overrides%s", "256", "");
    char *path = strndup(text, (size_t)(eq - text));
    if (!path) return usage_error("out of memory%s%s", "", "");
    c->sets[c->set_count++] = (cjm_override){path, eq + 1};
    return 0;
}

static int parse_engine(cli *c, const char *v)
{
    if (strcmp(v, "agent") == 0)
        c->settings.engine = CJM_ENGINE_AGENT;
    else if (strcmp(v, "exact") == 0)
        c->settings.engine = CJM_ENGINE_EXACT;
    else
        return usage_error("--engine: expected agent or exact, got '%s'%s", v, "");
    return 0;
}

/* One option with its value; returns 0, or an exit status. */
static int parse_option(cli *c, const char *opt, const char *v)
{
    long long n;
    int rc = 0;
    if (strcmp(opt, "--engine") == 0) return parse_engine(c, v);
    if (strcmp(opt, "--runs") == 0) {
        if (!(rc = parse_int64(opt, v, 1, 10000000, &n))) c->settings.runs = (int)n;
    } else if (strcmp(opt, "--customers") == 0) {
        if (!(rc = parse_int64(opt, v, 1, 1LL << 53, &n))) c->settings.customers = n;
    } else if (strcmp(opt, "--horizon") == 0) {
        if (!(rc = parse_int64(opt, v, 1, 100000, &n))) c->horizon = (int)n;
    } else if (strcmp(opt, "--seed") == 0) {
        if (!(rc = parse_int64(opt, v, 0, 0x7fffffffffffffffLL, &n)))
            c->settings.seed = (uint64_t)n;
    } else if (strcmp(opt, "--threads") == 0) {
        if (!(rc = parse_int64(opt, v, 1, 1024, &n))) c->settings.threads = (int)n;
    } else if (strcmp(opt, "--set") == 0) {
        rc = parse_set(c, v);
    } else if (strcmp(opt, "--format") == 0) {
        if (cjm_format_parse(v, &c->format))
            rc = usage_error("--format: expected table, json or csv, got '%s'%s", v, "");
    } else if (strcmp(opt, "--fix") == 0) {
        if (c->fix_count == MAX_SETS) return usage_error("--fix: more than %s fixes%s", "256", "");
        c->fixes[c->fix_count++] = v;
    } else if (strcmp(opt, "--variant") == 0) {
        c->variant = v;
    } else if (strcmp(opt, "-o") == 0 || strcmp(opt, "--output") == 0) {
        c->output = v;
    } else {
        rc = usage_error("unknown option '%s'%s", opt, "");
    }
    return rc;
}

static int known_option(const char *opt)
{
    static const char *const opts[] = {
        "--engine", "--runs", "--customers", "--horizon", "--seed",    "--threads", "--set",
        "--format", "-o",     "--output",    "--fix",     "--variant", NULL};
    for (const char *const *o = opts; *o; o++)
        if (strcmp(*o, opt) == 0) return 1;
    return 0;
}

static int parse_args(cli *c, int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1]) {
            if (!c->file) {
                c->file = a;
            } else if (strcmp(c->command, "compare") == 0 && c->name_count < MAX_SETS) {
                c->names[c->name_count++] = a;
            } else {
                return usage_error("unexpected argument '%s'%s", a, "");
            }
            continue;
        }
        const char *eq = strchr(a, '=');
        char opt[64];
        const char *value;
        if (strncmp(a, "--", 2) == 0 && eq && strncmp(a, "--set", 5) != 0) {
            snprintf(opt, sizeof opt, "%.*s", (int)(eq - a), a);
            value = eq + 1;
        } else {
            snprintf(opt, sizeof opt, "%s", a);
            if (!known_option(opt)) return usage_error("unknown option '%s'%s", a, "");
            if (i + 1 >= argc) return usage_error("%s needs a value%s", a, "");
            value = argv[++i];
        }
        int rc = parse_option(c, opt, value);
        if (rc) return rc;
    }
    if (!c->file) return usage_error("%s: which scenario file?%s", c->command, "");
    return 0;
}

/* Writes through a temporary file renamed into place, so that a failure
 * leaves any existing output untouched. */
typedef struct out_file {
    FILE *f;
    char *tmp;
    const char *final;
} out_file;

static int out_open(out_file *o, const char *path)
{
    memset(o, 0, sizeof *o);
    if (!path) {
        o->f = stdout;
        return 0;
    }
    size_t n = strlen(path) + 16;
    o->tmp = malloc(n);
    snprintf(o->tmp, n, "%s.tmpXXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || !(o->f = fdopen(fd, "w"))) {
        fprintf(stderr, "cjm: -o %s: cannot write there: %s\n", path, strerror(errno));
        free(o->tmp);
        return 1;
    }
    o->final = path;
    return 0;
}

static int out_close(out_file *o, int ok)
{
    if (!o->final) return fflush(stdout) == 0 ? ok : 0;
    int closed = fclose(o->f) == 0;
    if (ok && closed && rename(o->tmp, o->final) == 0) {
        free(o->tmp);
        return 1;
    }
    if (ok) fprintf(stderr, "cjm: -o %s: cannot write the report: %s\n", o->final, strerror(errno));
    unlink(o->tmp);
    free(o->tmp);
    return 0;
}

static int fail(const cjm_error *err)
{
    fprintf(stderr, "cjm: %s\n", err->msg);
    return err->code == CJM_EUSAGE ? 2 : 1;
}

static int load(const cli *c, cjm_model **m, cjm_error *err)
{
    cjm_load_options opts = {c->sets, c->set_count, c->fixes, c->fix_count, c->variant, c->horizon};
    return cjm_model_load(c->file, &opts, m, err) == CJM_OK ? 0 : fail(err);
}

static int cmd_check(cli *c)
{
    cjm_error err;
    cjm_model *m;
    int rc = load(c, &m, &err);
    if (rc) return rc;
    cjm_model_describe(m, stdout);
    printf("ok: the scenario is valid\n");
    cjm_model_free(&m);
    return 0;
}

static int cmd_compare(cli *c)
{
    cjm_error err;
    cjm_comparison *cmp = NULL;
    cjm_load_options opts = {c->sets, c->set_count, c->fixes, c->fix_count, c->variant, c->horizon};
    cjm_status st = strcmp(c->command, "fixes") == 0
                        ? cjm_compare_fixes(c->file, &opts, &c->settings, &cmp, &err)
                        : cjm_compare_variants(c->file, &opts, c->names, c->name_count,
                                               &c->settings, &cmp, &err);
    if (st != CJM_OK) return fail(&err);
    out_file o;
    int rc = 1;
    if (out_open(&o, c->output) == 0) {
        int ok = cjm_report_comparison(cmp, c->format, o.f, &err) == CJM_OK;
        if (!ok) fail(&err);
        rc = out_close(&o, ok) ? 0 : 1;
    }
    cjm_comparison_free(&cmp);
    return rc;
}

static int cmd_run(cli *c)
{
    cjm_error err;
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    out_file o;
    int rc = load(c, &m, &err);
    if (rc) return rc;
    if (cjm_run(m, &c->settings, &r, &err) != CJM_OK) {
        rc = fail(&err);
    } else if (out_open(&o, c->output) != 0) {
        rc = 1;
    } else {
        int ok = cjm_report_run(r, c->format, o.f, &err) == CJM_OK;
        if (!ok) fail(&err);
        rc = out_close(&o, ok) ? 0 : 1;
    }
    cjm_result_free(&r);
    cjm_model_free(&m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("cjm %s\n", CJM_VERSION);
        return 0;
    }
    cli c = {.command = argv[1], .settings = cjm_settings_default(), .format = CJM_FORMAT_TABLE};
    int rc;
    static const struct {
        const char *name;
        int (*fn)(cli *);
    } commands[] = {
        {"run", cmd_run}, {"check", cmd_check}, {"compare", cmd_compare}, {"fixes", cmd_compare}};
    int (*fn)(cli *) = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(c.command, commands[i].name) == 0) fn = commands[i].fn;
    if (!fn) return usage_error("unknown command '%s'%s", c.command, "");
    if ((rc = parse_args(&c, argc, argv)) == 0) rc = fn(&c);
    for (int i = 0; i < c.set_count; i++) free((char *)c.sets[i].path);
    return rc;
}
