/* cmd_sensitivity.c: the sensitivity commands (sweep, tornado, morris, sobol).
 * They parse their options, show progress and print; the analyses are in
 * core/sensitivity.c. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRESS_WIDTH 30

/* The options of one command, with the --param paths it allocated. */
typedef struct sens_cli {
    cjm_sens_options o;
    cjm_sens_param params[CLI_MAX];
    char *paths[CLI_MAX];
} sens_cli;

static void sens_cli_free(sens_cli *s)
{
    for (int i = 0; i < s->o.param_count; i++) free(s->paths[i]);
}

static int parse_double(const char **p, char stop, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(*p, &end);
    if (end == *p || errno || !isfinite(*out) || *end != stop) return -1;
    *p = *end ? end + 1 : end;
    return 0;
}

/* PATH=FROM:TO:STEPS (sweep), or PATH / PATH=LO:HI. */
static int parse_param(const char *text, int sweep, cjm_sens_param *prm, char **path)
{
    const char *eq = strchr(text, '='), *p = eq ? eq + 1 : NULL;
    const char *want = sweep ? "PATH=FROM:TO:STEPS (e.g. transitions.aware.consider=0.05:0.2:4)"
                             : "PATH or PATH=LO:HI (e.g. transitions.aware.consider=0.05:0.2)";
    memset(prm, 0, sizeof *prm);
    if (eq == text || (!eq && sweep))
        return cli_usage_error("--param: expected %s, got '%s'", want, text);
    if (!(*path = eq ? strndup(text, (size_t)(eq - text)) : strdup(text)))
        return cli_usage_error("out of memory");
    prm->path = *path;
    if (!eq) return 0;
    prm->ranged = 1;
    if (parse_double(&p, ':', &prm->lo) || parse_double(&p, sweep ? ':' : '\0', &prm->hi))
        return cli_usage_error("--param: expected %s, got '%s'", want, text);
    if (!sweep) return 0;
    long long steps;
    if (cli_parse_int("--param STEPS", p, 2, 1000000, &steps)) return CJM_EUSAGE;
    prm->steps = (int)steps;
    return 0;
}

static int collect_params(const cli *c, int sweep, sens_cli *s)
{
    for (int i = 0; i < c->extra_count; i++) {
        if (strcmp(c->extra[i].name, "--param") != 0) continue;
        int n = s->o.param_count;
        int rc = parse_param(c->extra[i].value, sweep, &s->params[n], &s->paths[n]);
        if (s->paths[n]) s->o.param_count++;
        if (rc) return rc;
    }
    s->o.params = s->params;
    return 0;
}

/* "20%" or 0.2. */
static int parse_swing(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end != text && *end == '%') v /= 100, end++;
    if (end == text || *end || !(v > 0 && v <= 1))
        return cli_usage_error("--swing: expected a percentage in (0, 100%%], e.g. 20%%, got '%s'",
                               text);
    *out = v;
    return 0;
}

/* An optional whole-number option into *out. */
static int int_option(const cli *c, const char *name, long long lo, long long hi, int *out)
{
    const char *v = cli_extra(c, name);
    long long n;
    if (!v) return 0;
    if (cli_parse_int(name, v, lo, hi, &n)) return CJM_EUSAGE;
    *out = (int)n;
    return 0;
}

/* ---- progress on stderr, when it is a terminal ---- */

typedef struct progress {
    const char *name;
    int last; /* per mille drawn last */
} progress;

static void progress_draw(void *ctx, long done, long total)
{
    progress *p = ctx;
    int per_mille = total > 0 ? (int)(1000 * done / total) : 1000;
    if (per_mille == p->last) return;
    p->last = per_mille;
    int fill = per_mille * PROGRESS_WIDTH / 1000;
    fprintf(stderr, "\r%s [%.*s%*s] %3d%% %ld/%ld", p->name, fill, "##############################",
            PROGRESS_WIDTH - fill, "", per_mille / 10, done, total);
    fflush(stderr);
}

static void progress_setup(const cli *c, sens_cli *s, progress *p)
{
    p->name = c->cmd->name;
    p->last = -1;
    if (cli_extra(c, "--quiet") || !isatty(2)) return;
    s->o.progress = progress_draw;
    s->o.progress_ctx = p;
}

static void progress_clear(const sens_cli *s)
{
    if (s->o.progress) fputs("\r\033[K", stderr);
}

/* ---- the commands ---- */

typedef cjm_status (*analysis_fn)(const char *, const cjm_load_options *, const cjm_settings *,
                                  const cjm_sens_options *, cjm_sensitivity **, cjm_error *);

static int run_analysis(cli *c, analysis_fn fn, sens_cli *s)
{
    cjm_load_options lo = cli_load_options(c);
    cjm_error err = {0};
    cjm_sensitivity *x = NULL;
    progress p;
    cli_out out;
    cli_out_init(&out, "-o", c->output);
    int rc = cli_out_open(&out, 1, c->file);
    if (rc) return rc;
    progress_setup(c, s, &p);
    cjm_status st = c->merge_parts ? cjm_merge_sensitivity(fn, c->file, &lo, &c->settings, &s->o,
                                                           c->merge_parts, c->merge_count, &x, &err)
                                   : fn(c->file, &lo, &c->settings, &s->o, &x, &err);
    progress_clear(s);
    if (st != CJM_OK) {
        cli_out_discard(&out);
        return cli_fail(&err);
    }
    if (s->o.shard_count > 0) {
        const char *args[2 * CLI_MAX + 8]; /* c->argc: at most the options parsed, twice */
        int n = c->argc < (int)(sizeof args / sizeof *args) ? cli_recorded_args(c, args) : -1;
        st = n >= 0 ? cjm_report_partial_sensitivity(x, args, n, out.f, &err) : CJM_EUSAGE;
        if (n < 0) snprintf(err.msg, sizeof err.msg, "--shard: too many arguments"), err.code = st;
    } else {
        st = cjm_report_sensitivity(x, c->format, out.f, &err);
    }
    rc = cli_out_close(&out, st == CJM_OK ? NULL : &err);
    cjm_sensitivity_free(&x);
    return rc;
}

