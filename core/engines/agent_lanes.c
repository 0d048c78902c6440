/* agent_lanes.c: sixteen customers at a time, in two groups (see
 * agent_lanes.h).
 *
 * Each lane holds one customer: its PCG state, cell (segment and stage),
 * step, entry step, conversion step and the cells it has visited. One pass
 * draws each lane's numbers for its next four steps, finds the first that
 * moves it, and does the bookkeeping with masks instead of branches: a move
 * costs the scalar loop two unpredictable branches, and many lanes hide the
 * latency of the PCG multiply. Counts are not added in place (lanes of one pass often hit the
 * same counter): each entry is a code, each stay that ends in a stage with
 * money per step another, each converted customer who is done a record,
 * compressed to the lanes that have one into logs that are added to the tally
 * when nearly full (flush). A lane whose customer is done takes the next
 * customer of the block. The lanes of a pass are at different steps: a
 * customer's numbers are keyed by its own slots, so the order customers go
 * in changes nothing. */
#include "agent_lanes.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

_Static_assert(CJM_MAX_HORIZON < 1 << (31 - CJM_LANES_INDEX_BITS), "a stay's length must fit");
_Static_assert(CJM_LANES_CODES <= 256 && CJM_LANES_MAX_HORIZON < 1 << 16 &&
                   CJM_LANES_CELLS <= 1 << 8,
               "an entry's code, step and the cell it came from");

int cjm_lanes_fits(const cjm_model *m, int horizon)
{
    if (m->per_customer_count > 0 || m->has_referrals || m->dwell_count > 0) return 0;
    if (m->stages[0].final) return 0;
    if (horizon >= CJM_LANES_MAX_HORIZON) return 0;
    for (int s = 0; s < m->stage_count; s++)
        if (m->stages[s].refers > 0) return 0;
    return 1;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <pthread.h>

#define LANES __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,bmi2")))
#define LANES_INLINE static inline LANES __attribute__((always_inline))
#define LANES8 __attribute__((target("avx2,bmi2,popcnt")))
#define LANES8_INLINE static inline LANES8 __attribute__((always_inline))

/* The PCG32 output of eight states (lanes 0-3 in a, 4-7 in b), for the AVX2
 * kernel and both kernels' preparing of customers. */
LANES8_INLINE __m256i output8(__m256i a, __m256i b)
{
    const __m256i halves = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    __m256i pa = _mm256_permutevar8x32_epi32(a, halves),
            pb = _mm256_permutevar8x32_epi32(b, halves);
    __m256i lo = _mm256_permute2x128_si256(pa, pb, 0x20),
            hi = _mm256_permute2x128_si256(pa, pb, 0x31);
    __m256i x =
        _mm256_xor_si256(_mm256_or_si256(_mm256_slli_epi32(hi, 5), _mm256_srli_epi32(lo, 27)),
                         _mm256_srli_epi32(hi, 13));
    __m256i rot = _mm256_srli_epi32(hi, 27);
    return _mm256_or_si256(_mm256_srlv_epi32(x, rot),
                           _mm256_sllv_epi32(x, _mm256_sub_epi32(_mm256_set1_epi32(32), rot)));
}

static void make_tables(void);
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

int cjm_lanes_available(cjm_simd choice)
{
    if (choice == CJM_SIMD_OFF) return 0;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2") ||
        !__builtin_cpu_supports("popcnt"))
        return 0;
    pthread_once(&tables_once, make_tables); /* before any kernel runs */
    if (choice == CJM_SIMD_AVX2) return CJM_LANES_AVX2;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw")
               ? CJM_LANES_AVX512
               : CJM_LANES_AVX2;
}

/* Sixteen customers in flight, one per 32-bit lane of a 512-bit register,
 * their PCG states in two registers (lanes 0-7, 8-15). A cell is segment x S
 * + stage: a customer's segment never changes, so the cell says both, and
 * every table is by cell. */
typedef struct lanes {
    __m512i state_lo, state_hi;
    __m512i t, cell, entered, tau, arrival;
    __m512i visited; /* bit c: it has been in cell c */
    __mmask16 active;
} lanes;

/* Where the records go: the ends of the log's arrays. */
typedef struct sink {
    uint32_t *stays, *from, *codes;
    uint64_t *ends;
} sink;

/* Appends the lanes in k of rec (64-bit lanes). */
LANES_INLINE uint64_t *append64(uint64_t *out, __mmask8 k, __m512i rec)
{
    _mm512_storeu_si512(out, _mm512_maskz_compress_epi64(k, rec));
    return out + __builtin_popcount(k);
}

/* Appends the lanes in k of rec (32-bit lanes). */
LANES_INLINE uint32_t *append32(uint32_t *out, __mmask16 k, __m512i rec)
{
    _mm512_storeu_si512(out, _mm512_maskz_compress_epi32(k, rec));
    return out + __builtin_popcount(k);
}

/* Bit i of bits, for each lane's i (a cell), as a mask. */
LANES_INLINE __mmask16 bit_of(__mmask16 k, uint32_t bits, __m512i i)
{
    __m512i shifted = _mm512_srlv_epi32(_mm512_set1_epi32((int)bits), i);
    return _mm512_mask_test_epi32_mask(k, shifted, _mm512_set1_epi32(1));
}

/* A table by cell (32 entries), for sixteen cells. */
LANES_INLINE __m512i lookup(const void *table, __m512i cell)
{
    return _mm512_permutex2var_epi32(_mm512_loadu_si512(table), cell,
                                     _mm512_loadu_si512((const char *)table + 64));
}

/* The low and high eight lanes of k. */
LANES_INLINE __mmask8 low8(__mmask16 k)
{
    return (__mmask8)k;
}
LANES_INLINE __mmask8 high8(__mmask16 k)
{
    return (__mmask8)(k >> 8);
}

/* The lanes' stays [entered, end), as count_steps splits them by phase (pre:
 * not converted, at: converted when it began, post): a stay record, its code
 * 3 x cell + phase (see add_stay) | n << 12, n = end - entered steps. */
LANES_INLINE __m512i stay(const lanes *c, __m512i end)
{
    _Static_assert(CJM_PRE == 0 && CJM_AT == 1 && CJM_POST == 2, "the phases of a code");
    __m512i n = _mm512_sub_epi32(end, c->entered);
    __mmask16 pre = _mm512_cmplt_epi32_mask(c->tau, _mm512_setzero_si512());
    __mmask16 at = _mm512_cmpeq_epi32_mask(c->tau, c->entered);
    __m512i code =
        _mm512_add_epi32(_mm512_mullo_epi32(c->cell, _mm512_set1_epi32(3)), _mm512_set1_epi32(2));
    code = _mm512_mask_sub_epi32(code, pre, code, _mm512_set1_epi32(2));
    code = _mm512_mask_sub_epi32(code, at, code, _mm512_set1_epi32(1));
    return _mm512_or_si512(code, _mm512_slli_epi32(n, CJM_LANES_INDEX_BITS));
}

