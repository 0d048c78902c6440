-- tests/scenarios/knapsack.lua: three fixes where the greedy choice is not
-- the best under a budget of 30,000 (tests/test_decisions.c). One step: a
-- prospect goes to p1, p2 or p3 (each 0.1 before the barriers) and converts
-- there for 1,000. Fixing barrier A (effect 0.5) brings back 50 customers
-- for 20,000, net +30,000; B and C (effect 0.65) 35 each for 15,000, net
-- +20,000. Greedy takes A (30,000) and has no budget left; B + C cost
-- 30,000 and net +40,000.
return cjm.scenario {
  name = "knapsack of fixes",
  horizon = 1,
  cohort = { size = 1000 },
  stages = {
    { "start" },
    { "p1", converts = true, final = true, revenue = 1000 },
    { "p2", converts = true, final = true, revenue = 1000 },
    { "p3", converts = true, final = true, revenue = 1000 },
  },
  transitions = { start = { p1 = 0.1, p2 = 0.1, p3 = 0.1 } },
  barriers = {
    A = { on = "start -> p1", effect = 0.5, fix = { cost = 20000 } },
    B = { on = "start -> p2", effect = 0.65, fix = { cost = 15000 } },
    C = { on = "start -> p3", effect = 0.65, fix = { cost = 15000 } },
  },
}
