-- tests/scenarios/voi.lua: the value of information against its closed
-- form (tests/test_decisions.c). The variant `campaign` earns 10,300 more
-- (p1's revenue 1,000 -> 1,103 on 100 customers) and pays an uncertain
-- campaign cost X ~ normal(10,000, 1,000): its net benefit over the
-- baseline is D = 300 - (X - 10,000) ~ normal(300, 1,000), so
-- EVPI = sigma phi(mu / sigma) - |mu| Phi(-|mu| / sigma) with mu = 300,
-- sigma = 1,000, and all of it is EVPPI of X. The ads' cost per prospect
-- is uncertain too but the same in both options: its EVPPI is 0.
return cjm.scenario {
  name = "value of information",
  horizon = 1,
  cohort = { size = 1000, cost_per_prospect = cjm.uniform(0.5, 1.5) },
  stages = {
    { "start" },
    { "p1", converts = true, final = true, revenue = 1000 },
  },
  transitions = { start = { p1 = 0.1 } },
  variants = {
    campaign = { set = { ["stages.p1.revenue"] = 1103 },
                 costs = { campaign = { once = cjm.normal(10000, 1000), at = 0 } } },
  },
}
