--[[
Pram bought in an online shop: from a recommendation in the park to a mother
who recommends the pram to other mothers.

SOURCE
  Seed text: shared/seeds/003_5a72d69b4c67b48f.txt. The file is a compilation
  of four Russian articles; this scenario is drawn from the first one,
  "Customer journey: что такое customer journey за 4 минуты" (Customer
  journey: what a customer journey is, in 4 minutes). One barrier (delivery
  cost discovered at checkout) is mentioned in the second article, "CJM
  (Customer Journey Map): что это и для чего нужна", and is noted below but
  not modelled.
  Seed 001 (shared/seeds/001_cc367e6e983210ab.txt, "CJM как инструмент
  увеличения продаж", Svetlana Elli) describes no concrete journey and gives
  no numbers; its list of touchpoints (first contact on the site or a call to
  a manager, the request form, delivery, support/warranty) matches the one
  used here.

WHAT THE TEXT SAYS (paraphrased from the Russian): the eight steps of "a
young mother choosing a pram"
  1. In the park a woman recommends a brand and model to her.
  2. She googles it to see the pram online.
  3. She goes to a women's forum for advice.
  4. "Opinions are split", so she also visits a recommendations site.
  5. Sure the pram suits her, she "looks for the lowest price online".
  6. She goes to the online shop's site, "but the payment and delivery terms
     are unclear. Luckily there is a phone number."
  7. She calls, "but the operator does not answer. She is about to hang up
     when she hears the manager. In the end the order is placed."
  8. She gets the pram "plus a discount on a second purchase. Happy end ...
     the woman recommends the pram to other young mothers."
  The text's own remedies: "positive reviews on forums, information about
  payment and delivery in a visible place, faster answers from managers".
  Elsewhere the same article lists as barriers "no phone number on the site"
  and an unjustifiably high price, and says the audience should be
  segmented. The text gives NO numbers. Every number below is an assumption.

STAGES
  aware           - step 1: heard of the model (recommendation, or our ad)
  research        - steps 2-4: Google, forum, recommendations site
  compare         - step 5: looks for the lowest price online
  shop_site       - step 6: on our shop's site
  phone_call      - step 7: calls the shop
  buyer           - step 7-8: order placed, pram received; conversion
  second_purchase - step 8: uses the discount on a second purchase
  advocate        - step 8: recommends the pram to other young mothers
  lost            - bought elsewhere or gave up

TIME AND MONEY
  One step = one day; horizon 180 days. Step 0 is 1 January (assumption, used
  for the spring season). Currency: Russian roubles (RUB).

NUMBERS AND WHERE THEY COME FROM (all assumptions; the text has none)
  cohort.size 20000          - assumption: clicks on the shop's pram ads over
                               the period.
  cost_per_prospect 15       - assumption: cost per click for "buy a pram"
                               style search ads (10-30 RUB).
  segments price_hunter 0.6 / convenience 0.4
                             - step 5 ("looks for the lowest price") suggests
                               price hunters; the text also says to segment
                               the audience. The shares are an assumption.
  aware -> research 0.03, -> lost 0.07 per day
                             - assumption: about 30% go on to research.
  research -> compare 0.10, -> lost 0.03
                             - assumption, before the forum barrier.
  compare -> shop_site price_hunter 0.05 / convenience 0.10,
    -> lost price_hunter 0.12 / convenience 0.06 (bought cheaper elsewhere)
                             - assumption: about 30% of price hunters and 60%
                               of the rest come to our shop.
  shop_site -> buyer 0.10 x spring season, -> phone_call 0.08, -> lost 0.15
                             - assumption, before the unclear-terms barrier.
  spring season              - assumption (trade pattern, not in the text):
                               x1.3 from March to May (days 59-150), when
                               walking season starts; x1.0 otherwise.
  phone_call -> buyer 0.5, -> shop_site 0.1, -> lost 0.3
                             - assumption, before the slow-answer barrier.
  buyer revenue 32000, cogs 25000
                             - assumption: an average mid-range pram and its
                               purchase price plus delivery (cogs).
  buyer -> second_purchase 0.004, -> advocate 0.008, -> lost 0.006
                             - assumption.
  second_purchase revenue 5000, cogs 3800
                             - assumption: accessories bought with the
                               text's second-purchase discount.
  second_purchase -> advocate 0.05, -> lost 0.05
                             - assumption.
  advocate refers 0.03, referral_cost 500, refers_to research
                             - the text's step 1 is exactly a referral: "in the
                               park a woman recommends a brand and model".
                               Assumption: an advocate recommends the pram to
                               about one mother a month (0.03 a day); the
                               mother she tells already knows the model, so she
                               starts at `research`; the shop pays a 500 RUB
                               bonus for each referred mother who buys. Each
                               advocate brings well under one new buyer, so the
                               referrals die out rather than grow without bound.
  advocate -> second_purchase 0.002
                             - assumption.
  advocate -> lost per customer beta(1.5, 600) a day
                             - assumption: mothers differ. Some stop
                               recommending within weeks, others for the whole
                               period (mean 0.0025 a day, about 13 months); with
                               per-customer churn the advocates who remain are
                               the loyal ones, so the advocate curve flattens
                               (Fader and Hardie's shifted-beta-geometric
                               model). Per-customer probabilities need the
                               agent engine: `--engine exact` explains that.

BARRIERS (all three are the text's; effects and fix costs are assumptions)
  unclear_terms - step 6: "the payment and delivery terms are unclear". Hits
                  shop_site -> buyer, effect 0.4: most would rather call or
                  leave than check out blind. Fix: a clear payment and
                  delivery block on the product page and at checkout, with a
                  delivery-cost calculator, 40000 RUB.
  slow_answer   - step 7: "the operator does not answer". Hits phone_call ->
                  buyer, effect 0.6. Fix: a second operator at peak hours and
                  a call-back widget, 50000 RUB set-up + 10 RUB per prospect
                  (about 200000 RUB of operator time over the period).
  forum_doubts  - step 4: "opinions are split" on the forum. Hits research ->
                  compare, effect 0.75. Fix (the text's "reviews on
                  forums"): ask real buyers for reviews and answer questions
                  on forums and review sites, 80000 RUB.
  Not modelled: the second article's shopper who learns at checkout that
  "delivery will cost half the price of the purchase" (a different product).

VARIANTS
  clear_terms         - unclear_terms fixed.
  answer_phone        - slow_answer fixed.
  all_fixes           - all three fixes.
  price_match         - match the lowest online price: 1500 RUB off
                        (revenue 30500; assumption), and more price hunters
                        come to the shop (0.08) instead of leaving (0.09).
  price_match_all_fixes - price_match with all three fixes.
]]

local function spring(t)
  local d = t % 365
  if d >= 59 and d <= 150 then return 1.3 end   -- March-May
  return 1.0
end

return cjm.scenario {
  name = "Pram from an online shop: from a tip in the park to a recommending mother",
  step = "day",
  horizon = 180,
  cohort = { size = 20000, cost_per_prospect = 15 },
  segments = {
    { "price_hunter", share = 0.6 },
    { "convenience",  share = 0.4 },
  },
  stages = {
    { "aware" },
    { "research" },
    { "compare" },
    { "shop_site" },
    { "phone_call" },
    { "buyer",           converts = true, revenue = 32000, cogs = 25000 },
    { "second_purchase", revenue = 5000, cogs = 3800 },
    { "advocate",        refers = 0.03, referral_cost = 500, refers_to = "research" },
    { "lost",            final = true },
  },
  transitions = {
    aware           = { research = 0.03, lost = 0.07 },
    research        = { compare = 0.10, lost = 0.03 },
    compare         = {
      shop_site = { price_hunter = 0.05, convenience = 0.10 },
      lost      = { price_hunter = 0.12, convenience = 0.06 },
    },
    shop_site       = {
      buyer = function(c) return 0.10 * spring(c.t) end,
      phone_call = 0.08,
      lost = 0.15,
    },
    phone_call      = { buyer = 0.5, shop_site = 0.1, lost = 0.3 },
    buyer           = { second_purchase = 0.004, advocate = 0.008, lost = 0.006 },
    second_purchase = { advocate = 0.05, lost = 0.05 },
    advocate        = {
      second_purchase = 0.002,
      lost = cjm.per_customer(cjm.beta(1.5, 600)),
    },
  },
  barriers = {
    unclear_terms = {
      on = "shop_site -> buyer",
      effect = 0.4,
      fix = { cost = 40000 },
    },
    slow_answer = {
      on = "phone_call -> buyer",
      effect = 0.6,
      fix = { cost = 50000, cost_per_customer = 10 },
    },
    forum_doubts = {
      on = "research -> compare",
      effect = 0.75,
      fix = { cost = 80000 },
    },
  },
  variants = {
    clear_terms  = { fixes = { "unclear_terms" } },
    answer_phone = { fixes = { "slow_answer" } },
    all_fixes    = { fixes = { "unclear_terms", "slow_answer", "forum_doubts" } },
    price_match  = { set = {
      ["stages.buyer.revenue"] = 30500,
      ["transitions.compare.shop_site.price_hunter"] = 0.08,
      ["transitions.compare.lost.price_hunter"] = 0.09,
    } },
    price_match_all_fixes = {
      fixes = { "unclear_terms", "slow_answer", "forum_doubts" },
      based_on = "price_match",
    },
  },
}
