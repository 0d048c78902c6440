/* cmd_shard.c: `run --shard I/N` and `merge` (docs/scale.md). A shard runs
 * its share of the runs and writes a partial result; merge reads every
 * part, loads the scenario as their command line says, and writes what the
 * whole run writes. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_parse_shard(const char *text, int *index, int *count)
{
    const char *slash = strchr(text, '/');
    long long i, n;
    char first[32];
    if (!slash || slash == text || (size_t)(slash - text) >= sizeof first)
        return cli_usage_error("--shard: expected I/N (e.g. 2/5), got '%s'", text);
    snprintf(first, sizeof first, "%.*s", (int)(slash - text), text);
    if (cli_parse_int("--shard N", slash + 1, 1, 1000000, &n) ||
        cli_parse_int("--shard I", first, 1, n, &i))
        return CJM_EUSAGE;
    *index = (int)i - 1;
    *count = (int)n;
    return 0;
}

/* The options a part does not record: where it goes and how it is
 * printed (merge decides), the shard itself and the threads (which change
 * nothing). */
static int skipped(const char *a, int *takes_value)
{
    static const char *const names[] = {"-o",        "--output", "--shard", "--format",
                                        "--threads", "--quiet",  NULL};
    for (const char *const *n = names; *n; n++) {
        size_t len = strlen(*n);
        if (strcmp(a, *n) == 0) return *takes_value = strcmp(a, "--quiet") != 0, 1;
        if (strncmp(a, *n, len) == 0 && a[len] == '=') return *takes_value = 0, 1;
    }
    return 0;
}

int cli_recorded_args(const cli *c, const char **out)
{
    int n = 0;
    for (int i = 0; i < c->argc; i++) {
        int value = 0;
        if (skipped(c->argv[i], &value)) {
            i += value;
            continue;
        }
        out[n++] = c->argv[i];
    }
    return n;
}

int cli_run_shard(cli *c)
{
    int index = 0, count = 0, rc = cli_parse_shard(cli_extra(c, "--shard"), &index, &count);
    if (rc) return rc;
    if (cli_extra(c, "--runs-out") || cli_extra(c, "--precision"))
        return cli_usage_error("--shard: --runs-out and --precision go to the merge, not a shard");
    if (!c->output)
        return cli_usage_error("--shard: -o PART is required (the partial result file)");
    c->settings.shard_index = index;
    c->settings.shard_count = count;
    cjm_error err;
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    cli_out o;
    cli_out_init(&o, "-o", c->output);
    if ((rc = cli_out_open(&o, 1, c->file))) return rc;
    cjm_load_options lo = cli_load_options(c);
    const char **args = malloc((size_t)(c->argc + 1) * sizeof *args);
    if (!args) {
        cli_out_discard(&o);
        return cli_usage_error("out of memory");
    }
    cjm_status st = cjm_model_load(c->file, &lo, &m, &err);
    if (st == CJM_OK) st = cjm_run(m, &c->settings, &r, &err);
    if (st != CJM_OK) {
        cli_out_discard(&o);
        rc = cli_fail(&err);
    } else {
        st = cjm_report_partial(r, args, cli_recorded_args(c, args), o.f, &err);
        rc = cli_out_close(&o, st == CJM_OK ? NULL : &err);
    }
    free(args);
    cjm_result_free(&r);
    cjm_model_free(&m);
    return rc;
}

/* compare --shard I/N -o PART: every arm's rows of the shard's runs. */
static int compare_shard(cli *c, const cjm_load_options *lo)
{
    int index = 0, count = 0, rc = cli_parse_shard(cli_extra(c, "--shard"), &index, &count);
    if (rc) return rc;
    if (cli_extra(c, "--precision"))
        return cli_usage_error("--shard: --precision chooses the runs as it goes: give --runs");
    if (!c->output)
        return cli_usage_error("--shard: -o PART is required (the partial result file)");
    c->settings.shard_index = index;
    c->settings.shard_count = count;
    cli_out o;
    cli_out_init(&o, "-o", c->output);
    if ((rc = cli_out_open(&o, 1, c->file))) return rc;
    const char **args = malloc((size_t)(c->argc + 1) * sizeof *args);
    cjm_comparison *cmp = NULL;
    cjm_error err = {.code = CJM_ENOMEM, .msg = "out of memory"};
    cjm_status st = args ? cjm_compare_variants(c->file, lo, (const char *const *)c->names,
                                                c->name_count, &c->settings, &cmp, &err)
                         : CJM_ENOMEM;
    if (st == CJM_OK)
        st = cjm_report_partial_comparison(cmp, args, cli_recorded_args(c, args), o.f, &err);
    rc = cli_out_close(&o, st == CJM_OK ? NULL : &err);
    cjm_comparison_free(&cmp);
    free(args);
    return rc;
}