/* Where the lanes in mv go: past every cumulative threshold at or below the draw. */
LANES_INLINE __m512i destination(const cjm_lanes_plan *p, __mmask16 mv, __m512i cell, __m512i v,
                                 int degree)
{
    __m512i d = lookup(p->dest[0], cell);
    for (int k = 1; k < degree; k++) {
        __mmask16 up = _mm512_mask_cmpge_epu32_mask(mv, v, lookup(p->cum[k - 1], cell));
        d = _mm512_mask_mov_epi32(d, up, lookup(p->dest[k], cell));
    }
    return d;
}

/* The draws v as 64-bit lanes: lanes 0-7 and 8-15. */
LANES_INLINE __m512i wide_lo(__m512i v)
{
    return _mm512_cvtepu32_epi64(_mm512_castsi512_si256(v));
}
LANES_INLINE __m512i wide_hi(__m512i v)
{
    return _mm512_cvtepu32_epi64(_mm512_extracti32x8_epi32(v, 1));
}

/* The 64-bit entries table[at] of the lanes in k, as a mask of the lanes
 * where v (32-bit) is below (lt) or at or above them. */
LANES_INLINE __mmask16 compare_gathered(__mmask16 k, __m512i at, const uint64_t *table, __m512i v,
                                        int lt)
{
    __m512i lo = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), low8(k),
                                             _mm512_castsi512_si256(at), table, 8);
    __m512i hi = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), high8(k),
                                             _mm512_extracti32x8_epi32(at, 1), table, 8);
    if (lt)
        return (__mmask16)(_mm512_mask_cmplt_epu64_mask(low8(k), wide_lo(v), lo) |
                           (unsigned)_mm512_mask_cmplt_epu64_mask(high8(k), wide_hi(v), hi) << 8);
    return (__mmask16)(_mm512_mask_cmpge_epu64_mask(low8(k), wide_lo(v), lo) |
                       (unsigned)_mm512_mask_cmpge_epu64_mask(high8(k), wide_hi(v), hi) << 8);
}

/* The same with thresholds that change with time: at = cell x H + t. The
 * gathers take every active lane, not only the movers, so that they need not
 * wait for the move test (1.1x). */
LANES_INLINE __m512i destination_timed(const cjm_lanes_plan *p, __mmask16 mv, __mmask16 active,
                                       __m512i cell, __m512i at, __m512i v, int degree)
{
    const int64_t plane = (int64_t)p->S * p->G * p->H;
    __m512i d = lookup(p->dest[0], cell);
    for (int k = 1; k < degree; k++) {
        __mmask16 up = mv & compare_gathered(active, at, p->cum_t + (k - 1) * plane, v, 0);
        d = _mm512_mask_mov_epi32(d, up, lookup(p->dest[k], cell));
    }
    return d;
}

/* The lanes in mv enter cell d at step `when` (count_entry). Returns the
 * entry's code: 6 x cell + 2 x phase + 1 if it is the customer's first visit
 * (see cjm_lanes_log.entries), and the cell it came from << 24. */
LANES_INLINE __m512i enter(const cjm_lanes_plan *p, __mmask16 mv, lanes *c, __m512i d, __m512i when)
{
    _Static_assert(CJM_PRE == 0 && CJM_AT == 1 && CJM_POST == 2, "the phases of a code");
    __mmask16 pre = _mm512_cmplt_epi32_mask(c->tau, _mm512_setzero_si512());
    __mmask16 conv = bit_of(mv, p->converts, d) & pre;
    c->tau = _mm512_mask_mov_epi32(c->tau, conv, when);
    __m512i code = _mm512_add_epi32(_mm512_mullo_epi32(d, _mm512_set1_epi32(6)),
                                    _mm512_set1_epi32(2 * CJM_POST));
    code = _mm512_mask_sub_epi32(code, pre & ~conv, code, _mm512_set1_epi32(2 * CJM_POST));
    code = _mm512_mask_sub_epi32(code, conv, code, _mm512_set1_epi32(2 * (CJM_POST - CJM_AT)));
    __m512i bit = _mm512_sllv_epi32(_mm512_set1_epi32(1), d);
    __mmask16 first = _mm512_mask_testn_epi32_mask(mv, c->visited, bit);
    code = _mm512_mask_add_epi32(code, first, code, _mm512_set1_epi32(1));
    c->visited = _mm512_mask_or_epi32(c->visited, mv, c->visited, bit);
    code = _mm512_or_si512(code, _mm512_slli_epi32(c->cell, 24)); /* where it came from */
    c->cell = _mm512_mask_mov_epi32(c->cell, mv, d);
    c->entered = _mm512_mask_mov_epi32(c->entered, mv, when);
    return code;
}

/* The lanes in dn are done (final stage or horizon); those converted end as a
 * record of their retention (count_retention), their conversion's arrival
 * step and whether they are retained. */
LANES_INLINE void finish(sink *out, const cjm_lanes_plan *p, __mmask16 dn, __mmask16 final,
                         const lanes *c)
{
    const __m512i low = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i high =
        _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __mmask16 conv = _mm512_mask_cmpge_epi32_mask(dn, c->tau, _mm512_setzero_si512());
    __m512i lo = _mm512_mask_or_epi32(c->tau, (__mmask16)(conv & ~final), c->tau,
                                      _mm512_set1_epi32((int)CJM_LANES_RETAINED));
    __m512i absorbed = _mm512_mask_mov_epi32(_mm512_set1_epi32(p->H + 1), final, c->entered);
    __m512i hi = _mm512_or_si512(absorbed, _mm512_slli_epi32(c->arrival, 16));
    out->ends = append64(out->ends, low8(conv), _mm512_permutex2var_epi32(lo, low, hi));
    out->ends = append64(out->ends, high8(conv), _mm512_permutex2var_epi32(lo, high, hi));
}

/* The lanes in dn take the block's next customers, in order; those left
 * without one go idle. */
LANES_INLINE void refill(const cjm_lanes_plan *p, const cjm_lanes_block *b, __mmask16 dn, lanes *c,
                         int *next)
{
    int avail = b->n - *next, want = __builtin_popcount(dn);
    __mmask16 fill = want <= avail ? dn : (__mmask16)_pdep_u32((1u << avail) - 1, dn);
    const uint64_t *state = b->state + *next;
    c->state_lo = _mm512_mask_expand_epi64(c->state_lo, low8(fill), _mm512_loadu_si512(state));
    state += __builtin_popcount(low8(fill));
    c->state_hi = _mm512_mask_expand_epi64(c->state_hi, high8(fill), _mm512_loadu_si512(state));
    c->cell = _mm512_mask_expand_epi32(c->cell, fill, _mm512_loadu_si512(b->cell0 + *next));
    c->arrival = _mm512_mask_expand_epi32(c->arrival, fill, _mm512_loadu_si512(b->arrival + *next));
    c->t = _mm512_mask_mov_epi32(c->t, fill, c->arrival);
    c->entered = _mm512_mask_mov_epi32(c->entered, fill, c->arrival);
    c->tau =
        _mm512_mask_mov_epi32(c->tau, fill, p->converts & 1 ? c->arrival : _mm512_set1_epi32(-1));
    c->visited =
        _mm512_mask_mov_epi32(c->visited, fill, _mm512_sllv_epi32(_mm512_set1_epi32(1), c->cell));
    c->active = (__mmask16)((c->active & ~dn) | fill);
    *next += __builtin_popcount(fill);
}

