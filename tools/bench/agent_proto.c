/* tools/bench/agent_proto.c: an experiment, not part of cjm. What the agent
 * engine's hot loop costs if a block of customers is simulated step-major
 * (for t: for each active customer) instead of customer-major (for each
 * customer: for t), with the move chosen without a data-dependent branch.
 *
 * The model is tools/bench/journey.lua, hard-coded (as in journey_plain.lua).
 * The random numbers follow cjm's scheme: customer j of block b in run r owns
 * the outputs j*(H+1) .. j*(H+1)+H of the PCG32 stream keyed by (seed, r, b);
 * slot 0 picks the segment, slot 1+t the move at step t; a customer in a final
 * stage stops drawing. Since each customer still reads its own slots in order,
 * the step-major order changes no draw, only the order they are made in. The
 * bookkeeping is cjm's: entries and steps by phase (before / at / after
 * conversion) and stage, conversions, stages reached, retention at the horizon.
 * (Moves use cumulative thresholds in edge order, not cjm's rotated bands, so
 * the per-customer results are not cjm's: compare the totals statistically.)
 *
 *     cc -O2 -o agent_proto tools/bench/agent_proto.c
 *     ./agent_proto CUSTOMERS RUNS [SEED [vec]]
 *
 * "vec" selects the second form: each step in two passes, a vectorisable one
 * (draw, thresholds, destination for every active lane) and a scalar one
 * (book the moves, compact the active lanes). Both forms make the same draws
 * and print the same totals.
 *
 * Prints conversion, revenue and cost (per run means) and the wall time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define H 52
#define S 8
#define G 2
#define K 4 /* thresholds per (segment, stage), padded: max out-degree 3 */
#define BLOCK 4096
#define PCG_MULT 6364136223846793005ULL

enum { PRE, AT, POST, PHASES };

static const double cost_in[S] = {0, 0, 12, 5, 0, 0, 0, 0};
static const double rev_in[S] = {0, 0, 0, 10, 90, 0, 0, 0};
static const double cost_step[S] = {0, 0, 0, 0, 0, 1, 2, 0};
static const double rev_step[S] = {0, 0, 0, 0, 0, 15, 20, 0};
static const int converts[S] = {0, 0, 0, 0, 1, 0, 0, 0};
static const unsigned char final[S] = {0, 0, 0, 0, 0, 0, 0, 1};
static const double share[G] = {0.6, 0.4};
static const double cost_per_prospect = 0.5;

typedef struct edge {
    int from, to;
    double p[G];
} edge;

static const edge edges[] = {
    {0, 1, {0.20, 0.20}}, {0, 7, {0.10, 0.10}}, {1, 2, {0.15, 0.10}}, {1, 0, {0.05, 0.05}},
    {1, 7, {0.06, 0.06}}, {2, 3, {0.40, 0.40}}, {2, 1, {0.10, 0.10}}, {2, 7, {0.20, 0.20}},
    {3, 4, {0.50, 0.60}}, {3, 2, {0.05, 0.05}}, {3, 7, {0.15, 0.15}}, {4, 5, {0.35, 0.35}},
    {4, 7, {0.15, 0.15}}, {5, 6, {0.08, 0.08}}, {5, 4, {0.05, 0.05}}, {5, 7, {0.04, 0.04}},
    {6, 5, {0.10, 0.10}}, {6, 7, {0.02, 0.02}},
};

/* The plan: thresholds on a 32-bit draw, per step (all steps alike here, but
 * laid out per step as cjm's are, so time-dependent models cost the same). */
static uint64_t thr[H][G * S][K];    /* cumulative x 2^32, padded with the total */
static unsigned char dest[S][K + 1]; /* dest[s][K] = s: stay */
static uint64_t seg_cum[G];

/* Tally, as cjm's layout. */
typedef struct tally {
    int64_t converted, retained;
    int64_t entries[PHASES][S], steps[PHASES][S], reached[S];
    int64_t ret_num[H + 1], ret_den[H + 1];
} tally;

static uint64_t scale32(double p)
{
    double x = p * 4294967296.0 + 0.5;
    return x >= 4294967296.0 ? 4294967296ull : (uint64_t)x;
}

