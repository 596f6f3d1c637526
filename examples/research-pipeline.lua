-- research-pipeline.lua: three researchers gather in parallel, then an editor summarises.
--   OPENAI_API_KEY=sk-... llmspell run examples/research-pipeline.lua -- --topic "solar sails"
--   llmspell run examples/research-pipeline.lua -- --model ollama/llama3.1 --topic "tidal power"
-- Data flows through templates: {{input.topic}} and {{step.NAME.output}}.
local model = ARGS.model or "openai/gpt-4o-mini"
local topic = ARGS.topic or "the history of the printing press"

local function researcher(name, angle)
  return Agent.builder()
    :name(name)
    :model(model)
    :system_prompt("You are a researcher. Give three short factual bullet points about " .. angle .. ".")
    :temperature(0.3)
    :max_tokens(300)
    :build()
end

local ok, err = pcall(function()
  researcher("historian", "the history of the topic")
  researcher("scientist", "how the topic works technically")
  researcher("economist", "the topic's economic impact")
  Agent.builder():name("editor"):model(model)
    :system_prompt("You are an editor. Merge research notes into one clear paragraph.")
    :max_tokens(400):build()
end)
if not ok then
  print("Could not build the agents for " .. model .. ":\n  " .. tostring(err))
  print("Set the provider's API key (e.g. OPENAI_API_KEY) or pick another model with --model.")
  os.exit(1)
end

-- 1. Gather: three agent steps run concurrently.
local gather = Workflow.builder()
  :name("gather")
  :parallel()
  :max_concurrency(3)
  :add_step({ name = "history", type = "agent", agent = "historian", input = "Topic: {{input.topic}}", timeout_ms = 60000 })
  :add_step({ name = "science", type = "agent", agent = "scientist", input = "Topic: {{input.topic}}", timeout_ms = 60000 })
  :add_step({ name = "economy", type = "agent", agent = "economist", input = "Topic: {{input.topic}}", timeout_ms = 60000 })
  :build()

-- 2. Summarise: the nested gather workflow, then the editor reads every note.
local pipeline = Workflow.builder()
  :name("research_pipeline")
  :sequential()
  :add_step({ name = "gather", type = "workflow", workflow = gather })
  :add_step({
    name = "summary",
    type = "agent",
    agent = "editor",
    input = "Topic: {{input.topic}}\n\nHistory:\n{{step.gather.result.outputs.history}}\n\n"
      .. "Science:\n{{step.gather.result.outputs.science}}\n\n"
      .. "Economy:\n{{step.gather.result.outputs.economy}}",
    timeout_ms = 60000,
  })
  :build()

local started = os.clock()
local result = pipeline:execute({ topic = topic })
print(result.text)
for name, text in pairs(result.metadata.extra.agent_outputs) do
  if name ~= "editor" then
    print(("\n[%s]\n%s"):format(name, text))
  end
end
print("\n=== Summary ===\n" .. result.outputs.summary)
local usage = result.metadata.usage
print(("\nTokens: %d in, %d out; cost $%.5f"):format(usage.input_tokens, usage.output_tokens, result.metadata.cost_usd))
print("Execution id: " .. result.metadata.extra.execution_id)
local _ = started
