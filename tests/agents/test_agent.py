"""An agent over the scripted model: messages sent, memory bounds, failures, metrics, state."""

from __future__ import annotations

import pytest

from llmspell.agents import AgentInput
from llmspell.core.errors import AgentError, ProviderHTTPError, ValidationError
from llmspell.providers import ChatResponse, Usage


def ask(agent, text, **kw):
    return agent.execute(AgentInput(text=text, **kw))


def test_building_resolves_provider_and_model_without_calling_it(manager, script):
    agent = manager.create({"name": "a", "model": "openai/gpt-4o-mini", "base_url": "http://x"})
    assert (agent.provider, agent.model) == ("openai", "gpt-4o-mini")
    assert script.builds == [("openai", "gpt-4o-mini", "http://x", None)]
    assert script.sent == []
    assert agent.lifecycle.state == "Uninitialized"


def test_a_call_sends_system_history_and_user_as_chat_messages(manager, script):
    agent = manager.create({"name": "poet", "model": "openai/gpt-4o-mini", "system": "Rhyme."})
    script.push("roses", "violets")
    assert ask(agent, "first").text == "roses"
    out = ask(agent, "second", temperature=0.1, max_tokens=20)
    assert out.text == "violets"
    sent = script.last.request
    assert [(m.role, m.content) for m in sent.messages] == [
        ("system", "Rhyme."),
        ("user", "first"),
        ("assistant", "roses"),
        ("user", "second"),
    ]
    assert (sent.temperature, sent.max_tokens, sent.model) == (0.1, 20, "gpt-4o-mini")
    assert sent.tools == []


def test_default_system_prompt_names_the_agent(manager, script):
    agent = manager.create({"name": "helper", "model": "m", "description": "Helps."})
    ask(agent, "hi")
    assert script.last.messages[0].content == "You are helper, an AI assistant. Helps."


def test_memory_is_bounded_by_max_conversation_length(manager, script):
    agent = manager.create({"name": "short", "model": "m", "max_conversation_length": 4})
    for i in range(5):
        script.push(f"answer {i}")
        ask(agent, f"question {i}")
    ask(agent, "last")
    contents = [m.content for m in script.last.messages]
    assert contents == [
        "You are short, an AI assistant. LLM-powered agent",
        "question 3",
        "answer 3",
        "question 4",
        "answer 4",
        "last",
    ]
    assert len(agent.conversation) == 4


def test_zero_length_memory_sends_only_the_new_message(manager, script):
    agent = manager.create({"name": "fresh", "model": "m", "max_conversation_length": 0})
    ask(agent, "one")
    ask(agent, "two")
    assert script.last.roles() == ["system", "user"]


def test_a_failed_call_leaves_the_conversation_as_it_was(manager, script):
    agent = manager.create({"name": "f", "model": "openai/gpt-4o-mini"})
    script.push("fine")
    ask(agent, "one")
    before = agent.conversation.to_list()
    script.push(ProviderHTTPError("openai/gpt-4o-mini: HTTP 500", status=500))
    with pytest.raises(ProviderHTTPError):
        ask(agent, "two")
    assert agent.conversation.to_list() == before
    metrics = agent.metrics.snapshot()
    assert (metrics["requests_total"], metrics["requests_failed"]) == (2, 1)
    assert "HTTP 500" in metrics["last_error"]
    ask(agent, "three")
    assert [m.content for m in script.last.messages][1:] == ["one", "fine", "three"]


def test_usage_and_cost_come_from_the_response_and_the_price_table(manager, script):
    agent = manager.create({"name": "c", "model": "openai/gpt-4o-mini"})
    script.push(
        ChatResponse(
            text="x", provider="", model="", usage=Usage(input_tokens=1000, output_tokens=500)
        )
    )
    out = ask(agent, "q")
    assert (out.usage.input_tokens, out.usage.output_tokens) == (1000, 500)
    # gpt-4o-mini: $0.15 per 1M input, $0.60 per 1M output
    assert out.cost_usd == pytest.approx((1000 * 0.15 + 500 * 0.60) / 1e6)
    ask(agent, "again")
    m = agent.metrics.snapshot()
    assert m["requests_total"] == 2 and m["requests_failed"] == 0
    assert m["input_tokens"] > 1000 and m["total_tokens"] == m["input_tokens"] + m["output_tokens"]
    assert m["cost_usd"] == pytest.approx(
        out.cost_usd
        + agent.cost(
            Usage(input_tokens=m["input_tokens"] - 1000, output_tokens=m["output_tokens"] - 500)
        )
    )
    assert m["avg_latency_ms"] > 0


