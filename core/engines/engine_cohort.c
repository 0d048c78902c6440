/* engine_cohort.c: simulates counts of customers, not customers.
 *
 * The state is the exact engine's (engine_exact.c), with whole numbers in
 * place of expected values: how many customers sit in each (segment, stage,
 * time in stage) cell, the unconverted apart from those converted at each
 * time tau, each source apart. Each step, the customers of a cell leave by
 * the stage's edges or stay as one multinomial draw (cjm_sample_multinomial:
 * sequential binomials, exact in distribution, cost independent of the
 * count), with the probabilities the agent engine uses at (t, segment, time
 * in stage) and respecting min_steps. Arrivals are the model's whole numbers,
 * split over segments by a multinomial over the shares. The referrals made by
 * n customers of a referring stage in one step are one Poisson(n x rate) draw
 * (a sum of independent Poissons is Poisson), split over segments likewise.
 * Customers of the same cell are exchangeable and move independently, so each
 * step's counts have exactly the distribution the agent engine's customers
 * give them, given the previous step's: every count in the tally has the
 * agent engine's distribution, and the cost of a step does not depend on
 * the cohort size.
 *
 * Organic customers who have not converted are also kept apart by their
 * arrival step (when there are arrivals), so conversion by arrival step comes
 * from the same cohort as everything else. Customers who enter a final stage
 * leave the cells: their remaining steps (and, for a final stage that refers,
 * their count for the referral draws) are booked when they enter.
 *
 * The funnel ("ever entered stage x") is not a function of the cell counts.
 * For each stage x the engine also keeps how many customers of each
 * (segment, stage, time in stage) cell have already been in x. Customers of a
 * cell are exchangeable and move independently, so given how many of the
 * cell's N customers took each way out (the moves just drawn, summed over
 * the cell's slices), which of them they were is a uniformly random choice:
 * the F who have been in x split over the ways out as a multivariate
 * hypergeometric draw (sequential hypergeometrics, cjm_sample_hypergeometric
 * below, exact in distribution, cost independent of the counts). Each
 * stage's reach therefore has exactly the agent engine's distribution
 * jointly with the cells' counts, the referrals and so the prospects (the
 * funnel's denominator). What is not joint: the reaches of two stages are
 * drawn independently given the counts, and a reach is not conditioned on
 * the split of a cell into slices (converted or not, by source). When one
 * stage converts (the usual case), its reach is the conversions themselves.
 *
 * Per-customer probabilities (cjm.per_customer) make customers of one cell
 * differ: they need the agent engine, and this engine refuses them.
 *
 * Runs are independent: a pool of threads takes them one at a time. Run r
 * draws from the streams (seed, r, purpose) (purpose 0: the moves, arrivals
 * and referrals; 1: the funnel) and writes only its own row of totals, so the
 * output is the same, byte for byte, for any number of threads.
 *
 * Cost per run: O(H^2 G S D E) for the moves (skipping empty cells and
 * slices with nobody left outside a final stage) and O(S H G S D E) for the
 * funnel, as for the exact engine; D = H when a probability reads c.dwell or
 * a stage has min_steps, else 1. */
#include "result.h"
#include "rng.h"
#include "sample.h"
#include "special.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The agent engine stops referrals at 64 referred prospects per customer of a
 * block of 4096; the same bound here, over the run. */
#define REFERRALS_PER_CUSTOMER 64
#define REFERRAL_BLOCK 4096
#define STREAM_KEY 0x5be0cd19137e2179ULL

typedef struct cohort_ctx {
    const cjm_model *m; /* the run's model: the base, or the run's instance */
    const cjm_result *r;
    int S, G, H, D, Q, A; /* D: time-in-stage cells; Q: sources; A: arrival slices */
    int cells, max_edges;
    int converts; /* the only converting stage, or -1 */
    cjm_tally_layout lay;
    int64_t *tally;
    uint64_t *entering;  /* [H]: organic prospects arriving at step t */
    double *scratch;     /* [max(H, width)]: arrivals as doubles, then the tally as doubles */
    double *shares;      /* [G]: segment shares, normalised (the last is the remainder) */
    int *stage_of;       /* [Q]: the referring stage of source q (q > 0) */
    uint64_t *u;         /* [A + Q - 1][cells]: unconverted; slice a < A organic arriving
                            at a (one slice if nobody arrives after step 0), A + q - 1 referred
                            by stage_of[q] */
    uint64_t *u_alive;   /* [A + Q - 1]: their totals */
    uint64_t *w;         /* [CJM_SOURCES][H + 1][cells]: converted at tau, outside final stages */
    uint64_t *w_alive;   /* [CJM_SOURCES][H + 1]: their totals */
    uint64_t *conv;      /* [H + 1]: converted at tau, every source */
    uint64_t *refin;     /* [H + 1][Q][G]: referred prospects entering at step t */
    uint64_t *absorbed;  /* [S][G]: customers in a final stage that refers */
    int64_t *absorbed_t; /* [class][GM][K][H + 1]: their steps by step, as differences */
    uint64_t *refcount;  /* [S][G]: customers in stage s during the step */
    uint64_t *next;      /* [cells]: a slice after the step */
    uint64_t *agg;       /* [cells][max_edges + 2]: this step's customers of each cell over
                            every slice, then how many took each way out (the last: stayed) */
    uint64_t *seen;      /* [S][cells]: of them, those who have been in stage x */
    uint64_t *reach;     /* [S]: customers who have entered stage x */
    uint64_t *seg;       /* [G] */
    uint64_t *split;     /* [max_edges + 1] */
    double *probs;       /* [max_edges] */
    cjm_rng funnel;      /* the funnel's stream */
    int64_t referred, referral_limit;
    int overflow;
} cohort_ctx;

