-- A test scenario with everything the accounting must get right: costs and
-- revenues on entry and per step before, at and after conversion, a way back
-- from a converting stage, a final stage with per-step amounts, segments and
-- time-dependent probabilities that use both c.t and c.segment.
return cjm.scenario {
  name = "cycles",
  horizon = 30,
  cohort = { size = 4000, cost_per_prospect = 1.5 },
  segments = { { "a", share = 0.3 }, { "b", share = 0.5 }, { "c", share = 0.2 } },
  stages = {
    { "lead", cost_per_step = 0.2 },
    { "trial", cost = 4, revenue = 1, cost_per_step = 0.5 },
    { "buyer", converts = true, revenue = 50, cost = 6 },
    { "repeat", revenue = 20, cost = 2, revenue_per_step = 1 },
    { "lapsed", cost_per_step = 0.1 },
    { "churned", final = true, cost_per_step = 0.05 },
  },
  transitions = {
    lead = { trial = { a = 0.3, b = 0.2, c = function(c) return 0.05 + 0.01 * c.t end },
             churned = 0.05 },
    trial = { buyer = 0.25, lead = 0.1, churned = 0.1 },
    buyer = { ["repeat"] = 0.3, lapsed = 0.2 },
    ["repeat"] = { buyer = 0.2, lapsed = function(c)
      return c.segment == "a" and 0.05 or 0.1 + 0.002 * c.t end },
    lapsed = { ["repeat"] = 0.1, churned = 0.15 },
  },
}
