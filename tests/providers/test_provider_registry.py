"""ProviderRegistry: model strings, building without network, listing, availability."""

from __future__ import annotations

from pathlib import Path

import pytest
from provider_cases import MODELS

from fakes import FakeProviderServer
from llmspell.config import config_from_toml
from llmspell.core.errors import ProviderAuthError, ProviderError
from llmspell.providers import ChatMessage, ChatRequest, ProviderRegistry


def make(tmp_path: Path, toml: str = "", env: dict[str, str] | None = None) -> ProviderRegistry:
    config = config_from_toml(toml).config.providers
    return ProviderRegistry(config, home=tmp_path / "home", env=env or {})


def hello(model: str) -> ChatRequest:
    return ChatRequest(model=model, messages=[ChatMessage(role="user", content="hi")])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("openai/gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("ollama/llama3.1:8b", ("ollama", "llama3.1:8b")),
        ("openrouter/meta-llama/llama-3-70b", ("openrouter", "meta-llama/llama-3-70b")),
        ("gpt-4o", ("openai", "gpt-4o")),
        (" anthropic/claude-3-5-haiku-latest ", ("anthropic", "claude-3-5-haiku-latest")),
    ],
)
def test_parse_model_splits_on_the_first_slash(tmp_path, spec, expected):
    assert make(tmp_path).parse_model(spec) == expected


def test_no_slash_means_the_configured_default_provider(tmp_path):
    registry = make(tmp_path, '[providers]\ndefault_provider = "ollama"\n[providers.ollama]\n')
    assert registry.parse_model("llama3.2") == ("ollama", "llama3.2")


def test_an_empty_model_string_is_refused(tmp_path):
    with pytest.raises(ProviderError, match="model name is empty"):
        make(tmp_path).parse_model("  ")


def test_building_makes_no_network_call_and_is_cached(registry, fake_llm: FakeProviderServer):
    built = {p: registry.chat_model(p, m) for p, m in MODELS.items()}

    assert fake_llm.requests == []
    assert registry.chat_model("openai", "gpt-4o-mini") is built["openai"]
    assert registry.chat_model("openai", "gpt-4o") is not built["openai"]
    assert (
        registry.chat_model("openai", "gpt-4o-mini", base_url="http://x/v1") is not built["openai"]
    )
    assert {(m.provider, m.model) for m in built.values()} == set(MODELS.items())