static int cell(const cohort_ctx *x, int g, int s, int d)
{
    return (g * x->S + s) * x->D + d;
}

static int cell_stage(const cohort_ctx *x, int i)
{
    return (i / x->D) % x->S;
}

static uint64_t *u_at(cohort_ctx *x, int i)
{
    return x->u + (size_t)i * x->cells;
}

static uint64_t *w_at(cohort_ctx *x, int src, int tau)
{
    return x->w + ((size_t)src * (x->H + 1) + tau) * x->cells;
}

static int money_segment(const cohort_ctx *x, int g)
{
    return x->lay.GM > 1 ? g : 0;
}

/* n customers of source src, segment g enter stage s at step t in a phase. */
static void count_entries(cohort_ctx *x, int src, int phase, int g, int s, int t, uint64_t n)
{
    const cjm_tally_layout *l = &x->lay;
    int gm = money_segment(x, g), k = x->m->money_stage[s];
    x->tally[l->entries + cjm_tally_cell(l, src, phase, gm, s)] += (int64_t)n;
    if (k >= 0) x->tally[l->entries_t + cjm_tally_t(l, phase != CJM_PRE, gm, k, t)] += (int64_t)n;
}

/* n customers of source src, segment g start step t in stage s in a phase. */
static void count_stay(cohort_ctx *x, int src, int phase, int g, int s, int t, uint64_t n)
{
    const cjm_tally_layout *l = &x->lay;
    int gm = money_segment(x, g), k = x->m->money_stage[s];
    x->tally[l->steps + cjm_tally_cell(l, src, phase, gm, s)] += (int64_t)n;
    if (k >= 0) x->tally[l->steps_t + cjm_tally_t(l, phase != CJM_PRE, gm, k, t)] += (int64_t)n;
}

/* The cell the customers who stay in (g, s, d) move to. */
static int stay_cell(const cohort_ctx *x, int i)
{
    int d = i % x->D;
    return x->m->stages[cell_stage(x, i)].final || d + 1 >= x->D ? i : i + 1;
}

/* The ways out of cell i in a step: its stage's edges, or none (final, or
 * min_steps not yet spent). */
static int ways_out(const cohort_ctx *x, int i)
{
    const cjm_model *m = x->m;
    int s = cell_stage(x, i), d = i % x->D;
    if (m->stages[s].final || d + 1 < m->stages[s].min_steps) return 0;
    return m->edge_start[s + 1] - m->edge_start[s];
}

static uint64_t *agg_at(cohort_ctx *x, int i)
{
    return x->agg + (size_t)i * (x->max_edges + 2);
}

/* Draws how the n customers of cell i move in step t: split[j] leave by the
 * stage's j-th edge, split[k] stay. Returns k (0 if nobody can leave). The
 * moves are added to the cell's totals over slices, for the funnel, and to
 * the edges' counts. */
static int draw_moves(cohort_ctx *x, cjm_rng *rng, int t, int i, uint64_t n)
{
    const cjm_model *m = x->m;
    int s = cell_stage(x, i), g = i / (x->S * x->D), d = i % x->D;
    int first = m->edge_start[s], k = ways_out(x, i);
    if (k == 0) {
        x->split[0] = n;
    } else {
        for (int j = 0; j < k; j++) {
            const cjm_edge *edge = &m->edges[first + j];
            double p = cjm_model_prob(m, t, g, first + j);
            if (edge->dwell_index >= 0) p *= cjm_model_dwell_prob(m, edge->dwell_index, t, g, d);
            x->probs[j] = p;
        }
        cjm_sample_multinomial(rng, n, (size_t)k, x->probs, x->split);
    }
    uint64_t *agg = agg_at(x, i);
    agg[0] += n;
    for (int j = 0; j <= k; j++) agg[1 + j] += x->split[j];
    for (int j = 0; j < k; j++) x->tally[x->lay.moves + first + j] += (int64_t)x->split[j];
    return k;
}

