"""`Config.setProvider` / `Config.removeProvider`: run-only provider changes from a spell."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes import FakeProviderServer
from llmspell import Runtime
from llmspell.config import load_config
from llmspell.config.loader import config_from_toml
from llmspell.core.errors import ScriptError
from llmspell.core.output import CaptureSink


def run(runtime: Runtime, code: str) -> object:
    values = runtime.run_code(code)
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def error_of(runtime: Runtime, code: str) -> str:
    with pytest.raises(ScriptError) as info:
        runtime.run_code(code)
    return str(info.value)


@pytest.fixture
def make_runtime(tmp_path: Path) -> Iterator[Callable[[str], Runtime]]:
    """A runtime from TOML text (no file, profile or environment)."""
    runtimes: list[Runtime] = []

    def make(toml: str = "") -> Runtime:
        runtime = Runtime(config_from_toml(toml), sink=CaptureSink(), cwd=tmp_path)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        runtime.close()


def dead_url() -> str:
    """An OpenAI-style base URL on a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_provider_set_by_the_spell_serves_agents(runtime, fake_llm: FakeProviderServer):
    fake_llm.push("hello from the local server")
    text, base_url, providers = run(
        runtime,
        f"""
        Config.setProvider("local", {{provider_type = "openai",
                                      base_url = "{fake_llm.openai_base_url}"}})
        local agent = Agent.builder():name("a"):model("local/some-model"):build()
        local r = agent:execute("hi")
        return r.text, Config.get("providers.local.base_url"), Config.listProviders()
        """,
    )
    assert text == "hello from the local server"
    assert base_url == fake_llm.openai_base_url
    assert providers == ["local"]
    request = fake_llm.last_chat
    assert request is not None and request.model == "some-model"


def test_getprovider_and_permissions_reflect_the_change(runtime):
    provider, permissions = run(
        runtime,
        """
        Config.setProvider("vllm", {base_url = "http://127.0.0.1:8000/v1", model = "qwen",
                                    timeout_seconds = 30, temperature = 0.1})
        return Config.getProvider("vllm"), Config.getPermissions()
        """,
    )
    assert provider == {
        "name": "vllm",
        "provider_type": "vllm",
        "enabled": True,
        "base_url": "http://127.0.0.1:8000/v1",
        "default_model": "qwen",
        "timeout_seconds": 30,
        "temperature": 0.1,
    }
    assert permissions["modify_providers"] is True
    assert permissions["modify_security"] is False and permissions["access_secrets"] is False


def test_a_wrong_type_names_the_key_and_changes_nothing(runtime):
    message = error_of(runtime, 'Config.setProvider("local", {timeout_seconds = "soon"})')
    assert "key `providers.local.timeout_seconds`" in message
    assert "expected an integer, got string 'soon'" in message
    message = error_of(runtime, 'Config.setProvider("local", {rate_limit = {auto_retry = 1}})')
    assert "`providers.local.rate_limit.auto_retry`" in message and "boolean" in message
    assert run(runtime, "return #Config.listProviders()") == 0


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('Config.setProvider("x/y", {})', "must not contain '/'"),
        ('Config.setProvider("", {})', "non-empty string"),
        ('Config.setProvider("x", "http://h")', "must be a table, got string"),
    ],
)
def test_bad_arguments(runtime, code, expected):
    assert expected in error_of(runtime, code)


def test_an_api_key_in_the_spell_is_refused(runtime):
    message = error_of(
        runtime, 'Config.setProvider("local", {base_url = "http://127.0.0.1:1", api_key = "sk-1"})'
    )
    assert "`providers.local.api_key` is refused" in message
    assert "api_key_env" in message and "llmspell keys add" in message
    assert "sk-1" not in message
    assert run(runtime, 'return Config.getProvider("local")') is None
    run(runtime, 'Config.setProvider("local", {api_key_env = "LOCAL_KEY"})')  # a name is fine
    assert run(runtime, 'return Config.get("providers.local.api_key_env")') == "LOCAL_KEY"


