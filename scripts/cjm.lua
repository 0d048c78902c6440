-- The Lua side of the cjm module, available to scenarios as the global `cjm`
-- and through require "cjm".
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

-- Distributions (cjm.uniform, cjm.triangular, cjm.pert, cjm.beta, cjm.normal,
-- cjm.lognormal, cjm.gamma, cjm.discrete), the rows of cjm.dirichlet,
-- cjm.per_customer and cjm.correlate are made in C (core/lua/script_dist.c):
-- read-only objects that a scenario can neither forge nor change, checked
-- when they are made and again when the loader reads them.

return cjm