/* n prospects over the segments, by their shares, into x->seg. */
static void draw_segments(cohort_ctx *x, cjm_rng *rng, uint64_t n)
{
    cjm_sample_multinomial(rng, n, (size_t)x->G - 1, x->shares, x->seg);
}

/* n customers of segment g enter final stage s at step t for good: their
 * steps to the horizon (the first in `phase`, the rest after conversion if
 * converted); those by step go into a difference array, summed at the end. */
static void absorb(cohort_ctx *x, int src, int phase, int g, int s, int t, uint64_t n)
{
    if (t >= x->H) return;
    const cjm_tally_layout *l = &x->lay;
    int later = phase == CJM_AT ? CJM_POST : phase, gm = money_segment(x, g);
    int k = x->m->money_stage[s];
    x->tally[l->steps + cjm_tally_cell(l, src, phase, gm, s)] += (int64_t)n;
    x->tally[l->steps + cjm_tally_cell(l, src, later, gm, s)] += (int64_t)n * (x->H - t - 1);
    if (k >= 0) {
        x->absorbed_t[cjm_tally_t(l, phase != CJM_PRE, gm, k, t)] += (int64_t)n;
        x->absorbed_t[cjm_tally_t(l, phase != CJM_PRE, gm, k, x->H)] -= (int64_t)n;
    }
    if (x->m->stages[s].refers > 0) x->absorbed[(size_t)s * x->G + g] += n;
}

/* The steps of customers absorbed in final stages, by step, into the tally. */
static void count_absorbed(cohort_ctx *x)
{
    const cjm_tally_layout *l = &x->lay;
    for (int row = 0; row < 2 * l->GM * l->K; row++) {
        int64_t run = 0, *d = x->absorbed_t + (size_t)row * (x->H + 1);
        for (int t = 0; t < x->H; t++) {
            run += d[t];
            x->tally[l->steps_t + row * (x->H + 1) + t] += run;
        }
    }
}

/* n customers of unconverted slice i convert on entering stage s at step t. */
static void convert(cohort_ctx *x, int i, int t, int g, int s, uint64_t n)
{
    int src = i < x->A ? CJM_ORGANIC : CJM_REFERRED;
    x->tally[x->lay.converted] += (int64_t)n;
    x->tally[x->lay.converted_src + src] += (int64_t)n;
    if (src == CJM_REFERRED) {
        int q = x->stage_of[i - x->A + 1];
        x->tally[x->lay.refconv + q] += (int64_t)n;
        x->tally[x->lay.refconv_t + q * (x->H + 1) + t] += (int64_t)n;
    } else {
        x->tally[x->lay.arr_converted + i] += (int64_t)n;
    }
    count_entries(x, src, CJM_AT, g, s, t, n);
    x->conv[t] += n;
    if (x->m->stages[s].final) {
        absorb(x, src, CJM_AT, g, s, t, n);
        return;
    }
    w_at(x, src, t)[cell(x, g, s, 0)] += n;
    x->w_alive[src * (x->H + 1) + t] += n;
}

/* n customers of unconverted slice i enter stage s at step t; those who stay
 * unconverted go into dst (the slice's cells), counted in *alive. */
static void enter(cohort_ctx *x, int i, int t, int g, int s, uint64_t n, uint64_t *dst,
                  uint64_t *alive)
{
    if (n == 0) return;
    const cjm_stage *st = &x->m->stages[s];
    if (st->converts) {
        convert(x, i, t, g, s, n);
        return;
    }
    int src = i < x->A ? CJM_ORGANIC : CJM_REFERRED;
    count_entries(x, src, CJM_PRE, g, s, t, n);
    if (st->final) {
        absorb(x, src, CJM_PRE, g, s, t, n);
        return;
    }
    dst[cell(x, g, s, 0)] += n;
    *alive += n;
}

static int refers_to(const cohort_ctx *x, int q)
{
    return x->m->stages[x->stage_of[q]].refers_to;
}

/* n new prospects enter stage s in segment g: they have been in s. */
static void seen_arrive(cohort_ctx *x, int g, int s, uint64_t n)
{
    x->reach[s] += n;
    x->seen[(size_t)s * x->cells + cell(x, g, s, 0)] += n;
}

