--[[
B2B software (a CRM sold to companies): from "out of market" to a loyal,
company-wide customer.

SOURCE
  Seed text: shared/seeds/003_5a72d69b4c67b48f.txt. The file is a compilation
  of four Russian articles. This scenario draws on two of them:
  * the last one, "Как стимулировать прибыльный рост бизнеса" / "«Клиент —
    король!»" (How to drive profitable business growth / "The customer is
    king!"), a translated SuperOffice (CRM vendor) article: the seven B2B
    stages, their touchpoints, and the demo-form story;
  * the second one, "CJM (Customer Journey Map): что это и для чего нужна"
    (CJM: what it is and what it is for): the slow commercial proposal.
  The third article in the file (a QuestionPro guide) supplies the Bain &
  Company figure used for the loyalty revenue.

WHAT THE TEXT SAYS (paraphrased from the Russian)
  * Seven stages "from the point of view of a B2B buyer": out of market;
    trigger (sales fall or complaints grow); initial brand consideration (a
    project group makes a "long list" from company sites, comparison sites
    and review platforms); active evaluation (a short list; the client
    downloads research, reads case studies and reviews, then asks for a live
    demo); purchase decision (deals directly with sales, signs the contract,
    implementation starts); experience (go-live, user training, access to a
    consultant or account manager); loyalty (rollout across the whole
    company, support by phone, e-mail, chat, knowledge base).
  * Touchpoints for the out-of-market and trigger stages: industry
    conferences, thought-leadership content, social media, Google search,
    YouTube, niche blogs. The text asks: "Are you listed on vendor comparison
    sites? Is your site visible in Google search? If you answered No ...
    your potential clients simply will not find you."
  * Demo-form story: SuperOffice's main call to action was a free trial, but
    in August 2018 its customers said the free trial is not part of the
    buying process of "our ideal target customer"; "they prefer to sign up
    for a live demo. And our demo form was hard to find." After switching
    the main call to action to a demo request, "the number of requests from
    our target audience more than doubled" and "registrations from our ideal
    target customer" rose "by 174%".
  * Slow quote (second article): "clients contact the sales department to
    learn the price, and the commercial proposal is sent to them only after
    two weeks. As a result clients lose interest and go to competitors."
  * Bain & Company (third article): loyal customers "are 50% more likely to
    try new products and spend 31% more than new customers".
  * Buying "software for customer experience management" can take "months
    and more than a year" (third article) - hence the two-year horizon.

STAGES
  out_of_market, trigger, consideration (long list), evaluation (short list
  and demo), purchase (contract signed, implementation; conversion),
  experience (go-live and onboarding), loyalty (company-wide rollout), lost.

TIME AND MONEY
  One step = one week; horizon 104 weeks (two years). Step 0 is the first
  week of January (assumption, used for budget seasonality). Currency:
  Russian roubles (RUB).

NUMBERS AND WHERE THEY COME FROM
  cohort.size 2000           - assumption: target companies in the market.
  cost_per_prospect 3000     - assumption: marketing spend per target account
                               over the two years (conferences, content,
                               targeted ads).
  segments ideal 0.4 / small 0.6
                             - the "ideal target customer" who wants a live
                               demo is the text's; the shares and the
                               "small, self-serve" rest are assumptions.
  out_of_market -> trigger 0.008 x budget season, -> lost 0.002
                             - assumption: about a third of companies hit a
                               trigger within a year.
  budget season              - assumption (usual B2B pattern, not in the
                               text): x1.5 in January-March (weeks 0-12, new
                               budgets), x0.5 in July-August (weeks 26-35),
                               x1.3 in September-November (weeks 36-47,
                               planning next year's budget), x1.0 otherwise;
                               repeats every 52 weeks.
  trigger -> consideration 0.10, -> lost 0.08
                             - assumption, before the not_listed barrier: a
                               bit over half of triggered companies would put
                               us on their long list.
  consideration -> evaluation ideal 0.06 / small 0.08, -> out_of_market 0.02
    (project postponed), -> lost 0.05
                             - assumption, before the demo barrier.
  evaluation cost 25000      - assumption: presales engineer's demo and
                               proposal work.
  evaluation -> purchase ideal 0.06 / small 0.05, -> out_of_market 0.02,
    -> lost 0.06
                             - assumption, before the slow-quote barrier
                               (about 40% win rate on the short list; 30%
                               with the barrier).
  purchase revenue 150000, cogs 100000
                             - assumption: implementation and training fee,
                               and the consultants' cost of delivering it
                               (cogs: in profit, not in CAC).
  discount rate 0.10         - assumption: a software vendor's yearly cost of
                               capital over the two-year horizon.
  purchase -> experience 0.12 (go-live in ~8 weeks), -> lost 0.005
                             - assumption.
  experience revenue_per_step 8000, cost_per_step 1500
                             - assumption: first team's licences (~35000 RUB
                               a month) and account-management cost.
  experience -> loyalty 0.03, -> lost 0.004
                             - assumption: company-wide rollout after about
                               8 months for most.
  loyalty revenue_per_step 10480
                             - 8000 x 1.31: the text's Bain & Company figure
                               that loyal customers "spend 31% more than new
                               customers".
  loyalty cost_per_step 1500 - assumption.
  loyalty -> lost 0.002      - assumption: about 10% churn a year.

BARRIERS
  hard_to_find_demo - the text's "our demo form was hard to find" for the
                      ideal target customer. Hits consideration -> evaluation
                      for segment ideal only. effect 0.365 = 1 / 2.74,
                      derived from the text's "+174%" registrations from the
                      ideal target customer after the fix (the text also says
                      requests "more than doubled"). Fix: make the live-demo
                      request the main call to action: 150000 RUB of design
                      and development (assumption).
  slow_quote        - the text's commercial proposal sent "only after two
                      weeks". Hits evaluation -> purchase, effect 0.6
                      (assumption; the text gives no size). Fix: proposal
                      templates / CPQ and a 24-hour quote rule, 400000 RUB
                      (assumption), removes 90% of the effect (assumption).
  not_listed        - the text's "not listed on vendor comparison sites / not
                      visible in Google: they simply will not find you". Hits
                      trigger -> consideration, effect 0.6 (assumption). Fix:
                      comparison-site and review-platform listings plus SEO,
                      600000 RUB (assumption).

VARIANTS
  demo_cta      - the SuperOffice change: hard_to_find_demo fixed.
  fast_quote    - slow_quote fixed.
  all_fixes     - all three fixes.
  bigger_deals  - sell an enterprise tier: licences 12000 a week (loyalty
                  12000 x 1.31 = 15720), but the short-list win rate falls
                  (ideal 0.045, small 0.035). All assumptions.
  bigger_deals_all_fixes - bigger_deals with all three fixes.
]]

