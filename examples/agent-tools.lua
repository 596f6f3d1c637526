-- agent-tools.lua: an agent that calls a built-in tool and a tool written in Lua.
--   OPENAI_API_KEY=sk-... llmspell run examples/agent-tools.lua
--   llmspell run examples/agent-tools.lua -- --model ollama/llama3.1
-- The model sees each allowed tool's JSON schema, asks for calls, and llmspell runs them
-- through the tool registry (with its security rules) and sends the results back.
local model = ARGS.model or "openai/gpt-4o-mini"

-- A tool defined in Lua: the parameters table becomes the JSON schema the model sees.
Tool.register({
  name = "unit_price",
  description = "Look up the unit price in USD of a product from the shop's price list",
  parameters = {
    product = { type = "string", description = "product name, e.g. 'apple'", required = true },
  },
  execute = function(params)
    local prices = { apple = 0.40, pear = 0.55, melon = 2.10 }
    local price = prices[string.lower(params.product)]
    if not price then
      return { success = false, error = "no price for " .. params.product }
    end
    return { success = true, text = tostring(price), result = { usd = price } }
  end,
})

local ok, agent = pcall(function()
  return Agent.builder()
    :name("shop-assistant")
    :model(model)
    :system_prompt("You help with shopping sums. Use unit_price for prices and calculator "
      .. "for arithmetic; never guess a price.")
    :allow_tool("calculator")
    :allow_tool("unit_price")
    :max_tool_calls(8)
    :build()
end)
if not ok then
  print("Could not build an agent for " .. model .. ":\n  " .. tostring(agent))
  print("Set the provider's API key (e.g. OPENAI_API_KEY) or pick another model with --model.")
  os.exit(1)
end

local question = "How much do 12 apples and 3 melons cost together?"
print("> " .. question)
local result = agent:execute(question)
for i, call in ipairs(result.tool_calls or {}) do
  print(("  tool %d: %s(%s) -> %s"):format(i, call.name, JSON.stringify(call.arguments),
    call.output))
end
print(result.text)

local m = agent:get_metrics()
print(("\n%d model calls, %d tool calls, %d tokens, $%.6f"):format(
  result.metadata.rounds, m.tool_invocations, m.total_tokens, m.cost_usd))
