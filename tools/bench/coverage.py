"""tools/bench/coverage.py: the coverage of cjm's 95% intervals at few runs.

    PYTHONPATH=python python3 tools/bench/coverage.py [--seeds 400] [--runs 20]
                  [--customers 10000] [--scenario scenarios/beauty_clinic.lua]

For each seed, `cjm run` with the agent engine (--runs R) and its 95%
intervals; the truth is the exact engine's value. Prints, per metric, the
share of seeds whose interval holds the truth, with its binomial standard
error, and whether it is within one standard error of 95% (the target of
issue 17 item 7). Not a test: a study, with its figures in docs."""

import argparse
import math
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "python"))
import cjm  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--seeds", type=int, default=400)
ap.add_argument("--runs", type=int, default=20)
ap.add_argument("--customers", type=int, default=10000)
ap.add_argument("--scenario", default=os.path.join(here, "..", "..", "scenarios", "beauty_clinic.lua"))
ap.add_argument("--metrics", default="conversion,cac,ltv,retained,profit,ltv_margin,ltv_cac")
a = ap.parse_args()
metrics = a.metrics.split(",")
truth = cjm.run(a.scenario, engine="exact", runs=1, customers=a.customers).metrics
hits = {m: 0 for m in metrics}
for seed in range(1, a.seeds + 1):
    m = cjm.run(a.scenario, runs=a.runs, customers=a.customers, seed=seed).metrics
    for k in metrics:
        t = truth.loc[k, "mean"]
        hits[k] += m.loc[k, "lo"] <= t <= m.loc[k, "hi"]
se = math.sqrt(0.95 * 0.05 / a.seeds)
print(f"{os.path.basename(a.scenario)}: {a.seeds} seeds x {a.runs} runs x {a.customers} customers;"
      f" one binomial standard error of 95% coverage: {100 * se:.2f} points")
for k in metrics:
    c = hits[k] / a.seeds
    z = (c - 0.95) / se
    verdict = "within 1 se of 95%" if abs(z) <= 1 else "within 2 se" if abs(z) <= 2 else "OUTSIDE 2 se"
    print(f"  {k:<12} coverage {100 * c:5.1f}%  (z {z:+.1f})  {verdict}")
