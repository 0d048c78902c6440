--[[
Online school: content -> lead magnet -> tripwire -> core product -> coaching
-> fan -> promoter.

SOURCE
  Seed text: shared/seeds/002_9fb65cf5ad67982f.txt
  Article:   "Customer journey — дорога путешествия клиента" (Customer journey:
             the road of the client's journey), under the heading
             "ЭФФЕКТИВНОСТЬ ПО-АМЕРИКАНСКИ". No author is given.

WHAT THE TEXT SAYS (paraphrased from the Russian)
  The road runs from point A, "when he sees your banner", to the last point,
  "a recommendation to other clients". It names nine touches:
    1. acquaintance: draw attention to your content, "e.g. through video blogs
       or social networks";
    2. subscribe the client with a lead magnet (лид-магнит), "a free offer in
       exchange for contact details";
    3. convert to a buyer with a tripwire or OTO (one time offer), "a cheap
       product solving one small problem", whose aim is not profit but the
       first purchase;
    4. engage the client by offering "a free useful product";
    5. satisfy the client with the core product (основной продукт);
       engagement and satisfaction give the feeling "he got more than he
       expected", which matters "to find ways of bringing the client back";
    6. "the return of what we already have (the specialist, the
       entrepreneur)" (специалиста, предпринимателя), strengthening the
       existing result, through a personal consultation, coaching or a
       turnkey product;
    7. show "the path back", so the client buys again and stays interested;
    8. turn the client into a fan (фанат) who recommends you; "the key to
       this step is live events ... and personal consultations";
    9. turn the client into a promoter (промоутер), who recommends for a
       reward: "bring a friend to the event, get free participation", gifts
       for reposts, partner programmes. "A fan recommends virally for free, a
       promoter for a reward."
  It also says that businesses built chaotically run their launches "in
  jerks" (запуски ... происходят рывками).
  The text gives NO numbers. Every number below is an assumption.

STAGES (mapping to the nine touches)
  viewer     - touch 1: has seen the school's content / banner
  subscriber - touch 2: took the lead magnet and left contact details
  tripwire   - touch 3: bought the cheap tripwire/OTO; conversion (first
               purchase, exactly what the text says the tripwire is for)
  core       - touch 5: studies in the core product. Touch 4 (the free useful
               product between tripwire and core) is not a stage: its absence
               is the barrier no_engagement_product.
  coaching   - touch 6: personal consultation / coaching / turnkey product
  alumni     - touch 7: finished a product; "the path back" leads from here to
               the next core product (alumni -> core is a repeat purchase)
  fan        - touch 8: recommends for free
  promoter   - touch 9: recommends for a reward
  lost       - unsubscribed or gone for good

TIME AND MONEY
  One step = one week; horizon 52 weeks. Step 0 is taken to be the first week
  of September (assumption, used for seasonality). Currency: Russian roubles
  (RUB).

NUMBERS AND WHERE THEY COME FROM (all assumptions; the text has none)
  Three of them are uncertain inputs, drawn once per run (see UNCERTAIN
  INPUTS below); the figure given here is their most likely value.
  cohort.size 100000         - assumption: people reached by one year's paid
                               promotion of the school's videos/posts.
  cost_per_prospect 15       - assumption: cost per engaged view/click of
    (uncertain, 5-30)          promoted social-media content (5-30 RUB).
  segments specialist 0.7 /
    entrepreneur 0.3         - the two audiences are the text's own
                               ("специалиста, предпринимателя"); the shares
                               are an assumption.
  viewer -> subscriber 0.02 (uncertain, 0.01-0.035), -> lost 0.18
                             - assumption: about 10% of viewers take the lead
                               magnet (5% to 16% over the range).
  subscriber -> tripwire 0.004 x season, -> lost 0.04; cost_per_step 2
                             - assumption: about 9% of subscribers buy the
                               tripwire; 2 RUB per subscriber-week for
                               e-mail/messenger automation.
  season factor              - assumption (usual pattern in online education,
                               not in the text): x1.3 in September-October
                               (weeks 0-8) and January-February (weeks 17-25),
                               x0.6 in June-August (weeks 39-51), x1.0
                               otherwise.
  tripwire revenue 990       - assumption: a typical tripwire price.
  tripwire -> core specialist 0.03, entrepreneur 0.045; -> lost 0.06
                             - assumption: with the engagement step in place
                               about 33% / 43% go on to the core product;
                               with the barrier (x0.5) about 20% / 27%.
  core revenue 25000, cogs 3000
                             - assumption: core course price; curators and
                               platform cost per enrolment (cogs).
  core -> alumni 0.10 (an ~8-10 week course), -> coaching specialist 0.01,
    entrepreneur 0.03, -> fan 0.03, -> lost 0.02 (drop-out)
                             - assumption.
  coaching revenue 60000, cogs 20000
                             - assumption: personal coaching / turnkey package
                               and the expert's time (cogs).
  costs.platform per_step 740
                             - assumption: the course platform's fee of about
                               3,200 RUB a month, paid whatever the number of
                               students (a fixed cost, retention).
  coaching -> fan 0.06, -> alumni 0.10, -> lost 0.01
                             - assumption; coaching is itself "personal
                               consultation", one of the text's two keys to
                               the fan step, so the live-events barrier does
                               not apply here.
  alumni -> core 0.01, -> coaching specialist 0.003, entrepreneur 0.01,
    -> fan 0.015, -> lost 0.02
                             - assumption.
  fan revenue_per_step 400   - assumption. The model has no inflow of new
                               prospects, so free word of mouth is credited as
                               revenue: about one referred core sale (25000)
                               per fan every ~15 months.
  fan -> promoter: 0.08 in the two weeks around each quarterly launch event
    (weeks 10-11, 23-24, 36-37, 49-50), 0.01 otherwise; fan -> core 0.02
    (fans take "the path back" more often than alumni); fan -> lost 0.01
                             - assumption: "bring a friend to the event" drives
                               are run at each launch.
  promoter revenue_per_step 1000, cost_per_step 250
                             - assumption: referred sales credited to the
                               promoter; the text's rewards (free
                               participation, gifts for reposts, partner
                               commissions) as a weekly cost.
  promoter -> fan 0.04, -> lost 0.005
                             - assumption: promoters drift back to unpaid fans.

BARRIERS (the text names the key to each step; a missing key is treated as
the barrier. Effects and fix costs are assumptions.)
  no_engagement_product - touch 4 skipped: no free useful product after the
                          tripwire, so the buyer never feels he "got more than
                          he expected". Hits tripwire -> core, effect about
                          0.5 (uncertain, see below). Fix: free mini-course /
                          webinar series, 150000 RUB.
  no_live_events        - the text's "key to this step is live events": there
                          are none. Hits core -> fan and alumni -> fan, effect
                          0.4. Fix: four live meetups in the year, 250000 RUB
                          (about 60000 RUB each).
  no_referral_rewards   - touch 9 needs a reward ("bring a friend ... get free
                          participation", gifts for reposts, partner
                          programmes) and there is none. Hits fan -> promoter,
                          effect 0.25. Fix: a partner programme set-up, 60000
                          RUB (the rewards themselves are promoter
                          cost_per_step).

UNCERTAIN INPUTS (drawn once per run; `cjm check` lists them)
  The text gives no numbers at all, so a single figure per input claims more
  than anyone knows. Three inputs get ranges instead: what it costs to reach
  a person, how many of them subscribe (every later stage scales with it),
  and how many buyers the missing engagement step loses (the size of the
  largest fix's gain). Every range is an assumption too.
  cohort.cost_per_prospect  pert(5, 15, 30): the 5-30 RUB range above, most
                            likely 15.
  transitions.viewer.subscriber
                            pert(0.01, 0.02, 0.035): the weekly lead-magnet
                            take-up, most likely 0.02. (A beta is not usable
                            here: a beta can reach 1, and with -> lost 0.18
                            the probabilities of leaving the viewer stage
                            could then sum above 1, which cjm refuses.)
  barriers.no_engagement_product.effect
                            beta(6, 6): mean 0.5, 90% of draws within about
                            0.27-0.73. Nobody knows how many tripwire buyers a
                            missing engagement step loses, and what its fix
                            is worth turns on that.
  Correlation: cost_per_prospect and the lead-magnet take-up get a rank
  correlation of -0.5 (cjm.correlate). Both depend on how well the content
  fits the audience it is shown to: ad auctions on social networks and video
  platforms charge less for ads that people engage with, and people who
  engage with the content take the lead magnet more often. So cheap views and
  a high take-up tend to come together, and dear views with a low one. The
  direction follows from how the auctions work; the strength is a guess.
  `cjm run --engine exact` then gives the spread that these inputs alone
  cause; `cjm compare` and `cjm fixes` show whether a fix pays across it
  (P(profit up)). No variant pins a correlated input: a variant or --set that
  replaced one of them with a number would leave cjm.correlate with an unused
  entry, which is an error.

VARIANTS
  engagement_step - apply the no_engagement_product fix.
  community       - apply no_live_events and no_referral_rewards fixes.
  full_ladder     - all three fixes: the text's complete nine-touch road.
  pricier_core    - core product at 35000 RUB (assumption); fewer tripwire
                    buyers move on (specialist 0.022, entrepreneur 0.04;
                    assumption: specialists are more price-sensitive).
  pricier_full_ladder - pricier_core with all three fixes.
]]