local function budget_season(t)
  local w = t % 52
  if w <= 12 then return 1.5 end                -- January-March: new budgets
  if w >= 26 and w <= 35 then return 0.5 end    -- July-August: holidays
  if w >= 36 and w <= 47 then return 1.3 end    -- September-November: planning
  return 1.0
end

return cjm.scenario {
  name = "B2B software: from out-of-market to company-wide rollout",
  step = "week",
  horizon = 104,
  cohort = { size = 2000, cost_per_prospect = 3000 },
  discount = { rate = 0.10 },
  segments = {
    { "ideal", share = 0.4 },
    { "small", share = 0.6 },
  },
  stages = {
    { "out_of_market" },
    { "trigger" },
    { "consideration" },
    { "evaluation", cost = 25000 },
    { "purchase",   converts = true, revenue = 150000, cogs = 100000 },
    { "experience", revenue_per_step = 8000, cost_per_step = 1500 },
    { "loyalty",    revenue_per_step = 10480, cost_per_step = 1500 },
    { "lost",       final = true },
  },
  transitions = {
    out_of_market = {
      trigger = function(c) return 0.008 * budget_season(c.t) end,
      lost = 0.002,
    },
    trigger       = { consideration = 0.10, lost = 0.08 },
    consideration = {
      evaluation = { ideal = 0.06, small = 0.08 },
      out_of_market = 0.02,
      lost = 0.05,
    },
    evaluation    = {
      purchase = { ideal = 0.06, small = 0.05 },
      out_of_market = 0.02,
      lost = 0.06,
    },
    purchase      = { experience = 0.12, lost = 0.005 },
    experience    = { loyalty = 0.03, lost = 0.004 },
    loyalty       = { lost = 0.002 },
  },
  barriers = {
    hard_to_find_demo = {
      on = "consideration -> evaluation",
      effect = 0.365,
      segments = { "ideal" },
      fix = { cost = 150000 },
    },
    slow_quote = {
      on = "evaluation -> purchase",
      effect = 0.6,
      fix = { cost = 400000, efficacy = 0.9 },
    },
    not_listed = {
      on = "trigger -> consideration",
      effect = 0.6,
      fix = { cost = 600000 },
    },
  },
  variants = {
    demo_cta   = { fixes = { "hard_to_find_demo" } },
    fast_quote = { fixes = { "slow_quote" } },
    all_fixes  = { fixes = { "hard_to_find_demo", "slow_quote", "not_listed" } },
    bigger_deals = { set = {
      ["stages.experience.revenue_per_step"] = 12000,
      ["stages.loyalty.revenue_per_step"] = 15720,
      ["transitions.evaluation.purchase.ideal"] = 0.045,
      ["transitions.evaluation.purchase.small"] = 0.035,
    } },
    bigger_deals_all_fixes = {
      fixes = { "hard_to_find_demo", "slow_quote", "not_listed" },
      based_on = "bigger_deals",
    },
  },
}
