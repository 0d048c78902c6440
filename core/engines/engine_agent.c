/* engine_agent.c: simulates every customer, one by one.
 *
 * Random numbers are keyed, not sequential: customer j of block b in run r
 * reads the outputs j*stride .. j*stride+H of the PCG stream (seed, r, b):
 * slot 0 picks its segment, slot 1+t decides its move in step t. So a
 * customer draws the same numbers whatever other customers do, in whatever
 * order threads take blocks, and in every variant of a scenario (common
 * random numbers). A customer that reaches a final stage stops drawing; the
 * next customer's start is one affine jump away.
 *
 * Where a draw lands matters for common random numbers too: the first edge of
 * a stage takes the bottom of [0, 2^32), the others are packed from the top,
 * and staying is the gap between. Then a change to the first (or last) edge's
 * probability moves only the customers between that edge and staying, not
 * every band above it. The hot loop rotates the draw (v = u + rot) so that
 * "leave" is still one comparison, v < leave.
 *
 * All counts are integers, merged into the run's tally with atomic adds:
 * integer sums do not depend on order, so any thread count gives the same bytes. */
#include "agent_lanes.h"
#include "result.h"
#include "rng.h"
#include "sample.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_CUSTOMERS 4096
#define CJM_AGENT_MAX_PER_CUSTOMER 16

/* The model as the hot loop wants it: thresholds on a 32-bit draw. */
typedef struct agent_plan {
    const cjm_model *m;
    int S, G, E, H;
    int64_t customers;
    int blocks_per_run;
    uint64_t seed;
    cjm_simd simd;     /* the settings' choice of kernel */
    uint64_t stride;   /* random numbers reserved per customer */
    uint64_t *seg_cum; /* [G]: cumulative segment shares x 2^32 */
    uint64_t *leave;   /* [(g*S + s)*H + t]: P(leave s) x 2^32 */
    uint32_t *rot;     /* [(g*S + s)*H + t]: mass of the top-packed edges x 2^32, mod 2^32 */
    uint64_t *cum;     /* [(t*G + g)*E + j]: cumulative in rotated order x 2^32 */
    int *dest;         /* [j]: the stage position j leads to (rotated order per stage) */
    int *move_of;      /* [from * S + to]: the tally's counter of the edge from -> to */
    unsigned char *converts, *final;
    unsigned char *slow; /* [S]: probabilities of the customer's own (per-customer, dwell) */
    const int *money_k;  /* [S]: the model's money_stage (-1: no money) */
    int phase_stride;    /* GM x S: from one phase's entry counters to the next */
    int *min_steps;      /* [S] */
    double *refers;      /* [S] */
    int64_t *arrive_cum; /* [H]: organic prospects arrived by the end of step t */
    int aux;             /* customers need their auxiliary stream */
    int64_t referral_limit;
    cjm_tally_layout lay;
    /* Repeat purchases and the loyalty program (the step-by-step path). */
    int loyal;                    /* customers are simulated step by step (loyal_customer) */
    int B;                        /* basket levels: 1 + tiers with a program, else 1 */
    double *rate;                 /* [b][t][g][s]: purchases per step with level b's benefit */
    double *rate_exp;             /* e^-rate */
    int64_t *points;              /* [b][s][g]: points a purchase earns at level b (b >= 1) */
    unsigned char *rate_by_state; /* [S]: the rate reads c.dwell or the loyalty context */
    unsigned char *move_by_state; /* [S]: an edge reads the context or a tier multiplies it */
    unsigned char *move_by_ctx;   /* [S]: an edge reads the context (non-members too) */
    uint64_t *join_at;            /* [(t * G + g) * S + s]: P(join) x 2^32 */
    /* Stay mode (settings.draws, docs/performance.md): a draw per edge and stay. */
    int stay;            /* customers draw their stays (never with purchases or a program) */
    double *lam;         /* [(g*E + e)*H + t]: edge e's hazard in step t (plan_stay's race) */
    int *lam_end;        /* [(g*E + e)*H + t]: the first step after t with another hazard, or H */
    double *lam_sum;     /* [(g*E + e)*(H + 1) + t]: edge e's hazard summed over steps [0, t) */
    int use_lanes;       /* the vectorised kernel simulates this model */
    uint64_t *lanes_cum; /* its thresholds, when they change with time */
    cjm_lanes_plan lanes;
} agent_plan;

/* A batch of runs simulated together: work items are (run, block) pairs,
 * numbered run by run; item_start[k] is the first item of the k-th run. */
typedef struct agent_job {
    const agent_plan *const *plans; /* [run_count] */
    int first_run, run_count;
    long *item_start; /* [run_count + 1] */
    cjm_tally_layout lay;
    _Atomic int64_t *tallies; /* [run_count][lay.width] */
    atomic_long next_item;
    atomic_int failed; /* 1: referrals without bound, 2: out of memory */
    const cjm_cancel *cancel;
    _Atomic int64_t draws; /* random numbers the scalar path drew (cjm_result_draws) */
    cjm_meter *meter;      /* progress (NULL: none) */
} agent_job;

static uint64_t scale32(double p)
{
    double x = p * 4294967296.0 + 0.5;
    return x >= 4294967296.0 ? 4294967296ull : (uint64_t)x;
}

/* Rotated order of stage s's edges: edges 1..k-1 first (they sit at the top
 * of the unrotated range), then edge 0 (the bottom). */
static int rotated_edge(const cjm_model *m, int s, int j)
{
    int first = m->edge_start[s], k = m->edge_start[s + 1] - first;
    return j < k - 1 ? first + 1 + j : first;
}

static void fill_stage(agent_plan *p, int t, int g, int s)
{
    const cjm_model *m = p->m;
    int first = m->edge_start[s], k = m->edge_start[s + 1] - first;
    uint64_t *cum = p->cum + ((size_t)t * p->G + g) * p->E + first;
    double sum = 0, top = 0;
    for (int j = 0; j < k; j++) {
        int e = rotated_edge(m, s, j);
        double prob = cjm_model_prob(m, t, g, e);
        sum += prob;
        if (j < k - 1) top += prob;
        cum[j] = scale32(sum);
        p->dest[first + j] = m->edges[e].to;
    }
    size_t cell = ((size_t)g * p->S + s) * p->H + t;
    p->leave[cell] = p->final[s] ? 0 : scale32(sum);
    p->rot[cell] = (uint32_t)scale32(top); /* mod 2^32: a full top band needs no rotation */
}

static void fill_thresholds(agent_plan *p)
{
    const cjm_model *m = p->m;
    double acc = 0;
    for (int g = 0; g < p->G; g++) p->seg_cum[g] = scale32(acc += m->segment_share[g]);
    p->seg_cum[p->G - 1] = 4294967296ull;
    for (int t = 0; t < p->H; t++)
        for (int g = 0; g < p->G; g++)
            for (int s = 0; s < p->S; s++) fill_stage(p, t, g, s);
}

static void plan_free(agent_plan *p)
{
    free(p->rate);
    free(p->rate_exp);
    free(p->points);
    free(p->rate_by_state);
    free(p->move_by_state);
    free(p->move_by_ctx);
    free(p->join_at);
    free(p->lanes_cum);
    free(p->lam);
    free(p->lam_end);
    free(p->lam_sum);
    free(p->slow);
    free(p->min_steps);
    free(p->refers);
    free(p->arrive_cum);
    free(p->seg_cum);
    free(p->leave);
    free(p->rot);
    free(p->cum);
    free(p->dest);
    free(p->move_of);
    free(p->converts);
    free(p->final);
}

/* Per-stage flags and the arrivals, from the model. */
static void plan_stages(agent_plan *p, const cjm_result *r)
{
    const cjm_model *m = p->m;
    for (int s = 0; s < p->S; s++) {
        p->converts[s] = m->stages[s].converts;
        p->final[s] = m->stages[s].final;
        p->min_steps[s] = m->stages[s].min_steps;
        p->refers[s] = m->stages[s].refers;
        for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
            for (int g = 0; g < p->G; g++)
                p->slow[s] |=
                    m->edges[e].kind[g] == CJM_PROB_PER_CUSTOMER || m->edges[e].dwell_index >= 0;
    }
    double *entering = malloc((size_t)p->H * sizeof *entering);
    int64_t acc = 0;
    if (entering) cjm_result_arrivals(r, m, entering);
    for (int t = 0; t < p->H; t++) p->arrive_cum[t] = acc += entering ? (int64_t)entering[t] : 0;
    free(entering);
    p->aux = m->per_customer_count > 0 || m->has_referrals;
    p->referral_limit = 64 * (int64_t)BLOCK_CUSTOMERS;
}

