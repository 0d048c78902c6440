local d = cjm.uniform(0.1, 0.3)
return cjm.scenario { horizon = 8, cohort = { size = 100 },
  segments = { { "x", share = 0.5 }, { "y", share = 0.5 } },
  stages = { { "a" }, { "b", converts = true, revenue = d }, { "c", final = true } },
  transitions = { a = { b = d, c = { x = 0.1, y = 0.2 } }, b = { c = function(c) return c.t / 100 end } },
  barriers = { slow = { on = "a -> b", effect = 0.5, fix = { cost = 1, efficacy = 0.5 } } },
  variants = { v = { set = { ["cohort.size"] = 50 }, fixes = { "slow" } } } }
