return cjm.scenario { horizon = 5, cohort = { size = 10 },
  stages = { { "a" }, { "b", converts = true } },
  transitions = { a = { b = function(c) return 0/0 end } } }
