-- tools/bench/journey.lua: the fixed benchmark scenario (8 stages, 2 segments,
-- 52 steps). Constants only: journey_fn.lua is the same model written with
-- functions, journey_numpy.py and journey_plain.lua are the same model written
-- by hand. Change one and you must change all four (tools/bench/run checks
-- that their conversions agree).
return cjm.scenario {
  name = "Benchmark: clinic journey with backward moves",
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
    { "regular",  revenue_per_step = 15, cost_per_step = 1 },
    { "advocate", revenue_per_step = 20, cost_per_step = 2 },
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