static void inject(cohort_ctx *x, cjm_rng *rng, int t)
{
    int a = x->A > 1 ? t : 0;
    draw_segments(x, rng, x->entering[t]);
    for (int g = 0; g < x->G; g++) {
        enter(x, a, t, g, 0, x->seg[g], u_at(x, a), &x->u_alive[a]);
        seen_arrive(x, g, 0, x->seg[g]);
    }
    x->tally[x->lay.arr_prospects + t] += (int64_t)x->entering[t];
    for (int q = 1; q < x->Q; q++) {
        int i = x->A + q - 1, s = refers_to(x, q);
        for (int g = 0; g < x->G; g++) {
            uint64_t n = x->refin[((size_t)t * x->Q + q) * x->G + g];
            enter(x, i, t, g, s, n, u_at(x, i), &x->u_alive[i]);
            seen_arrive(x, g, s, n);
        }
    }
}

/* Retention at time t for every conversion time tau <= t. */
static void count_retention(cohort_ctx *x, int t)
{
    for (int tau = 0; tau <= t; tau++) {
        uint64_t total = x->conv[tau];
        if (total == 0) continue;
        uint64_t alive = x->w_alive[tau] + x->w_alive[(x->H + 1) + tau];
        x->tally[x->lay.ret_den + t - tau] += (int64_t)total;
        x->tally[x->lay.ret_num + t - tau] += (int64_t)(t == tau ? total : alive);
    }
}

/* The purchases of n customers of a cell in step t: one Poisson draw of n
 * times the rate (a sum of independent Poissons), at basket level 0. */
static void count_purchases(cohort_ctx *x, cjm_rng *rng, int src, int phase, int g, int s, int d,
                            int t, uint64_t n)
{
    const cjm_tally_layout *l = &x->lay;
    double rate = cjm_model_purchases(x->m, t, g, s, d, 0);
    if (rate <= 0) return;
    int64_t k = (int64_t)cjm_sample_poisson(rng, rate * (double)n);
    int gm = money_segment(x, g), ks = x->m->money_stage[s];
    x->tally[l->purchases + cjm_tally_purchase(l, 0, src, phase, gm, s)] += k;
    if (ks >= 0)
        x->tally[l->purchases_t + cjm_tally_purchase_t(l, 0, phase != CJM_PRE, gm, ks, t)] += k;
}

static void count_slice(cohort_ctx *x, cjm_rng *rng, const uint64_t *mass, int src, int phase,
                        int t)
{
    for (int i = 0; i < x->cells; i++) {
        if (mass[i] == 0) continue;
        int s = cell_stage(x, i), g = i / (x->S * x->D);
        count_stay(x, src, phase, g, s, t, mass[i]);
        if (x->m->has_purchases) count_purchases(x, rng, src, phase, g, s, i % x->D, t, mass[i]);
        x->refcount[(size_t)s * x->G + g] += mass[i];
    }
}

/* n customers of segment g (g < 0: of every segment) at rate `rate` refer
 * one Poisson number of prospects into out (the row of their source): of
 * segment g when the stage says "same", else drawn by the shares. Returns 0
 * if they grow without bound. */
static int refer_some(cohort_ctx *x, cjm_rng *rng, uint64_t n, double rate, int g, bool same,
                      uint64_t *out)
{
    if (n == 0) return 1;
    double lambda = (double)n * rate;
    if (lambda > (double)x->referral_limit) return 0;
    uint64_t k = cjm_sample_poisson(rng, lambda);
    x->referred += (int64_t)k;
    if (x->referred > x->referral_limit) return 0;
    if (same) {
        out[g] += k;
        return 1;
    }
    draw_segments(x, rng, k);
    for (int h = 0; h < x->G; h++) out[h] += x->seg[h];
    return 1;
}

/* The referrals that count[s][g] customers of each referring stage make in
 * step t: they enter at step t + 1 (before the horizon) into out[q][g]. A
 * rate the same for every segment, drawn by the shares, is one draw for
 * the stage. Returns 0 if they grow without bound. */
static int draw_referrals(cohort_ctx *x, cjm_rng *rng, int t, const uint64_t *count, uint64_t *out)
{
    if (t + 1 >= x->H) return 1;
    for (int q = 1; q < x->Q; q++) {
        int s = x->stage_of[q], G = x->G;
        const uint64_t *n = count + (size_t)s * G;
        bool same = x->m->stages[s].refers_same, flat = !same;
        uint64_t total = 0;
        for (int g = 0; g < G; g++) {
            total += n[g];
            flat &= cjm_model_refers(x->m, t, g, s) == cjm_model_refers(x->m, t, 0, s);
        }
        if (flat && !refer_some(x, rng, total, cjm_model_refers(x->m, t, 0, s), -1, false,
                                out + (size_t)q * G))
            return 0;
        for (int g = 0; !flat && g < G; g++)
            if (!refer_some(x, rng, n[g], cjm_model_refers(x->m, t, g, s), g, same,
                            out + (size_t)q * G))
                return 0;
    }
    return 1;
}