/* Adds a stay record: n steps at its code's counter, or, for a stay that
 * began with the conversion (in a stage with money per step), 1 there (the
 * conversion step) and n - 1 at the counter after it. */
static inline void add_stay(const cjm_lanes_plan *p, int64_t *tally, uint32_t rec)
{
    int32_t idx = p->stay_counter[rec & ((1u << CJM_LANES_INDEX_BITS) - 1)];
    int64_t n = rec >> CJM_LANES_INDEX_BITS;
    if (idx < 0) { /* rare */
        idx = ~idx;
        tally[idx]++;
        tally[idx + p->S] += n - 1;
    } else {
        tally[idx] += n;
    }
}

/* Adds the entries counted by code (see enter) to the tally, and zeroes them. */
static void add_entries(const cjm_lanes_plan *p, int64_t *tally, cjm_lanes_log *log)
{
    for (int cell = 0; cell < p->S * p->G; cell++)
        for (int phase = 0; phase < CJM_PHASES; phase++) {
            int code = 6 * cell + 2 * phase;
            int64_t again = 0, first = 0;
            for (int k = 0; k < CJM_LANES_CODE_COPIES; k++) {
                again += log->entries[k][code];
                first += log->entries[k][code + 1];
                log->entries[k][code] = log->entries[k][code + 1] = 0;
            }
            if (p->entries[phase][cell] >= 0) tally[p->entries[phase][cell]] += again + first;
            tally[p->reached[cell]] += first;
        }
}

/* The log's counts by step (the cash flow): each entry at its step, each
 * stay as differences, +1 at its first step and -1 after its last (the
 * engine sums them when the run is done). */
#define CODE_MASK 0xffu
static void add_by_step(const cjm_lanes_plan *p, int64_t *tally, const cjm_lanes_log *log,
                        const sink *out)
{
    for (const uint32_t *q = log->codes; q < out->codes; q++) {
        int32_t base = p->entry_t[(*q & CODE_MASK) >> 1];
        if (base >= 0) tally[base + (*q >> 8 & 0xffff)]++;
    }
    for (long i = 0; i < out->stays - log->stays; i++) {
        uint32_t rec = log->stays[i];
        int32_t base = p->stay_t[rec & ((1u << CJM_LANES_INDEX_BITS) - 1)];
        if (base < 0) continue;
        tally[base + log->from[i]]++;
        tally[base + log->from[i] + (rec >> CJM_LANES_INDEX_BITS)]--;
    }
}

/* Sums the log into the tally and empties it. Consecutive records go to
 * different copies of the counters they add to (log->copies and entries):
 * moves into the same stage follow each other, and adds to one counter in
 * memory wait for each other (1.2x). */
static sink flush(const cjm_lanes_plan *p, int64_t *tally, cjm_lanes_log *log, sink at)
{
    enum { COPIES = CJM_LANES_COPIES };
    const sink *out = &at;
    const int w = p->lay.ret_num;
    const uint32_t *q = log->stays;
    for (; q + COPIES <= out->stays; q += COPIES) {
        add_stay(p, tally, q[0]);
        for (int k = 1; k < COPIES; k++) add_stay(p, log->copies + (k - 1) * w, q[k]);
    }
    for (; q < out->stays; q++) add_stay(p, tally, *q);
    for (q = log->codes; q + CJM_LANES_CODE_COPIES <= out->codes; q += CJM_LANES_CODE_COPIES)
        for (int k = 0; k < CJM_LANES_CODE_COPIES; k++) log->entries[k][q[k] & CODE_MASK]++;
    for (; q < out->codes; q++) log->entries[0][*q & CODE_MASK]++;
    for (q = log->codes; q < out->codes; q++) /* the edge: (from, to) cells */
        log->moves[(*q >> 24) * CJM_LANES_CELLS + (*q & CODE_MASK) / 6]++;
    if (p->by_step) add_by_step(p, tally, log, out);
    int64_t retained = 0;
    for (const uint64_t *r = log->ends; r < out->ends; r++) { /* count_retention */
        uint32_t lo = (uint32_t)*r, hi = (uint32_t)(*r >> 32);
        int tau = (int)(lo & ~CJM_LANES_RETAINED), span = p->H - tau;
        int alive = (int)(hi & 0xffff) - tau - 1;
        alive = alive > span ? span : alive < 0 ? 0 : alive;
        tally[p->lay.ret_den + span]++;
        tally[p->lay.ret_num + alive]++;
        tally[p->lay.arr_converted + (hi >> 16)]++;
        retained += lo >> 31;
    }
    tally[p->lay.retained] += retained;
    return (sink){log->stays, log->from, log->codes, log->ends};
}

/* Where the logs are too full for another pass of two groups of `width`
 * lanes. Each append stores a whole vector of width records (ends: two
 * halves) from a log's end, and a pass of both groups appends to the stays
 * at most 4 times (each group: the stays that end, those in final stages),
 * to the entries twice and to the ends twice in two halves: a log with that
 * many times width free places takes a pass. */
static sink log_full(cjm_lanes_log *log, int width)
{
    enum { STAYS_APPENDS = 4, CODES_APPENDS = 2, ENDS_APPENDS = 2 };
    return (sink){log->stays + CJM_LANES_LOG - width * STAYS_APPENDS,
                  log->from + CJM_LANES_LOG - width * STAYS_APPENDS,
                  log->codes + CJM_LANES_LOG - width * CODES_APPENDS,
                  log->ends + CJM_LANES_LOG - width * ENDS_APPENDS};
}

/* A block's end: its last records, its entries by code and the copies of
 * the counters go into the tally. */
static void close_logs(const cjm_lanes_plan *p, int64_t *tally, cjm_lanes_log *log, sink out)
{
    flush(p, tally, log, out);
    add_entries(p, tally, log);
    for (int i = 0; i < CJM_LANES_CELLS * CJM_LANES_CELLS; i++)
        if (log->moves[i]) {
            tally[p->move_of[i]] += log->moves[i];
            log->moves[i] = 0;
        }
    for (int i = 0; i < (CJM_LANES_COPIES - 1) * p->lay.ret_num; i++) {
        tally[i % p->lay.ret_num] += log->copies[i];
        log->copies[i] = 0;
    }
}

/* The PCG32 output of sixteen states (lanes 0-7 in a, 8-15 in b), on 32-bit
 * halves: the low halves of all sixteen in one permute, the high in another. */