def test_building_imports_no_sdk_before_the_first_call(tmp_path):
    import subprocess
    import sys

    code = (
        "import sys\nfrom pathlib import Path\nfrom llmspell.config import config_from_toml\n"
        "from llmspell.providers import ProviderRegistry\n"
        "env = {'OPENAI_API_KEY': 'k', 'ANTHROPIC_API_KEY': 'k'}\n"
        "r = ProviderRegistry(config_from_toml('').config.providers, home=Path('.'), env=env)\n"
        "r.parse_model('openai/gpt-4o'); r.price('openai', 'gpt-4o'); r.list()\n"
        "r.chat_model('openai', 'gpt-4o'); r.chat_model('anthropic', 'claude-3-5-haiku')\n"
        "print(sorted(m for m in ('openai', 'anthropic', 'httpx') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert out.stdout.strip() == "[]"


def test_missing_key_names_both_fixes(tmp_path):
    with pytest.raises(ProviderAuthError) as info:
        make(tmp_path).chat_model("openai", "gpt-4o-mini")
    text = str(info.value)
    assert "`llmspell keys add openai`" in text
    assert "`OPENAI_API_KEY`" in text
    assert "'gpt-4o-mini'" in text


def test_missing_key_names_the_configured_variable(tmp_path):
    registry = make(tmp_path, '[providers.anthropic]\napi_key_env = "MY_CLAUDE_KEY"\n')
    with pytest.raises(ProviderAuthError, match="`MY_CLAUDE_KEY`"):
        registry.chat_model("anthropic", "claude-3-5-haiku-latest")


def test_unknown_provider(tmp_path):
    with pytest.raises(ProviderError) as info:
        make(tmp_path).chat_model("nosuch", "model-x")
    text = str(info.value)
    assert "Unknown provider 'nosuch'" in text
    assert "'model-x'" in text
    assert "base_url" in text


def test_local_servers_need_a_base_url(tmp_path):
    with pytest.raises(ProviderError, match=r"base_url.*http://localhost:8000/v1"):
        make(tmp_path).chat_model("vllm", "qwen2.5")


def test_any_openai_compatible_server_by_base_url(tmp_path, fake_llm):
    registry = make(tmp_path, f'[providers.mybox]\nbase_url = "{fake_llm.openai_base_url}"\n')
    fake_llm.push("from my box")
    try:
        reply = registry.chat_model("mybox", "qwen2.5").chat(hello("qwen2.5"))
    finally:
        registry.close()
    assert reply.text == "from my box"
    assert fake_llm.last_chat.protocol == "openai"


def test_ollama_needs_no_key_and_honours_ollama_host(tmp_path, fake_llm):
    host = fake_llm.ollama_base_url.removeprefix("http://")
    registry = make(tmp_path, env={"OLLAMA_HOST": host})
    fake_llm.push("local hello")
    try:
        assert registry.chat_model("ollama", "llama3.2").chat(hello("llama3.2")).text == (
            "local hello"
        )
    finally:
        registry.close()
    assert fake_llm.last_chat.api_key is None


def test_endpoint_from_llmspell_env_and_explicit_base_url(tmp_path, fake_llm):
    env = {"LLMSPELL_OPENAI_ENDPOINT": fake_llm.openai_base_url, "ANTHROPIC_API_KEY": "ak"}
    registry = make(tmp_path, env={**env, "OPENAI_API_KEY": "ok"})
    try:
        registry.chat_model("openai", "gpt-4o").chat(hello("gpt-4o"))
        assert fake_llm.last_chat.protocol == "openai"
        model = registry.chat_model(
            "anthropic", "claude-3-5-haiku-latest", base_url=fake_llm.anthropic_base_url
        )
        model.chat(hello("claude-3-5-haiku-latest"))
        assert (fake_llm.last_chat.protocol, fake_llm.last_chat.api_key) == ("anthropic", "ak")
    finally:
        registry.close()


def test_the_default_model_fills_an_empty_model(registry, fake_llm):
    assert registry.chat_model("ollama", None).model == "llama3.2"
    assert registry.chat_model("openai", "").model == "gpt-4o-mini"


def test_no_model_at_all_is_an_error(tmp_path):
    with pytest.raises(ProviderError, match=r"'groq/<model>'.*default_model"):
        make(tmp_path, env={"GROQ_API_KEY": "g"}).chat_model("groq", None)


def test_a_disabled_provider_is_refused(tmp_path):
    registry = make(tmp_path, '[providers.openai]\napi_key = "k"\nenabled = false\n')
    with pytest.raises(ProviderError, match=r"providers\.openai\.enabled = true"):
        registry.chat_model("openai", "gpt-4o")
    assert not registry.is_available("openai")


def test_list_is_empty_with_nothing_configured(tmp_path):
    registry = make(tmp_path)
    assert registry.list() == []
    assert registry.get("openai") is None
    assert registry.capabilities("openai") is None
    assert not registry.is_available("openai")


def test_list_has_configured_providers_then_those_with_keys(tmp_path):
    registry = make(
        tmp_path,
        '[providers.anthropic]\napi_key_env = "MISSING_VAR"\ndefault_model = "claude-3-haiku"\n',
        env={"OPENAI_API_KEY": "sk-x", "LLMSPELL_GROQ_API_KEY": "gk"},
    )
    entries = registry.list()

    assert [e["name"] for e in entries] == ["anthropic", "openai", "groq"]
    first = entries[0]
    assert first["enabled"] is True
    assert first["provider_type"] == "anthropic"
    assert first["default_model"] == "claude-3-haiku"
    caps = first["capabilities"]
    assert caps["supports_streaming"] is True
    assert caps["supports_multimodal"] is True
    assert caps["max_context_tokens"] == 200_000
    assert caps["available_models"][0] == "claude-3-haiku"
    assert registry.is_available("openai")
    assert registry.is_available("groq")
    assert not registry.is_available("anthropic")  # its variable is not set
    assert registry.get("OpenAI") == registry.get("openai")


def test_a_stored_key_makes_a_vendor_usable(tmp_path):
    registry = make(tmp_path)
    registry.keys.set("deepseek", "dk-1234567890")
    assert [e["name"] for e in registry.list()] == ["deepseek"]
    assert registry.is_available("deepseek")


def test_ollama_models_come_from_its_tags(registry, fake_llm):
    fake_llm.set_models(["llama3.2", "qwen2.5:7b"])
    models = registry.capabilities("ollama")["available_models"]
    assert models[0] == "llama3.2"
    assert "qwen2.5:7b" in models


def test_ollama_that_is_not_running_still_lists(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    registry = make(
        tmp_path,
        f'[providers.ollama]\nbase_url = "http://127.0.0.1:{port}"\ndefault_model = "phi3"\n',
    )
    assert registry.capabilities("ollama")["available_models"] == ["phi3"]
    assert registry.is_available("ollama")


def test_close_closes_and_forgets_models(registry):
    first = registry.chat_model("openai", "gpt-4o-mini")
    registry.close()
    assert registry.chat_model("openai", "gpt-4o-mini") is not first


def test_a_custom_openai_compatible_server_on_a_local_host_needs_no_key(tmp_path, fake_llm):
    from llmspell.config import config_from_toml
    from llmspell.providers import ProviderRegistry

    toml = f'[providers.local]\nprovider_type = "openai"\nbase_url = "{fake_llm.openai_base_url}"\n'
    config = config_from_toml(toml).config
    registry = ProviderRegistry(config.providers, home=tmp_path)
    try:
        fake_llm.push("keyless answer")
        from llmspell.providers.base import ChatMessage, ChatRequest

        model = registry.chat_model("local", "qwen")
        reply = model.chat(
            ChatRequest(model="qwen", messages=[ChatMessage(role="user", content="hi")])
        )
        assert reply.text == "keyless answer"
    finally:
        registry.close()
