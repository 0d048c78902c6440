/* PCG32 random numbers (O'Neill, pcg_setseq_64_xsh_rr_32) and keyed streams.
 *
 * Every random number cjm draws comes from a cjm_rng. Streams are derived from
 * (seed, key...) so that a result never depends on the order work is done in:
 * the same (seed, run, block) always yields the same sequence. */
#ifndef CJM_RNG_H
#define CJM_RNG_H

#include <stdint.h>

typedef struct cjm_rng {
    uint64_t state;
    uint64_t inc; /* always odd: selects the stream */
} cjm_rng;

/* An affine map state -> mult * state + plus: "advance by delta steps",
 * precomputed once so that a jump costs one multiply and one add. */
typedef struct cjm_rng_jump {
    uint64_t mult;
    uint64_t plus;
} cjm_rng_jump;

#define CJM_PCG_MULT 6364136223846793005ULL

/* pcg32_srandom_r: the published seeding (initstate, initseq). */
void cjm_rng_seed(cjm_rng *rng, uint64_t initstate, uint64_t initseq);

/* A stream keyed by (seed, a, b): distinct keys give unrelated streams. */
void cjm_rng_stream(cjm_rng *rng, uint64_t seed, uint64_t a, uint64_t b);

/* splitmix64 finaliser: a bijective 64-bit mix used to derive stream keys. */
uint64_t cjm_mix64(uint64_t x);

/* The output function of pcg_setseq_64_xsh_rr_32 for a state. */
static inline uint32_t cjm_pcg_output(uint64_t old)
{
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

static inline uint32_t cjm_rng_next(cjm_rng *rng)
{
    uint64_t old = rng->state;
    rng->state = old * CJM_PCG_MULT + rng->inc;
    return cjm_pcg_output(old);
}

/* Uniform on [0, 1) with 53 random bits (two draws). */
static inline double cjm_rng_uniform(cjm_rng *rng)
{
    uint64_t hi = cjm_rng_next(rng) >> 5; /* 27 bits */
    uint64_t lo = cjm_rng_next(rng) >> 6; /* 26 bits */
    return (double)(hi * 67108864u + lo) * (1.0 / 9007199254740992.0);
}

/* Uniform on (0, 1): never exactly 0, for logs and inverse CDFs. */
static inline double cjm_rng_uniform_pos(cjm_rng *rng)
{
    double u;
    do u = cjm_rng_uniform(rng);
    while (u == 0.0);
    return u;
}

/* Uniform integer in [0, bound), unbiased (Lemire's method). bound > 0. */
uint32_t cjm_rng_bounded(cjm_rng *rng, uint32_t bound);

/* The jump that advances a stream by delta outputs (Brown, "Random number
 * generation with arbitrary strides", 1994). */
cjm_rng_jump cjm_rng_jump_make(uint64_t delta, uint64_t inc);

static inline uint64_t cjm_rng_jump_apply(cjm_rng_jump j, uint64_t state)
{
    return j.mult * state + j.plus;
}

/* Advance rng by delta outputs in O(log delta). */
void cjm_rng_advance(cjm_rng *rng, uint64_t delta);

typedef struct cjm_log_slice {
    double ln, inv;
} cjm_log_slice;
extern const cjm_log_slice cjm_log_table[128];

/* ln((x + 1/2) / 2^32), the log of a 32-bit draw as a uniform on (0, 1),
 * in about a fifth of libm's time: (x + 1/2) = 2^e m with m in [1, 2); m's
 * slice of [1, 2) has centre c, and ln m = ln c + log1p(m / c - 1) with
 * |m / c - 1| < 2^-8, where seven terms of log1p's series leave an error
 * below 10^-20. Within 1e-15 (relative) of log() (tests/test_rng.c). */
static inline double cjm_log_u32(uint32_t x)
{
    union {
        double d;
        uint64_t u;
    } v = {(double)x + 0.5}, m;
    int e = (int)(v.u >> 52) - 1023;
    const cjm_log_slice *s = &cjm_log_table[(v.u >> 45) & 127];
    m.u = (v.u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double d = m.d * s->inv - 1;
    double p =
        d * (1 + d * (-0.5 + d * (1.0 / 3 + d * (-0.25 + d * (0.2 + d * (-1.0 / 6 + d / 7))))));
    return s->ln + p + (double)(e - 32) * 0.69314718055994530942;
}

#endif