LANES_INLINE __m512i output(__m512i a, __m512i b)
{
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd =
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512i lo = _mm512_permutex2var_epi32(a, even, b), hi = _mm512_permutex2var_epi32(a, odd, b);
    /* bits 27..58 of old ^ (old >> 18) */
    __m512i x =
        _mm512_xor_si512(_mm512_or_si512(_mm512_slli_epi32(hi, 5), _mm512_srli_epi32(lo, 27)),
                         _mm512_srli_epi32(hi, 13));
    return _mm512_rorv_epi32(x, _mm512_srli_epi32(hi, 27));
}

/* Steps of a lane per pass where thresholds do not change with time:
 * measured best (3: 1.03x the time, 5: 1.03x on the benchmark). */
#define CJM_LANES_STEPS 4

/* One step of the block's stream, in every lane. */
typedef struct jumps {
    __m512i mult, plus;
} jumps;

/* What the first half of a pass decides. */
typedef struct decision {
    __m512i v, at, t1;
    __mmask16 mv, ended;
} decision;

/* The states one step of the stream on. */
LANES_INLINE __m512i advance(const jumps *j, __m512i state)
{
    return _mm512_add_epi64(_mm512_mullo_epi64(state, j->mult), j->plus);
}

/* Each lane's steps from its current one before a move is allowed in its
 * stage (min_steps): none before entered + wait. */
LANES_INLINE __m512i steps_early(const cjm_lanes_plan *p, const lanes *c)
{
    return _mm512_sub_epi32(_mm512_add_epi32(c->entered, lookup(p->wait, c->cell)), c->t);
}

/* The lanes in m move at step k of the K of a pass (the first that moves
 * them): their state is next (lo, hi), the one after that step, and their
 * step after the pass t + k + 1; past the last step, the lanes not taken
 * before have the state K steps on (t1 starts at t + K). m joins taken. */
LANES_INLINE void take(__m512i *st_lo, __m512i *st_hi, __m512i *t1, __mmask16 *taken, __mmask16 m,
                       __m512i next_lo, __m512i next_hi, __m512i t, int k, int K)
{
    if (k + 1 < K) {
        *st_lo = _mm512_mask_mov_epi64(*st_lo, low8(m), next_lo);
        *st_hi = _mm512_mask_mov_epi64(*st_hi, high8(m), next_hi);
        *t1 = _mm512_mask_add_epi32(*t1, m, t, _mm512_set1_epi32(k + 1));
    } else {
        *st_lo = _mm512_mask_mov_epi64(next_lo, low8(*taken), *st_lo);
        *st_hi = _mm512_mask_mov_epi64(next_hi, high8(*taken), *st_hi);
    }
    *taken |= m;
}

/* Up to K steps of each lane in one pass, for thresholds that do not change
 * with time: each lane draws its next K numbers and the first that moves it
 * decides, as K passes would; the numbers after it are not used (a
 * customer's numbers are keyed by its steps, so nothing else changes). A
 * pass's bookkeeping then covers up to K steps of a lane. */
LANES_INLINE void decide_steps(const cjm_lanes_plan *p, lanes *c, decision *x, const jumps *j,
                               int K, int waits)
{
    const __m512i rot = lookup(p->rot, c->cell), leave = lookup(p->leave, c->cell);
    const __m512i H = _mm512_set1_epi32(p->H);
    const __mmask16 active = c->active;
    const __m512i early = waits ? steps_early(p, c) : _mm512_setzero_si512();
    /* the lanes whose stage is left for sure (at their first allowed step) */
    const __mmask16 all = p->leave_all ? bit_of(active, p->leave_all, c->cell) : 0;
    __mmask16 taken = 0;
    __m512i lo = c->state_lo, hi = c->state_hi, st_lo = lo, st_hi = hi;
    __m512i val = _mm512_setzero_si512();
    __m512i t1 = _mm512_add_epi32(c->t, _mm512_set1_epi32(K));
    /* step k: the first that moves a lane decides (past the horizon: below) */
    for (int k = 0; k < K; k++) {
        __m512i next_lo = advance(j, lo), next_hi = advance(j, hi);
        __m512i v = _mm512_add_epi32(output(lo, hi), rot);
        __mmask16 m = _mm512_mask_cmplt_epu32_mask(active & ~taken, v, leave);
        if (waits || k == 0) m |= all & ~taken; /* without waits, all move at step 0 */
        if (waits) m = _mm512_mask_cmple_epi32_mask(m, early, _mm512_set1_epi32(k));
        val = _mm512_mask_mov_epi32(val, m, v);
        take(&st_lo, &st_hi, &t1, &taken, m, next_lo, next_hi, c->t, k, K);
        lo = next_lo;
        hi = next_hi;
    }
    c->state_lo = st_lo;
    c->state_hi = st_hi;
    x->at = _mm512_setzero_si512();
    x->v = val;
    /* a move in a step at or past the horizon is none: the lane's stay ends
     * there (its state and draw no longer matter) */
    x->mv = _mm512_mask_cmple_epi32_mask(taken, t1, H);
    x->t1 = _mm512_min_epi32(t1, H);
    x->ended = x->mv | _mm512_mask_cmpeq_epi32_mask(active, x->t1, H);
}

/* The same with thresholds that change with time: each step's are gathered
 * by cell x H + step. Steps at or past the horizon are not drawn from. */
LANES_INLINE void decide_steps_timed(const cjm_lanes_plan *p, lanes *c, decision *x, const jumps *j,
                                     int K, int waits)
{
    const __m512i H = _mm512_set1_epi32(p->H), left = _mm512_sub_epi32(H, c->t);
    const __m512i at0 = _mm512_add_epi32(_mm512_mullo_epi32(c->cell, H), c->t);
    const __mmask16 active = c->active;
    const __m512i early = waits ? steps_early(p, c) : _mm512_setzero_si512();
    __mmask16 taken = 0;
    __m512i lo = c->state_lo, hi = c->state_hi, st_lo = lo, st_hi = hi;
    __m512i val = _mm512_setzero_si512();
    __m512i at = at0, t1 = _mm512_add_epi32(c->t, _mm512_set1_epi32(K));
    for (int k = 0; k < K; k++) {
        __m512i next_lo = advance(j, lo), next_hi = advance(j, hi);
        __mmask16 open =
            _mm512_mask_cmpgt_epi32_mask((__mmask16)(active & ~taken), left, _mm512_set1_epi32(k));
        __m512i atk = _mm512_add_epi32(at0, _mm512_set1_epi32(k));
        __m512i rot = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), open, atk, p->rot_t, 4);
        __m512i v = _mm512_add_epi32(output(lo, hi), rot); /* as the scalar loop, mod 2^32 */
        __mmask16 m = compare_gathered(open, atk, p->leave_t, v, 1);
        if (waits) m = _mm512_mask_cmple_epi32_mask(m, early, _mm512_set1_epi32(k));
        val = _mm512_mask_mov_epi32(val, m, v);
        at = _mm512_mask_mov_epi32(at, m, atk);
        take(&st_lo, &st_hi, &t1, &taken, m, next_lo, next_hi, c->t, k, K);
        lo = next_lo;
        hi = next_hi;
    }
    c->state_lo = st_lo;
    c->state_hi = st_hi;
    x->at = at;
    x->v = val;
    x->mv = taken;
    x->t1 = _mm512_min_epi32(t1, H);
    x->ended = taken | _mm512_mask_cmpeq_epi32_mask(active, x->t1, H);
}

