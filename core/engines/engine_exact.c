/* engine_exact.c: expected values without sampling.
 *
 * The cohort is a distribution of expected counts over (segment, stage, time
 * in stage), moved step by step with the same probability tables the agent
 * engine samples from. Counts not yet converted are kept apart from counts
 * converted at each time tau (the acquisition/lifetime split and retention[k]
 * need that), and each source of customers apart: the cohort and its arrivals,
 * and the referrals of each referring stage (their rewards and CAC need it).
 * Time in stage is tracked only when a probability reads c.dwell or a stage
 * has min_steps; referrals are linear in expectation, so they are injected as
 * arrivals. The funnel ("ever entered stage x") is not linear in the
 * distribution, so each stage gets one more pass in which counts arriving at
 * x are counted and removed; conversion by arrival step likewise.
 * Cost: O(H^2 G S D E) for the main pass, O(S H G S D E) for the funnel. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

typedef struct exact_ctx {
    const cjm_model *m;
    int S, G, H, D, Q; /* D: time-in-stage cells; Q: sources */
    int cells;         /* G * S * D */
    cjm_tally_layout lay;
    double *tally;
    double *entering;  /* [H]: organic prospects arriving at step t */
    int *source_of;    /* [S]: the source index of referrals from stage s (0: none) */
    int *stage_of;     /* [Q]: the referring stage of source q (q > 0) */
    double *u;         /* [Q][cells]: unconverted */
    double *w;         /* [Q][H+1][cells]: converted at tau */
    double *conv_mass; /* [Q][H+1] */
    double *referrals; /* [H+1][Q][G]: referred prospects entering at step t */
    double *stay, *arrive, *scratch;
} exact_ctx;

static int cell(const exact_ctx *x, int g, int s, int d)
{
    return (g * x->S + s) * x->D + d;
}

/* The probability of edge e at (t, g) for a customer d steps into its stage. */
static double edge_prob(const exact_ctx *x, int t, int g, int d, int e)
{
    const cjm_model *m = x->m;
    double p = cjm_model_prob(m, t, g, e);
    int k = m->edges[e].dwell_index;
    return k < 0 ? p : p * cjm_model_dwell_prob(m, k, t, g, d);
}

/* Splits the counts `in` for step t into what stays (one step longer in its
 * stage) and what arrives where (time in stage 0); adds what takes each edge
 * to moves[edge] (NULL: the funnel's passes, which count nothing). */
static void propagate(const exact_ctx *x, int t, const double *in, double *stay, double *arrive,
                      double *moves)
{
    const cjm_model *m = x->m;
    memset(stay, 0, (size_t)x->cells * sizeof *stay);
    memset(arrive, 0, (size_t)x->cells * sizeof *arrive);
    for (int g = 0; g < x->G; g++)
        for (int s = 0; s < x->S; s++)
            for (int d = 0; d < x->D; d++) {
                double mass = in[cell(x, g, s, d)], left = mass;
                if (mass == 0) continue;
                if (!m->stages[s].final && d + 1 >= m->stages[s].min_steps)
                    for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) {
                        double f = mass * edge_prob(x, t, g, d, e);
                        arrive[cell(x, g, m->edges[e].to, 0)] += f;
                        if (moves) moves[e] += f;
                        left -= f;
                    }
                stay[cell(x, g, s, d + 1 < x->D ? d + 1 : d)] += left;
            }
}

/* Customers of source q, segment g entering stage s at step t in a phase. */
static void count_entries(exact_ctx *x, int q, int phase, int g, int s, int t, double a)
{
    const cjm_tally_layout *l = &x->lay;
    int gm = l->GM > 1 ? g : 0, k = x->m->money_stage[s];
    x->tally[l->entries + cjm_tally_cell(l, q > 0, phase, gm, s)] += a;
    if (k >= 0) x->tally[l->entries_t + cjm_tally_t(l, phase != CJM_PRE, gm, k, t)] += a;
}

/* The expected purchases of a customers of source q, segment g, d steps into
 * stage s in step t (no program: basket level 0). */
