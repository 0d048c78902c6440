return cjm.scenario { horizon = 0, cohort = { size = -1 },
  stages = { { "a" }, { "a", converts = true } },
  transitions = { a = { z = 1.5 } }, varaints = {} }
