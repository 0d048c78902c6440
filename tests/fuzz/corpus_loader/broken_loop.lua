while true do end
return cjm.scenario { horizon = 5, cohort = { size = 10 },
  stages = { { "a" }, { "b", converts = true }, { "lost", final = true } },
  transitions = { a = { b = 0.5 } } }