/* Options every analysis shares: --param, --metric and --shard. */
static int common(cli *c, int sweep, sens_cli *s)
{
    memset(s, 0, sizeof *s);
    s->o.metric = cli_extra(c, "--metric");
    const char *shard = cli_extra(c, "--shard");
    if (shard && !c->output)
        return cli_usage_error("--shard: -o PART is required (the partial result file)");
    if (shard && cli_parse_shard(shard, &s->o.shard_index, &s->o.shard_count)) return CJM_EUSAGE;
    return collect_params(c, sweep, s);
}

static int cmd_sweep(cli *c)
{
    sens_cli s;
    int rc = common(c, 1, &s);
    const char *precision = cli_extra(c, "--precision");
    cjm_error err;
    if (!rc && precision && cjm_precision_parse(precision, &s.o.precision, &err) != 0)
        rc = cli_fail(&err);
    if (!rc) rc = int_option(c, "--max-runs", 1, 10000000, &s.o.precision.max_runs);
    if (!rc) rc = run_analysis(c, cjm_sweep, &s);
    sens_cli_free(&s);
    return rc;
}

static int cmd_tornado(cli *c)
{
    sens_cli s;
    int rc = common(c, 0, &s);
    const char *swing = cli_extra(c, "--swing");
    if (!rc && swing) rc = parse_swing(swing, &s.o.swing);
    if (!rc) rc = run_analysis(c, cjm_tornado, &s);
    sens_cli_free(&s);
    return rc;
}

sens_cli *cli_tornado_parse(const cli *c, int *rc)
{
    sens_cli *s = calloc(1, sizeof *s);
    if (!s) {
        *rc = cli_usage_error("out of memory");
        return NULL;
    }
    *rc = collect_params(c, 0, s);
    s->o.metric = cli_extra(c, "--metric");
    const char *swing = cli_extra(c, "--swing");
    if (!*rc && swing) *rc = parse_swing(swing, &s->o.swing);
    if (*rc) {
        cli_sens_free(s);
        return NULL;
    }
    return s;
}

const cjm_sens_options *cli_sens_options(const sens_cli *s)
{
    return &s->o;
}

void cli_sens_free(sens_cli *s)
{
    if (!s) return;
    sens_cli_free(s);
    free(s);
}

/* Morris and Sobol evaluate the model many times: each evaluation is the
 * mean of 20 agent runs unless --runs says otherwise. */
static int screening_runs(cli *c)
{
    c->settings.runs = 20;
    return int_option(c, "--runs", 1, 10000000, &c->settings.runs);
}

static int cmd_morris(cli *c)
{
    sens_cli s;
    int rc = common(c, 0, &s);
    if (!rc) rc = screening_runs(c);
    if (!rc) rc = int_option(c, "--trajectories", 1, 1000000, &s.o.trajectories);
    if (!rc) rc = int_option(c, "--levels", 2, 1000, &s.o.levels);
    if (!rc && s.o.levels % 2)
        rc = cli_usage_error("--levels: expected an even number of levels, got %d", s.o.levels);
    if (!rc) rc = run_analysis(c, cjm_morris, &s);
    sens_cli_free(&s);
    return rc;
}

static int cmd_sobol(cli *c)
{
    sens_cli s;
    int rc = common(c, 0, &s);
    if (!rc) rc = screening_runs(c);
    if (!rc) rc = int_option(c, "--samples", 2, 10000000, &s.o.samples);
    if (!rc) rc = int_option(c, "--bootstrap", 10, 1000000, &s.o.bootstrap);
    const char *design = cli_extra(c, "--design");
    if (!rc && design) {
        if (strcmp(design, "sobol") == 0)
            s.o.design = CJM_DESIGN_SOBOL;
        else if (strcmp(design, "random") != 0)
            rc = cli_usage_error("--design: expected random or sobol, got '%s'", design);
    }
    if (!rc) rc = run_analysis(c, cjm_sobol, &s);
    sens_cli_free(&s);
    return rc;
}

static const char *const sweep_options[] = {"--param", "--metric", "--precision", "--max-runs",
                                            NULL};
static const char *const tornado_options[] = {"--param", "--metric", "--swing", "--shard", NULL};
static const char *const morris_options[] = {
    "--param", "--metric", "--trajectories", "--levels", "--runs", "--shard", NULL};
static const char *const sobol_options[] = {"--param", "--metric", "--samples", "--bootstrap",
                                            "--runs",  "--design", "--shard",   NULL};
static const char *const quiet_flag[] = {"--quiet", NULL};

const cli_command cli_sensitivity_commands[] = {
    {"sweep", cmd_sweep, sweep_options, quiet_flag, 0, NULL},
    {"tornado", cmd_tornado, tornado_options, quiet_flag, 0, NULL},
    {"morris", cmd_morris, morris_options, quiet_flag, 0, NULL},
    {"sobol", cmd_sobol, sobol_options, quiet_flag, 0, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
