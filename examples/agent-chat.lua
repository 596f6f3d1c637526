-- agent-chat.lua: a short conversation with memory, a streamed answer, tokens and cost.
--   OPENAI_API_KEY=sk-... llmspell run examples/agent-chat.lua
--   llmspell run examples/agent-chat.lua -- --model ollama/llama3.1
--   llmspell run examples/agent-chat.lua -- --model anthropic/claude-3-5-haiku-latest
-- Any configured provider works: see "Agents and providers" in README.md.
local model = ARGS.model or "openai/gpt-4o-mini"

local ok, agent = pcall(function()
  return Agent.builder()
    :name("chat")
    :model(model)
    :system_prompt("You are a concise assistant. Answer in one or two sentences.")
    :temperature(0.3)
    :max_conversation_length(20)
    :build()
end)
if not ok then
  print("Could not build an agent for " .. model .. ":\n  " .. tostring(agent))
  print("Set the provider's API key (e.g. OPENAI_API_KEY) or pick another model with --model.")
  os.exit(1)
end
print(("Agent %s on %s/%s"):format(agent.name, agent.provider, agent.model))

-- 1. Two turns: the second question only makes sense if the first is remembered.
local first = agent:execute("Name one famous astronomer.")
print("\n> Name one famous astronomer.\n" .. first.text)
local second = agent:execute({ text = "What is that person best known for?" })
print("\n> What is that person best known for?\n" .. second.text)

-- 2. A streamed answer: the callback gets each piece as it arrives.
io.write("\n> Describe the night sky in a few words.\n")
local streamed = agent:stream("Describe the night sky in a few words.", function(chunk)
  io.write(chunk.text)
end)
print(("\n(%d chunks)"):format(streamed.chunks_received))

-- 3. What it cost: per call in the result, in total in the agent's metrics.
local usage = second.metadata.usage
print(("\nlast call: %d tokens in, %d out, $%.6f, %.0f ms"):format(
  usage.input_tokens, usage.output_tokens, second.metadata.cost_usd, second.metadata.duration_ms))
local m = agent:get_metrics()
print(("agent total: %d requests, %d tokens, $%.6f"):format(
  m.requests_total, m.total_tokens, m.cost_usd))
print(("remembered messages: %d"):format(#agent:get_history()))
