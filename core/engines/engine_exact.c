/* engine_exact.c: expected values without sampling.
 *
 * The cohort is a distribution of expected counts over (segment, stage, time
 * in stage), moved step by step with the same probability tables the agent
 * engine samples from. Counts not yet converted are kept apart from counts
 * converted at each time tau (the acquisition/lifetime split and retention[k]
 * need that), and each source of customers apart: the cohort and its arrivals,
 * and the referrals of each referring stage (their rewards and CAC need it).
 * Time in stage is tracked stage by stage, only as far as the model reads it
 * (layout_make): C cells per segment, S when nothing reads c.dwell and no
 * stage has min_steps. Referrals are linear in expectation, so they are
 * injected as arrivals. The funnel ("ever entered stage x") is not linear in
 * the distribution, so each stage gets one more pass in which counts
 * arriving at x are counted and removed (all stages in one batch);
 * conversion by arrival step likewise. Without loyalty members the tallies
 * of converted counts come from one sum per source; retention by time since
 * conversion keeps each conversion time apart, moved (as one vectorised
 * batch) only where probabilities after conversion change with time.
 * Cost, with E the edges per stage: O(Q H G C E) for the main pass, plus
 * O(H^2 G C E) for retention where probabilities after conversion change
 * with time (else O(H G C E) per converting cell and O(H^2) per one),
 * O(S H G C E) for the funnel, O(H^2 G C E) for conversion by arrival step
 * when there are arrivals.
 *
 * A loyalty program whose join probability is not 0 everywhere adds a
 * loyalty state l to every converted count (docs/loyalty.md, "Engines"): a
 * non-member (l = 0), or a member's tier, points balance, steps since its
 * last purchase and purchases and steps since its last review. A member's
 * step branches on its Poisson number of purchases (truncated where the tail
 * holds less than POISSON_TAIL, which goes to the last count kept). Where
 * the balance is unbounded (no rewards, no cap) it only ever grows and
 * expires whole, so each state carries the expected balance of its counts
 * (a second channel) instead. Each customer's class at the end (never
 * joined, or its last tier) weights its counts at and after conversion: a
 * chain of converted counts, over every conversion time at once, carries
 * their expected entries, steps and purchases by money stage as channels,
 * read by class at the horizon. Cost: the main pass times the loyalty
 * states and the purchase counts per step. */
#include "result.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The expanded state's limit: values of the converted counts, over every
 * conversion time and source (docs/loyalty.md). */
#define EXACT_MAX_VALUES (1 << 23) /* twice: this step's and the next's */
#define POISSON_TAIL 1e-12
#define POISSON_MAX_RATE 700.0 /* e^-rate stays a normal double */
#define POISSON_TERMS 2048

/* Channels of a chain's counts: [0] the mass, [bal] the expected balance
 * (-1: none), [acc + w * K + k] class counts of kind w (0 entries, 1 steps,
 * 2 + b purchases at basket level b) in money stage k (-1: none). */
typedef struct chans {
    int n, bal, acc;
} chans;

/* The loyalty states (all 1-wide without members). */
typedef struct loyal_dims {
    int on;        /* members can exist: a program with join > 0 somewhere */
    int L;         /* loyalty states: 1 + tiers x counters x phases x balances */
    double states; /* the same, unbounded (L saturates) */
    int NC, NP;    /* purchases since the review (0 .. counter_cap), its phase */
    int NBS;       /* balance-and-since cells */
    int NB;        /* balances 0, unit, .. (NB - 1) x unit (bounded), else 1 */
    int64_t unit;  /* every balance is a multiple of it: the gcd of points and rewards */
    int E;         /* expire_after (0: never) */
    int bounded;   /* the balance is a state; else a channel */
    int review;    /* steps between reviews, 0 when none falls before the horizon */
    int64_t *pts;  /* [tier][S][G]: points a purchase earns */
} loyal_dims;

typedef struct exact_ctx {
    const cjm_model *m;
    int S, G, H, D, Q;    /* D: time-in-stage cells at most; Q: sources */
    int C;                /* cells per segment: the stages' widths summed */
    int cells;            /* G * C */
    int *base, *width;    /* [S]: stage s's first cell in a segment, its time-in-stage cells */
    int *cstage, *cdwell; /* [cells]: a cell's stage and time in stage */
    unsigned char *live;  /* [cells]: 1 where the stage is not final */
    int *leave_from;      /* [S]: the first time in stage with exits (INT_MAX: final) */
    int *to_cell;         /* [edges]: the cell of edge e's target stage in a segment */
    /* Without members, converted counts move as one sum per source, agg
     * [Q][cells]; w keeps each conversion time's counts for retention alone:
     * moved step by step where probabilities after conversion change with
     * time, else left as converted and read against surv [cells][H + 1],
     * the share of a count converted into cell c still outside a final stage
     * k steps later (static: 1). */
    double *agg, *surv;
    int is_static;
    /* Where they change with time, every conversion time's counts move at
     * once: rb [Q][cells][H + 1], conversion time innermost (the same sums
     * as one time at a time, in a loop that vectorises); its scratch. */
    double *rb, *rb_stay, *rb_arrive, *rb_left, *rb_alive;
    double *fv, *fstay, *farrive, *fleft; /* reach_all's batch: [cells][S] */
    bool post[CJM_MAX_STAGES];            /* stages converted counts can reach */
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
    /* The loyalty program: w's counts have loyalty states and wch channels
     * (w_next: the next step's); cw the class counts' chain (cch channels);
     * v_w the funnel's converted counts; the slices' scratch. */
    loyal_dims y;
    int cells_w; /* cells * y.L */
    chans wch, cch, mch;
    double *w_next, *cw, *cw_next, *v_w, *v_w_next;
    double *sv, *spv, *sleft;       /* [max(H + 1, 1) x channels] */
    double **slice_in, **slice_out; /* [H + 1] */
    double pois[POISSON_TERMS];
    int failed; /* a purchase rate above POISSON_MAX_RATE */
    double failed_rate;
} exact_ctx;

static int cell(const exact_ctx *x, int g, int s, int d)
{
    return g * x->C + x->base[s] + d;
}

/* The time in stage after one more step in stage s: counts at the last of
 * the stage's cells stay there (nothing depends on d beyond it). */
static int next_d(const exact_ctx *x, int s, int d)
{
    return d + 1 < x->width[s] ? d + 1 : d;
}

/* A converted count's cell: cell(g, s, d) with loyalty state l. */
static int cell_w(const exact_ctx *x, int g, int s, int d, int l)
{
    return cell(x, g, s, d) * x->y.L + l;
}

static int stage_w(const exact_ctx *x, int i)
{
    return x->cstage[i / x->y.L];
}

