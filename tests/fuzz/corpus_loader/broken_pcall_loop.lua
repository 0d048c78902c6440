local ok = pcall(function() while true do end end)
return cjm.scenario { horizon = 5, cohort = { size = 10 },
  stages = { { "a" }, { "b", converts = true }, { "lost", final = true } },
  transitions = { a = { b = 0.5 } } }
