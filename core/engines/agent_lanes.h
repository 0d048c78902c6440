/* agent_lanes.h: the agent engine's vectorised kernel. Sixteen customers, one
 * per 32-bit lane of an AVX-512 register, each at its own step, drawing the
 * same keyed PCG32 numbers and adding the same integer counts as the scalar
 * loop in engine_agent.c: the output is identical byte for byte.
 *
 * It covers models whose probabilities are the same for every customer of a
 * segment (constants, tables by segment, functions of time, barriers), with at
 * most 32 (segment, stage) cells and 8 edges out of a stage, min_steps and
 * arrivals.
 * Thresholds that do not change with time are looked up with permutes, four
 * steps of a lane per pass; those that do, with gathers, two or three steps
 * per pass, which pays only where customers move often (see engine_agent.c).
 * Everything else goes the scalar way: a customer's own probabilities
 * (per-customer, time in stage), referrals, a final first stage.
 *
 * On CPUs with AVX2 but not AVX-512, a kernel of eight lanes per group does
 * the same for thresholds that do not change with time. */
#ifndef CJM_AGENT_LANES_H
#define CJM_AGENT_LANES_H

#include "result.h"
#include "rng.h"

#include <stdint.h>

/* The thresholds of engine_agent.c's plan, for a model whose thresholds do
 * not change with time and that has few (segment, stage) cells: then each
 * table fits in registers and a lookup is a permute, not a gather (a gather
 * costs about as much as the scalar loop's whole step). Cell c = g*S + s. */
#define CJM_LANES_CELLS 32
#define CJM_LANES_STAY_CODES (3 * CJM_LANES_CELLS)
#define CJM_LANES_DEGREE 8

typedef struct cjm_lanes_plan {
    int S, G, H;
    int max_degree;                  /* the most edges out of one stage */
    uint32_t leave[CJM_LANES_CELLS]; /* P(leave) x 2^32, mod 2^32 */
    uint32_t leave_all;              /* bit c: P(leave) x 2^32 is 2^32 */
    uint32_t rot[CJM_LANES_CELLS];   /* mass of the top-packed edges x 2^32, mod 2^32 */
    /* cumulative thresholds in rotated order: a draw at or above cum[k] goes
     * past edge k, to dest[k + 1]. Past a stage's last edge that can be taken
     * (whose threshold is 2^32, or its last), cum repeats the threshold before
     * that edge and dest repeats its stage. */
    uint32_t cum[CJM_LANES_DEGREE - 1][CJM_LANES_CELLS];
    int32_t dest[CJM_LANES_DEGREE][CJM_LANES_CELLS]; /* the cell it goes to */
    /* bit c: cell c's stage converts / is final / has money per step */
    uint32_t converts, final, step_money;
    /* steps after entering before a move can happen (min_steps - 1), by cell */
    int32_t wait[CJM_LANES_CELLS];
    int waits; /* some stage has min_steps > 1 */
    /* The counters an entry into cell c adds to, by phase (before conversion,
     * at it, after; -1: none, its stage has no money on entry) and for a
     * first visit; by a stay's code (3 x cell + phase), the counter it adds
     * its steps to, or ~counter for a stay that began with the conversion
     * (the conversion step counts there, the rest S counters on). Only stays
     * in stages with money per step are counted: counts that weigh amounts of
     * zero change no result. */
    int32_t entries[CJM_PHASES][CJM_LANES_CELLS], reached[CJM_LANES_CELLS];
    /* The tally's counter of the edge a move from cell a to cell b takes:
     * move_of[a x CJM_LANES_CELLS + b] (0 where no edge leads). */
    int32_t move_of[CJM_LANES_CELLS * CJM_LANES_CELLS];
    int32_t stay_counter[CJM_LANES_STAY_CODES];
    /* Money by step (the cash flow, when the model has money stages): by a
     * stay's code, or an entry's code >> 1 (3 x cell + phase), the counter
     * of its class and money stage at step 0 in the tally's entries_t and
     * steps_t (-1: no money stage); by_step: count them. */
    int by_step;
    int32_t entry_t[CJM_LANES_STAY_CODES], stay_t[CJM_LANES_STAY_CODES];
    /* Thresholds that change with time (timed != 0) are looked up by
     * cell x H + t with gathers: leave and rot as in the scalar plan, and
     * cum_t[k x cells x H + cell x H + t] (2^33 past a stage's last edge; dest
     * then repeats the last edge's stage, and cum, leave_all and rot above are
     * not used). timed is the steps of a lane per pass, 2 or 3: each step
     * costs gathers, and the more often customers move, the fewer of a pass's
     * steps are used. */
    int timed;
    int isa; /* the kernel that runs: CJM_LANES_AVX512 or CJM_LANES_AVX2 (not timed) */
    const uint64_t *leave_t, *cum_t;
    const uint32_t *rot_t;
    uint64_t seg_cum[CJM_LANES_CELLS]; /* cumulative segment shares x 2^32 */
    cjm_tally_layout lay;
} cjm_lanes_plan;

