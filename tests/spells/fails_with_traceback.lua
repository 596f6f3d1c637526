-- An uncaught error: reported as file:line: message with a traceback through both functions.
local function validate(record)
  if record.name == nil then
    error("record has no name")
  end
end

local function process(records)
  for _, record in ipairs(records) do
    validate(record)
  end
end

print("processing")
process({ { name = "ok" }, { id = 2 } })