static int segment_w(const exact_ctx *x, int i)
{
    return i / (x->C * x->y.L);
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
    for (int g = 0; g < x->G; g++) {
        double *to = arrive + (size_t)g * x->C;
        for (int s = 0; s < x->S; s++) {
            int c0 = g * x->C + x->base[s], w = x->width[s], first = m->edge_start[s];
            int last = m->edge_start[s + 1], from = x->leave_from[s];
            for (int d = 0; d < w; d++) {
                double mass = in[c0 + d], left = mass;
                if (mass == 0) continue;
                if (d >= from)
                    for (int e = first; e < last; e++) {
                        double f = mass * edge_prob(x, t, g, d, e);
                        to[x->to_cell[e]] += f;
                        if (moves) moves[e] += f;
                        left -= f;
                    }
                stay[c0 + (d + 1 < w ? d + 1 : d)] += left;
            }
        }
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
    return x->w + ((size_t)q * (x->H + 1) + tau) * x->cells_w * x->wch.n;
}

static void convert(exact_ctx *x, int q, int t, int g, int s, double a)
{
    w_at(x, q, t)[(size_t)cell_w(x, g, s, 0, 0) * x->wch.n] += a;
    if (x->cw) {
        double *c = x->cw + (size_t)cell_w(x, g, s, 0, 0) * x->cch.n;
        int k = x->m->money_stage[s];
        c[0] += a;
        if (k >= 0) c[x->cch.acc + k] += a;
    }
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

/* The mass of converted counts w outside final stages, summed cell by cell
 * in order (the same sum whatever the loyalty states). */
static double alive_mass(const exact_ctx *x, const double *w)
{
    double alive = 0;
    int L = x->y.L, n = x->wch.n;
    if (L == 1 && n == 1) {
        for (int i = 0; i < x->cells; i++)
            if (x->live[i]) alive += w[i];
        return alive;
    }
    for (int i = 0; i < x->cells_w; i++)
        if (x->live[i / L]) alive += w[(size_t)i * n];
    return alive;
}

/* rb_alive[tau] for tau < t: alive_mass of source q's counts converted at
 * tau, for all of them at once (each summed cell by cell in order). */
static void batch_alive(exact_ctx *x, int q, int t)
{
    size_t st = (size_t)x->H + 1;
    const double *r = x->rb + (size_t)q * x->cells * st;
    double *restrict av = x->rb_alive;
    for (int k = 0; k < t; k++) av[k] = 0;
    for (int c = 0; c < x->cells; c++) {
        const double *restrict src = r + c * st;
        if (!x->live[c] || !x->post[x->cstage[c]]) continue;
        for (int k = 0; k < t; k++) av[k] += src[k];
    }
}

/* The mass converted at tau (source q) still outside a final stage at t. */
static double alive_at(const exact_ctx *x, int q, int tau, int t)
{
    const double *w = w_at((exact_ctx *)x, q, tau);
    double alive = 0;
    if (x->y.on || !x->is_static) return alive_mass(x, w);
    for (int i = 0; i < x->cells; i++)
        if (w[i] != 0) alive += w[i] * x->surv[(size_t)i * (x->H + 1) + t - tau];
    return alive;
}

/* Retention at time t for every conversion time tau <= t. */
static void count_retention(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++) {
        if (x->rb) batch_alive(x, q, t);
        for (int tau = 0; tau <= t; tau++) {
            double total = x->conv_mass[q * (x->H + 1) + tau], alive = 0;
            if (total == 0) continue;
            if (t != tau) alive = x->rb ? x->rb_alive[tau] : alive_at(x, q, tau, t);
            x->tally[x->lay.ret_den + t - tau] += total;
            x->tally[x->lay.ret_num + t - tau] += t == tau ? total : alive;
        }
    }
}

static void count_retained(exact_ctx *x)
{
    if (!x->y.on) {
        for (int q = 0; q < x->Q; q++)
            x->tally[x->lay.retained] += alive_mass(x, x->agg + (size_t)q * x->cells) +
                                         alive_mass(x, w_at(x, q, x->H)); /* converted at H */
        return;
    }
    for (int q = 0; q < x->Q; q++)
        for (int tau = 0; tau <= x->H; tau++) {
            const double *w = w_at(x, q, tau);
            for (int i = 0; i < x->cells_w; i++)
                if (x->live[i / x->y.L]) x->tally[x->lay.retained] += w[(size_t)i * x->wch.n];
        }
}

/* Per-step amounts, and the referrals made in step t (they enter at t + 1),
 * of counts with L loyalty states and n channels. A converted count's
 * purchases, where members can exist, are counted by its loyalty step. */
static void count_step(exact_ctx *x, int t, int q, const double *in, int phase, int L, int n)
{
    const cjm_model *m = x->m;
    bool purchases = m->has_purchases && !(x->y.on && phase != CJM_PRE);
    for (int i = 0; i < x->cells * L; i++) {
        double a = in[(size_t)i * n];
        if (a == 0) continue;
        int c = i / L, s = x->cstage[c], g = c / x->C;
        count_stay(x, q, phase, g, s, t, a);
        if (purchases) count_purchases(x, q, phase, g, s, x->cdwell[c], t, a);
        if (m->stages[s].refers <= 0 || t + 1 >= x->H) continue;
        double made = a * m->stages[s].refers;
        x->tally[x->lay.referred] += made;
        for (int h = 0; h < x->G; h++)
            x->referrals[((size_t)(t + 1) * x->Q + x->source_of[s]) * x->G + h] +=
                made * m->segment_share[h];
    }
}

static void count_steps(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++) {
        count_step(x, t, q, x->u + (size_t)q * x->cells, CJM_PRE, 1, 1);
        if (!x->y.on) { /* those converted now, then the sum of those before */
            if (x->conv_mass[q * (x->H + 1) + t] != 0)
                count_step(x, t, q, w_at(x, q, t), CJM_AT, 1, 1);
            count_step(x, t, q, x->agg + (size_t)q * x->cells, CJM_POST, 1, 1);
            continue;
        }
        for (int tau = 0; tau <= t; tau++)
            if (x->conv_mass[q * (x->H + 1) + tau] != 0)
                count_step(x, t, q, w_at(x, q, tau), tau == t ? CJM_AT : CJM_POST, x->y.L,
                           x->wch.n);
    }
}

/* ---- the loyalty program ---- */

/* A member's loyalty state, decoded. */
typedef struct member {
    int tier, count, phase, since;
    int64_t balance;
} member;

static member decode(const loyal_dims *y, int l)
{
    member c = {0};
    int i = l - 1, bs = i % y->NBS;
    i /= y->NBS;
    c.phase = i % y->NP;
    i /= y->NP;
    c.count = i % y->NC;
    c.tier = i / y->NC;
    if (!y->bounded)
        c.since = bs;
    else if (y->E == 0)
        c.balance = bs * y->unit;
    else if (bs > 0) {
        c.balance = (1 + (bs - 1) / y->E) * y->unit;
        c.since = (bs - 1) % y->E;
    } else
        c.since = y->E; /* a zero balance: its steps since a purchase do not matter */
    return c;
}

