return cjm.scenario { horizon = 5, cohort = { size = 10 },
  stages = { { "a" }, { "b", converts = true } },
  transitions = { a = { b = function(c) while true do end end } } }