static void plan(void)
{
    double acc = 0;
    for (int g = 0; g < G; g++) seg_cum[g] = scale32(acc += share[g]);
    seg_cum[G - 1] = 4294967296ull;
    for (int s = 0; s < S; s++) {
        int k = 0;
        for (size_t e = 0; e < sizeof edges / sizeof *edges; e++)
            if (edges[e].from == s) dest[s][k++] = (unsigned char)edges[e].to;
        for (; k <= K; k++) dest[s][k] = (unsigned char)s;
        for (int g = 0; g < G; g++) {
            double sum = 0;
            k = 0;
            for (size_t e = 0; e < sizeof edges / sizeof *edges; e++)
                if (edges[e].from == s) thr[0][g * S + s][k++] = scale32(sum += edges[e].p[g]);
            for (; k < K; k++) thr[0][g * S + s][k] = scale32(sum);
        }
    }
    for (int t = 1; t < H; t++) memcpy(thr[t], thr[0], sizeof thr[0]);
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline uint32_t pcg_out(uint64_t old)
{
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* cjm_rng_stream + cjm_rng_seed: the state and increment of stream (seed, a, b). */
static void stream(uint64_t seed, uint64_t a, uint64_t b, uint64_t *state, uint64_t *inc)
{
    uint64_t k = mix64(mix64(mix64(seed) ^ a) ^ (b * 0xd1342543de82ef95ULL));
    uint64_t initseq = mix64(k ^ 0x6a09e667f3bcc909ULL);
    *inc = (initseq << 1u) | 1u;
    *state = 0u * PCG_MULT + *inc;
    *state += k;
    *state = *state * PCG_MULT + *inc;
}

static void jump_make(uint64_t delta, uint64_t inc, uint64_t *mult, uint64_t *plus)
{
    uint64_t cm = PCG_MULT, cp = inc, am = 1, ap = 0;
    while (delta > 0) {
        if (delta & 1u) {
            am *= cm;
            ap = ap * cm + cp;
        }
        cp = (cm + 1u) * cp;
        cm *= cm;
        delta >>= 1u;
    }
    *mult = am;
    *plus = ap;
}

/* Steps [from_t, end) spent in stage s, by phase. */
static inline void count_steps(tally *ty, int s, int from_t, int end, int tau)
{
    int n = end - from_t;
    if (n <= 0) return;
    if (tau < 0) {
        ty->steps[PRE][s] += n;
    } else if (tau == from_t) {
        ty->steps[AT][s]++;
        ty->steps[POST][s] += n - 1;
    } else {
        ty->steps[POST][s] += n;
    }
}

typedef struct block_state {
    uint64_t st[BLOCK];
    unsigned char s[BLOCK], row[BLOCK]; /* row = g*S + s */
    int16_t tau[BLOCK], t_enter[BLOCK];
    uint16_t visited[BLOCK];
    uint16_t act[2][BLOCK], moved[BLOCK];
    unsigned char from[BLOCK];
} block_state;

static void simulate_block(block_state *b, uint64_t seed, int run, int block, int n, tally *ty)
{
    uint64_t start, inc, mult, plus;
    stream(seed, (uint64_t)run, (uint64_t)block, &start, &inc);
    jump_make(H + 1, inc, &mult, &plus);
    for (int i = 0; i < n; i++) {
        uint32_t u = pcg_out(start); /* slot 0: the segment */
        b->st[i] = start * PCG_MULT + inc;
        start = mult * start + plus;
        int g = 0;
        while (u >= seg_cum[g]) g++;
        b->s[i] = 0;
        b->row[i] = (unsigned char)(g * S);
        b->tau[i] = converts[0] ? 0 : -1;
        b->t_enter[i] = 0;
        b->visited[i] = 1;
        b->act[0][i] = (uint16_t)i;
    }
    if (converts[0]) ty->converted += n;
    ty->entries[converts[0] ? AT : PRE][0] += n;
    int na = final[0] ? 0 : n, cur = 0;
    for (int t = 0; t < H && na > 0; t++) {
        const uint64_t(*T)[K] = thr[t];
        const uint16_t *act = b->act[cur];
        uint16_t *next = b->act[cur ^ 1];
        int m = 0, nm = 0;
        /* The hot loop: no branch depends on a draw. Each customer's PCG chain
         * is independent of the others', so the multiplies overlap. */
        for (int k = 0; k < na; k++) {
            int i = act[k];
            uint64_t old = b->st[i];
            b->st[i] = old * PCG_MULT + inc;
            uint64_t u = pcg_out(old);
            int s = b->s[i];
            const uint64_t *c = T[b->row[i]];
            int idx = (u >= c[0]) + (u >= c[1]) + (u >= c[2]) + (u >= c[3]);
            int d = dest[s][idx];
            b->moved[nm] = (uint16_t)i;
            b->from[nm] = (unsigned char)s;
            nm += d != s;
            b->s[i] = (unsigned char)d;
            b->row[i] = (unsigned char)(b->row[i] - s + d);
            next[m] = (uint16_t)i;
            m += !final[d];
        }
        /* The moves of step t: entries at t + 1, steps of the stage left. */
        for (int q = 0; q < nm; q++) {
            int i = b->moved[q], d = b->s[i], tau = b->tau[i];
            count_steps(ty, b->from[q], b->t_enter[i], t + 1, tau);
            if (tau < 0 && converts[d]) {
                b->tau[i] = (int16_t)(tau = t + 1);
                ty->converted++;
            }
            ty->entries[tau < 0 ? PRE : tau == t + 1 ? AT : POST][d]++;
            b->t_enter[i] = (int16_t)(t + 1);
            b->visited[i] |= (uint16_t)(1u << d);
        }
        na = m;
        cur ^= 1;
    }
    for (int i = 0; i < n; i++) {
        int s = b->s[i], tau = b->tau[i];
        count_steps(ty, s, b->t_enter[i], H, tau);
        if (tau >= 0) {
            int absorbed = final[s] ? b->t_enter[i] : H + 1;
            int span = H - tau, alive = absorbed - tau - 1;
            if (alive > span) alive = span;
            if (alive < 0) alive = 0;
            ty->ret_den[span]++;
            ty->ret_num[alive]++;
            ty->retained += !final[s];
        }
        for (unsigned v = b->visited[i]; v; v &= v - 1) ty->reached[__builtin_ctz(v)]++;
    }
}

/* The same block, in two passes per step: a pass with no loads that depend
 * on another lane and no stores but in order, which compilers vectorise
 * (draw, thresholds, destination), then a scalar pass that keeps the
 * customers still active (compacting the arrays) and books the moves. */
typedef struct vec_state {
    uint64_t st[BLOCK];
    uint32_t row[BLOCK], nrow[BLOCK]; /* g*S + s before and after the step */
    uint16_t id[BLOCK];               /* customer of each lane */
    int16_t tau[BLOCK], t_enter[BLOCK];
    uint16_t visited[BLOCK];
    unsigned char s_end[BLOCK];
} vec_state;

static uint64_t thr_flat[H][G * S * K];
static uint32_t dest_flat[G * S * (K + 1)]; /* by row: the next row */

static void plan_flat(void)
{
    for (int t = 0; t < H; t++)
        for (int r = 0; r < G * S; r++)
            for (int k = 0; k < K; k++) thr_flat[t][r * K + k] = thr[t][r][k];
    for (int g = 0; g < G; g++)
        for (int s = 0; s < S; s++)
            for (int k = 0; k <= K; k++)
                dest_flat[(g * S + s) * (K + 1) + k] = (uint32_t)(g * S + dest[s][k]);
}

static void step_lanes(uint64_t *restrict st, const uint32_t *restrict row, uint32_t *restrict nrow,
                       const uint64_t *restrict T, uint64_t inc, int na)
{
    for (int k = 0; k < na; k++) {
        uint64_t old = st[k];
        st[k] = old * PCG_MULT + inc;
        uint32_t x = (uint32_t)(((old >> 18u) ^ old) >> 27u);
        uint32_t r = (uint32_t)(old >> 59u);
        uint64_t u = (x >> r) | (x << ((-r) & 31u));
        uint32_t rw = row[k];
        const uint64_t *c = T + rw * K;
        uint32_t idx = (u >= c[0]) + (u >= c[1]) + (u >= c[2]) + (u >= c[3]);
        nrow[k] = dest_flat[rw * (K + 1) + idx];
    }
}

static void simulate_block_vec(vec_state *b, uint64_t seed, int run, int block, int n, tally *ty)
{
    uint64_t start, inc, mult, plus;
    stream(seed, (uint64_t)run, (uint64_t)block, &start, &inc);
    jump_make(H + 1, inc, &mult, &plus);
    for (int i = 0; i < n; i++) {
        uint32_t u = pcg_out(start);
        b->st[i] = start * PCG_MULT + inc;
        start = mult * start + plus;
        int g = 0;
        while (u >= seg_cum[g]) g++;
        b->row[i] = (uint32_t)(g * S);
        b->id[i] = (uint16_t)i;
        b->tau[i] = converts[0] ? 0 : -1;
        b->t_enter[i] = 0;
        b->visited[i] = 1;
        b->s_end[i] = 0;
    }
    if (converts[0]) ty->converted += n;
    ty->entries[converts[0] ? AT : PRE][0] += n;
    int na = final[0] ? 0 : n;
    for (int t = 0; t < H && na > 0; t++) {
        step_lanes(b->st, b->row, b->nrow, thr_flat[t], inc, na);
        int m = 0;
        for (int k = 0; k < na; k++) {
            uint32_t from = b->row[k], to = b->nrow[k];
            int i = b->id[k];
            if (from != to) { /* about one lane in four */
                int s = (int)(from % S), d = (int)(to % S), tau = b->tau[i];
                count_steps(ty, s, b->t_enter[i], t + 1, tau);
                if (tau < 0 && converts[d]) {
                    b->tau[i] = (int16_t)(tau = t + 1);
                    ty->converted++;
                }
                ty->entries[tau < 0 ? PRE : tau == t + 1 ? AT : POST][d]++;
                b->t_enter[i] = (int16_t)(t + 1);
                b->visited[i] |= (uint16_t)(1u << d);
                b->s_end[i] = (unsigned char)d;
            }
            b->st[m] = b->st[k];
            b->row[m] = to;
            b->id[m] = (uint16_t)i;
            m += !final[to % S];
        }
        na = m;
    }
    for (int i = 0; i < n; i++) {
        int s = b->s_end[i], tau = b->tau[i];
        count_steps(ty, s, b->t_enter[i], H, tau);
        if (tau >= 0) {
            int absorbed = final[s] ? b->t_enter[i] : H + 1;
            int span = H - tau, alive = absorbed - tau - 1;
            if (alive > span) alive = span;
            if (alive < 0) alive = 0;
            ty->ret_den[span]++;
            ty->ret_num[alive]++;
            ty->retained += !final[s];
        }
        for (unsigned v = b->visited[i]; v; v &= v - 1) ty->reached[__builtin_ctz(v)]++;
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long long customers = argc > 1 ? (long long)strtod(argv[1], NULL) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 10;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    int vec = argc > 4 && strcmp(argv[4], "vec") == 0;
    static block_state b;
    static vec_state bv;
    double t0 = now();
    plan();
    plan_flat();
    double conv = 0, revenue = 0, cost = 0;
    for (int r = 0; r < runs; r++) {
        tally ty;
        memset(&ty, 0, sizeof ty);
        for (long long first = 0, blk = 0; first < customers; first += BLOCK, blk++) {
            int n = customers - first < BLOCK ? (int)(customers - first) : BLOCK;
            if (vec)
                simulate_block_vec(&bv, seed, r, (int)blk, n, &ty);
            else
                simulate_block(&b, seed, r, (int)blk, n, &ty);
        }
        conv += (double)ty.converted / (double)customers;
        cost += cost_per_prospect * (double)customers;
        for (int s = 0; s < S; s++)
            for (int ph = 0; ph < PHASES; ph++) {
                revenue +=
                    (double)ty.entries[ph][s] * rev_in[s] + (double)ty.steps[ph][s] * rev_step[s];
                cost +=
                    (double)ty.entries[ph][s] * cost_in[s] + (double)ty.steps[ph][s] * cost_step[s];
            }
    }
    double sec = now() - t0;
    printf("conversion=%.6f revenue=%.2f cost=%.2f customers=%lld runs=%d seconds=%.4f\n",
           conv / runs, revenue / runs, cost / runs, customers, runs, sec);
    return 0;
}
