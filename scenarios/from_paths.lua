--[[
scenarios/from_paths.lua: written by
  cjm fit paths ../shared/data/channel_paths.csv -o scenarios/from_paths.lua
(run from the repository) and given one variant by hand at the end.

Journeys fitted by `cjm fit paths` from ../shared/data/channel_paths.csv:
  10000 rows, 88387 journeys: 19785 conversions, 68602 without one; conversion value 74803.
  A first-order Markov chain as ChannelAttribution counts it: start -> the channels
  of a path in order -> conversion or null; a channel repeated in a row counts once.
  Each stage's row is the Dirichlet posterior of its counts with a prior of 1 on
  every possible transition: cjm.dirichlet{ to = count + 1 } (each entry
  beta(count + 1, row total - count - 1)). One step is one touch; the horizon is
  the longest path (45 channels) + 1.
]]
return cjm.scenario {
  name = "Journeys from ../shared/data/channel_paths.csv",
  step = "touchpoint",
  horizon = 46,
  cohort = { size = 88387 },
  stages = {
    { "start" },
    { "alpha" },
    { "beta" },
    { "delta" },
    { "epsilon" },
    { "eta" },
    { "gamma" },
    { "iota" },
    { "kappa" },
    { "lambda" },
    { "mi" },
    { "theta" },
    { "zeta" },
    { "conversion", converts = true, final = true, revenue = 3.780792094 },
    { "null", final = true },
  },
  transitions = {
    ["start"] = cjm.dirichlet{ ["alpha"] = 28847, ["beta"] = 12120, ["delta"] = 4, ["epsilon"] = 436, ["eta"] = 14214, ["gamma"] = 697, ["iota"] = 20428, ["kappa"] = 306, ["lambda"] = 3838, ["mi"] = 9, ["theta"] = 7392, ["zeta"] = 108, },
    ["alpha"] = cjm.dirichlet{ ["beta"] = 1966, ["delta"] = 4, ["epsilon"] = 1139, ["eta"] = 2342, ["gamma"] = 198, ["iota"] = 6203, ["kappa"] = 278, ["lambda"] = 2129, ["mi"] = 1, ["theta"] = 3485, ["zeta"] = 508, ["conversion"] = 8448, ["null"] = 29946, },
    ["beta"] = cjm.dirichlet{ ["alpha"] = 3415, ["delta"] = 4, ["epsilon"] = 394, ["eta"] = 10584, ["gamma"] = 109, ["iota"] = 4874, ["kappa"] = 135, ["lambda"] = 790, ["mi"] = 1, ["theta"] = 1900, ["zeta"] = 411, ["conversion"] = 990, ["null"] = 3393, },
    ["delta"] = cjm.dirichlet{ ["alpha"] = 1, ["beta"] = 8, ["epsilon"] = 1, ["eta"] = 1, ["gamma"] = 1, ["iota"] = 4, ["kappa"] = 3, ["lambda"] = 9, ["mi"] = 1, ["theta"] = 1, ["zeta"] = 1, ["conversion"] = 6, ["null"] = 18, },
    ["epsilon"] = cjm.dirichlet{ ["alpha"] = 1065, ["beta"] = 279, ["delta"] = 1, ["eta"] = 487, ["gamma"] = 41, ["iota"] = 602, ["kappa"] = 64, ["lambda"] = 356, ["mi"] = 1, ["theta"] = 323, ["zeta"] = 151, ["conversion"] = 532, ["null"] = 1693, },
    ["eta"] = cjm.dirichlet{ ["alpha"] = 4609, ["beta"] = 4514, ["delta"] = 9, ["epsilon"] = 1072, ["gamma"] = 76, ["iota"] = 3123, ["kappa"] = 354, ["lambda"] = 808, ["mi"] = 1, ["theta"] = 1603, ["zeta"] = 342, ["conversion"] = 4168, ["null"] = 14206, },
    ["gamma"] = cjm.dirichlet{ ["alpha"] = 365, ["beta"] = 133, ["delta"] = 1, ["epsilon"] = 24, ["eta"] = 142, ["iota"] = 270, ["kappa"] = 1, ["lambda"] = 107, ["mi"] = 1, ["theta"] = 129, ["zeta"] = 18, ["conversion"] = 93, ["null"] = 331, },
    ["iota"] = cjm.dirichlet{ ["alpha"] = 7890, ["beta"] = 5217, ["delta"] = 4, ["epsilon"] = 1172, ["eta"] = 4393, ["gamma"] = 283, ["kappa"] = 551, ["lambda"] = 2741, ["mi"] = 8, ["theta"] = 4055, ["zeta"] = 1567, ["conversion"] = 3356, ["null"] = 11964, },
    ["kappa"] = cjm.dirichlet{ ["alpha"] = 277, ["beta"] = 124, ["delta"] = 1, ["epsilon"] = 61, ["eta"] = 239, ["gamma"] = 13, ["iota"] = 338, ["lambda"] = 262, ["mi"] = 1, ["theta"] = 191, ["zeta"] = 49, ["conversion"] = 231, ["null"] = 717, },
    ["lambda"] = cjm.dirichlet{ ["alpha"] = 2123, ["beta"] = 591, ["delta"] = 12, ["epsilon"] = 470, ["eta"] = 568, ["gamma"] = 76, ["iota"] = 1623, ["kappa"] = 456, ["mi"] = 1, ["theta"] = 1049, ["zeta"] = 233, ["conversion"] = 1208, ["null"] = 3920, },
    ["mi"] = cjm.dirichlet{ ["alpha"] = 1, ["beta"] = 1, ["delta"] = 1, ["epsilon"] = 1, ["eta"] = 1, ["gamma"] = 1, ["iota"] = 8, ["kappa"] = 1, ["lambda"] = 1, ["theta"] = 1, ["zeta"] = 1, ["conversion"] = 3, ["null"] = 7, },
    ["theta"] = cjm.dirichlet{ ["alpha"] = 7353, ["beta"] = 1703, ["delta"] = 8, ["epsilon"] = 649, ["eta"] = 1619, ["gamma"] = 111, ["iota"] = 4671, ["kappa"] = 310, ["lambda"] = 983, ["mi"] = 1, ["zeta"] = 244, ["conversion"] = 654, ["null"] = 2073, },
    ["zeta"] = cjm.dirichlet{ ["alpha"] = 700, ["beta"] = 343, ["delta"] = 5, ["epsilon"] = 175, ["eta"] = 294, ["gamma"] = 8, ["iota"] = 1056, ["kappa"] = 44, ["lambda"] = 305, ["mi"] = 1, ["theta"] = 249, ["conversion"] = 108, ["null"] = 346, },
  },
  -- The what-if (added by hand): alpha, the channel with the largest removal
  -- effect (55.8% of conversions pass through it: `cjm attribution
  -- ../shared/data/channel_paths.csv`), converting 20% more often than fitted
  -- (0.1491 -> 0.179 per touch); its other exits share the rest in proportion.
  variants = {
    alpha_converts_more = { set = { ["transitions.alpha.conversion"] = 0.179 } },
  },
}
