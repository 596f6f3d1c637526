"""The fake provider server, driven by the real `openai` and `anthropic` SDKs and by httpx."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import anthropic
import httpx
import httpx2
import openai
import pytest

from fakes import FakeProviderServer, FakeToolCall, RecordedRequest, Reply

USER = [{"role": "user", "content": "hello there"}]
BLOCK_KEYS = {"type", "id", "name", "input"}
TOOL = {
    "name": "calculator",
    "description": "Evaluate an arithmetic expression.",
    "parameters": {
        "type": "object",
        "properties": {"input": {"type": "string"}},
        "required": ["input"],
    },
}


@pytest.fixture
def oai(fake_llm: FakeProviderServer) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=fake_llm.openai_base_url, api_key="sk-test", max_retries=0)
    with client:
        yield client


@pytest.fixture
def ant(fake_llm: FakeProviderServer) -> Iterator[anthropic.Anthropic]:
    client = anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="sk-ant-test", max_retries=0
    )
    with client:
        yield client


@pytest.fixture
def oll(fake_llm: FakeProviderServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_llm.ollama_base_url, timeout=5) as client:
        yield client


def ollama_lines(client: httpx.Client, body: dict) -> list[dict]:
    with client.stream("POST", "/api/chat", json=body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-ndjson"
        return [json.loads(line) for line in response.iter_lines() if line]


# -- OpenAI ------------------------------------------------------------------------------------


def test_openai_default_reply_echoes_the_last_user_message(fake_llm, oai):
    response = oai.chat.completions.create(model="gpt-4o-mini", messages=USER)
    assert response.choices[0].message.content == "echo: hello there"
    assert response.choices[0].finish_reason == "stop"
    assert response.model == "gpt-4o-mini"
    assert response.usage is not None
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (2, 3)


def test_openai_request_is_recorded(fake_llm, oai):
    fake_llm.push_text("scripted", input_tokens=120, output_tokens=7)
    response = oai.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Be brief."}, *USER],
        temperature=0.2,
        max_tokens=50,
        tools=[{"type": "function", "function": TOOL}],
    )
    assert response.choices[0].message.content == "scripted"
    assert response.usage is not None
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (120, 7)
    [req] = fake_llm.requests
    assert (req.protocol, req.endpoint, req.method, req.path) == (
        "openai",
        "chat",
        "POST",
        "/v1/chat/completions",
    )
    assert req.api_key == "sk-test"
    assert req.headers["authorization"] == "Bearer sk-test"
    assert (req.model, req.temperature, req.max_tokens, req.stream) == ("gpt-4o", 0.2, 50, False)
    assert req.system == "Be brief."
    assert [(m.role, m.content) for m in req.messages] == [
        ("system", "Be brief."),
        ("user", "hello there"),
    ]
    assert req.tools == [TOOL]
    assert req.body["tools"][0]["type"] == "function"
    assert fake_llm.last_chat is req


def test_openai_stream_with_usage(fake_llm, oai):
    fake_llm.push_text("one two three", input_tokens=5, output_tokens=3)
    stream = oai.chat.completions.create(
        model="gpt-4o-mini",
        messages=USER,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "one two three"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 8
    assert fake_llm.last_chat.stream and fake_llm.last_chat.include_usage


def test_openai_stream_without_usage_option_has_no_usage_chunk(fake_llm, oai):
    chunks = list(oai.chat.completions.create(model="m", messages=USER, stream=True))
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)


def test_openai_tool_calls_plain_and_streamed(fake_llm, oai):
    fake_llm.push_tool_calls(("calculator", {"input": "2+2"}), ("clock", {}))
    message = oai.chat.completions.create(model="m", messages=USER).choices[0]
    assert message.finish_reason == "tool_calls"
    calls = message.message.tool_calls
    assert [(c.id, c.function.name, json.loads(c.function.arguments)) for c in calls] == [
        ("call_1", "calculator", {"input": "2+2"}),
        ("call_2", "clock", {}),
    ]
    fake_llm.push_tool_call("calculator", {"input": "6*7"}, id="call_x")
    chunks = list(oai.chat.completions.create(model="m", messages=USER, stream=True))
    deltas = [tc for c in chunks for tc in (c.choices[0].delta.tool_calls or [])]
    assert deltas[0].id == "call_x"
    assert deltas[0].function.name == "calculator"
    assert len(deltas) >= 3  # the arguments arrive in pieces
    arguments = "".join(d.function.arguments or "" for d in deltas)
    assert json.loads(arguments) == {"input": "6*7"}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_openai_handler_sees_tool_results(fake_llm, oai):
    def handler(req: RecordedRequest) -> Reply:
        if req.tool_results:
            return Reply(text=f"The answer is {req.tool_results[-1].content}")
        return Reply(tool_calls=[FakeToolCall("calculator", {"input": "2+2"})])

    fake_llm.set_handler(handler)
    first = oai.chat.completions.create(model="m", messages=USER).choices[0].message
    call = first.tool_calls[0]
    messages = [
        *USER,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.function.name, "arguments": call.function.arguments},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call.id, "content": "4"},
    ]
    second = oai.chat.completions.create(model="m", messages=messages)
    assert second.choices[0].message.content == "The answer is 4"
    req = fake_llm.last_chat
    assert req.messages[1].tool_calls == [FakeToolCall("calculator", {"input": "2+2"}, call.id)]
    assert req.tool_results[0].tool_call_id == call.id


def test_openai_structured_output_default_is_a_schema_instance(fake_llm, oai):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    response = oai.chat.completions.create(
        model="m",
        messages=USER,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": schema},
        },
    )
    assert json.loads(response.choices[0].message.content) == {"name": "echo", "age": 0}
    assert fake_llm.last_chat.json_schema == schema


def test_openai_embeddings_and_models(fake_llm, oai):
    result = oai.embeddings.create(model="text-embedding-3-small", input=["a", "b c"])
    assert [d.embedding for d in result.data] == [
        fake_llm.embed_vector("a"),
        fake_llm.embed_vector("b c"),
    ]
    assert result.usage.prompt_tokens == 3
    floats = oai.embeddings.create(
        model="text-embedding-3-small", input="a", encoding_format="float", dimensions=4
    )
    assert floats.data[0].embedding == fake_llm.embed_vector("a", 4)
    assert fake_llm.requests[0].inputs == ["a", "b c"]
    assert fake_llm.requests[0].endpoint == "embed"
    assert [m.id for m in oai.models.list()] == ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"]


# -- Anthropic ---------------------------------------------------------------------------------


def test_anthropic_plain_reply_and_recording(fake_llm, ant):
    fake_llm.push_text("Hi!", input_tokens=11, output_tokens=2)
    message = ant.messages.create(
        model="claude-3-5-haiku-latest",
        max_tokens=64,
        system="Be kind.",
        messages=USER,
        extra_body={"temperature": 0.5},  # anthropic 2.x dropped the `temperature` argument
        tools=[{"name": TOOL["name"], "description": "", "input_schema": TOOL["parameters"]}],
    )
    assert message.content[0].text == "Hi!"
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (11, 2)
    req = fake_llm.last_chat
    assert (req.protocol, req.path, req.api_key) == ("anthropic", "/v1/messages", "sk-ant-test")
    # anthropic 2.x sends the key as a bearer token; 0.x sent `x-api-key`: both are accepted
    sent = (req.headers.get("x-api-key"), req.headers.get("authorization"))
    assert sent in [("sk-ant-test", None), (None, "Bearer sk-ant-test")]
    assert "anthropic-version" in req.headers
    assert (req.model, req.max_tokens, req.temperature, req.system) == (
        "claude-3-5-haiku-latest",
        64,
        0.5,
        "Be kind.",
    )
    assert [m.role for m in req.messages] == ["system", "user"]
    assert req.tools[0]["parameters"] == TOOL["parameters"]


def test_anthropic_stream_text(fake_llm, ant):
    fake_llm.push_text("streamed words here", input_tokens=4, output_tokens=3)
    with ant.messages.stream(model="claude", max_tokens=10, messages=USER) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert pieces == ["streamed", " words", " here"]
    assert final.content[0].text == "streamed words here"
    assert (final.usage.input_tokens, final.usage.output_tokens) == (4, 3)
    assert final.stop_reason == "end_turn"


def test_anthropic_raw_stream_events(fake_llm, ant):
    fake_llm.push_tool_call("calculator", {"input": "1+1"}, text="Let me compute.")
    events = list(ant.messages.create(model="c", max_tokens=10, messages=USER, stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start"
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == 2
    deltas = [e.delta.type for e in events if e.type == "content_block_delta"]
    assert "text_delta" in deltas and "input_json_delta" in deltas
    assert events[-2].delta.stop_reason == "tool_use"


def test_anthropic_tool_use_round_trip(fake_llm, ant):
    fake_llm.push_tool_call("calculator", {"input": "2+2"})
    with ant.messages.stream(model="c", max_tokens=10, messages=USER) as stream:
        first = stream.get_final_message()
    [block] = first.content
    assert (block.type, block.id, block.name, block.input) == (
        "tool_use",
        "toolu_1",
        "calculator",
        {"input": "2+2"},
    )
    fake_llm.set_handler(lambda req: f"got {req.tool_results[0].content}")
    second = ant.messages.create(
        model="c",
        max_tokens=10,
        messages=[
            *USER,
            {"role": "assistant", "content": [block.model_dump(include=BLOCK_KEYS)]},
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": block.id, "content": "4"}],
            },
        ],
    )
    assert second.content[0].text == "got 4"
    req = fake_llm.last_chat
    assert [m.role for m in req.messages] == ["user", "assistant", "tool"]
    assert req.messages[1].tool_calls == [FakeToolCall("calculator", {"input": "2+2"}, "toolu_1")]
    assert req.messages[2].tool_call_id == "toolu_1"


def test_anthropic_models_list(fake_llm, ant):
    fake_llm.set_models(["claude-a", "claude-b"], protocol="anthropic")
    assert [m.id for m in ant.models.list()] == ["claude-a", "claude-b"]
    assert fake_llm.last_request.protocol == "anthropic"


# -- Ollama ------------------------------------------------------------------------------------


def test_ollama_chat_plain_and_streamed(fake_llm, oll):
    body = {
        "model": "llama3.2",
        "messages": USER,
        "stream": False,
        "options": {"temperature": 0.1, "num_predict": 20},
    }
    data = oll.post("/api/chat", json=body).json()
    assert data["message"] == {"role": "assistant", "content": "echo: hello there"}
    assert data["done"] is True
    assert (data["prompt_eval_count"], data["eval_count"]) == (2, 3)
    req = fake_llm.last_chat
    assert (req.protocol, req.stream, req.temperature, req.max_tokens) == (
        "ollama",
        False,
        0.1,
        20,
    )
    fake_llm.push_text("a b", input_tokens=9, output_tokens=2)
    lines = ollama_lines(oll, {"model": "llama3.2", "messages": USER})  # streams by default
    assert "".join(line["message"]["content"] for line in lines) == "a b"
    assert [line["done"] for line in lines] == [False, False, True]
    assert (lines[-1]["prompt_eval_count"], lines[-1]["eval_count"]) == (9, 2)
    assert fake_llm.last_chat.stream is True


def test_ollama_tool_calls(fake_llm, oll):
    fake_llm.push_tool_call("calculator", {"input": "3*3"}, protocol="ollama")
    body = {
        "model": "llama3.2",
        "messages": USER,
        "tools": [{"type": "function", "function": TOOL}],
        "stream": False,
    }
    data = oll.post("/api/chat", json=body).json()
    [call] = data["message"]["tool_calls"]
    assert call["function"]["name"] == "calculator"
    assert call["function"]["arguments"] == {"input": "3*3"}
    assert fake_llm.last_chat.tools == [TOOL]
    fake_llm.push_tool_call("calculator", {"input": "1"})
    lines = ollama_lines(oll, {**body, "stream": True})
    assert [c["function"]["name"] for c in lines[-2]["message"]["tool_calls"]] == ["calculator"]
    assert lines[-1]["done"] is True
    followup = {
        "model": "llama3.2",
        "messages": [
            *USER,
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "content": "9", "tool_name": "calculator"},
        ],
        "stream": False,
    }
    oll.post("/api/chat", json=followup)
    assert fake_llm.last_chat.tool_results[0].content == "9"
    assert fake_llm.last_chat.tool_results[0].name == "calculator"
    assert fake_llm.last_chat.messages[1].tool_calls[0].arguments == {"input": "3*3"}


def test_ollama_embed_tags_show(fake_llm, oll):
    data = oll.post("/api/embed", json={"model": "nomic-embed-text", "input": ["x", "y"]}).json()
    assert data["embeddings"] == [fake_llm.embed_vector("x"), fake_llm.embed_vector("y")]
    legacy = oll.post("/api/embeddings", json={"model": "nomic-embed-text", "prompt": "x"}).json()
    assert legacy["embedding"] == fake_llm.embed_vector("x")
    fake_llm.set_models(["llama3.2", "qwen2.5:7b"])
    names = [m["name"] for m in oll.get("/api/tags").json()["models"]]
    assert names == ["llama3.2:latest", "qwen2.5:7b"]
    assert oll.post("/api/show", json={"model": "llama3.2"}).status_code == 200
    assert oll.get("/api/version").json()["version"]


# -- faults ------------------------------------------------------------------------------------

ERRORS = [
    ("auth", 401, openai.AuthenticationError, anthropic.AuthenticationError),
    ("unknown_model", 404, openai.NotFoundError, anthropic.NotFoundError),
    ("rate_limit", 429, openai.RateLimitError, anthropic.RateLimitError),
    ("server_error", 500, openai.InternalServerError, anthropic.InternalServerError),
    ("unavailable", 503, openai.InternalServerError, anthropic.InternalServerError),
]


@pytest.mark.parametrize(("kind", "status", "openai_error", "anthropic_error"), ERRORS)
def test_error_faults_in_each_provider_shape(
    fake_llm, oai, ant, oll, kind, status, openai_error, anthropic_error
):
    fake_llm.fault(kind, times=3, retry_after=2)
    with pytest.raises(openai_error) as oe:
        oai.chat.completions.create(model="gpt-x", messages=USER)
    assert oe.value.status_code == status
    assert set(oe.value.body) >= {"message", "type", "code"}  # the SDK unwraps {"error": ...}
    with pytest.raises(anthropic_error) as ae:
        ant.messages.create(model="claude-x", max_tokens=5, messages=USER, stream=True)
    assert ae.value.status_code == status
    assert ae.value.body["type"] == "error"
    assert set(ae.value.body["error"]) == {"type", "message"}
    assert ae.value.response.headers["request-id"]
    response = oll.post("/api/chat", json={"model": "llama-x", "messages": USER})
    assert response.status_code == status
    assert isinstance(response.json()["error"], str)
    if status == 429:
        assert response.headers["retry-after"] == "2"
        assert response.headers["retry-after-ms"] == "2000"
    if status == 404:
        assert oe.value.body["code"] == "model_not_found"
        assert "gpt-x" in oe.value.message
        assert ae.value.body["error"]["type"] == "not_found_error"
        assert response.json()["error"] == 'model "llama-x" not found, try pulling it first'
    # the fault is used up: the next call succeeds
    assert oll.post("/api/chat", json={"model": "m", "messages": USER}).status_code == 200


def test_rate_limit_then_success_with_sdk_retry(fake_llm):
    fake_llm.fault("rate_limit", retry_after=0.01)
    fake_llm.push("after the retry")
    with openai.OpenAI(base_url=fake_llm.openai_base_url, api_key="k", max_retries=2) as client:
        response = client.chat.completions.create(model="m", messages=USER)
    assert response.choices[0].message.content == "after the retry"
    assert len(fake_llm.chat_requests()) == 2


def test_faults_are_fifo_and_filtered(fake_llm, oai, ant, oll):
    fake_llm.fault("server_error", protocol="anthropic")
    fake_llm.fault("rate_limit", endpoint="embed")
    fake_llm.fault("auth", times=None, protocol="openai", endpoint="chat")
    for _ in range(2):
        with pytest.raises(openai.AuthenticationError):
            oai.chat.completions.create(model="m", messages=USER)
    assert oll.post("/api/chat", json={"model": "m", "messages": USER}).status_code == 200
    with pytest.raises(openai.RateLimitError):
        oai.embeddings.create(model="e", input="x")
    oai.embeddings.create(model="e", input="x")
    with pytest.raises(anthropic.InternalServerError):
        ant.messages.create(model="c", max_tokens=5, messages=USER)
    ant.messages.create(model="c", max_tokens=5, messages=USER)
    fake_llm.fault("http_error", status=418, message="teapot")
    assert oll.get("/api/tags").json() == {"error": "teapot"}
    with pytest.raises(ValueError, match="unknown fault"):
        fake_llm.fault("explode")


def test_malformed_json(fake_llm, oai, ant, oll):
    fake_llm.fault("malformed_json", times=None)
    with pytest.raises(json.JSONDecodeError):
        oai.chat.completions.create(model="m", messages=USER)
    with pytest.raises(json.JSONDecodeError):
        list(oai.chat.completions.create(model="m", messages=USER, stream=True))
    with pytest.raises(json.JSONDecodeError):
        ant.messages.create(model="c", max_tokens=5, messages=USER)
    with pytest.raises(json.JSONDecodeError):
        oll.post("/api/chat", json={"model": "m", "messages": USER, "stream": False}).json()
    with pytest.raises(json.JSONDecodeError):
        ollama_lines(oll, {"model": "m", "messages": USER})


def test_dropped_connections(fake_llm, oai, ant, oll):
    fake_llm.fault("drop", times=3)
    with pytest.raises(openai.APIConnectionError):
        oai.chat.completions.create(model="m", messages=USER)
    with pytest.raises(anthropic.APIConnectionError):
        ant.messages.create(model="c", max_tokens=5, messages=USER)
    with pytest.raises(httpx.RemoteProtocolError):
        oll.post("/api/chat", json={"model": "m", "messages": USER})
    fake_llm.fault("drop_mid", times=3)
    with pytest.raises(openai.APIConnectionError):
        oai.chat.completions.create(model="m", messages=USER)
    # a stream broken mid-body escapes the anthropic SDK unwrapped, as httpx2's error
    with (
        pytest.raises((anthropic.APIConnectionError, httpx2.RemoteProtocolError)),
        ant.messages.stream(model="c", max_tokens=5, messages=USER) as stream,
    ):
        stream.get_final_message()
    with pytest.raises(httpx.RemoteProtocolError):
        ollama_lines(oll, {"model": "m", "messages": USER})
    # the server is still fine afterwards
    assert oai.chat.completions.create(model="m", messages=USER).choices[0].message.content


def test_cut_stream_ends_without_the_terminator(fake_llm, oai, ant, oll):
    fake_llm.push("not consumed by the fault")
    fake_llm.fault("cut_stream", times=3)
    chunks = list(oai.chat.completions.create(model="m", messages=USER, stream=True))
    assert chunks  # some content arrived...
    assert all(c.choices[0].finish_reason is None for c in chunks)  # ...but no finish
    events = list(ant.messages.create(model="c", max_tokens=5, messages=USER, stream=True))
    assert events[0].type == "message_start"
    assert "message_stop" not in [e.type for e in events]
    lines = ollama_lines(oll, {"model": "m", "messages": USER})
    assert lines and not any(line["done"] for line in lines)
    assert oai.chat.completions.create(model="m", messages=USER).choices[0].message.content == (
        "not consumed by the fault"
    )


def test_latency_and_timeouts(fake_llm):
    fake_llm.fault("delay", delay=0.2)
    with openai.OpenAI(
        base_url=fake_llm.openai_base_url, api_key="k", max_retries=0, timeout=0.05
    ) as client:
        with pytest.raises(openai.APITimeoutError):
            client.chat.completions.create(model="m", messages=USER)
        started = time.monotonic()
        client.chat.completions.create(model="m", messages=USER)  # the fault was used up
        assert time.monotonic() - started < 0.2
    fake_llm.set_latency(chunk_delay=0.02)
    fake_llm.push_text("a b c d e")
    with httpx.Client(base_url=fake_llm.ollama_base_url) as client:
        started = time.monotonic()
        lines = ollama_lines(client, {"model": "m", "messages": USER})
        assert len(lines) == 6
        assert time.monotonic() - started >= 0.1


def test_reset_cuts_a_sleeping_request_short(fake_llm, oll):
    fake_llm.fault("delay", delay=30)
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(oll.post("/api/chat", json={"model": "m", "messages": USER}))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    fake_llm.wait_for_requests(1)
    started = time.monotonic()
    fake_llm.reset()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 2
    assert isinstance(outcome[0], httpx.RemoteProtocolError)
    assert fake_llm.requests == []


# -- auth, models, handler errors, lifecycle ---------------------------------------------------


def test_required_api_key(fake_llm, oai, ant, oll):
    fake_llm.require_api_key("right-key")
    with pytest.raises(openai.AuthenticationError):
        oai.chat.completions.create(model="m", messages=USER)
    with pytest.raises(anthropic.AuthenticationError):
        ant.messages.create(model="c", max_tokens=5, messages=USER)
    assert oll.post("/api/chat", json={"model": "m", "messages": USER}).status_code == 401
    headers = {"authorization": "Bearer right-key"}
    ok = oll.post("/api/chat", json={"model": "m", "messages": USER}, headers=headers)
    assert ok.status_code == 200
    with openai.OpenAI(
        base_url=fake_llm.openai_base_url, api_key="right-key", max_retries=0
    ) as client:
        assert client.chat.completions.create(model="m", messages=USER).choices
    with anthropic.Anthropic(
        base_url=fake_llm.anthropic_base_url, api_key="right-key", max_retries=0
    ) as client:
        assert client.messages.create(model="c", max_tokens=5, messages=USER).content


def test_known_models(fake_llm, oai, ant, oll):
    fake_llm.set_models(["gpt-4o-mini", "claude-3-5-haiku-latest", "llama3.2"])
    oai.chat.completions.create(model="gpt-4o-mini", messages=USER)
    with pytest.raises(openai.NotFoundError, match="gpt-5-nope"):
        oai.chat.completions.create(model="gpt-5-nope", messages=USER)
    with pytest.raises(openai.NotFoundError):
        oai.embeddings.create(model="nope", input="x")
    with pytest.raises(anthropic.NotFoundError, match="claude-nope"):
        ant.messages.create(model="claude-nope", max_tokens=5, messages=USER)
    body = {"model": "llama3.2:latest", "messages": USER, "stream": False}
    assert oll.post("/api/chat", json=body).status_code == 200
    assert oll.post("/api/chat", json={**body, "model": "mistral"}).status_code == 404


def test_handler_errors_answer_500_and_are_reported(fake_llm, oai):
    def broken(req: RecordedRequest) -> str:
        raise RuntimeError("bug in the test's handler")

    fake_llm.set_handler(broken, protocol="openai")
    with pytest.raises(openai.InternalServerError, match="bug in the test's handler"):
        oai.chat.completions.create(model="m", messages=USER)
    assert [str(e) for e in fake_llm.handler_errors] == ["bug in the test's handler"]
    fake_llm.handler_errors.clear()  # provoked on purpose: keep the fixture from failing


def test_bad_request_body_and_unknown_path(fake_llm, oll):
    response = oll.post("/api/chat", content=b"{not json")
    assert response.status_code == 400
    assert fake_llm.last_request.body is None and fake_llm.last_request.raw == b"{not json"
    assert oll.get("/nowhere").status_code == 404


def test_queues_per_protocol_before_shared(fake_llm, oai, ant):
    fake_llm.push("shared")
    fake_llm.push("for anthropic", protocol="anthropic")
    assert ant.messages.create(model="c", max_tokens=5, messages=USER).content[0].text == (
        "for anthropic"
    )
    assert oai.chat.completions.create(model="m", messages=USER).choices[0].message.content == (
        "shared"
    )
    assert ant.messages.create(model="c", max_tokens=5, messages=USER).content[0].text == (
        "echo: hello there"
    )


def test_providers_toml_points_at_the_server(fake_llm):
    import tomllib

    tables = tomllib.loads(fake_llm.providers_toml(api_key="k"))["providers"]
    assert tables["openai"]["base_url"] == fake_llm.openai_base_url
    assert tables["anthropic"]["api_key"] == "k"
    assert set(tables) == {"openai", "anthropic", "ollama"}


def test_standalone_server_stops_cleanly():
    before = set(threading.enumerate())
    with FakeProviderServer() as server:
        client = httpx.Client(base_url=server.url)  # keeps an idle keep-alive connection
        assert client.get("/api/tags").status_code == 200
        server.fault("delay", delay=30)
        errors: list[Exception] = []

        def sleep() -> None:
            try:
                client.get("/api/tags")
            except httpx.HTTPError as exc:
                errors.append(exc)

        sleeper = threading.Thread(target=sleep)
        sleeper.start()
        server.wait_for_requests(2)
        started = time.monotonic()
    assert time.monotonic() - started < 2
    sleeper.join(timeout=5)
    client.close()
    assert isinstance(errors[0], httpx.RemoteProtocolError)
    assert set(threading.enumerate()) <= before


def test_env_points_the_sdks_at_the_server(fake_llm, monkeypatch):
    for name, value in fake_llm.env(api_key="from-env").items():
        monkeypatch.setenv(name, value)
    with openai.OpenAI(max_retries=0) as client:
        client.chat.completions.create(model="m", messages=USER)
    with anthropic.Anthropic(max_retries=0) as client:
        client.messages.create(model="c", max_tokens=5, messages=USER)
    assert [(r.protocol, r.api_key) for r in fake_llm.requests] == [
        ("openai", "from-env"),
        ("anthropic", "from-env"),
    ]