static int encode(const loyal_dims *y, const member *c)
{
    int b = (int)(c->balance / y->unit);
    int bs = !y->bounded       ? (c->since < y->E ? c->since : y->E)
             : y->E == 0       ? b
             : c->balance == 0 ? 0
                               : 1 + (b - 1) * y->E + c->since;
    return 1 + ((c->tier * y->NC + c->count) * y->NP + c->phase) * y->NBS + bs;
}

/* Poisson(rate) probabilities of 0 .. N purchases, the tail beyond N (less
 * than POISSON_TAIL) added to N; returns N. */
static int poisson_terms(exact_ctx *x, double rate)
{
    double *pi = x->pois, term = exp(-rate), cum = term;
    int n = 0;
    pi[0] = term;
    if (rate > POISSON_MAX_RATE) {
        x->failed = 1;
        x->failed_rate = rate;
        pi[0] = 1;
        return 0;
    }
    while ((n < rate || 1 - cum > POISSON_TAIL) && n + 1 < POISSON_TERMS) {
        n++;
        term *= rate / n;
        pi[n] = term;
        cum += term;
    }
    pi[n] += 1 - cum > 0 ? 1 - cum : 0;
    return n;
}

/* Where a member entering final stage `to` at step t stands: no more
 * purchases, so its balance expires expire_after steps after its last one
 * if that is before the horizon (the agent's member_absorbed). Returns the
 * points that expire; c is updated. */
static int64_t absorbed(const exact_ctx *x, member *c, int t)
{
    const loyal_dims *y = &x->y;
    if (y->E == 0 || c->since >= y->E || t + y->E - c->since - 1 >= x->H) return 0;
    int64_t b = c->balance;
    c->balance = 0;
    c->since = y->E;
    return y->bounded ? b : 1; /* unbounded: the channel's mean expires */
}

/* The counts one loyalty step moves: k slices (a chain's conversion times,
 * or one), each cells_w x n values, read from in[j] and written to out[j]
 * (stays and arrivals together). Slice `at` converted in this step (phase
 * AT; -1: none). */
enum { SLICE_TALLY, SLICE_CLASSES, SLICE_REACH };

typedef struct slices {
    int k, at;
    double **in, **out;
    int mode; /* SLICE_TALLY: counted into the tally for source q; SLICE_CLASSES: the class
                 chain (entries counted on arrival); SLICE_REACH: arrivals at target counted
                 into reached and removed */
    int q, target;
    double reached;
} slices;

/* Pushes pv (the slices' counts in stage s, d steps in, in loyalty state l
 * (member c) after step t's purchases) through step t's move. */
static void move_out(exact_ctx *x, int t, int g, int s, int d, int l, const member *c,
                     const double *pv, slices *sl, const chans *ch)
{
    const cjm_model *m = x->m;
    const loyal_dims *y = &x->y;
    int n = ch->n, K = sl->k;
    bool tally = sl->mode == SLICE_TALLY;
    double *left = x->sleft;
    memcpy(left, pv, (size_t)K * n * sizeof *left);
    if (d + 1 >= m->stages[s].min_steps) {
        int ctx = l ? cjm_loyalty_context(m, c->tier, c->balance) : 0, tier = l ? c->tier : -1;
        int first = m->edge_start[s], deg = m->edge_start[s + 1] - first;
        double probs[CJM_MAX_STAGES], sum = 0;
        for (int j = 0; j < deg; j++)
            sum += probs[j] = cjm_model_edge_prob(m, t, g, first + j, d, ctx, tier);
        for (int j = 0; sum > 1 && j < deg; j++) probs[j] /= sum;
        for (int j = 0; j < deg; j++) {
            int to = m->edges[first + j].to, l2 = l;
            int64_t gone = 0;
            if (probs[j] == 0) continue;
            if (l && m->stages[to].final) {
                member a = *c;
                gone = absorbed(x, &a, t + 1);
                l2 = encode(y, &a);
            }
            bool removed = sl->mode == SLICE_REACH && to == sl->target;
            size_t di = (size_t)cell_w(x, g, to, 0, l2) * n;
            double moved = 0;
            for (int kk = 0; kk < K; kk++) {
                const double *src = pv + (size_t)kk * n;
                double *lf = left + (size_t)kk * n, *dst = sl->out[kk] + di;
                double f0 = src[0] * probs[j];
                if (f0 == 0) continue;
                for (int i = 0; i < n; i++) {
                    double f = src[i] * probs[j];
                    lf[i] -= f;
                    if (i == ch->bal && gone) {
                        if (tally) x->tally[x->lay.expired] += f;
                    } else if (!removed)
                        dst[i] += f;
                }
                if (tally) count_entries(x, sl->q, CJM_POST, g, to, t + 1, f0);
                moved += f0;
            }
            if (gone && y->bounded && tally) x->tally[x->lay.expired] += moved * (double)gone;
            if (tally) x->tally[x->lay.moves + first + j] += moved;
            int k = m->money_stage[to];
            if (sl->mode == SLICE_CLASSES && k >= 0) sl->out[0][di + ch->acc + k] += moved;
            if (removed) sl->reached += moved;
        }
    }
    size_t si = (size_t)cell_w(x, g, s, next_d(x, s, d), l) * n;
    for (int kk = 0; kk < K; kk++)
        for (int i = 0; i < n; i++) sl->out[kk][si + i] += left[(size_t)kk * n + i];
}

/* Redemptions and the cap after a member's balance grows (the agent's
 * redeem): the points redeemed, and those not issued above the cap. */
static void redeem(exact_ctx *x, member *c, int t, double a, bool tally)
{
    const cjm_loyalty *l = &x->m->loyalty;
    const cjm_tally_layout *lay = &x->lay;
    while (l->reward_count && c->balance >= l->rewards[0].at) {
        int r = l->reward_count - 1;
        while (l->rewards[r].at > c->balance) r--;
        c->balance -= l->rewards[r].at;
        if (!tally) continue;
        x->tally[lay->redeemed] += a * l->rewards[r].at;
        x->tally[lay->redemptions + r] += a;
        x->tally[lay->redemptions_t + r * (x->H + 1) + t] += a;
    }
    if (c->balance > l->cap) {
        if (tally) x->tally[lay->issued] -= a * (double)(c->balance - l->cap);
        c->balance = l->cap;
    }
}

/* A member's review (the agent's review). */
static void review(const cjm_loyalty *l, member *c)
{
    int up = c->tier;
    for (int k = c->tier + 1; k < l->tier_count; k++)
        if (c->count >= l->tiers[k].qualify) up = k;
    if (up > c->tier)
        c->tier = up;
    else if (c->tier > 0 && l->tiers[c->tier].keep > 0 && c->count < l->tiers[c->tier].keep)
        c->tier--;
    c->count = c->phase = 0;
}

/* Purchases n of source q at basket level b in step t (tallies). */
static void tally_purchases(exact_ctx *x, int q, int phase, int b, int g, int s, int t, double n)
{
    const cjm_tally_layout *l = &x->lay;
    int gm = l->GM > 1 ? g : 0, k = x->m->money_stage[s];
    if (n == 0) return;
    x->tally[l->purchases + cjm_tally_purchase(l, b, q > 0, phase, gm, s)] += n;
    if (k >= 0)
        x->tally[l->purchases_t + cjm_tally_purchase_t(l, b, phase != CJM_PRE, gm, k, t)] += n;
}