/* Per-step amounts, and the referrals made in step t. */
static void count_steps(cohort_ctx *x, cjm_rng *rng, int t)
{
    memcpy(x->refcount, x->absorbed, (size_t)x->S * x->G * sizeof *x->refcount);
    for (int i = 0; i < x->A + x->Q - 1; i++)
        if (x->u_alive[i])
            count_slice(x, rng, u_at(x, i), i < x->A ? CJM_ORGANIC : CJM_REFERRED, CJM_PRE, t);
    for (int src = 0; src < CJM_SOURCES; src++)
        for (int tau = 0; tau <= t; tau++)
            if (x->w_alive[src * (x->H + 1) + tau])
                count_slice(x, rng, w_at(x, src, tau), src, tau == t ? CJM_AT : CJM_POST, t);
    if (x->Q == 1) return;
    uint64_t *out = x->refin + (size_t)(t + 1) * x->Q * x->G;
    if (!draw_referrals(x, rng, t, x->refcount, out)) x->overflow = 1;
    x->tally[x->lay.referred] = x->referred;
}

static void move_converted(cohort_ctx *x, cjm_rng *rng, int t)
{
    const cjm_model *m = x->m;
    for (int src = 0; src < CJM_SOURCES; src++)
        for (int tau = 0; tau <= t; tau++) {
            uint64_t *alive = &x->w_alive[src * (x->H + 1) + tau];
            if (*alive == 0) continue;
            uint64_t *w = w_at(x, src, tau), *next = x->next;
            memset(next, 0, (size_t)x->cells * sizeof *next);
            *alive = 0;
            for (int i = 0; i < x->cells; i++) {
                if (w[i] == 0) continue;
                int k = draw_moves(x, rng, t, i, w[i]), g = i / (x->S * x->D);
                int first = m->edge_start[cell_stage(x, i)];
                next[stay_cell(x, i)] += x->split[k];
                *alive += x->split[k];
                for (int j = 0; j < k; j++) {
                    uint64_t n = x->split[j];
                    if (n == 0) continue;
                    int to = m->edges[first + j].to;
                    count_entries(x, src, CJM_POST, g, to, t + 1, n);
                    if (m->stages[to].final) {
                        absorb(x, src, CJM_POST, g, to, t + 1, n);
                        continue;
                    }
                    next[cell(x, g, to, 0)] += n;
                    *alive += n;
                }
            }
            memcpy(w, next, (size_t)x->cells * sizeof *w);
        }
}

static void move_unconverted(cohort_ctx *x, cjm_rng *rng, int t)
{
    const cjm_model *m = x->m;
    for (int i = 0; i < x->A + x->Q - 1; i++) {
        uint64_t *alive = &x->u_alive[i];
        if (*alive == 0) continue;
        uint64_t *u = u_at(x, i), *next = x->next;
        memset(next, 0, (size_t)x->cells * sizeof *next);
        *alive = 0;
        for (int c = 0; c < x->cells; c++) {
            if (u[c] == 0) continue;
            int k = draw_moves(x, rng, t, c, u[c]), g = c / (x->S * x->D);
            int first = m->edge_start[cell_stage(x, c)];
            next[stay_cell(x, c)] += x->split[k];
            *alive += x->split[k];
            for (int j = 0; j < k; j++)
                enter(x, i, t + 1, g, m->edges[first + j].to, x->split[j], next, alive);
        }
        memcpy(u, next, (size_t)x->cells * sizeof *u);
    }
}

static void count_retained(cohort_ctx *x)
{
    for (int i = 0; i < CJM_SOURCES * (x->H + 1); i++)
        x->tally[x->lay.retained] += (int64_t)x->w_alive[i];
}

/* After the moves of step t: for every stage x, how the customers of each
 * cell who have been in x went (a multivariate hypergeometric draw given the
 * cell's moves), and who entered x for the first time. */
static void funnel_step(cohort_ctx *x)
{
    const cjm_model *m = x->m;
    for (int target = 0; target < x->S; target++) {
        if (target == x->converts) continue; /* its reach is the conversions */
        uint64_t *seen = x->seen + (size_t)target * x->cells, *next = x->next;
        memset(next, 0, (size_t)x->cells * sizeof *next);
        for (int i = 0; i < x->cells; i++) {
            const uint64_t *agg = agg_at(x, i);
            uint64_t n = agg[0], f = seen[i];
            if (n == 0) continue;
            int k = ways_out(x, i), g = i / (x->S * x->D);
            int first = m->edge_start[cell_stage(x, i)];
            for (int j = 0; j <= k; j++) {
                uint64_t moved = agg[1 + j];
                uint64_t fj = j == k   ? f
                              : f == n ? moved
                              : f == 0 ? 0
                                       : cjm_sample_hypergeometric(&x->funnel, n, moved, f);
                n -= moved;
                f -= fj;
                if (j == k) {
                    next[stay_cell(x, i)] += fj;
                    break;
                }
                int to = m->edges[first + j].to;
                if (to == target) {
                    x->reach[target] += moved - fj;
                    fj = moved;
                }
                if (!m->stages[to].final) next[cell(x, g, to, 0)] += fj;
            }
        }
        memcpy(seen, next, (size_t)x->cells * sizeof *seen);
    }
}

