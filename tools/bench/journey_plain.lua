-- tools/bench/journey_plain.lua: the benchmark model (tools/bench/journey.lua)
-- as a plain Lua 5.4 script, one customer at a time with math.random, for
-- comparison with cjm.
--
--     lua5.4 tools/bench/journey_plain.lua [CUSTOMERS [RUNS [SEED]]]
--
-- Semantics (as cjm's): X_0 = first stage; each step t < H every customer not
-- in a final stage moves at most once, to d with probability p(X_t -> d,
-- segment), else stays. Stage cost/revenue on each entry (including the entry
-- at t = 0), cost_per_step/revenue_per_step for each step t < H started in the
-- stage. Conversion = first entry into a converting stage. A customer in a
-- final stage draws nothing more; its remaining steps still count for the
-- stage's per-step money.
--
-- Prints one line of key=value pairs: conversion, revenue, cost (per run
-- means, cost including the ad spend per prospect), revenue_se (standard error
-- of the revenue per prospect), seconds (CPU time of the simulation, from
-- os.clock: one thread, so close to its wall time).

local H = 52
local COST_PER_PROSPECT = 0.5
local SEGMENTS = { { "young", 0.6 }, { "mature", 0.4 } }
-- name, cost, revenue, cost_per_step, revenue_per_step, converts, final
local STAGES = {
  { "aware", 0, 0, 0, 0, false, false },
  { "interested", 0, 0, 0, 0, false, false },
  { "consult", 12, 0, 0, 0, false, false },
  { "trial", 5, 10, 0, 0, false, false },
  { "client", 0, 90, 0, 0, true, false },
  { "regular", 0, 0, 1, 15, false, false },
  { "advocate", 0, 0, 2, 20, false, false },
  { "lost", 0, 0, 0, 0, false, true },
}
-- from = { { to, p or { segment = p } }, ... }
local TRANSITIONS = {
  aware = { { "interested", 0.20 }, { "lost", 0.10 } },
  interested = { { "consult", { young = 0.15, mature = 0.10 } }, { "aware", 0.05 }, { "lost", 0.06 } },
  consult = { { "trial", 0.40 }, { "interested", 0.10 }, { "lost", 0.20 } },
  trial = { { "client", { young = 0.50, mature = 0.60 } }, { "consult", 0.05 }, { "lost", 0.15 } },
  client = { { "regular", 0.35 }, { "lost", 0.15 } },
  regular = { { "advocate", 0.08 }, { "client", 0.05 }, { "lost", 0.04 } },
  advocate = { { "regular", 0.10 }, { "lost", 0.02 } },
}

local n = math.tointeger(tonumber(arg[1] or "100000") // 1)
local runs = math.tointeger(tonumber(arg[2] or "1") // 1)
local seed = math.tointeger(tonumber(arg[3] or "1") // 1)

-- Tables indexed by stage number: money, flags, and per segment the
-- cumulative thresholds and destinations of the moves out of each stage.
local S, G = #STAGES, #SEGMENTS
local index = {}
for i, st in ipairs(STAGES) do index[st[1]] = i end
local cost_in, rev_in, cost_step, rev_step, converts, final = {}, {}, {}, {}, {}, {}
for i, st in ipairs(STAGES) do
  cost_in[i], rev_in[i], cost_step[i], rev_step[i] = st[2], st[3], st[4], st[5]
  converts[i], final[i] = st[6], st[7]
end
local cum, dest = {}, {} -- cum[g][s] = { c1, c2, ... }, dest[s] = { d1, d2, ... }
for g = 1, G do cum[g] = {} end
for s = 1, S do
  local moves = TRANSITIONS[STAGES[s][1]] or {}
  dest[s] = {}
  for k, mv in ipairs(moves) do dest[s][k] = index[mv[1]] end
  for g = 1, G do
    local acc, c = 0.0, {}
    for k, mv in ipairs(moves) do
      local p = mv[2]
      if type(p) == "table" then p = p[SEGMENTS[g][1]] end
      acc = acc + p
      c[k] = acc
    end
    cum[g][s] = c
  end
end
local share_cum, acc = {}, 0.0
for g = 1, G do acc = acc + SEGMENTS[g][2]; share_cum[g] = acc end
share_cum[G] = 1.0

local random = math.random
math.randomseed(seed)

local t0 = os.clock()
local conv_sum, rev_sum, cost_sum, rev_sq = 0, 0.0, 0.0, 0.0
for _ = 1, runs do
  local converted_n, revenue, cost = 0, 0.0, COST_PER_PROSPECT * n
  for _ = 1, n do
    local u = random()
    local g = 1
    while u >= share_cum[g] do g = g + 1 end
    local cg = cum[g]
    local s = 1
    local converted = converts[1]
    local rev, cst = rev_in[1], cost_in[1]
    local t = 0
    while t < H do
      rev = rev + rev_step[s]
      cst = cst + cost_step[s]
      if final[s] then
        -- No more draws: the rest of the horizon is spent here.
        rev = rev + rev_step[s] * (H - 1 - t)
        cst = cst + cost_step[s] * (H - 1 - t)
        break
      end
      u = random()
      local c = cg[s]
      for k = 1, #c do
        if u < c[k] then
          s = dest[s][k]
          rev = rev + rev_in[s]
          cst = cst + cost_in[s]
          if converts[s] and not converted then converted = true end
          break
        end
      end
      t = t + 1
    end
    if converted then converted_n = converted_n + 1 end
    revenue = revenue + rev
    cost = cost + cst
    rev_sq = rev_sq + rev * rev
  end
  conv_sum = conv_sum + converted_n / n
  rev_sum = rev_sum + revenue
  cost_sum = cost_sum + cost
end
local seconds = os.clock() - t0
local total = n * runs
local mean = rev_sum / total
local se = math.sqrt((rev_sq / total - mean * mean) / total)
print(string.format("conversion=%.6f revenue=%.2f cost=%.2f revenue_se=%.4f customers=%d runs=%d seconds=%.4f",
  conv_sum / runs, rev_sum / runs, cost_sum / runs, se, n, runs, seconds))