/* True when no threshold changes with time: step 0's stand for every step. */
static int thresholds_constant(const agent_plan *p)
{
    size_t cells = (size_t)p->G * p->S, per_step = (size_t)p->G * p->E;
    for (size_t c = 0; c < cells; c++)
        for (int t = 1; t < p->H; t++)
            if (p->leave[c * p->H + t] != p->leave[c * p->H] ||
                p->rot[c * p->H + t] != p->rot[c * p->H])
                return 0;
    for (int t = 1; t < p->H; t++)
        if (memcmp(p->cum + t * per_step, p->cum, per_step * sizeof *p->cum) != 0) return 0;
    return 1;
}

/* Thresholds that change with time cost the kernel gathers at every step,
 * more than the scalar loop spends on a step in which nobody moves; it pays
 * where customers move in more than about one step in ten (measured, 2e6
 * customers x 4 runs, kernel against scalar: b2b_software 0.82x at a rate of
 * 0.022, wedding_salon 1.70x at 0.16, beauty_clinic 1.88x at 0.17, the test
 * scenario cycles.lua 2.3x at 0.32). Above this many bytes of tables, the
 * scalar loop. */
#define LANES_TIMED_MIN_RATE 0.10
#define LANES_TIMED_BYTES (8 << 20) /* per plan; a batch of runs has up to 64 plans */
/* From this rate on, two steps per pass, below it three (measured, three
 * against two: wedding_salon 0.96x at a rate of 0.16, beauty_clinic 1.00x at
 * 0.17, issue_example.lua 1.07x at 0.25, cycles.lua 1.05x at 0.32). */
#define LANES_TIMED_TWO_STEPS 0.20

/* Expected moves per step spent outside a final stage, by the chain of the
 * plan's probabilities for a cohort that enters at step 0. */
static double move_rate(const agent_plan *p)
{
    const cjm_model *m = p->m;
    double occ[CJM_MAX_STAGES], next[CJM_MAX_STAGES], active = 0, moves = 0;
    for (int g = 0; g < p->G; g++) {
        memset(occ, 0, sizeof occ);
        occ[0] = m->segment_share[g];
        for (int t = 0; t < p->H; t++) {
            memset(next, 0, sizeof next);
            for (int s = 0; s < p->S; s++) {
                double leave = 0;
                for (int e = m->edge_start[s]; !p->final[s] && e < m->edge_start[s + 1]; e++) {
                    double q = cjm_model_prob(m, t, g, e);
                    leave += q;
                    next[m->edges[e].to] += occ[s] * q;
                }
                next[s] += occ[s] * (1 - leave);
                if (!p->final[s]) active += occ[s];
                moves += occ[s] * leave;
            }
            memcpy(occ, next, sizeof occ);
        }
    }
    return active > 0 ? moves / active : 0;
}

/* The kernel's tables for thresholds that change with time; 0 if too big. */
static int plan_lanes_timed(agent_plan *p, double rate)
{
    const cjm_model *m = p->m;
    cjm_lanes_plan *l = &p->lanes;
    size_t plane = (size_t)p->G * p->S * p->H, planes = l->max_degree > 1 ? l->max_degree - 1 : 1;
    if (planes * plane * sizeof *p->lanes_cum > LANES_TIMED_BYTES) return 0;
    p->lanes_cum = malloc(planes * plane * sizeof *p->lanes_cum);
    if (!p->lanes_cum) return 0;
    for (int g = 0; g < p->G; g++)
        for (int s = 0; s < p->S; s++) {
            int c = g * p->S + s, first = m->edge_start[s], degree = m->edge_start[s + 1] - first;
            for (int k = 0; k < l->max_degree; k++)
                l->dest[k][c] =
                    g * p->S + (degree > 0 ? p->dest[first + (k < degree ? k : degree - 1)] : s);
            for (size_t k = 0; k < planes; k++)
                for (int t = 0; t < p->H; t++)
                    p->lanes_cum[k * plane + (size_t)c * p->H + t] =
                        (int)k + 1 < degree ? p->cum[((size_t)t * p->G + g) * p->E + first + k]
                                            : 1ull << 33;
        }
    l->timed = rate >= LANES_TIMED_TWO_STEPS ? 2 : 3;
    l->leave_t = p->leave;
    l->rot_t = p->rot;
    l->cum_t = p->lanes_cum;
    return 1;
}

/* The vectorised kernel's tables, when the model is one it simulates. */
static void plan_lanes(agent_plan *p)
{
    const cjm_model *m = p->m;
    cjm_lanes_plan *l = &p->lanes;
    *l = (cjm_lanes_plan){
        .S = p->S, .G = p->G, .H = p->H, .max_degree = 1, .lay = p->lay, .by_step = p->lay.K > 0};
    for (int s = 0; s < p->S; s++) {
        int degree = m->edge_start[s + 1] - m->edge_start[s];
        if (degree > l->max_degree) l->max_degree = degree;
    }
    l->isa = cjm_lanes_available(p->simd);
    /* The kernel counts money in one segment only (GM = 1). */
    p->use_lanes = p->G * p->S <= CJM_LANES_CELLS && l->max_degree <= CJM_LANES_DEGREE &&
                   cjm_lanes_fits(m, p->H) && l->isa != 0 && !m->money_by_segment;
    if (!p->use_lanes) return;
    for (int g = 0; g < p->G; g++) {
        l->seg_cum[g] = p->seg_cum[g];
        for (int s = 0; s < p->S; s++) { /* S x G <= 32: the cells fit */
            const cjm_stage *st = &m->stages[s];
            int c = g * p->S + s, step_money = 0, entry_money = 0;
            for (int what = 0; what < CJM_MONEY_KINDS; what++) {
                step_money |= cjm_stage_amount(m, s, g, CJM_AMOUNT(CJM_PER_STEP, what)) != 0;
                entry_money |= cjm_stage_amount(m, s, g, CJM_AMOUNT(CJM_ON_ENTRY, what)) != 0;
            }
            l->converts |= (uint32_t)(p->converts[s] != 0) << c;
            l->final |= (uint32_t)(p->final[s] != 0) << c;
            l->step_money |= (uint32_t)step_money << c;
            l->wait[c] = st->min_steps > 1 ? st->min_steps - 1 : 0;
            l->waits |= st->min_steps > 1;
            for (int ph = 0; ph < CJM_PHASES; ph++) { /* organic customers only */
                int row = (CJM_ORGANIC * CJM_PHASES + ph) * p->S + s;
                int steps = p->lay.steps + row; /* a stay that began with the conversion: ~ */
                l->stay_counter[3 * c + ph] = ph == CJM_AT ? ~steps : steps;
                l->entries[ph][c] = entry_money ? p->lay.entries + row : -1;
                int k = p->money_k[s], by_t = cjm_tally_t(&p->lay, ph != CJM_PRE, 0, k, 0);
                l->entry_t[3 * c + ph] = k >= 0 ? p->lay.entries_t + by_t : -1;
                l->stay_t[3 * c + ph] = k >= 0 ? p->lay.steps_t + by_t : -1;
            }
            l->reached[c] = p->lay.reached + s;
            for (int to = 0; to < p->S; to++)
                l->move_of[c * CJM_LANES_CELLS + g * p->S + to] = p->move_of[s * p->S + to];
        }
    }
    if (!thresholds_constant(p)) { /* gathers: the AVX-512 kernel only */
        double rate = move_rate(p);
        p->use_lanes =
            l->isa == CJM_LANES_AVX512 && rate >= LANES_TIMED_MIN_RATE && plan_lanes_timed(p, rate);
        return;
    }
    for (int g = 0; g < p->G; g++)
        for (int s = 0; s < p->S; s++) {
            int c = g * p->S + s, first = m->edge_start[s], degree = m->edge_start[s + 1] - first;
            uint64_t leave = p->leave[(size_t)c * p->H];
            l->leave[c] = (uint32_t)leave;
            l->leave_all |= (uint32_t)(leave >> 32) << c;
            l->rot[c] = p->rot[(size_t)c * p->H];
            int last = 0; /* the last edge a draw below 2^32 can take */
            while (last + 1 < degree && p->cum[(size_t)g * p->E + first + last] < 1ull << 32)
                last++;
            const uint64_t *cum = p->cum + (size_t)g * p->E + first;
            /* past the last edge, repeat the threshold before it: still increasing */
            uint32_t past = last > 0 ? (uint32_t)cum[last - 1] : 0;
            for (int k = 0; k < l->max_degree; k++) {
                l->dest[k][c] =
                    g * p->S + (degree > 0 ? p->dest[first + (k < last ? k : last)] : s);
                if (k + 1 < l->max_degree) l->cum[k][c] = k < last ? (uint32_t)cum[k] : past;
            }
        }
}

static int plan_loyal(agent_plan *p);