/* The second half: the moves, their records, the customers done. */
LANES_INLINE void book(const cjm_lanes_plan *p, const cjm_lanes_block *b, lanes *c, sink *out,
                       int *next, const decision *x, int degree, int timed)
{
    const __m512i H = _mm512_set1_epi32(p->H);
    __mmask16 mv = x->mv, ended = x->ended;
    __m512i t1 = x->t1;
    if (!ended) { /* every lane stays through the pass (long stays, rare with four steps) */
        c->t = _mm512_mask_mov_epi32(c->t, c->active, t1);
        return;
    }
    __m512i d = timed ? destination_timed(p, mv, c->active, c->cell, x->at, x->v, degree)
                      : destination(p, mv, c->cell, x->v, degree);
    /* a record for each stay that ends in a stage with money per step, and
     * for each entry (counts that weigh no money change no result) */
    __mmask16 stays = bit_of(ended, p->step_money, c->cell);
    out->stays = append32(out->stays, stays, stay(c, t1));
    if (p->by_step) out->from = append32(out->from, stays, c->entered);
    __m512i code = enter(p, mv, c, d, t1);
    out->codes = append32(out->codes, mv, _mm512_or_si512(code, _mm512_slli_epi32(t1, 8)));
    if (p->final & p->step_money) { /* the whole stay in a final stage, if any */
        __mmask16 into = bit_of(mv, p->final & p->step_money, c->cell);
        __mmask16 open = _mm512_mask_cmpgt_epi32_mask(into, H, t1);
        out->stays = append32(out->stays, open, stay(c, H));
        if (p->by_step) out->from = append32(out->from, open, c->entered);
    }
    c->t = _mm512_mask_mov_epi32(c->t, c->active, t1);
    __mmask16 final = bit_of(c->active, p->final, c->cell);
    __mmask16 dn = final | _mm512_mask_cmpeq_epi32_mask(c->active, t1, H);
    finish(out, p, dn, final, c); /* no branch: most passes have a customer done */
    refill(p, b, dn, c, next);
}

/* g after h, as one jump. */
static cjm_rng_jump compose(cjm_rng_jump g, cjm_rng_jump h)
{
    return (cjm_rng_jump){g.mult * h.mult, g.mult * h.plus + g.plus};
}

static LANES void prepare_avx512(const cjm_lanes_plan *p, uint64_t start, cjm_rng_jump next,
                                 uint64_t inc, int n, uint64_t *state, int32_t *cell)
{
    uint64_t mult[8], plus[8]; /* lane i: i jumps */
    cjm_rng_jump j = {1, 0};
    for (int i = 0; i < 8; i++) {
        mult[i] = j.mult;
        plus[i] = j.plus;
        j = compose(next, j);
    }
    __m512i s = _mm512_add_epi64(
        _mm512_mullo_epi64(_mm512_loadu_si512(mult), _mm512_set1_epi64((long long)start)),
        _mm512_loadu_si512(plus));
    const __m512i m8 = _mm512_set1_epi64((long long)j.mult),
                  p8 = _mm512_set1_epi64((long long)j.plus);
    const __m512i i1 = _mm512_set1_epi64((long long)inc);
    const __m512i mult1 = _mm512_set1_epi64((long long)CJM_PCG_MULT);
    for (int k = 0; k < n; k += 8) {
        __m512i u = _mm512_cvtepu32_epi64(/* the segment draw */
                                          output8(_mm512_castsi512_si256(s),
                                                  _mm512_extracti64x4_epi64(s, 1)));
        __m256i g = _mm256_setzero_si256();
        for (int i = 0; i + 1 < p->G; i++)
            g = _mm256_mask_add_epi32(
                g, _mm512_cmpge_epu64_mask(u, _mm512_set1_epi64((long long)p->seg_cum[i])), g,
                _mm256_set1_epi32(1));
        _mm512_storeu_si512(state + k, _mm512_add_epi64(_mm512_mullo_epi64(s, mult1), i1));
        _mm256_storeu_si256((void *)(cell + k), _mm256_mullo_epi32(g, _mm256_set1_epi32(p->S)));
        s = _mm512_add_epi64(_mm512_mullo_epi64(s, m8), p8);
    }
}

/* Two groups of sixteen lanes in one loop: one group's pass is a chain of
 * dependent steps (draws, lookups, move, refill), so while one waits the
 * other's work fills the pipes (one group alone takes 1.17x the time, three
 * 1.06x, two of eight lanes 1.08x). Both groups decide, then both do their
 * bookkeeping. */
LANES_INLINE void run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                      cjm_lanes_log *log, int degree, int timed, int waits, int K)
{
    const cjm_rng_jump one = cjm_rng_jump_make(1, b->inc);
    const jumps j = {_mm512_set1_epi64((long long)one.mult),
                     _mm512_set1_epi64((long long)one.plus)};
    lanes c0, c1; /* two groups, as locals: in registers, not an array in memory */
    memset(&c0, 0, sizeof c0);
    memset(&c1, 0, sizeof c1);
    sink out = {log->stays, log->from, log->codes, log->ends};
    const sink full = log_full(log, 16);
    int next = 0;
    refill(p, b, 0xffff, &c0, &next);
    refill(p, b, 0xffff, &c1, &next);
    while (c0.active | c1.active) {
        decision x0, x1;
        if (timed) {
            decide_steps_timed(p, &c0, &x0, &j, K, waits);
            decide_steps_timed(p, &c1, &x1, &j, K, waits);
        } else {
            decide_steps(p, &c0, &x0, &j, K, waits);
            decide_steps(p, &c1, &x1, &j, K, waits);
        }
        book(p, b, &c0, &out, &next, &x0, degree, timed);
        book(p, b, &c1, &out, &next, &x1, degree, timed);
        if (out.stays >= full.stays || out.codes >= full.codes || out.ends >= full.ends)
            out = flush(p, tally, log, out);
    }
    close_logs(p, tally, log, out);
}

/* fn, a kernel's loop, compiled for 1 to 4 edges out of a stage (its loops
 * over edges unrolled) and for more; its other arguments after the degree. */
#define BY_DEGREE(fn, ...)                                                                         \
    switch (p->max_degree) {                                                                       \
    case 1:                                                                                        \
        fn(p, b, tally, log, 1, __VA_ARGS__);                                                      \
        break;                                                                                     \
    case 2:                                                                                        \
        fn(p, b, tally, log, 2, __VA_ARGS__);                                                      \
        break;                                                                                     \
    case 3:                                                                                        \
        fn(p, b, tally, log, 3, __VA_ARGS__);                                                      \
        break;                                                                                     \
    case 4:                                                                                        \
        fn(p, b, tally, log, 4, __VA_ARGS__);                                                      \
        break;                                                                                     \
    default:                                                                                       \
        fn(p, b, tally, log, p->max_degree, __VA_ARGS__);                                          \
    }

