-- a -(p)-> b (converts) -(0.2)-> lost over 5 steps: conversion = 1 - (1 - p)^5.
return cjm.scenario {
  name = "two stages",
  horizon = 5,
  cohort = { size = 1000, cost_per_prospect = 0.5 },
  stages = {
    { "a", cost_per_step = 1 },
    { "b", converts = true, revenue = 10 },
    { "lost", final = true },
  },
  transitions = {
    a = { b = 0.3 },
    b = { lost = 0.2 },
  },
}
