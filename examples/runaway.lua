-- runaway.lua: a spell that never ends. llmspell stops it at runtime.script_timeout_seconds.
--   LLMSPELL_SCRIPT_TIMEOUT_SECONDS=1 llmspell run examples/runaway.lua
print("spinning forever (llmspell will stop this)...")
local n = 0
while true do
  -- pcall cannot swallow the timeout either
  pcall(function() n = n + 1 end)
end
