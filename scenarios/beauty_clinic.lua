--[[
Beauty clinic (cosmetology): from first ad click to regular client.
The default example scenario.

SOURCE
  Seed text: shared/seeds/000_71113dc2fd74f27d.txt
  Article:   "300 инструментов повышения продаж в косметологии. Часть1"
             ("300 tools for increasing sales in cosmetology. Part 1"),
             Alexander V. Bedrin.

WHAT THE TEXT SAYS (paraphrased from the Russian)
  * The journey goes from "awareness of the need for your service"
    (осознание потребности) to the purchase of a procedure or consultation
    ("процедуру/консультацию"), from point A to point B. In the ideal case it
    continues to every next purchase, "turning the client into a regular one"
    (превращение клиента в постоянного).
  * How long it takes varies: "у кого-то это день-два, у кого-то – несколько
    месяцев или даже лет" (for some it is a day or two, for others several
    months or even years). This is the basis of the two segments below.
  * Barriers the text names: the clients' fears and doubts (страхи, сомнения),
    the obstacles that stop a person from coming to you specifically, and the
    stage at which the client "may leave for a competitor or refuse to buy at
    all" (может уйти к конкуренту, либо вообще отказаться от покупки).
  * Touchpoints and actions the text names: call the client (позвонить
    клиенту), send an e-mail notification about new services or special offers
    (уведомлялку в почте о новых услугах или специальных предложениях), launch
    advertising or pause the campaign (запустить рекламу или ... приостановить).
  * The text gives NO numbers (no conversion rates, prices or costs). Every
    number below is therefore an assumption, marked as such.

STAGES (mapping to the text)
  aware     - saw the clinic's ad / realised the need (осознание потребности)
  consider  - studies the clinic: site, social media, prices; has fears and
              doubts (the text's страхи, сомнения)
  consult   - comes to a consultation (the text's "консультация")
  client    - first paid procedure (the text's "процедура"); conversion
  regular   - regular client (the text's "постоянный клиент")
  lapsed    - has stopped coming but can still be won back by a call or an
              e-mail (the text's touchpoints)
  lost      - went to a competitor or refused (the text's "уйти к конкуренту,
              либо вообще отказаться от покупки")

TIME AND MONEY
  One step = one week; horizon 52 weeks. Step 0 is taken to be the first week
  of January (assumption, used for seasonality). Currency: Russian roubles
  (RUB).

NUMBERS AND WHERE THEY COME FROM (all are assumptions; the text has none)
  cohort.size 10000            - assumption: one year's cohort of people who
                                 clicked a clinic ad in a large city.
  cost_per_prospect 60         - assumption: cost per ad click for
                                 cosmetology keywords in a large Russian city
                                 (roughly 30-150 RUB).
  segments quick 0.4 /
    deliberate 0.6             - the split itself is from the text ("a day or
                                 two" vs "months or years"); the shares are an
                                 assumption.
  aware -> consider quick 0.07, deliberate 0.035 per week; aware -> lost 0.15
                               - assumption: about 32% of quick and 19% of
                                 deliberate clickers go on to study the clinic.
  consider -> consult quick 0.06, deliberate 0.025 per week, times a season
    factor; consider -> lost 0.07
                               - assumption: about 46% of quick and 26% of
                                 deliberate considerers book a consultation.
  season factor                - assumption (industry pattern, not in the
                                 text): x1.3 in March-May (weeks 8-21, before
                                 summer), x0.75 in June-August (weeks 22-34,
                                 sun-sensitive procedures are postponed),
                                 x1.2 from mid-November to Christmas (weeks
                                 44-50, before the holidays), x1.0 otherwise.
  consult cost 800             - assumption: doctor's time for a free
                                 30-minute consultation.
  consult -> client 0.50, -> consider 0.10 (goes home to think), -> lost 0.25
                               - assumption: 0.50 is the weekly close
                                 probability with no fears barrier; with the
                                 barrier (x0.7) about half of consultations
                                 end in a procedure, typical for the trade.
  client revenue 6000, cogs 2400
                               - assumption: average first-procedure ticket
                                 (e.g. a peel or biorevitalisation) and 40% of
                                 it for consumables and the doctor's piece
                                 rate: the cost of what is sold (cogs), so in
                                 profit but not in CAC.
  client -> regular 0.25, client -> lapsed 0.20
                               - assumption: without the follow-up barrier
                                 about 55% of first-time clients come back;
                                 with it (x0.5) about 38%.
  regular revenue_per_step 1200, cogs_per_step 480
                               - assumption: one ~5000 RUB visit a month
                                 (about 1200 a week), 40% direct cost (cogs).
  discount rate 0.12         - assumption: a small business's yearly cost of
                               capital, for NPV and the discounted LTV.
  regular -> lapsed 0.015 + 0.03*exp(-t/12)
                               - assumption: churn of regulars decays as the
                                 cohort matures (about 4.5%/week at the start
                                 of the year, 1.5-2%/week by its end).
  lapsed -> regular 0.04, lapsed -> lost 0.08
                               - assumption: win-back by call/e-mail.

BARRIERS (both named in the text; their size and the fixes' costs are
assumptions)
  fears_doubts  - the text's "страхи, сомнения": fear of pain, of a bad result,
                  of the price; hits consult -> client. effect 0.7
                  (assumption). Fix: before/after portfolio with client
                  consent, doctors' credentials on the site, consultation
                  script training: 90000 RUB one-off (assumption), removes 60%
                  of the effect (assumption: fears never vanish entirely).
  no_follow_up  - the stage where the client "may leave for a competitor":
                  nobody calls after the first procedure and no e-mail about
                  new services/offers goes out (the remedies are the text's
                  own touchpoints). Hits client -> regular and lapsed ->
                  regular. effect 0.5 (assumption). Fix: CRM reminders, an
                  administrator's call after each procedure, offer e-mails:
                  60000 RUB setup + 3 RUB per prospect in the cohort for
                  messaging and call time (assumptions).

VARIANTS
  fears_addressed - apply the fears_doubts fix.
  follow_up       - apply the no_follow_up fix.
  both_fixes      - both fixes.
  cheaper_ads     - the text's "launch advertising or pause the campaign":
                    move to cheaper, broader targeting: 40 RUB per click
                    (assumption) but fewer clickers go on to consider the
                    clinic (quick 0.055, deliberate 0.028; assumption).
  cheaper_ads_with_fixes - cheaper_ads plus both fixes.
]]

local function season(t)
  local w = t % 52
  if w >= 8 and w <= 21 then return 1.3 end    -- March-May: before summer
  if w >= 22 and w <= 34 then return 0.75 end  -- June-August: sun season lull
  if w >= 44 and w <= 50 then return 1.2 end   -- before the New Year holidays
  return 1.0
end

return cjm.scenario {
  name = "Beauty clinic: from first ad to regular client",
  step = "week",
  horizon = 52,
  cohort = { size = 10000, cost_per_prospect = 60 },
  discount = { rate = 0.12 },
  segments = {
    { "quick",      share = 0.4 },  -- decides in "a day or two"
    { "deliberate", share = 0.6 },  -- takes "months or even years"
  },
  stages = {
    { "aware" },
    { "consider" },
    { "consult",  cost = 800 },
    { "client",   converts = true, revenue = 6000, cogs = 2400 },
    { "regular",  revenue_per_step = 1200, cogs_per_step = 480 },
    { "lapsed" },
    { "lost",     final = true },
  },
  transitions = {
    aware    = { consider = { quick = 0.07, deliberate = 0.035 }, lost = 0.15 },
    consider = {
      consult = function(c)
        local base = (c.segment == "quick") and 0.06 or 0.025
        return base * season(c.t)
      end,
      lost = 0.07,
    },
    consult  = { client = 0.50, consider = 0.10, lost = 0.25 },
    client   = { regular = 0.25, lapsed = 0.20 },
    regular  = { lapsed = function(c) return 0.015 + 0.03 * math.exp(-c.t / 12) end },
    lapsed   = { regular = 0.04, lost = 0.08 },
  },
  barriers = {
    fears_doubts = {
      on = "consult -> client",
      effect = 0.7,
      fix = { cost = 90000, efficacy = 0.6 },
    },
    no_follow_up = {
      on = { "client -> regular", "lapsed -> regular" },
      effect = 0.5,
      fix = { cost = 60000, cost_per_customer = 3 },
    },
  },
  variants = {
    fears_addressed = { fixes = { "fears_doubts" } },
    follow_up       = { fixes = { "no_follow_up" } },
    both_fixes      = { fixes = { "fears_doubts", "no_follow_up" } },
    cheaper_ads     = { set = {
      ["cohort.cost_per_prospect"] = 40,
      ["transitions.aware.consider.quick"] = 0.055,
      ["transitions.aware.consider.deliberate"] = 0.028,
    } },
    cheaper_ads_with_fixes = { fixes = { "fears_doubts", "no_follow_up" }, based_on = "cheaper_ads" },
  },
}
