#include "rng.h"

void cjm_rng_seed(cjm_rng *rng, uint64_t initstate, uint64_t initseq)
{
    rng->state = 0u;
    rng->inc = (initseq << 1u) | 1u;
    (void)cjm_rng_next(rng);
    rng->state += initstate;
    (void)cjm_rng_next(rng);
}

uint64_t cjm_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Both the start state and the increment are hashed from the key: PCG streams
 * whose increments differ in few bits are correlated, hashed ones are not. */
void cjm_rng_stream(cjm_rng *rng, uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t k = cjm_mix64(cjm_mix64(cjm_mix64(seed) ^ a) ^ (b * 0xd1342543de82ef95ULL));
    cjm_rng_seed(rng, k, cjm_mix64(k ^ 0x6a09e667f3bcc909ULL));
}

uint32_t cjm_rng_bounded(cjm_rng *rng, uint32_t bound)
{
    uint64_t m = (uint64_t)cjm_rng_next(rng) * bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (uint64_t)cjm_rng_next(rng) * bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

cjm_rng_jump cjm_rng_jump_make(uint64_t delta, uint64_t inc)
{
    uint64_t cur_mult = CJM_PCG_MULT, cur_plus = inc;
    uint64_t acc_mult = 1u, acc_plus = 0u;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1u) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1u;
    }
    return (cjm_rng_jump){acc_mult, acc_plus};
}

void cjm_rng_advance(cjm_rng *rng, uint64_t delta)
{
    rng->state = cjm_rng_jump_apply(cjm_rng_jump_make(delta, rng->inc), rng->state);
}
