-- tools/bench/journey_loyalty.lua: journey_purchases.lua with a loyalty
-- program: members join from the client stage on, earn a point a purchase,
-- redeem 10 for a reward, lose them after 8 steps without a purchase, and
-- move up to gold with 20 purchases in 13 steps (kept with 15), which
-- doubles their points and halves their drift from regular to lost.
return cjm.scenario {
  name = "Benchmark: clinic journey with a loyalty program",
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
  loyalty = {
    join = 0.3, join_cost = 1, member_cost_per_step = 0.1,
    points = { per_purchase = 1, expire_after = 8 },
    rewards = { { at = 10, cost = 4 } },
    tiers = { { "silver" }, { "gold", qualify = { purchases = 20, within = 13 }, keep = { purchases = 15, within = 13 } } },
    benefits = { gold = { points = 2, on = { ["regular -> lost"] = 0.5 } } },
  },
}