static void main_pass(cohort_ctx *x, cjm_rng *rng)
{
    for (int t = 0; t <= x->H && !x->overflow && !cjm_cancel_requested(x->r->settings.cancel);
         t++) {
        if (t < x->H) inject(x, rng, t);
        count_retention(x, t);
        if (t == x->H) break;
        count_steps(x, rng, t);
        memset(x->agg, 0, (size_t)x->cells * (x->max_edges + 2) * sizeof *x->agg);
        move_converted(x, rng, t);
        move_unconverted(x, rng, t);
        funnel_step(x);
    }
    count_retained(x);
}

static void ctx_free(cohort_ctx *x)
{
    free(x->tally);
    free(x->entering);
    free(x->scratch);
    free(x->shares);
    free(x->stage_of);
    free(x->u);
    free(x->u_alive);
    free(x->w);
    free(x->w_alive);
    free(x->conv);
    free(x->refin);
    free(x->absorbed);
    free(x->absorbed_t);
    free(x->refcount);
    free(x->next);
    free(x->agg);
    free(x->seen);
    free(x->reach);
    free(x->seg);
    free(x->split);
    free(x->probs);
}

/* Buffers for the runs of one thread, sized by the base model (an instance
 * has the same stages, segments, edges and arrivals). */
static int ctx_make(cohort_ctx *x, const cjm_model *m, const cjm_result *r)
{
    memset(x, 0, sizeof *x);
    x->r = r;
    x->S = m->stage_count;
    x->G = m->segment_count;
    x->H = r->horizon;
    x->D = cjm_model_dwell_cells(m, x->H);
    x->cells = x->S * x->G * x->D;
    x->lay = cjm_tally_layout_make(m, x->H);
    x->Q = 1;
    x->stage_of = calloc((size_t)x->S + 1, sizeof *x->stage_of);
    if (!x->stage_of) return 0;
    for (int s = 0; s < x->S; s++) {
        if (m->stages[s].refers > 0) x->stage_of[x->Q++] = s;
        int k = m->edge_start[s + 1] - m->edge_start[s];
        if (k > x->max_edges) x->max_edges = k;
    }
    x->converts = -1;
    for (int s = 0, count = 0; s < x->S; s++)
        if (m->stages[s].converts) x->converts = ++count == 1 ? s : -1;
    x->A = 1;
    for (int t = 1; t < x->H; t++)
        if (m->arrivals[t] > 0) x->A = x->H;
    size_t slices = (size_t)x->A + x->Q - 1, cells = (size_t)x->cells;
    size_t G = (size_t)x->G, H1 = (size_t)x->H + 1;
    x->tally = malloc((size_t)x->lay.width * sizeof *x->tally);
    x->entering = malloc((size_t)x->H * sizeof *x->entering);
    x->scratch = malloc((size_t)(x->H > x->lay.width ? x->H : x->lay.width) * sizeof *x->scratch);
    x->shares = malloc(G * sizeof *x->shares);
    x->u = malloc(slices * cells * sizeof *x->u);
    x->u_alive = malloc(slices * sizeof *x->u_alive);
    x->w = malloc(CJM_SOURCES * H1 * cells * sizeof *x->w);
    x->w_alive = malloc(CJM_SOURCES * H1 * sizeof *x->w_alive);
    x->conv = malloc(H1 * sizeof *x->conv);
    x->refin = malloc(H1 * x->Q * G * sizeof *x->refin);
    x->absorbed = malloc((size_t)x->S * x->G * sizeof *x->absorbed);
    x->absorbed_t = malloc(2 * (size_t)x->lay.GM * x->lay.K * H1 * sizeof *x->absorbed_t + 1);
    x->refcount = malloc((size_t)x->S * x->G * sizeof *x->refcount);
    x->next = malloc(cells * sizeof *x->next);
    x->agg = malloc(cells * ((size_t)x->max_edges + 2) * sizeof *x->agg);
    x->seen = malloc((size_t)x->S * cells * sizeof *x->seen);
    x->reach = malloc((size_t)x->S * sizeof *x->reach);
    x->seg = malloc(G * sizeof *x->seg);
    x->split = malloc(((size_t)x->max_edges + 1) * sizeof *x->split);
    x->probs = malloc(((size_t)x->max_edges + 1) * sizeof *x->probs);
    return x->tally && x->entering && x->scratch && x->shares && x->u && x->u_alive && x->w &&
           x->w_alive && x->conv && x->refin && x->absorbed && x->absorbed_t && x->refcount &&
           x->next && x->agg && x->seen && x->reach && x->seg && x->split && x->probs;
}