def test_changes_can_be_switched_off(make_runtime):
    runtime = make_runtime("[runtime.security]\nallow_config_changes = false\n")
    for code in ('Config.setProvider("local", {})', 'Config.removeProvider("local")'):
        message = error_of(runtime, code)
        assert "`runtime.security.allow_config_changes = false`" in message
    assert run(runtime, "return Config.getPermissions().modify_providers") is False
    assert run(runtime, "return #Config.listProviders()") == 0


def test_the_switch_has_an_environment_variable(tmp_path):
    loaded = load_config(env={"LLMSPELL_ALLOW_CONFIG_CHANGES": "false"}, cwd=tmp_path)
    assert loaded.config.runtime.security.allow_config_changes is False
    with Runtime(loaded, sink=CaptureSink(), cwd=tmp_path) as runtime:
        message = error_of(runtime, 'Config.setProvider("local", {})')
    assert "runtime.security.allow_config_changes" in message


def test_a_hook_can_cancel_a_change(runtime):
    seen, message, providers = run(
        runtime,
        """
        local seen
        Hook.register("ConfigurationChange", function(ctx)
          seen = {path = ctx.path, action = ctx.action, old = ctx.old, new = ctx.new,
                  component = ctx.component_id.name, kind = ctx.component_id.type}
          return {type = "cancel", reason = "no new providers here"}
        end)
        local ok, err = pcall(Config.setProvider, "local",
                              {base_url = "http://127.0.0.1:8000/v1"})
        return seen, tostring(err), #Config.listProviders()
        """,
    )
    assert "Configuration change to providers.local cancelled by a hook: no new providers here" in (
        message
    )
    assert providers == 0
    assert seen["path"] == "providers.local" and seen["action"] == "set"
    assert (seen["component"], seen["kind"]) == ("config", "system")
    assert seen.get("old") is None
    assert seen["new"]["base_url"] == "http://127.0.0.1:8000/v1"


def test_a_hook_can_modify_the_settings_applied(runtime, fake_llm: FakeProviderServer):
    fake_llm.push("answered by the fake")
    text, base_url = run(
        runtime,
        f"""
        Hook.register("ConfigurationChange", function(ctx)
          return {{type = "modified", data = {{base_url = "{fake_llm.openai_base_url}"}}}}
        end)
        Config.setProvider("local", {{provider_type = "openai", base_url = "{dead_url()}",
                                      max_retries = 0}})
        local r = Agent.builder():model("local/m"):build():execute("hi")
        return r.text, Config.getProvider("local").base_url
        """,
    )
    assert text == "answered by the fake"
    assert base_url == fake_llm.openai_base_url


def test_settings_from_a_hook_are_validated_again(runtime):
    message = error_of(
        runtime,
        """
        Hook.register("ConfigurationChange", function(ctx)
          return {type = "modified", data = {api_key = "sk-from-hook"}}
        end)
        Config.setProvider("local", {base_url = "http://127.0.0.1:8000/v1"})
        """,
    )
    assert "`providers.local.api_key` is refused" in message
    assert run(runtime, "return #Config.listProviders()") == 0


def test_replacing_a_provider_forgets_its_cached_models(runtime, fake_llm: FakeProviderServer):
    fake_llm.push("second try works")
    first_ok, second = run(
        runtime,
        f"""
        Config.setProvider("local", {{provider_type = "openai", base_url = "{dead_url()}",
                                      max_retries = 0, timeout_seconds = 5}})
        local ok = pcall(function()
          return Agent.builder():model("local/m"):build():execute("hi")
        end)
        Config.setProvider("local", {{provider_type = "openai",
                                      base_url = "{fake_llm.openai_base_url}"}})
        local r = Agent.builder():model("local/m"):build():execute("hi")
        return ok, r.text
        """,
    )
    assert first_ok is False
    assert second == "second try works"


