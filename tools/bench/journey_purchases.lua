-- tools/bench/journey_purchases.lua: the benchmark journey (journey.lua) with
-- the regulars' and advocates' money as repeat purchases (Poisson, 1.5 and
-- 2 a step, baskets of 10), so that customers go step by step as a loyalty
-- program needs: the reference for journey_loyalty.lua, which is this model
-- with a program added (tools/bench/run times both).
return cjm.scenario {
  name = "Benchmark: clinic journey with repeat purchases",
  step = "week",
  horizon = 52,
  cohort = { size = 1000000, cost_per_prospect = 0.5 },
  segments = {
    { "young",  share = 0.6 },
    { "mature", share = 0.4 },
  },
  stages = {
    { "aware" },
    { "interested" },
    { "consult",  cost = 12 },
    { "trial",    cost = 5, revenue = 10 },
    { "client",   converts = true, revenue = 90 },
    { "regular",  purchases = 1.5, basket = 10, cost_per_step = 1 },
    { "advocate", purchases = 2, basket = 10, cost_per_step = 2 },
    { "lost",     final = true },
  },
  transitions = {
    aware      = { interested = 0.20, lost = 0.10 },
    interested = { consult = { young = 0.15, mature = 0.10 }, aware = 0.05, lost = 0.06 },
    consult    = { trial = 0.40, interested = 0.10, lost = 0.20 },
    trial      = { client = { young = 0.50, mature = 0.60 }, consult = 0.05, lost = 0.15 },
    client     = { regular = 0.35, lost = 0.15 },
    regular    = { advocate = 0.08, client = 0.05, lost = 0.04 },
    advocate   = { regular = 0.10, lost = 0.02 },
  },
}
