/* fuzz_cli.c: libFuzzer harness for the command line and --set parsing.
 *
 * tools/cjm.c is compiled into this harness with -Dmain=cjm_main. The input,
 * split on NUL bytes, is the command and its arguments; the scenario file
 * is always a fixed small scenario, inserted after the command. So that a
 * run stays cheap and stays in its sandbox:
 *   - "--runs 2 --customers 20 --horizon 12" come first (the input's own
 *     values override them), and for the sensitivity commands small sample
 *     sizes (sobol --samples 16 --bootstrap 20, morris --trajectories 4);
 *   - an input with more than two --param is skipped (a sweep's grid is the
 *     product of its parameters' steps);
 *   - every number above 64 written in an argument becomes 64;
 *   - '/' in an argument becomes '_', so files it names (-o, --runs-out, ...)
 *     land in a scratch directory, the working directory, emptied now and then;
 *   - standard output and error go to /dev/null (sanitizer reports do not). */
#include "cjm.h"
#include "script_limits.h"

#include <dirent.h>
#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cjm_main(int argc, char **argv);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static const char scenario_text[] =
    "local conv = cjm.beta(20, 80)\n"
    "return cjm.scenario {\n"
    "  name = 'fuzz', step = 'week', horizon = 12,\n"
    "  cohort = { size = 40, cost_per_prospect = 0.5 },\n"
    "  segments = { { 'young', share = 0.6 }, { 'old', share = 0.4 } },\n"
    "  stages = {\n"
    "    { 'aware' }, { 'consider' }, { 'consult', cost = 12 },\n"
    "    { 'client', converts = true, revenue = 90 },\n"
    "    { 'regular', revenue_per_step = 15 }, { 'lost', final = true },\n"
    "  },\n"
    "  transitions = {\n"
    "    aware = { consider = 0.25, lost = 0.15 },\n"
    "    consider = { consult = { young = 0.12, old = 0.08 }, lost = 0.05 },\n"
    "    consult = { client = conv, lost = 0.30 },\n"
    "    client = { regular = 0.40, lost = 0.20 },\n"
    "    regular = { lost = function(c) return 0.05 + 0.001 * c.t end },\n"
    "  },\n"
    "  barriers = {\n"
    "    slow_reply = { on = 'consult -> client', effect = 0.8,\n"
    "                   fix = { cost = 100, efficacy = 0.5, from = 2 } },\n"
    "    no_reviews = { on = { 'aware -> consider' }, effect = 0.9, segments = { 'old' },\n"
    "                   fix = { cost_per_customer = 0.1 } },\n"
    "  },\n"
    "  variants = {\n"
    "    cheaper = { set = { ['cohort.cost_per_prospect'] = 0.3 } },\n"
    "    fixed = { based_on = 'cheaper', fixes = { 'slow_reply' } },\n"
    "  },\n"
    "}\n";

static char scenario[128], scratch[128];
static int devnull = -1;
static long execs;

static void empty_scratch(void)
{
    DIR *d = opendir(".");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) unlink(e->d_name);
    closedir(d);
}

static void cleanup(void)
{
    if (chdir(scratch) == 0) empty_scratch();
    if (chdir("/") == 0) rmdir(scratch);
    unlink(scenario);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(scenario, sizeof scenario, "%s/cjm_fuzz_cli_%d.lua", dir, (int)getpid());
    snprintf(scratch, sizeof scratch, "%s/cjm_fuzz_cli_%d.d", dir, (int)getpid());
    FILE *f = fopen(scenario, "w");
    if (!f || fputs(scenario_text, f) == EOF || fclose(f) != 0) abort();
    if (mkdir(scratch, 0700) != 0 || chdir(scratch) != 0) abort();
    atexit(cleanup);
    devnull = open("/dev/null", O_WRONLY);
    int report = dup(2);
    if (devnull < 0 || report < 0) abort();
    __sanitizer_set_report_fd((void *)(intptr_t)report);
    cjm_limits_set_defaults(100000, 2.0);
    return 0;
}

/* Rewrites an argument in place: numbers above 64 to 64, '/' to '_'. */
static void tame(char *arg)
{
    char *w = arg;
    for (char *r = arg; *r;) {
        if (*r >= '0' && *r <= '9') {
            char *start = r;
            while (*r == '0') r++;
            char *digits = r;
            while (*r >= '0' && *r <= '9') r++;
            if (r - digits > 2 ||
                (r - digits == 2 && (digits[0] > '6' || (digits[0] == '6' && digits[1] > '4')))) {
                memcpy(w, "64", 2);
                w += 2;
            } else {
                memmove(w, start, (size_t)(r - start));
                w += r - start;
            }
            continue;
        }
        *w++ = *r == '/' ? '_' : *r;
        r++;
    }
    *w = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    char *args[MAX_ARGS + 10];
    int n = 0;
    args[n++] = "cjm";
    char *p = copy, *end = copy + size;
    /* The command, then the fixed scenario and the cheap defaults, then the rest. */
    int first = 1, params = 0;
    while (p <= end && n < MAX_ARGS) {
        char *arg = p;
        p += strlen(p) + 1;
        if (first) {
            args[n++] = arg;
            args[n++] = scenario;
            static char *defaults[] = {"--runs", "2", "--customers", "20", "--horizon", "12"};
            for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
                args[n++] = defaults[i];
            static char *sobol[] = {"--samples", "16", "--bootstrap", "20"};
            static char *morris[] = {"--trajectories", "4"};
            if (strcmp(arg, "sobol") == 0)
                for (size_t i = 0; i < 4; i++) args[n++] = sobol[i];
            if (strcmp(arg, "morris") == 0)
                for (size_t i = 0; i < 2; i++) args[n++] = morris[i];
            first = 0;
            continue;
        }
        tame(arg);
        args[n++] = arg;
        params += strncmp(arg, "--param", 7) == 0;
    }
    args[n] = NULL;
    if (params > 2) {
        free(copy);
        return 0;
    }

    fflush(stdout);
    fflush(stderr);
    int out = dup(1), err = dup(2);
    dup2(devnull, 1);
    dup2(devnull, 2);
    cjm_main(n, args);
    fflush(stdout);
    fflush(stderr);
    dup2(out, 1);
    dup2(err, 2);
    close(out);
    close(err);
    free(copy);
    if (++execs % 256 == 0) empty_scratch();
    return 0;
}
