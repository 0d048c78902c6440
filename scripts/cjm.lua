-- The Lua side of the cjm module, available to scenarios as the global `cjm`
-- and through require "cjm". The C core reads what these constructors build.
local cjm = {}

-- cjm.version is set by the C side (cjm_version(): CMake's project version).

local scenario_mt = { __name = "cjm.scenario" }

--- Marks a table as a scenario. The table is checked by the loader, which
--- names the path and line of anything wrong.
function cjm.scenario(t)
  if type(t) ~= "table" then
    error("cjm.scenario expects a table: return cjm.scenario { ... }", 2)
  end
  return setmetatable(t, scenario_mt)
end

-- Distributions: an uncertain number, drawn once per run. The loader
-- recognises them by this metatable; one distribution object used in several
-- places is one input (the same draw everywhere in a run).
local dist_mt = { __name = "cjm.distribution" }
dist_mt.__index = dist_mt
cjm._dist_mt = dist_mt

function dist_mt.__tostring(d)
  local args = {}
  for i = 1, #d.params do args[i] = string.format("%.6g", d.params[i]) end
  return string.format("%s(%s)", d.kind, table.concat(args, ", "))
end

local function number_arg(fname, name, v)
  if type(v) ~= "number" or v ~= v or v == math.huge or v == -math.huge then
    error(string.format("cjm.%s: %s must be a finite number (got %s)", fname, name, tostring(v)), 3)
  end
  return v
end

local function check(cond, fname, msg, ...)
  if not cond then error(string.format("cjm.%s: " .. msg, fname, ...), 3) end
end

local function make(kind, ...)
  return setmetatable({ kind = kind, params = { ... } }, dist_mt)
end

function cjm.uniform(lo, hi)
  number_arg("uniform", "lo", lo); number_arg("uniform", "hi", hi)
  check(lo < hi, "uniform", "lo must be below hi (got %g, %g)", lo, hi)
  return make("uniform", lo, hi)
end

function cjm.triangular(lo, mode, hi)
  number_arg("triangular", "lo", lo); number_arg("triangular", "mode", mode)
  number_arg("triangular", "hi", hi)
  check(lo < hi, "triangular", "lo must be below hi (got %g, %g)", lo, hi)
  check(mode >= lo and mode <= hi, "triangular", "mode %g is outside [lo, hi] = [%g, %g]", mode, lo, hi)
  return make("triangular", lo, mode, hi)
end

function cjm.pert(lo, mode, hi)
  number_arg("pert", "lo", lo); number_arg("pert", "mode", mode); number_arg("pert", "hi", hi)
  check(lo < hi, "pert", "lo must be below hi (got %g, %g)", lo, hi)
  check(mode >= lo and mode <= hi, "pert", "mode %g is outside [lo, hi] = [%g, %g]", mode, lo, hi)
  return make("pert", lo, mode, hi)
end

function cjm.beta(a, b)
  number_arg("beta", "a", a); number_arg("beta", "b", b)
  check(a > 0, "beta", "a must be > 0 (got %g)", a)
  check(b > 0, "beta", "b must be > 0 (got %g)", b)
  return make("beta", a, b)
end

function cjm.normal(mu, sd)
  number_arg("normal", "mu", mu); number_arg("normal", "sd", sd)
  check(sd > 0, "normal", "sd must be > 0 (got %g)", sd)
  return make("normal", mu, sd)
end

function cjm.lognormal(mu, sigma)
  number_arg("lognormal", "mu", mu); number_arg("lognormal", "sigma", sigma)
  check(sigma > 0, "lognormal", "sigma must be > 0 (got %g)", sigma)
  return make("lognormal", mu, sigma)
end

function cjm.gamma(k, theta)
  number_arg("gamma", "k", k); number_arg("gamma", "theta", theta)
  check(k > 0, "gamma", "k (shape) must be > 0 (got %g)", k)
  check(theta > 0, "gamma", "theta (scale) must be > 0 (got %g)", theta)
  return make("gamma", k, theta)
end

--- cjm.discrete{ {values...}, {weights...} } or cjm.discrete{ values = {...}, weights = {...} }
function cjm.discrete(t)
  check(type(t) == "table", "discrete", "expects { values, weights }")
  local values, weights = t.values or t[1], t.weights or t[2]
  check(type(values) == "table" and #values > 0, "discrete", "values must be a non-empty list")
  weights = weights or {}
  if #weights == 0 then for i = 1, #values do weights[i] = 1 end end
  check(#weights == #values, "discrete", "%d values but %d weights", #values, #weights)
  local d = make("discrete")
  d.values, d.weights = {}, {}
  local total = 0
  for i = 1, #values do
    d.values[i] = number_arg("discrete", "values[" .. i .. "]", values[i])
    local w = number_arg("discrete", "weights[" .. i .. "]", weights[i])
    check(w >= 0, "discrete", "weights[%d] must be >= 0 (got %g)", i, w)
    d.weights[i] = w
    total = total + w
  end
  check(total > 0, "discrete", "the weights sum to 0")
  return d
end

--- cjm.dirichlet{ buyer = 12, lost = 30, ... }: probabilities that sum to 1,
--- drawn together once per run from a Dirichlet distribution with these
--- weights: a stage's whole row of transitions (e.g. a posterior of counts
--- plus a prior). Returns a table name -> distribution; each entry's own
--- distribution is beta(w, total - w). With other exits beside it (or an
--- entry set to a number), the row shares what they leave.
function cjm.dirichlet(t)
  check(type(t) == "table", "dirichlet", "expects a table of weights, e.g. { buyer = 12, lost = 30 }")
  local names, total = {}, 0
  for k, w in pairs(t) do
    check(type(k) == "string", "dirichlet", "keys must be names (got %s)", tostring(k))
    number_arg("dirichlet", k, w)
    check(w > 0, "dirichlet", "%s must be > 0 (got %g)", k, w)
    names[#names + 1] = k
    total = total + w
  end
  check(#names >= 2, "dirichlet", "needs two or more entries (got %d)", #names)
  table.sort(names)
  local group = { line = cjm._caller_line(2), size = #names, members = {} }
  local out = {}
  for i, k in ipairs(names) do
    local d = make("beta", t[k], total - t[k])
    d.dirichlet, d.dirichlet_name = group, k
    group.members[i] = d
    out[k] = d
  end
  return out
end

-- Per-customer heterogeneity: a transition probability that every customer
-- draws for itself when it enters the cohort (e.g. a beta churn probability:
-- the shifted-beta-geometric model of Fader and Hardie).
local per_customer_mt = { __name = "cjm.per_customer" }
cjm._per_customer_mt = per_customer_mt

function cjm.per_customer(d)
  check(getmetatable(d) == dist_mt, "per_customer",
        "expects a distribution, e.g. cjm.per_customer(cjm.beta(0.7, 1.2))")
  check(d.correlation == nil, "per_customer", "a correlated distribution is drawn per run, not per customer")
  check(d.dirichlet == nil, "per_customer", "a cjm.dirichlet entry is drawn per run, not per customer")
  return setmetatable({ dist = d }, per_customer_mt)
end

--- Gives the distributions in `list` the rank correlation `matrix`
--- (Iman-Conover). The matrix is checked when the scenario is compiled.
function cjm.correlate(list, matrix)
  check(type(list) == "table" and #list >= 2, "correlate", "expects a list of two or more distributions")
  check(type(matrix) == "table" and #matrix == #list, "correlate",
        "the matrix must have %d rows, one per distribution", #list)
  local group = { dists = list, matrix = matrix, line = cjm._caller_line(2) }
  for i, d in ipairs(list) do
    check(getmetatable(d) == dist_mt, "correlate", "entry %d is not a distribution", i)
    check(d.correlation == nil, "correlate", "entry %d is already in another correlation group", i)
    check(d.per_customer == nil, "correlate", "entry %d is drawn per customer, not per run", i)
    check(d.dirichlet == nil, "correlate", "entry %d is a cjm.dirichlet entry (drawn with its row)", i)
    check(type(matrix[i]) == "table" and #matrix[i] == #list, "correlate",
          "row %d of the matrix must have %d numbers", i, #list)
    for j = 1, #list do
      local r = matrix[i][j]
      check(type(r) == "number" and r >= -1 and r <= 1, "correlate",
            "matrix[%d][%d] must be a number in [-1, 1] (got %s)", i, j, tostring(r))
    end
    check(matrix[i][i] == 1, "correlate", "matrix[%d][%d] must be 1 (got %g)", i, i, matrix[i][i])
  end
  for i = 1, #list do
    for j = 1, #list do
      check(matrix[i][j] == matrix[j][i], "correlate", "the matrix is not symmetric at [%d][%d]", i, j)
    end
  end
  for _, d in ipairs(list) do d.correlation = group end
  return list
end

return cjm
