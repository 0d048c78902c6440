--[[
tools/bench/wedding_104.lua: the exact engine's benchmark journey (issue 22).

A 22-stage, 104-week version of scenarios/wedding_salon.lua, written from the
same seed text (shared/seeds/004_9173953deba4145f.txt: Oksana Orel, "Шлях
клієнта", a fragment of a real customer-journey table for a wedding salon in
Toronto). The text's steps become stages: the proposal, searching online and
asking friends, the website (chat, wishlist, questionnaire, booking), the
visit (by appointment or passing by), the contract "signed" or "NOT signed
and the reason named", the dress arriving, first, second and final fitting
with the handover, and the after-wedding service "1-2 months after the
wedding". Every number is an assumption, as in scenarios/wedding_salon.lua.

What it exercises (not a model to read results from): two segments, three
functions of time (the proposal and wedding seasons), `min_steps` on the
stages that take fixed time (a made-to-order gown takes at least 12 weeks, a
fitting 2, the after-wedding service 6), and referrals from married brides
and advocates back to the first stage. One step = one week, horizon 104.
]]

local function season(t)
  local w = t % 52
  if w <= 12 then return 1.4 end                -- January-March
  if w >= 26 and w <= 38 then return 0.7 end    -- July-September
  return 1.0
end

local function wedding_season(t)
  local w = t % 52
  return w >= 22 and w <= 38                    -- June-September
end

return cjm.scenario {
  name = "Wedding salon, 104 weeks, 22 stages (exact-engine benchmark)",
  step = "week",
  horizon = 104,
  cohort = { size = 5000, cost_per_prospect = 10 },
  segments = {
    { "in_person",    share = 0.7 },
    { "online_first", share = 0.3 },
  },
  stages = {
    { "engaged" },
    { "searching" },
    { "friends" },
    { "website" },
    { "chat",          cost = 2 },
    { "wishlist" },
    { "questionnaire" },
    { "booked" },
    { "visit",         cost = 40 },
    { "second_visit",  cost = 30 },
    { "thinking" },
    { "contract",      converts = true, revenue = 2200, cogs = 1100 },
    { "ordered",       min_steps = 12 },
    { "arrived",       min_steps = 1 },
    { "first_fitting", cost = 25, min_steps = 2 },
    { "second_fitting", cost = 25, min_steps = 2 },
    { "final_fitting", revenue = 350, cogs = 150, min_steps = 2 },
    { "ready" },
    { "married" },
    { "after_service", cost = 10, min_steps = 6, refers = 0.01 },
    { "advocate",      revenue_per_step = 5, refers = 0.02 },
    { "lost",          final = true },
  },
  transitions = {
    engaged       = {
      searching = function(c) return 0.10 * season(c.t) end,
      friends = 0.05,
      lost = 0.03,
    },
    searching     = {
      website = function(c) return 0.12 * season(c.t) end,
      friends = 0.04,
      visit = 0.01,            -- the text's "passing by"
      lost = 0.05,
    },
    friends       = { website = 0.10, searching = 0.05, lost = 0.04 },
    website       = {
      chat = { in_person = 0.03, online_first = 0.08 },
      wishlist = { in_person = 0.04, online_first = 0.10 },
      booked = function(c)
        local base = (c.segment == "in_person") and 0.08 or 0.03
        return base * season(c.t)
      end,
      contract = { in_person = 0, online_first = 0.01 },   -- "chose and bought"
      lost = 0.20,             -- "left the site without any target action"
    },
    chat          = { booked = 0.25, wishlist = 0.15, lost = 0.20 },
    wishlist      = {
      contract = { in_person = 0.01, online_first = 0.05 },
      booked = { in_person = 0.06, online_first = 0.03 },
      lost = 0.08,
    },
    booked        = { questionnaire = 0.30, visit = 0.40, lost = 0.05 },
    questionnaire = { visit = 0.60, lost = 0.02 },
    visit         = { contract = 0.35, second_visit = 0.15, thinking = 0.20, lost = 0.25 },
    second_visit  = { contract = 0.50, thinking = 0.10, lost = 0.35 },
    thinking      = { booked = 0.08, website = 0.05, lost = 0.10 },
    contract      = { ordered = 0.50, lost = 0.005 },
    ordered       = { arrived = 0.35, lost = 0.002 },
    arrived       = { first_fitting = 0.60 },
    first_fitting = { second_fitting = 0.40, final_fitting = 0.30 },
    second_fitting = { final_fitting = 0.50 },
    final_fitting = { ready = 0.60 },
    ready         = { married = function(c) return wedding_season(c.t) and 0.20 or 0.07 end },
    married       = { after_service = 0.15, lost = 0.03 },
    after_service = { advocate = 0.25, lost = 0.05 },
    advocate      = { lost = 0.02 },
  },
}