static LANES void run_avx512(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                             cjm_lanes_log *log)
{
    if (p->timed == 2) {
        BY_DEGREE(run, 1, p->waits, 2)
    } else if (p->timed) {
        BY_DEGREE(run, 1, p->waits, 3)
    } else if (p->waits) {
        BY_DEGREE(run, 0, 1, CJM_LANES_STEPS)
    } else {
        BY_DEGREE(run, 0, 0, CJM_LANES_STEPS)
    }
}

/* ---- The same kernel for AVX2 (no AVX-512): eight lanes per group, masks as
 * vectors (all ones in a lane that is in), compress and expand by a permute
 * whose indices come from a table by mask (pdep and pext, which would make
 * them, are slow on AMD CPUs before Zen 3; a pdep remains for the refill at
 * a block's end). Thresholds that change with time stay with the scalar loop
 * here (they would need gathers and 64-bit compares): engine_agent.c never
 * gives this kernel a plan with timed set. */

typedef struct lanes8 {
    __m256i state_lo, state_hi; /* 64-bit states of lanes 0-3 and 4-7 */
    __m256i t, cell, entered, tau, arrival;
    __m256i visited; /* bit c: it has been in cell c */
    __m256i active;  /* a mask */
} lanes8;

/* A mask's lanes as bits, and bits as a mask. */
LANES8_INLINE unsigned bits8(__m256i m)
{
    return (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(m));
}
LANES8_INLINE __m256i mask8(unsigned bits)
{
    const __m256i lane = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((int)bits), lane), lane);
}

/* The masks of lanes 0-3 and 4-7 as masks of 64-bit lanes. */
LANES8_INLINE __m256i low64(__m256i m)
{
    return _mm256_cvtepi32_epi64(_mm256_castsi256_si128(m));
}
LANES8_INLINE __m256i high64(__m256i m)
{
    return _mm256_cvtepi32_epi64(_mm256_extracti128_si256(m, 1));
}

/* a < b, unsigned 32-bit. */
LANES8_INLINE __m256i below_u32(__m256i a, __m256i b)
{
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
    return _mm256_cmpgt_epi32(_mm256_xor_si256(b, sign), _mm256_xor_si256(a, sign));
}

/* By an 8-lane mask's bits: the permute (byte i: the lane that goes to lane
 * i) that moves the lanes in the mask, from the bottom up, to the first
 * places (compress), or the first places to the lanes in the mask (expand);
 * by a 4-lane mask, the 8-lane mask of its 64-bit lanes' halves. */
static uint64_t compress_table[256], expand_table[256];
static uint8_t halves_table[16];

static void make_tables(void)
{
    for (unsigned bits = 0; bits < 256; bits++) {
        int n = 0;
        for (int i = 0; i < 8; i++)
            if (bits >> i & 1) {
                compress_table[bits] |= (uint64_t)i << 8 * n;
                expand_table[bits] |= (uint64_t)n << 8 * i;
                n++;
            }
    }
    for (unsigned bits = 0; bits < 16; bits++)
        for (int i = 0; i < 4; i++)
            if (bits >> i & 1) halves_table[bits] |= (uint8_t)(3u << 2 * i);
}

LANES8_INLINE __m256i compress_order(unsigned bits)
{
    return _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)compress_table[bits]));
}
LANES8_INLINE __m256i expand_order(unsigned bits)
{
    return _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)expand_table[bits]));
}

/* Appends the lanes in bits of rec (32-bit lanes). */
LANES8_INLINE uint32_t *append32x8(uint32_t *out, unsigned bits, __m256i rec)
{
    _mm256_storeu_si256((void *)out, _mm256_permutevar8x32_epi32(rec, compress_order(bits)));
    return out + __builtin_popcount(bits);
}

/* Appends the lanes in bits (four) of rec (64-bit lanes). */
LANES8_INLINE uint64_t *append64x4(uint64_t *out, unsigned bits, __m256i rec)
{
    _mm256_storeu_si256((void *)out,
                        _mm256_permutevar8x32_epi32(rec, compress_order(halves_table[bits])));
    return out + __builtin_popcount(bits);
}

/* Bit i of bits, for each lane's i (a cell), as a mask, within k. */
LANES8_INLINE __m256i bit_of8(__m256i k, uint32_t bits, __m256i i)
{
    const __m256i one = _mm256_set1_epi32(1);
    __m256i b = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32((int)bits), i), one);
    return _mm256_and_si256(k, _mm256_cmpeq_epi32(b, one));
}

/* A table by cell, for eight cells: cells = 8, 16 or 32, the most in use. */
LANES8_INLINE __m256i lookup8(const int32_t *table, __m256i cell, int cells)
{
    __m256i r = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)table), cell);
    if (cells <= 8) return r;
    __m256i up8 =
        _mm256_cmpgt_epi32(_mm256_and_si256(cell, _mm256_set1_epi32(8)), _mm256_setzero_si256());
    r = _mm256_blendv_epi8(
        r, _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)(table + 8)), cell), up8);
    if (cells <= 16) return r;
    __m256i h = _mm256_blendv_epi8(
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)(table + 16)), cell),
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)(table + 24)), cell), up8);
    return _mm256_blendv_epi8(r, h, _mm256_cmpgt_epi32(cell, _mm256_set1_epi32(15)));
}
#define LOOKUP8(table, cell) lookup8((const int32_t *)(table), cell, cells)

/* One step of the stream on, for four 64-bit states: mult x state + plus
 * mod 2^64 from 32-bit multiplies (mult_lo, mult_hi: the multiplier's words
 * in every lane). */
typedef struct jumps8 {
    __m256i mult_lo, mult_hi, plus;
} jumps8;
LANES8_INLINE __m256i advance8(const jumps8 *j, __m256i s)
{
    __m256i low = _mm256_mul_epu32(s, j->mult_lo);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(s, 32), j->mult_lo),
                                     _mm256_mul_epu32(s, j->mult_hi));
    return _mm256_add_epi64(_mm256_add_epi64(low, _mm256_slli_epi64(cross, 32)), j->plus);
}

/* As stay(), for eight lanes. */
LANES8_INLINE __m256i stay8(const lanes8 *c, __m256i end)
{
    __m256i n = _mm256_sub_epi32(end, c->entered);
    __m256i pre = _mm256_cmpgt_epi32(_mm256_setzero_si256(), c->tau);
    __m256i at = _mm256_cmpeq_epi32(c->tau, c->entered);
    __m256i code =
        _mm256_add_epi32(_mm256_mullo_epi32(c->cell, _mm256_set1_epi32(3)), _mm256_set1_epi32(2));
    code = _mm256_sub_epi32(code, _mm256_and_si256(pre, _mm256_set1_epi32(2)));
    code = _mm256_sub_epi32(code, _mm256_and_si256(at, _mm256_set1_epi32(1)));
    return _mm256_or_si256(code, _mm256_slli_epi32(n, CJM_LANES_INDEX_BITS));
}