/* Clears the state for one run of model m (the base or an instance). */
static void ctx_reset(cohort_ctx *x, const cjm_model *m)
{
    size_t slices = (size_t)x->A + x->Q - 1, cells = (size_t)x->cells;
    size_t H1 = (size_t)x->H + 1;
    x->m = m;
    memset(x->tally, 0, (size_t)x->lay.width * sizeof *x->tally);
    memset(x->u, 0, slices * cells * sizeof *x->u);
    memset(x->u_alive, 0, slices * sizeof *x->u_alive);
    memset(x->w, 0, CJM_SOURCES * H1 * cells * sizeof *x->w);
    memset(x->w_alive, 0, CJM_SOURCES * H1 * sizeof *x->w_alive);
    memset(x->conv, 0, H1 * sizeof *x->conv);
    memset(x->refin, 0, H1 * x->Q * x->G * sizeof *x->refin);
    memset(x->absorbed, 0, (size_t)x->S * x->G * sizeof *x->absorbed);
    memset(x->absorbed_t, 0, 2 * (size_t)x->lay.GM * x->lay.K * H1 * sizeof *x->absorbed_t);
    memset(x->seen, 0, (size_t)x->S * cells * sizeof *x->seen);
    memset(x->reach, 0, (size_t)x->S * sizeof *x->reach);
    cjm_result_arrivals(x->r, m, x->scratch);
    for (int t = 0; t < x->H; t++) x->entering[t] = (uint64_t)x->scratch[t];
    double total = 0;
    for (int g = 0; g < x->G; g++) total += m->segment_share[g];
    for (int g = 0; g < x->G; g++) x->shares[g] = total > 0 ? m->segment_share[g] / total : 0;
    int64_t customers = cjm_result_customers(x->r, m);
    int64_t blocks = (customers + REFERRAL_BLOCK - 1) / REFERRAL_BLOCK;
    x->referral_limit = REFERRALS_PER_CUSTOMER * REFERRAL_BLOCK * blocks;
    x->referred = 0;
    x->overflow = 0;
}

static cjm_status overflow_error(const cohort_ctx *x, cjm_error *err)
{
    return cjm_error_set(err, CJM_ESCENARIO,
                         "%s: referrals grow without bound: more than %lld referred prospects "
                         "from %lld customers (each customer brings more than one more); lower "
                         "the refers rates",
                         x->m->file, (long long)x->referral_limit,
                         (long long)cjm_result_customers(x->r, x->m));
}

/* A program nobody can join (join = 0 at every step, segment and stage). */
static bool nobody_joins(const cohort_ctx *x, const cjm_model *m)
{
    for (size_t i = 0; i < (size_t)x->H * x->G * x->S; i++)
        if (m->loyalty.join[i] > 0) return false;
    return true;
}

/* With a program nobody joins, every converted customer is of class 0
 * (never joined): its counts at and after conversion are the tally's (the
 * agent engine's class steps are those outside final stages). */
static void count_class_zero(cohort_ctx *x, const cjm_model *m)
{
    const cjm_tally_layout *l = &x->lay;
    x->tally[l->class_n] = x->tally[l->converted];
    x->tally[l->class_retained] = x->tally[l->retained];
    for (int s = 0; s < x->S; s++) {
        int k = m->money_stage[s];
        if (k < 0) continue;
        for (int src = 0; src < CJM_SOURCES; src++)
            for (int ph = CJM_AT; ph <= CJM_POST; ph++)
                for (int gm = 0; gm < l->GM; gm++) {
                    int c = cjm_tally_cell(l, src, ph, gm, s);
                    x->tally[l->class_counts + cjm_tally_class(l, 0, gm, 0, k)] +=
                        x->tally[l->entries + c];
                    if (!m->stages[s].final)
                        x->tally[l->class_counts + cjm_tally_class(l, 0, gm, 1, k)] +=
                            x->tally[l->steps + c];
                    if (m->has_purchases)
                        x->tally[l->class_counts + cjm_tally_class(l, 0, gm, 2, k)] +=
                            x->tally[l->purchases + cjm_tally_purchase(l, 0, src, ph, gm, s)];
                }
    }
}

