"""Model strings and agent settings: every script shape folds into one checked AgentConfig."""

from __future__ import annotations

import pytest

from llmspell.agents import config_from_table, parse_model_ref
from llmspell.agents.model_ref import resolve_model
from llmspell.core.errors import ValidationError


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("openai/gpt-4o-mini", ("openai", "gpt-4o-mini")),
        ("ollama/llama3.1:8b", ("ollama", "llama3.1:8b")),
        ("openrouter/meta-llama/llama-3-8b", ("openrouter", "meta-llama/llama-3-8b")),
        ("gpt-4o-mini", (None, "gpt-4o-mini")),
        ("  anthropic/claude-3-5-haiku-latest ", ("anthropic", "claude-3-5-haiku-latest")),
        ("openai/", ("openai", "")),
    ],
)
def test_model_strings_split_on_the_first_slash(ref, expected):
    assert parse_model_ref(ref) == expected


@pytest.mark.parametrize("ref", ["", "   ", "/gpt-4"])
def test_bad_model_strings_are_refused(ref):
    with pytest.raises(ValidationError):
        parse_model_ref(ref)


def test_builder_provider_and_model_resolve_in_any_order():
    assert resolve_model("gpt-4o", None, default_provider="openai") == ("openai", "gpt-4o")
    assert resolve_model("claude-x", "anthropic", default_provider="openai") == (
        "anthropic",
        "claude-x",
    )
    assert resolve_model("llama3", None, default_provider="ollama") == ("ollama", "llama3")
    # a provider prefix that agrees with :provider() is split off; one that differs is kept
    assert resolve_model("openai/gpt-4o", "openai", default_provider="x") == ("openai", "gpt-4o")
    assert resolve_model("meta/llama-3", "openrouter", default_provider="x") == (
        "openrouter",
        "meta/llama-3",
    )
    assert resolve_model(None, "groq", default_provider="openai") == ("groq", "")


def test_defaults_follow_the_original():
    config = config_from_table({"model": "openai/gpt-4o-mini"})
    assert config.name.startswith("agent_") and len(config.name) == 14
    assert config.description == "LLM-powered agent"
    assert config.max_conversation_length == 100
    assert config.max_tool_calls == 100
    assert config.max_execution_time == 300
    assert config.max_memory_mb == 512
    assert config.max_recursion_depth == 10
    assert config.system_text() == (f"You are {config.name}, an AI assistant. LLM-powered agent")


def test_register_shape_with_nested_model_custom_config_and_limits():
    config = config_from_table(
        {
            "name": "data-analyst",
            "description": "Analyses data",
            "type": "llm",
            "model": {
                "provider": "anthropic",
                "model_id": "claude-3-5-haiku-latest",
                "temperature": 0.2,
                "max_tokens": 300,
                "settings": {"base_url": "http://localhost:9/v1"},
            },
            "allowed_tools": {},
            "custom_config": {"system_prompt": "Be terse.", "team": "blue"},
            "resource_limits": {
                "max_execution_time_secs": 60,
                "max_memory_mb": 64,
                "max_tool_calls": 5,
                "max_recursion_depth": 3,
            },
        },
        where="Agent.register",
    )
    assert (config.provider, config.model) == ("anthropic", "claude-3-5-haiku-latest")
    assert (config.temperature, config.max_tokens) == (0.2, 300)
    assert config.base_url == "http://localhost:9/v1"
    assert config.allowed_tools == []
    assert config.system_text() == "Be terse."
    assert config.custom_config == {"team": "blue"}
    assert (config.max_execution_time, config.max_memory_mb) == (60, 64)
    assert (config.max_tool_calls, config.max_recursion_depth) == (5, 3)


def test_aliases_tools_and_system():
    config = config_from_table({"model": "m", "tools": "calculator", "system": "Hi"})
    assert config.allowed_tools == ["calculator"]
    assert config_from_table({"model": "m", "allow_tool": "x"}).allowed_tools == ["x"]
    assert config.system_prompt == "Hi"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"model": "m", "temprature": 1}, "unknown key 'temprature'. Did you mean 'temperature'?"),
        ({"model": "m", "temperature": "hot"}, "temperature must be a number, got string 'hot'"),
        ({"model": "m", "temperature": 3}, "temperature must be between 0 and 2, got 3"),
        ({"model": "m", "max_tokens": 0}, "max_tokens must be at least 1, got 0"),
        ({"model": "m", "max_tokens": 2.5}, "max_tokens must be a whole number"),
        ({"model": "m", "max_conversation_length": -1}, "max_conversation_length must be at"),
        ({"model": "m", "allowed_tools": {"a": 1}}, "allowed_tools must be a list of names"),
        ({"model": "m", "type": "robot"}, "type 'robot' is not an agent type"),
        ({"model": 5}, "model must be a string, got number 5"),
        ({"model": "m", "name": ""}, "name must not be empty"),
        ({"model": "m", "resource_limits": {"cpu": 1}}, "unknown key 'cpu'"),
        ({"model": "m", "response_format": 7}, "response_format must be"),
    ],
)
def test_bad_values_name_the_key(table, message):
    with pytest.raises(ValidationError) as info:
        config_from_table(table)
    assert message in str(info.value)
    assert str(info.value).startswith("Agent.create:")


def test_api_key_is_masked_in_the_script_view():
    config = config_from_table({"model": "m", "api_key": "sk-secret-123456"})
    shown = config.as_dict()
    assert shown["api_key"] == "****3456"
    assert "sk-secret" not in repr(config)
