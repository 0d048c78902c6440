local function f(n) return f(n + 1) + 1 end f(1)
return cjm.scenario { horizon = 5, cohort = { size = 10 },
  stages = { { "a" }, { "b", converts = true }, { "lost", final = true } },
  transitions = { a = { b = 0.5 } } }
