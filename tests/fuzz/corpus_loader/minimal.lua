return cjm.scenario {
  horizon = 3, cohort = { size = 1 }, stages = {{ "a" }, { "b", converts = true }}, transitions = { a = { b = 1 } } }
