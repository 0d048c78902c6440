-- Stay mode's corners: min_steps, c.dwell, functions of time with zero
-- steps, edges summing to 1, a stage nobody leaves, arrivals, referrals.
return cjm.scenario {
  name = "stay corners",
  horizon = 30,
  cohort = { size = 1000, cost_per_prospect = 1, arrivals = function(t) if t < 5 then return 200 end return 0 end },
  segments = { { "x", share = 0.3 }, { "y", share = 0.7 } },
  stages = {
    { "a", min_steps = 3, cost_per_step = 1 },
    { "b", revenue_per_step = 2 },
    { "c", converts = true, revenue = 10 },
    { "d", revenue_per_step = 1, refers = 0.02 },
    { "e", revenue_per_step = 3 },
    { "lost", final = true },
  },
  transitions = {
    a = { b = { x = 0.3, y = 0.2 }, lost = 0.05 },
    b = { c = function(c) return math.min(0.05 + 0.04 * c.dwell, 0.5) end, a = 0.05 },
    c = { d = 0.6, lost = 0.4 },
    d = { e = function(c) if c.t % 7 < 3 then return 0 end return 0.2 end,
          c = function(c) return 0.01 * (c.t % 4) end },
    e = {},
  },
}