static void count_purchases(exact_ctx *x, int q, int phase, int g, int s, int d, int t, double a)
{
    const cjm_tally_layout *l = &x->lay;
    double n = a * cjm_model_purchases(x->m, t, g, s, d, 0);
    int gm = l->GM > 1 ? g : 0, k = x->m->money_stage[s];
    if (n == 0) return;
    x->tally[l->purchases + cjm_tally_purchase(l, 0, q > 0, phase, gm, s)] += n;
    if (k >= 0)
        x->tally[l->purchases_t + cjm_tally_purchase_t(l, 0, phase != CJM_PRE, gm, k, t)] += n;
}

/* Customers of source q, segment g starting step t in stage s in a phase. */
static void count_stay(exact_ctx *x, int q, int phase, int g, int s, int t, double a)
{
    const cjm_tally_layout *l = &x->lay;
    int gm = l->GM > 1 ? g : 0, k = x->m->money_stage[s];
    x->tally[l->steps + cjm_tally_cell(l, q > 0, phase, gm, s)] += a;
    if (k >= 0) x->tally[l->steps_t + cjm_tally_t(l, phase != CJM_PRE, gm, k, t)] += a;
}

static double *w_at(exact_ctx *x, int q, int tau)
{
    return x->w + ((size_t)q * (x->H + 1) + tau) * x->cells;
}

static void convert(exact_ctx *x, int q, int t, int g, int s, double a)
{
    w_at(x, q, t)[cell(x, g, s, 0)] += a;
    x->conv_mass[q * (x->H + 1) + t] += a;
    x->tally[x->lay.converted] += a;
    x->tally[x->lay.converted_src + (q > 0)] += a;
    if (q > 0) x->tally[x->lay.refconv + x->stage_of[q]] += a;
    if (q > 0) x->tally[x->lay.refconv_t + x->stage_of[q] * (x->H + 1) + t] += a;
    count_entries(x, q, CJM_AT, g, s, t, a);
}

/* Customers entering stage s at step t unconverted: they convert on entry
 * if s converts. */
static void enter(exact_ctx *x, int q, int t, int g, int s, double a)
{
    if (a == 0) return;
    if (x->m->stages[s].converts) {
        convert(x, q, t, g, s, a);
        return;
    }
    x->u[(size_t)q * x->cells + cell(x, g, s, 0)] += a;
    count_entries(x, q, CJM_PRE, g, s, t, a);
}

static void inject(exact_ctx *x, int t)
{
    const cjm_model *m = x->m;
    for (int g = 0; g < x->G; g++) {
        enter(x, 0, t, g, 0, x->entering[t] * m->segment_share[g]);
        for (int q = 1; q < x->Q; q++)
            enter(x, q, t, g, m->stages[x->stage_of[q]].refers_to,
                  x->referrals[((size_t)t * x->Q + q) * x->G + g]);
    }
    x->tally[x->lay.arr_prospects + t] += x->entering[t];
}

/* Retention at time t for every conversion time tau <= t. */
static void count_retention(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++)
        for (int tau = 0; tau <= t; tau++) {
            double total = x->conv_mass[q * (x->H + 1) + tau], alive = 0;
            if (total == 0) continue;
            const double *w = w_at(x, q, tau);
            for (int i = 0; i < x->cells; i++)
                if (!x->m->stages[(i / x->D) % x->S].final) alive += w[i];
            x->tally[x->lay.ret_den + t - tau] += total;
            x->tally[x->lay.ret_num + t - tau] += t == tau ? total : alive;
        }
}

static void count_retained(exact_ctx *x)
{
    for (int q = 0; q < x->Q; q++)
        for (int tau = 0; tau <= x->H; tau++) {
            const double *w = w_at(x, q, tau);
            for (int i = 0; i < x->cells; i++)
                if (!x->m->stages[(i / x->D) % x->S].final) x->tally[x->lay.retained] += w[i];
        }
}

/* Per-step amounts, and the referrals made in step t (they enter at t + 1). */
static void count_step(exact_ctx *x, int t, int q, const double *mass, int phase)
{
    const cjm_model *m = x->m;
    for (int i = 0; i < x->cells; i++) {
        if (mass[i] == 0) continue;
        int s = (i / x->D) % x->S, g = i / (x->S * x->D);
        count_stay(x, q, phase, g, s, t, mass[i]);
        if (m->has_purchases) count_purchases(x, q, phase, g, s, i % x->D, t, mass[i]);
        if (m->stages[s].refers <= 0 || t + 1 >= x->H) continue;
        double made = mass[i] * m->stages[s].refers;
        x->tally[x->lay.referred] += made;
        for (int h = 0; h < x->G; h++)
            x->referrals[((size_t)(t + 1) * x->Q + x->source_of[s]) * x->G + h] +=
                made * m->segment_share[h];
    }
}

