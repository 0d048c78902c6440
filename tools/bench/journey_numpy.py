#!/usr/bin/python3
"""tools/bench/journey_numpy.py: the benchmark model (tools/bench/journey.lua)
written the way an analyst would write it in numpy, for comparison with cjm.

    /usr/bin/python3 tools/bench/journey_numpy.py [CUSTOMERS [RUNS [SEED]]] [--no-compact]

Vectorised over customers: arrays of stage and segment per customer; each step
draws one uniform per active customer and picks the move by comparing it with
the cumulative thresholds of its (segment, stage) row; counts are gathered with
np.bincount. Customers who reach a final stage are dropped from the arrays (as
cjm stops drawing for them), their remaining steps still count for the final
stage's per-step money. With --no-compact every customer draws every step
(absorbed ones just stay), the simpler and slower way to write it.

Semantics (as cjm's): X_0 = first stage; each step t < H every customer not in
a final stage moves at most once, to d with probability p(X_t -> d, segment),
else stays. Stage cost/revenue on each entry (including the entry at t = 0),
cost_per_step/revenue_per_step for each step t < H started in the stage.
Conversion = first entry into a converting stage.

Prints one line of key=value pairs: conversion, revenue, cost (per run means,
cost including the ad spend per prospect), active_steps (customer-steps taken
outside final stages, per customer), seconds (wall time of the simulation).
"""
import sys
import time

import numpy as np

H = 52
COST_PER_PROSPECT = 0.5
SEGMENTS = [("young", 0.6), ("mature", 0.4)]
# name, cost, revenue, cost_per_step, revenue_per_step, converts, final
STAGES = [
    ("aware", 0, 0, 0, 0, False, False),
    ("interested", 0, 0, 0, 0, False, False),
    ("consult", 12, 0, 0, 0, False, False),
    ("trial", 5, 10, 0, 0, False, False),
    ("client", 0, 90, 0, 0, True, False),
    ("regular", 0, 0, 1, 15, False, False),
    ("advocate", 0, 0, 2, 20, False, False),
    ("lost", 0, 0, 0, 0, False, True),
]
# from: [(to, p) or (to, {segment: p})]
TRANSITIONS = {
    "aware": [("interested", 0.20), ("lost", 0.10)],
    "interested": [("consult", {"young": 0.15, "mature": 0.10}), ("aware", 0.05), ("lost", 0.06)],
    "consult": [("trial", 0.40), ("interested", 0.10), ("lost", 0.20)],
    "trial": [("client", {"young": 0.50, "mature": 0.60}), ("consult", 0.05), ("lost", 0.15)],
    "client": [("regular", 0.35), ("lost", 0.15)],
    "regular": [("advocate", 0.08), ("client", 0.05), ("lost", 0.04)],
    "advocate": [("regular", 0.10), ("lost", 0.02)],
}


def build_tables():
    S, G = len(STAGES), len(SEGMENTS)
    index = {st[0]: i for i, st in enumerate(STAGES)}
    K = max(len(v) for v in TRANSITIONS.values())
    # cum[g*S + s, k]: cumulative probability of the first k+1 moves; padded
    # with the stage's total, so that count(u >= cum) == K means "stays".
    cum = np.zeros((G * S, K))
    dest = np.repeat(np.arange(S)[:, None], K + 1, axis=1)  # dest[s, K] = s: stay
    for name, moves in TRANSITIONS.items():
        s = index[name]
        for k, (to, _) in enumerate(moves):
            dest[s, k] = index[to]
        for g, (seg, _) in enumerate(SEGMENTS):
            acc = 0.0
            for k in range(K):
                if k < len(moves):
                    p = moves[k][1]
                    acc += p[seg] if isinstance(p, dict) else p
                cum[g * S + s, k] = acc
    return cum, dest.astype(np.int16)


def simulate(n, rng, cum, dest, compact=True):
    S = len(STAGES)
    cost_in = np.array([st[1] for st in STAGES], float)
    rev_in = np.array([st[2] for st in STAGES], float)
    cost_step = np.array([st[3] for st in STAGES], float)
    rev_step = np.array([st[4] for st in STAGES], float)
    converts = np.array([st[5] for st in STAGES])
    final = np.array([st[6] for st in STAGES])
    K = cum.shape[1]
    cum_cols = [np.ascontiguousarray(cum[:, k]) for k in range(K)]
    dest_flat = dest.ravel()

    shares = np.cumsum([sh for _, sh in SEGMENTS])
    seg = np.searchsorted(shares, rng.random(n), side="right").astype(np.int16)
    seg_row = seg * S  # row of (segment, stage 0) in the threshold tables
    stage = np.zeros(n, np.int16)
    converted = np.zeros(n, bool)
    entries = np.zeros(S, np.int64)
    occupancy = np.zeros(S, np.int64)  # customer-steps started in each stage
    entries[0] = n
    if converts[0]:
        converted[:] = True
    n_converted = int(converted.sum())
    active_steps = 0
    for t in range(H):
        occupancy += np.bincount(stage, minlength=S)
        active_steps += int(np.count_nonzero(~final[stage])) if not compact else stage.size
        u = rng.random(stage.size)
        row = seg_row + stage
        # k = number of cumulative thresholds <= u: the move taken, K = stay.
        k = (u >= cum_cols[0][row]).astype(np.int16)
        for j in range(1, K):
            k += u >= cum_cols[j][row]
        new = dest_flat[stage * (K + 1) + k]
        moved = np.flatnonzero(new != stage)
        to = new[moved]
        entries += np.bincount(to, minlength=S)
        first = converts[to] & ~converted[moved]
        n_converted += int(np.count_nonzero(first))
        converted[moved[first]] = True
        stage = new
        if compact:
            done = final[stage]
            if done.any():
                # Drop the absorbed: their steps t+1..H-1 are spent in their final stage.
                occupancy += np.bincount(stage[done], minlength=S) * (H - 1 - t)
                keep = ~done
                stage, seg_row, converted = stage[keep], seg_row[keep], converted[keep]
    revenue = entries @ rev_in + occupancy @ rev_step
    cost = COST_PER_PROSPECT * n + entries @ cost_in + occupancy @ cost_step
    return n_converted, revenue, cost, active_steps


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    compact = "--no-compact" not in sys.argv[1:]
    n = int(float(args[0])) if len(args) > 0 else 1_000_000
    runs = int(args[1]) if len(args) > 1 else 1
    seed = int(args[2]) if len(args) > 2 else 1
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    cum, dest = build_tables()
    conv = rev = cost = act = 0.0
    for _ in range(runs):
        c, r, k, a = simulate(n, rng, cum, dest, compact)
        conv += c / n
        rev += r
        cost += k
        act += a / n
    seconds = time.perf_counter() - t0
    print(f"conversion={conv / runs:.6f} revenue={rev / runs:.2f} cost={cost / runs:.2f} "
          f"active_steps={act / runs:.4f} customers={n} runs={runs} seconds={seconds:.4f}")


if __name__ == "__main__":
    main()