/* Stay mode's hazards. A stay is a race of one exponential clock per edge:
 * edge e fires once its cumulative hazard, summed step by step, passes the
 * clock's Exp(1) draw, and the customer leaves by the edge that fires first
 * (within a step, by the fraction of the step). With hazards lambda_e =
 * p_e x (-log(1 - q)) / q in a step where the stage's probabilities p_e sum
 * to q, nobody fires with probability e^(-sum lambda) = 1 - q and edge e fires
 * first with probability p_e / q: exactly the step's probabilities. A change
 * to one edge's probability moves that edge's clock (and the others' by the
 * second-order factor log(1 - q) / q), so common random numbers couple the
 * customers of two variants as in step mode. A sure exit (q = 1) has total
 * hazard 50: it fails to leave with probability e^-50 = 2e-22. */
static double hazard_factor(double q)
{
    if (q <= 0) return 1;
    double total = q >= 1 ? 50 : -log1p(-q);
    return (total > 50 ? 50 : total) / q;
}

/* The hazards of every edge and step, and the ends of their spans of
 * constant hazard. 0 when out of memory. */
static int plan_stay(agent_plan *p)
{
    const cjm_model *m = p->m;
    const int H = p->H;
    size_t cells = (size_t)p->G * p->E * H;
    p->lam = calloc(cells, sizeof *p->lam);
    p->lam_end = malloc(cells * sizeof *p->lam_end);
    p->lam_sum = malloc((size_t)p->G * p->E * (H + 1) * sizeof *p->lam_sum);
    if (!p->lam || !p->lam_end || !p->lam_sum) return 0;
    for (int g = 0; g < p->G; g++)
        for (int s = 0; s < p->S; s++)
            for (int t = 0; !p->final[s] && t < H; t++) {
                double q = 0;
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                    q += cjm_model_prob(m, t, g, e);
                double f = hazard_factor(q > 1 ? 1 : q);
                for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++)
                    p->lam[((size_t)g * p->E + e) * H + t] = cjm_model_prob(m, t, g, e) * f;
            }
    for (size_t row = 0; row < (size_t)p->G * p->E; row++) {
        const double *lam = p->lam + row * H;
        int *end = p->lam_end + row * H;
        double *sum = p->lam_sum + row * (H + 1);
        for (int t = H - 1; t >= 0; t--)
            end[t] = t + 1 < H && lam[t + 1] == lam[t] ? end[t + 1] : t + 1;
        sum[0] = 0;
        for (int t = 0; t < H; t++) sum[t + 1] = sum[t] + lam[t];
    }
    return 1;
}

static cjm_status plan_make(agent_plan *p, const cjm_model *m, const cjm_result *r,
                            int64_t customers, cjm_error *err)
{
    memset(p, 0, sizeof *p);
    p->m = m;
    p->S = m->stage_count;
    p->G = m->segment_count;
    p->E = m->edge_count > 0 ? m->edge_count : 1;
    p->H = r->horizon;
    p->customers = customers;
    p->seed = r->settings.seed;
    p->simd = r->settings.simd;
    p->blocks_per_run = (int)((p->customers + BLOCK_CUSTOMERS - 1) / BLOCK_CUSTOMERS);
    p->lay = cjm_tally_layout_make(m, p->H);
    p->money_k = m->money_stage;
    p->phase_stride = p->lay.GM * p->S;
    p->seg_cum = malloc((size_t)p->G * sizeof *p->seg_cum);
    p->leave = malloc((size_t)p->G * p->S * p->H * sizeof *p->leave);
    p->rot = malloc((size_t)p->G * p->S * p->H * sizeof *p->rot);
    p->cum = calloc((size_t)p->H * p->G * p->E, sizeof *p->cum); /* a model may have no edges */
    p->dest = malloc((size_t)p->E * sizeof *p->dest);
    p->move_of = calloc((size_t)p->S * p->S, sizeof *p->move_of);
    p->converts = malloc((size_t)p->S);
    p->final = malloc((size_t)p->S);
    p->slow = calloc((size_t)p->S, 1);
    p->min_steps = malloc((size_t)p->S * sizeof *p->min_steps);
    p->refers = malloc((size_t)p->S * sizeof *p->refers);
    p->arrive_cum = malloc((size_t)p->H * sizeof *p->arrive_cum);
    if (!p->seg_cum || !p->leave || !p->rot || !p->cum || !p->dest || !p->move_of || !p->converts ||
        !p->final || !p->slow || !p->min_steps || !p->refers || !p->arrive_cum) {
        plan_free(p);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory planning the simulation");
    }
    plan_stages(p, r);
    for (int e = 0; e < m->edge_count; e++)
        p->move_of[m->edges[e].from * p->S + m->edges[e].to] = p->lay.moves + e;
    fill_thresholds(p);
    if ((m->has_purchases || m->loyalty.present) && !plan_loyal(p)) {
        plan_free(p);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory planning the purchases");
    }
    /* stay mode: a customer makes at most H + 1 stays, each draws a number
     * per edge of its stage */
    p->stay = r->settings.draws == CJM_DRAWS_STAY && !p->loyal;
    int degree = 1;
    for (int st = 0; st < p->S; st++)
        if (m->edge_start[st + 1] - m->edge_start[st] > degree)
            degree = m->edge_start[st + 1] - m->edge_start[st];
    p->stride = p->stay ? 1 + ((uint64_t)p->H + 1) * (uint64_t)degree : (uint64_t)p->H + 1;
    if (p->stay && !plan_stay(p)) {
        plan_free(p);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory planning the stays");
    }
    if (!p->loyal && !p->stay) plan_lanes(p);
    return CJM_OK;
}

/* One customer's story, as the counts it adds. */
typedef struct customer {
    int g, s, t_enter, tau; /* tau: conversion time, -1 while unconverted */
    int arrival;            /* the step it entered the cohort */
    int referrer;           /* -1 organic, else the stage of the customer who referred it */
    uint64_t key;           /* its identity in the run: names its random streams */
    uint64_t visited;
    int64_t *entries, *steps; /* its source's and money segment's rows: [phase][.][stage] */
    int64_t *money_t;         /* its money segment's counts by step, class 0 */
    double pc[CJM_AGENT_MAX_PER_CUSTOMER]; /* its own per-customer probabilities */
    cjm_rng aux; /* per-customer draws and referrals, apart from the moves */
    /* the step-by-step path: purchases and joining, each one draw a step */
    cjm_rng buy, join;
    int member, tier, since, count, phase;
    int64_t balance;
    int64_t *conv; /* [2 + B][K]: entries, steps and purchases at and after conversion */
    int64_t draws; /* stay mode: the random numbers its stays and moves drew */
} customer;

/* A referred prospect waiting to be simulated. */
typedef struct pending {
    uint64_t key;
    int t, stage, referrer;
    int g; /* the referrer's segment, to take (refers_segment = "same"), or -1 */
} pending;

/* What one block of customers adds up, and its referred prospects. */
typedef struct block_work {
    int64_t *tally;
    int64_t *acc; /* the counts of blocks of run acc_run (-1: none) not yet merged */
    int acc_run;
    uint64_t *lane_state; /* for the vectorised kernel */
    cjm_lanes_log *log;
    int32_t *lane_cell, *lane_arrival;
    pending *stack;
    size_t stack_len, stack_cap;
    int64_t referred;
    int64_t draws, acc_draws; /* random numbers drawn: this block's, and not yet merged */
    int run;
    int overflow;
    int64_t *conv; /* a customer's counts by class, for the step-by-step path */
} block_work;

static int src_of(const customer *c)
{
    return c->referrer < 0 ? CJM_ORGANIC : CJM_REFERRED;
}

#define HOT static inline __attribute__((always_inline))

HOT void count_entry(const agent_plan *p, int64_t *tally, customer *c, int s, int t)
{
    if (c->tau < 0 && p->converts[s]) {
        c->tau = t;
        tally[p->lay.converted]++;
        tally[p->lay.converted_src + src_of(c)]++;
        if (c->referrer >= 0) {
            tally[p->lay.refconv + c->referrer]++;
            tally[p->lay.refconv_t + c->referrer * (p->H + 1) + t]++;
        } else
            tally[p->lay.arr_converted + c->arrival]++;
    }
    int phase = c->tau < 0 ? CJM_PRE : c->tau == t ? CJM_AT : CJM_POST, k = p->money_k[s];
    c->entries[phase * p->phase_stride + s]++;
    if (k >= 0)
        c->money_t[(c->tau >= 0) * p->lay.GM * p->lay.K * (p->H + 1) + k * (p->H + 1) + t]++;
    c->s = s;
    c->t_enter = t;
    c->visited |= 1ull << s;
}

/* Each step t in a referring stage brings Poisson(refers at t for the
 * customer's segment) prospects, who enter at the next step (if it is
 * before the horizon). */
