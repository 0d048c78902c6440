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
#include "result.h"
#include "rng.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_CUSTOMERS 4096

/* The model as the hot loop wants it: thresholds on a 32-bit draw. */
typedef struct agent_plan {
    const cjm_model *m;
    int S, G, E, H;
    int64_t customers;
    int blocks_per_run;
    uint64_t seed;
    uint64_t stride;   /* random numbers reserved per customer */
    uint64_t *seg_cum; /* [G]: cumulative segment shares x 2^32 */
    uint64_t *leave;   /* [(g*S + s)*H + t]: P(leave s) x 2^32 */
    uint32_t *rot;     /* [(g*S + s)*H + t]: mass of the top-packed edges x 2^32, mod 2^32 */
    uint64_t *cum;     /* [(t*G + g)*E + j]: cumulative in rotated order x 2^32 */
    int *dest;         /* [j]: the stage position j leads to (rotated order per stage) */
    unsigned char *converts, *final;
    cjm_tally_layout lay;
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
    free(p->seg_cum);
    free(p->leave);
    free(p->rot);
    free(p->cum);
    free(p->dest);
    free(p->converts);
    free(p->final);
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
    p->stride = (uint64_t)p->H + 1;
    p->blocks_per_run = (int)((p->customers + BLOCK_CUSTOMERS - 1) / BLOCK_CUSTOMERS);
    p->lay = cjm_tally_layout_make(p->S, p->H);
    p->seg_cum = malloc((size_t)p->G * sizeof *p->seg_cum);
    p->leave = malloc((size_t)p->G * p->S * p->H * sizeof *p->leave);
    p->rot = malloc((size_t)p->G * p->S * p->H * sizeof *p->rot);
    p->cum = malloc((size_t)p->H * p->G * p->E * sizeof *p->cum);
    p->dest = malloc((size_t)p->E * sizeof *p->dest);
    p->converts = malloc((size_t)p->S);
    p->final = malloc((size_t)p->S);
    if (!p->seg_cum || !p->leave || !p->rot || !p->cum || !p->dest || !p->converts || !p->final) {
        plan_free(p);
        return cjm_error_set(err, CJM_ENOMEM, "out of memory planning the simulation");
    }
    for (int s = 0; s < p->S; s++) {
        p->converts[s] = m->stages[s].converts;
        p->final[s] = m->stages[s].final;
    }
    fill_thresholds(p);
    return CJM_OK;
}

/* One customer's story, as the counts it adds. */
typedef struct customer {
    int g, s, t_enter, tau; /* tau: conversion time, -1 while unconverted */
    uint64_t visited;
} customer;

static void count_entry(const agent_plan *p, int64_t *tally, customer *c, int s, int t)
{
    if (c->tau < 0 && p->converts[s]) {
        c->tau = t;
        tally[p->lay.converted]++;
    }
    int phase = c->tau < 0 ? CJM_PRE : c->tau == t ? CJM_AT : CJM_POST;
    tally[p->lay.entries + phase * p->S + s]++;
    c->s = s;
    c->t_enter = t;
    c->visited |= 1ull << s;
}