/* One run of model m into row `run` of the result. */
static cjm_status cohort_run(cohort_ctx *x, cjm_result *r, const cjm_model *m, int run,
                             cjm_error *err)
{
    uint64_t seed = r->settings.seed ^ STREAM_KEY;
    if (m->loyalty.present && !nobody_joins(x, m))
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s:%d: loyalty: the cohort engine does not simulate loyalty programs "
                             "(docs/loyalty.md, \"Engines\"); use --engine agent or exact",
                             m->file, m->loyalty.line);
    ctx_reset(x, m);
    cjm_rng rng;
    cjm_rng_stream(&rng, seed, (uint64_t)run, 0);
    cjm_rng_stream(&x->funnel, seed, (uint64_t)run, 1);
    main_pass(x, &rng);
    if (x->overflow) return overflow_error(x, err);
    count_absorbed(x);
    if (m->loyalty.present) count_class_zero(x, m);
    for (int s = 0; s < x->S; s++)
        x->tally[x->lay.reached + s] =
            s == x->converts ? x->tally[x->lay.converted] : (int64_t)x->reach[s];
    for (int i = 0; i < x->lay.width; i++) x->scratch[i] = (double)x->tally[i];
    return cjm_result_set_run(r, run, x->scratch, m, cjm_result_customers(r, m), err);
}

/* The runs, shared by the threads. The error kept is that of the lowest run
 * that failed: every run below the first failure is taken before the workers
 * stop, so that is the same for any number of threads. */
typedef struct cohort_job {
    const cjm_model *m;
    cjm_result *r;
    atomic_int next_run;
    atomic_int stop;
    pthread_mutex_t lock;
    int failed_run; /* -1: a thread could not start its buffers */
    cjm_status status;
    cjm_error err;
} cohort_job;

static void job_fail(cohort_job *job, int run, cjm_status st, const cjm_error *err)
{
    pthread_mutex_lock(&job->lock);
    if (job->status == CJM_OK || run < job->failed_run) {
        job->status = st;
        job->failed_run = run;
        job->err = *err;
    }
    pthread_mutex_unlock(&job->lock);
    atomic_store(&job->stop, 1);
}

/* With uncertain inputs each run makes its instance here, in its thread:
 * cjm_model_instance calls no Lua, copies what it writes (stages, barriers,
 * raw and prob tables, the scalars of the model struct) and only reads the
 * base. (CJM_SLOT_SHARE would write the base's segment shares, but no
 * scenario input has that slot.) */
static void *worker(void *arg)
{
    cohort_job *job = arg;
    cjm_error err = {0};
    cohort_ctx x;
    if (!ctx_make(&x, job->m, job->r)) {
        cjm_error_set(&err, CJM_ENOMEM, "out of memory for the cohort engine");
        job_fail(job, -1, CJM_ENOMEM, &err);
        ctx_free(&x);
        return NULL;
    }
    int run;
    while (!atomic_load(&job->stop) && !cjm_cancel_requested(job->r->settings.cancel) &&
           (run = atomic_fetch_add(&job->next_run, 1)) < job->r->run_to) {
        cjm_model *inst = NULL;
        cjm_status st = CJM_OK;
        if (job->m->uncertain_count > 0) st = cjm_result_instance(job->r, run, &inst, &err);
        if (st == CJM_OK) st = cohort_run(&x, job->r, inst ? inst : job->m, run, &err);
        cjm_model_free(&inst);
        if (st != CJM_OK) job_fail(job, run, st, &err);
        cjm_meter_add(job->r->meter, CJM_METER_RUN);
    }
    ctx_free(&x);
    return NULL;
}

cjm_status cjm_engine_cohort(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    if (m->per_customer_count > 0)
        return cjm_model_refuse_per_customer(m, "the cohort engine cannot simulate", err);
    cohort_job job;
    memset(&job, 0, sizeof job);
    job.m = m;
    job.r = r;
    atomic_init(&job.next_run, r->run_from);
    atomic_init(&job.stop, 0);
    if (pthread_mutex_init(&job.lock, NULL) != 0)
        return cjm_error_set(err, CJM_ENOMEM, "cannot create a mutex");
    int own = r->run_to - r->run_from;
    int threads = r->settings.threads < own ? r->settings.threads : own;
    if (threads < 1) threads = 1;
    pthread_t *ids = malloc((size_t)threads * sizeof *ids);
    int started = 0;
    for (; ids && started < threads; started++)
        if (pthread_create(&ids[started], NULL, worker, &job) != 0) break;
    if (started == 0) worker(&job);
    for (int i = 0; i < started; i++) pthread_join(ids[i], NULL);
    free(ids);
    pthread_mutex_destroy(&job.lock);
    if (job.status != CJM_OK) {
        *err = job.err;
        return job.status;
    }
    return CJM_OK;
}
