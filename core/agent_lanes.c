/* agent_lanes.c: eight customers at a time (see agent_lanes.h).
 *
 * Each lane holds one customer: its PCG state, stage, step, entry step,
 * conversion step and the stages it has visited. One pass of the loop draws
 * every lane's number for its current step, finds the lanes that move, and
 * does their bookkeeping with masks instead of branches: a move costs the
 * scalar loop two unpredictable branches, and eight lanes hide the latency of
 * the PCG multiply. Counts are not added in place (lanes of one pass often hit
 * the same counter); each is written as a (tally index, amount) record,
 * compressed to the lanes that have one, and the records are summed into the
 * tally when the log is nearly full. A lane whose customer is done takes the
 * next customer of the block. */
#include "agent_lanes.h"
#include "rng.h"

#include <stdlib.h>
#include <string.h>

int cjm_lanes_fits(const cjm_model *m)
{
    if (m->per_customer_count > 0 || m->has_referrals || m->dwell_count > 0) return 0;
    if (m->stage_count > 64 || m->stages[0].final) return 0;
    for (int s = 0; s < m->stage_count; s++)
        if (m->stages[s].min_steps > 1 || m->stages[s].refers > 0) return 0;
    return 1;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define LANES __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,bmi2")))
#define LANES_INLINE static inline LANES __attribute__((always_inline))

int cjm_lanes_available(void)
{
    const char *env = getenv("CJM_SIMD");
    if (env && strcmp(env, "0") == 0) return 0;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("bmi2");
}

/* The eight customers in flight. */
typedef struct lanes {
    __m512i state, visited;
    __m256i t, stage, cell0, entered, tau, arrival; /* cell0 = segment x S */
    __mmask8 active;
} lanes;

/* Records with amount 1, or amount amt, for the lanes in k. */
LANES_INLINE uint64_t *emit(uint64_t *out, __mmask8 k, __m256i idx, __m256i amt)
{
    __m512i rec = _mm512_or_si512(_mm512_cvtepu32_epi64(idx),
                                  _mm512_slli_epi64(_mm512_cvtepu32_epi64(amt), 32));
    _mm512_storeu_si512(out, _mm512_maskz_compress_epi64(k, rec));
    return out + __builtin_popcount(k);
}

LANES_INLINE uint64_t *emit1(uint64_t *out, __mmask8 k, __m256i idx)
{
    return emit(out, k, idx, _mm256_set1_epi32(1));
}

/* Bit s of bits, for each lane's s, as a mask. */
LANES_INLINE __mmask8 stage_bit(__mmask8 k, uint64_t bits, __m256i s)
{
    __m512i shifted =
        _mm512_srlv_epi64(_mm512_set1_epi64((long long)bits), _mm512_cvtepu32_epi64(s));
    return _mm512_mask_test_epi64_mask(k, shifted, _mm512_set1_epi64(1));
}

/* The steps [entered, end) that the lanes in k spent in their stage, split by
 * phase as count_steps does: before conversion, the conversion step, after. */
LANES_INLINE uint64_t *emit_stay(uint64_t *out, const cjm_lanes_plan *p, __mmask8 k, const lanes *c,
                                 __m256i end)
{
    const int S = p->S;
    __m256i n = _mm256_sub_epi32(end, c->entered);
    k = _mm256_mask_cmpgt_epi32_mask(k, n, _mm256_setzero_si256());
    __mmask8 pre = _mm256_cmplt_epi32_mask(c->tau, _mm256_setzero_si256());
    __mmask8 at = _mm256_cmpeq_epi32_mask(c->tau, c->entered);
    __m256i base = _mm256_add_epi32(c->stage, _mm256_set1_epi32(p->lay.steps));
    __m256i post = _mm256_add_epi32(base, _mm256_set1_epi32(CJM_POST * S));
    __m256i idx =
        _mm256_mask_mov_epi32(post, pre, _mm256_add_epi32(base, _mm256_set1_epi32(CJM_PRE * S)));
    idx = _mm256_mask_mov_epi32(idx, at, _mm256_add_epi32(base, _mm256_set1_epi32(CJM_AT * S)));
    __m256i one = _mm256_set1_epi32(1);
    out = emit(out, k, idx, _mm256_mask_mov_epi32(n, at, one));
    return emit(out, k & at & _mm256_cmpgt_epi32_mask(n, one), post, _mm256_sub_epi32(n, one));
}

/* A table of 32-bit entries by cell, for eight cells. */
LANES_INLINE __m256i lookup32(const void *table, __m256i cell)
{
    __m512i lo = _mm512_loadu_si512(table), hi = _mm512_loadu_si512((const char *)table + 64);
    return _mm512_castsi512_si256(_mm512_permutex2var_epi32(lo, _mm512_castsi256_si512(cell), hi));
}

/* A table of 64-bit entries by cell (widened to 64 bits); wide: cells >= 16 in use. */
LANES_INLINE __m512i lookup64(const uint64_t *table, __m512i cell, int wide)
{
    __m512i v =
        _mm512_permutex2var_epi64(_mm512_loadu_si512(table), cell, _mm512_loadu_si512(table + 8));
    if (!wide) return v;
    __m512i hi = _mm512_permutex2var_epi64(_mm512_loadu_si512(table + 16), cell,
                                           _mm512_loadu_si512(table + 24));
    return _mm512_mask_mov_epi64(v, _mm512_test_epi64_mask(cell, _mm512_set1_epi64(16)), hi);
}

/* Where the lanes in mv go: past every cumulative threshold at or below the draw. */
LANES_INLINE __m256i destination(const cjm_lanes_plan *p, __mmask8 mv, __m256i cell, __m512i cell64,
                                 __m512i v, int wide)
{
    __m256i d = lookup32(p->dest[0], cell);
    for (int k = 1; k < p->max_degree; k++) {
        __mmask8 up = _mm512_mask_cmpge_epu64_mask(mv, v, lookup64(p->cum[k - 1], cell64, wide));
        d = _mm256_mask_mov_epi32(d, up, lookup32(p->dest[k], cell));
    }
    return d;
}

/* The lanes in mv enter stage d at step `when` (count_entry). */
LANES_INLINE uint64_t *enter(uint64_t *out, const cjm_lanes_plan *p, __mmask8 mv, lanes *c,
                             __m256i d, __m256i when)
{
    const int S = p->S;
    __m256i zero = _mm256_setzero_si256();
    __mmask8 conv = stage_bit(mv, p->converts, d) & _mm256_cmplt_epi32_mask(c->tau, zero);
    c->tau = _mm256_mask_mov_epi32(c->tau, conv, when);
    __m256i base = _mm256_add_epi32(d, _mm256_set1_epi32(p->lay.entries));
    __m256i idx = _mm256_add_epi32(base, _mm256_set1_epi32(CJM_POST * S));
    idx = _mm256_mask_mov_epi32(idx, _mm256_cmplt_epi32_mask(c->tau, zero),
                                _mm256_add_epi32(base, _mm256_set1_epi32(CJM_PRE * S)));
    idx = _mm256_mask_mov_epi32(idx, _mm256_cmpeq_epi32_mask(c->tau, when),
                                _mm256_add_epi32(base, _mm256_set1_epi32(CJM_AT * S)));
    out = emit1(out, mv, idx);
    out = emit1(out, conv, _mm256_add_epi32(c->arrival, _mm256_set1_epi32(p->lay.arr_converted)));
    __m512i bit = _mm512_sllv_epi64(_mm512_set1_epi64(1), _mm512_cvtepu32_epi64(d));
    __mmask8 first = _mm512_mask_testn_epi64_mask(mv, c->visited, bit);
    out = emit1(out, first, _mm256_add_epi32(d, _mm256_set1_epi32(p->lay.reached)));
    c->visited = _mm512_mask_or_epi64(c->visited, mv, c->visited, bit);
    c->stage = _mm256_mask_mov_epi32(c->stage, mv, d);
    c->entered = _mm256_mask_mov_epi32(c->entered, mv, when);
    return out;
}

/* The lanes in dn are done (final stage or horizon): their last stay and
 * their retention (count_retention). */
LANES_INLINE uint64_t *finish(uint64_t *out, const cjm_lanes_plan *p, __mmask8 dn, __mmask8 final,
                              const lanes *c)
{
    __m256i H = _mm256_set1_epi32(p->H);
    out = emit_stay(out, p, dn, c, H);
    __mmask8 conv = _mm256_mask_cmpge_epi32_mask(dn, c->tau, _mm256_setzero_si256());
    __m256i span = _mm256_sub_epi32(H, c->tau);
    __m256i absorbed = _mm256_mask_mov_epi32(_mm256_set1_epi32(p->H + 1), final, c->entered);
    __m256i alive = _mm256_sub_epi32(_mm256_sub_epi32(absorbed, c->tau), _mm256_set1_epi32(1));
    alive = _mm256_max_epi32(_mm256_min_epi32(alive, span), _mm256_setzero_si256());
    out = emit1(out, conv, _mm256_add_epi32(span, _mm256_set1_epi32(p->lay.ret_den)));
    out = emit1(out, conv, _mm256_add_epi32(alive, _mm256_set1_epi32(p->lay.ret_num)));
    return emit1(out, conv & ~final, _mm256_set1_epi32(p->lay.retained));
}

/* The lanes in dn take the block's next customers, in order; those left
 * without one go idle. */
LANES_INLINE void refill(const cjm_lanes_plan *p, const cjm_lanes_block *b, __mmask8 dn, lanes *c,
                         int *next)
{
    int avail = b->n - *next, want = __builtin_popcount(dn);
    __mmask8 fill = want <= avail ? dn : (__mmask8)_pdep_u32((1u << avail) - 1, dn);
    c->state = _mm512_mask_expand_epi64(c->state, fill, _mm512_loadu_si512(b->state + *next));
    __m256i g = _mm256_loadu_si256((const void *)(b->segment + *next));
    c->cell0 =
        _mm256_mask_expand_epi32(c->cell0, fill, _mm256_mullo_epi32(g, _mm256_set1_epi32(p->S)));
    __m256i arrival = _mm256_loadu_si256((const void *)(b->arrival + *next));
    c->arrival = _mm256_mask_expand_epi32(c->arrival, fill, arrival);
    c->t = _mm256_mask_mov_epi32(c->t, fill, c->arrival);
    c->entered = _mm256_mask_mov_epi32(c->entered, fill, c->arrival);
    c->tau =
        _mm256_mask_mov_epi32(c->tau, fill, p->converts & 1 ? c->arrival : _mm256_set1_epi32(-1));
    c->visited = _mm512_mask_mov_epi64(c->visited, fill, _mm512_set1_epi64(1));
    c->stage = _mm256_mask_mov_epi32(c->stage, fill, _mm256_setzero_si256());
    c->active = (c->active & ~dn) | fill;
    *next += __builtin_popcount(fill);
}

static void flush(int64_t *tally, const uint64_t *log, const uint64_t *end)
{
    for (; log < end; log++) tally[(uint32_t)*log] += (int64_t)(*log >> 32);
}

/* One PCG32 output per lane, and the step of every lane's state. */
LANES_INLINE __m256i draw(lanes *c, __m512i inc)
{
    __m512i old = c->state;
    c->state =
        _mm512_add_epi64(_mm512_mullo_epi64(old, _mm512_set1_epi64((long long)CJM_PCG_MULT)), inc);
    __m512i xs = _mm512_srli_epi64(_mm512_xor_si512(_mm512_srli_epi64(old, 18), old), 27);
    return _mm256_rorv_epi32(_mm512_cvtepi64_epi32(xs),
                             _mm512_cvtepi64_epi32(_mm512_srli_epi64(old, 59)));
}

LANES_INLINE void run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                      uint64_t *log, int wide)
{
    lanes c;
    memset(&c, 0, sizeof c);
    const __m512i inc = _mm512_set1_epi64((long long)b->inc);
    const __m256i H = _mm256_set1_epi32(p->H), one = _mm256_set1_epi32(1);
    uint64_t *out = log, *full = log + CJM_LANES_LOG - 80; /* 10 records x 8 lanes a pass */
    int next = 0;
    refill(p, b, 0xff, &c, &next);
    while (c.active) {
        __m256i cell = _mm256_add_epi32(c.cell0, c.stage);
        __m512i cell64 = _mm512_cvtepu32_epi64(cell);
        /* v = u + rot, as in the scalar loop, widened for the unsigned compares */
        __m512i v = _mm512_cvtepu32_epi64(_mm256_add_epi32(draw(&c, inc), lookup32(p->rot, cell)));
        __mmask8 mv = _mm512_mask_cmplt_epu64_mask(c.active, v, lookup64(p->leave, cell64, wide));
        __m256i t1 = _mm256_add_epi32(c.t, one);
        if (mv) {
            __m256i d = destination(p, mv, cell, cell64, v, wide);
            out = emit_stay(out, p, mv, &c, t1);
            out = enter(out, p, mv, &c, d, t1);
        }
        c.t = _mm256_mask_mov_epi32(c.t, c.active, t1);
        __mmask8 final = stage_bit(c.active, p->final, c.stage);
        __mmask8 dn = final | _mm256_mask_cmpeq_epi32_mask(c.active, c.t, H);
        if (dn) {
            out = finish(out, p, dn, final, &c);
            refill(p, b, dn, &c, &next);
        }
        if (out >= full) {
            flush(tally, log, out);
            out = log;
        }
    }
    flush(tally, log, out);
}

LANES void cjm_lanes_run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                         uint64_t *log)
{
    if (p->S * p->G > 16)
        run(p, b, tally, log, 1);
    else
        run(p, b, tally, log, 0);
}

#else

int cjm_lanes_available(void)
{
    return 0;
}

void cjm_lanes_run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally, uint64_t *log)
{
    abort(); /* unreachable: cjm_lanes_available() is false */
}

#endif
