-- tools/bench/journey_fn.lua: journey.lua with every probability written as a
-- Lua function of the context c (c.t: step, c.segment: segment name). The
-- functions return the same constants as journey.lua, so both files describe
-- the same model; tools/bench/run times the two to show what functions cost.
local function p(x) return function(c) return x end end

return cjm.scenario {
  name = "Benchmark: clinic journey with backward moves (functions)",
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
    aware      = { interested = function(c) return 0.20 end, lost = function(c) return 0.10 end },
    interested = {
      consult = function(c) if c.segment == "young" then return 0.15 else return 0.10 end end,
      aware = p(0.05),
      lost = p(0.06),
    },
    consult    = { trial = p(0.40), interested = p(0.10), lost = p(0.20) },
    trial      = { client = { young = p(0.50), mature = p(0.60) }, consult = p(0.05), lost = p(0.15) },
    client     = { regular = function(c) return 0.35 + 0 * c.t end, lost = p(0.15) },
    regular    = { advocate = p(0.08), client = p(0.05), lost = p(0.04) },
    advocate   = { regular = p(0.10), lost = p(0.02) },
  },
}