static void count_steps(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++) {
        count_step(x, t, q, x->u + (size_t)q * x->cells, CJM_PRE);
        for (int tau = 0; tau <= t; tau++)
            if (x->conv_mass[q * (x->H + 1) + tau] != 0)
                count_step(x, t, q, w_at(x, q, tau), tau == t ? CJM_AT : CJM_POST);
    }
}

static void move_unconverted(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++) {
        double *u = x->u + (size_t)q * x->cells;
        propagate(x, t, u, x->stay, x->arrive, x->tally + x->lay.moves);
        memcpy(u, x->stay, (size_t)x->cells * sizeof *u);
        for (int i = 0; i < x->cells; i++)
            if (x->arrive[i] != 0)
                enter(x, q, t + 1, i / (x->S * x->D), (i / x->D) % x->S, x->arrive[i]);
    }
}

static void move_converted(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++)
        for (int tau = 0; tau <= t; tau++) {
            if (x->conv_mass[q * (x->H + 1) + tau] == 0) continue;
            double *w = w_at(x, q, tau);
            propagate(x, t, w, x->stay, x->arrive, x->tally + x->lay.moves);
            for (int i = 0; i < x->cells; i++) {
                w[i] = x->stay[i] + x->arrive[i];
                if (x->arrive[i] != 0)
                    count_entries(x, q, CJM_POST, i / (x->S * x->D), (i / x->D) % x->S, t + 1,
                                  x->arrive[i]);
            }
        }
}

/* Counts entering at step t in the funnel passes: the cohort's arrivals and
 * the referrals the main pass computed. */
static void funnel_inject(exact_ctx *x, int t, int target, double *v, double *reached)
{
    const cjm_model *m = x->m;
    for (int g = 0; g < x->G; g++) {
        double a = x->entering[t] * m->segment_share[g];
        if (target == 0)
            *reached += a;
        else
            v[cell(x, g, 0, 0)] += a;
        for (int q = 1; q < x->Q; q++) {
            int s = m->stages[x->stage_of[q]].refers_to;
            double r = x->referrals[((size_t)t * x->Q + q) * x->G + g];
            if (s == target)
                *reached += r;
            else
                v[cell(x, g, s, 0)] += r;
        }
    }
}

/* Expected number of customers ever entering `target`. */
static double reach_count(exact_ctx *x, int target)
{
    double *v = x->scratch, reached = 0;
    memset(v, 0, (size_t)x->cells * sizeof *v);
    for (int t = 0; t < x->H; t++) {
        funnel_inject(x, t, target, v, &reached);
        propagate(x, t, v, x->stay, x->arrive, NULL);
        for (int i = 0; i < x->cells; i++) {
            if ((i / x->D) % x->S == target) {
                reached += x->arrive[i];
                x->arrive[i] = 0;
            }
            v[i] = x->stay[i] + x->arrive[i];
        }
    }
    return reached;
}

/* Organic prospects arriving at step a who convert by the horizon. */
static double converted_from(exact_ctx *x, int a)
{
    const cjm_model *m = x->m;
    double *v = x->scratch, converted = 0;
    if (x->entering[a] == 0) return 0;
    if (m->stages[0].converts) return x->entering[a];
    memset(v, 0, (size_t)x->cells * sizeof *v);
    for (int g = 0; g < x->G; g++) v[cell(x, g, 0, 0)] = x->entering[a] * m->segment_share[g];
    for (int t = a; t < x->H; t++) {
        propagate(x, t, v, x->stay, x->arrive, NULL);
        for (int i = 0; i < x->cells; i++) {
            if (m->stages[(i / x->D) % x->S].converts) {
                converted += x->arrive[i];
                x->arrive[i] = 0;
            }
            v[i] = x->stay[i] + x->arrive[i];
        }
    }
    return converted;
}

