/* engine_exact.c: expected values without sampling.
 *
 * The cohort is a distribution of mass over (segment, stage), moved step by
 * step with the same probability tables the agent engine samples from. Mass
 * not yet converted is kept apart from mass converted at each time tau, which
 * is what the acquisition/lifetime split and retention[k] need. The funnel
 * ("ever entered stage x") is not linear in the distribution, so each stage
 * gets one more pass in which mass arriving at x is counted and removed.
 * Cost: O(H^2 G E) for the main pass and O(S H G E) for the funnel. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

typedef struct exact_ctx {
    const cjm_model *m;
    int S, G, H, cells; /* cells = G * S */
    cjm_tally_layout lay;
    double *tally;
    double *u;             /* [cells]: unconverted mass */
    double *w;             /* [(H+1) * cells]: mass converted at tau */
    double *conv_mass;     /* [H+1] */
    double *stay, *arrive; /* scratch [cells] */
} exact_ctx;

/* Splits the mass `in` for step t into what stays and what arrives where. */
static void propagate(const exact_ctx *x, int t, const double *in, double *stay, double *arrive)
{
    const cjm_model *m = x->m;
    memset(arrive, 0, (size_t)x->cells * sizeof *arrive);
    for (int g = 0; g < x->G; g++)
        for (int s = 0; s < x->S; s++) {
            double mass = in[g * x->S + s], left = mass;
            if (mass != 0 && !m->stages[s].final)
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) {
                    double f = mass * cjm_model_prob(m, t, g, e);
                    arrive[g * x->S + m->edges[e].to] += f;
                    left -= f;
                }
            stay[g * x->S + s] = left;
        }
}

static double *entries(exact_ctx *x, int phase)
{
    return x->tally + x->lay.entries + phase * x->S;
}

static double *steps(exact_ctx *x, int phase)
{
    return x->tally + x->lay.steps + phase * x->S;
}

static void start_cohort(exact_ctx *x)
{
    int first_converts = x->m->stages[0].converts;
    for (int g = 0; g < x->G; g++) {
        double share = x->m->segment_share[g];
        (first_converts ? x->w : x->u)[g * x->S] = share;
        entries(x, first_converts ? CJM_AT : CJM_PRE)[0] += share;
    }
    if (first_converts) x->conv_mass[0] = 1, x->tally[x->lay.converted] = 1;
}

/* Retention at time t for every conversion time tau <= t. */
static void count_retention(exact_ctx *x, int t)
{
    for (int tau = 0; tau <= t; tau++) {
        double total = x->conv_mass[tau], alive = 0;
        if (total == 0) continue;
        const double *w = x->w + (size_t)tau * x->cells;
        for (int i = 0; i < x->cells; i++)
            if (!x->m->stages[i % x->S].final) alive += w[i];
        x->tally[x->lay.ret_den + t - tau] += total;
        x->tally[x->lay.ret_num + t - tau] += t == tau ? total : alive;
    }
}

static void count_retained(exact_ctx *x)
{
    for (int tau = 0; tau <= x->H; tau++) {
        const double *w = x->w + (size_t)tau * x->cells;
        for (int i = 0; i < x->cells; i++)
            if (!x->m->stages[i % x->S].final) x->tally[x->lay.retained] += w[i];
    }
}

static void count_steps(exact_ctx *x, int t)
{
    for (int i = 0; i < x->cells; i++) steps(x, CJM_PRE)[i % x->S] += x->u[i];
    for (int tau = 0; tau <= t; tau++) {
        const double *w = x->w + (size_t)tau * x->cells;
        double *dst = steps(x, tau == t ? CJM_AT : CJM_POST);
        for (int i = 0; i < x->cells; i++) dst[i % x->S] += w[i];
    }
}

static void move_unconverted(exact_ctx *x, int t)
{
    propagate(x, t, x->u, x->stay, x->arrive);
    double *w_next = x->w + (size_t)(t + 1) * x->cells;
    for (int i = 0; i < x->cells; i++) {
        int d = i % x->S;
        double a = x->arrive[i];
        x->u[i] = x->stay[i];
        if (a == 0) continue;
        if (x->m->stages[d].converts) {
            w_next[i] += a;
            x->conv_mass[t + 1] += a;
            x->tally[x->lay.converted] += a;
            entries(x, CJM_AT)[d] += a;
        } else {
            x->u[i] += a;
            entries(x, CJM_PRE)[d] += a;
        }
    }
}

