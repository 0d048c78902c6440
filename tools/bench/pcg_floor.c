/* tools/bench/pcg_floor.c: the floor under any per-step simulation: draw one
 * PCG32 number (pcg_setseq_64_xsh_rr_32, as core/rng.h) per customer-step, in
 * cjm's pattern: a loop over customers, each drawing H numbers from its own
 * slot of the stream, the next customer's start one affine jump away. The
 * numbers are xor-accumulated and printed so the compiler cannot drop them.
 *
 *     cc -O2 -o pcg_floor tools/bench/pcg_floor.c && ./pcg_floor CUSTOMERS [H]
 *
 * Prints: draws=N seconds=S ns_per_draw=X xor=...  */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define PCG_MULT 6364136223846793005ULL

static inline uint32_t pcg_next(uint64_t *state, uint64_t inc)
{
    uint64_t old = *state;
    *state = old * PCG_MULT + inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31u));
}

/* state -> mult * state + plus advances a stream by delta outputs. */
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

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long long customers = argc > 1 ? (long long)strtod(argv[1], NULL) : 10000000;
    int H = argc > 2 ? atoi(argv[2]) : 52;
    uint64_t inc = 0xda3e39cb94b95bdbULL | 1u, start = 0x853c49e6748fea9bULL;
    if (argc > 3) start ^= strtoull(argv[3], NULL, 10); /* defeats constant folding */
    uint64_t mult, plus;
    jump_make((uint64_t)H + 1, inc, &mult, &plus); /* cjm reserves H + 1 slots */
    double t0 = now();
    uint32_t acc = 0;
    for (long long j = 0; j < customers; j++) {
        uint64_t state = start;
        for (int t = 0; t < H; t++) acc ^= pcg_next(&state, inc);
        start = mult * start + plus;
    }
    double sec = now() - t0;
    double draws = (double)customers * H;
    printf("draws=%.0f seconds=%.4f ns_per_draw=%.4f xor=%08x\n", draws, sec, sec / draws * 1e9,
           (unsigned)acc);
    return 0;
}