static void ctx_free(exact_ctx *x)
{
    free(x->tally);
    free(x->entering);
    free(x->source_of);
    free(x->stage_of);
    free(x->u);
    free(x->w);
    free(x->conv_mass);
    free(x->referrals);
    free(x->stay);
    free(x->arrive);
    free(x->scratch);
}

static void index_sources(exact_ctx *x)
{
    x->Q = 1;
    for (int s = 0; s < x->S; s++) {
        x->source_of[s] = x->m->stages[s].refers > 0 ? x->Q : 0;
        if (x->source_of[s]) x->stage_of[x->Q++] = s;
    }
}

static int ctx_make(exact_ctx *x, const cjm_model *m, const cjm_result *r)
{
    memset(x, 0, sizeof *x);
    x->m = m;
    x->S = m->stage_count;
    x->G = m->segment_count;
    x->H = r->horizon;
    x->D = cjm_model_dwell_cells(m, x->H);
    x->cells = x->S * x->G * x->D;
    x->lay = cjm_tally_layout_make(m, x->H);
    x->source_of = calloc((size_t)x->S, sizeof *x->source_of);
    x->stage_of = calloc((size_t)x->S + 1, sizeof *x->stage_of);
    if (!x->source_of || !x->stage_of) return 0;
    index_sources(x);
    size_t q = (size_t)x->Q;
    x->tally = calloc((size_t)x->lay.width, sizeof *x->tally);
    x->entering = calloc((size_t)x->H, sizeof *x->entering);
    x->u = calloc(q * x->cells, sizeof *x->u);
    x->w = calloc(q * (x->H + 1) * x->cells, sizeof *x->w);
    x->conv_mass = calloc(q * (x->H + 1), sizeof *x->conv_mass);
    x->referrals = calloc((size_t)(x->H + 1) * q * x->G, sizeof *x->referrals);
    x->stay = calloc((size_t)x->cells, sizeof *x->stay);
    x->arrive = calloc((size_t)x->cells, sizeof *x->arrive);
    x->scratch = calloc((size_t)x->cells, sizeof *x->scratch);
    return x->tally && x->entering && x->u && x->w && x->conv_mass && x->referrals && x->stay &&
           x->arrive && x->scratch;
}

static void main_pass(exact_ctx *x)
{
    for (int t = 0; t <= x->H; t++) {
        if (t < x->H) inject(x, t);
        count_retention(x, t);
        if (t == x->H) break;
        count_steps(x, t);
        move_converted(x, t);
        move_unconverted(x, t);
    }
    count_retained(x);
}

static cjm_status exact_run(const cjm_model *m, cjm_result *r, int run, cjm_error *err)
{
    exact_ctx x;
    if (m->per_customer_count > 0)
        return cjm_model_refuse_per_customer(m, "the exact engine cannot compute", err);
    if (m->loyalty.present)
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s:%d: loyalty: the exact engine does not compute loyalty programs "
                             "yet; use --engine agent",
                             m->file, m->loyalty.line);
    if (!ctx_make(&x, m, r)) {
        ctx_free(&x);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for the exact engine");
    }
    int64_t customers = cjm_result_customers(r, m);
    cjm_result_arrivals(r, m, x.entering);
    main_pass(&x);
    for (int s = 0; s < x.S; s++) x.tally[x.lay.reached + s] = reach_count(&x, s);
    for (int a = 0; a < x.H; a++)
        x.tally[x.lay.arr_converted + a] = m->has_arrivals || a == 0 ? converted_from(&x, a) : 0;
    cjm_status st = cjm_result_set_run(r, run, x.tally, m, customers, err);
    ctx_free(&x);
    return st;
}

/* With uncertain inputs, the exact values of each run's draw: the spread
 * across runs is then the inputs' uncertainty alone. */
cjm_status cjm_engine_exact(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    if (m->uncertain_count == 0) return exact_run(m, r, 0, err);
    cjm_status st = CJM_OK;
    for (int run = r->run_from; st == CJM_OK && run < r->run_to; run++) {
        cjm_model *inst;
        st = cjm_result_instance(r, run, &inst, err);
        if (st == CJM_OK) st = exact_run(inst, r, run, err);
        cjm_model_free(&inst);
    }
    return st;
}
