"""Writing config out (dict, TOML, the default file) and reading one key (get_path)."""

from __future__ import annotations

import json
import tomllib

import pytest

from llmspell.config import (
    LLMSpellConfig,
    ProviderConfig,
    apply_overrides,
    config_from_toml,
    config_to_dict,
    config_to_toml,
    default_config_toml,
    get_path,
    plain_value,
)

SECRETS = """
[providers.openai]
api_key = "sk-proj-abcdefghijklmnop1234"
default_model = "gpt-4o-mini"
access_token = "tok-abcdefghijkl9876"
temperature = 0.5

[providers.local]
api_key = "short"
base_url = "http://localhost:8000/v1"

[tools.email]
smtp_password = "hunter2-but-longer-7777"

[tools.http_request.default_headers]
Authorization = "Bearer abcdefghijklmnop0000"
Accept = "application/json"

[kernel]
hmac_key = "0123456789abcdef0123456789abcdef"

[engines.python]
interpreter = "python3"
"""


@pytest.fixture
def cfg() -> LLMSpellConfig:
    loaded = config_from_toml(SECRETS)
    assert loaded.warnings == []
    return loaded.config


def test_dict_is_json_safe_and_shaped_like_the_file(cfg: LLMSpellConfig) -> None:
    data = config_to_dict(cfg)
    json.dumps(data)
    assert data["providers"]["openai"]["default_model"] == "gpt-4o-mini"
    assert data["providers"]["openai"]["temperature"] == 0.5
    assert "options" not in data["providers"]["openai"]
    assert data["engines"]["python"] == {"interpreter": "python3"}
    assert "custom" not in data["engines"]
    assert data["runtime"]["script_timeout_seconds"] == 300
    assert data["kernel"]["connection_file"] is None


def test_secrets_are_redacted(cfg: LLMSpellConfig) -> None:
    data = config_to_dict(cfg)
    openai = data["providers"]["openai"]
    assert openai["api_key"] == "***1234"
    assert openai["access_token"] == "***9876"
    assert data["providers"]["local"]["api_key"] == "***"
    assert data["tools"]["email"]["smtp_password"] == "***7777"
    assert data["tools"]["http_request"]["default_headers"]["Authorization"] == "***0000"
    assert data["tools"]["http_request"]["default_headers"]["Accept"] == "application/json"
    assert data["kernel"]["hmac_key"] == "***cdef"
    assert openai["api_key_env"] is None
    text = json.dumps(data) + config_to_toml(cfg)
    for secret in ("abcdefghijklmnop1234", "hunter2", "Bearer", "0123456789abcdef"):
        assert secret not in text


def test_redact_false_keeps_secrets(cfg: LLMSpellConfig) -> None:
    data = config_to_dict(cfg, redact=False)
    assert data["providers"]["openai"]["api_key"] == "sk-proj-abcdefghijklmnop1234"
    assert data["kernel"]["hmac_key"] == "0123456789abcdef0123456789abcdef"


def test_sections_serialise_too(cfg: LLMSpellConfig) -> None:
    section = config_to_dict(cfg.providers.providers["openai"])
    assert section["api_key"] == "***1234"
    assert section["temperature"] == 0.5


def test_toml_round_trip(cfg: LLMSpellConfig) -> None:
    text = config_to_toml(cfg, redact=False)
    assert "null" not in text
    again = config_from_toml(text)
    assert again.warnings == []
    assert again.config == cfg


def test_toml_of_defaults_round_trips() -> None:
    again = config_from_toml(config_to_toml(LLMSpellConfig()))
    assert again.warnings == []
    assert again.config == LLMSpellConfig()


def test_option_named_like_a_field_survives_a_round_trip() -> None:
    cfg = LLMSpellConfig().replace(
        providers={"providers": {"x": ProviderConfig(options={"name": "inner", "top_p": 1})}}
    )
    again = config_from_toml(config_to_toml(cfg, redact=False)).config
    assert again.providers.providers["x"].options == {"name": "inner", "top_p": 1}


def test_default_file_is_complete_commented_and_loads_back() -> None:
    text = default_config_toml()
    loaded = config_from_toml(text, source="default")
    assert loaded.warnings == []
    assert loaded.config == LLMSpellConfig()
    assert text.startswith("#")
    assert "umask = 0o027" in text
    assert "# default_provider =" in text
    assert "[providers.openai]" in text  # as a commented example
    parsed = tomllib.loads(text)
    assert parsed["runtime"]["script_timeout_seconds"] == 300
    for line in text.splitlines():
        assert len(line) <= 100, line


def test_default_file_mentions_every_key() -> None:
    text = default_config_toml()
    missing = []

    def walk(data: dict, prefix: str) -> None:
        for key, value in data.items():
            if key in ("default_headers", "levels"):
                if f"[{prefix}{key}]" not in text:
                    missing.append(prefix + key)
            elif isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            elif f"{key} =" not in text:
                missing.append(prefix + key)

    walk(config_to_dict(LLMSpellConfig()), "")
    assert [key for key in missing if not key.startswith("app.")] == []


def test_get_path(cfg: LLMSpellConfig) -> None:
    assert get_path(cfg, "runtime.script_timeout_seconds") == 300
    security = get_path(cfg, "runtime.security")
    assert security is cfg.runtime.security
    assert get_path(cfg, "providers.openai") is cfg.providers.providers["openai"]
    assert get_path(cfg, "providers.providers.openai.default_model") == "gpt-4o-mini"
    assert get_path(cfg, "providers.openai.model") == "gpt-4o-mini"
    assert get_path(cfg, "providers.openai.temperature") == 0.5
    assert get_path(cfg, "engines.python.interpreter") == "python3"
    assert get_path(cfg, "tools.file_operations.allowed_paths.0") == "/tmp"
    assert get_path(cfg, "") is cfg


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("runtime.nope", "runtime has no `nope`"),
        ("providers.groq", "providers has no `groq`"),
        ("runtime.script_timeout_seconds.x", "has no `x`"),
        ("nothing", "the configuration has no `nothing`"),
    ],
)
def test_get_path_unknown(cfg: LLMSpellConfig, path: str, fragment: str) -> None:
    with pytest.raises(KeyError) as info:
        get_path(cfg, path)
    assert f"`{path}`" in str(info.value)
    assert fragment in str(info.value)


def test_plain_value_redacts_leaves_found_by_get_path(cfg: LLMSpellConfig) -> None:
    key = get_path(cfg, "providers.openai.api_key")
    assert key == "sk-proj-abcdefghijklmnop1234"
    assert plain_value("api_key", key) == "***1234"
    assert plain_value("allowed_paths", get_path(cfg, "tools.file_operations.allowed_paths")) == [
        "/tmp"
    ]
    headers = plain_value("default_headers", get_path(cfg, "tools.http_request.default_headers"))
    assert headers["Authorization"] == "***0000"


def test_get_path_after_overrides() -> None:
    cfg = apply_overrides(LLMSpellConfig(), {"debug.level": "TRACE"})
    assert get_path(cfg, "debug.level") == "trace"