static void refer(const agent_plan *p, block_work *w, customer *c, int a, int end)
{
    const cjm_stage *st = &p->m->stages[c->s];
    int g = st->refers_same ? c->g : -1;
    for (int t = a; t < end && t + 1 < p->H; t++) {
        uint64_t k = cjm_sample_poisson(&c->aux, cjm_model_refers(p->m, t, c->g, c->s));
        for (uint64_t i = 0; i < k; i++) {
            if (w->referred >= p->referral_limit) {
                w->overflow = 1;
                return;
            }
            if (w->stack_len == w->stack_cap) {
                size_t cap = w->stack_cap ? 2 * w->stack_cap : 256;
                pending *grown = realloc(w->stack, cap * sizeof *grown);
                if (!grown) {
                    w->overflow = 2;
                    return;
                }
                w->stack = grown;
                w->stack_cap = cap;
            }
            uint64_t key = cjm_mix64(c->key * 0x9e3779b97f4a7c15ULL + (uint64_t)t * 0x10001u + i);
            w->stack[w->stack_len++] = (pending){key, t + 1, st->refers_to, c->s, g};
            w->referred++;
        }
    }
}

/* Steps [c->t_enter, end) spent in c->s; by step, as differences (+1 at
 * the first, -1 after the last), summed when the run is done. */
HOT void count_steps(const agent_plan *p, block_work *w, customer *c, int end)
{
    int a = c->t_enter, n = end - a, k = p->money_k[c->s];
    if (n <= 0) return;
    int64_t *steps = c->steps + c->s;
    if (c->tau < 0) {
        steps[CJM_PRE * p->phase_stride] += n;
    } else if (c->tau == a) {
        steps[CJM_AT * p->phase_stride]++;
        steps[CJM_POST * p->phase_stride] += n - 1;
    } else {
        steps[CJM_POST * p->phase_stride] += n;
    }
    if (k >= 0) {
        int64_t *d = c->money_t + (p->lay.steps_t - p->lay.entries_t) +
                     (size_t)(c->tau >= 0) * p->lay.GM * p->lay.K * (p->H + 1) + k * (p->H + 1);
        d[a]++;
        d[end]--;
    }
    if (p->refers[c->s]) refer(p, w, c, a, end);
}

/* Retention as difference arrays: the converted customer counts in the
 * denominator for k in [0, H - tau] and in the numerator while alive. */
static void count_retention(const agent_plan *p, int64_t *tally, const customer *c, int absorbed)
{
    int span = p->H - c->tau;
    int alive = absorbed - c->tau - 1;
    if (alive > span) alive = span;
    if (alive < 0) alive = 0;
    tally[p->lay.ret_den + span]++;
    tally[p->lay.ret_num + alive]++;
}

static int pick_segment(const agent_plan *p, uint32_t u)
{
    int g = 0;
    while (u >= p->seg_cum[g]) g++;
    return g;
}

/* The customer's probabilities of the edges out of c->s in step t, in
 * rotated order (per-customer or by time in stage), scaled down to sum to 1
 * if they sum to more; returns their sum, and in *top_out that of the
 * top-packed edges (all but edge 0). */
static double slow_probs(const agent_plan *p, const customer *c, int t, double *probs,
                         double *top_out)
{
    const cjm_model *m = p->m;
    int k = m->edge_start[c->s + 1] - m->edge_start[c->s];
    double sum = 0, top = 0;
    for (int j = 0; j < k; j++) {
        int e = rotated_edge(m, c->s, j);
        const cjm_edge *edge = &m->edges[e];
        double prob = cjm_model_prob(m, t, c->g, e);
        if (edge->kind[c->g] == CJM_PROB_PER_CUSTOMER) prob *= c->pc[edge->pc[c->g]];
        if (edge->dwell_index >= 0)
            prob *= cjm_model_dwell_prob(m, edge->dwell_index, t, c->g, t - c->t_enter);
        probs[j] = prob;
        sum += prob;
        if (j < k - 1) top += prob;
    }
    if (sum > 1) { /* a customer far in its distribution's tail */
        for (int j = 0; j < k; j++) probs[j] /= sum;
        top /= sum;
        sum = 1;
    }
    *top_out = top;
    return sum;
}

/* The move in step t from a stage whose probabilities are the customer's own
 * (per-customer or by time in stage): the same band layout as fill_stage,
 * computed for this customer. Returns the destination, or -1 to stay. */
static int slow_move(const agent_plan *p, const customer *c, int t, uint32_t u)
{
    int first = p->m->edge_start[c->s], k = p->m->edge_start[c->s + 1] - first;
    double top, probs[CJM_MAX_STAGES], sum = slow_probs(p, c, t, probs, &top);
    uint32_t v = u + (uint32_t)scale32(top);
    if (v >= scale32(sum)) return -1;
    double acc = 0;
    for (int j = 0; j < k; j++)
        if (v < scale32(acc += probs[j])) return p->dest[first + j];
    return p->dest[first + k - 1];
}

/* Steps from t until the customer leaves c->s (the move's step) or the horizon. */
static int stay_until(const agent_plan *p, customer *c, cjm_rng *rng, int t, int *dest)
{
    const int H = p->H;
    if (p->min_steps[c->s] > 1) { /* it may leave once it has spent them */
        int until = c->t_enter + p->min_steps[c->s] - 1;
        for (; t < until && t < H; t++) (void)cjm_rng_next(rng);
    }
    if (p->slow[c->s]) {
        for (; t < H; t++)
            if ((*dest = slow_move(p, c, t, cjm_rng_next(rng))) >= 0) return t;
        return H;
    }
    size_t row = ((size_t)c->g * p->S + c->s) * H;
    const uint64_t *leave = p->leave + row;
    const uint32_t *rot = p->rot + row;
    uint64_t state = rng->state, inc = rng->inc; /* in registers: tally writes may alias */
    uint32_t v = 0;
    for (; t < H; t++) {
        uint64_t old = state;
        state = old * CJM_PCG_MULT + inc;
        v = cjm_pcg_output(old) + rot[t];
        if (v < leave[t]) break;
    }
    rng->state = state;
    if (t == H) return H;
    const uint64_t *cum = p->cum + ((size_t)t * p->G + c->g) * p->E;
    int j = p->m->edge_start[c->s];
    while (v >= cum[j]) j++;
    *dest = p->dest[j];
    return t;
}

/* Stay mode in a stage whose probabilities are the customer's own: the race
 * of plan_stay with each step's hazards computed for the customer, from
 * step t on, clocks x[] (in the stage's edge order). */
static int slow_stay(const agent_plan *p, customer *c, int t, double *x, int *dest)
{
    const cjm_model *m = p->m;
    int first = m->edge_start[c->s], k = m->edge_start[c->s + 1] - first;
    double top, probs[CJM_MAX_STAGES];
    for (; t < p->H; t++) {
        double sum = slow_probs(p, c, t, probs, &top), f = hazard_factor(sum), soonest = 2;
        int fired = -1;
        for (int j = 0; sum > 0 && j < k; j++) {
            int e = rotated_edge(m, c->s, j);
            double l = probs[j] * f, *clock = &x[e - first];
            if (l <= 0) continue;
            if (*clock < l && *clock / l < soonest) {
                soonest = *clock / l;
                fired = e;
            }
            *clock -= l;
        }
        if (fired >= 0) {
            *dest = m->edges[fired].to;
            return t;
        }
    }
    return p->H;
}

/* Whether the clock x of hazard row `row` (g x E + e) fires in steps
 * [from, lim): then the step, and the fraction of it that had passed. Where
 * the hazard is constant over those steps, by one division; else by
 * bisection on the hazard's sums. */
