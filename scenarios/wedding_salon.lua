--[[
Wedding salon (Toronto): from "she said yes" to a recommending bride.

SOURCE
  Seed text: shared/seeds/004_9173953deba4145f.txt
  Article:   "Шлях клієнта" - "створіть основу для ефективного маркетингу та
             вдосконалення продуктів" ("The customer's path: build a basis for
             effective marketing and product improvement"), Oksana Orel
             (Орел Оксана). In Ukrainian. The example is "a fragment of a real
             document for a wedding salon in Toronto".

WHAT THE TEXT SAYS (paraphrased from the Ukrainian)
  Trigger event: "the girl got a proposal and accepted it". Then:
    * searches for a dress online, asks her friends, sees the shop, recalls
      weddings she has been to;
    * goes to the salon's website, and there either: chose and bought; chose a
      dress - "put a heart or put it in the basket, but did not pay"; booked
      an appointment; wrote to the support chat; or "left the site without
      any target action";
    * comes to a meeting at the salon: after filling in a questionnaire
      (анкета-опитувач) beforehand; without an appointment ("passing by");
      or by appointment;
    * after the meeting: "contract signed" or "contract NOT signed and the
      reason named";
    * fittings: the dress arrives at the salon, dress and accessories ready,
      first fitting, second fitting (if needed), final fitting + handover;
    * after-wedding service: "1-2 months after the wedding", the salon's
      events, state, church and national holidays (Chinese, Arab, etc.
      "according to the target audience").
  The text also says to give the table to the site and CRM developers "so
  they automate the processes correctly".
  The text gives NO numbers other than "1-2 months after the wedding". Every
  other number below is an assumption.

STAGES (mapping to the text)
  engaged     - got the proposal; searching online, asking friends
  website     - on the salon's website
  wishlist    - "put a heart or put it in the basket, but did not pay"
  appointment - came to the salon (by appointment, after the questionnaire, or
                passing by: engaged -> appointment is the walk-in)
  contract    - contract signed, or bought online; conversion
  fittings    - dress arrived; first, second and final fitting; handover
  married     - after the wedding
  advocate    - recommends the salon after the after-wedding service
  lost        - left without a contract (the text's "reason named"), or went
                quiet after the wedding

TIME AND MONEY
  One step = one week; horizon 52 weeks. Step 0 is the first week of January
  (assumption, used for the seasons). Currency: Canadian dollars (CAD),
  because the salon is in Toronto.

NUMBERS AND WHERE THEY COME FROM
  cohort.size 5000           - assumption: engaged women in the Toronto area
                               reached in a year.
  cost_per_prospect 10       - assumption: blended cost per prospect reached
                               through ads, wedding directories and bridal
                               shows (about 50000 CAD a year, 5-7% of the
                               salon's revenue).
  segments in_person 0.7 /
    online_first 0.3         - the split follows the text's two website
                               branches ("chose and bought" vs "booked the
                               salon"); the shares are an assumption.
  engaged -> website 0.04 x season, -> appointment 0.004 (walk-in, the
    text's "passing by"), -> lost 0.08
                             - assumption: about 40% visit the site.
  season factor              - assumption (industry pattern, not in the text):
                               most proposals happen around Christmas, so
                               dress shopping peaks in January-March (weeks
                               0-12, x1.4) and is slow in July-September
                               (weeks 26-38, x0.7); x1.0 otherwise.
  website -> appointment in_person 0.08 / online_first 0.03 (x season),
    -> wishlist 0.04 / 0.10, -> contract 0 / 0.01 (bought online),
    -> lost 0.25 ("left the site without any target action")
                             - assumption.
  wishlist -> contract in_person 0.01 / online_first 0.06,
    -> appointment 0.08 / 0.03, -> lost 0.10
                             - assumption, before the abandoned_cart barrier.
  appointment cost 40        - assumption: about an hour of a stylist's time.
  appointment -> contract 0.45, -> website 0.15 (went home to think),
    -> lost 0.30 (the text's "contract NOT signed and the reason named")
                             - assumption; with the questionnaire barrier
                               (x0.75) about 40% of visits close, in the usual
                               range for bridal salons.
  contract revenue 2200, cogs 1100
                             - assumption: average gown price in Toronto and
                               a ~50% wholesale cost: the cost of the gown
                               sold (cogs), in profit but not in CAC.
  contract -> fittings 0.07, -> lost 0.002 (wedding called off)
                             - assumption: a made-to-order gown arrives in
                               about 14 weeks.
  fittings revenue 350, cogs 150
                             - assumption: alterations and accessories ("other
                               details the salon must provide") and what they
                               cost the salon (cogs).
  fittings -> married 0.15 per week in June-September (weeks 22-38), 0.06
    otherwise
                             - assumption: wedding season.
  married -> advocate 0.06, -> lost 0.06
                             - assumption, before the after-wedding barrier.
                               The timing of the salon's first touch, "1-2
                               months after the wedding", is the text's.
  advocate revenue_per_step 20
                             - assumption. The model has no inflow of new
                               prospects, so word of mouth is credited as
                               revenue: about one referred 2200 CAD sale per
                               advocate every two years.
  advocate -> lost 0.02      - assumption: recommendations fade.

BARRIERS (the leaks are the text's own branches; effects and fix costs are
assumptions)
  abandoned_cart       - "put a heart or put it in the basket, but did not
                         pay", and nobody follows up. Hits wishlist ->
                         contract and wishlist -> appointment, effect 0.5.
                         Fix (the text's advice to hand the table to the site
                         and CRM developers): automated reminder e-mails and a
                         stylist's call, 3000 CAD set-up + 0.2 CAD per
                         prospect; removes 80% of the effect.
  no_questionnaire     - brides arrive without the text's pre-filled
                         questionnaire, so the stylist starts cold. Hits
                         appointment -> contract, effect 0.75. Fix: online
                         questionnaire in the booking form, 1500 CAD.
  silent_after_wedding - no after-wedding service ("1-2 months after the
                         wedding", salon events, holiday greetings). Hits
                         married -> advocate, effect 0.3. Fix: a
                         post-wedding programme (card and small gift, event
                         invitations, holiday greetings by the bride's
                         culture), 2500 CAD + 0.3 CAD per prospect (about 10
                         CAD of gifts per bride).

VARIANTS
  follow_ups    - abandoned_cart and no_questionnaire fixes.
  post_wedding  - silent_after_wedding fix.
  all_fixes     - all three fixes.
  price_up      - average gown at 2600 CAD (assumption) and a lower close rate
                  at the appointment (0.40; assumption).
  price_up_with_fixes - price_up and all three fixes.
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
  name = "Wedding salon (Toronto): from the proposal to a recommending bride",
  step = "week",
  horizon = 52,
  cohort = { size = 5000, cost_per_prospect = 10 },
  segments = {
    { "in_person",    share = 0.7 },
    { "online_first", share = 0.3 },
  },
  stages = {
    { "engaged" },
    { "website" },
    { "wishlist" },
    { "appointment", cost = 40 },
    { "contract",    converts = true, revenue = 2200, cogs = 1100 },
    { "fittings",    revenue = 350, cogs = 150 },
    { "married" },
    { "advocate",    revenue_per_step = 20 },
    { "lost",        final = true },
  },
  transitions = {
    engaged     = {
      website = function(c) return 0.04 * season(c.t) end,
      appointment = 0.004,
      lost = 0.08,
    },
    website     = {
      appointment = function(c)
        local base = (c.segment == "in_person") and 0.08 or 0.03
        return base * season(c.t)
      end,
      wishlist = { in_person = 0.04, online_first = 0.10 },
      contract = { in_person = 0, online_first = 0.01 },
      lost = 0.25,
    },
    wishlist    = {
      contract = { in_person = 0.01, online_first = 0.06 },
      appointment = { in_person = 0.08, online_first = 0.03 },
      lost = 0.10,
    },
    appointment = { contract = 0.45, website = 0.15, lost = 0.30 },
    contract    = { fittings = 0.07, lost = 0.002 },
    fittings    = { married = function(c) return wedding_season(c.t) and 0.15 or 0.06 end },
    married     = { advocate = 0.06, lost = 0.06 },
    advocate    = { lost = 0.02 },
  },
  barriers = {
    abandoned_cart = {
      on = { "wishlist -> contract", "wishlist -> appointment" },
      effect = 0.5,
      fix = { cost = 3000, cost_per_customer = 0.2, efficacy = 0.8 },
    },
    no_questionnaire = {
      on = "appointment -> contract",
      effect = 0.75,
      fix = { cost = 1500 },
    },
    silent_after_wedding = {
      on = "married -> advocate",
      effect = 0.3,
      fix = { cost = 2500, cost_per_customer = 0.3 },
    },
  },
  variants = {
    follow_ups   = { fixes = { "abandoned_cart", "no_questionnaire" } },
    post_wedding = { fixes = { "silent_after_wedding" } },
    all_fixes    = { fixes = { "abandoned_cart", "no_questionnaire", "silent_after_wedding" } },
    price_up     = { set = {
      ["stages.contract.revenue"] = 2600,
      ["transitions.appointment.contract"] = 0.40,
    } },
    price_up_with_fixes = {
      fixes = { "abandoned_cart", "no_questionnaire", "silent_after_wedding" },
      based_on = "price_up",
    },
  },
}