/* As destination(), for eight lanes. */
LANES8_INLINE __m256i destination8(const cjm_lanes_plan *p, __m256i mv, __m256i cell, __m256i v,
                                   int degree, int cells)
{
    __m256i d = LOOKUP8(p->dest[0], cell);
    for (int k = 1; k < degree; k++) {
        __m256i up = _mm256_andnot_si256(below_u32(v, LOOKUP8(p->cum[k - 1], cell)), mv);
        d = _mm256_blendv_epi8(d, LOOKUP8(p->dest[k], cell), up);
    }
    return d;
}

/* As enter(), for eight lanes. */
LANES8_INLINE __m256i enter8(const cjm_lanes_plan *p, __m256i mv, lanes8 *c, __m256i d,
                             __m256i when)
{
    __m256i pre = _mm256_cmpgt_epi32(_mm256_setzero_si256(), c->tau);
    __m256i conv = _mm256_and_si256(bit_of8(mv, p->converts, d), pre);
    c->tau = _mm256_blendv_epi8(c->tau, when, conv);
    __m256i code = _mm256_add_epi32(_mm256_mullo_epi32(d, _mm256_set1_epi32(6)),
                                    _mm256_set1_epi32(2 * CJM_POST));
    code = _mm256_sub_epi32(
        code, _mm256_and_si256(_mm256_andnot_si256(conv, pre), _mm256_set1_epi32(2 * CJM_POST)));
    code =
        _mm256_sub_epi32(code, _mm256_and_si256(conv, _mm256_set1_epi32(2 * (CJM_POST - CJM_AT))));
    __m256i bit = _mm256_sllv_epi32(_mm256_set1_epi32(1), d);
    __m256i first = _mm256_and_si256(
        mv, _mm256_cmpeq_epi32(_mm256_and_si256(c->visited, bit), _mm256_setzero_si256()));
    code = _mm256_sub_epi32(code, first); /* first: -1 */
    c->visited = _mm256_or_si256(c->visited, _mm256_and_si256(mv, bit));
    code = _mm256_or_si256(code, _mm256_slli_epi32(c->cell, 24)); /* where it came from */
    c->cell = _mm256_blendv_epi8(c->cell, d, mv);
    c->entered = _mm256_blendv_epi8(c->entered, when, mv);
    return code;
}

/* As finish(), for eight lanes. */
LANES8_INLINE void finish8(sink *out, const cjm_lanes_plan *p, __m256i dn, __m256i final,
                           const lanes8 *c)
{
    __m256i conv = _mm256_and_si256(dn, _mm256_cmpgt_epi32(c->tau, _mm256_set1_epi32(-1)));
    __m256i retained = _mm256_andnot_si256(final, conv);
    __m256i lo = _mm256_or_si256(
        c->tau, _mm256_and_si256(retained, _mm256_set1_epi32((int)CJM_LANES_RETAINED)));
    __m256i absorbed = _mm256_blendv_epi8(_mm256_set1_epi32(p->H + 1), c->entered, final);
    __m256i hi = _mm256_or_si256(absorbed, _mm256_slli_epi32(c->arrival, 16));
    __m256i a = _mm256_unpacklo_epi32(lo, hi), b = _mm256_unpackhi_epi32(lo, hi);
    unsigned bits = bits8(conv);
    out->ends = append64x4(out->ends, bits & 15, _mm256_permute2x128_si256(a, b, 0x20));
    out->ends = append64x4(out->ends, bits >> 4, _mm256_permute2x128_si256(a, b, 0x31));
}

/* As refill(), for eight lanes. */
LANES8_INLINE void refill8(const cjm_lanes_plan *p, const cjm_lanes_block *b, unsigned dn,
                           lanes8 *c, int *next)
{
    int avail = b->n - *next, want = __builtin_popcount(dn);
    unsigned fill = want <= avail ? dn : _pdep_u32((1u << avail) - 1, dn);
    __m256i in = mask8(fill);
    const uint64_t *state = b->state + *next;
    unsigned lo = fill & 15, hi = fill >> 4;
    __m256i s = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)state),
                                            expand_order(halves_table[lo]));
    c->state_lo = _mm256_blendv_epi8(c->state_lo, s, low64(in));
    state += __builtin_popcount(lo);
    s = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)state),
                                    expand_order(halves_table[hi]));
    c->state_hi = _mm256_blendv_epi8(c->state_hi, s, high64(in));
    __m256i order = expand_order(fill);
    __m256i cell =
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)(b->cell0 + *next)), order);
    __m256i arrival =
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const void *)(b->arrival + *next)), order);
    c->cell = _mm256_blendv_epi8(c->cell, cell, in);
    c->arrival = _mm256_blendv_epi8(c->arrival, arrival, in);
    c->t = _mm256_blendv_epi8(c->t, arrival, in);
    c->entered = _mm256_blendv_epi8(c->entered, arrival, in);
    c->tau = _mm256_blendv_epi8(c->tau, p->converts & 1 ? arrival : _mm256_set1_epi32(-1), in);
    c->visited = _mm256_blendv_epi8(c->visited, _mm256_sllv_epi32(_mm256_set1_epi32(1), cell), in);
    c->active = _mm256_or_si256(_mm256_andnot_si256(mask8(dn), c->active), in);
    *next += __builtin_popcount(fill);
}

/* What the first half of a pass decides (eight lanes). */
typedef struct decision8 {
    __m256i v, t1, mv, ended;
} decision8;

