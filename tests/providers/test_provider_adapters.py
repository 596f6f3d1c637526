"""Every adapter through its real SDK (or httpx) against the fake server: the happy paths."""

from __future__ import annotations

import json

import pytest
from provider_cases import MODELS, PROTOCOLS

from fakes import FakeProviderServer, FakeToolCall, Reply
from llmspell.core.errors import ProviderError
from llmspell.providers import (
    ChatMessage,
    ChatRequest,
    ProviderRegistry,
    ToolCall,
    ToolSpec,
)

CALC = ToolSpec(
    name="calculator",
    description="Evaluate an arithmetic expression.",
    parameters={
        "type": "object",
        "properties": {"input": {"type": "string", "description": "the expression"}},
        "required": ["input"],
    },
)
SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
    "required": ["city", "population"],
}


def ask(protocol: str, text: str = "hello there", **kwargs: object) -> ChatRequest:
    return ChatRequest(
        model=MODELS[protocol],
        messages=[
            ChatMessage(role="system", content="You are terse."),
            ChatMessage(role="user", content=text),
        ],
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_plain_chat(registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str):
    fake_llm.push(Reply(text="Hi there!", input_tokens=12, output_tokens=3))
    model = registry.chat_model(protocol, MODELS[protocol])

    response = model.chat(ask(protocol, temperature=0.2, max_tokens=50))

    assert response.text == "Hi there!"
    assert (response.provider, response.model) == (protocol, MODELS[protocol])
    assert (response.usage.input_tokens, response.usage.output_tokens) == (12, 3)
    assert response.usage.total_tokens == 15
    assert response.finish_reason == "stop"
    sent = fake_llm.last_chat
    assert sent.protocol == protocol
    assert sent.model == MODELS[protocol]
    assert sent.api_key == "test-key"
    assert sent.system == "You are terse."
    assert sent.last_user_text == "hello there"
    assert (sent.temperature, sent.max_tokens) == (0.2, 50)
    assert not sent.stream


def test_stream_deltas_in_order_then_usage(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str
):
    fake_llm.push(
        Reply(
            text="one two three", chunks=["one", " two", " three"], input_tokens=7, output_tokens=3
        )
    )
    model = registry.chat_model(protocol, MODELS[protocol])

    events = list(model.stream(ask(protocol)))

    assert [e.text for e in events if e.kind == "text"] == ["one", " two", " three"]
    assert [e.kind for e in events][-1] == "done"
    final = events[-1].response
    assert final is not None
    assert final.text == "one two three"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (7, 3)
    assert fake_llm.last_chat.stream
    if protocol == "openai":
        assert fake_llm.last_chat.body["stream_options"] == {"include_usage": True}


def test_tool_schemas_sent_as_given_and_calls_decoded(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str
):
    fake_llm.push_tool_calls(("calculator", {"input": "2+2"}), ("calculator", {"input": "3*3"}))
    model = registry.chat_model(protocol, MODELS[protocol])

    response = model.chat(ask(protocol, "what is 2+2 and 3*3?", tools=[CALC]))

    assert fake_llm.last_chat.tools == [
        {"name": "calculator", "description": CALC.description, "parameters": CALC.parameters}
    ]
    assert [(c.name, c.arguments) for c in response.tool_calls] == [
        ("calculator", {"input": "2+2"}),
        ("calculator", {"input": "3*3"}),
    ]
    assert all(c.id for c in response.tool_calls)
    assert response.finish_reason == "tool_calls"


def test_streamed_tool_calls_are_assembled(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str
):
    fake_llm.push_tool_call("calculator", {"input": "6*7", "precision": 2})
    model = registry.chat_model(protocol, MODELS[protocol])

    events = list(model.stream(ask(protocol, tools=[CALC])))

    final = events[-1].response
    assert final is not None
    assert [(c.name, c.arguments) for c in final.tool_calls] == [
        ("calculator", {"input": "6*7", "precision": 2})
    ]
    assert final.finish_reason == "tool_calls"


def test_tool_results_go_back_as_the_wire_expects(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str
):
    fake_llm.push("The answer is 4.")
    model = registry.chat_model(protocol, MODELS[protocol])
    call = ToolCall(id="call_abc", name="calculator", arguments={"input": "2+2"})
    request = ask(protocol, "what is 2+2?", tools=[CALC])
    request.messages += [
        ChatMessage(role="assistant", content=None, tool_calls=[call]),
        ChatMessage(role="tool", tool_call_id="call_abc", name="calculator", content="4"),
    ]

    assert model.chat(request).text == "The answer is 4."

    sent = fake_llm.last_chat
    assistant = [m for m in sent.messages if m.role == "assistant"][-1]
    assert [(c.name, c.arguments) for c in assistant.tool_calls] == [
        ("calculator", {"input": "2+2"})
    ]
    assert [r.content for r in sent.tool_results] == ["4"]
    if protocol != "ollama":  # Ollama's wire has no call ids to match
        assert sent.tool_results[0].tool_call_id == "call_abc"
        assert assistant.tool_calls[0].id == "call_abc"


def test_structured_output_request_shape(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str
):
    if protocol == "anthropic":  # a forced tool whose input is the answer
        fake_llm.push(
            Reply(tool_calls=[FakeToolCall("city_info", {"city": "Oslo", "population": 700000})])
        )
    model = registry.chat_model(protocol, MODELS[protocol])

    response = model.chat(ask(protocol, response_format={"name": "city_info", "schema": SCHEMA}))

    body = fake_llm.last_chat.body
    match protocol:
        case "openai":
            assert body["response_format"] == {
                "type": "json_schema",
                "json_schema": {"name": "city_info", "schema": SCHEMA},
            }
            assert json.loads(response.text) == {"city": "echo", "population": 0}
        case "anthropic":
            assert body["tool_choice"] == {"type": "tool", "name": "city_info"}
            assert body["tools"][0]["input_schema"] == SCHEMA
            assert json.loads(response.text) == {"city": "Oslo", "population": 700000}
            assert response.tool_calls == []
            assert response.finish_reason == "stop"
        case "ollama":
            assert body["format"] == SCHEMA
            assert json.loads(response.text) == {"city": "echo", "population": 0}


@pytest.mark.parametrize(
    "response_format",
    [
        SCHEMA,
        {"schema": SCHEMA},
        {"type": "json_schema", "json_schema": {"name": "response", "schema": SCHEMA}},
    ],
    ids=["bare-schema", "schema-key", "openai-shape"],
)
def test_every_response_format_shape_is_accepted(
    registry: ProviderRegistry, fake_llm: FakeProviderServer, response_format: dict
):
    registry.chat_model("openai", "gpt-4o-mini").chat(
        ask("openai", response_format=response_format)
    )
    assert fake_llm.last_chat.body["response_format"]["json_schema"]["schema"] == SCHEMA


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_embeddings(registry: ProviderRegistry, fake_llm: FakeProviderServer, protocol: str):
    model = "text-embedding-3-small" if protocol == "openai" else "nomic-embed-text"
    embedder = registry.embedder(protocol, model)

    vectors = embedder.embed(["alpha", "beta"])

    assert vectors == [fake_llm.embed_vector("alpha"), fake_llm.embed_vector("beta")]
    assert fake_llm.last_request.endpoint == "embed"
    assert embedder.embed([]) == []


def test_anthropic_has_no_embeddings(registry: ProviderRegistry):
    with pytest.raises(ProviderError, match=r"'anthropic'.*no embeddings"):
        registry.embedder("anthropic", "claude-3-5-haiku-latest")


def test_config_defaults_apply_when_the_call_sets_none(make_registry, fake_llm):
    registry = make_registry(
        "\n".join(
            [
                "[providers.groq]",
                f'base_url = "{fake_llm.openai_base_url}"',
                'api_key = "gk"',
                "max_tokens = 77",
                "temperature = 0.5",
            ]
        )
    )
    registry.chat_model("groq", "llama-3.1-8b-instant").chat(ask("openai"))

    sent = fake_llm.last_chat
    assert (sent.max_tokens, sent.temperature, sent.api_key) == (77, 0.5, "gk")


def test_anthropic_merges_tool_results_into_one_user_turn(registry, fake_llm):
    fake_llm.push("done")
    calls = [
        ToolCall(id="t1", name="calculator", arguments={"input": "1+1"}),
        ToolCall(id="t2", name="calculator", arguments={"input": "2+2"}),
    ]
    request = ask("anthropic", tools=[CALC])
    request.messages += [
        ChatMessage(role="assistant", content="Let me compute.", tool_calls=calls),
        ChatMessage(role="tool", tool_call_id="t1", content="2"),
        ChatMessage(role="tool", tool_call_id="t2", content="4"),
    ]
    registry.chat_model("anthropic", MODELS["anthropic"]).chat(request)

    body = fake_llm.last_chat.body
    assert body["system"] == "You are terse."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert [b["tool_use_id"] for b in body["messages"][-1]["content"]] == ["t1", "t2"]
    assert body["max_tokens"] > 0