-- Uncertain inputs (see UNCERTAIN INPUTS above).
local cost_per_view     = cjm.pert(5, 15, 30)          -- RUB per engaged view/click
local lead_magnet       = cjm.pert(0.01, 0.02, 0.035)  -- viewer -> subscriber, per week
local engagement_effect = cjm.beta(6, 6)               -- no_engagement_product effect
-- Content that fits its audience buys cheaper views and more sign-ups.
cjm.correlate({ cost_per_view, lead_magnet }, { { 1, -0.5 }, { -0.5, 1 } })

local function season(t)
  local w = t % 52
  if w <= 8 then return 1.3 end                -- September-October
  if w >= 17 and w <= 25 then return 1.3 end   -- January-February
  if w >= 39 then return 0.6 end               -- June-August
  return 1.0
end

local function launch_week(t)
  local w = t % 52
  return w == 10 or w == 11 or w == 23 or w == 24 or w == 36 or w == 37
      or w == 49 or w == 50
end

return cjm.scenario {
  name = "Online school: lead magnet -> tripwire -> core product -> fan -> promoter",
  step = "week",
  horizon = 52,
  cohort = { size = 100000, cost_per_prospect = cost_per_view },
  costs = { platform = { per_step = 740 } },
  segments = {
    { "specialist",   share = 0.7 },
    { "entrepreneur", share = 0.3 },
  },
  stages = {
    { "viewer" },
    { "subscriber", cost_per_step = 2 },
    { "tripwire",   converts = true, revenue = 990 },
    { "core",       revenue = 25000, cogs = 3000 },
    { "coaching",   revenue = 60000, cogs = 20000 },
    { "alumni" },
    { "fan",        revenue_per_step = 400 },
    { "promoter",   revenue_per_step = 1000, cost_per_step = 250 },
    { "lost",       final = true },
  },
  transitions = {
    viewer     = { subscriber = lead_magnet, lost = 0.18 },
    subscriber = {
      tripwire = function(c) return 0.004 * season(c.t) end,
      lost = 0.04,
    },
    tripwire   = { core = { specialist = 0.03, entrepreneur = 0.045 }, lost = 0.06 },
    core       = {
      alumni = 0.10,
      coaching = { specialist = 0.01, entrepreneur = 0.03 },
      fan = 0.03,
      lost = 0.02,
    },
    coaching   = { fan = 0.06, alumni = 0.10, lost = 0.01 },
    alumni     = {
      core = 0.01,
      coaching = { specialist = 0.003, entrepreneur = 0.01 },
      fan = 0.015,
      lost = 0.02,
    },
    fan        = {
      promoter = function(c) return launch_week(c.t) and 0.08 or 0.01 end,
      core = 0.02,
      lost = 0.01,
    },
    promoter   = { fan = 0.04, lost = 0.005 },
  },
  barriers = {
    no_engagement_product = {
      on = "tripwire -> core",
      effect = engagement_effect,
      fix = { cost = 150000 },
    },
    no_live_events = {
      on = { "core -> fan", "alumni -> fan" },
      effect = 0.4,
      fix = { cost = 250000 },
    },
    no_referral_rewards = {
      on = "fan -> promoter",
      effect = 0.25,
      fix = { cost = 60000 },
    },
  },
  variants = {
    engagement_step = { fixes = { "no_engagement_product" } },
    community       = { fixes = { "no_live_events", "no_referral_rewards" } },
    full_ladder     = { fixes = { "no_engagement_product", "no_live_events", "no_referral_rewards" } },
    pricier_core    = { set = {
      ["stages.core.revenue"] = 35000,
      ["transitions.tripwire.core.specialist"] = 0.022,
      ["transitions.tripwire.core.entrepreneur"] = 0.04,
    } },
    pricier_full_ladder = {
      fixes = { "no_engagement_product", "no_live_events", "no_referral_rewards" },
      based_on = "pricier_core",
    },
  },
}
