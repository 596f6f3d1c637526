-- demo.lua: ARGS, JSON, Debug and Config, offline and without an API key.
--   llmspell run examples/demo.lua -- --name demo --repeat 3 hello
local name = ARGS.name or "world"
local times = tonumber(ARGS["repeat"] or "3")

print(("Hello, %s! This is %s; first positional argument: %s"):format(
  name, ARGS[0], ARGS[1] or "(none)"))

local timer = Debug.timer("demo")

-- JSON: tables become compact JSON with sorted keys and come back unchanged.
local data = { spell = ARGS[0], greeting = "hello " .. name, squares = {} }
for i = 1, times do data.squares[i] = i * i end
local text = JSON.stringify(data)
print("JSON:   " .. text)
local back = JSON.parse(text)
assert(back.squares[times] == times * times, "JSON round trip lost data")
print("pretty:\n" .. JSON.stringify({ name = name, ok = true }, { pretty = true }))

-- Debug: levelled messages on stderr, captured for later inspection.
Debug.info(("parsed %d squares back"):format(#back.squares), "demo")
Debug.debug("hidden: the default level is info", "demo")
Debug.setLevel("debug")
Debug.debug("shown after Debug.setLevel('debug')", "demo")
print(("captured %d debug entries"):format(#Debug.getCapturedEntries()))
print("dump:   " .. Debug.dumpCompact({ a = 1, list = { 1, 2 } }))

-- Config: read-only views of llmspell.toml (or the built-in defaults).
local security = Config.getSecurity()
print(("config: %s s script timeout, security level %s"):format(
  Config.get("runtime.script_timeout_seconds"), security.security_level))

-- The sandbox: the default 'safe' level refuses to spawn processes.
local ok, err = pcall(os.execute, "echo hi")
print("os.execute refused: " .. tostring(not ok))
print("  " .. err)

print(("done in %.2f ms"):format(timer:stop()))
return { greeted = name, squares = #back.squares }