/* Steps [c->t_enter, end) spent in c->s. */
static void count_steps(const agent_plan *p, int64_t *tally, const customer *c, int end)
{
    int a = c->t_enter, n = end - a;
    if (n <= 0) return;
    int64_t *steps = tally + p->lay.steps + c->s;
    if (c->tau < 0) {
        steps[CJM_PRE * p->S] += n;
    } else if (c->tau == a) {
        steps[CJM_AT * p->S]++;
        steps[CJM_POST * p->S] += n - 1;
    } else {
        steps[CJM_POST * p->S] += n;
    }
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

static void simulate_customer(const agent_plan *p, cjm_rng *rng, int64_t *tally)
{
    const int H = p->H;
    customer c = {pick_segment(p, cjm_rng_next(rng)), 0, 0, -1, 0};
    count_entry(p, tally, &c, 0, 0);
    int t = 0;
    while (t < H && !p->final[c.s]) {
        size_t row = ((size_t)c.g * p->S + c.s) * H;
        const uint64_t *leave = p->leave + row;
        const uint32_t *rot = p->rot + row;
        uint32_t v = 0;
        for (; t < H; t++) {
            v = cjm_rng_next(rng) + rot[t];
            if (v < leave[t]) break;
        }
        if (t == H) break;
        const uint64_t *cum = p->cum + ((size_t)t * p->G + c.g) * p->E;
        int j = p->m->edge_start[c.s];
        while (v >= cum[j]) j++;
        count_steps(p, tally, &c, t + 1);
        count_entry(p, tally, &c, p->dest[j], ++t);
    }
    count_steps(p, tally, &c, H);
    if (c.tau >= 0) {
        count_retention(p, tally, &c, p->final[c.s] ? c.t_enter : H + 1);
        tally[p->lay.retained] += !p->final[c.s];
    }
    for (uint64_t v = c.visited; v; v &= v - 1) tally[p->lay.reached + __builtin_ctzll(v)]++;
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

static void simulate_block(const agent_job *job, long item, int64_t *tally)
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
    memset(tally, 0, (size_t)job->lay.width * sizeof *tally);
    for (int64_t j = 0; j < n; j++) {
        rng.state = start;
        simulate_customer(p, &rng, tally);
        start = cjm_rng_jump_apply(next, start);
    }
    _Atomic int64_t *dst = job->tallies + (size_t)k * job->lay.width;
    for (int i = 0; i < job->lay.width; i++)
        if (tally[i]) atomic_fetch_add_explicit(&dst[i], tally[i], memory_order_relaxed);
}

static void *worker(void *arg)
{
    agent_job *job = arg;
    int64_t *tally = malloc((size_t)job->lay.width * sizeof *tally);
    if (!tally) return (void *)1;
    long item, items = job->item_start[job->run_count];
    while ((item = atomic_fetch_add(&job->next_item, 1)) < items) simulate_block(job, item, tally);
    free(tally);
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

/* Simulates runs [first, first + count) with their plans; fills result rows. */
static cjm_status run_job(cjm_result *r, const agent_plan *const *plans, int first, int count,
                          cjm_error *err)
{
    agent_job job = {plans, first, count, NULL, plans[0]->lay, NULL, 0};
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
    }
    for (int k = 0; st == CJM_OK && k < count; k++) {
        const _Atomic int64_t *src = job.tallies + (size_t)k * job.lay.width;
        for (int i = 0; i < job.lay.width; i++) tally[i] = (double)atomic_load(&src[i]);
        suffix_sum(tally + job.lay.ret_num, plans[k]->H + 1);
        suffix_sum(tally + job.lay.ret_den, plans[k]->H + 1);
        cjm_result_set_run(r, first + k, tally, plans[k]->m, plans[k]->customers);
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
    cjm_status st = plan_make(&plan, m, r, r->settings.customers, err);
    if (st != CJM_OK) return st;
    const agent_plan **plans = malloc((size_t)r->runs * sizeof *plans);
    if (!plans) st = cjm_error_set(err, CJM_ENOMEM, "out of memory");
    for (int k = 0; plans && k < r->runs; k++) plans[k] = &plan;
    if (st == CJM_OK) st = run_job(r, plans, 0, r->runs, err);
    free(plans);
    plan_free(&plan);
    return st;
}

#define RUNS_PER_BATCH 64

/* With uncertain inputs each run has its own instance of the model and its own
 * plan; runs go in batches so that memory stays bounded. */
static cjm_status run_batch(const cjm_model *m, cjm_result *r, int first, int count, cjm_error *err)
{
    cjm_model *inst[RUNS_PER_BATCH] = {0};
    agent_plan plan[RUNS_PER_BATCH];
    const agent_plan *plans[RUNS_PER_BATCH];
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

cjm_status cjm_engine_agent(const cjm_model *m, cjm_result *r, cjm_error *err)
{
    if (m->uncertain_count == 0) return run_certain(m, r, err);
    cjm_status st = CJM_OK;
    for (int first = 0; st == CJM_OK && first < r->runs; first += RUNS_PER_BATCH) {
        int count = r->runs - first < RUNS_PER_BATCH ? r->runs - first : RUNS_PER_BATCH;
        st = run_batch(m, r, first, count, err);
    }
    return st;
}
