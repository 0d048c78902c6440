-- The Lua side of the cjm module, available to scenarios as the global `cjm`
-- and through require "cjm". The C core reads what these constructors build.
local cjm = {}

cjm.version = "0.1.0"

local scenario_mt = { __name = "cjm.scenario" }

--- Marks a table as a scenario. The table is checked by the loader, which
--- names the path and line of anything wrong.
function cjm.scenario(t)
  if type(t) ~= "table" then
    error("cjm.scenario expects a table: return cjm.scenario { ... }", 2)
  end
  return setmetatable(t, scenario_mt)
end

return cjm
