/* stay.c: the agent engine's two ways of drawing moves, side by side
 * (tools/bench/run builds it against the library; docs/performance.md).
 *
 *   stay SCENARIO CUSTOMERS RUNS REPS PATH=VALUE
 *
 * For --draws step and --draws stay, one thread: the best of REPS wall times
 * (and CPU times) of cjm_run (loading and reports left out) per nominal customer-step
 * (customers x runs x horizon), and the random numbers drawn per customer
 * (cjm_result_draws; step mode's counted with the scalar loop, which draws
 * the same numbers as the kernel). Then common random numbers: the scenario
 * with PATH=VALUE against the scenario, same seed, and per metric the
 * standard deviation across runs of the difference over that of one side,
 * SE(difference) / SE(side). */
#define _POSIX_C_SOURCE 200809L
#include <cjm.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(clockid_t which)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static cjm_model *load(const char *path, const cjm_override *set)
{
    cjm_load_options o = {0};
    o.sets = set;
    o.set_count = set != NULL;
    cjm_model *m = NULL;
    cjm_error err;
    if (cjm_model_load(path, &o, &m, &err) != CJM_OK) {
        fprintf(stderr, "stay: %s\n", err.msg);
        exit(1);
    }
    return m;
}

static cjm_result *run(const cjm_model *m, cjm_settings s)
{
    cjm_result *r = NULL;
    cjm_error err;
    if (cjm_run(m, &s, &r, &err) != CJM_OK) {
        fprintf(stderr, "stay: %s\n", err.msg);
        exit(1);
    }
    return r;
}

static int metric_of(const char *name)
{
    for (int i = 0; cjm_metric_name(i); i++)
        if (strcmp(cjm_metric_name(i), name) == 0) return i;
    fprintf(stderr, "stay: no metric %s\n", name);
    exit(1);
}

/* Standard deviation across runs of a's metric, and of a's minus b's. */
static void spread(const cjm_result *a, const cjm_result *b, int runs, int k, double *side,
                   double *diff)
{
    double s1 = 0, s2 = 0, d1 = 0, d2 = 0;
    for (int i = 0; i < runs; i++) {
        double x = cjm_result_run_metric(a, i, k), d = x - cjm_result_run_metric(b, i, k);
        s1 += x, s2 += x * x, d1 += d, d2 += d * d;
    }
    *side = sqrt((s2 - s1 * s1 / runs) / (runs - 1));
    *diff = sqrt((d2 - d1 * d1 / runs) / (runs - 1));
}

int main(int argc, char **argv)
{
    if (argc != 6 || !strchr(argv[5], '=')) {
        fprintf(stderr, "usage: stay SCENARIO CUSTOMERS RUNS REPS PATH=VALUE\n");
        return 2;
    }
    char *eq = strchr(argv[5], '=');
    *eq = 0;
    cjm_override set = {argv[5], eq + 1};
    cjm_model *m = load(argv[1], NULL), *m2 = load(argv[1], &set);
    cjm_settings s = cjm_settings_default();
    s.customers = atoll(argv[2]);
    s.runs = atoi(argv[3]);
    s.threads = 1;
    int reps = atoi(argv[4]);
    static const char *const names[] = {"step", "stay"};
    static const char *const metrics[] = {"conversion", "revenue", "profit"};
    double best[2], best_cpu[2];
    for (int mode = 0; mode < 2; mode++) {
        s.draws = mode ? CJM_DRAWS_STAY : CJM_DRAWS_STEP;
        best[mode] = best_cpu[mode] = 1e300;
        int horizon = 0;
        for (int rep = 0; rep < reps; rep++) {
            double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
            cjm_result *r = run(m, s);
            double dt = now(CLOCK_MONOTONIC) - t0, dc = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
            if (dc < best_cpu[mode]) best_cpu[mode] = dc;
            horizon = cjm_result_settings(r).horizon;
            if (dt < best[mode]) best[mode] = dt;
            cjm_result_free(&r);
        }
        cjm_settings counted = s;
        counted.simd = CJM_SIMD_OFF;
        cjm_result *r = run(m, counted);
        double per = (double)cjm_result_draws(r) / ((double)s.customers * s.runs);
        cjm_result_free(&r);
        double steps = (double)s.customers * s.runs * horizon;
        printf("%s: %.3f s wall, %.3f ns per customer-step (CPU time %.3f s, %.3f ns), %.2f draws "
               "per customer\n",
               names[mode], best[mode], 1e9 * best[mode] / steps, best_cpu[mode],
               1e9 * best_cpu[mode] / steps, per);
        cjm_result *a = run(m2, s), *b = run(m, s);
        for (size_t k = 0; k < sizeof metrics / sizeof metrics[0]; k++) {
            double side, diff;
            spread(a, b, s.runs, metric_of(metrics[k]), &side, &diff);
            printf("%s: crn %s %s=%s: SE(difference) / SE(side) = %.3f\n", names[mode], metrics[k],
                   set.path, set.value, side > 0 ? diff / side : NAN);
        }
        cjm_result_free(&a);
        cjm_result_free(&b);
    }
    printf("step / stay time: %.2fx wall, %.2fx CPU\n", best[0] / best[1],
           best_cpu[0] / best_cpu[1]);
    cjm_model_free(&m);
    cjm_model_free(&m2);
    return 0;
}