/* One block's customers, after their segment draw: rng state at their first
 * move's slot, first cell (segment x S) and arrival step. Arrays are readable
 * CJM_LANES_SPARE past n (the kernel loads sixteen lanes at a time). */
#define CJM_LANES_SPARE 16
typedef struct cjm_lanes_block {
    int n;
    uint64_t inc;
    const uint64_t *state;
    const int32_t *cell0, *arrival;
} cjm_lanes_block;

/* The counts a kernel run adds, before they are summed into the tally. */
#define CJM_LANES_LOG 2048
#define CJM_LANES_INDEX_BITS 12
#define CJM_LANES_MAX_HORIZON 65535 /* steps in 16 bits of an end record */
#define CJM_LANES_RETAINED 0x80000000u
#define CJM_LANES_CODES (6 * CJM_LANES_CELLS)
#define CJM_LANES_COPIES 4 /* see flush in agent_lanes.c */
#define CJM_LANES_CODE_COPIES 4
typedef struct cjm_lanes_log {
    /* a stay that ended in a stage with money per step: its code (3 x cell +
     * phase) | steps << 12 */
    uint32_t stays[CJM_LANES_LOG];
    uint32_t from[CJM_LANES_LOG]; /* with by_step: each stay's first step */
    /* an entry: 6 x cell + 2 x phase + 1 if first visit | its step << 8 |
     * the cell it came from << 24 */
    uint32_t codes[CJM_LANES_LOG];
    /* a converted customer done: its conversion step | 1 << 31 if retained,
     * then the step it was absorbed (horizon + 1: never) | arrival << 16 */
    uint64_t ends[CJM_LANES_LOG];
    /* (CJM_LANES_COPIES - 1) x lay.ret_num counters, zero between runs:
     * copies of the counters stays add to (those below lay.ret_num) */
    int64_t *copies;
    /* entries by code, in copies (zero between runs), turned into entry and
     * first-visit counts at the end of a run */
    int64_t entries[CJM_LANES_CODE_COPIES][CJM_LANES_CODES];
    /* moves by (cell from, cell to), as plan.move_of (zero between runs) */
    int64_t moves[CJM_LANES_CELLS * CJM_LANES_CELLS];
} cjm_lanes_log;

/* Which kernel this CPU runs under the settings' choice: CJM_LANES_AVX512
 * (AVX-512 F/DQ/VL/BW, AVX2 and BMI2), CJM_LANES_AVX2 (AVX2 and BMI2) or 0
 * (none: the scalar loop). CJM_SIMD_OFF turns it off (for comparing with the
 * scalar loop), CJM_SIMD_AVX2 chooses the AVX2 one (for testing it). The
 * kernels' tables are made the first time a kernel is chosen. */
#define CJM_LANES_AVX2 1
#define CJM_LANES_AVX512 2
int cjm_lanes_available(cjm_simd choice);

/* True when the kernel can simulate the model's features (the caller checks
 * the thresholds' size and that they do not change with time). */
int cjm_lanes_fits(const cjm_model *m, int horizon);

/* The block's customers j < n from the state of customer 0's first slot and
 * the jump from one customer's first slot to the next's: state[j], customer
 * j's state after its segment draw, and cell[j] = its segment x S. Writes up
 * to 7 entries past n. */
void cjm_lanes_prepare(const cjm_lanes_plan *p, uint64_t start, cjm_rng_jump next, uint64_t inc,
                       int n, uint64_t *state, int32_t *cell);

/* Simulates the block from the customers' first moves on, adding to tally
 * everything but their entry into stage 0 and the conversion totals (the
 * caller counts those). log: scratch. */
void cjm_lanes_run(const cjm_lanes_plan *p, const cjm_lanes_block *b, int64_t *tally,
                   cjm_lanes_log *log);

#endif