def test_remove_provider(make_runtime, fake_llm: FakeProviderServer):
    runtime = make_runtime(
        f"""
        [providers.extra]
        provider_type = "openai"
        base_url = "{fake_llm.openai_base_url}"
        api_key = "sk-secret-1234567890"
        """
    )
    seen, first, second, providers, message = run(
        runtime,
        """
        local seen
        Hook.register("ConfigurationChange", function(ctx)
          seen = {action = ctx.action, old = ctx.old, has_new = ctx.new ~= nil}
        end)
        local first = Config.removeProvider("extra")
        local second = Config.removeProvider("extra")
        local ok, err = pcall(function()
          return Agent.builder():model("extra/m"):build():execute("hi")
        end)
        return seen, first, second, #Config.listProviders(), tostring(err)
        """,
    )
    assert (first, second, providers) == (True, False, 0)
    assert seen["action"] == "remove" and seen["has_new"] is False
    assert seen["old"]["base_url"] == fake_llm.openai_base_url
    assert seen["old"]["api_key"] == "***7890"
    assert "Unknown provider 'extra'" in message
    assert run(runtime, 'return Config.get("providers.extra")') is None


def test_the_default_provider_cannot_be_removed(make_runtime):
    runtime = make_runtime(
        '[providers]\ndefault_provider = "main"\n\n[providers.main]\nprovider_type = "openai"\n'
    )
    message = error_of(runtime, 'Config.removeProvider("main")')
    assert "`providers.default_provider`" in message and "default provider" in message
    assert run(runtime, "return Config.listProviders()") == ["main"]


def test_a_hook_can_cancel_a_removal(make_runtime):
    runtime = make_runtime('[providers.main]\nprovider_type = "openai"\n')
    message = error_of(
        runtime,
        """
        Hook.register("ConfigurationChange", function(ctx) return "cancel" end)
        Config.removeProvider("main")
        """,
    )
    assert "Configuration change to providers.main cancelled by a hook" in message
    assert run(runtime, "return Config.listProviders()") == ["main"]


def test_changes_publish_config_changed_when_the_bus_exists(runtime):
    events = run(
        runtime,
        """
        local sub = Event.subscribe("config.*")
        Config.setProvider("local", {base_url = "http://127.0.0.1:8000/v1"})
        Config.removeProvider("local")
        return {Event.receive(sub, 500), Event.receive(sub, 500)}
        """,
    )
    assert [(e["event_type"], e["data"]) for e in events] == [
        ("config.changed", {"path": "providers.local", "action": "set"}),
        ("config.changed", {"path": "providers.local", "action": "remove"}),
    ]


def test_a_change_builds_no_other_component(runtime):
    run(runtime, 'Config.setProvider("local", {base_url = "http://127.0.0.1:8000/v1"})')
    assert (runtime._hooks, runtime._providers, runtime._events) == (None, None, None)
    assert "local" in runtime.providers.names()


def test_changes_last_for_the_run_only_and_touch_no_file(tmp_path: Path):
    path = tmp_path / "llmspell.toml"
    path.write_text('[providers.main]\nprovider_type = "openai"\n', encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    loaded = load_config(path, cwd=tmp_path)
    with Runtime(loaded, sink=CaptureSink(), cwd=tmp_path) as runtime:
        run(
            runtime,
            """
            Config.setProvider("local", {base_url = "http://127.0.0.1:8000/v1"})
            Config.removeProvider("main")
            """,
        )
        assert sorted(runtime.config.providers.providers) == ["local"]
    assert sorted(loaded.config.providers.providers) == ["main"]
    with Runtime(loaded, sink=CaptureSink(), cwd=tmp_path) as again:
        assert run(again, "return Config.listProviders()") == ["main"]
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".toml"}
    assert after == {p: b for p, b in before.items() if p.suffix == ".toml"}
