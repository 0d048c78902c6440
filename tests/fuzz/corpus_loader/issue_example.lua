-- The scenario of the foundation issue, verbatim: it must run as written.
return cjm.scenario {
  name = "Beauty clinic: from first ad to regular client",
  step = "week",          -- what one time step is called (text only)
  horizon = 52,           -- steps simulated
  cohort = { size = 10000, cost_per_prospect = 0.5 },  -- prospects entering at step 0; ad spend per prospect
  segments = {            -- optional; shares sum to 1
    { "young",  share = 0.6 },
    { "mature", share = 0.4 },
  },
  stages = {              -- ordered; the first is where every prospect starts
    { "aware" },
    { "consider" },
    { "consult",  cost = 12 },                      -- cost each time a customer enters this stage
    { "client",   converts = true, revenue = 90 },  -- entering it for the first time = converting
    { "regular",  revenue_per_step = 15 },          -- revenue for every step spent in this stage
    { "lost",     final = true },                   -- absorbing: no way out
  },
  transitions = {         -- per step, probability of moving from -> to; the remainder stays put
    aware    = { consider = 0.25, lost = 0.15 },
    consider = { consult = { young = 0.12, mature = 0.08 }, lost = 0.05 },
    consult  = { client = 0.55, lost = 0.30 },
    client   = { regular = 0.40, lost = 0.20 },
    regular  = { lost = function(c) return 0.05 + 0.001 * c.t end },  -- c.t: step; c.segment: segment name
  },
}