/* Step t of the slices' counts v (share w of a cell's; a_at and a_post
 * their mass converted in this step and before) in stage s, d steps in, in
 * loyalty state l after the step's join: purchases, points, rewards, expiry
 * and the review, then the move. */
static void loyal_branch(exact_ctx *x, int t, int g, int s, int d, int l, double w, const double *v,
                         double a_at, double a_post, slices *sl, const chans *ch)
{
    const cjm_model *m = x->m;
    const cjm_loyalty *lo = &m->loyalty;
    const loyal_dims *y = &x->y;
    const cjm_tally_layout *lay = &x->lay;
    bool tally = sl->mode == SLICE_TALLY;
    int n = ch->n, K = sl->k, KM = lay->K, k = m->money_stage[s];
    size_t len = (size_t)K * n;
    double *pv = x->spv, a = w * (a_at + a_post);
    if (l == 0) {
        double rate = m->has_purchases ? cjm_model_purchases(m, t, g, s, d, 0) : 0;
        for (size_t i = 0; i < len; i++) pv[i] = w * v[i];
        if (tally) {
            tally_purchases(x, sl->q, CJM_AT, 0, g, s, t, w * a_at * rate);
            tally_purchases(x, sl->q, CJM_POST, 0, g, s, t, w * a_post * rate);
        }
        if (ch->acc >= 0 && k >= 0) { /* the class chain: one slice */
            pv[ch->acc + KM + k] += pv[0];
            pv[ch->acc + 2 * KM + k] += pv[0] * rate;
        }
        move_out(x, t, g, s, d, 0, NULL, pv, sl, ch);
        return;
    }
    member c0 = decode(y, l);
    const cjm_tier *tier = &lo->tiers[c0.tier];
    int ctx = cjm_loyalty_context(m, c0.tier, c0.balance), b = 1 + c0.tier;
    double rate = m->has_purchases ? cjm_model_purchases(m, t, g, s, d, ctx) *
                                         tier->benefit[CJM_BENEFIT_PURCHASES]
                                   : 0;
    int64_t pts = y->pts[((size_t)c0.tier * x->S + s) * x->G + g];
    if (tally) {
        tally_purchases(x, sl->q, CJM_AT, b, g, s, t, w * a_at * rate);
        tally_purchases(x, sl->q, CJM_POST, b, g, s, t, w * a_post * rate);
        x->tally[lay->member_steps] += a;
        x->tally[lay->member_t + t] += a;
    }
    int N = poisson_terms(x, rate);
    for (int j = 0; j <= N; j++) {
        double p = x->pois[j], ap = a * p;
        if (p == 0) continue;
        member c = c0;
        int64_t earned = (int64_t)j * pts;
        c.balance += y->bounded ? earned : 0;
        if (tally) x->tally[lay->issued] += ap * (double)earned;
        if (y->bounded) redeem(x, &c, t, ap, tally);
        int since = j > 0 ? 0 : c.since + 1;
        c.since = since < y->E ? since : y->E;
        for (size_t i = 0; i < len; i++) pv[i] = w * p * v[i];
        if (ch->bal >= 0)
            for (int kk = 0; kk < K; kk++)
                pv[(size_t)kk * n + ch->bal] += w * p * v[(size_t)kk * n] * (double)earned;
        if (y->E && j == 0 && c0.since + 1 == y->E) { /* the whole balance expires */
            if (y->bounded && tally) x->tally[lay->expired] += ap * (double)c.balance;
            for (int kk = 0; ch->bal >= 0 && kk < K; kk++) {
                if (tally) x->tally[lay->expired] += pv[(size_t)kk * n + ch->bal];
                pv[(size_t)kk * n + ch->bal] = 0;
            }
            c.balance = 0;
        }
        if (y->review) {
            c.count = c.count + j > lo->counter_cap ? lo->counter_cap : c.count + j;
            if (++c.phase == y->review) review(lo, &c);
        }
        if (ch->acc >= 0 && k >= 0) {
            pv[ch->acc + KM + k] += ap;
            pv[ch->acc + (2 + b) * KM + k] += ap * j;
        }
        move_out(x, t, g, s, d, encode(y, &c), &c, pv, sl, ch);
    }
}

/* Step t of the slices' converted counts (channels ch): joins, then each
 * loyalty state's branch. */
static void loyal_step(exact_ctx *x, int t, slices *sl, const chans *ch)
{
    const cjm_model *m = x->m;
    const cjm_loyalty *lo = &m->loyalty;
    int n = ch->n, L = x->y.L, K = sl->k;
    size_t len = (size_t)x->cells_w * n;
    member fresh = {0};
    int joined = L > 1 ? encode(&x->y, &fresh) : 0;
    double *v = x->sv;
    for (int kk = 0; kk < K; kk++) memset(sl->out[kk], 0, len * sizeof *sl->out[kk]);
    for (int i = 0; i < x->cells_w; i++) {
        double a_at = 0, a_post = 0;
        for (int kk = 0; kk < K; kk++) {
            const double *src = sl->in[kk] + (size_t)i * n;
            memcpy(v + (size_t)kk * n, src, (size_t)n * sizeof *v);
            if (kk == sl->at)
                a_at += src[0];
            else
                a_post += src[0];
        }
        if (a_at == 0 && a_post == 0) continue;
        int c = i / L, l = i % L, s = x->cstage[c], g = c / x->C, d = x->cdwell[c];
        if (m->stages[s].final) {
            size_t si = (size_t)cell_w(x, g, s, next_d(x, s, d), l) * n;
            for (int kk = 0; kk < K; kk++)
                for (int j = 0; j < n; j++) sl->out[kk][si + j] += v[(size_t)kk * n + j];
            continue;
        }
        double pj = l == 0 && L > 1 ? lo->join[((size_t)t * x->G + g) * x->S + s] : 0;
        if (pj > 0 && sl->mode == SLICE_TALLY) {
            x->tally[x->lay.joined] += (a_at + a_post) * pj;
            x->tally[x->lay.joins_t + t] += (a_at + a_post) * pj;
        }
        if (pj < 1) loyal_branch(x, t, g, s, d, l, 1 - pj, v, a_at, a_post, sl, ch);
        if (pj > 0) loyal_branch(x, t, g, s, d, joined, pj, v, a_at, a_post, sl, ch);
    }
}

