--[[
Beauty clinic: a regular-client program (клуб постоянных клиентов). Does it
pay?

SOURCE
  Seed text: shared/seeds/000_71113dc2fd74f27d.txt (A. V. Bedrin, "300
  instruments for increasing sales in cosmetology. Part 1"), as in
  beauty_clinic.lua: the journey "in the ideal case continues to every next
  purchase, turning the client into a regular one" (превращение клиента в
  постоянного), and the stage at which the client "may leave for a
  competitor".

This is beauty_clinic.lua's journey (its header gives the sources of the
acquisition numbers) with the regulars' visits as repeat purchases, over two
years so that the program's yearly review happens, and a loyalty program
that a variant switches on. The text gives no numbers; every number is an
assumption.

CHANGES FROM beauty_clinic.lua
  regular purchases 0.23 a week (about one visit a month), basket 5200,
    basket_cogs 2080 (40%: consumables and the doctor's piece rate), instead
    of revenue_per_step 1200 / cogs_per_step 480.
  horizon 104 weeks; regular -> lapsed 0.02 a week (the decaying churn of
    the one-year model levelled off).

THE PROGRAM (off in the baseline, on in the variant `club`)
  join 0.15 a week for clients and regulars (offered after a procedure)
  points: 2 per 100 RUB spent (per_unit 0.02): about 104 per visit;
    they expire after 26 weeks without a visit
  reward at 1000 points: a free procedure, which costs the clinic 2500
    (consumables and the doctor's time)
  tiers: club (on joining), vip after 10 visits within a year (reviewed
    every 52 weeks from joining), kept with 8
  benefits: club members lapse 15% less (a reminder, a name at the desk);
    vip members lapse 40% less and visit 15% more often, with 1.5x points
  join_cost 300 (a welcome consultation), member_cost_per_step 15 (SMS and
    the administrator's calls)
  program costs (variant-owned): the CRM's loyalty module 700 a week, a
    launch (cards, training) of 30000 once.

QUESTION
  `cjm compare scenarios/beauty_clinic_club.lua club`: the program's
  incremental profit and ROI under common random numbers; `cjm run ...
  --variant club` for members, tiers, points, breakage and the liability.
]]

local function season(t)
  local w = t % 52
  if w >= 8 and w <= 21 then return 1.3 end
  if w >= 22 and w <= 34 then return 0.75 end
  if w >= 44 and w <= 50 then return 1.2 end
  return 1.0
end

return cjm.scenario {
  name = "Beauty clinic: a regular-client program",
  step = "week",
  horizon = 104,
  cohort = { size = 10000, cost_per_prospect = 60 },
  discount = { rate = 0.12 },
  segments = {
    { "quick",      share = 0.4 },
    { "deliberate", share = 0.6 },
  },
  stages = {
    { "aware" },
    { "consider" },
    { "consult",  cost = 800 },
    { "client",   converts = true, revenue = 6000, cogs = 2400 },
    { "regular",  purchases = 0.23, basket = 5200, basket_cogs = 2080 },
    { "lapsed" },
    { "lost",     final = true },
  },
  transitions = {
    aware    = { consider = { quick = 0.07, deliberate = 0.035 }, lost = 0.15 },
    consider = {
      consult = function(c) return ((c.segment == "quick") and 0.06 or 0.025) * season(c.t) end,
      lost = 0.07,
    },
    consult  = { client = 0.35, consider = 0.10, lost = 0.25 },
    client   = { regular = 0.25, lapsed = 0.20 },
    regular  = { lapsed = 0.02 },
    lapsed   = { regular = 0.04, lost = 0.08 },
  },
  loyalty = {
    join = 0,                                   -- off: the variant `club` turns it on
    eligible = { "client", "regular" },
    join_cost = 300,
    member_cost_per_step = 15,
    points = { per_purchase = 0, per_unit = 0.02, expire_after = 26 },
    rewards = { { at = 1000, cost = 2500 } },
    tiers = {
      { "club" },
      { "vip", qualify = { purchases = 10, within = 52 }, keep = { purchases = 8, within = 52 } },
    },
    benefits = {
      club = { on = { ["regular -> lapsed"] = 0.85 } },
      vip  = { purchases = 1.15, points = 1.5, on = { ["regular -> lapsed"] = 0.6 } },
    },
  },
  variants = {
    club = {
      set = { ["loyalty.join"] = 0.15 },
      costs = { crm_module = { per_step = 700 }, launch = { once = 30000, at = 0 } },
      description = "the regular-client program",
    },
  },
}
