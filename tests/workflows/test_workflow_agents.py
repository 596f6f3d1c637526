"""Agent steps against the fake provider: concurrency, State keys and agent_outputs."""

from __future__ import annotations

import time


def test_four_parallel_agent_steps_overlap(llm_lua, fake_llm):
    llm_lua(
        """
        for i = 1, 4 do
          Agent.builder():name("a" .. i):model("openai/gpt-4o-mini"):build()
        end
        Agent.get("a1"):execute("warm up")  -- the SDK is imported on the first call
        """
    )
    fake_llm.set_latency(delay=0.4)
    started = time.perf_counter()
    out = llm_lua(
        """
        local b = Workflow.builder():name("fan"):parallel():max_concurrency(4)
        for i = 1, 4 do
          b:add_step{name="s" .. i, type="agent", agent="a" .. i, input="topic {{input.t}} " .. i}
        end
        local r = b:build():execute({t="x"})
        local id = r.metadata.extra.execution_id
        return r.success, r.metadata.extra.agent_outputs.a3,
               State.load("custom", ":workflow:" .. id .. ":agent:a2:output"), r.outputs.s1
        """
    )
    elapsed = time.perf_counter() - started
    assert elapsed < 1.2, elapsed  # four 0.4 s calls in turn would take 1.6 s
    assert out == [True, "echo: topic x 3", "echo: topic x 2", "echo: topic x 1"]


def test_agent_object_step_and_chaining(llm_lua, fake_llm):
    fake_llm.push("first answer", "second answer")
    out = llm_lua(
        """
        local a = Agent.builder():name("writer"):model("openai/gpt-4o-mini"):build()
        local r = Workflow.sequential{name="chain", steps={
          {name="one", type="agent", agent=a, input="start"},
          {name="two", type="agent", agent="writer", input="Improve: $one"}}}:execute()
        return r.outputs.two, r.metadata.extra.agent_outputs.writer
        """
    )
    assert out == ["second answer", "second answer"]
    assert fake_llm.chat_requests()[-1].last_user_text == "Improve: first answer"


def test_agent_step_with_empty_input_fails(llm_lua):
    out = llm_lua(
        """
        Agent.builder():name("e"):model("openai/gpt-4o-mini"):build()
        local ok, err = pcall(function()
          return Workflow.sequential{name="x", steps={{name="s", type="agent", agent="e",
            input=""}}}:execute()
        end)
        return ok, tostring(err)
        """
    )
    assert out[0] is False and "Agent input cannot be empty" in out[1]


def test_research_pipeline_example(fake_llm, tmp_path, install_workflows):
    from pathlib import Path

    from llmspell import Runtime
    from llmspell.config.loader import config_from_toml
    from llmspell.core.output import CaptureSink

    sink = CaptureSink()
    rt = Runtime(config_from_toml(fake_llm.providers_toml()), sink=sink, cwd=tmp_path)
    install_workflows(rt)
    example = Path(__file__).parents[2] / "examples" / "research-pipeline.lua"
    try:
        rt.run_file(example, ["--topic", "tides"])
    finally:
        rt.close()
    out = "".join(sink.stdout)
    assert "completed successfully" in out and "=== Summary ===" in out
    editor = fake_llm.chat_requests()[-1].last_user_text
    assert "Topic: tides" in editor and "History:\necho: Topic: tides" in editor