def test_unknown_models_cost_nothing(manager, script):
    agent = manager.create({"name": "u", "model": "openai/some-private-model"})
    assert ask(agent, "q").cost_usd == 0.0


def test_streaming_delivers_pieces_and_remembers_the_whole_answer(manager, script):
    agent = manager.create({"name": "s", "model": "m"})
    script.push("one two three")
    pieces: list[str] = []
    out = agent.execute(AgentInput(text="count"), on_text=pieces.append)
    assert pieces == ["one ", "two ", "three"]
    assert out.text == "one two three" and out.chunks == 3
    assert agent.conversation.window()[-1].content == "one two three"


def test_a_failing_stream_callback_leaves_no_half_turn(manager, script):
    agent = manager.create({"name": "s2", "model": "m"})

    def explode(_piece: str) -> None:
        raise ValidationError("callback failed")

    with pytest.raises(ValidationError):
        agent.execute(AgentInput(text="x"), on_text=explode)
    assert len(agent.conversation) == 0


def test_lifecycle_runs_on_first_call_and_records_history(manager, script):
    agent = manager.create({"name": "life", "model": "m"})
    ask(agent, "hi")
    assert agent.lifecycle.state == "Running"
    agent.pause()
    with pytest.raises(AgentError, match="cannot run: it is Paused; call agent:resume"):
        ask(agent, "hi")
    agent.lifecycle.resume()
    agent.stop()
    assert agent.lifecycle.state == "Ready"
    with pytest.raises(AgentError, match=r"cannot pause: it is Ready \(pause needs Running\)"):
        agent.pause()
    agent.lifecycle.set_error("disk on fire")
    assert not agent.lifecycle.is_healthy()
    agent.lifecycle.recover()
    agent.lifecycle.terminate()
    with pytest.raises(AgentError, match="it is Terminated"):
        ask(agent, "hi")
    steps = [(t.source, t.target) for t in agent.lifecycle.history]
    assert steps[:3] == [
        ("Uninitialized", "Initializing"),
        ("Initializing", "Ready"),
        ("Ready", "Running"),
    ]
    assert steps[-2:] == [("Ready", "Terminating"), ("Terminating", "Terminated")]
    metrics = agent.lifecycle.metrics()
    assert metrics["error_count"] == 1 and metrics["recovery_attempts"] == 1
    assert set(metrics["state_time_distribution"]) >= {"Running", "Paused", "Error"}


def test_recovery_is_limited_to_three_attempts(manager):
    agent = manager.create({"name": "r", "model": "m"})
    for _ in range(3):
        agent.lifecycle.set_error("x")
        agent.lifecycle.recover()
    agent.lifecycle.set_error("x")
    with pytest.raises(AgentError, match="3 recovery attempts used"):
        agent.lifecycle.recover()


def test_state_round_trips_conversation_and_metrics(manager, script, runtime):
    agent = manager.create({"name": "keeper", "model": "openai/gpt-4o-mini"})
    script.push("remembered")
    ask(agent, "note this")
    assert agent.save_state() is True
    saved = runtime.state.load("agent", "agent_state:keeper")
    assert saved["conversation_history"][0][0] == {"role": "user", "content": "note this"}
    assert saved["metrics"]["requests_total"] == 1

    manager.remove("keeper")
    again = manager.create({"name": "keeper", "model": "openai/gpt-4o-mini"})
    assert again.load_state() is True
    assert again.metrics.snapshot()["requests_total"] == 1
    ask(again, "what did I say?")
    assert [m.content for m in script.last.messages][1:3] == ["note this", "remembered"]
    assert again.delete_state() is True
    assert again.load_state() is False


def test_pause_saves_state(manager, script, runtime):
    agent = manager.create({"name": "napper", "model": "m"})
    ask(agent, "hi")
    agent.pause()
    assert runtime.state.load("agent", "agent_state:napper")["execution_state"] == "Paused"


def test_name_clash_and_missing_model(manager):
    manager.create({"name": "dup", "model": "m"})
    with pytest.raises(AgentError, match="Agent instance 'dup' already exists"):
        manager.create({"name": "dup", "model": "m"})
    with pytest.raises(AgentError, match="Model is required"):
        manager.create({"name": "nomodel"})


def test_basic_agents_echo_without_a_model(manager, script):
    agent = manager.create({"name": "echo", "type": "basic"})
    out = ask(agent, "ping")
    assert out.text == "BasicAgent 'echo' received: ping"
    assert out.cost_usd == 0 and script.sent == []
