"""python/examples/planner.py: a planner's session with cjm from Python, as
in a notebook. Run from the repository after tools/run:

    PYTHONPATH=python python3 python/examples/planner.py

1. the beauty clinic's journey, exactly (no sampling): its metrics, funnel
   and cash flow; 2. does the coffee shop's stamp card pay? the program
   against no program under common random numbers; 3. which inputs matter
   most for the clinic's profit (a tornado)."""

import os

import cjm

here = os.path.dirname(os.path.abspath(__file__))
scenarios = os.path.join(here, "..", "..", "scenarios")

clinic = os.path.join(scenarios, "beauty_clinic.lua")
r = cjm.run(clinic, engine="exact", runs=1)
print(r)
print(r.metrics.loc[["conversion", "cac", "ltv", "ltv_cac", "profit"], ["mean", "label"]])
print(r.funnel["mean"].rename("reached"))
cf = r.cashflow
print("payback step:", r.payback)
print(cf[["revenue", "cost", "cumulative_profit"]].head(8))

shop = os.path.join(scenarios, "coffee_shop.lua")
c = cjm.compare(shop, variants=["program"], runs=20, customers=2000, seed=1)
d = c.deltas.loc[("program", "profit")]
print("the program's incremental profit: %.0f (95%% interval %.0f to %.0f), P(it pays) %.2f"
      % (d["mean"], d["lo"], d["hi"], c.arms.loc["program", "p_profit_up"]))
loyalty = c.results["program"].loyalty
print(loyalty.loc[["members_joined", "points_issued", "breakage", "liability"], ["mean", "lo", "hi"]])

t = cjm.tornado(clinic, runs=10, customers=2000)
print(t.rows[["low", "high", "metric_low", "metric_high", "swing"]].head(5))
