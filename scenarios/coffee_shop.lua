--[[
Coffee shop: a stamp card (9 paid coffees, the 10th free) with silver and
gold tiers. Does the program pay?

SOURCE
  Seed text: shared/seeds/003_5a72d69b4c67b48f.txt
  Article:   "Customer journey: что такое customer journey за 4 минуты"
             (its Starbucks example of a journey "from the moment you step
             through the door").

WHAT THE TEXT SAYS (paraphrased from the Russian)
  * The journey of a coffee customer starts at the door: the smell of roasted
    beans, the barista's smile, your name written on the cup.
  * "If you are a regular customer (постоянный клиент), the staff know you by
    name and can make your order from memory."
  * The company "keeps loyal customers" (сохраняет лояльных клиентов) by
    wrapping the product in an experience, and can charge "up to 10 times
    more" than its competitors.
  * The text gives NO numbers for a neighbourhood coffee shop. Every number
    below is an assumption, marked as such, chosen to be plausible for a
    small city-centre coffee shop.

STAGES
  passerby   - walks past, sees the shop (the text's door)
  first_cup  - buys a first coffee: conversion
  regular    - comes back most weeks (the text's постоянный клиент)
  occasional - comes now and then
  lapsed     - has stopped coming
  lost       - moved away or found another place

TIME AND MONEY
  One step = one week; horizon 104 weeks (two years, so that the yearly tier
  review happens). Currency: euros.

NUMBERS (all assumptions)
  cohort.size 3000, cost_per_prospect 0.5
                             - people reached by a local leaflet or map ad
                               over a launch month, 0.50 each.
  passerby -> first_cup 0.06, -> lost 0.04 per week
  first_cup basket 3.80, basket_cogs 1.10; purchases 1 (the first cup itself
    is the step's purchase)
  first_cup -> regular 0.35, -> occasional 0.30, -> lost 0.10
  regular purchases 2.5 a week, basket 3.80, basket_cogs 1.10
  regular -> occasional 0.03, -> lapsed 0.01
  occasional purchases 0.6 a week; -> regular 0.05, -> lapsed 0.04
  lapsed -> occasional 0.02, -> lost 0.05

THE PROGRAM (off in the baseline, on in the variant `program`)
  join 0.25 a week for converted customers in first_cup, regular or
    occasional (the card is offered at the till)
  points 1 stamp per coffee; stamps expire after 26 weeks without a visit
  reward at 9 stamps: the 10th coffee free, which costs the shop its cogs
    (1.10) plus the staff's minute (0.20): cost 1.30
  tiers: silver (on joining); gold after 40 coffees within a year (review
    every 52 weeks from joining), kept with 30
  benefits for gold: double stamps, 10% more visits (purchases 1.1), and
    half the drift from regular to occasional (the barista knows your order)
  silver members: 5% more visits (the card in the wallet)
  join_cost 0.40 (a printed card and the cashier's pitch);
    member_cost_per_step 0.02 (CRM and app messages per member)
  costs of the program (variant-owned, so the baseline does not pay them):
    app subscription 25 a week; launch posters and training 600 once.

QUESTION
  `cjm compare scenarios/coffee_shop.lua program`: the program's incremental
  profit, ROI and P(profit up) with common random numbers; `cjm run ...
  --variant program` for its points, breakage, liability and members by tier.
]]

return cjm.scenario {
  name = "Coffee shop: a stamp card with tiers",
  step = "week",
  horizon = 104,
  cohort = { size = 3000, cost_per_prospect = 0.5 },
  discount = { rate = 0.08 },
  stages = {
    { "passerby" },
    { "first_cup",  converts = true, purchases = 1, basket = 3.80, basket_cogs = 1.10 },
    { "regular",    purchases = 2.5, basket = 3.80, basket_cogs = 1.10 },
    { "occasional", purchases = 0.6, basket = 3.80, basket_cogs = 1.10 },
    { "lapsed" },
    { "lost",       final = true },
  },
  transitions = {
    passerby   = { first_cup = 0.06, lost = 0.04 },
    first_cup  = { regular = 0.35, occasional = 0.30, lost = 0.10 },
    regular    = { occasional = 0.03, lapsed = 0.01 },
    occasional = { regular = 0.05, lapsed = 0.04 },
    lapsed     = { occasional = 0.02, lost = 0.05 },
  },
  loyalty = {
    join = 0,                                   -- off: the variant `program` turns it on
    eligible = { "first_cup", "regular", "occasional" },
    join_cost = 0.40,
    member_cost_per_step = 0.02,
    points = { per_purchase = 1, expire_after = 26 },
    rewards = { { at = 9, cost = 1.30 } },
    tiers = {
      { "silver" },
      { "gold", qualify = { purchases = 40, within = 52 }, keep = { purchases = 30, within = 52 } },
    },
    benefits = {
      silver = { purchases = 1.05 },
      gold = { purchases = 1.1, points = 2, on = { ["regular -> occasional"] = 0.5 } },
    },
  },
  variants = {
    program = {
      set = { ["loyalty.join"] = 0.25 },
      costs = { app = { per_step = 25 }, launch = { once = 600, at = 0 } },
      description = "the stamp card with tiers",
    },
  },
}
