-- Every part of the P&L at once, for the engines' agreement and the
-- identities (tests/test_pnl.c): amounts by segment, cogs on entry and per
-- step, fixed costs once and per step (one of them acquisition), monthly
-- discounting, min_steps and referrals with rewards.
return cjm.scenario {
  name = "P&L test",
  step = "month",
  horizon = 18,
  cohort = { size = 4000, cost_per_prospect = 3 },
  segments = { { "small", share = 0.6 }, { "large", share = 0.4 } },
  discount = { rate = 0.12 },
  stages = {
    { "lead" },
    { "trial", cost = { small = 5, large = 9 }, min_steps = 2 },
    { "client", converts = true, revenue = { small = 120, large = 300 }, cogs = 40,
      revenue_per_step = { small = 15, large = 35 }, cogs_per_step = { small = 4, large = 9 },
      cost_per_step = 1, refers = 0.02, referral_cost = 25, refers_to = "lead" },
    { "lapsed", revenue_per_step = 2 },
    { "lost", final = true },
  },
  transitions = {
    lead = { trial = { small = 0.2, large = 0.1 }, lost = 0.1 },
    trial = { client = 0.3, lost = 0.15 },
    client = { lapsed = 0.08 },
    lapsed = { client = 0.1, lost = 0.2 },
  },
  costs = {
    platform = { per_step = 500 },
    launch = { once = 2000, at = 1, role = "acquisition" },
    season = { per_step = 150, from = 6, to = 12 },
  },
}
