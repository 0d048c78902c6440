return cjm.scenario { horizon = 5, cohort = setmetatable({ size = 10 }, { __index = error }),
  stages = { { "a" }, { "b", converts = true } },
  transitions = { a = { b = 0.5 } } }