static void move_converted(exact_ctx *x, int t)
{
    for (int tau = 0; tau <= t; tau++) {
        double *w = x->w + (size_t)tau * x->cells;
        if (x->conv_mass[tau] == 0) continue;
        propagate(x, t, w, x->stay, x->arrive);
        for (int i = 0; i < x->cells; i++) {
            w[i] = x->stay[i] + x->arrive[i];
            entries(x, CJM_POST)[i % x->S] += x->arrive[i];
        }
    }
}

/* P(ever entering `target`): mass arriving there is counted and dropped. */
static double reach_probability(exact_ctx *x, int target, double *v)
{
    if (target == 0) return 1;
    memset(v, 0, (size_t)x->cells * sizeof *v);
    for (int g = 0; g < x->G; g++) v[g * x->S] = x->m->segment_share[g];
    double reached = 0;
    for (int t = 0; t < x->H; t++) {
        propagate(x, t, v, x->stay, x->arrive);
        for (int i = 0; i < x->cells; i++) {
            if (i % x->S == target) {
                reached += x->arrive[i];
                x->arrive[i] = 0;
            }
            v[i] = x->stay[i] + x->arrive[i];
        }
    }
    return reached;
}

static void ctx_free(exact_ctx *x)
{
    free(x->tally);
    free(x->u);
    free(x->w);
    free(x->conv_mass);
    free(x->stay);
    free(x->arrive);
}

static int ctx_make(exact_ctx *x, const cjm_model *m, int H)
{
    memset(x, 0, sizeof *x);
    x->m = m;
    x->S = m->stage_count;
    x->G = m->segment_count;
    x->H = H;
    x->cells = x->S * x->G;
    x->lay = cjm_tally_layout_make(x->S, H);
    x->tally = calloc((size_t)x->lay.width, sizeof *x->tally);
    x->u = calloc((size_t)x->cells, sizeof *x->u);
    x->w = calloc((size_t)(H + 1) * x->cells, sizeof *x->w);
    x->conv_mass = calloc((size_t)H + 1, sizeof *x->conv_mass);
    x->stay = calloc((size_t)x->cells, sizeof *x->stay);
    x->arrive = calloc((size_t)x->cells, sizeof *x->arrive);
    return x->tally && x->u && x->w && x->conv_mass && x->stay && x->arrive;
}

static cjm_status exact_run(const cjm_model *m, cjm_result *r, int run, cjm_error *err)
{
    exact_ctx x;
    if (!ctx_make(&x, m, r->horizon)) {
        ctx_free(&x);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for the exact engine");
    }
    start_cohort(&x);
    for (int t = 0; t <= x.H; t++) {
        count_retention(&x, t);
        if (t == x.H) {
            count_retained(&x);
            break;
        }
        count_steps(&x, t);
        move_converted(&x, t);
        move_unconverted(&x, t);
    }
    double *v = x.u; /* no longer needed: reuse as the funnel's scratch */
    for (int s = 0; s < x.S; s++) x.tally[x.lay.reached + s] = reach_probability(&x, s, v);
    int64_t customers = cjm_result_customers(r, m);
    for (int i = 0; i < x.lay.width; i++) x.tally[i] *= (double)customers;
    cjm_result_set_run(r, run, x.tally, m, customers);
    ctx_free(&x);
    return CJM_OK;
}

/* With uncertain inputs, the exact values of each run's draw: the spread
 * across runs is then the inputs' uncertainty alone. */
cjm_status cjm_engine_exact(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    if (m->uncertain_count == 0) return exact_run(m, r, 0, err);
    cjm_status st = CJM_OK;
    for (int run = 0; st == CJM_OK && run < r->runs; run++) {
        cjm_model *inst;
        st = cjm_result_instance(r, run, &inst, err);
        if (st == CJM_OK) st = exact_run(inst, r, run, err);
        cjm_model_free(&inst);
    }
    return st;
}