/* As decide_steps(), for eight lanes. */
LANES8_INLINE void decide8(const cjm_lanes_plan *p, lanes8 *c, decision8 *x, const jumps8 *j,
                           int cells, int waits)
{
    enum { K = CJM_LANES_STEPS };
    const __m256i rot = LOOKUP8(p->rot, c->cell), leave = LOOKUP8(p->leave, c->cell);
    const __m256i H = _mm256_set1_epi32(p->H), active = c->active;
    const __m256i early =
        waits ? _mm256_sub_epi32(_mm256_add_epi32(c->entered, LOOKUP8(p->wait, c->cell)), c->t)
              : _mm256_setzero_si256();
    const __m256i all =
        p->leave_all ? bit_of8(active, p->leave_all, c->cell) : _mm256_setzero_si256();
    __m256i taken = _mm256_setzero_si256(), val = _mm256_setzero_si256();
    __m256i lo = c->state_lo, hi = c->state_hi, st_lo = lo, st_hi = hi;
    __m256i t1 = _mm256_add_epi32(c->t, _mm256_set1_epi32(K));
    for (int k = 0; k < K; k++) {
        __m256i next_lo = advance8(j, lo), next_hi = advance8(j, hi);
        __m256i v = _mm256_add_epi32(output8(lo, hi), rot);
        __m256i m = _mm256_andnot_si256(taken, _mm256_and_si256(active, below_u32(v, leave)));
        if (waits || k == 0) m = _mm256_or_si256(m, _mm256_andnot_si256(taken, all));
        if (waits) m = _mm256_and_si256(m, _mm256_cmpgt_epi32(_mm256_set1_epi32(k + 1), early));
        val = _mm256_blendv_epi8(val, v, m);
        if (k + 1 < K) {
            st_lo = _mm256_blendv_epi8(st_lo, next_lo, low64(m));
            st_hi = _mm256_blendv_epi8(st_hi, next_hi, high64(m));
            t1 = _mm256_blendv_epi8(t1, _mm256_add_epi32(c->t, _mm256_set1_epi32(k + 1)), m);
        } else {
            st_lo = _mm256_blendv_epi8(next_lo, st_lo, low64(taken));
            st_hi = _mm256_blendv_epi8(next_hi, st_hi, high64(taken));
        }
        taken = _mm256_or_si256(taken, m);
        lo = next_lo;
        hi = next_hi;
    }
    c->state_lo = st_lo;
    c->state_hi = st_hi;
    x->v = val;
    /* a move at or past the horizon is none */
    x->mv =
        _mm256_and_si256(taken, _mm256_cmpgt_epi32(_mm256_add_epi32(H, _mm256_set1_epi32(1)), t1));
    x->t1 = _mm256_min_epi32(t1, H);
    x->ended = _mm256_or_si256(x->mv, _mm256_and_si256(active, _mm256_cmpeq_epi32(x->t1, H)));
}

/* As book(), for eight lanes. */
LANES8_INLINE void book8(const cjm_lanes_plan *p, const cjm_lanes_block *b, lanes8 *c, sink *out,
                         int *next, const decision8 *x, int degree, int cells)
{
    const __m256i H = _mm256_set1_epi32(p->H);
    __m256i mv = x->mv, t1 = x->t1;
    if (!bits8(x->ended)) {
        c->t = _mm256_blendv_epi8(c->t, t1, c->active);
        return;
    }
    __m256i d = destination8(p, mv, c->cell, x->v, degree, cells);
    unsigned stays = bits8(bit_of8(x->ended, p->step_money, c->cell));
    out->stays = append32x8(out->stays, stays, stay8(c, t1));
    if (p->by_step) out->from = append32x8(out->from, stays, c->entered);
    __m256i code = enter8(p, mv, c, d, t1);
    out->codes = append32x8(out->codes, bits8(mv), _mm256_or_si256(code, _mm256_slli_epi32(t1, 8)));
    if (p->final & p->step_money) {
        __m256i into = bit_of8(mv, p->final & p->step_money, c->cell);
        unsigned open = bits8(_mm256_and_si256(into, _mm256_cmpgt_epi32(H, t1)));
        out->stays = append32x8(out->stays, open, stay8(c, H));
        if (p->by_step) out->from = append32x8(out->from, open, c->entered);
    }
    c->t = _mm256_blendv_epi8(c->t, t1, c->active);
    __m256i final = bit_of8(c->active, p->final, c->cell);
    __m256i dn = _mm256_or_si256(final, _mm256_and_si256(c->active, _mm256_cmpeq_epi32(t1, H)));
    finish8(out, p, dn, final, c);
    refill8(p, b, bits8(dn), c, next);
}

/* Two groups of eight lanes, as run() (thresholds constant in time). */
LANES8_INLINE void run8(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                        cjm_lanes_log *log, int degree, int cells, int waits)
{
    const cjm_rng_jump one = cjm_rng_jump_make(1, b->inc);
    const jumps8 j = {_mm256_set1_epi64x((long long)(one.mult & 0xffffffffu)),
                      _mm256_set1_epi64x((long long)(one.mult >> 32)),
                      _mm256_set1_epi64x((long long)one.plus)};
    lanes8 c0, c1;
    memset(&c0, 0, sizeof c0);
    memset(&c1, 0, sizeof c1);
    sink out = {log->stays, log->from, log->codes, log->ends};
    const sink full = log_full(log, 8);
    int next = 0;
    refill8(p, b, 0xff, &c0, &next);
    refill8(p, b, 0xff, &c1, &next);
    while (bits8(_mm256_or_si256(c0.active, c1.active))) {
        decision8 x0, x1;
        decide8(p, &c0, &x0, &j, cells, waits);
        decide8(p, &c1, &x1, &j, cells, waits);
        book8(p, b, &c0, &out, &next, &x0, degree, cells);
        book8(p, b, &c1, &out, &next, &x1, degree, cells);
        if (out.stays >= full.stays || out.codes >= full.codes || out.ends >= full.ends)
            out = flush(p, tally, log, out);
    }
    close_logs(p, tally, log, out);
}

static LANES8 void run_avx2(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                            cjm_lanes_log *log)
{
    int cells = p->S * p->G;
    if (cells <= 8) {
        if (p->waits) BY_DEGREE(run8, 8, 1) else BY_DEGREE(run8, 8, 0)
    } else if (cells <= 16) {
        if (p->waits) BY_DEGREE(run8, 16, 1) else BY_DEGREE(run8, 16, 0)
    } else {
        if (p->waits) BY_DEGREE(run8, 32, 1) else BY_DEGREE(run8, 32, 0)
    }
}

/* The AVX2 kernel's customers, one at a time (the AVX-512 kernel's are
 * prepared eight at a time). */
static void prepare_scalar(const cjm_lanes_plan *p, uint64_t start, cjm_rng_jump next, uint64_t inc,
                           int n, uint64_t *state, int32_t *cell)
{
    for (int k = 0; k < n; k++) {
        uint32_t u = cjm_pcg_output(start); /* the segment draw */
        int g = 0;
        while (g + 1 < p->G && u >= p->seg_cum[g]) g++;
        state[k] = start * CJM_PCG_MULT + inc;
        cell[k] = g * p->S;
        start = cjm_rng_jump_apply(next, start);
    }
}

/* Plain functions: the kernels' own are compiled for instructions that the
 * CPU may not have. */
void cjm_lanes_prepare(const cjm_lanes_plan *p, uint64_t start, cjm_rng_jump next, uint64_t inc,
                       int n, uint64_t *state, int32_t *cell)
{
    if (p->isa == CJM_LANES_AVX512)
        prepare_avx512(p, start, next, inc, n, state, cell);
    else
        prepare_scalar(p, start, next, inc, n, state, cell);
}

void cjm_lanes_run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                   cjm_lanes_log *log)
{
    if (p->isa == CJM_LANES_AVX512)
        run_avx512(p, b, tally, log);
    else
        run_avx2(p, b, tally, log);
}

#else

int cjm_lanes_available(cjm_simd choice)
{
    return 0;
}

void cjm_lanes_run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                   cjm_lanes_log *log)
{
    abort(); /* unreachable: cjm_lanes_available() is false */
}

void cjm_lanes_prepare(const cjm_lanes_plan *p, uint64_t start, cjm_rng_jump next, uint64_t inc,
                       int n, uint64_t *state, int32_t *cell)
{
    abort();
}

#endif