/* compare's parts merged (from cmd_merge): the comparison's report. */
static int compare_merged(cli *c, const cjm_load_options *lo)
{
    cli_out o;
    cli_out_init(&o, "-o", c->output);
    int rc = cli_out_open(&o, 1, NULL);
    if (rc) return rc;
    cjm_comparison *cmp = NULL;
    cjm_error err;
    cjm_status st = cjm_merge_comparison(c->file, lo, (const char *const *)c->names, c->name_count,
                                         &c->settings, c->merge_parts, c->merge_count, &cmp, &err);
    if (st == CJM_OK) st = cjm_report_comparison_precise(cmp, NULL, c->format, o.f, &err);
    rc = cli_out_close(&o, st == CJM_OK ? NULL : &err);
    cjm_comparison_free(&cmp);
    return rc;
}

int cli_compare_shard(cli *c)
{
    if (strcmp(c->cmd->name, "compare") != 0)
        return cli_usage_error("%s: --shard is not supported (its greedy search needs every run's "
                               "result between its rounds)",
                               c->cmd->name);
    cjm_load_options lo = cli_load_options(c);
    return c->merge_parts ? compare_merged(c, &lo) : compare_shard(c, &lo);
}

static void parts_free(cjm_partial **parts, int n)
{
    for (int i = 0; i < n; i++) cjm_partial_free(&parts[i]);
    free(parts);
}

/* The whole result from the parts, into out (and --runs-out). */
static int write_merged(const cli *c, const cjm_result *r)
{
    cli_out out[2];
    const char *runs_out = cli_extra(c, "--runs-out");
    int n = runs_out ? 2 : 1, rc;
    cli_out_init(&out[0], "-o", c->output);
    cli_out_init(&out[1], "--runs-out", runs_out);
    if ((rc = cli_out_open(out, n, NULL))) return rc;
    cjm_error err;
    cjm_status st = cjm_report_run(r, c->format, out[0].f, &err);
    rc = cli_out_close(&out[0], st == CJM_OK ? NULL : &err);
    if (n < 2) return rc;
    if (rc) {
        cli_out_discard(&out[1]);
        return rc;
    }
    st = cjm_report_runs_csv(r, out[1].f, &err);
    return cli_out_close(&out[1], st == CJM_OK ? NULL : &err);
}

/* merge PART... [-o FILE] [--format F] [--runs-out FILE.csv] */
static int cmd_merge(cli *c)
{
    int n = 1 + c->name_count, rc = 0;
    cjm_partial **parts = calloc((size_t)n, sizeof *parts);
    cjm_error err;
    if (!parts) return cli_usage_error("out of memory");
    for (int i = 0; i < n && !rc; i++)
        if (cjm_partial_read(i == 0 ? c->file : c->names[i - 1], &parts[i], &err) != CJM_OK)
            rc = cli_fail(&err);
    cli run;
    memset(&run, 0, sizeof run);
    int argc = rc ? 0 : cjm_partial_arg_count(parts[0]);
    char **args = rc ? NULL : calloc((size_t)argc + 1, sizeof *args);
    for (int i = 0; args && i < argc; i++) args[i] = (char *)cjm_partial_arg(parts[0], i);
    if (!rc && !args) rc = cli_usage_error("out of memory");
    const char *command = rc ? "run" : cjm_partial_command(parts[0]);
    if (!rc && (rc = cli_parse_command(&run, command, argc, args, c->settings.cancel)))
        fprintf(stderr, "cjm: merge: %s: its command line does not parse\n", c->file);
    if (!rc && strcmp(command, "run") != 0) { /* an analysis: it writes itself */
        run.output = c->output, run.format = c->format;
        run.merge_parts = (const cjm_partial *const *)parts, run.merge_count = n;
        rc = run.cmd->run(&run);
        for (int i = 0; i < run.set_count; i++) free((char *)run.sets[i].path);
        free(args);
        parts_free(parts, n);
        return rc;
    }
    cjm_model *m = NULL;
    cjm_result *r = NULL;
    cjm_load_options lo = rc ? (cjm_load_options){0} : cli_load_options(&run);
    if (!rc && cjm_model_load(run.file, &lo, &m, &err) != CJM_OK) rc = cli_fail(&err);
    if (!rc &&
        cjm_merge(m, &run.settings, (const cjm_partial *const *)parts, n, &r, &err) != CJM_OK)
        rc = cli_fail(&err);
    if (!rc) rc = write_merged(c, r);
    if (!rc || args)
        for (int i = 0; i < run.set_count; i++) free((char *)run.sets[i].path);
    cjm_result_free(&r);
    cjm_model_free(&m);
    free(args);
    parts_free(parts, n);
    return rc;
}

static const char *const merge_options[] = {"--runs-out", NULL};

const cli_command cli_shard_commands[] = {
    {"merge", cmd_merge, merge_options, NULL, 1, NULL},
    {NULL, NULL, NULL, NULL, 0, NULL},
};