/* Members outside a final stage at time t, by tier (before step t's joins). */
static void count_members(exact_ctx *x, int t)
{
    if (!x->y.on) return;
    for (int q = 0; q < x->Q; q++)
        for (int tau = 0; tau <= t; tau++) {
            if (x->conv_mass[q * (x->H + 1) + tau] == 0) continue;
            const double *w = w_at(x, q, tau);
            for (int i = 0; i < x->cells_w; i++) {
                int l = i % x->y.L;
                double a = w[(size_t)i * x->wch.n];
                if (l == 0 || a == 0 || x->m->stages[stage_w(x, i)].final) continue;
                x->tally[x->lay.members_t + t] += a;
                x->tally[x->lay.tier_t + decode(&x->y, l).tier * (x->H + 1) + t] += a;
            }
        }
}

/* The program's counts at the horizon: members active, points outstanding,
 * and the classes of converted customers from the class chain. */
static void count_loyalty_end(exact_ctx *x)
{
    const cjm_tally_layout *lay = &x->lay;
    for (int q = 0; x->y.on && q < x->Q; q++)
        for (int tau = 0; tau <= x->H; tau++) {
            const double *w = w_at(x, q, tau);
            for (int i = 0; i < x->cells_w; i++) {
                int l = i % x->y.L;
                const double *v = w + (size_t)i * x->wch.n;
                if (l == 0 || v[0] == 0) continue;
                x->tally[lay->active] += x->m->stages[stage_w(x, i)].final ? 0 : v[0];
                x->tally[lay->outstanding] +=
                    x->y.bounded ? v[0] * (double)decode(&x->y, l).balance : v[x->wch.bal];
            }
        }
    for (int i = 0; i < x->cells_w; i++) {
        const double *v = x->cw + (size_t)i * x->cch.n;
        int l = i % x->y.L, cls = l ? 1 + decode(&x->y, l).tier : 0, g = segment_w(x, i);
        int gm = lay->GM > 1 ? g : 0;
        if (v[0] == 0) continue;
        x->tally[lay->class_n + cls] += v[0];
        x->tally[lay->class_retained + cls] += x->m->stages[stage_w(x, i)].final ? 0 : v[0];
        for (int kind = 0; kind < 2 + lay->B; kind++)
            for (int k = 0; k < lay->K; k++)
                x->tally[lay->class_counts + cjm_tally_class(lay, cls, gm, kind, k)] +=
                    v[x->cch.acc + kind * lay->K + k];
    }
}

/* The class chain's step t: converted counts of every conversion time. */
static void move_classes(exact_ctx *x, int t)
{
    slices sl = {1, -1, &x->cw, &x->cw_next, SLICE_CLASSES, 0, -1, 0};
    loyal_step(x, t, &sl, &x->cch);
    double *swap = x->cw;
    x->cw = x->cw_next;
    x->cw_next = swap;
}

static void move_unconverted(exact_ctx *x, int t)
{
    for (int q = 0; q < x->Q; q++) {
        double *u = x->u + (size_t)q * x->cells;
        propagate(x, t, u, x->stay, x->arrive, x->tally + x->lay.moves);
        memcpy(u, x->stay, (size_t)x->cells * sizeof *u);
        for (int i = 0; i < x->cells; i++)
            if (x->arrive[i] != 0) enter(x, q, t + 1, i / x->C, x->cstage[i], x->arrive[i]);
    }
}

/* Step t of every conversion time's counts at once (the slices of one
 * loyalty step), into w_next, which then becomes w. */
static void move_members(exact_ctx *x, int t)
{
    size_t span = (size_t)x->cells_w * x->wch.n;
    for (int q = 0; q < x->Q; q++) {
        slices sl = {0, -1, x->slice_in, x->slice_out, SLICE_TALLY, q, -1, 0};
        for (int tau = 0; tau <= t; tau++) {
            if (x->conv_mass[q * (x->H + 1) + tau] == 0) continue;
            size_t off = ((size_t)q * (x->H + 1) + tau) * span;
            if (tau == t) sl.at = sl.k;
            sl.in[sl.k] = x->w + off;
            sl.out[sl.k++] = x->w_next + off;
        }
        if (sl.k) loyal_step(x, t, &sl, &x->wch);
    }
    double *swap = x->w;
    x->w = x->w_next;
    x->w_next = swap;
}

/* Scratch of a batch of columns: stays, arrivals, one cell's leftovers. */
typedef struct batch {
    double *stay, *arrive, *left;
    size_t stride;
} batch;

/* The stays and exits of the n columns of cell c (stage s, d steps in,
 * segment g) of the batch in step t: for each column the sums propagate
 * makes, in its order. */
static void batch_cell(exact_ctx *x, int t, int g, int s, int d, const double *restrict src, int n,
                       const batch *b)
{
    const cjm_model *m = x->m;
    size_t st = b->stride;
    double *restrict sd = b->stay + (size_t)cell(x, g, s, next_d(x, s, d)) * st;
    double *restrict left = b->left;
    if (d < x->leave_from[s]) {
        for (int k = 0; k < n; k++) sd[k] += src[k];
        return;
    }
    for (int k = 0; k < n; k++) left[k] = src[k];
    for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) {
        double p = edge_prob(x, t, g, d, e);
        double *restrict dst = b->arrive + ((size_t)g * x->C + x->to_cell[e]) * st;
        for (int k = 0; k < n; k++) {
            double f = src[k] * p;
            dst[k] += f;
            left[k] -= f;
        }
    }
    for (int k = 0; k < n; k++) sd[k] += left[k];
}

/* Step t of source q's counts converted at 0 .. t, for retention: this
 * step's conversions join the batch as column t, then every column moves
 * as propagate would move it alone. */
static void batch_move(exact_ctx *x, int t, int q)
{
    size_t st = (size_t)x->H + 1;
    double *r = x->rb + (size_t)q * x->cells * st;
    const double *now = w_at(x, q, t);
    int n = t + 1;
    batch b = {x->rb_stay, x->rb_arrive, x->rb_left, st};
    for (int c = 0; c < x->cells; c++) r[c * st + t] = now[c];
    memset(x->rb_stay, 0, (size_t)x->cells * st * sizeof *x->rb_stay);
    memset(x->rb_arrive, 0, (size_t)x->cells * st * sizeof *x->rb_arrive);
    for (int g = 0; g < x->G; g++)
        for (int s = 0; s < x->S; s++)
            for (int d = 0; x->post[s] && d < x->width[s]; d++)
                batch_cell(x, t, g, s, d, r + (size_t)cell(x, g, s, d) * st, n, &b);
    for (int c = 0; c < x->cells; c++)
        for (int k = 0; k < n; k++)
            r[c * st + k] = x->rb_stay[c * st + k] + x->rb_arrive[c * st + k];
}

