"""`Agent` end to end: Lua spells through the real provider SDKs against the fake server."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes import FakeProviderServer, Reply
from llmspell import Runtime
from llmspell.config.loader import config_from_toml
from llmspell.core.output import CaptureSink

PROTOCOLS = ["openai", "anthropic", "ollama"]
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-haiku-latest", "ollama": "llama3.2"}


def providers_toml(
    fake: FakeProviderServer, *, max_retries: int = 0, timeout: int = 2, extra: str = ""
) -> str:
    """The fake's provider tables, with retries and a short timeout for the error tests."""
    lines = []
    for line in fake.providers_toml().splitlines():
        lines.append(line)
        if line.startswith("[providers."):
            lines.append(f"max_retries = {max_retries}")
            lines.append(f"timeout_seconds = {timeout}")
    return "\n".join(lines) + "\n" + extra


@pytest.fixture
def spell(fake_llm: FakeProviderServer, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Run Lua in a runtime whose providers point at the fake server."""
    runtimes: list[Runtime] = []

    def run(code: str, *, toml: str | None = None) -> object:
        if not runtimes or toml is not None:
            loaded = config_from_toml(toml if toml is not None else providers_toml(fake_llm))
            runtimes.append(Runtime(loaded, sink=CaptureSink(), cwd=tmp_path))
        values = runtimes[-1].run_code(code)
        if not values:
            return None
        return values[0] if len(values) == 1 else values

    yield run
    for runtime in runtimes:
        runtime.close()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_plain_chat_with_memory_as_real_messages(spell, fake_llm, protocol):
    fake_llm.push(Reply(text="Paris", input_tokens=12, output_tokens=2), protocol=protocol)
    fake_llm.push("About 2.1 million", protocol=protocol)
    result, second = spell(
        f"""
        local a = Agent.builder():name("geo"):model("{protocol}/{MODELS[protocol]}")
          :system_prompt("You answer briefly."):temperature(0.2):max_tokens(64):build()
        local r = a:execute("Capital of France?")
        local r2 = a:execute({{text = "Its population?"}})
        return r, r2.text
        """
    )
    assert result["text"] == result["content"] == result["response"] == "Paris"
    meta = result["metadata"]
    assert (meta["provider"], meta["model"]) == (protocol, MODELS[protocol])
    assert meta["usage"] == {"input_tokens": 12, "output_tokens": 2, "total_tokens": 14}
    assert meta["finish_reason"] == "stop" and meta["duration_ms"] > 0
    assert "tool_calls" not in result
    assert second == "About 2.1 million"
    first_req, second_req = fake_llm.chat_requests(protocol)
    assert first_req.system == "You answer briefly."
    assert (first_req.temperature, first_req.max_tokens) == (0.2, 64)
    assert [(m.role, m.content) for m in second_req.messages if m.role != "system"] == [
        ("user", "Capital of France?"),
        ("assistant", "Paris"),
        ("user", "Its population?"),
    ]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_streaming_calls_back_per_chunk(spell, fake_llm, protocol):
    fake_llm.push(Reply(text="one two three", chunks=["one ", "two ", "three"]), protocol=protocol)
    pieces, result = spell(
        f"""
        local a = Agent.builder():name("s"):model("{protocol}/{MODELS[protocol]}"):build()
        local pieces = {{}}
        local r = a:stream("count", function(chunk) pieces[#pieces + 1] = chunk.delta end)
        return pieces, r
        """
    )
    assert pieces == ["one ", "two ", "three"]
    assert result["text"] == "one two three" and result["chunks_received"] == 3
    assert result["metadata"]["usage"]["output_tokens"] > 0
    assert fake_llm.last_chat.stream is True


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tool_calling_with_a_builtin_and_a_lua_tool(spell, fake_llm, protocol):
    fake_llm.push_tool_call("calculator", {"input": "17 * 3"}, protocol=protocol)
    fake_llm.push_tool_call("greet", {"who": "Ada"}, protocol=protocol)
    fake_llm.push("17 * 3 = 51, and Hello, Ada!", protocol=protocol)
    result = spell(
        f"""
        Tool.register{{name = "greet", description = "Greet someone",
          parameters = {{who = {{type = "string", required = true}}}},
          execute = function(p) return "Hello, " .. p.who .. "!" end}}
        local a = Agent.builder():name("t"):model("{protocol}/{MODELS[protocol]}")
          :allow_tool("calculator"):allow_tool("greet"):build()
        return a:execute("compute and greet")
        """
    )
    assert result["text"] == "17 * 3 = 51, and Hello, Ada!"
    assert [(c["name"], c["output"]) for c in result["tool_calls"]] == [
        ("calculator", "51"),
        ("greet", "Hello, Ada!"),
    ]
    first, _, last = fake_llm.chat_requests(protocol)
    assert {t["name"] for t in first.tools} == {"calculator", "greet"}
    greet = next(t for t in first.tools if t["name"] == "greet")
    assert greet["parameters"]["required"] == ["who"]
    assert [r.content for r in last.tool_results] == ["51", "Hello, Ada!"]
    assert result["metadata"]["rounds"] == 3


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_streaming_with_tool_calls(spell, fake_llm, protocol):
    fake_llm.push_tool_call("calculator", {"input": "2 ** 10"}, protocol=protocol)
    fake_llm.push(Reply(text="It is 1024.", chunks=["It is ", "1024."]), protocol=protocol)
    pieces, result = spell(
        f"""
        local a = Agent.builder():name("st"):model("{protocol}/{MODELS[protocol]}")
          :allow_tool("calculator"):build()
        local pieces = {{}}
        local r = a:stream("2^10?", function(chunk) pieces[#pieces + 1] = chunk.text end)
        return pieces, r
        """
    )
    assert "".join(pieces) == "It is 1024." and result["text"] == "It is 1024."
    assert result["tool_calls"][0]["output"] == "1024"
    assert [r.stream for r in fake_llm.chat_requests(protocol)] == [True, True]


def test_max_tool_calls_through_a_real_provider(spell, fake_llm):
    for _ in range(4):
        fake_llm.push_tool_call("calculator", {"input": "1+1"})
    ok, err, history = spell(
        """
        local a = Agent.builder():name("greedy"):model("openai/gpt-4o-mini")
          :allow_tool("calculator"):max_tool_calls(3):build()
        local ok, err = pcall(a.execute, a, "loop")
        return ok, err, #a:get_history()
        """
    )
    assert ok is False
    assert "Agent 'greedy'" in err and "`max_tool_calls` = 3" in err
    assert history == 0


def test_cost_from_usage_and_metrics_totals(spell, fake_llm):
    fake_llm.push(Reply(text="a", input_tokens=1_000_000, output_tokens=0))
    fake_llm.push(Reply(text="b", input_tokens=0, output_tokens=1_000_000))
    cost1, cost2, metrics = spell(
        """
        local a = Agent.builder():name("spender"):model("openai/gpt-4o-mini"):build()
        local c1 = a:execute("x").metadata.cost_usd
        local c2 = a:execute("y").metadata.cost_usd
        return c1, c2, a:get_metrics()
        """
    )
    assert cost1 == pytest.approx(0.15) and cost2 == pytest.approx(0.60)
    assert metrics["cost_usd"] == pytest.approx(0.75)
    assert (metrics["input_tokens"], metrics["output_tokens"]) == (1_000_000, 1_000_000)
    assert metrics["requests_total"] == 2


def test_config_price_override(spell, fake_llm):
    toml = providers_toml(fake_llm) + (
        '\n[providers.openai.prices]\n"gpt-4o-mini" = { input = 1.0, output = 2.0 }\n'
    )
    fake_llm.push(Reply(text="a", input_tokens=500_000, output_tokens=500_000))
    cost = spell(
        'return Agent.create{model = "openai/gpt-4o-mini"}:execute("x").metadata.cost_usd',
        toml=toml,
    )
    assert cost == pytest.approx(1.5)


def test_json_answers_are_not_flattened_and_structured_output_is_sent(spell, fake_llm):
    answer = json.dumps({"success": True, "result": 4, "operation": "add"})
    fake_llm.push(answer)
    result = spell(
        """
        local a = Agent.builder():name("j"):model("openai/gpt-4o-mini"):build()
        return a:execute({text = "add", response_format = {type = "object",
          properties = {result = {type = "number"}}, required = {"result"}}})
        """
    )
    assert result["text"] == answer and "success" in result and result["success"] is True
    assert "operation" not in result
    body = fake_llm.last_chat.body
    assert body["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("auth", ["401"]),
        ("server_error", ["500"]),
        ("rate_limit", ["429"]),
        ("malformed_json", []),
        ("unknown_model", ["404"]),
    ],
)
def test_provider_failures_are_catchable_and_leave_history(spell, fake_llm, protocol, fault, words):
    fake_llm.push("first answer", protocol=protocol)
    spell(
        f"""
        local a = Agent.builder():name("fragile"):model("{protocol}/{MODELS[protocol]}"):build()
        assert(a:execute("hello").text == "first answer")
        """
    )
    fake_llm.fault(fault, protocol=protocol, times=None)
    ok, err, history = spell(
        """
        local a = Agent.get("fragile")
        local ok, err = pcall(a.execute, a, "again")
        return ok, err, #a:get_history()
        """
    )
    assert ok is False
    assert protocol in err and MODELS[protocol] in err
    for word in words:
        assert word in err
    assert history == 2


def test_retries_recover_from_a_rate_limit(spell, fake_llm):
    fake_llm.fault("rate_limit", protocol="ollama", times=1)
    fake_llm.push("after retry", protocol="ollama")
    toml = providers_toml(fake_llm, max_retries=2) + (
        "\n[providers.ollama.retry]\ninitial_delay_ms = 10\nmax_delay_ms = 50\n"
    )
    text = spell('return Agent.create{model = "ollama/llama3.2"}:execute("x").text', toml=toml)
    assert text == "after retry"
    assert len(fake_llm.chat_requests("ollama")) == 2


def test_timeout_and_refused_connection(spell, fake_llm):
    fake_llm.fault("delay", delay=3, times=1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    closed_url = f"http://127.0.0.1:{closed_port}/v1"
    ok1, e1, ok2, e2 = spell(
        f"""
        local slow = Agent.create{{name = "slow", model = "openai/gpt-4o-mini"}}
        local ok1, e1 = pcall(slow.execute, slow, "x")
        local gone = Agent.builder():name("gone"):model("openai/gpt-4o-mini")
          :base_url("http://127.0.0.1:{closed_port}/v1"):api_key("k"):build()
        local ok2, e2 = pcall(gone.execute, gone, "x")
        return ok1, e1, ok2, e2
        """,
        toml=providers_toml(fake_llm, timeout=1),
    )
    assert ok1 is False
    assert "provider 'openai' (model 'gpt-4o-mini') timed out after 1 s" in e1
    assert ok2 is False
    assert f"Cannot connect to provider 'openai' (model 'gpt-4o-mini') at {closed_url}" in e2


def test_build_fails_without_a_key_or_with_an_unknown_provider(spell, fake_llm):
    toml = '[providers.openai]\nbase_url = "' + fake_llm.openai_base_url + '"\n'
    ok1, e1, ok2, e2 = spell(
        """
        local ok1, e1 = pcall(function()
          return Agent.builder():model("openai/gpt-4o-mini"):build() end)
        local ok2, e2 = pcall(function()
          return Agent.builder():model("nosuch/model-x"):build() end)
        return ok1, e1, ok2, e2
        """,
        toml=toml,
    )
    assert ok1 is False and "OPENAI_API_KEY" in e1 and "llmspell keys add" in e1
    assert ok2 is False and "Unknown provider 'nosuch'" in e2
    assert fake_llm.requests == []


def test_any_openai_compatible_server_by_base_url(spell, fake_llm):
    toml = (
        f'[providers.local]\nprovider_type = "openai"\nbase_url = "{fake_llm.openai_base_url}"\n'
        'api_key = "local-key"\n'
    )
    fake_llm.push("from the local server")
    text = spell('return Agent.create{model = "local/qwen2.5-7b"}:execute("hi").text', toml=toml)
    assert text == "from the local server"
    request = fake_llm.last_chat
    assert (request.protocol, request.model, request.api_key) == (
        "openai",
        "qwen2.5-7b",
        "local-key",
    )


def test_wrapped_agent_and_composite_over_real_providers(spell, fake_llm):
    fake_llm.push("draft v1", protocol="anthropic")
    fake_llm.push("polished v1", protocol="openai")
    result, tool_text = spell(
        """
        Agent.builder():name("drafter"):model("anthropic/claude-3-5-haiku-latest"):build()
        Agent.builder():name("polisher"):model("openai/gpt-4o-mini"):build()
        local team = Agent.create_composite("team", {"drafter", "polisher"}, {})
        local r = team:execute("write")
        Agent.wrap_as_tool("drafter", {tool_name = "ask_drafter"})
        local via = Tool.invoke("ask_drafter", {input = "another"})
        return r, via.text
        """
    )
    assert result["text"] == "polished v1"
    assert result["metadata"]["cost_usd"] > 0
    assert fake_llm.chat_requests("openai")[0].last_user_text == "draft v1"
    assert tool_text == "echo: another"


def test_save_and_load_state_across_runtimes(spell, fake_llm, tmp_path):
    fake_llm.push("I will remember 42")
    spell(
        """
        local a = Agent.builder():name("memo"):model("openai/gpt-4o-mini"):build()
        a:execute("remember 42")
        assert(a:save_state())
        """
    )
    history = spell(
        """
        local a = Agent.builder():name("memo"):model("openai/gpt-4o-mini"):build()
        assert(a:load_state())
        a:execute("what number?")
        return a:get_history()
        """,
        toml=providers_toml(fake_llm),
    )
    assert [m["content"] for m in history][:2] == ["remember 42", "I will remember 42"]
    sent = [m.content for m in fake_llm.last_chat.messages if m.role != "system"]
    assert sent == ["remember 42", "I will remember 42", "what number?"]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_example_chat_spell_runs_against_a_configured_provider(cli, fake_llm):
    fake_llm.push("Galileo Galilei.", "His telescope observations.", "Dark, deep, starry.")
    result = cli("run", str(EXAMPLES / "agent-chat.lua"), env=fake_llm.env())
    assert result.code == 0, result.stderr
    assert "Agent chat on openai/gpt-4o-mini" in result.stdout
    assert "His telescope observations." in result.stdout
    assert "Dark, deep, starry." in result.stdout and "agent total: 3 requests" in result.stdout
    second = fake_llm.chat_requests()[1]
    assert [m.content for m in second.messages if m.role == "user"] == [
        "Name one famous astronomer.",
        "What is that person best known for?",
    ]


def test_example_tools_spell_runs_the_tool_loop(cli, fake_llm):
    fake_llm.push_tool_calls(
        ("unit_price", {"product": "apple"}), ("unit_price", {"product": "melon"})
    )
    fake_llm.push_tool_call("calculator", {"input": "12 * 0.40 + 3 * 2.10"})
    fake_llm.push("12 apples and 3 melons cost $11.10.")
    result = cli(
        "run",
        str(EXAMPLES / "agent-tools.lua"),
        "--",
        "--model",
        "anthropic/claude-3-5-haiku-latest",
        env=fake_llm.env(),
    )
    assert result.code == 0, result.stderr
    assert 'tool 1: unit_price({"product":"apple"}) -> 0.4' in result.stdout
    assert "tool 3: calculator" in result.stdout and "-> 11.1" in result.stdout
    assert "12 apples and 3 melons cost $11.10." in result.stdout
    assert "3 model calls, 3 tool calls" in result.stdout
    assert {t["name"] for t in fake_llm.chat_requests("anthropic")[0].tools} == {
        "calculator",
        "unit_price",
    }


def test_example_spell_without_a_key_explains_what_to_do(cli):
    result = cli("run", str(EXAMPLES / "agent-chat.lua"))
    assert result.code == 1
    assert "Could not build an agent for openai/gpt-4o-mini" in result.stdout
    assert "OPENAI_API_KEY" in result.stdout


_PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5E"
    "rkJggg=="
)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_images_reach_each_provider_in_its_own_shape(spell, fake_llm, protocol):
    fake_llm.push("a red pixel", protocol=protocol)
    text = spell(
        f"""
        local a = Agent.builder():model("{protocol}/{MODELS[protocol]}"):build()
        return a:execute({{text = "What is this?",
          media = {{ {{base64 = "{_PIXEL}", format = "png"}} }}}}).text
        """
    )
    assert text == "a red pixel"
    body = fake_llm.last_chat.body
    user = [m for m in body["messages"] if m["role"] == "user"][-1]
    if protocol == "openai":
        parts = {p["type"]: p for p in user["content"]}
        assert parts["text"]["text"] == "What is this?"
        assert parts["image_url"]["image_url"]["url"] == f"data:image/png;base64,{_PIXEL}"
    elif protocol == "anthropic":
        image = next(b for b in user["content"] if b["type"] == "image")
        assert image["source"] == {"type": "base64", "media_type": "image/png", "data": _PIXEL}
    else:
        assert user["images"] == [_PIXEL] and user["content"] == "What is this?"


def test_bad_image_input_is_refused_before_any_request(spell, fake_llm):
    ok, message = spell(
        """
        local a = Agent.builder():model("openai/gpt-4o-mini"):build()
        return pcall(a.execute, a, {text = "hi", image = {format = "png"}})
        """
    )
    assert ok is False and "each image needs `base64`" in message
    assert fake_llm.requests == []
