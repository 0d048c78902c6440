/* run.c: cjm_run(), which checks the settings, draws the uncertain inputs
 * of every run and hands the model to an engine. */
#include "result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

cjm_settings cjm_settings_default(void)
{
    return (cjm_settings){.engine = CJM_ENGINE_AGENT,
                          .runs = 100,
                          .seed = 1,
                          .sampling = CJM_SAMPLING_RANDOM,
                          .simd = CJM_SIMD_AUTO};
}

/* Each run's draws of the uncertain inputs, before any run starts: the draws
 * then depend on the seed and the run, never on threads. */
static cjm_status draw_inputs(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    r->input_count = m->uncertain_count;
    if (m->uncertain_count == 0) return CJM_OK;
    r->inputs = malloc((size_t)r->runs * m->uncertain_count * sizeof *r->inputs);
    if (!r->inputs) return cjm_error_set(err, CJM_ENOMEM, "out of memory for the inputs' draws");
    return cjm_sample_inputs(m, r->runs, r->settings.seed, r->settings.sampling, r->inputs, err);
}

static int cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The line the scenario writes path on: an input's, or 0. */
static int line_of(const cjm_model *m, const char *path)
{
    for (int i = 0; i < m->input_count; i++)
        if (strcmp(m->inputs[i].path, path) == 0) return m->inputs[i].line;
    return 0;
}

/* Money totals must stay within CJM_MONEY_MAX in magnitude: beyond it their
 * means, spreads (squares) and intervals cannot all be computed, and no
 * currency counts that high. Every run's row is scanned (counts are far
 * below it); the first money line that passes it is named. */
static cjm_status check_money(const cjm_model *m, const cjm_result *r, cjm_error *err)
{
    for (int run = r->run_from; run < r->run_to; run++) { /* this shard's runs */
        const double *row = cjm_result_row(r, run);
        int bad = -1;
        for (int k = 0; k < r->width && bad < 0; k++)
            if (!(fabs(row[k]) <= CJM_MONEY_MAX)) bad = k;
        if (bad < 0) continue;
        for (int l = 0; l < r->line_count; l++) {
            double v = row[r->row.lines + l];
            if (fabs(v) <= CJM_MONEY_MAX) continue;
            int line = line_of(m, r->lines[l].path);
            char where[64] = "";
            if (line > 0) snprintf(where, sizeof where, "%d:", line);
            return cjm_error_set(err, CJM_ESCENARIO,
                                 "%s:%s %s: the money total of run %d is %g, beyond %g: amounts "
                                 "this large cannot be summed and summarised (check the units)",
                                 m->file, where, r->lines[l].path, run + 1, v, CJM_MONEY_MAX);
        }
        return cjm_error_set(err, CJM_ESCENARIO,
                             "%s: a money total of run %d is %g, beyond %g: amounts this large "
                             "cannot be summed and summarised (check the units)",
                             m->file, run + 1, row[bad], CJM_MONEY_MAX);
    }
    return CJM_OK;
}

cjm_status cjm_run_prepare(const cjm_model *m, const cjm_settings *in, cjm_result **out,
                           cjm_error *err)
{
    *out = NULL;
    cjm_settings s = *in;
    bool customers_given = s.customers > 0;
    if (s.customers <= 0) s.customers = m->cohort_size;
    if (s.horizon <= 0) s.horizon = m->horizon;
    if (s.threads <= 0) s.threads = cpu_count();
    if (s.runs < 1) return cjm_error_set(err, CJM_EUSAGE, "runs must be at least 1");
    if (s.shard_count < 0 ||
        (s.shard_count > 0 && (s.shard_index < 0 || s.shard_index >= s.shard_count)))
        return cjm_error_set(err, CJM_EUSAGE, "--shard %d/%d: expected I/N with 1 <= I <= N",
                             s.shard_index + 1, s.shard_count);
    if (s.horizon > m->prob_horizon)
        return cjm_error_set(err, CJM_EUSAGE,
                             "horizon %d is beyond the %d steps tabulated for this model",
                             s.horizon, m->prob_horizon);
    /* Exact values need one run, unless there are uncertain inputs to draw. */
    if (s.engine == CJM_ENGINE_EXACT && m->uncertain_count == 0) s.runs = 1;
    /* Sizes that would overflow the 64-bit counts, or need absurd memory. */
    double steps = (double)s.customers * s.runs * s.horizon, H = s.horizon + 1.0;
    double cells = (double)m->segment_count * (m->stage_count + m->edge_count + 1);
    double bytes = 8 * (3 * s.runs * (m->stage_count + 4 * H + 64) + 2 * H * cells);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double ram = pages > 0 && page > 0 ? (double)pages * page : 1099511627776.0;
    if (s.engine != CJM_ENGINE_EXACT && (steps >= 9.2e18 || s.customers > 8796093018112LL))
        return cjm_error_set(err, CJM_EUSAGE,
                             "%lld customers x %d runs x %d steps is too large to count "
                             "(customers x runs x steps must stay below 9.2e18, customers below "
                             "8.8e12)",
                             (long long)s.customers, s.runs, s.horizon);
    if (bytes > ram)
        return cjm_error_set(err, CJM_EUSAGE,
                             "%d runs x %d steps would need about %.0f GiB of memory (this "
                             "machine has %.0f GiB): fewer runs or a shorter horizon",
                             s.runs, s.horizon, bytes / 1073741824.0, ram / 1073741824.0);
    if (cjm_cancel_requested(s.cancel)) return cjm_error_set(err, CJM_EINTERRUPT, "interrupted");
    cjm_result *r;
    cjm_status st = cjm_result_new(m, &s, s.runs, &r, err);
    if (st != CJM_OK) return st;
    r->exact = s.engine == CJM_ENGINE_EXACT;
    r->customers_given = customers_given;
    if (s.shard_count > 0) { /* contiguous runs: shard i has [R i / N, R (i + 1) / N) */
        r->run_from = (int)((int64_t)s.runs * s.shard_index / s.shard_count);
        r->run_to = (int)((int64_t)s.runs * (s.shard_index + 1) / s.shard_count);
    }
    st = draw_inputs(m, r, err);
    if (st != CJM_OK) {
        cjm_result_free(&r);
        return st;
    }
    *out = r;
    return CJM_OK;
}

cjm_status cjm_run(const cjm_model *m, const cjm_settings *in, cjm_result **out, cjm_error *err)
{
    cjm_result *r = NULL;
    *out = NULL;
    cjm_status st = cjm_run_prepare(m, in, &r, err);
    if (st != CJM_OK) return st;
    const cjm_settings s = r->settings;
    if (st == CJM_OK)
        st = r->exact                        ? cjm_engine_exact(m, r, err)
             : s.engine == CJM_ENGINE_COHORT ? cjm_engine_cohort(m, r, err)
                                             : cjm_engine_agent(m, r, err);
    if (st == CJM_OK && cjm_cancel_requested(s.cancel))
        st = cjm_error_set(err, CJM_EINTERRUPT, "interrupted");
    if (st == CJM_OK) st = check_money(m, r, err);
    if (st != CJM_OK) {
        cjm_result_free(&r);
        return st;
    }
    *out = r;
    return CJM_OK;
}