HOT int clock_fires(const agent_plan *p, size_t row, int from, int lim, double x, int *fire,
                    double *frac)
{
    const int H = p->H;
    const double *lam = p->lam + row * H;
    if (p->lam_end[row * H + from] >= lim) {
        double l = lam[from];
        if (l == 0) return 0;
        double steps = x / l;
        if (steps >= lim - from) return 0;
        *fire = from + (int)steps;
        *frac = steps - (int)steps;
        return 1;
    }
    const double *sum = p->lam_sum + row * (H + 1);
    double base = sum[from];
    if (x >= sum[lim] - base) return 0;
    int lo = from, hi = lim - 1; /* the first step whose end passes x */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (sum[mid + 1] - base > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    double f = (x - (sum[lo] - base)) / lam[lo];
    *fire = lo;
    *frac = f < 0 ? 0 : f > 1 ? 1 : f;
    return 1;
}

/* Stay mode: the step in which the customer leaves c->s, from step t (its
 * entry, then its min_steps), or H; *dest, where to. One draw per edge of
 * the stage (in the stage's order, whatever happens: the customer's n-th stay
 * in a stage meets the same numbers in every variant) sets that edge's clock,
 * Exp(1) by inversion; each clock runs against its edge's hazards
 * (plan_stay), and the first to fire, among the steps up to the soonest so
 * far, decides. */
static int stay_drawn(const agent_plan *p, customer *c, cjm_rng *rng, int t, int *dest)
{
    const int H = p->H;
    const cjm_model *m = p->m;
    int from = c->t_enter + p->min_steps[c->s] - 1;
    if (from < t) from = t;
    if (from >= H) return H;
    int first = m->edge_start[c->s], k = m->edge_start[c->s + 1] - first, best = H;
    double clocks[CJM_MAX_STAGES], soonest = 2;
    c->draws += k;
    for (int j = 0; j < k; j++) clocks[j] = -cjm_log_u32(cjm_rng_next(rng));
    if (p->slow[c->s]) return slow_stay(p, c, from, clocks, dest);
    for (int j = 0; j < k; j++) {
        double steps;
        int fire;
        if (!clock_fires(p, (size_t)c->g * p->E + first + j, from, best < H ? best + 1 : H,
                         clocks[j], &fire, &steps))
            continue;
        if (fire < best || (fire == best && steps < soonest)) {
            best = fire;
            soonest = steps;
            *dest = m->edges[first + j].to;
        }
    }
    return best;
}

/* ---- repeat purchases and the loyalty program: step by step ----
 *
 * A customer in a model with purchases or a program is simulated one step
 * at a time. Each step t, in this order (docs/loyalty.md): a converted
 * non-member in an eligible stage may join (one draw of its join stream);
 * it makes a Poisson number of purchases (one 53-bit uniform of its buy
 * stream, by inversion, so that common random numbers couple the counts of
 * two arms); a member earns points for them, redeems rewards, may lose its
 * balance to expiry and is reviewed; then it moves, with the move draw of
 * the per-step path (slot 1 + t), so that its moves meet the same numbers
 * as everywhere else. Both streams advance one step per step whatever
 * happens, so a customer's draws at step t do not depend on its past. */

#define BUY_KEY 0x94d049bb133111ebULL
#define JOIN_KEY 0xbf58476d1ce4e5b9ULL
#define BIG_RATE_KEY 0xd6e8feb86659fd93ULL
#define INVERSION_RATE 30.0 /* above it, a per-step stream and PTRS */

static int benefit_level(const customer *c)
{
    return c->member ? 1 + c->tier : 0;
}

/* Tables by level, step, segment and stage; 0 when out of memory. */
static int plan_loyal(agent_plan *p)
{
    const cjm_model *m = p->m;
    const cjm_loyalty *l = &m->loyalty;
    int S = p->S, G = p->G, H = p->H;
    p->loyal = 1;
    p->B = l->present ? l->tier_count + 1 : 1;
    size_t cells = (size_t)p->B * H * G * S;
    p->rate = malloc(cells * sizeof *p->rate);
    p->rate_exp = malloc(cells * sizeof *p->rate_exp);
    p->points = calloc((size_t)p->B * S * G, sizeof *p->points);
    p->rate_by_state = calloc((size_t)S, 1);
    p->move_by_state = calloc((size_t)S, 1);
    p->move_by_ctx = calloc((size_t)S, 1);
    p->join_at = calloc((size_t)H * G * S, sizeof *p->join_at);
    if (!p->rate || !p->rate_exp || !p->points || !p->rate_by_state || !p->move_by_state ||
        !p->move_by_ctx || !p->join_at)
        return 0;
    for (int s = 0; s < S; s++) {
        p->rate_by_state[s] =
            m->has_purchases && (m->purchase_dwell[s] >= 0 || m->purchase_loyalty[s] >= 0);
        for (int e = m->edge_start[s]; e < m->edge_start[s + 1]; e++) {
            p->move_by_state[s] |= m->edges[e].loyalty_index >= 0;
            p->move_by_ctx[s] |= m->edges[e].loyalty_index >= 0;
            for (int k = 0; l->present && k < l->tier_count; k++)
                p->move_by_state[s] |= l->tiers[k].on[e] != 1;
        }
    }
    for (int b = 0; b < p->B; b++)
        for (int t = 0; t < H; t++)
            for (int g = 0; g < G; g++)
                for (int s = 0; s < S; s++) {
                    double x = b ? l->tiers[b - 1].benefit[CJM_BENEFIT_PURCHASES] : 1;
                    double rate =
                        p->rate_by_state[s] ? 0 : cjm_model_purchases(m, t, g, s, 0, 0) * x;
                    size_t i = (((size_t)b * H + t) * G + g) * S + s;
                    p->rate[i] = rate;
                    p->rate_exp[i] = exp(-rate);
                }
    for (int b = 1; b < p->B; b++)
        for (int s = 0; s < S; s++)
            for (int g = 0; g < G; g++) {
                const cjm_tier *tier = &l->tiers[b - 1];
                double spend =
                    cjm_stage_amount(m, s, g, CJM_AMOUNT(CJM_PER_PURCHASE, CJM_REVENUE)) *
                    tier->benefit[CJM_BENEFIT_BASKET];
                double pts =
                    (l->per_purchase + l->per_unit * spend) * tier->benefit[CJM_BENEFIT_POINTS];
                p->points[((size_t)b * S + s) * G + g] = (int64_t)floor(pts + 1e-9);
            }
    for (size_t i = 0; l->present && i < (size_t)H * G * S; i++)
        p->join_at[i] = scale32(l->join[i]);
    return 1;
}

/* A 53-bit uniform on [0, 1) from two outputs. */
static double uniform53(cjm_rng *rng)
{
    uint64_t hi = cjm_rng_next(rng), lo = cjm_rng_next(rng);
    return (double)((hi << 21) ^ (lo >> 11)) * 0x1p-53;
}

/* The customer's purchases in step t at the given rate (and e^-rate): by
 * inversion of this step's uniform u, or for a rate above INVERSION_RATE by
 * PTRS on a stream of (customer, step). */
static int64_t purchases_of(const agent_plan *p, const customer *c, int run, int t, double rate,
                            double e_minus, double u)
{
    if (rate <= 0) return 0;
    if (rate > INVERSION_RATE) {
        cjm_rng big;
        cjm_rng_stream(&big, p->seed ^ BIG_RATE_KEY, (uint64_t)run,
                       cjm_mix64(c->key * 0x9e3779b97f4a7c15ULL + (uint64_t)t));
        return (int64_t)cjm_sample_poisson(&big, rate);
    }
    double term = e_minus, cdf = term;
    int64_t n = 0;
    while (u >= cdf && n < 1000) {
        n++;
        term *= rate / (double)n;
        cdf += term;
        if (term == 0) break; /* u in the last rounding of the tail */
    }
    return n;
}

/* The purchases' rate of the customer's state at t, and e^-rate. */
static double rate_now(const agent_plan *p, const customer *c, int t, double *e_minus)
{
    const cjm_model *m = p->m;
    int b = benefit_level(c);
    if (!p->rate_by_state[c->s]) {
        size_t i = (((size_t)b * p->H + t) * p->G + c->g) * p->S + c->s;
        *e_minus = p->rate_exp[i];
        return p->rate[i];
    }
    int ctx = c->member ? cjm_loyalty_context(m, c->tier, c->balance) : 0;
    double x = b ? m->loyalty.tiers[b - 1].benefit[CJM_BENEFIT_PURCHASES] : 1;
    double rate = cjm_model_purchases(m, t, c->g, c->s, t - c->t_enter, ctx) * x;
    *e_minus = exp(-rate);
    return rate;
}

/* The largest reward the balance reaches, redeemed at once, again while it
 * reaches one; then the cap (points above it are not issued). */
static void redeem(const agent_plan *p, block_work *w, customer *c, int t)
{
    const cjm_loyalty *l = &p->m->loyalty;
    const cjm_tally_layout *lay = &p->lay;
    while (l->reward_count && c->balance >= l->rewards[0].at) {
        int r = l->reward_count - 1;
        while (l->rewards[r].at > c->balance) r--;
        c->balance -= l->rewards[r].at;
        w->tally[lay->redeemed] += l->rewards[r].at;
        w->tally[lay->redemptions + r]++;
        w->tally[lay->redemptions_t + r * (p->H + 1) + t]++;
    }
    if (c->balance > l->cap) {
        w->tally[lay->issued] -= c->balance - l->cap;
        c->balance = l->cap;
    }
}

/* At a review: up into the highest tier whose qualify rule the purchases
 * since the last review meet; else down one tier if they miss its keep. */
static void review(const cjm_loyalty *l, customer *c)
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

/* A member's step t: points for n purchases, expiry, the review, its cost. */
static void member_step(const agent_plan *p, block_work *w, customer *c, int t, int64_t n)
{
    const cjm_loyalty *l = &p->m->loyalty;
    const cjm_tally_layout *lay = &p->lay;
    int64_t earned = n * p->points[((size_t)(1 + c->tier) * p->S + c->s) * p->G + c->g];
    c->balance += earned;
    w->tally[lay->issued] += earned;
    redeem(p, w, c, t);
    c->since = n > 0 ? 0 : c->since + 1;
    if (l->expire_after && c->since >= l->expire_after && c->balance > 0) {
        w->tally[lay->expired] += c->balance;
        c->balance = 0;
    }
    c->count = c->count + n > l->counter_cap ? l->counter_cap : c->count + (int)n;
    if (l->review && ++c->phase == l->review) review(l, c);
    w->tally[lay->member_steps]++;
    w->tally[lay->member_t + t]++;
}

/* A member who has entered a final stage at step t: no purchases, so the
 * balance expires once the steps without one reach expire_after (if before
 * the horizon); what is left is outstanding. */
static void member_absorbed(const agent_plan *p, block_work *w, customer *c, int t)
{
    const cjm_loyalty *l = &p->m->loyalty;
    if (l->expire_after && c->balance > 0 && t + l->expire_after - c->since - 1 < p->H) {
        w->tally[p->lay.expired] += c->balance;
        c->balance = 0;
    }
}

/* Members and tiers at time t (before step t's joins). */
static void count_members(const agent_plan *p, block_work *w, const customer *c, int t)
{
    if (!c->member || p->final[c->s]) return;
    w->tally[p->lay.members_t + t]++;
    w->tally[p->lay.tier_t + c->tier * (p->H + 1) + t]++;
}

/* The move of step t from the customer's state: the plan's thresholds, or
 * probabilities computed for its context and tier (as slow_move lays out). */
static int loyal_move(const agent_plan *p, const customer *c, int t, uint32_t u)
{
    const cjm_model *m = p->m;
    int s = c->s;
    /* the thresholds hold 1 for an edge that reads the context: a
     * non-member's probability is its context 0's */
    if (!p->slow[s] && !p->move_by_ctx[s] && !(p->move_by_state[s] && c->member)) {
        size_t cell = ((size_t)c->g * p->S + s) * p->H + t;
        uint32_t v = u + p->rot[cell];
        if (v >= p->leave[cell]) return -1;
        const uint64_t *cum = p->cum + ((size_t)t * p->G + c->g) * p->E;
        int j = m->edge_start[s];
        while (v >= cum[j]) j++;
        return p->dest[j];
    }
    int first = m->edge_start[s], k = m->edge_start[s + 1] - first;
    int ctx = c->member ? cjm_loyalty_context(m, c->tier, c->balance) : 0;
    double sum = 0, top = 0, probs[CJM_MAX_STAGES];
    for (int j = 0; j < k; j++) {
        int e = rotated_edge(m, s, j);
        const cjm_edge *edge = &m->edges[e];
        double prob =
            cjm_model_edge_prob(m, t, c->g, e, t - c->t_enter, ctx, c->member ? c->tier : -1);
        if (edge->kind[c->g] == CJM_PROB_PER_CUSTOMER) prob *= c->pc[edge->pc[c->g]];
        probs[j] = prob;
        sum += prob;
        if (j < k - 1) top += prob;
    }
    if (sum > 1) {
        for (int j = 0; j < k; j++) probs[j] /= sum;
        top /= sum;
        sum = 1;
    }
    uint32_t v = u + (uint32_t)scale32(top);
    if (v >= scale32(sum)) return -1;
    double acc = 0;
    for (int j = 0; j < k; j++)
        if (v < scale32(acc += probs[j])) return p->dest[first + j];
    return p->dest[first + k - 1];
}

/* The counts of an entry into stage s at t that the class split needs. */
static void loyal_entry(const agent_plan *p, int64_t *tally, customer *c, int s, int t)
{
    count_entry(p, tally, c, s, t);
    int k = p->money_k[s];
    if (c->tau >= 0 && k >= 0 && c->conv) c->conv[0 * p->lay.K + k]++;
}

/* Purchases n at step t in the customer's stage: by level, phase and step. */
static void count_purchases(const agent_plan *p, block_work *w, customer *c, int t, int64_t n)
{
    const cjm_tally_layout *l = &p->lay;
    int b = benefit_level(c), gm = l->GM > 1 ? c->g : 0, k = p->money_k[c->s];
    int ph = c->tau < 0 ? CJM_PRE : c->tau == t ? CJM_AT : CJM_POST;
    w->tally[l->purchases + cjm_tally_purchase(l, b, src_of(c), ph, gm, c->s)] += n;
    if (k < 0) return;
    w->tally[l->purchases_t + cjm_tally_purchase_t(l, b, c->tau >= 0, gm, k, t)] += n;
    if (c->tau >= 0 && c->conv) c->conv[(2 + b) * l->K + k] += n;
}

/* The customer's class at the end (0 never joined, 1 + tier) and its
 * counts, if it converted. */
static void count_class(const agent_plan *p, block_work *w, const customer *c)
{
    const cjm_tally_layout *l = &p->lay;
    if (!p->m->loyalty.present || c->tau < 0) return;
    int cls = c->member ? 1 + c->tier : 0, gm = l->GM > 1 ? c->g : 0;
    w->tally[l->class_n + cls]++;
    w->tally[l->class_retained + cls] += !p->final[c->s];
    for (int kind = 0; kind < 2 + l->B; kind++)
        for (int k = 0; k < l->K; k++) {
            int64_t n = c->conv[kind * l->K + k];
            if (n) w->tally[l->class_counts + cjm_tally_class(l, cls, gm, kind, k)] += n;
        }
}

/* Step t of a customer outside a final stage, before its move. */
static void loyal_step(const agent_plan *p, block_work *w, customer *c, int t)
{
    const cjm_model *m = p->m;
    const cjm_loyalty *l = &m->loyalty;
    uint32_t ju = cjm_rng_next(&c->join);
    double u = uniform53(&c->buy);
    if (l->present && !c->member && c->tau >= 0 &&
        ju < p->join_at[((size_t)t * p->G + c->g) * p->S + c->s]) {
        c->member = 1;
        c->tier = c->since = c->count = c->phase = 0;
        c->balance = 0;
        w->tally[p->lay.joined]++;
        w->tally[p->lay.joins_t + t]++;
    }
    double e_minus, rate = rate_now(p, c, t, &e_minus);
    int64_t n = purchases_of(p, c, w->run, t, rate, e_minus, u);
    if (n) count_purchases(p, w, c, t, n);
    if (c->member) member_step(p, w, c, t, n);
    if (c->tau >= 0 && c->conv && p->money_k[c->s] >= 0) c->conv[1 * p->lay.K + p->money_k[c->s]]++;
}

/* A customer of a model with purchases or a program, step by step. rng is
 * at its first slot (its segment draw). */
static void loyal_customer(const agent_plan *p, block_work *w, cjm_rng *rng, customer *c, int stage)
{
    const int H = p->H;
    int64_t *tally = w->tally;
    c->member = c->tier = c->since = c->count = c->phase = 0;
    c->balance = 0;
    c->conv = p->m->loyalty.present ? w->conv : NULL;
    if (c->conv) memset(c->conv, 0, (size_t)(2 + p->lay.B) * p->lay.K * sizeof *c->conv);
    cjm_rng_stream(&c->buy, p->seed ^ BUY_KEY, (uint64_t)w->run, c->key);
    cjm_rng_stream(&c->join, p->seed ^ JOIN_KEY, (uint64_t)w->run, c->key);
    if (c->arrival > 0) {
        cjm_rng_advance(&c->buy, 2 * (uint64_t)c->arrival);
        cjm_rng_advance(&c->join, (uint64_t)c->arrival);
    }
    loyal_entry(p, tally, c, stage, c->arrival);
    for (int t = c->arrival; t < H && !p->final[c->s]; t++) {
        if (p->m->loyalty.present) count_members(p, w, c, t);
        loyal_step(p, w, c, t);
        uint32_t u = cjm_rng_next(rng);
        if (t < c->t_enter + p->min_steps[c->s] - 1) continue; /* spends its minimum first */
        int dest = loyal_move(p, c, t, u);
        if (dest < 0) continue;
        count_steps(p, w, c, t + 1);
        tally[p->move_of[c->s * p->S + dest]]++;
        loyal_entry(p, tally, c, dest, t + 1);
        if (p->final[c->s] && c->member) member_absorbed(p, w, c, t + 1);
    }
    if (p->m->loyalty.present) count_members(p, w, c, H);
    count_steps(p, w, c, H);
    if (c->member) {
        tally[p->lay.outstanding] += c->balance;
        tally[p->lay.active] += !p->final[c->s];
    }
    count_class(p, w, c);
}

/* rng is at the customer's first slot (its segment draw, made even when
 * the customer takes its referrer's segment g >= 0). */
static void simulate_customer(const agent_plan *p, block_work *w, cjm_rng *rng, customer *c,
                              int stage, int g)
{
    const int H = p->H;
    int64_t *tally = w->tally;
    c->g = pick_segment(p, cjm_rng_next(rng));
    if (g >= 0) c->g = g;
    c->tau = -1;
    c->visited = 0;
    int gm = p->lay.GM > 1 ? c->g : 0;
    c->entries = tally + p->lay.entries + cjm_tally_cell(&p->lay, src_of(c), 0, gm, 0);
    c->steps = tally + p->lay.steps + cjm_tally_cell(&p->lay, src_of(c), 0, gm, 0);
    c->money_t = tally + p->lay.entries_t + cjm_tally_t(&p->lay, 0, gm, 0, 0);
    if (c->arrival > 0 && !p->stay) cjm_rng_advance(rng, (uint64_t)c->arrival);
    c->draws = 1;
    if (p->aux) cjm_rng_stream(&c->aux, p->seed ^ 0xa0761d6478bd642fULL, (uint64_t)w->run, c->key);
    for (int k = 0; k < p->m->per_customer_count; k++)
        c->pc[k] = cjm_dist_sample(&p->m->per_customer[k].dist, &c->aux);
    if (p->loyal) {
        loyal_customer(p, w, rng, c, stage);
        w->draws += 1 + 4 * (int64_t)((p->final[c->s] ? c->t_enter : H) - c->arrival);
        for (uint64_t v = c->visited; v; v &= v - 1) tally[p->lay.reached + __builtin_ctzll(v)]++;
        if (c->tau >= 0) {
            count_retention(p, tally, c, p->final[c->s] ? c->t_enter : H + 1);
            tally[p->lay.retained] += !p->final[c->s];
        }
        return;
    }
    count_entry(p, tally, c, stage, c->arrival);
    int t = c->arrival, dest = 0;
    while (t < H && !p->final[c->s]) {
        t = p->stay ? stay_drawn(p, c, rng, t, &dest) : stay_until(p, c, rng, t, &dest);
        if (t == H) break;
        count_steps(p, w, c, t + 1);
        tally[p->move_of[c->s * p->S + dest]]++;
        count_entry(p, tally, c, dest, ++t);
    }
    w->draws += p->stay ? c->draws : 1 + t - c->arrival;
    count_steps(p, w, c, H);
    if (c->tau >= 0) {
        count_retention(p, tally, c, p->final[c->s] ? c->t_enter : H + 1);
        tally[p->lay.retained] += !p->final[c->s];
    }
    for (uint64_t v = c->visited; v; v &= v - 1) tally[p->lay.reached + __builtin_ctzll(v)]++;
}

/* Referred prospects, depth first; each has streams named by its key. */
static void simulate_referred(const agent_plan *p, block_work *w)
{
    while (w->stack_len > 0 && !w->overflow) {
        pending next = w->stack[--w->stack_len];
        customer c;
        c.arrival = next.t;
        c.referrer = next.referrer;
        c.key = next.key;
        cjm_rng rng;
        cjm_rng_stream(&rng, p->seed ^ 0xe7037ed1a0b428dbULL, (uint64_t)w->run, next.key);
        w->tally[p->lay.referred]++;
        simulate_customer(p, w, &rng, &c, next.stage, next.g);
    }
}

/* The step organic customer i arrives at. */
static int arrival_of(const agent_plan *p, int64_t i)
{
    int lo = 0, hi = p->H - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (i < p->arrive_cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The run (index into the job) that item belongs to. */
static int item_run(const agent_job *job, long item)
{
    int lo = 0, hi = job->run_count - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (job->item_start[mid] <= item)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The progress of a finished block: its share of its run's CJM_METER_RUN
 * (the shares of a run's blocks sum to it exactly). */
static void block_done(const agent_job *job, long item)
{
    if (!job->meter) return;
    int k = item_run(job, item);
    long j = item - job->item_start[k], b = job->plans[k]->blocks_per_run;
    cjm_meter_add(job->meter, CJM_METER_RUN * (j + 1) / b - CJM_METER_RUN * j / b);
}

/* Adds the worker's counts for its current run to that run's tally. */
static void merge_run(agent_job *job, block_work *w)
{
    if (w->acc_run < 0) return;
    _Atomic int64_t *dst = job->tallies + (size_t)w->acc_run * job->lay.width;
    for (int i = 0; i < job->lay.width; i++)
        if (w->acc[i]) atomic_fetch_add_explicit(&dst[i], w->acc[i], memory_order_relaxed);
    memset(w->acc, 0, (size_t)job->lay.width * sizeof *w->acc);
    atomic_fetch_add_explicit(&job->draws, w->acc_draws, memory_order_relaxed);
    w->acc_draws = 0;
    w->acc_run = -1;
}

/* Adds a block's counts to its run's: a worker takes blocks in order, most
 * of them of one run, so its counts reach the shared tally once a run. */
static void merge_block(agent_job *job, int k, block_work *w)
{
    if (k != w->acc_run) {
        merge_run(job, w);
        w->acc_run = k;
    }
    for (int i = 0; i < job->lay.width; i++) w->acc[i] += w->tally[i];
    w->acc_draws += w->draws;
}

/* The block through the vectorised kernel: here, each customer's segment
 * draw and arrival, and its entry into the first stage, which are the same for
 * all; the kernel does the rest. */
static void simulate_block_lanes(const agent_plan *p, block_work *w, cjm_rng rng, int64_t first,
                                 int n)
{
    const cjm_tally_layout *lay = &p->lay;
    int64_t *tally = w->tally;
    int k0 = p->money_k[0],
        first_t = k0 >= 0 ? cjm_tally_t(lay, p->converts[0] != 0, 0, k0, 0) : -1;
    cjm_lanes_prepare(&p->lanes, rng.state, cjm_rng_jump_make(p->stride, rng.inc), rng.inc, n,
                      w->lane_state, w->lane_cell);
    /* customers arrive in order: [j, end) arrive at step a; slot 0 is the
     * segment draw, so their moves start 1 + a slots on */
    for (int a = arrival_of(p, first), j = 0; j < n; a++) {
        int end = p->arrive_cum[a] - first < n ? (int)(p->arrive_cum[a] - first) : n;
        if (end <= j) continue;
        cjm_rng_jump late = cjm_rng_jump_make((uint64_t)a, rng.inc);
        for (int i = j; i < end; i++) {
            if (a > 0) w->lane_state[i] = cjm_rng_jump_apply(late, w->lane_state[i]);
            w->lane_arrival[i] = a;
        }
        tally[lay->arr_prospects + a] += end - j;
        if (first_t >= 0) tally[lay->entries_t + first_t + a] += end - j;
        j = end;
    }
    int phase = p->converts[0] ? CJM_AT : CJM_PRE;
    tally[lay->entries + (CJM_ORGANIC * CJM_PHASES + phase) * p->S] += n;
    tally[lay->reached] += n;
    cjm_lanes_block b = {n, rng.inc, w->lane_state, w->lane_cell, w->lane_arrival};
    cjm_lanes_run(&p->lanes, &b, tally, w->log);
    int64_t converted = 0;
    for (int t = 0; t < p->H; t++) converted += tally[lay->arr_converted + t];
    tally[lay->converted] = converted;
    tally[lay->converted_src + CJM_ORGANIC] = converted;
}

static void simulate_block(agent_job *job, long item, block_work *w)
{
    int k = item_run(job, item);
    const agent_plan *p = job->plans[k];
    int run = job->first_run + k, block = (int)(item - job->item_start[k]);
    int64_t first = (int64_t)block * BLOCK_CUSTOMERS;
    int64_t n = p->customers - first < BLOCK_CUSTOMERS ? p->customers - first : BLOCK_CUSTOMERS;
    cjm_rng rng;
    cjm_rng_stream(&rng, p->seed, (uint64_t)run, (uint64_t)block);
    cjm_rng_jump next = cjm_rng_jump_make(p->stride, rng.inc);
    uint64_t start = rng.state;
    memset(w->tally, 0, (size_t)job->lay.width * sizeof *w->tally);
    w->run = run;
    w->referred = 0;
    w->draws = 0;
    w->stack_len = 0;
    if (p->use_lanes) {
        simulate_block_lanes(p, w, rng, first, (int)n);
        merge_block(job, k, w);
        return;
    }
    int arrival = arrival_of(p, first);
    for (int64_t j = 0; j < n && !w->overflow; j++) {
        while (first + j >= p->arrive_cum[arrival]) arrival++;
        customer c;
        c.arrival = arrival;
        c.referrer = -1;
        c.key = (uint64_t)(first + j);
        w->tally[p->lay.arr_prospects + arrival]++;
        rng.state = start;
        simulate_customer(p, w, &rng, &c, 0, -1);
        simulate_referred(p, w);
        start = cjm_rng_jump_apply(next, start);
    }
    if (w->overflow) atomic_store(&job->failed, w->overflow);
    merge_block(job, k, w);
}

static void *worker(void *arg)
{
    agent_job *job = arg;
    block_work w = {0};
    w.tally = malloc((size_t)job->lay.width * sizeof *w.tally);
    w.acc = calloc((size_t)job->lay.width, sizeof *w.acc);
    w.acc_run = -1;
    /* spare entries: the kernel loads past the block's end (what it loads
     * there, zeros or an earlier block's customers, goes to no lane) */
    w.lane_state = calloc(BLOCK_CUSTOMERS + CJM_LANES_SPARE, sizeof *w.lane_state);
    w.lane_cell = calloc(BLOCK_CUSTOMERS + CJM_LANES_SPARE, sizeof *w.lane_cell);
    w.lane_arrival = calloc(BLOCK_CUSTOMERS + CJM_LANES_SPARE, sizeof *w.lane_arrival);
    w.log = calloc(1, sizeof *w.log);
    w.conv = calloc((size_t)(2 + job->lay.B) * (job->lay.K + 1), sizeof *w.conv);
    if (w.log)
        w.log->copies =
            calloc((CJM_LANES_COPIES - 1) * (size_t)job->lay.ret_num, sizeof *w.log->copies);
    if (!w.tally || !w.acc || !w.lane_state || !w.lane_cell || !w.lane_arrival || !w.log ||
        !w.log->copies || !w.conv) {
        if (w.log) free(w.log->copies);
        free(w.conv);
        free(w.tally);
        free(w.acc);
        free(w.lane_state);
        free(w.lane_cell);
        free(w.lane_arrival);
        free(w.log);
        return (void *)1;
    }
    long item, items = job->item_start[job->run_count];
    while (!atomic_load(&job->failed) && !cjm_cancel_requested(job->cancel) &&
           (item = atomic_fetch_add(&job->next_item, 1)) < items)
        simulate_block(job, item, &w), block_done(job, item);
    merge_run(job, &w);
    free(w.tally);
    free(w.acc);
    free(w.stack);
    free(w.conv);
    free(w.lane_state);
    free(w.lane_cell);
    free(w.lane_arrival);
    free(w.log->copies);
    free(w.log);
    return NULL;
}

static cjm_status run_threads(agent_job *job, int threads, cjm_error *err)
{
    long items = job->item_start[job->run_count];
    if (threads > items) threads = (int)items;
    if (threads < 1) threads = 1;
    pthread_t *ids = malloc((size_t)threads * sizeof *ids);
    if (!ids) return cjm_error_set(err, CJM_ENOMEM, "out of memory");
    int started = 0, failed = 0;
    for (; started < threads; started++)
        if (pthread_create(&ids[started], NULL, worker, job) != 0) break;
    if (started == 0) failed = worker(job) != NULL;
    for (int i = 0; i < started; i++) {
        void *ret;
        pthread_join(ids[i], &ret);
        failed |= ret != NULL;
    }
    free(ids);
    return failed ? cjm_error_set(err, CJM_ENOMEM, "out of memory in a worker thread") : CJM_OK;
}

/* Turns difference arrays into counts: ret[k] = sum of diff[j] for j >= k. */
static void suffix_sum(double *a, int n)
{
    for (int k = n - 2; k >= 0; k--) a[k] += a[k + 1];
}

/* Turns rows of difference arrays into counts: a[k] = sum of diff[j], j <= k. */
static void prefix_sums(double *a, int rows, int n)
{
    for (int r = 0; r < rows; r++)
        for (int k = 1; k < n; k++) a[(size_t)r * n + k] += a[(size_t)r * n + k - 1];
}

/* Simulates runs [first, first + count) with their plans; fills result rows. */
static cjm_status run_job(cjm_result *r, const agent_plan *const *plans, int first, int count,
                          cjm_error *err)
{
    agent_job job = {plans,
                     first,
                     count,
                     NULL,
                     plans[0]->lay,
                     NULL,
                     0,
                     0,
                     r->settings.cancel,
                     0,
                     r->meter && r->meter->fn ? r->meter : NULL};
    job.item_start = malloc((size_t)(count + 1) * sizeof *job.item_start);
    job.tallies = calloc((size_t)count * job.lay.width, sizeof *job.tallies);
    double *tally = malloc((size_t)job.lay.width * sizeof *tally);
    cjm_status st = job.item_start && job.tallies && tally
                        ? CJM_OK
                        : cjm_error_set(err, CJM_ENOMEM, "out of memory for %d runs", count);
    if (st == CJM_OK) {
        job.item_start[0] = 0;
        for (int k = 0; k < count; k++)
            job.item_start[k + 1] = job.item_start[k] + plans[k]->blocks_per_run;
        st = run_threads(&job, r->settings.threads, err);
        r->draws += atomic_load(&job.draws);
    }
    if (st == CJM_OK && atomic_load(&job.failed) == 1)
        st = cjm_error_set(err, CJM_ESCENARIO,
                           "%s: referrals grow without bound: more than %lld referred prospects "
                           "from %d customers (each customer brings more than one more); lower "
                           "the refers rates",
                           plans[0]->m->file, (long long)plans[0]->referral_limit, BLOCK_CUSTOMERS);
    else if (st == CJM_OK && atomic_load(&job.failed))
        st = cjm_error_set(err, CJM_ENOMEM, "out of memory for referred prospects");
    for (int k = 0; st == CJM_OK && k < count; k++) {
        const _Atomic int64_t *src = job.tallies + (size_t)k * job.lay.width;
        for (int i = 0; i < job.lay.width; i++) tally[i] = (double)atomic_load(&src[i]);
        suffix_sum(tally + job.lay.ret_num, plans[k]->H + 1);
        suffix_sum(tally + job.lay.ret_den, plans[k]->H + 1);
        prefix_sums(tally + job.lay.steps_t, 2 * job.lay.GM * job.lay.K, plans[k]->H + 1);
        st = cjm_result_set_run(r, first + k, tally, plans[k]->m, plans[k]->customers, err);
    }
    free(tally);
    free(job.tallies);
    free(job.item_start);
    return st;
}

/* Without uncertain inputs every run shares one plan. */
static cjm_status run_certain(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    agent_plan plan;
    cjm_status st = plan_make(&plan, m, r, cjm_result_customers(r, m), err);
    if (st != CJM_OK) return st;
    int own = r->run_to - r->run_from;
    const agent_plan **plans = malloc((size_t)(own > 0 ? own : 1) * sizeof *plans);
    if (!plans) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int k = 0; plans && k < own; k++) plans[k] = &plan;
    if (st == CJM_OK && own > 0) st = run_job(r, plans, r->run_from, own, err);
    free(plans);
    plan_free(&plan);
    return st;
}

#define RUNS_PER_BATCH 64

/* With uncertain inputs each run has its own instance of the model and its own
 * plan; runs go in batches so that memory stays bounded. */
static cjm_status run_batch(cjm_result *r, int first, int count, cjm_error *err)
{
    cjm_model *inst[RUNS_PER_BATCH] = {0};
    agent_plan plan[RUNS_PER_BATCH];
    const agent_plan *plans[RUNS_PER_BATCH] = {0};
    int made = 0;
    cjm_status st = CJM_OK;
    for (; st == CJM_OK && made < count; made++) {
        st = cjm_result_instance(r, first + made, &inst[made], err);
        if (st == CJM_OK) {
            st = plan_make(&plan[made], inst[made], r, cjm_result_customers(r, inst[made]), err);
            plans[made] = &plan[made];
        }
        if (st != CJM_OK) cjm_model_free(&inst[made]);
    }
    if (st == CJM_OK) st = run_job(r, plans, first, count, err);
    for (int k = 0; k < made; k++) {
        if (inst[k]) plan_free(&plan[k]);
        cjm_model_free(&inst[k]);
    }
    return st;
}

bool cjm_engine_agent_vectorised(const cjm_result *r)
{
    agent_plan plan;
    cjm_error err;
    const cjm_model *m = r->model;
    if (plan_make(&plan, m, r, cjm_result_customers(r, m), &err) != CJM_OK) return false;
    bool used = plan.use_lanes;
    plan_free(&plan);
    return used;
}

cjm_status cjm_engine_agent(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    if (m->uncertain_count == 0) return run_certain(m, r, err);
    cjm_status st = CJM_OK;
    for (int first = r->run_from; st == CJM_OK && first < r->run_to; first += RUNS_PER_BATCH) {
        int count = r->run_to - first < RUNS_PER_BATCH ? r->run_to - first : RUNS_PER_BATCH;
        st = run_batch(r, first, count, err);
    }
    return st;
}