static void move_converted(exact_ctx *x, int t)
{
    if (x->y.on) {
        move_members(x, t);
        return;
    }
    for (int q = 0; q < x->Q; q++) {
        double *a = x->agg + (size_t)q * x->cells;
        const double *now = w_at(x, q, t);
        for (int i = 0; i < x->cells; i++) a[i] += now[i];
        propagate(x, t, a, x->stay, x->arrive, x->tally + x->lay.moves);
        for (int i = 0; i < x->cells; i++) {
            a[i] = x->stay[i] + x->arrive[i];
            if (x->arrive[i] != 0)
                count_entries(x, q, CJM_POST, i / x->C, x->cstage[i], t + 1, x->arrive[i]);
        }
        if (x->rb) batch_move(x, t, q);
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

/* reach_count where members can exist: unconverted counts in v, converted
 * ones (whose moves depend on their loyalty state) in x->v_w. */
static double reach_members(exact_ctx *x, int target)
{
    const cjm_model *m = x->m;
    double *v = x->scratch, *vw = x->v_w, reached = 0;
    x->v_w = NULL; /* vw and v_w_next swap: both are given back below */
    memset(v, 0, (size_t)x->cells * sizeof *v);
    memset(vw, 0, (size_t)x->cells_w * sizeof *vw);
    for (int t = 0; t < x->H; t++) {
        for (int g = 0; g < x->G; g++) {
            double a = x->entering[t] * m->segment_share[g];
            for (int q = 0; q < x->Q; q++) {
                int s = q ? m->stages[x->stage_of[q]].refers_to : 0;
                double r = q ? x->referrals[((size_t)t * x->Q + q) * x->G + g] : a;
                if (s == target)
                    reached += r;
                else if (m->stages[s].converts)
                    vw[cell_w(x, g, s, 0, 0)] += r;
                else
                    v[cell(x, g, s, 0)] += r;
            }
        }
        slices sl = {1, -1, &vw, &x->v_w_next, SLICE_REACH, 0, target, 0};
        loyal_step(x, t, &sl, &x->mch);
        reached += sl.reached;
        double *swap = vw;
        vw = x->v_w_next;
        x->v_w_next = swap;
        propagate(x, t, v, x->stay, x->arrive, NULL);
        for (int i = 0; i < x->cells; i++) {
            int s = x->cstage[i];
            v[i] = x->stay[i];
            if (s == target)
                reached += x->arrive[i];
            else if (m->stages[s].converts)
                vw[(size_t)i * x->y.L] += x->arrive[i];
            else
                v[i] += x->arrive[i];
        }
    }
    x->v_w = vw;
    return reached;
}

/* Expected number of customers ever entering `target`. */
static double reach_count(exact_ctx *x, int target)
{
    if (x->y.on) return reach_members(x, target);
    double *v = x->scratch, reached = 0;
    memset(v, 0, (size_t)x->cells * sizeof *v);
    for (int t = 0; t < x->H; t++) {
        funnel_inject(x, t, target, v, &reached);
        propagate(x, t, v, x->stay, x->arrive, NULL);
        for (int i = 0; i < x->cells; i++) {
            if (x->cstage[i] == target) {
                reached += x->arrive[i];
                x->arrive[i] = 0;
            }
            v[i] = x->stay[i] + x->arrive[i];
        }
    }
    return reached;
}

/* reach_count for every target at once without members: column j of
 * fv [cells][S] is target j's counts, moved and summed as reach_count
 * moves and sums them (the same sums, in a loop that vectorises). */
static void reach_all(exact_ctx *x)
{
    const cjm_model *m = x->m;
    int S = x->S;
    double *restrict v = x->fv, *restrict reached = x->tally + x->lay.reached;
    batch b = {x->fstay, x->farrive, x->fleft, (size_t)S};
    memset(v, 0, (size_t)x->cells * S * sizeof *v);
    for (int j = 0; j < S; j++) reached[j] = 0;
    for (int t = 0; t < x->H; t++) {
        for (int g = 0; g < x->G; g++) {
            double a = x->entering[t] * m->segment_share[g];
            double *c0 = v + (size_t)cell(x, g, 0, 0) * S;
            reached[0] += a;
            for (int j = 1; j < S; j++) c0[j] += a;
            for (int q = 1; q < x->Q; q++) {
                int s = m->stages[x->stage_of[q]].refers_to;
                double r = x->referrals[((size_t)t * x->Q + q) * x->G + g];
                double *cs = v + (size_t)cell(x, g, s, 0) * S;
                for (int j = 0; j < S; j++)
                    if (j == s)
                        reached[j] += r;
                    else
                        cs[j] += r;
            }
        }
        memset(b.stay, 0, (size_t)x->cells * S * sizeof *b.stay);
        memset(b.arrive, 0, (size_t)x->cells * S * sizeof *b.arrive);
        for (int g = 0; g < x->G; g++)
            for (int s = 0; s < S; s++)
                for (int d = 0; d < x->width[s]; d++)
                    batch_cell(x, t, g, s, d, v + (size_t)cell(x, g, s, d) * S, S, &b);
        for (int i = 0; i < x->cells; i++) {
            double *ar = b.arrive + (size_t)i * S;
            int k = x->cstage[i];
            reached[k] += ar[k];
            ar[k] = 0;
            for (int j = 0; j < S; j++) v[(size_t)i * S + j] = b.stay[(size_t)i * S + j] + ar[j];
        }
    }
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
            if (m->stages[x->cstage[i]].converts) {
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
    free(x->w_next);
    free(x->cw);
    free(x->cw_next);
    free(x->v_w);
    free(x->v_w_next);
    free(x->sv);
    free(x->spv);
    free(x->sleft);
    free(x->slice_in);
    free(x->slice_out);
    free(x->y.pts);
    free(x->base);
    free(x->width);
    free(x->cstage);
    free(x->cdwell);
    free(x->live);
    free(x->leave_from);
    free(x->to_cell);
    free(x->agg);
    free(x->surv);
    free(x->rb);
    free(x->rb_stay);
    free(x->rb_arrive);
    free(x->rb_left);
    free(x->rb_alive);
    free(x->fv);
    free(x->fstay);
    free(x->farrive);
    free(x->fleft);
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* The loyalty states of a model: 1 (non-members only) unless members can
 * exist; the points a purchase earns. 0: out of memory. */
static int loyal_make(exact_ctx *x)
{
    const cjm_model *m = x->m;
    const cjm_loyalty *l = &m->loyalty;
    loyal_dims *y = &x->y;
    *y = (loyal_dims){.L = 1, .states = 1, .NC = 1, .NP = 1, .NBS = 1, .NB = 1, .unit = 1};
    x->wch = x->mch = (chans){1, -1, -1};
    x->cch = (chans){1 + (2 + x->lay.B) * x->lay.K, -1, 1};
    if (!l->present) return 1;
    for (size_t i = 0; !y->on && i < (size_t)x->H * x->G * x->S; i++) y->on = l->join[i] > 0;
    if (!y->on) return 1;
    y->E = l->expire_after;
    y->bounded = l->balance_cap != INT64_MAX;
    y->pts = malloc((size_t)l->tier_count * x->S * x->G * sizeof *y->pts);
    if (!y->pts) return 0;
    for (int k = 0; k < l->tier_count; k++)
        for (int s = 0; s < x->S; s++)
            for (int g = 0; g < x->G; g++) {
                const cjm_tier *tier = &l->tiers[k];
                double spend =
                    cjm_stage_amount(m, s, g, CJM_AMOUNT(CJM_PER_PURCHASE, CJM_REVENUE)) *
                    tier->benefit[CJM_BENEFIT_BASKET];
                double pts =
                    (l->per_purchase + l->per_unit * spend) * tier->benefit[CJM_BENEFIT_POINTS];
                y->pts[((size_t)k * x->S + s) * x->G + g] = (int64_t)floor(pts + 1e-9);
            }
    if (y->bounded) { /* balances in units of the gcd of what adds and takes points */
        int64_t u = 0;
        for (size_t i = 0; i < (size_t)l->tier_count * x->S * x->G; i++) u = gcd64(u, y->pts[i]);
        for (int r = 0; u && r < l->reward_count; r++) u = gcd64(u, l->rewards[r].at);
        if (u && l->cap != INT64_MAX) u = gcd64(u, l->cap);
        y->unit = u ? u : l->balance_cap; /* no points are ever earned: one balance, 0 */
        int64_t nb = (l->balance_cap - 1) / y->unit + 1;
        y->NB = nb < INT32_MAX ? (int)nb : INT32_MAX; /* refused below if that large */
    }
    double nbs = !y->bounded ? y->E + 1.0 : y->E ? 1 + (y->NB - 1.0) * y->E : y->NB;
    y->NBS = nbs < INT32_MAX ? (int)nbs : INT32_MAX;
    y->review = l->review > 0 && l->review <= x->H ? l->review : 0;
    y->NC = y->review ? l->counter_cap + 1 : 1;
    y->NP = y->review ? y->review : 1;
    double L = 1 + (double)l->tier_count * y->NC * y->NP * nbs;
    y->L = L < INT32_MAX ? (int)L : INT32_MAX;
    y->states = L;
    if (!y->bounded) x->wch = (chans){2, 1, -1};
    return 1;
}

/* The converted counts' values: over every source and conversion time. */
static double exact_values(const exact_ctx *x)
{
    return (double)x->Q * (x->H + 1) * x->cells * x->y.states * x->wch.n;
}

static void index_sources(exact_ctx *x)
{
    x->Q = 1;
    for (int s = 0; s < x->S; s++) {
        x->source_of[s] = x->m->stages[s].refers > 0 ? x->Q : 0;
        if (x->source_of[s]) x->stage_of[x->Q++] = s;
    }
}

/* Whether anything in stage s reads the time in stage: an exit probability
 * or the purchase rate tabulated over c.dwell. */
static bool reads_dwell(const cjm_model *m, int s)
{
    if (m->has_purchases && m->purchase_dwell[s] >= 0) return true;
    for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
        if (m->edges[e].dwell_index >= 0) return true;
    return false;
}

/* The cells of a segment, stage by stage: a stage that reads c.dwell gets
 * all D of its times in stage; one with min_steps n only n (0 .. n - 1, the
 * last holding every count that may leave); any other one cell. Counts
 * beyond a stage's last cell behave alike, so they are kept together: the
 * cost of time in stage falls from S x D cells to what the model reads.
 * 0: out of memory. */
static int layout_make(exact_ctx *x)
{
    const cjm_model *m = x->m;
    x->base = malloc((size_t)x->S * sizeof *x->base);
    x->width = malloc((size_t)x->S * sizeof *x->width);
    x->leave_from = malloc((size_t)x->S * sizeof *x->leave_from);
    x->to_cell = malloc(((size_t)m->edge_count + 1) * sizeof *x->to_cell);
    if (!x->base || !x->width || !x->leave_from || !x->to_cell) return 0;
    x->C = 0;
    for (int s = 0; s < x->S; s++) {
        int n = m->stages[s].min_steps, w = reads_dwell(m, s) ? x->D : n > 1 ? n : 1;
        x->width[s] = w < x->D ? w : x->D;
        x->base[s] = x->C;
        x->C += x->width[s];
        x->leave_from[s] = m->stages[s].final ? INT_MAX : n - 1; /* d + 1 >= min_steps */
    }
    for (int e = 0; e < m->edge_count; e++) x->to_cell[e] = x->base[m->edges[e].to];
    x->cells = x->G * x->C;
    x->cstage = malloc((size_t)x->cells * sizeof *x->cstage);
    x->cdwell = malloc((size_t)x->cells * sizeof *x->cdwell);
    x->live = malloc((size_t)x->cells);
    if (!x->cstage || !x->cdwell || !x->live) return 0;
    for (int g = 0; g < x->G; g++)
        for (int s = 0; s < x->S; s++)
            for (int d = 0; d < x->width[s]; d++) {
                x->cstage[cell(x, g, s, d)] = s;
                x->cdwell[cell(x, g, s, d)] = d;
                x->live[cell(x, g, s, d)] = !m->stages[s].final;
            }
    return 1;
}

static int ctx_make(exact_ctx *x, const cjm_model *m, const cjm_result *r)
{
    memset(x, 0, sizeof *x);
    x->m = m;
    x->S = m->stage_count;
    x->G = m->segment_count;
    x->H = r->horizon;
    x->D = cjm_model_dwell_cells(m, x->H);
    if (!layout_make(x)) return 0;
    x->lay = cjm_tally_layout_make(m, x->H);
    x->source_of = calloc((size_t)x->S, sizeof *x->source_of);
    x->stage_of = calloc((size_t)x->S + 1, sizeof *x->stage_of);
    if (!x->source_of || !x->stage_of) return 0;
    index_sources(x);
    size_t q = (size_t)x->Q;
    if (!loyal_make(x)) return 0;
    if (exact_values(x) > EXACT_MAX_VALUES) return 1; /* refused by the caller */
    x->cells_w = x->cells * x->y.L;
    size_t cw = (size_t)x->cells_w;
    x->tally = calloc((size_t)x->lay.width, sizeof *x->tally);
    x->entering = calloc((size_t)x->H, sizeof *x->entering);
    x->u = calloc(q * x->cells, sizeof *x->u);
    if (!x->y.on && !(x->agg = calloc(q * x->cells, sizeof *x->agg))) return 0;
    x->w = calloc(q * (x->H + 1) * cw * x->wch.n, sizeof *x->w);
    if (x->y.on) {
        x->w_next = calloc(q * (x->H + 1) * cw * x->wch.n, sizeof *x->w_next);
        x->v_w = calloc(cw, sizeof *x->v_w);
        x->v_w_next = calloc(cw, sizeof *x->v_w_next);
        if (!x->w_next || !x->v_w || !x->v_w_next) return 0;
    }
    if (x->m->loyalty.present) {
        size_t scr = (size_t)(x->H + 1) * x->wch.n;
        scr = scr > (size_t)x->cch.n ? scr : (size_t)x->cch.n;
        x->cw = calloc(cw * x->cch.n, sizeof *x->cw);
        x->cw_next = calloc(cw * x->cch.n, sizeof *x->cw_next);
        x->sv = malloc(scr * sizeof *x->sv);
        x->spv = malloc(scr * sizeof *x->spv);
        x->sleft = malloc(scr * sizeof *x->sleft);
        x->slice_in = malloc((size_t)(x->H + 1) * sizeof *x->slice_in);
        x->slice_out = malloc((size_t)(x->H + 1) * sizeof *x->slice_out);
        if (!x->cw || !x->cw_next || !x->sv || !x->spv || !x->sleft || !x->slice_in ||
            !x->slice_out)
            return 0;
    }
    x->conv_mass = calloc(q * (x->H + 1), sizeof *x->conv_mass);
    x->referrals = calloc((size_t)(x->H + 1) * q * x->G, sizeof *x->referrals);
    x->stay = calloc((size_t)x->cells, sizeof *x->stay);
    x->arrive = calloc((size_t)x->cells, sizeof *x->arrive);
    x->scratch = calloc((size_t)x->cells, sizeof *x->scratch);
    return x->tally && x->entering && x->u && x->w && x->conv_mass && x->referrals && x->stay &&
           x->arrive && x->scratch;
}

/* Whether every probability out of the stages converted counts can reach
 * is the same at every step (and none reads c.dwell): then how many of a
 * count converted into a cell are still outside a final stage depends on
 * the steps since its conversion alone. */
static bool after_conversion_static(exact_ctx *x)
{
    const cjm_model *m = x->m;
    bool seen[CJM_MAX_STAGES] = {0}, grew = true;
    for (int s = 0; s < x->S; s++) seen[s] = m->stages[s].converts;
    while (grew) {
        grew = false;
        for (int s = 0; s < x->S; s++)
            for (int e = m->edge_start[s]; seen[s] && e < m->edge_start[s + 1]; e++)
                if (!seen[m->edges[e].to]) grew = seen[m->edges[e].to] = true;
    }
    memcpy(x->post, seen, sizeof seen);
    for (int s = 0; s < x->S; s++)
        for (int e = m->edge_start[s]; seen[s] && e < m->edge_start[s + 1]; e++) {
            if (m->edges[e].dwell_index >= 0) return false;
            for (int g = 0; g < x->G; g++)
                for (int t = 1; t < x->H; t++)
                    if (cjm_model_prob(m, t, g, e) != cjm_model_prob(m, 0, g, e)) return false;
        }
    return true;
}

/* Without members: the funnel's batch, and retention's means. With static
 * probabilities after conversion, the survival surv[c][k] of a unit
 * converted into each converting cell c (time in stage 0): H moves of one
 * count per such cell, instead of moving every conversion time's counts at
 * every step; else the batch rb those counts move in. 0: out of memory. */
static int survival_make(exact_ctx *x)
{
    x->is_static = !x->y.on && after_conversion_static(x);
    size_t n = (size_t)x->H + 1, fs = (size_t)x->cells * x->S;
    if (!x->y.on) {
        x->fv = malloc(fs * sizeof *x->fv);
        x->fstay = malloc(fs * sizeof *x->fstay);
        x->farrive = malloc(fs * sizeof *x->farrive);
        x->fleft = malloc((size_t)x->S * sizeof *x->fleft);
        if (!x->fv || !x->fstay || !x->farrive || !x->fleft) return 0;
    }
    if (!x->is_static && !x->y.on) {
        x->rb = calloc((size_t)x->Q * x->cells * n, sizeof *x->rb);
        x->rb_stay = malloc((size_t)x->cells * n * sizeof *x->rb_stay);
        x->rb_arrive = malloc((size_t)x->cells * n * sizeof *x->rb_arrive);
        x->rb_left = malloc(n * sizeof *x->rb_left);
        x->rb_alive = malloc(n * sizeof *x->rb_alive);
        return x->rb && x->rb_stay && x->rb_arrive && x->rb_left && x->rb_alive;
    }
    if (!x->is_static) return 1;
    double *v = x->scratch;
    x->surv = calloc((size_t)x->cells * n, sizeof *x->surv);
    if (!x->surv) return 0;
    for (int c = 0; c < x->cells; c++) {
        if (x->cdwell[c] != 0 || !x->m->stages[x->cstage[c]].converts) continue;
        memset(v, 0, (size_t)x->cells * sizeof *v);
        v[c] = 1;
        x->surv[c * n] = alive_mass(x, v);
        for (int k = 1; k <= x->H; k++) {
            propagate(x, 0, v, x->stay, x->arrive, NULL);
            for (int i = 0; i < x->cells; i++) v[i] = x->stay[i] + x->arrive[i];
            x->surv[c * n + k] = alive_mass(x, v);
        }
    }
    return 1;
}

static void main_pass(exact_ctx *x)
{
    for (int t = 0; t <= x->H; t++) {
        if (t < x->H) inject(x, t);
        count_retention(x, t);
        count_members(x, t);
        if (t == x->H) break;
        count_steps(x, t);
        move_converted(x, t);
        if (x->cw) move_classes(x, t);
        move_unconverted(x, t);
    }
    count_retained(x);
    if (x->cw) count_loyalty_end(x);
}

static cjm_status exact_run(const cjm_model *m, cjm_result *r, int run, cjm_error *err)
{
    exact_ctx x;
    if (m->per_customer_count > 0)
        return cjm_model_refuse_per_customer(m, "the exact engine cannot compute", err);
    if (!ctx_make(&x, m, r) || (exact_values(&x) <= EXACT_MAX_VALUES && !survival_make(&x))) {
        ctx_free(&x);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory for the exact engine");
    }
    if (exact_values(&x) > EXACT_MAX_VALUES) {
        const loyal_dims *y = &x.y;
        char dwell[32];
        if (x.C == x.S)
            snprintf(dwell, sizeof dwell, "1");
        else
            snprintf(dwell, sizeof dwell, "%.3g", (double)x.C / x.S);
        cjm_status st = cjm_error_set(
            err, CJM_EUSAGE,
            "%s:%d: loyalty: the exact engine would track %.0f values (%d segments x %d stages "
            "x %s time-in-stage cells x %.0f loyalty states x %d conversion times x %d sources%s), "
            "above its limit of %d; use --engine agent, or fewer points to a reward, a shorter "
            "expire_after or review window, or a shorter horizon",
            m->file, m->loyalty.line, exact_values(&x), x.G, x.S, dwell, y->states, x.H + 1, x.Q,
            x.wch.n > 1 ? " x 2 channels" : "", EXACT_MAX_VALUES);
        ctx_free(&x);
        return st;
    }
    int64_t customers = cjm_result_customers(r, m);
    cjm_result_arrivals(r, m, x.entering);
    main_pass(&x);
    if (x.fv)
        reach_all(&x);
    else
        for (int s = 0; s < x.S; s++) x.tally[x.lay.reached + s] = reach_count(&x, s);
    if (x.failed) {
        ctx_free(&x);
        return cjm_error_set(err, CJM_EUSAGE,
                             "%s: the exact engine computes purchase rates up to %g per step; "
                             "one is %g: use --engine agent",
                             m->file, POISSON_MAX_RATE, x.failed_rate);
    }
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
