-- A well-behaved spell: arguments in, JSON and Config used, a table returned.
local name = ARGS.name or "world"
local times = tonumber(ARGS["times"] or "1")
for i = 1, times do
  print(("hello, %s (%d)"):format(name, i))
end
Debug.info("greeted " .. name, "greets")
local summary = {
  name = name,
  times = times,
  first = ARGS[1],
  script = ARGS[0],
  timeout = Config.get("runtime.script_timeout_seconds"),
}
print(JSON.stringify(summary))
return summary
